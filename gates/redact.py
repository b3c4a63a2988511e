"""Redaction: every known secret becomes ``***`` in everything gates prints, writes or records.

One module for every user (the smoke gate, ``release publish``, the PostgreSQL ledger URL).

A secret comes back in other spellings than the one it was sent in: JSON-escaped in an echoed
body, Python ``repr`` in an assertion message, HTML- or XML-escaped in a page or a report,
percent-encoded in a URL or form, whitespace-collapsed in a one-line excerpt, base64 in an
``Authorization: Basic`` header. Each secret is compiled to one pattern in which every character
matches each of its spellings (so mixed spellings match too: ``%27`` beside ``&quot;``), plus its
base64 forms. Redact the full text first, then cut or escape it: a secret cut in two before
redaction matches no pattern and leaks all but its tail.

A secret shorter than :data:`MIN_SECRET_CHARS` is refused where it comes from: masking ``pw``
everywhere would mangle ordinary text, and not masking it would leak it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from gates.errors import ConfigError

MASK = "***"
MIN_SECRET_CHARS = 6
"""Shorter secrets are refused (see the module docstring)."""

# The named HTML/XML entities of the characters that have one (numeric ones cover every char).
_ENTITIES = {'"': ("quot",), "'": ("apos",), "<": ("lt",), ">": ("gt",), "&": ("amp",)}
# Backslash escapes that JSON and Python repr write for control characters.
_LETTER_ESCAPES = {"\n": "n", "\t": "t", "\r": "r", "\b": "b", "\f": "f", "\v": "v", "\0": "0"}
# Characters JSON, repr or a shell-like escaper may precede with (repeated) backslashes.
_BACKSLASHED = frozenset("\"'\\/")
# Without the scheme's authority grammar: enough to find the password in a URL urlsplit rejects.
_USERINFO = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?P<user>[^:@/]*):(?P<password>[^@/]*)@")


def too_short(secret: str) -> str | None:
    """Why ``secret`` cannot be redacted safely, or None when it can."""
    if len(secret) >= MIN_SECRET_CHARS:
        return None
    return (
        f"a secret must be at least {MIN_SECRET_CHARS} characters, this one has {len(secret)} "
        "(a shorter one cannot be masked without masking ordinary text)"
    )


def url_credentials(url: str) -> tuple[str, str] | None:
    """(user, password) of ``url``, percent-decoded; also for a URL that urlsplit rejects."""
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:  # "[::1" and friends: the password is still there to hide
        match = _USERINFO.match(url)
        user, password = (match["user"], match["password"]) if match else (None, None)
    if password is None:
        return None
    return unquote(user or ""), unquote(password)


def shown_url(url: str, name: str) -> str:
    """``url`` with its password replaced by ``***``; ``name (unparsable URL)`` when it cannot be
    parsed (then nothing of it is shown: where the password ends is anyone's guess)."""
    try:
        parts = urlsplit(url)
        password, host, port = parts.password, parts.hostname, parts.port
    except ValueError:
        return f"{name} (unparsable URL)"
    if password is None:
        return url
    netloc = f"{parts.username or ''}:{MASK}@{host or ''}" + (f":{port}" if port else "")
    return urlunsplit(parts._replace(netloc=netloc))


_CREDENTIAL_NAME = re.compile(
    r"(?i)token|secret|key|sig|pass|pwd|auth|session|credential|jwt|code|ticket"
)
"""A URL query parameter whose name says its value opens something (``?token=``, ``X-Amz-
Signature``): the value is a secret even when no plan named it."""


def bare_url(url: str) -> str:
    """``url`` without user info, query and fragment: what names a resource (a ``Location``),
    without the credentials a signed or tokenised URL carries."""
    without_user = re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", r"\1", url)
    return re.split(r"[?#]", without_user, maxsplit=1)[0]


def _hex_escapes(char: str) -> list[str]:
    """``\\xNN``, ``\\uNNNN``, ``\\UNNNNNNNN`` and JSON's surrogate pairs for ``char``."""
    code = ord(char)
    forms = [rf"\\+U0*{code:x}"]
    if code <= 0xFFFF:
        forms.append(rf"\\+u0*{code:x}")
    else:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(rf"\\+u{high:x}\\+u{low:x}")
    if code <= 0xFF:
        forms.append(rf"\\+x0*{code:x}")
    return [f"(?i:{form})" for form in forms]


def _char_pattern(char: str) -> str:
    """Every spelling of one character, as a regex alternation."""
    forms = [re.escape(char)] if char != "\\" else []
    if char in _BACKSLASHED:
        forms.append(r"\\+" + re.escape(char) if char != "\\" else r"\\+")
    if char in _LETTER_ESCAPES:
        forms.append(r"\\+" + _LETTER_ESCAPES[char])
    forms += _hex_escapes(char)
    # HTML/XML entities, escaped any number of times over (&amp;quot;).
    names = [*_ENTITIES.get(char, ()), f"#0*{ord(char)}", f"(?i:#x0*{ord(char):x})"]
    forms.append("&(?:amp;)*(?:" + "|".join(names) + ");")
    # Percent-encoding of the UTF-8 bytes, encoded any number of times over (%2522).
    utf8 = "".join(f"%(?:25)*(?i:{byte:02x})" for byte in char.encode("utf-8"))
    forms.append(utf8)
    if char == " ":
        forms.append(r"\+")  # quote_plus
    return "(?:" + "|".join(forms) + ")"


def _secret_pattern(secret: str) -> str:
    """The regex of every spelling of ``secret``; a run of whitespace matches any run of it
    (an excerpt collapses whitespace)."""
    parts: list[str] = []
    index = 0
    while index < len(secret):
        char = secret[index]
        if char.isspace():
            end = index
            while end < len(secret) and secret[end].isspace():
                end += 1
            spaces = {*secret[index:end], " ", "\n"}
            parts.append("(?:" + "|".join(_char_pattern(c) for c in sorted(spaces)) + r"|\s)+")
            index = end
        else:
            parts.append(_char_pattern(char))
            index += 1
    return "".join(parts)


def _base64_forms(data: str) -> set[str]:
    raw = data.encode("utf-8")
    forms = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    return forms | {form.rstrip("=") for form in forms}


class Redactor:
    """The secrets known so far; :meth:`text` masks every spelling of each."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._literals: set[str] = set()
        """Spellings no per-character pattern can describe: base64."""
        self._pattern: re.Pattern[str] | None = None

    def add(self, secret: str, source: str) -> None:
        """Redact ``secret`` from now on; ``source`` names where it came from in the error that
        refuses a short one (``ConfigError``, exit 2)."""
        problem = too_short(secret)
        if problem is not None:
            raise ConfigError(f"{source}: {problem}")
        self._remember([secret], _base64_forms(secret))

    def add_unchecked(self, secret: str) -> None:
        """Redact a value that was already refused as a secret but may still be echoed (a short
        captured token): better masking some ordinary text than showing it."""
        if secret:
            self._remember([secret], _base64_forms(secret))

    def add_basic(self, user: str, password: str) -> None:
        """The ``Authorization: Basic`` token of a known password, in case it is echoed."""
        self._remember([], _base64_forms(f"{user}:{password}"))

    def add_url(self, url: str, source: str) -> None:
        """The password of ``url`` (``https://user:PASSWORD@host``) and the Basic token that an
        HTTP client derives from it."""
        credentials = url_credentials(url)
        if credentials is None:
            return
        user, password = credentials
        self.add(password, source)  # its pattern matches the percent-encoded form in the URL too
        self.add_basic(user, password)

    def add_url_tokens(self, url: str) -> None:
        """Secrets a URL the target sent carries (a ``Location``): its password, and the value of
        each query parameter named like a credential; shorter ones than a secret may be are left
        (masking them would mask ordinary text), :func:`bare_url` drops them where it is used."""
        credentials = url_credentials(url)
        found = [credentials[1]] if credentials else []
        query = url.partition("?")[2].partition("#")[0]
        found += [value for name, value in parse_qsl(query) if _CREDENTIAL_NAME.search(name)]
        for secret in found:
            if too_short(secret) is None:
                self._remember([secret], _base64_forms(secret))

    def _remember(self, secrets: Iterable[str], literals: set[str]) -> None:
        before = (len(self._secrets), len(self._literals))
        self._secrets.update(s for s in secrets if s)
        self._literals |= literals
        if (len(self._secrets), len(self._literals)) == before:
            return
        # Longest first, so a secret that contains another is masked whole.
        alternatives = sorted(
            [(len(s), _secret_pattern(s)) for s in self._secrets]
            + [(len(s), re.escape(s)) for s in self._literals],
            key=lambda item: item[0],
            reverse=True,
        )
        self._pattern = re.compile("|".join(pattern for _, pattern in alternatives))

    def __contains__(self, text: str) -> bool:
        return self._pattern is not None and self._pattern.search(text) is not None

    def text(self, text: str) -> str:
        return self._pattern.sub(MASK, text) if self._pattern is not None else text

    def deep(self, value: Any) -> Any:
        """Redact every string inside a JSON-like value (keys too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list | tuple):
            return [self.deep(item) for item in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.deep(v) for k, v in value.items()}
        return value

    def url(self, url: str, name: str) -> str:
        """``url`` as it may be shown: its password masked, then any other secret."""
        return self.text(shown_url(url, name))
