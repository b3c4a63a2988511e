"""A gate whose environment did not install: recorded as ERROR, naming the installer's own error.

The chain (:mod:`gates.chain`) installs what a gate needs before the gate runs: the project with
its test requirements, release-gates and its tools. When that install fails the gate never runs,
and with no result for this tree ``decide`` could only say it "did not run". Instead the chain
runs ``gates GATE --setup-failed FILE`` (FILE: what the installer wrote to stderr) from
release-gates' own environment, and :class:`SetupFailed` goes through
:func:`gates.runner.run_gate` like any gate that could not judge: an ERROR bound to this tree,
whose summary is the installer's error line (a backend's ``OSError: Readme file does not exist:
MISSING.md``, uv's last ``cause:``), never the traceback around it.

Credentials are masked in the whole text before a line is picked (a password cut in two by
the line's end would match no pattern): an index URL's password, in the text or in the
installer's environment (``PIP_INDEX_URL``...), in any spelling.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gates.errors import ToolError
from gates.gate import Gate
from gates.redact import MASK, Redactor
from gates.tools import last_exception_line

if TYPE_CHECKING:
    from gates.config import GatesConfig
    from gates.model import GateResult
    from gates.project import Project

DID_NOT_INSTALL = "what it needs did not install"
INDEX_URL_VARIABLES = (
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_INDEX",
)
"""Where an installer finds index URLs (space-separated lists), which may hold a password."""
MAX_LINE_CHARS = 300
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")
_USERINFO_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@/\s]*@")
_DECORATION = "\N{MULTIPLICATION SIGN}╰─▶>│├ "
"""What uv and pip draw before their error lines."""
_NOT_THE_ERROR = ("hint:", "note:", "[end of output]", "see above", "warning:", "[stderr]")


def redacted(text: str, environ: Mapping[str, str]) -> str:
    """``text`` with the password of every URL in it or in the installer's index settings
    masked in each of its spellings, then every URL password left (a short one) masked too."""
    redactor = Redactor()
    urls = [*_URL.findall(text)]
    urls += [url for name in INDEX_URL_VARIABLES for url in environ.get(name, "").split()]
    for url in urls:
        redactor.add_url_tokens(url)
    return _USERINFO_PASSWORD.sub(rf"\1{MASK}@", redactor.text(text))


def error_line(text: str) -> str:
    """The installer's own error: the last exception line of a backend's traceback, else the last
    line that is neither a hint, a note nor a warning (uv's last ``cause:``, pip's ``ERROR:``)."""
    found = last_exception_line(text)
    if found is None:
        lines = [line.strip().lstrip(_DECORATION) for line in text.splitlines()]
        meaningful = [
            line for line in lines if line and not line.lower().startswith(_NOT_THE_ERROR)
        ]
        found = meaningful[-1] if meaningful else "the installer wrote no error"
    line = " ".join(found.split())
    return line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 1] + "…"


def summary(errors: Path, environ: Mapping[str, str]) -> str:
    """What the ERROR says: the installer's error line from the file of its errors."""
    try:
        text = errors.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"{DID_NOT_INSTALL} ({errors}: cannot read: {exc.strerror or exc})"
    return f"{DID_NOT_INSTALL}: {error_line(redacted(text, environ))}"


@dataclass(frozen=True)
class SetupFailed(Gate[str]):
    """Gate ``name``, whose environment did not install (``errors``: the installer's stderr).

    Run by :func:`gates.runner.run_gate`, it records an ERROR with :func:`summary` and the
    command exits 2; never reused, it leaves no files (the defaults of :class:`Gate`).
    """

    name: str
    errors: Path
    environ: Mapping[str, str]
    """The installer's environment: its index URLs' passwords are masked too."""

    def collect(self, project: Project, tree: str) -> str:
        return summary(self.errors, self.environ)

    def judge(self, evidence: str, config: GatesConfig, today: dt.date) -> GateResult:
        raise ToolError(evidence)  # nothing of the gate ran: there is nothing to judge
