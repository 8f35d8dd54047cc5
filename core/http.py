"""The outbound HTTP client of a process: polls and fetches alike.

One :class:`HttpClient` per process, made by :func:`make_http_client` from
settings, so timeouts, the body size cap, the redirect bound, the user agent
and the per-host limit apply to every request. Transport errors are mapped to
the newsflow exception tree at this boundary.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections import defaultdict
from dataclasses import dataclass

import httpx

from .errors import FetchTimeout, PermanentError, RetriableError, TooLarge
from .settings import Settings


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    url: str  # after redirects
    headers: httpx.Headers
    body: bytes
    elapsed_s: float
    moved_to: str | None = None  # final URL when every redirect on the way was permanent

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"')
        return None


def retry_after(headers: httpx.Headers, default: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    value = headers.get("retry-after")
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def check_status(response: HttpResponse) -> None:
    """Raise the mapped error for a failed status: retriable or permanent."""
    status = response.status
    if status < 400:
        return
    message = f"HTTP {status} from {response.url}"
    if status in (408, 425, 429) or status >= 500:
        raise RetriableError(message, reason="fetch", retry_after=retry_after(response.headers))
    raise PermanentError(message, reason="fetch")


class HttpClient:
    """An ``httpx.AsyncClient`` with the guards newsflow applies to every request."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self.max_bytes = settings.http_max_bytes
        self.deadline_s = settings.http_timeout_s
        self._client = httpx.AsyncClient(
            headers={"User-Agent": settings.http_user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(settings.http_timeout_s, connect=settings.http_connect_timeout_s),
            limits=httpx.Limits(
                max_connections=settings.http_max_connections,
                max_keepalive_connections=min(settings.http_max_connections, 50),
            ),
            follow_redirects=True,
            max_redirects=settings.http_max_redirects,
            transport=transport,
        )
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.http_per_host)
        )

    async def get(self, url: str, headers: dict[str, str] | None = None) -> HttpResponse:
        """GET ``url`` within the total deadline and size cap; any status is returned."""
        try:
            host = httpx.URL(url).host
        except (httpx.InvalidURL, TypeError) as exc:
            raise PermanentError(f"invalid URL {url!r}: {exc}", reason="fetch") from exc
        if not host:
            raise PermanentError(f"invalid URL {url!r}: no host", reason="fetch")
        async with self._hosts[host]:
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.deadline_s):
                    return await self._get(url, headers, started)
            except TimeoutError as exc:
                raise FetchTimeout(f"{url}: no complete answer within {self.deadline_s:g}s") from exc
            except httpx.TimeoutException as exc:
                raise FetchTimeout(f"{url}: {type(exc).__name__}") from exc
            except httpx.TooManyRedirects as exc:
                raise PermanentError(f"{url}: more than {self.settings.http_max_redirects} redirects",
                                     reason="fetch") from exc
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise PermanentError(f"{url}: {exc}", reason="fetch") from exc
            except (httpx.TransportError, httpx.DecodingError) as exc:
                raise RetriableError(f"{url}: {type(exc).__name__}: {exc}", reason="fetch") from exc

    async def _get(self, url: str, headers: dict[str, str] | None, started: float) -> HttpResponse:
        async with self._client.stream("GET", url, headers=headers) as resp:
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise TooLarge(f"{url}: {declared} bytes declared, limit {self.max_bytes}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise TooLarge(f"{url}: body over the limit of {self.max_bytes} bytes")
                chunks.append(chunk)
            return HttpResponse(
                status=resp.status_code,
                url=str(resp.url),
                headers=resp.headers,
                body=b"".join(chunks),
                elapsed_s=time.monotonic() - started,
                moved_to=(
                    str(resp.url)
                    if resp.history and all(h.status_code in (301, 308) for h in resp.history)
                    else None
                ),
            )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def make_http_client(settings: Settings) -> HttpClient:
    """The one factory of outbound HTTP clients."""
    return HttpClient(settings)
