"""Property-based and mutation fuzzing of what third parties hand newsflow.

Feed parsing, page cleaning and the message decoders get generated and mutated input,
seeded from the project's fixtures and from ``../shared/corpus/feeds`` (or the folder
``NEWSFLOW_FUZZ_CORPUS`` names) when present. Each must return a value or raise one of the
project's own errors, within bounded memory; page cleaning, which runs in worker processes,
ends a runaway document as the pool's timeout error.

A few hundred cases run in CI; ``NEWSFLOW_FUZZ_EXAMPLES=10000`` sets the cases per property
for a long run.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import FIXTURES, SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_schemas import samples

from newsflow.core.errors import NewsflowError
from newsflow.core.workers import WorkerPool, WorkerTimeout
from newsflow.ingest.cleaner import (
    ExtractionError,
    PageInput,
    clean_batch,
    clean_page,
    warm_up,
)
from newsflow.ingest.feeds import FeedParseError, parse_feed
from newsflow.registry import FeedListError, read_feed_list
from newsflow.schemas import MESSAGE_TYPES, InvalidMessage, SchemaMismatch, decode, encode

EXAMPLES = int(os.environ.get("NEWSFLOW_FUZZ_EXAMPLES", "0") or 0)
pytestmark = pytest.mark.timeout(600 + EXAMPLES // 4)  # a long run takes its time
#: Most memory one parse may take (Python allocations, tracemalloc) for inputs under 1 MiB.
MEMORY_CAP = 64 * 1024 * 1024


def budget(default: int) -> Any:
    return settings(max_examples=EXAMPLES or default, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def corpus_dir() -> Path | None:
    named = os.environ.get("NEWSFLOW_FUZZ_CORPUS")
    path = Path(named) if named else SHARED / "corpus" / "feeds"
    return path if path.is_dir() else None


def feed_seeds() -> list[bytes]:
    seeds = [p.read_bytes() for p in sorted((FIXTURES / "feeds").iterdir()) if p.is_file()]
    folder = corpus_dir()
    if folder is not None:
        seeds += [p.read_bytes() for p in sorted(folder.rglob("*"))
                  if p.is_file() and p.stat().st_size < 256 * 1024]
    return seeds


def page_seeds() -> list[bytes]:
    articles = resources.files("newsflow.demo.content") / "articles"
    return [p.read_bytes() for p in sorted(articles.iterdir(), key=lambda p: p.name)
            if p.name.endswith(".html")][:4]


FEEDS = feed_seeds()
PAGES = page_seeds()
TOKENS = [b"<", b">", b"&", b"&amp;", b"&#0;", b"&#x110000;", b"&lol;", b"]]>", b"<![CDATA[",
          b"<!DOCTYPE rss [", b"<!ENTITY a 'b'>", b"]>", b"<!--", b"-->", b"<?xml ?>", b"\x00",
          b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80", b"<item>", b"</item>",
          b"<entry>", b"<link>", b"</link>", b"http://", b"https://[::1", b"javascript:",
          b"<pubDate>Mon, 99 Jan 99999 99:99:99 +9999</pubDate>", b"<ttl>99999999999999</ttl>",
          b'{"version": "https://jsonfeed.org/version/1.1", "items": [', b"[" * 64, b"{" * 64,
          b"<div>" * 64, b"<script>", b"<style>", b'<meta charset="utf-7">', b"+ADw-",
          b'<meta http-equiv="refresh" content="0;url=file:///etc/passwd">', b"\r\n" * 8]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed with a few edits: bytes flipped, slices cut, repeated, or tokens inserted."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.integers(0, 5))
        if edit == 0 and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif edit == 1:
            del data[at:at + draw(st.integers(1, 512))]
        elif edit == 2:
            piece = bytes(data[at:at + draw(st.integers(1, 256))])
            data[at:at] = piece * draw(st.integers(1, 16))
        elif edit == 3:
            data[at:at] = draw(st.sampled_from(TOKENS)) * draw(st.integers(1, 32))
        elif edit == 4:
            data[at:at] = draw(st.binary(max_size=64))
        else:
            del data[at:]
    return bytes(data)


def within_memory(call: Callable[[], Any]) -> Any:
    """``call()``, failing if its peak of Python memory passes :data:`MEMORY_CAP`."""
    tracemalloc.start()
    try:
        result = call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_CAP, f"peak {peak / 2**20:.0f} MiB"
    return result


def check_feed(body: bytes, content_type: str = "") -> None:
    try:
        feed = within_memory(lambda: parse_feed(body, "https://example.com/feeds/a.xml",
                                                content_type))
    except FeedParseError as exc:
        assert str(exc) and exc.reason == "invalid"
        return
    for item in feed.items:
        assert item.link.startswith(("http://", "https://")), item.link
        assert item.published is None or item.published.tzinfo is not None
        assert all(isinstance(a, str) for a in item.authors)
    assert feed.ttl_s is None or isinstance(feed.ttl_s, int)


# --- feed parsing ----------------------------------------------------------------------------


@budget(120)
@given(mutated(FEEDS), st.sampled_from(["", "application/rss+xml", "text/xml; charset=utf-16",
                                        "application/feed+json", "text/html; charset=utf-7"]))
def test_mutated_feeds_parse_or_fail_cleanly(body: bytes, content_type: str) -> None:
    check_feed(body, content_type)


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
LINK = st.one_of(st.sampled_from(["https://example.com/a", "/relative", "ftp://x/", "", " ",
                                  "http://[::1", "https://exa mple.com/?q=<>"]),
                 TEXT, TEXT.map(lambda t: "https://example.com/" + t))


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def generated_feed(draw: st.DrawFn) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["rss", "atom", "json"]))
    items = draw(st.lists(st.tuples(TEXT, LINK, TEXT, TEXT), max_size=8))
    if kind == "json":
        doc = {"version": "https://jsonfeed.org/version/1.1", "title": draw(TEXT),
               "items": [{"title": t, "url": u, "summary": s, "date_published": d,
                          "authors": [{"name": t}]} for t, u, s, d in items]}
        return orjson.dumps(doc), "application/feed+json"
    if kind == "rss":
        body = "".join(f"<item><title>{escape(t)}</title><link>{escape(u)}</link>"
                       f"<description>{escape(s)}</description><pubDate>{escape(d)}</pubDate>"
                       "</item>" for t, u, s, d in items)
        text = f'<rss version="2.0"><channel><title>{escape(draw(TEXT))}</title>{body}</channel></rss>'
    else:
        body = "".join(f'<entry><title>{escape(t)}</title><link href="{escape(u)}"/>'
                       f"<summary>{escape(s)}</summary><updated>{escape(d)}</updated></entry>"
                       for t, u, s, d in items)
        text = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{body}</feed>'
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1"]))
    declared = f'<?xml version="1.0" encoding="{encoding}"?>'
    return (declared + text).encode(encoding, "xmlcharrefreplace"), "application/xml"


@budget(80)
@given(generated_feed())
def test_generated_feeds_parse_or_fail_cleanly(case: tuple[bytes, str]) -> None:
    check_feed(*case)


# --- feed lists (OPML) ---------------------------------------------------------------------

OPML = [(Path(__file__).parents[1] / "examples" / "feeds.opml").read_bytes()]


@budget(60)
@given(mutated(OPML))
def test_mutated_opml_reads_or_fails_cleanly(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feeds.opml"
        path.write_bytes(data)
        try:
            urls = within_memory(lambda: read_feed_list(path))
        except FeedListError as exc:
            assert str(exc)
            return
    assert all(u.startswith(("http://", "https://")) for u in urls)  # maybe none


# --- page cleaning ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warm_cleaner() -> None:
    """The extractor's and language identifier's data load on first use: not the page's cost."""
    warm_up()
    clean_page(PAGES[0], "https://example.com/news/a.html")


