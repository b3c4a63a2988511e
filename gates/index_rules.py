"""What a package index (PyPI) refuses at upload that neither ``build`` nor ``twine check`` does.

A build backend may write metadata that PyPI rejects (flit_core does not validate classifiers,
for one): a GO must never mean the index will refuse the files. These are the upload checks of
PyPI's own metadata validation, run on the built files' core metadata.
"""

from __future__ import annotations

import re
from email.message import Message

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from trove_classifiers import classifiers, deprecated_classifiers

_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
SUMMARY_MAX = 512
"""PyPI's limit on ``Summary``, which must also be one line."""


def upload_problems(metadata: Message) -> tuple[str, ...]:
    """Why the index would refuse a file with this core metadata (empty when it would not)."""
    problems: list[str] = []
    name = metadata.get("Name")
    if not name or not _NAME.match(name):
        problems.append(f"Name {name!r} is not a valid project name")
    problems += _version(metadata.get("Version"))
    summary = metadata.get("Summary") or ""
    if "\n" in summary or len(summary) > SUMMARY_MAX:
        problems.append(f"Summary must be one line of at most {SUMMARY_MAX} characters")
    for classifier in metadata.get_all("Classifier") or ():
        problems += _classifier(str(classifier))
    if expression := metadata.get("License-Expression"):
        try:
            canonicalize_license_expression(expression)
        except InvalidLicenseExpression:
            problems.append(f"License-Expression {expression!r} is not a valid SPDX expression")
    if requires := metadata.get("Requires-Python"):
        try:
            SpecifierSet(requires)
        except InvalidSpecifier:
            problems.append(f"Requires-Python {requires!r} is not a valid version specifier")
    return tuple(problems)


def _version(version: str | None) -> list[str]:
    try:
        parsed = Version(version or "")
    except InvalidVersion:
        return [f"Version {version!r} is not a PEP 440 version"]
    if parsed.local is not None:
        return [f"Version {version} is a local version (+{parsed.local}): the index refuses it"]
    return []


def _classifier(classifier: str) -> list[str]:
    if classifier.startswith("Private ::"):
        return [f"classifier {classifier!r} is private: the index refuses every upload with it"]
    if classifier in deprecated_classifiers:
        instead = ", ".join(repr(c) for c in deprecated_classifiers[classifier]) or "nothing"
        return [f"classifier {classifier!r} is deprecated (use {instead})"]
    if classifier not in classifiers:
        return [f"classifier {classifier!r} is not a known trove classifier"]
    return []
