"""The byte filter before expat: what is short passes unchanged however chunked; the rest is cut."""

from __future__ import annotations

import xml.parsers.expat
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates.bounded_xml import CAP_BYTES, MAX_TOKEN_BYTES, BoundedFeed, MarkupError

DOCUMENT = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<!DOCTYPE testsuites [<!ELEMENT a (#PCDATA)> <!ATTLIST a b CDATA "x>y">]>\n'
    '<testsuites><testsuite name="pytest"><!-- a comment - with > and < -->'
    '<testcase classname="a.b" name="c&amp;d &#233; é" time="0.1">'
    "<failure message='it&apos;s \"bad\" > worse'>trace &lt; x <![CDATA[raw <s> & ]] ]]> end"
    "</failure><?pi data?></testcase>"
    '<testcase name="x"\n  file="y.py"\n/><testcase name="\U0001f600"></testcase></testsuite>'
    "</testsuites>\n"
).encode()


def run(data: bytes, sizes: Sequence[int]) -> tuple[bytes, BoundedFeed]:
    """Feed ``data`` in chunks of the given sizes (cycled), then finish."""
    feed = BoundedFeed()
    out = []
    pos = 0
    turn = 0
    while pos < len(data):
        size = sizes[turn % len(sizes)]
        out.append(feed.feed(data[pos : pos + size]))
        pos += size
        turn += 1
    out.append(feed.feed(b"", final=True))
    return b"".join(out), feed


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=30))
def test_short_tokens_pass_unchanged_whatever_the_chunks(sizes: list[int]) -> None:
    out, feed = run(DOCUMENT, sizes)
    assert out == DOCUMENT
    assert (feed.cuts.count, feed.line) == (0, 6)


def parsed(data: bytes) -> tuple[dict[str, str], list[str]]:
    parser = xml.parsers.expat.ParserCreate()
    attrs: dict[str, str] = {}
    comments: list[str] = []
    parser.StartElementHandler = lambda _, found: attrs.update(found)
    parser.CommentHandler = comments.append
    parser.Parse(data, True)
    return attrs, comments


@pytest.mark.parametrize("size", [1, 3, 4096, CAP_BYTES, 10 * CAP_BYTES])
def test_long_values_are_cut_on_a_character_and_never_inside_a_reference(size: int) -> None:
    emoji = "\U0001f600" * CAP_BYTES  # four bytes each: the cap falls on a character's edge
    document = (
        f'<a\nx="é{emoji}" y="{"&amp;" * CAP_BYTES}"><!--{"x-" * CAP_BYTES}--></a>'
    ).encode()
    out, feed = run(document, [size])
    attrs, comments = parsed(out)
    assert attrs == {"x": "é" + "\U0001f600" * ((CAP_BYTES - 2) // 4), "y": "&" * (CAP_BYTES // 5)}
    assert comments == ["x-" * (CAP_BYTES // 2 - 1) + "x"]  # no "--->"
    assert (feed.cuts.count, feed.cuts.first_line) == (3, 2)


def test_text_and_cdata_stream_through_whatever_their_length() -> None:
    document = b"<a>" + b"t" * (3 * CAP_BYTES) + b"<![CDATA[" + b"c" * (3 * CAP_BYTES) + b"]]></a>"
    out, feed = run(document, [CAP_BYTES])
    assert (out, feed.cuts.count) == (document, 0)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (b"<a " + b"b" * MAX_TOKEN_BYTES + b"/>", "line 1: a tag longer than 1048576 bytes"),
        (
            b"<!DOCTYPE a [" + b" " * MAX_TOKEN_BYTES + b"]><a/>",
            "line 1: a DOCTYPE longer than 1048576 bytes",
        ),
        (b"<a>&" + b"n" * CAP_BYTES + b"</a>", "line 1: '&' that starts no character reference"),
        (b"\xff\xfe<\x00a\x00/\x00>\x00", "UTF-16 or UTF-32 encoded: JUnit XML is read as UTF-8"),
    ],
    ids=["tag", "doctype", "reference", "utf16"],
)
def test_what_cannot_be_bounded_is_refused(document: bytes, problem: str) -> None:
    with pytest.raises(MarkupError) as caught:
        run(document, [CAP_BYTES])
    assert str(caught.value) == problem


@pytest.mark.parametrize("sizes", [[CAP_BYTES], [4096, 7, CAP_BYTES + 1], [3 * CAP_BYTES]])
def test_a_large_report_passes_whole_but_for_the_one_long_value(sizes: list[int]) -> None:
    cases = [f'<testcase classname="t.test_m" name="test_{n}" time="0.{n}"/>' for n in range(9_000)]
    cases[4_000] = f'<testcase name="long"><failure message="{"m" * 2 * CAP_BYTES}"/></testcase>'
    cases[6_000] = f"<!-- {'c' * 100} --><system-out>{'out &amp; ' * 20_000}</system-out>"
    document = ("<testsuite>\n" + "\n".join(cases) + "\n</testsuite>").encode()
    out, feed = run(document, sizes)
    expected = document.replace(b"m" * 2 * CAP_BYTES, b"m" * CAP_BYTES)
    assert (out, feed.cuts.count, feed.cuts.first_line, feed.line) == (expected, 1, 4_002, 9_002)
