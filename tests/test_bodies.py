"""Bodies that cannot explode: every content encoding is undone step by step within caps.

The bombs are served by a real local server; the peak of Python memory during the request
is measured with tracemalloc (zlib, brotli and zstd output is allocated as Python bytes).
"""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import brotli
import pytest
from backports import zstd

from newsflow.core.decoding import STEP, BoundedBody
from newsflow.core.errors import PermanentError, RetriableError, TooLarge
from newsflow.core.http import HttpClient
from newsflow.core.settings import Settings
from newsflow.ingest.download import download

from support.rawhttp import Request, Server, respond, serve

pytestmark = pytest.mark.timeout(60)

MiB = 1024 * 1024
BOMB = 64 * MiB  # decoded size of each bomb: 64 MiB of zeros


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = dict(http_allow_networks="127.0.0.0/8", http_host_delay_s=0,
                                  http_robots=False, fetch_attempts=2, fetch_backoff_s=0.01)
    values.update(overrides)
    return Settings(**values)


def _stream(compress: Callable[[bytes], bytes], flush: Callable[[], bytes]) -> bytes:
    zeros = bytes(MiB)
    return b"".join(compress(zeros) for _ in range(BOMB // MiB)) + flush()


def gzip_bomb() -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return _stream(c.compress, c.flush)


def deflate_bomb() -> bytes:
    c = zlib.compressobj(9)
    return _stream(c.compress, c.flush)


def brotli_bomb() -> bytes:
    c = brotli.Compressor(quality=5)
    return _stream(c.process, c.finish)


def zstd_bomb() -> bytes:
    c = zstd.ZstdCompressor(level=3)
    return _stream(c.compress, c.flush)


BOMBS = {"gzip": gzip_bomb, "deflate": deflate_bomb, "br": brotli_bomb, "zstd": zstd_bomb}


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {name: make() for name, make in BOMBS.items()}


@pytest.fixture
async def server(bombs: dict[str, bytes]) -> AsyncIterator[Server]:
    async def bomb(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        encoding = request.path.removeprefix("/bomb/")
        await respond(writer, 200, bombs[encoding],
                      {"Content-Encoding": encoding, "Content-Type": "text/html"})

    async def page(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        encoding = request.path.removeprefix("/page/")
        await respond(writer, 200, ENCODED[encoding](HTML),
                      {"Content-Encoding": encoding.replace("+", ", "),
                       "Content-Type": "text/html"})

    async def corrupt(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        await respond(writer, 200, b"\x1f\x8b\x08\x00garbage, not gzip",
                      {"Content-Encoding": "gzip", "Content-Type": "text/html"})

    async with serve({"/bomb/*": bomb, "/page/*": page, "/corrupt": corrupt}) as s:
        yield s


HTML = b"<html><body>" + b"<p>A paragraph of an ordinary page.</p>" * 2000 + b"</body></html>"
ENCODED: dict[str, Callable[[bytes], bytes]] = {
    "identity": lambda b: b,
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": zstd.compress,
    "gzip+br": lambda b: brotli.compress(gzip.compress(b)),  # gzip applied first
}


async def peak_during(call: Callable[[], Any]) -> tuple[int, BaseException | None]:
    """The peak of traced memory while ``call()`` runs, and what it raised."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        error: BaseException | None = None
        try:
            await call()
        except Exception as exc:
            error = exc
        return tracemalloc.get_traced_memory()[1], error
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("encoding", list(BOMBS))
async def test_a_bomb_is_cut_at_the_cap_with_bounded_memory(
    server: Server, bombs: dict[str, bytes], encoding: str,
) -> None:
    assert len(bombs[encoding]) < BOMB // 200, "it really is a bomb"
    cap = 1 * MiB
    async with HttpClient(settings(http_max_bytes=cap, http_max_ratio=1e9)) as http:
        peak, error = await peak_during(lambda: http.get(server.url(f"/bomb/{encoding}")))
    assert isinstance(error, TooLarge), error
    assert "once decoded" in str(error)
    assert peak < cap + 4 * MiB, f"peak {peak / MiB:.1f} MiB for a {BOMB // MiB} MiB bomb"


@pytest.mark.parametrize("encoding", list(BOMBS))
async def test_a_bomb_is_cut_by_the_ratio_cap(
    server: Server, bombs: dict[str, bytes], encoding: str,
) -> None:
    async with HttpClient(settings(http_max_bytes=BOMB * 2, http_max_ratio=20)) as http:
        peak, error = await peak_during(lambda: http.get(server.url(f"/bomb/{encoding}")))
    assert isinstance(error, TooLarge) and "times its size" in str(error), error
    assert peak < 16 * MiB, f"peak {peak / MiB:.1f} MiB for a {BOMB // MiB} MiB bomb"


async def test_32_bombs_at_once_stay_bounded(server: Server) -> None:
    cap = 1 * MiB
    async with HttpClient(settings(http_max_bytes=cap, http_per_host=32)) as http:
        async def all_of_them() -> None:
            urls = [server.url(f"/bomb/{e}") for e in list(BOMBS) * 8]
            results = await asyncio.gather(*(http.get(u) for u in urls), return_exceptions=True)
            assert all(isinstance(r, TooLarge) for r in results), results

        peak, error = await peak_during(all_of_them)
    assert error is None, error
    assert peak < 32 * (cap + 1 * MiB), f"peak {peak / MiB:.1f} MiB for 32 bombs"


async def test_the_bomb_is_dead_lettered_as_too_large_without_a_retry(server: Server) -> None:
    s = settings(http_max_bytes=MiB)
    async with HttpClient(s) as http:
        failure = await download(http, server.url("/bomb/gzip"), s)
    assert not isinstance(failure, type(None))
    assert getattr(failure, "reason", None) == "too_large"
    assert getattr(failure, "attempts", None) == 1
    assert len(server.requests) == 1


@pytest.mark.parametrize("encoding", list(ENCODED))
async def test_ordinary_bodies_decode_in_every_encoding(server: Server, encoding: str) -> None:
    async with HttpClient(settings()) as http:
        response = await http.get(server.url(f"/page/{encoding}"))
    assert response.body == HTML


async def test_a_body_that_does_not_decode_is_permanent(server: Server) -> None:
    s = settings()
    async with HttpClient(s) as http:
        with pytest.raises(PermanentError, match="does not decode") as caught:
            await http.get(server.url("/corrupt"))
        assert not isinstance(caught.value, RetriableError)
        failure = await download(http, server.url("/corrupt"), s)
    assert getattr(failure, "attempts", None) == 1, "not retried"


def test_each_step_is_bounded_whatever_one_read_holds() -> None:
    for name, make in BOMBS.items():
        wire = make()
        body = BoundedBody(name, "http://x/", max_bytes=BOMB * 2, max_ratio=1e12)
        sizes: list[int] = []
        original = body._take

        def spy(pieces: Any, original: Any = original, sizes: list[int] = sizes) -> None:
            def counted() -> Any:
                for piece in pieces:
                    sizes.append(len(piece))
                    yield piece
            original(counted())

        body._take = spy  # type: ignore[method-assign]
        body.feed(wire)  # the whole bomb in one read
        assert len(body.finish()) == BOMB
        assert max(sizes) <= (2 * STEP if name == "br" else STEP), name


def test_gzip_members_and_raw_deflate() -> None:
    two = gzip.compress(b"first ") + gzip.compress(b"second")
    body = BoundedBody("gzip", "http://x/", max_bytes=MiB, max_ratio=100)
    body.feed(two)
    assert body.finish() == b"first second"
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    data = raw.compress(HTML) + raw.flush()
    body = BoundedBody("deflate", "http://x/", max_bytes=MiB, max_ratio=100)
    for start in range(0, len(data), 100):
        body.feed(data[start:start + 100])
    assert body.finish() == HTML
    with pytest.raises(PermanentError, match="unsupported content encoding"):
        BoundedBody("compress", "http://x/", max_bytes=MiB, max_ratio=100)
