"""Failure signatures, and clustering of failures no bucket rule caught.

A signature is the exception type, the exception's one-line message with the parts that vary from
run to run masked (numbers, hex ids, quoted literals, paths, UUIDs, timestamps), and the innermost
traceback frame in the project's own code. Failures that differ only by such values share one.
For each cluster a ready-to-paste ``[[tool.gates.buckets]]`` rule is written, checked against the
run's failures so that it catches exactly that cluster.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from gates.junit import Phase, TestCase
from gates.model import JSONValue

# Order matters: timestamps and UUIDs contain numbers, quoted strings may contain paths.
_MASKS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "<TIME>",
        re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"),
        r"\d{4}-\d{2}-\d{2}[T ][\d:.]+(?:Z|[+-][\d:]+)?",
    ),
    (
        "<UUID>",
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        ),
        r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}",
    ),
    ("<STR>", re.compile(r"'[^'\n]*'|\"[^\"\n]*\""), """(?:'[^']*'|"[^"]*")"""),
    ("<PATH>", re.compile(r"(?:[A-Za-z]:)?(?:[\w.~-]*[/\\])+[\w.-]+"), r"\S+"),
    (
        "<HEX>",
        re.compile(r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b"),
        r"(?:0x)?[0-9a-fA-F]+",
    ),
    ("<N>", re.compile(r"\d+(?:\.\d+)?"), r"\d+(?:\.\d+)?"),
)
_TOKEN = re.compile("|".join(re.escape(token) for token, _, _ in _MASKS))
_TOKEN_PATTERNS = {token: pattern for token, _, pattern in _MASKS}

UNKNOWN_TYPE = "UnknownError"
"""Stands for a failure whose exception type could not be read."""

_GLOB_SPECIAL = re.compile(r"[\[\]*?]")
_SPECIAL = re.compile(r"[.^$*+?{}\[\]\\|()]")
_PHASE_MESSAGE = re.compile(r'^failed on (?:setup|teardown) with "(.*)"$', re.DOTALL)
_E_LINE = re.compile(r"^E\s+(\S.*)$", re.MULTILINE)
_PYTEST_FRAME = re.compile(r"^([^\s:][^:\n]*\.py):(\d+):", re.MULTILINE)
_PYTHON_FRAME = re.compile(r'^\s*File "([^"]+\.py)", line (\d+)', re.MULTILINE)
_NOT_PROJECT = re.compile(r"(site-packages|dist-packages|/lib/python\d|\\lib\\|^<)")


def mask(text: str) -> str:
    """Replace what varies between runs by placeholders."""
    for token, pattern, _ in _MASKS:
        text = pattern.sub(token, text)
    return text


def summary_line(case: TestCase) -> str:
    """The exception's one-line message, without the type prefix."""
    message = case.message
    phase = _PHASE_MESSAGE.match(message)
    if phase:
        message = phase.group(1)
    kind = case.exception_type or ""
    if case.phase is Phase.COLLECT or not message:
        # pytest's collection errors say only "collection failure": the E line says what.
        lines = [line for line in _E_LINE.findall(case.traceback) if kind and kind in line]
        message = lines[-1] if lines else message
    first = message.strip().splitlines()[0] if message.strip() else ""
    short = kind.rsplit(".", 1)[-1]
    for prefix in (kind, short):
        if prefix and first.startswith(prefix + ":"):
            return first[len(prefix) + 1 :].strip()
        if prefix and first == prefix:
            return ""
    return first


def project_frame(case: TestCase) -> str:
    """Path of the innermost traceback frame in the project's own code ('' when none)."""
    frames = [m.group(1) for m in _PYTEST_FRAME.finditer(case.traceback)]
    frames += [m.group(1) for m in _PYTHON_FRAME.finditer(case.traceback)]
    own = [f.replace("\\", "/") for f in frames if not _NOT_PROJECT.search(f.replace("\\", "/"))]
    own = [f for f in own if not f.startswith("/")] or own
    if own:
        return own[-1]
    return case.file or ""


@dataclass(frozen=True)
class Signature:
    exception_type: str
    message: str
    """Masked one-line message."""
    frame: str

    @property
    def id(self) -> str:
        text = "\x00".join((self.exception_type, self.message, self.frame))
        return hashlib.sha256(text.encode()).hexdigest()[:10]

    def __str__(self) -> str:
        head = f"{self.exception_type}: {self.message}" if self.message else self.exception_type
        return f"{head} @ {self.frame}" if self.frame else head


def signature(case: TestCase) -> Signature:
    return Signature(
        exception_type=case.exception_type or UNKNOWN_TYPE,
        message=mask(summary_line(case))[:300],
        frame=project_frame(case),
    )


def message_pattern(masked: str) -> str:
    """A regex (search semantics) matching every message with this masked shape."""
    parts, position = [], 0
    for token in _TOKEN.finditer(masked):
        parts.append(_escape(masked[position : token.start()]))
        parts.append(_TOKEN_PATTERNS[token.group()])
        position = token.end()
    parts.append(_escape(masked[position:]))
    return "".join(parts)