@pytest.mark.usefixtures("warm_cleaner")
@budget(40)
@given(mutated(PAGES))
def test_mutated_pages_clean_or_fail_cleanly(html: bytes) -> None:
    try:
        page = within_memory(lambda: clean_page(html, "https://example.com/news/a.html"))
    except ExtractionError as exc:
        assert str(exc)
        return
    assert page.text.strip() and isinstance(page.authors, list)


def test_a_runaway_page_ends_as_the_pools_timeout_error() -> None:
    """In worker processes (as in production) a page that overruns fails alone, as timeout.

    3.5 MB of short paragraphs keeps the extractor busy for many seconds.
    """
    runaway = b"<html><body>" + b"<p>word word word word word word</p>" * 100_000
    pages = [PageInput(runaway, "https://example.com/runaway"),
             PageInput(PAGES[0], "https://example.com/news/a.html")]

    async def run() -> list[Any]:
        pool = await WorkerPool("fuzz", 1, initializer=warm_up, timeout_s=3).start()
        try:
            return await pool.map_batches(clean_batch, pages)
        finally:
            await pool.close()

    overran, good = asyncio.run(run())
    assert isinstance(overran, WorkerTimeout) and overran.reason == "timeout", overran
    assert isinstance(overran, NewsflowError)
    assert isinstance(good, dict) and good["text"], good


# --- message decoders ------------------------------------------------------------------------


def encoded_messages() -> Iterator[tuple[type, bytes]]:
    for model, message in samples().items():
        yield model, encode(message)


MESSAGES = list(encoded_messages())


@budget(120)
@given(st.sampled_from(MESSAGES), st.data())
def test_mutated_messages_decode_or_fail_cleanly(case: tuple[type, bytes], data: Any) -> None:
    model, value = case
    body = data.draw(mutated([value]))
    target = data.draw(st.sampled_from(MESSAGE_TYPES))
    header = data.draw(st.sampled_from([f"{target.SCHEMA_NAME}/1", f"{model.SCHEMA_NAME}/1",
                                        "", "x/y", f"{target.SCHEMA_NAME}/99"]))
    try:
        message = decode(target, body, [("schema", header.encode())] if header else [])
    except (InvalidMessage, SchemaMismatch) as exc:
        assert str(exc)
        return
    assert isinstance(message, target)
    assert decode(target, encode(message), [("schema", f"{target.SCHEMA_NAME}/1".encode())])


@budget(60)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(TEXT, inner, max_size=4), max_leaves=20),
       st.sampled_from(MESSAGE_TYPES))
def test_arbitrary_json_decodes_or_fails_cleanly(doc: Any, target: type) -> None:
    try:
        body = orjson.dumps(doc)
    except (TypeError, orjson.JSONEncodeError):
        return
    try:
        decode(target, body, [("schema", f"{target.SCHEMA_NAME}/1".encode())])
    except (InvalidMessage, SchemaMismatch) as exc:
        assert str(exc)


def test_the_seeds_are_there() -> None:
    assert len(FEEDS) >= 5 and PAGES and len(MESSAGES) == len(MESSAGE_TYPES)
    if corpus_dir() is None:
        pytest.skip("../shared/corpus/feeds is not present: fuzzed from the fixtures only")
    assert len(FEEDS) > 50
