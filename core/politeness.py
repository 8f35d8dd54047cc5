"""How many requests go out at once, to each host and in all, and how often to one host.

A request first takes a slot of its host (``http_per_host`` in flight, starts spaced by the
host's delay: ``http_host_delay_s`` or the site's ``Crawl-delay``, whichever is longer),
then a slot of the whole client (``http_concurrency``). In that order, a busy host keeps
only its own requests waiting: they never hold a global slot while they wait for it.
The state of a host no request used for ``http_host_idle_s`` is forgotten, so memory stays
bounded however many hosts the feeds name.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Host:
    slots: asyncio.Semaphore
    delay_s: float
    next_start: float = 0.0
    users: int = 0
    last_used: float = field(default_factory=time.monotonic)


class HostLimiter:
    """Per-host and global concurrency, per-host spacing, idle hosts evicted."""

    def __init__(self, per_host: int, total: int, delay_s: float = 0.0, idle_s: float = 300.0,
                 max_delay_s: float = 60.0) -> None:
        self.per_host = per_host
        self.delay_s = delay_s
        self.idle_s = idle_s
        self.max_delay_s = max_delay_s
        self._global = asyncio.Semaphore(total)
        self._hosts: OrderedDict[str, _Host] = OrderedDict()

    def __len__(self) -> int:
        return len(self._hosts)

    def _host(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host(asyncio.Semaphore(self.per_host), self.delay_s)
        self._hosts.move_to_end(host)
        return state

    def set_delay(self, host: str, seconds: float | None) -> None:
        """A site's own delay between two requests (``Crawl-delay``); never below the default."""
        state = self._host(host)
        state.delay_s = max(self.delay_s, min(seconds or 0.0, self.max_delay_s))

    def _evict(self, now: float) -> None:
        """Forget idle hosts among the least recently used ones (a busy one is skipped)."""
        for host in list(itertools.islice(self._hosts, 64)):
            state = self._hosts[host]
            if state.users:
                continue
            if now - state.last_used < self.idle_s:
                return
            del self._hosts[host]

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        state = self._host(host)
        state.users += 1
        try:
            async with state.slots:
                now = time.monotonic()
                start = max(now, state.next_start)
                state.next_start = start + state.delay_s
                if start > now:
                    await asyncio.sleep(start - now)
                async with self._global:
                    yield
        finally:
            state.users -= 1
            state.last_used = time.monotonic()
            self._evict(state.last_used)
