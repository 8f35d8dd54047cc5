"""XML that cannot explode: hostile feeds and OPML files expand nothing and read nothing.

Each attack is built here (billion laughs, quadratic blowup, external entities pointing at
a canary file, parameter entities, an external DTD on a local server), in several
encodings; the parse must be refused with the project's error, quickly in memory, and the
canary's text must appear nowhere.
"""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.core.http import HttpClient
from newsflow.core.settings import Settings
from newsflow.ingest.feeds import FeedParseError, parse_feed
from newsflow.ingest.poller import initial_state, poll_feed
from newsflow.registry import FeedListError, make_spec, read_feed_list

from support.rawhttp import Request, Server, respond, serve

CANARY = "CANARY-7f3a9c-not-for-feeds"
ITEM = "<item><title>t</title><link>https://example.com/a</link></item>"


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    path = tmp_path / "canary.txt"
    path.write_text(CANARY + "\n")
    return path


def laughs(levels: int = 10) -> tuple[str, str]:
    decls = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)]
    return f"<!DOCTYPE rss [{''.join(decls)}]>", f"&lol{levels - 1};"


def attacks(canary: Path) -> dict[str, tuple[str, str]]:
    """name -> (DOCTYPE, what the channel title holds)."""
    return {
        "billion laughs": laughs(),
        "quadratic blowup": (f'<!DOCTYPE rss [<!ENTITY a "{"x" * 60000}">]>', "&a;" * 60000),
        "external entity (XXE)": (f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{canary}">]>',
                                  "&xxe;"),
        "parameter entity": (f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "file://{canary}"> %p;]>',
                             "t"),
        "entity behind a comment": ("<!-- <rss> --><!DOCTYPE rss [<!ENTITY a 'b'>]>", "&a;"),
        "entity after a bracket in a literal": (
            "<!DOCTYPE rss [<!ATTLIST rss x CDATA ']>'><!ENTITY a 'b'>]>", "&a;"),
    }


def feed_document(doctype: str, title: str, encoding: str = "utf-8") -> bytes:
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'
    text = (f'{declaration}{doctype}<rss version="2.0"><channel><title>{title}</title>'
            f"{ITEM}</channel></rss>")
    if encoding == "utf-7":
        return text.encode("utf-7")
    return text.encode(encoding)


ENCODINGS = ["utf-8", "utf-16", "utf-16-be", "utf-32", "utf-7"]


def cases(canary: Path) -> Iterator[tuple[str, bytes]]:
    for name, (doctype, title) in attacks(canary).items():
        for encoding in ENCODINGS:
            yield f"{name} ({encoding})", feed_document(doctype, title, encoding)


def test_hostile_feeds_are_refused_unexpanded(canary: Path) -> None:
    outcomes = {}
    for name, body in cases(canary):
        tracemalloc.start()
        try:
            try:
                feed = parse_feed(body, "https://example.com/feed", "application/rss+xml")
                outcomes[name] = f"parsed: {feed.title!r}"[:200]
            except FeedParseError as exc:
                outcomes[name] = "refused" if "entity declarations" in str(exc) else str(exc)
                assert exc.reason == "invalid"
                assert CANARY not in str(exc)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 4 * 1024 * 1024, f"{name}: {peak / 2**20:.1f} MiB"
    assert outcomes == dict.fromkeys(outcomes, "refused")
    assert len(outcomes) == len(attacks(canary)) * len(ENCODINGS)


def test_the_header_charset_is_read_too(canary: Path) -> None:
    doctype, title = attacks(canary)["billion laughs"]
    body = (f'{doctype}<rss version="2.0"><channel><title>{title}</title>{ITEM}'
            "</channel></rss>").encode("utf-7")  # no declaration: only the header names it
    with pytest.raises(FeedParseError, match="entity declarations"):
        parse_feed(body, "https://example.com/feed", "application/rss+xml; charset=utf-7")


def test_ordinary_doctypes_and_entity_text_in_content_still_parse() -> None:
    rss091 = (b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS'
              b' 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">'
              b'<rss version="0.91"><channel><title>Old</title>' + ITEM.encode()
              + b"</channel></rss>")
    assert parse_feed(rss091, "https://example.com/feed").title == "Old"
    about_xml = (b'<rss version="2.0"><channel><title>XML tips</title><item><title>On DTDs'
                 b"</title><link>https://example.com/dtd</link><description>&lt;!ENTITY a 'b'"
                 b"&gt; and <![CDATA[<!DOCTYPE x [<!ENTITY y 'z'>]>]]></description></item>"
                 b"</channel></rss>")
    feed = parse_feed(about_xml, "https://example.com/feed")
    assert [i.link for i in feed.items] == ["https://example.com/dtd"]


async def test_an_external_dtd_is_never_fetched() -> None:
    async def dtd(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        await respond(writer, 200, b'<!ENTITY boom "boom">', {"Content-Type": "text/plain"})

    async with serve({"/evil.dtd": dtd}) as server:
        body = (f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{server.url("/evil.dtd")}">'
                f'<rss version="2.0"><channel><title>T &boom;</title>{ITEM}</channel></rss>'
                ).encode()
        feed = parse_feed(body, "https://example.com/feed")
        await asyncio.sleep(0.1)
    assert server.connections == 0
    assert "boom" not in (feed.title or "")


async def test_a_hostile_feed_is_reported_on_its_state(canary: Path) -> None:
    doctype, title = attacks(canary)["billion laughs"]

    async def hostile(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        await respond(writer, 200, feed_document(doctype, title),
                      {"Content-Type": "application/rss+xml"})

    settings = Settings(http_allow_networks="127.0.0.0/8", http_host_delay_s=0)
    async with serve({"/feed.xml": hostile}) as server, HttpClient(settings) as http:
        spec = make_spec(server.url("/feed.xml"))
        result = await poll_feed(http, spec, initial_state(spec, settings), settings)
    assert result.result == "error" and result.links == []
    assert result.state.last_error and "entity declarations" in result.state.last_error


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_hostile_opml_is_refused(canary: Path, tmp_path: Path, encoding: str) -> None:
    outline = '<outline text="x" xmlUrl="https://example.com/feed?&amp;{}" />'
    for name, (doctype, title) in attacks(canary).items():
        doctype = doctype.replace("DOCTYPE rss", "DOCTYPE opml").replace("ATTLIST rss", "ATTLIST opml")
        text = (f'<?xml version="1.0" encoding="{encoding}"?>{doctype}<opml version="2.0">'
                f"<head><title>{title}</title></head><body>{outline.format(title)}</body></opml>")
        path = tmp_path / "feeds.opml"
        path.write_bytes(text.encode(encoding))
        with pytest.raises(FeedListError) as caught:
            read_feed_list(path)
        assert CANARY not in str(caught.value), name
        assert "entity" in str(caught.value) or "not valid OPML" in str(caught.value), name


def test_an_opml_file_in_an_unknown_encoding_is_a_clear_error(tmp_path: Path) -> None:
    """Found by fuzzing: the XML parser's LookupError escaped as a traceback."""
    path = tmp_path / "feeds.opml"
    path.write_bytes(b'<?xml version="1.0" encoding="TF-8"?><opml version="2.0"><body>'
                     b'<outline xmlUrl="https://example.com/feed"/></body></opml>')
    with pytest.raises(FeedListError, match="not valid OPML: unknown encoding"):
        read_feed_list(path)
