"""Reading a smoke plan's values: typed, ``${env:…}``-expanded, every error one line naming the
plan file and key (exit 2).

Secret values (``${secret:…}``, the password of ``base_url``) are collected as they are read, so
the loader can redact them from its own errors and the run from everything it writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import jmespath
import jmespath.exceptions

from gates.errors import ConfigError
from gates.redact import too_short, url_credentials
from gates.smoke.plan import Auth, PlanError
from gates.smoke.templating import ENVIRONMENT, literal, placeholders
from gates.toml_table import Table

MIN_INTERVAL_S = 0.01
"""Polls closer together than this would hammer a target that is starting up."""


class Fields:
    """The value readers of one plan file, and the secrets met so far."""

    def __init__(self, file: Path, environ: Mapping[str, str]) -> None:
        self.file = file
        self.environ = environ
        self.secrets: set[str] = set()

    def fail(self, table: Table, key: str | int | None, problem: str) -> NoReturn:
        try:
            table.fail(key, problem)
        except ConfigError as exc:
            raise PlanError(str(exc)) from None

    def expand(self, table: Table, key: str, text: str) -> str:
        """Substitute ``${env:X}``/``${secret:X}``; braces in values are made literal."""

        def fill(match: re.Match[str]) -> str:
            kind, name = match.groups()
            value = self.environ.get(name)
            if value is None:
                self.fail(
                    table, key, f"environment variable {name} is not set (${{{kind}:{name}}})"
                )
            if kind == "secret":
                problem = too_short(value)
                if problem is not None:
                    self.fail(table, key, f"${{secret:{name}}}: {problem}")
                self.secrets.add(value)
            return literal(value)

        return ENVIRONMENT.sub(fill, text)

    def template(self, table: Table, key: str, text: str, known: set[str]) -> str:
        """Expand the environment and check every ``{name}`` is known at this point."""
        text = self.expand(table, key, text)
        for name in placeholders(text):
            if name not in known:
                self.fail(
                    table,
                    key,
                    f"unknown placeholder {{{name}}} (not in [vars], not captured by an earlier "
                    f"step, not run_id)",
                )
        return text

    def template_value(self, table: Table, key: str, value: Any, known: set[str]) -> Any:
        if isinstance(value, str):
            return self.template(table, key, value, known)
        if isinstance(value, list):
            return [self.template_value(table, key, v, known) for v in value]
        if isinstance(value, dict):
            return {
                self.template(table, key, str(k), known): self.template_value(table, key, v, known)
                for k, v in value.items()
            }
        return value

    def jmespath(self, table: Table, key: str, source: str) -> Any:
        try:
            return jmespath.compile(source)
        except jmespath.exceptions.JMESPathError as exc:
            detail = " ".join(str(exc).split())
            self.fail(table, key, f"bad JMESPath {source!r}: {detail}")

    def regex(self, table: Table, key: str, source: str) -> re.Pattern[str]:
        try:
            return re.compile(source)
        except re.error as exc:
            self.fail(table, key, f"bad regular expression {source!r}: {exc}")

    def number(
        self,
        table: Table,
        key: str,
        default: float | None,
        *,
        at_least: float = 0,
        above: float | None = None,
    ) -> float | None:
        """A finite number, at least ``at_least`` (more than ``above`` when given)."""
        value = table.number(key, default, low=at_least)  # finite, and at least at_least
        if value is not None and above is not None and value <= above and key in table:
            self.fail(table, key, f"must be more than {above:g}, got {value:g}")
        return value

    def seconds(
        self, table: Table, key: str, default: float, *, at_least: float = 0, zero_ok: bool = False
    ) -> float:
        """A time limit or interval in seconds: finite, more than 0 (or 0 when ``zero_ok``)."""
        value = self.number(table, key, default, at_least=at_least, above=None if zero_ok else 0)
        return default if value is None else value

    def path(self, table: Table, key: str, text: str) -> str:
        """A path on the target (``${env:…}`` expanded): it starts with ``/``."""
        path = self.expand(table, key, text)
        if not path.startswith("/"):
            self.fail(table, key, f"expected a path starting with /, got {path!r}")
        return path

    def str_map(self, table: Table, key: str, known: set[str]) -> dict[str, str]:
        sub = table.table(key)
        values: dict[str, str] = {}
        for name, value in sub.items():
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self.fail(sub, name, "expected a string")
            values[name] = self.template(sub, name, str(value), known)
        return values

    def url_password(self, table: Table | None, url: str) -> None:
        """The password of ``https://user:PASSWORD@host`` is a secret: refused when too short
        (``table`` None: it came from --base-url), redacted otherwise."""
        credentials = url_credentials(url)
        if credentials is None:
            return
        problem = too_short(credentials[1])
        if problem is not None:
            if table is None:
                raise PlanError(f"--base-url: the URL's password: {problem}")
            self.fail(table, "base_url", f"the URL's password: {problem}")
        self.secrets.add(credentials[1])

    def scalar(self, table: Table, key: str, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(table, key, "expected a string or number")
        return str(value)

    def statuses(self, table: Table, default: tuple[int, ...]) -> tuple[int, ...]:
        if "status" not in table:
            table.integer("status", 0)
            return default
        raw = table.raw("status")
        values = raw if isinstance(raw, list) else [raw]
        if not values or any(
            isinstance(v, bool) or not isinstance(v, int) or not 100 <= v <= 599 for v in values
        ):
            self.fail(table, "status", "expected an HTTP status or a list of them")
        return tuple(values)

    def auth(self, table: Table, known: set[str]) -> Auth | None:
        if "auth" not in table:
            table.table("auth")
            return None
        sub = table.table("auth")
        bearer = sub.optional_string("bearer")
        basic = sub.strings("basic") if "basic" in sub else None
        sub.done()
        if (bearer is None) == (basic is None):
            self.fail(table, "auth", "expected { bearer = TOKEN } or { basic = [USER, PASSWORD] }")
        if basic is not None:
            if len(basic) != 2:
                self.fail(sub, "basic", "expected [USER, PASSWORD]")
            user, password = (self.template(sub, "basic", part, known) for part in basic)
            return Auth(basic=(user, password))
        return Auth(bearer=self.template(sub, "bearer", bearer or "", known))
