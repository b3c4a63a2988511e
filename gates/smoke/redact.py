"""Redaction: every secret value becomes ``***`` in everything the smoke gate writes or prints.

A secret can come back in other spellings — JSON-escaped in an echoed body, percent-encoded in a
URL — so each secret is redacted in each of those forms too.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"


class Redactor:
    """The set of secret values known so far (``${secret:…}`` and secret captures)."""

    def __init__(self, secrets: frozenset[str] | set[str] = frozenset()) -> None:
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if not secret:
            return
        forms = {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret)}
        if not forms <= self._forms:
            self._forms |= forms
            # Longest first, so a secret that contains another is masked whole.
            ordered = sorted(self._forms, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(form) for form in ordered))

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
