"""Redaction catches a secret in every spelling it comes back in, and refuses one too short."""

from __future__ import annotations

import base64
import html
import json
import xml.etree.ElementTree as ET
from urllib.parse import quote, quote_plus

import pytest

from gates.errors import ConfigError, LedgerError
from gates.ledger.postgres import PostgresLedger
from gates.redact import Redactor, bare_url, shown_url, url_credentials
from gates.smoke.evidence import excerpt

SECRET = "Pa'ss\"w0  rd<&>/+%é\\"


def _redactor(*secrets: str) -> Redactor:
    redactor = Redactor()
    for secret in secrets:
        redactor.add(secret, "test")
    return redactor


def _xml_attribute(text: str) -> str:
    return ET.tostring(ET.Element("a", v=text), encoding="unicode")[6:-4]


@pytest.mark.parametrize(
    "spell",
    [
        lambda s: s,
        lambda s: json.dumps(s)[1:-1],
        lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
        lambda s: json.dumps(json.dumps(s)[1:-1])[1:-1],
        lambda s: repr(s)[1:-1],
        lambda s: ascii(s)[1:-1],
        lambda s: repr(repr(s)[1:-1])[1:-1],
        lambda s: html.escape(s),
        lambda s: html.escape(s, quote=False),
        lambda s: html.escape(s).replace("&#x27;", "&#39;"),
        lambda s: html.escape(html.escape(s)),
        _xml_attribute,
        lambda s: quote(s),
        lambda s: quote(s, safe=""),
        lambda s: quote_plus(s),
        lambda s: quote(quote(s, safe=""), safe=""),
        lambda s: " ".join(s.split()),
        lambda s: s.replace("  ", "\n\t "),
        lambda s: base64.b64encode(s.encode()).decode(),
        lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("="),
    ],
    ids=[
        "raw",
        "json",
        "json-unicode",
        "json-twice",
        "repr",
        "ascii",
        "repr-twice",
        "html",
        "html-no-quotes",
        "html-&#39;",
        "html-twice",
        "xml-attribute",
        "quote",
        "quote-safe-none",
        "quote-plus",
        "quote-twice",
        "collapsed",
        "other-whitespace",
        "base64",
        "base64-urlsafe",
    ],
)
def test_every_spelling_of_a_secret_is_masked(spell: object) -> None:
    assert callable(spell)
    spelled = spell(SECRET)

    assert _redactor(SECRET).text(f"before {spelled} after") == "before *** after"


def test_mixed_spellings_within_one_secret_are_masked() -> None:
    text = "Pa%27ss&quot;w0 rd&lt;\\u0026>%2F+\\x25\\u00e9\\\\"

    assert _redactor(SECRET).text(text) == "***"


def test_longer_secret_is_masked_whole_and_nested_values_are_redacted() -> None:
    redactor = _redactor("abcdef", "abcdefgh")

    assert redactor.deep({"k-abcdef": ["abcdefgh", 1, ("abcdef",)]}) == {
        "k-***": ["***", 1, ["***"]]
    }
    assert "xabcdefx" in redactor
    assert "abcde" not in redactor


def test_nothing_to_redact_leaves_text_alone() -> None:
    assert Redactor().text("token abc") == "token abc"
    assert "abc" not in Redactor()


def test_a_short_secret_is_refused_naming_where_it_came_from() -> None:
    with pytest.raises(ConfigError) as raised:
        _redactor("abc")

    assert str(raised.value) == (
        "test: a secret must be at least 6 characters, this one has 3 "
        "(a shorter one cannot be masked without masking ordinary text)"
    )


def test_a_short_value_can_still_be_masked_when_it_was_already_refused() -> None:
    redactor = Redactor()
    redactor.add_unchecked("abc")
    redactor.add_unchecked("")

    assert redactor.text("abc, YWJj") == "***, ***"


def test_a_url_password_and_its_basic_token_are_secrets() -> None:
    redactor = Redactor()
    redactor.add_url("http://smoke:p%40ss-word@host:8080/x", "--base-url")
    token = base64.b64encode(b"smoke:p@ss-word").decode()

    assert redactor.text(f"p@ss-word p%40ss-word Basic {token}") == "*** *** Basic ***"
    assert redactor.url("http://smoke:p%40ss-word@host:8080/x", "URL") == (
        "http://smoke:***@host:8080/x"
    )
    with pytest.raises(ConfigError, match=r"^--base-url: a secret must be at least 6"):
        redactor.add_url("http://smoke:pw@host/", "--base-url")


def test_shown_url_hides_only_the_password_and_all_of_an_unparsable_url() -> None:
    assert shown_url("postgresql://u:p%40ss@db.example:5433/x?sslmode=require", "L") == (
        "postgresql://u:***@db.example:5433/x?sslmode=require"
    )
    assert shown_url("postgresql://u@db/x", "L") == "postgresql://u@db/x"
    assert shown_url("postgresql://u:pw@db:notaport/x", "L") == "L (unparsable URL)"
    assert shown_url("postgresql://u:secretpass@[::1", "L") == "L (unparsable URL)"


def test_the_password_of_an_unparsable_url_is_still_found() -> None:
    assert url_credentials("postgresql://u:secretpass@[::1") == ("u", "secretpass")
    assert url_credentials("https://me:s3cret@host:8443/legacy/") == ("me", "s3cret")
    assert url_credentials("https://host/legacy/") is None


def test_an_unparsable_ledger_url_never_shows_its_password() -> None:
    with pytest.raises(LedgerError) as raised:
        PostgresLedger("postgresql://u:secretpass@[::1")

    assert str(raised.value) == (
        "GATES_LEDGER_URL (unparsable URL): cannot connect: end of string reached when looking "
        'for matching "]" in IPv6 host address in URI: "postgresql://u:***@[::1"'
    )


def test_an_excerpt_cut_never_leaves_part_of_a_mask() -> None:
    body = "x" * 297 + " *** tail"

    assert excerpt(body) == "x" * 297 + " …"
    assert excerpt("a  b\n c") == "a b c"


@pytest.mark.parametrize(
    ("url", "bare"),
    [
        ("https://robot:pw@host.example/things/7?token=abc#top", "https://host.example/things/7"),
        ("/things/7?sig=abc", "/things/7"),
        ("/things/7#x", "/things/7"),
        ("/things/7", "/things/7"),
        ("http://[::1/x?token=abc", "http://[::1/x"),
    ],
)
def test_bare_url_keeps_what_names_the_resource(url: str, bare: str) -> None:
    assert bare_url(url) == bare


def test_a_location_s_credentials_are_masked_from_then_on() -> None:
    redactor = Redactor()

    redactor.add_url_tokens(
        "https://robot:pw-123456@h/x?access_token=tok-123456&X-Amz-Signature=sig-123456"
        "&version=latest-v2&code=abc"
    )

    assert redactor.text("pw-123456 tok-123456 sig-123456 latest-v2 abc") == (
        "*** *** *** latest-v2 abc"
    )
