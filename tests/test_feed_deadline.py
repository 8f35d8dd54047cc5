"""Feeds are parsed off the poller's event loop, within a deadline (``ingest/feedpool.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from newsflow.core.http import HttpClient
from newsflow.core.settings import Settings
from newsflow.ingest.feedpool import FeedParser
from newsflow.ingest.poller import initial_state, poll_feed
from newsflow.registry import make_spec

from support.rawhttp import Request, Server, respond, serve

pytestmark = pytest.mark.timeout(120)

#: A megabyte of unclosed tags: feedparser's loose parser takes many seconds over it.
RUNAWAY = b'<rss version="2.0"><channel><title>t</title><item>' + b"<a " * 350_000
GOOD = (b'<rss version="2.0"><channel><title>Good</title><item><title>One</title>'
        b"<link>https://example.com/one</link></item></channel></rss>")
ENTITIES = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "b">]><rss version="2.0"><channel>'
            b"<title>&a;</title></channel></rss>")


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = dict(http_allow_networks="127.0.0.0/8", http_host_delay_s=0,
                                  feed_parse_timeout_s=1.5, workers=1)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def feeds() -> AsyncIterator[Server]:
    def route(body: bytes) -> Any:
        async def handler(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
            await respond(writer, 200, body, {"Content-Type": "application/rss+xml"})
        return handler

    async with serve({"/runaway.xml": route(RUNAWAY), "/good.xml": route(GOOD),
                      "/entities.xml": route(ENTITIES)}) as server:
        yield server


async def test_a_runaway_feed_ends_as_timeout_and_the_loop_keeps_running(feeds: Server) -> None:
    s = settings()
    parser = await FeedParser(s).start()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        async with HttpClient(s) as http:
            spec = make_spec(feeds.url("/runaway.xml"))
            result = await poll_feed(http, spec, initial_state(spec, s), s, parser)
            during = ticks
            good_spec = make_spec(feeds.url("/good.xml"))
            good = await poll_feed(http, good_spec, initial_state(good_spec, s), s, parser)
            bad_spec = make_spec(feeds.url("/entities.xml"))
            bad = await poll_feed(http, bad_spec, initial_state(bad_spec, s), s, parser)
    finally:
        ticker.cancel()
        await parser.close()
    assert result.result == "error" and result.links == []
    assert result.state.last_error and result.state.last_error.startswith("WorkerTimeout"), (
        result.state.last_error)
    assert during >= 10, f"the event loop was blocked ({during} ticks in a 1.5 s parse)"
    assert good.result == "new" and [link.url for link in good.links] == [
        "https://example.com/one"], "the replaced worker parses the next feed"
    assert bad.state.last_error and "FeedParseError" in bad.state.last_error
    assert "entity declarations" in bad.state.last_error