def _escape(text: str) -> str:
    """Like ``re.escape``, but only where needed, so that suggested rules stay readable."""
    return _SPECIAL.sub(lambda found: "\\" + found.group(), text)


@dataclass(frozen=True)
class Cluster:
    signature: Signature
    cases: tuple[TestCase, ...]
    rule: dict[str, str | list[str]]
    """The suggested ``match`` table."""
    exact: bool
    """True when the suggested rule catches exactly this cluster among the run's failures."""

    @property
    def toml(self) -> str:
        """A ready-to-paste ``[[tool.gates.buckets]]`` entry."""
        name = _slug(f"{self.signature.exception_type} {self.signature.message}")[:48].strip("-")
        fields = ", ".join(f"{key} = {_toml_value(value)}" for key, value in self.rule.items())
        return "\n".join(
            (
                "[[tool.gates.buckets]]",
                f'name = "{name or "cluster"}-{self.signature.id[:6]}"',
                'severity = "high"',
                f'hypothesis = "TODO: why {len(self.cases)} test(s) fail with this signature"',
                'owner = "TODO"',
                f"match = {{ {fields} }}",
            )
        )

    def to_dict(self, limit: int) -> dict[str, JSONValue]:
        return {
            "id": self.signature.id,
            "signature": str(self.signature),
            "type": self.signature.exception_type,
            "message": self.signature.message,
            "frame": self.signature.frame,
            "count": len(self.cases),
            "tests": [case.key for case in self.cases[:limit]],
            "rule": self.toml,
            "exact": self.exact,
        }


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _toml_value(value: str | list[str]) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # Literal strings keep regex backslashes readable; fall back to a basic string.
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    if "'''" not in value and not value.endswith("'") and "\n" not in value:
        return f"'''{value}'''"
    return json.dumps(value)


MAX_CLUSTERS = 20
"""Clusters reported (biggest first), each with a rule checked against every failure."""

MAX_LISTED = 50
"""Largest cluster whose suggested rule may list its node ids one by one."""

RuleCompiler = Callable[[dict[str, str | list[str]]], Callable[[TestCase], bool]]
"""Turns a suggested ``match`` table into a predicate, exactly as config would read it."""


def cluster(
    failures: Sequence[TestCase], compile_rule: RuleCompiler, *, others: Iterable[TestCase] = ()
) -> list[Cluster]:
    """Group ``failures`` by signature, biggest first, each with a suggested rule.

    A rule is checked against ``failures`` and ``others`` (failures that earlier rules caught,
    which a later rule would never see, but a user may reorder): it must catch its cluster only.
    """
    groups: dict[Signature, list[TestCase]] = {}
    for case in failures:
        groups.setdefault(signature(case), []).append(case)
    pool = [*failures, *others]
    # A suggested rule names the exception type, so only failures of that type (its last dotted
    # part) can be caught: checking those is enough, and much faster on large runs.
    by_type: dict[str, list[TestCase]] = {}
    for case in pool:
        by_type.setdefault(_short_type(case), []).append(case)
    clusters = []
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), str(item[0])))
    for sig, cases in ordered[:MAX_CLUSTERS]:
        unknown = sig.exception_type == UNKNOWN_TYPE
        candidates = pool if unknown else by_type.get(_short_type(cases[0]), [])
        rule, exact = _suggest(sig, cases, candidates, compile_rule)
        clusters.append(Cluster(sig, tuple(cases), rule, exact))
    return clusters


def _suggest(
    sig: Signature, cases: list[TestCase], pool: Sequence[TestCase], compile_rule: RuleCompiler
) -> tuple[dict[str, str | list[str]], bool]:
    """The most general of: type + message, then narrowed to the files, then to the tests."""
    members = {id(case) for case in cases}
    base: dict[str, str | list[str]] = {"type": sig.exception_type}
    if sig.exception_type == UNKNOWN_TYPE:
        base = {"outcome": sorted({case.outcome.value for case in cases})}
    if sig.message:
        pattern = message_pattern(sig.message)
        compiled = re.compile(pattern)
        on_message = all(compiled.search(case.message) for case in cases)
        base["message" if on_message else "trace"] = pattern
    files = sorted({_file_glob(case.nodeid) for case in cases})
    candidates = [base, {**base, "nodeid": files}]
    if len(cases) <= MAX_LISTED:
        exact = sorted({_GLOB_SPECIAL.sub(r"[\g<0>]", case.nodeid) for case in cases})
        candidates.append({**base, "nodeid": exact})
    for rule in candidates:
        predicate = compile_rule(rule)
        if {id(case) for case in pool if predicate(case)} == members:
            return rule, True
    return candidates[-1], False


def _short_type(case: TestCase) -> str:
    return (case.exception_type or "").rsplit(".", 1)[-1]


def _file_glob(nodeid: str) -> str:
    path, _, rest = nodeid.partition("::")
    return f"{path}::*" if rest else path
