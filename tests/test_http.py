"""The outbound HTTP client against real local servers, polite and hostile."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import socket
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from newsflow.core.errors import FetchTimeout, PermanentError, RetriableError, TooLarge
from newsflow.core.http import HttpClient, HttpResponse, check_status, retry_after
from newsflow.core.settings import Settings

from support.rawhttp import Handler, Request, Server, held, respond, serve

pytestmark = pytest.mark.timeout(30)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = dict(http_timeout_s=5.0, http_connect_timeout_s=2.0,
                                  http_allow_networks="127.0.0.0/8", http_host_delay_s=0)
    values.update(overrides)
    return Settings(**values)


# --- routes ---------------------------------------------------------------------------------------


async def ok(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    await respond(writer, 200, b"hello", {"ETag": '"v1"'})


async def echo_headers(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    body = "\n".join(f"{k}: {v}" for k, v in sorted(request.headers.items())).encode()
    await respond(writer, 200, body)


async def redirect(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    """/r/<code>,<code>,...: redirect with the first code to the rest; /r/ ends with 200."""
    codes = request.path.removeprefix("/r/")
    if not codes:
        await respond(writer, 200, b"arrived")
        return
    first, _, rest = codes.partition(",")
    await respond(writer, int(first), b"", {"Location": f"/r/{rest}"})


async def loop(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    await respond(writer, 302, b"", {"Location": "/loop"})


async def declared_huge(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                 b"Content-Length: 500000000\r\nConnection: close\r\n\r\n<rss>")
    await writer.drain()
    await asyncio.sleep(5)  # never sends the rest; the client must not wait for it


async def chunked_forever(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                 b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    chunk = b"x" * 4096
    for _ in range(10_000):  # 40 MB unless the client hangs up first
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()


async def chunked_exact(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    """/exact/<n>: n bytes, chunked (no Content-Length)."""
    size = int(request.path.removeprefix("/exact/"))
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    remaining = size
    while remaining:
        part = min(remaining, 1000)
        writer.write(b"%x\r\n%s\r\n" % (part, b"y" * part))
        remaining -= part
    writer.write(b"0\r\n\r\n")
    await writer.drain()


async def gzip_bomb(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    body = gzip.compress(b"\0" * 2_000_000)
    await respond(writer, 200, body, {"Content-Encoding": "gzip"})


async def slow_drip(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                 b"Content-Length: 1000\r\nConnection: close\r\n\r\n")
    await writer.drain()
    for _ in range(1000):  # one byte per 0.3 s: every read succeeds, the whole never ends
        writer.write(b"<")
        await writer.drain()
        await asyncio.sleep(0.3)


async def status(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    """/status/<code>[?retry=<Retry-After>]"""
    code = int(request.path.split("?")[0].removeprefix("/status/"))
    headers = {}
    if "?retry=" in request.path:
        headers["Retry-After"] = request.path.split("?retry=")[1].replace("%20", " ")
    await respond(writer, code, f"status {code}".encode(), headers)


ROUTES: dict[str, Handler] = {
    "/ok": ok, "/headers": echo_headers, "/r/*": redirect, "/loop": loop,
    "/huge": declared_huge, "/forever": chunked_forever, "/exact/*": chunked_exact,
    "/bomb": gzip_bomb, "/drip": slow_drip, "/status/*": status, "/held": held,
}


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    async with serve(ROUTES) as s:
        yield s


# --- tests ----------------------------------------------------------------------------------------


async def test_plain_get(server: Server) -> None:
    async with HttpClient(settings()) as http:
        response = await http.get(server.url("/ok"))
    assert (response.status, response.body, response.url) == (200, b"hello", server.url("/ok"))
    assert response.headers["etag"] == '"v1"'
    assert response.content_type == "text/plain"
    assert response.moved_to is None
    check_status(response)  # no error


class _ImportsSeen:
    """A meta path finder that records each module the import system looks for."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        self.names.append(name)


