"""Response bodies decoded within limits, while they stream.

``Content-Encoding`` (gzip, deflate, br, zstd, or a list of them) is undone here rather
than by httpx, one bounded step at a time: a step never yields more than
:data:`STEP` bytes (brotli: its own output buffer, under twice that), whatever the
compressed input holds, so a 64 KiB read of a
compression bomb cannot inflate to tens of megabytes in memory. The decoded body has an
absolute cap and a ratio cap (decoded bytes per byte on the wire, checked once the body
is past :data:`RATIO_FLOOR`); past either, :class:`~newsflow.core.errors.TooLarge`. A body
that does not decode is a permanent error: a retry gets the same bytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Protocol

import brotli
from backports import zstd

from .errors import PermanentError, TooLarge

#: Most bytes one decoding step may produce (brotli's buffer grows in its own steps: < 2x).
STEP = 64 * 1024
#: The ratio cap applies once the decoded body is larger than this.
RATIO_FLOOR = 1024 * 1024
#: Encodings this reader undoes (the client's ``Accept-Encoding``).
ACCEPTED = ("gzip", "deflate", "br", "zstd")


class DecodingFailed(PermanentError):
    reason = "fetch"


class _Decoder(Protocol):
    def steps(self, data: bytes) -> Iterator[bytes]:
        """Decoded output of ``data`` (and what is buffered), :data:`STEP` bytes at most each."""
        ...

    def finish(self) -> Iterator[bytes]: ...


class _Identity:
    def steps(self, data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), STEP):
            yield data[start:start + STEP]

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Zlib:
    """gzip (several members allowed) or deflate (zlib-wrapped, or raw as some servers send)."""

    def __init__(self, gzip: bool) -> None:
        self.gzip = gzip
        self._d = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        self._first = True

    def steps(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                out = self._d.decompress(data, STEP)
            except zlib.error:
                if self.gzip or not self._first:
                    raise
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate
                self._first = False
                continue
            self._first = False
            if out:
                yield out
            if self._d.eof:
                rest = self._d.unused_data
                if not self.gzip or not rest.startswith(b"\x1f\x8b"):
                    return  # the end, or padding after it
                self._d = zlib.decompressobj(zlib.MAX_WBITS | 16)  # the next gzip member
                data = rest
            else:
                data = self._d.unconsumed_tail
        while not self._d.eof and (out := self._d.decompress(b"", STEP)):
            yield out

    def finish(self) -> Iterator[bytes]:
        return iter(())  # steps() drained the output; a truncated stream keeps what it gave


class _Brotli:
    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def steps(self, data: bytes) -> Iterator[bytes]:
        if self._d.is_finished():
            return
        out = self._d.process(data, output_buffer_limit=STEP)
        # Output past the limit stays inside: ask with empty input until none is left.
        while True:
            if out:
                yield out
            if self._d.is_finished() or (not out and self._d.can_accept_more_data()):
                return
            out = self._d.process(b"", output_buffer_limit=STEP)

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Zstd:
    def __init__(self) -> None:
        self._d = zstd.ZstdDecompressor()

    def steps(self, data: bytes) -> Iterator[bytes]:
        while True:
            out = self._d.decompress(data, max_length=STEP)
            data = b""
            if out:
                yield out
            if self._d.eof:
                rest = self._d.unused_data
                if not rest:
                    return
                self._d = zstd.ZstdDecompressor()  # the next frame
                data = rest
            elif self._d.needs_input:
                return

    def finish(self) -> Iterator[bytes]:
        return iter(())


def _decoder(name: str) -> _Decoder:
    if name in ("gzip", "x-gzip"):
        return _Zlib(gzip=True)
    if name == "deflate":
        return _Zlib(gzip=False)
    if name == "br":
        return _Brotli()
    if name == "zstd":
        return _Zstd()
    if name in ("identity", ""):
        return _Identity()
    raise DecodingFailed(f"unsupported content encoding {name!r}")


class BoundedBody:
    """Collects one response body, decoding it step by step within the caps."""

    def __init__(self, content_encoding: str | None, url: str, *, max_bytes: int,
                 max_ratio: float) -> None:
        names = [n.strip().lower() for n in (content_encoding or "").split(",") if n.strip()]
        # Encodings are listed in the order they were applied: undo them last first.
        self._chain = [_decoder(n) for n in reversed(names)] or [_Identity()]
        self.url = url
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.wire = 0
        self.size = 0
        self._parts: list[bytes] = []

    def _through(self, data: bytes, level: int, finish: bool) -> Iterator[bytes]:
        if level == len(self._chain):
            if data:
                yield data
            return
        decoder = self._chain[level]
        pieces = decoder.steps(data) if data else iter(())
        for piece in pieces:
            yield from self._through(piece, level + 1, False)
        if finish:
            for piece in decoder.finish():
                yield from self._through(piece, level + 1, False)
            yield from self._through(b"", level + 1, True)

    def _take(self, pieces: Iterator[bytes]) -> None:
        try:
            for piece in pieces:
                self.size += len(piece)
                if self.size > self.max_bytes:
                    raise TooLarge(f"{self.url}: body over the limit of {self.max_bytes} bytes"
                                   + (" once decoded" if self.wire < self.size else ""))
                if self.size > RATIO_FLOOR and self.size > self.max_ratio * self.wire:
                    raise TooLarge(f"{self.url}: body decodes to over {self.max_ratio:g} times "
                                   "its size on the wire")
                self._parts.append(piece)
        except (zlib.error, brotli.error, zstd.ZstdError) as exc:
            raise DecodingFailed(f"{self.url}: body does not decode: {exc}") from exc

    def feed(self, raw: bytes) -> None:
        """Add bytes read from the wire."""
        self.wire += len(raw)
        self._take(self._through(raw, 0, False))

    def finish(self) -> bytes:
        """The whole decoded body, once the wire is done."""
        self._take(self._through(b"", 0, True))
        return b"".join(self._parts)
