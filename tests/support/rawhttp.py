"""A raw asyncio HTTP/1.1 server for tests: each route writes whatever bytes it likes.

It binds any local address (``127.0.0.2``, ``::1``...), so tests can serve an allowed host
and forbidden targets side by side and see which of them was asked for anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


Handler = Callable[["Server", Request, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Server:
    """Routes by exact path, then ``/first/*``, then ``*`` (anything, a proxy's absolute URLs)."""

    routes: dict[str, Handler]
    host: str = "127.0.0.1"
    requests: list[Request] = field(default_factory=list)
    connections: int = 0
    active: int = 0
    max_active: int = 0
    port: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def url(self, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            request = Request(method, target, headers)
            self.requests.append(request)
            route = self.routes.get(target.split("?")[0]) or self.routes.get(
                "/" + target.split("/")[1] + "/*"
            ) or self.routes.get("*")
            if route is None:
                await respond(writer, 404, b"no such route")
            else:
                await route(self, request, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            with suppress(Exception):
                await writer.wait_closed()
            self._tasks.discard(task)


@asynccontextmanager
async def serve(routes: dict[str, Handler], host: str = "127.0.0.1",
                port: int = 0) -> AsyncIterator[Server]:
    server = Server(routes, host)
    listener = await asyncio.start_server(server._serve, host, port)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        for task in list(server._tasks):
            task.cancel()
        await asyncio.gather(*server._tasks, return_exceptions=True)
        await listener.wait_closed()


async def respond(writer: asyncio.StreamWriter, status: int, body: bytes = b"",
                  headers: dict[str, str] | None = None) -> None:
    all_headers = {"Content-Length": str(len(body)), "Connection": "close",
                   "Content-Type": "text/plain"}
    all_headers.update(headers or {})
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in all_headers.items())
    writer.write(head.encode("latin-1") + b"\r\n" + body)
    await writer.drain()


async def held(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    """A route that keeps each request 0.2 s, counting how many are in flight at once."""
    server.active += 1
    server.max_active = max(server.max_active, server.active)
    try:
        await asyncio.sleep(0.2)
    finally:
        server.active -= 1
    await respond(writer, 200, b"<html><body>done</body></html>", {"Content-Type": "text/html"})
