"""The served OpenAPI document: does the plan still match the API, and do responses match it?

Drift: every HTTP step's method + path template must exist in the document. A plan segment with a
``{placeholder}`` matches any templated segment of the document, literal segments must be equal.
Responses: a JSON body is validated (jsonschema, draft 2020-12 as OpenAPI 3.1 uses) against the
schema documented for its status, with the document's ``components`` available to ``$ref``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry
from referencing.exceptions import Unresolvable

from gates.smoke.plan import HttpStep

MAX_ERRORS = 3
_TEMPLATED = re.compile(r"\{[^}]*\}")


def _segments(path: str) -> list[str]:
    return path.split("?", 1)[0].rstrip("/").split("/")


def _matches(plan_path: str, api_path: str) -> bool:
    plan_parts, api_parts = _segments(plan_path), _segments(api_path)
    if len(plan_parts) != len(api_parts):
        return False
    return all(
        mine == theirs or bool(_TEMPLATED.search(mine)) or bool(_TEMPLATED.search(theirs))
        for mine, theirs in zip(plan_parts, api_parts, strict=True)
    )


def _exact(concrete: str, api_path: str) -> bool:
    """A sent path against a document path: templated segments match anything."""
    plan_parts, api_parts = _segments(concrete), _segments(api_path)
    return len(plan_parts) == len(api_parts) and all(
        mine == theirs or bool(_TEMPLATED.fullmatch(theirs))
        for mine, theirs in zip(plan_parts, api_parts, strict=True)
    )


@dataclass(frozen=True)
class OpenApi:
    document: Mapping[str, Any]

    @property
    def paths(self) -> Mapping[str, Any]:
        paths = self.document.get("paths")
        return paths if isinstance(paths, dict) else {}

    def drift(self, steps: tuple[HttpStep, ...]) -> list[str]:
        """Steps (and cleanups) whose method + path the document does not have."""
        found = []
        for step in steps:
            requests = [(step.name, step.request)]
            if step.cleanup is not None:
                requests.append((f"{step.name} (cleanup)", step.cleanup.request))
            for name, request in requests:
                if request.path.startswith(("http://", "https://")):
                    continue
                operations = [
                    item
                    for path, item in self.paths.items()
                    if _matches(request.path, path) and isinstance(item, dict)
                ]
                if not any(request.method.lower() in item for item in operations):
                    found.append(f"{name}: {request.method} {request.path} is not in the schema")
        return found

    def response_schema(self, method: str, path: str, status: int) -> dict[str, Any] | None:
        """The JSON schema documented for this answer, or None when none is documented."""
        candidates = [item for api, item in self.paths.items() if _exact(path, api)]
        # A literal path beats a templated one (``/leads/export`` over ``/leads/{id}``).
        candidates.sort(key=lambda item: 0 if item is self.paths.get(path.split("?")[0]) else 1)
        for item in candidates:
            operation = item.get(method.lower()) if isinstance(item, dict) else None
            if not isinstance(operation, dict):
                continue
            responses = operation.get("responses")
            if not isinstance(responses, dict):
                return None
            response = (
                responses.get(str(status))
                or responses.get(f"{str(status)[0]}XX")
                or responses.get("default")
            )
            if not isinstance(response, dict):
                return None
            content = response.get("content") or {}
            media = content.get("application/json") if isinstance(content, dict) else None
            schema = media.get("schema") if isinstance(media, dict) else None
            return schema if isinstance(schema, dict) else None
        return None

    def validate(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Schema violations as ``response <json path>: <message> (<rule>)``."""
        schema = self.response_schema(method, path, status)
        if schema is None:
            return []
        rooted = {**schema, "components": self.document.get("components", {})}
        try:
            # An empty registry: a $ref resolves within the document only. jsonschema's default
            # fetches any URL a $ref names (another host, file://): the target would choose.
            Draft202012Validator.check_schema(rooted)  # else a bad keyword fails in validating
            validator = Draft202012Validator(rooted, registry=Registry())
            errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        except SchemaError as exc:
            return [f"documented schema is invalid: {exc.message}"]
        except Unresolvable as exc:  # to nowhere, or elsewhere
            return [f"documented schema cannot be followed: {' '.join(str(exc).split())[:300]}"]
        except RecursionError:  # Python words it by where the stack ran out: not repeatable
            return ["documented schema cannot be followed: a $ref leads back to itself"]
        return [
            f"response {error.json_path}: {error.message} ({error.validator})"
            for error in errors[:MAX_ERRORS]
        ]