async def test_a_request_does_not_search_for_modules(server: Server) -> None:
    # httpcore asks for sniffio on every request; without it installed, each ask searched
    # the whole import path again (about 80 µs a time, several times a request).
    async with HttpClient(settings()) as http:
        await http.get(server.url("/ok"))  # first-use imports are start-up
        seen = _ImportsSeen()
        sys.meta_path.insert(0, seen)
        try:
            for _ in range(3):
                await http.get(server.url("/ok"))
        finally:
            sys.meta_path.remove(seen)
    assert seen.names == []


async def test_user_agent_and_request_headers_reach_the_server(server: Server) -> None:
    agent = "newsflow-test/9.9 (+https://example.org/bot)"
    async with HttpClient(settings(http_user_agent=agent)) as http:
        response = await http.get(server.url("/headers"), headers={"If-None-Match": '"v1"'})
    received = dict(line.split(": ", 1) for line in response.body.decode().splitlines())
    assert received["user-agent"] == agent
    assert received["if-none-match"] == '"v1"'
    assert server.requests[-1].headers["user-agent"] == agent


async def test_declared_content_length_over_the_cap(server: Server) -> None:
    started = time.monotonic()
    async with HttpClient(settings(http_max_bytes=100_000)) as http:
        with pytest.raises(TooLarge, match="500000000 bytes declared"):
            await http.get(server.url("/huge"))
    assert time.monotonic() - started < 2, "refused on the headers, without reading"


async def test_chunked_body_growing_past_the_cap(server: Server) -> None:
    started = time.monotonic()
    async with HttpClient(settings(http_max_bytes=64 * 1024)) as http:
        with pytest.raises(TooLarge, match="over the limit of 65536 bytes"):
            await http.get(server.url("/forever"))
    assert time.monotonic() - started < 3


async def test_body_exactly_at_the_cap_is_accepted(server: Server) -> None:
    async with HttpClient(settings(http_max_bytes=5000)) as http:
        response = await http.get(server.url("/exact/5000"))
        assert response.body == b"y" * 5000
        with pytest.raises(TooLarge):
            await http.get(server.url("/exact/5001"))


async def test_the_cap_applies_to_the_decompressed_body(server: Server) -> None:
    async with HttpClient(settings(http_max_bytes=100_000)) as http:
        with pytest.raises(TooLarge):
            await http.get(server.url("/bomb"))  # ~2 KB on the wire, 2 MB unpacked


async def test_redirects_are_followed_and_bounded(server: Server) -> None:
    async with HttpClient(settings(http_max_redirects=3)) as http:
        response = await http.get(server.url("/r/302,307,303"))
        assert (response.status, response.body) == (200, b"arrived")
        assert response.url == server.url("/r/")
        with pytest.raises(PermanentError, match="more than 3 redirects"):
            await http.get(server.url("/r/302,302,302,302"))
        count = len(server.requests)
        with pytest.raises(PermanentError, match="redirects") as caught:
            await http.get(server.url("/loop"))
    assert not isinstance(caught.value, RetriableError)
    assert len(server.requests) - count == 4, "the loop is left after the bound"


async def test_moved_to_only_when_every_redirect_is_permanent(server: Server) -> None:
    async with HttpClient(settings()) as http:
        permanent = await http.get(server.url("/r/301,308,301"))
        assert permanent.moved_to == server.url("/r/") == permanent.url
        assert (await http.get(server.url("/r/302"))).moved_to is None
        assert (await http.get(server.url("/r/301,302"))).moved_to is None
        assert (await http.get(server.url("/r/302,301"))).moved_to is None
        assert (await http.get(server.url("/r/"))).moved_to is None


async def test_total_deadline_on_a_slow_drip(server: Server) -> None:
    started = time.monotonic()
    async with HttpClient(settings(http_timeout_s=1.0)) as http:
        with pytest.raises(FetchTimeout, match="within 1s"):
            await http.get(server.url("/drip"))
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 2.0, f"gave up after {elapsed:.2f}s"


async def test_a_silent_server_times_out() -> None:
    async def silent(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)

    async with serve({"/silent": silent}) as s, HttpClient(settings(http_timeout_s=0.5)) as http:
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            await http.get(s.url("/silent"))
        assert time.monotonic() - started < 1.5


