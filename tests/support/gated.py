"""A local HTTP server whose answers can be held back, and that records every request.

Runs on the test's event loop. A held path answers only once it is released or
the client goes away; each request is recorded with when it started and ended
(answered or abandoned by the client), so tests can tell whether two requests
for one path overlapped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass


@dataclass(slots=True)
class Request:
    path: str
    started: float
    ended: float | None = None
    abandoned: bool = False


class GatedServer:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.requests: list[Request] = []
        self._held: dict[str, asyncio.Event] = {}
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, path: str, body: bytes | str, content_type: str = "text/html") -> str:
        self.pages[path] = (body.encode() if isinstance(body, str) else body, content_type)
        return self.base_url + path

    def hold(self, path: str) -> None:
        self._held[path] = asyncio.Event()

    def release(self, path: str) -> None:
        gate = self._held.pop(path, None)
        if gate is not None:
            gate.set()

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def in_flight(self, path: str) -> int:
        return sum(1 for r in self.requests_for(path) if r.ended is None)

    def max_overlap(self, path: str) -> int:
        """The most requests for ``path`` that were open at one moment."""
        events = []
        for r in self.requests_for(path):
            events.append((r.started, 1))
            events.append((r.ended if r.ended is not None else float("inf"), -1))
        best = current = 0
        for _, step in sorted(events, key=lambda e: (e[0], e[1])):
            current += step
            best = max(best, current)
        return best

    async def __aenter__(self) -> GatedServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for gate in self._held.values():
            gate.set()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                path = line.decode("latin-1").split()[1]
                request = Request(path, time.monotonic())
                self.requests.append(request)
                try:
                    gate = self._held.get(path)
                    if gate is not None and not await self._wait(gate, reader):
                        request.abandoned = True
                        return
                    body, ctype = self.pages.get(path, (b"not found", "text/plain"))
                    status = "200 OK" if path in self.pages else "404 Not Found"
                    writer.write(
                        f"HTTP/1.1 {status}\r\nContent-Type: {ctype}; charset=utf-8\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n".encode() + body
                    )
                    await writer.drain()
                finally:
                    request.ended = time.monotonic()
        except (ConnectionError, IndexError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _wait(gate: asyncio.Event, reader: asyncio.StreamReader) -> bool:
        """Wait for ``gate``; False when the client closed the connection first."""
        opened = asyncio.create_task(gate.wait())
        closed = asyncio.create_task(reader.read(1))
        try:
            done, _ = await asyncio.wait([opened, closed], return_when=asyncio.FIRST_COMPLETED)
            return opened in done
        finally:
            opened.cancel()
            closed.cancel()
            await asyncio.gather(opened, closed, return_exceptions=True)
