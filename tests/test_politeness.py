"""Politeness that holds, observed by real local servers: per-host and global limits in the
client (per-host first), delays between requests to one host, Crawl-delay, robots.txt;
and TLS verification with a CA bundle of one's own."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import ssl
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newsflow.core.errors import RetriableError, RobotsDisallowed
from newsflow.core.http import HttpClient
from newsflow.core.politeness import HostLimiter
from newsflow.core.runtime import Failure
from newsflow.core.settings import Settings
from newsflow.ingest.download import download
from newsflow.ingest.feeds import FeedItem, ParsedFeed
from newsflow.ingest.poller import initial_state, new_links
from newsflow.registry import make_spec

from support.rawhttp import Request, Server, held, respond, serve

pytestmark = pytest.mark.timeout(60)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = dict(http_allow_networks="127.0.0.0/8", http_host_delay_s=0,
                                  fetch_attempts=1)
    values.update(overrides)
    return Settings(**values)


def robots_route(text: str, status: int = 200) -> Any:
    async def robots(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        await respond(writer, status, text.encode(), {"Content-Type": "text/plain"})
    return robots


@pytest.fixture
async def two_hosts() -> AsyncIterator[tuple[Server, Server]]:
    async with AsyncExitStack() as stack:
        b = await stack.enter_async_context(serve({"/held": held, "/page/*": held}, "127.0.0.2"))

        async def to_b(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
            await respond(writer, 302, b"", {"Location": b.url("/held")})

        a = await stack.enter_async_context(
            serve({"/held": held, "/to-b": to_b, "/page/*": held}, "127.0.0.3"))
        yield a, b


async def test_a_busy_host_does_not_hold_the_global_slots(two_hosts: tuple[Server, Server]) -> None:
    a, b = two_hosts
    done: list[str] = []
    async with HttpClient(settings(http_per_host=1, http_concurrency=2)) as http:
        async def get(server: Server, name: str) -> None:
            await http.get(server.url("/held"))
            done.append(name)

        busy = [asyncio.create_task(get(a, f"a{i}")) for i in range(5)]
        await asyncio.sleep(0.05)  # the five are queued on host a
        await get(b, "b")
        await asyncio.gather(*busy)
    assert done.index("b") <= 1, f"host b waited behind host a's queue: {done}"
    assert a.max_active == 1


async def test_the_limit_is_keyed_on_the_host_a_redirect_reaches(
    two_hosts: tuple[Server, Server],
) -> None:
    a, b = two_hosts
    async with HttpClient(settings(http_per_host=1, http_robots=False)) as http:
        await asyncio.gather(*(http.get(a.url("/to-b")) for _ in range(4)))
    assert [r.path for r in b.requests] == ["/held"] * 4
    assert b.max_active == 1, "redirected requests took host b's slot"


async def test_requests_to_one_host_are_spaced_by_the_delay() -> None:
    arrivals: list[float] = []

    async def stamp(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        arrivals.append(time.monotonic())
        await respond(writer, 200, b"ok")

    async with serve({"/p/*": stamp}) as server, HttpClient(
            settings(http_host_delay_s=0.2, http_per_host=4, http_robots=False)) as http:
        await asyncio.gather(*(http.get(server.url(f"/p/{i}")) for i in range(4)))
    assert len(arrivals) == 4
    # Starts are spaced by the client; what the server sees also carries connection jitter.
    assert arrivals[-1] - arrivals[0] >= 3 * 0.2 - 0.1, arrivals


async def test_crawl_delay_is_honoured() -> None:
    arrivals: list[float] = []

    async def stamp(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        arrivals.append(time.monotonic())
        await respond(writer, 200, b"ok")

    routes = {"/robots.txt": robots_route("User-agent: *\nCrawl-delay: 0.4\n"), "/p/*": stamp}
    async with serve(routes) as server, HttpClient(settings(http_per_host=4)) as http:
        await asyncio.gather(*(http.get(server.url(f"/p/{i}")) for i in range(3)))
    assert len(arrivals) == 3
    assert arrivals[-1] - arrivals[0] >= 2 * 0.4 - 0.1, arrivals
    assert [r.path for r in server.requests].count("/robots.txt") == 1


async def test_robots_disallow_is_honoured_and_cached() -> None:
    # newsflow's own group applies, not the catch-all one.
    rules = ("User-agent: *\nDisallow: /\n\n"
             "User-agent: newsflow\nDisallow: /private\nDisallow: /members\n")
    routes = {"/robots.txt": robots_route(rules), "/page/*": held, "/private/*": held,
              "/members/*": held}
    async with serve(routes) as server:
        s = settings()
        async with HttpClient(s) as http:
            assert (await http.get(server.url("/page/1"))).status == 200
            with pytest.raises(RobotsDisallowed) as caught:
                await http.get(server.url("/members/1"))
            assert caught.value.reason == "robots"
            failure = await download(http, server.url("/private/1"), s)
            assert isinstance(failure, Failure) and failure.reason == "robots"
            assert failure.attempts == 1, "not retried"
            feed_says_no = await download(http, server.url("/private/2"), s, robots=False)
            assert not isinstance(feed_says_no, Failure), "a feed may opt out"
        async with HttpClient(settings(http_robots=False)) as http:
            assert (await http.get(server.url("/members/2"))).status == 200
    paths = [r.path for r in server.requests]
    assert paths.count("/robots.txt") == 1, paths
    assert "/members/1" not in paths and "/private/1" not in paths


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (403, True), (503, False)])
async def test_robots_txt_unavailable_or_failing(status: int, allowed: bool) -> None:
    routes = {"/robots.txt": robots_route("Disallow: /", status), "/page/*": held}
    async with serve(routes) as server, HttpClient(settings()) as http:
        if allowed:
            assert (await http.get(server.url("/page/1"))).status == 200
        else:
            with pytest.raises(RetriableError, match="robots.txt"):
                await http.get(server.url("/page/1"))
            assert "/page/1" not in [r.path for r in server.requests]


async def test_idle_hosts_are_forgotten() -> None:
    limiter = HostLimiter(per_host=2, total=4, idle_s=0.05)
    async with limiter.slot("busy.example"):  # the oldest host, in use throughout
        for i in range(200):
            async with limiter.slot(f"host{i}.example"):
                pass
        await asyncio.sleep(0.06)
        for _ in range(4):
            async with limiter.slot("last.example"):
                pass
        assert len(limiter) == 2, "idle hosts were evicted; the busy one stays"
    await asyncio.sleep(0.06)
    async with limiter.slot("last.example"):
        pass
    assert len(limiter) == 1


def test_the_feeds_robots_choice_is_copied_onto_its_links() -> None:
    now = datetime.now(UTC)
    feed = ParsedFeed("rss20", "t", [FeedItem("https://example.com/a")])
    for choice in (True, False, None):
        spec = make_spec("https://example.com/feed", robots=choice)
        links, _ = new_links(spec, initial_state(spec, settings()), feed, now, None)
        assert [link.robots for link in links] == [choice]


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


async def test_a_ca_bundle_setting_verifies_a_private_certificate(
    self_signed: tuple[Path, Path],
) -> None:
    cert, key = self_signed
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    async def hello(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
            await writer.drain()
        writer.close()

    listener = await asyncio.start_server(hello, "127.0.0.1", 0, ssl=context)
    url = f"https://127.0.0.1:{listener.sockets[0].getsockname()[1]}/"
    try:
        async with HttpClient(settings(http_robots=False)) as http:
            with pytest.raises(RetriableError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
                await http.get(url)
        async with HttpClient(settings(http_robots=False, http_ca_bundle=cert)) as http:
            assert (await http.get(url)).body == b"hello"
    finally:
        listener.close()
        await listener.wait_closed()


async def test_the_global_limit_holds_across_hosts() -> None:
    async with AsyncExitStack() as stack:
        servers = [await stack.enter_async_context(serve({"/held": held}, f"127.0.2.{i}"))
                   for i in range(1, 7)]
        most = 0

        async def counted(server: Server) -> None:
            await http.get(server.url("/held"))

        async with HttpClient(settings(http_concurrency=2, http_robots=False)) as http:
            async def watch() -> None:
                nonlocal most
                while True:
                    most = max(most, sum(s.active for s in servers))
                    await asyncio.sleep(0.01)

            watcher = asyncio.create_task(watch())
            await asyncio.gather(*(counted(s) for s in servers))
            watcher.cancel()
    assert sum(len(s.requests) for s in servers) == 6
    assert most == 2, f"{most} requests in flight with a global limit of 2"
