"""The small HTTP server of each process: ``/metrics``, ``/healthz``, ``/readyz``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .metrics import REGISTRY

log = logging.getLogger(__name__)


class OpsServer:
    def __init__(self, host: str, port: int, ready: Callable[[], bool]) -> None:
        self.host = host
        self.port = port
        self.ready = ready
        self._server: asyncio.Server | None = None

    async def start(self) -> OpsServer:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("metrics server listening", extra={"port": self.port})
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5):  # the whole request, however slowly it trickles
                line = await reader.readline()
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
            parts = line.decode("latin-1").split()
            path = parts[1].split("?")[0] if len(parts) >= 2 else ""
            if path == "/metrics":
                status, ctype, body = 200, CONTENT_TYPE_LATEST, generate_latest(REGISTRY)
            elif path == "/healthz":
                status, ctype, body = 200, "text/plain", b"ok\n"
            elif path == "/readyz":
                try:
                    ok = bool(self.ready())
                except Exception:
                    log.exception("readiness check failed")
                    ok = False
                status, ctype, body = (200 if ok else 503), "text/plain", (b"ready\n" if ok else b"not ready\n")
            else:
                status, ctype, body = 404, "text/plain", b"not found\n"
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            head = (
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            # Too slow, gone, or a line over the reader's limit: drop the connection.
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
