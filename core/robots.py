"""robots.txt, fetched once per site and kept for a while (protego parses it).

A site's rules are read from ``/robots.txt`` of its origin, through the same guarded
client as everything else. As RFC 9309 says: a 4xx answer means no rules (everything may
be fetched); a 5xx answer or no answer at all means the site is not to be fetched for now
(a retriable error, remembered for a short while); a body past the size cap is read as no
rules. ``Crawl-delay`` of the group that applies to newsflow is handed back for the
politeness layer to space the site's requests.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from protego import Protego

from .errors import NewsflowError, PermanentError, RetriableError, RobotsDisallowed

log = logging.getLogger(__name__)

#: Largest robots.txt read (RFC 9309 asks for at least 500 KiB).
MAX_BYTES = 512 * 1024
#: How long a site that could not be asked is left alone before asking again.
UNREACHABLE_S = 30.0

Fetch = Callable[[str], Awaitable[tuple[int, bytes]]]


@dataclass(slots=True)
class _Entry:
    rules: Protego | None = None  # None: no rules, everything allowed
    error: str | None = None  # the site could not be asked: retry later
    expires: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def agent_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched on: ``newsflow`` of ``newsflow/0.1 (...)``."""
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


class RobotsCache:
    """Per-origin rules, fetched on first use, kept ``ttl_s``, at most ``max_sites`` of them."""

    def __init__(self, fetch: Fetch, user_agent: str, ttl_s: float = 3600.0,
                 max_sites: int = 10_000) -> None:
        self._fetch = fetch
        self.agent = agent_token(user_agent)
        self.ttl_s = ttl_s
        self.max_sites = max_sites
        self._sites: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sites)

    async def check(self, url: httpx.URL) -> float | None:
        """The site's ``Crawl-delay`` if ``url`` may be fetched; raises if it may not."""
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        entry = self._sites.get(origin)
        if entry is None:
            entry = self._sites[origin] = _Entry()
            while len(self._sites) > self.max_sites:
                self._sites.popitem(last=False)
        self._sites.move_to_end(origin)
        async with entry.lock:
            if entry.expires <= time.monotonic():
                await self._load(origin, entry)
        if entry.error is not None:
            raise RetriableError(f"{url}: {entry.error}", reason="fetch")
        if entry.rules is None:
            return None
        if not entry.rules.can_fetch(str(url), self.agent):
            raise RobotsDisallowed(f"{url}: disallowed by {origin}/robots.txt")
        return entry.rules.crawl_delay(self.agent)

    async def _load(self, origin: str, entry: _Entry) -> None:
        entry.rules, entry.error = None, None
        entry.expires = time.monotonic() + self.ttl_s
        try:
            status, body = await self._fetch(f"{origin}/robots.txt")
        except RetriableError as exc:
            entry.error, entry.expires = f"robots.txt unreachable: {exc}", time.monotonic() + UNREACHABLE_S
            return
        except PermanentError as exc:  # too large, refused redirect, ...: no usable rules
            log.info("robots.txt ignored", extra={"origin": origin, "error": str(exc)})
            return
        except NewsflowError as exc:
            entry.error, entry.expires = f"robots.txt unreadable: {exc}", time.monotonic() + UNREACHABLE_S
            return
        if status >= 500 or status == 429:
            entry.error = f"robots.txt answered HTTP {status}"
            entry.expires = time.monotonic() + UNREACHABLE_S
        elif 200 <= status < 300:
            try:
                entry.rules = Protego.parse(body.decode("utf-8", "replace"))
            except Exception as exc:  # protego is lenient; a parser bug must not stop fetching
                log.info("robots.txt unparsable", extra={"origin": origin, "error": str(exc)})
