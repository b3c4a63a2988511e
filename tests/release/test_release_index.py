"""The upload repository client: the simple index derived from the upload URL, what a real
pypiserver on 127.0.0.1 holds (by content), the redaction of upload secrets."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from release_support import new_password, running_index

from gates.redact import Redactor
from gates.release.errors import ReleaseError
from gates.release.index import Index, credentials, index_url


@pytest.mark.parametrize(
    ("repository", "configured", "expected"),
    [
        ("https://upload.pypi.org/legacy/", None, "https://pypi.org/simple/"),
        ("https://upload.pypi.org./legacy/", None, "https://pypi.org/simple/"),
        ("https://test.pypi.org/legacy/", None, "https://test.pypi.org/simple/"),
        ("http://127.0.0.1:8080/", None, "http://127.0.0.1:8080/simple/"),
        ("https://host/repo/legacy", None, "https://host/repo/simple/"),
        ("https://host/legacy/", "https://host/+simple", "https://host/+simple/"),
    ],
)
def test_the_index_is_derived_from_the_repository_url(
    repository: str, configured: str | None, expected: str
) -> None:
    assert index_url(repository, configured) == expected


def test_upload_credentials_are_sent_only_to_the_upload_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TWINE_USERNAME", "me")
    monkeypatch.setenv("TWINE_PASSWORD", "s3cret")
    assert credentials("https://host/legacy/", "https://host/simple/") == ("me", "s3cret")
    assert credentials("https://a:b%40c@host/legacy/", "https://host/simple/") == ("a", "b@c")
    assert credentials("https://host/legacy/", "https://other/simple/") is None


@pytest.mark.parametrize("hash_algo", ["sha256", "off"])
def test_files_are_known_by_content_with_or_without_a_hash_fragment(
    tmp_path: Path, hash_algo: str
) -> None:
    content = b"not really a wheel"
    with running_index(tmp_path, new_password(), hash_algo=hash_algo) as server:
        (server.packages / "demo_idx-1.0-py3-none-any.whl").write_bytes(content)
        index = Index(f"{server.url}simple/", None, Redactor())

        assert index.files("Demo.Idx") == {
            "demo_idx-1.0-py3-none-any.whl": hashlib.sha256(content).hexdigest()
        }
        assert index.files("not-there") == {}


def test_an_index_that_cannot_be_reached_is_one_line_without_the_password(
    tmp_path: Path,
) -> None:
    with running_index(tmp_path, new_password()) as server:
        url = server.url
    # The server is gone: nothing listens on its port any more.
    redactor = Redactor()
    redactor.add("s3cret", "TWINE_PASSWORD")
    index = Index(f"{url}simple/", ("me", "s3cret"), redactor)
    with pytest.raises(ReleaseError) as caught:
        index.files("demo")
    assert str(caught.value) == (
        f"cannot read the index {url}simple/demo/: [Errno 111] Connection refused"
    )
