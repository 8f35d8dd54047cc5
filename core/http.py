"""The outbound HTTP client of a process: polls, fetches and robots.txt alike.

One :class:`HttpClient` per process, made by :func:`make_http_client` from settings, so
every request goes through the same guards, in this order, on every redirect hop:

- robots.txt of the hop's site (``core/robots.py``), unless the feed or settings say not;
- a slot of the hop's host, then a global slot, spaced by the host's delay
  (``core/politeness.py``);
- the address guard on each connection (``core/transport.py``, ``core/addresses.py``);
- the total deadline, and a body decoded within its caps while it streams
  (``core/decoding.py``).

Redirects are followed here, hop by hop, not by httpx, so each hop meets all of them.
Transport errors are mapped to the newsflow exception tree at this boundary.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass

import httpx

from . import robots as robots_txt
from .addresses import AddressGuard, Resolver, check_url_literal, parse_networks
from .decoding import ACCEPTED, BoundedBody
from .errors import FetchTimeout, NewsflowError, PermanentError, RetriableError, TooLarge
from .politeness import HostLimiter
from .robots import RobotsCache
from .settings import Settings
from .transport import make_transports

REDIRECTS = (301, 302, 303, 307, 308)


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

    def __init__(self, settings: Settings, resolver: Resolver | None = None) -> None:
        self.settings = settings
        self.max_bytes = settings.http_max_bytes
        self.deadline_s = settings.http_timeout_s
        self.guard = AddressGuard(parse_networks(settings.http_allow_networks))
        direct, mounts = make_transports(settings, resolver)
        self._client = httpx.AsyncClient(
            headers={"User-Agent": settings.http_user_agent,
                     "Accept-Encoding": ", ".join(ACCEPTED)},
            timeout=httpx.Timeout(settings.http_timeout_s, connect=settings.http_connect_timeout_s),
            follow_redirects=False,
            transport=direct,
            mounts=mounts,
            trust_env=False,
        )
        self.limiter = HostLimiter(settings.http_per_host, settings.http_concurrency,
                                   settings.http_host_delay_s, settings.http_host_idle_s,
                                   settings.http_max_crawl_delay_s)
        self.robots = RobotsCache(self._robots_txt, settings.http_user_agent,
                                  ttl_s=settings.http_robots_cache_s)

    async def get(self, url: str, headers: dict[str, str] | None = None, *,
                  robots: bool | None = None) -> HttpResponse:
        """GET ``url`` within the total deadline and size cap; any status is returned.

        ``robots`` overrides ``settings.http_robots`` for this request (a feed's choice).
        """
        honour = self.settings.http_robots if robots is None else robots
        return await self._follow(url, headers, honour, self.max_bytes)

    async def _robots_txt(self, url: str) -> tuple[int, bytes]:
        response = await self._follow(url, None, False, robots_txt.MAX_BYTES)
        return response.status, response.body

    def _parse(self, url: str) -> httpx.URL:
        check_url_literal(self.guard, url)  # even a spelling httpx would reject
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise PermanentError(f"invalid URL {url!r}: {exc}", reason="fetch") from exc
        if parsed.scheme not in ("http", "https"):
            raise PermanentError(f"invalid URL {url!r}: not http(s)", reason="fetch")
        if not parsed.host:
            raise PermanentError(f"invalid URL {url!r}: no host", reason="fetch")
        return parsed

    async def _follow(self, url: str, headers: dict[str, str] | None, honour_robots: bool,
                      max_bytes: int) -> HttpResponse:
        started = time.monotonic()
        spent = 0.0  # time in requests (not in queues): the deadline is for answers
        target = self._parse(url)
        permanent = True
        for _ in range(self.settings.http_max_redirects + 1):
            if honour_robots:
                delay = await self.robots.check(target)
                if delay:
                    self.limiter.set_delay(target.host, delay)
            async with self.limiter.slot(target.host):
                hop_started = time.monotonic()
                try:
                    response = await self._hop(target, headers, self.deadline_s - spent, max_bytes)
                finally:
                    spent += time.monotonic() - hop_started
            location = response.headers.get("location")
            if response.status not in REDIRECTS or not location:
                moved = str(target) if target != self._parse(url) and permanent else None
                return HttpResponse(response.status, str(target), response.headers,
                                    response.body, time.monotonic() - started, moved)
            permanent = permanent and response.status in (301, 308)
            try:
                next_url = target.join(location.strip())
            except (httpx.InvalidURL, ValueError) as exc:
                raise PermanentError(f"{url}: redirect to an invalid URL {location!r}",
                                     reason="fetch") from exc
            target = self._parse(str(next_url))
        raise PermanentError(f"{url}: more than {self.settings.http_max_redirects} redirects",
                             reason="fetch")

    async def _hop(self, url: httpx.URL, headers: dict[str, str] | None, remaining: float,
                   max_bytes: int) -> HttpResponse:
        """One request, no redirect followed, errors mapped."""
        try:
            async with asyncio.timeout(max(remaining, 0.0)):
                return await self._request(url, headers, max_bytes)
        except TimeoutError as exc:
            raise FetchTimeout(f"{url}: no complete answer within {self.deadline_s:g}s") from exc
        except NewsflowError:
            raise
        except httpx.TimeoutException as exc:
            raise FetchTimeout(f"{url}: {type(exc).__name__}") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise PermanentError(f"{url}: {exc}", reason="fetch") from exc
        except httpx.DecodingError as exc:
            raise PermanentError(f"{url}: {type(exc).__name__}: {exc}", reason="fetch") from exc
        except httpx.TransportError as exc:
            raise RetriableError(f"{url}: {type(exc).__name__}: {exc}", reason="fetch") from exc

    async def _request(self, url: httpx.URL, headers: dict[str, str] | None,
                       max_bytes: int) -> HttpResponse:
        started = time.monotonic()
        request = self._client.build_request("GET", url, headers=headers)
        resp = await self._client.send(request, stream=True)
        try:
            if resp.status_code in REDIRECTS and resp.headers.get("location"):
                return HttpResponse(resp.status_code, str(url), resp.headers, b"", 0.0)
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise TooLarge(f"{url}: {declared} bytes declared, limit {max_bytes}")
            body = BoundedBody(resp.headers.get("content-encoding"), str(url),
                               max_bytes=max_bytes, max_ratio=self.settings.http_max_ratio)
            async for chunk in resp.aiter_raw():
                body.feed(chunk)
            data = body.finish()
        finally:
            await resp.aclose()
        return HttpResponse(resp.status_code, str(url), resp.headers, data,
                            time.monotonic() - started)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def make_http_client(settings: Settings, resolver: Resolver | None = None) -> HttpClient:
    """The one factory of outbound HTTP clients."""
    return HttpClient(settings, resolver)