async def test_connection_refused_is_retriable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with HttpClient(settings()) as http:
        with pytest.raises(RetriableError, match=f"127.0.0.1:{port}") as caught:
            await http.get(f"http://127.0.0.1:{port}/feed.xml")
    assert not isinstance(caught.value, FetchTimeout)


async def test_reset_mid_body_is_retriable() -> None:
    async def reset(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a little")
        await writer.drain()

    async with serve({"/reset": reset}) as s, HttpClient(settings()) as http:
        with pytest.raises(RetriableError):
            await http.get(s.url("/reset"))


@pytest.mark.parametrize("url", ["not a url", "http://", "ftp://example.com/feed",
                                 "http://[::1/feed", "mailto:desk@example.com", ""])
async def test_invalid_url_is_permanent(url: str) -> None:
    async with HttpClient(settings()) as http:
        with pytest.raises(PermanentError) as caught:
            await http.get(url)
    assert not isinstance(caught.value, RetriableError)


async def test_status_mapping(server: Server) -> None:
    async with HttpClient(settings()) as http:
        not_found = await http.get(server.url("/status/404"))
        assert not_found.status == 404 and not_found.body == b"status 404", "any status returns"
        with pytest.raises(PermanentError, match="HTTP 404") as caught:
            check_status(not_found)
        assert not isinstance(caught.value, RetriableError)
        for code in (410, 403):
            with pytest.raises(PermanentError):
                check_status(await http.get(server.url(f"/status/{code}")))
        unavailable = await http.get(server.url("/status/503?retry=7"))
        with pytest.raises(RetriableError, match="HTTP 503") as retriable:
            check_status(unavailable)
        assert retriable.value.retry_after == 7
        for code in (429, 500, 502, 408):
            with pytest.raises(RetriableError) as other:
                check_status(await http.get(server.url(f"/status/{code}")))
            assert other.value.retry_after is None
        check_status(await http.get(server.url("/status/304")))


def headers(value: str) -> httpx.Headers:
    return httpx.Headers({"Retry-After": value})


def test_retry_after_parsing() -> None:
    assert retry_after(headers("7")) == 7.0
    assert retry_after(headers(" 120 ")) == 120.0
    assert retry_after(headers("-5")) == 0.0
    soon = email.utils.formatdate(time.time() + 120, usegmt=True)
    assert retry_after(headers(soon)) == pytest.approx(120, abs=2)
    past = email.utils.formatdate(time.time() - 3600, usegmt=True)
    assert retry_after(headers(past)) == 0.0
    assert retry_after(headers("Wed, 21 Oct 2015 07:28:00 GMT")) == 0.0
    assert retry_after(headers("soon-ish")) is None
    assert retry_after(headers("soon-ish"), default=30) == 30
    assert retry_after(httpx.Headers()) is None
    assert retry_after(httpx.Headers(), default=5.0) == 5.0


async def test_per_host_concurrency_limit(server: Server) -> None:
    async with HttpClient(settings(http_per_host=2)) as http:
        started = time.monotonic()
        responses = await asyncio.gather(*(http.get(server.url("/held")) for _ in range(6)))
        elapsed = time.monotonic() - started
    assert [r.body for r in responses] == [b"<html><body>done</body></html>"] * 6
    assert server.max_active == 2
    assert elapsed >= 0.55, "three rounds of two"


async def test_without_a_tight_limit_requests_overlap(server: Server) -> None:
    async with HttpClient(settings(http_per_host=6)) as http:
        await asyncio.gather(*(http.get(server.url("/held")) for _ in range(6)))
    assert server.max_active > 2, "the server really can see concurrent requests"


def test_response_charset() -> None:
    def response(content_type: str) -> HttpResponse:
        return HttpResponse(200, "http://x/", httpx.Headers({"Content-Type": content_type}), b"",
                            0.0)

    assert response('text/html; charset="ISO-8859-1"').charset == "ISO-8859-1"
    assert response("Application/RSS+XML ; charset=utf-8").content_type == "application/rss+xml"
    assert response("text/html").charset is None
