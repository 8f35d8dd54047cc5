"""Feed parsing off the event loop, with a deadline.

feedparser is pure Python: a large or hostile feed can keep it busy for a long time (a
megabyte of unclosed tags takes it some 15 s, 40,000 items as long), which on the
poller's event loop would stall every poll and the consumer's heartbeats. A
:class:`FeedParser` runs :func:`~newsflow.ingest.feeds.parse_feed` in a worker process
of its own; a parse past ``feed_parse_timeout_s`` kills only that worker and ends as
:class:`~newsflow.core.workers.WorkerTimeout` (reason ``timeout``), reported on the
feed's state like any other poll error.
"""

from __future__ import annotations

from newsflow.core.settings import Settings
from newsflow.core.workers import WorkerPool

from .feeds import ParsedFeed, parse_feed


def _warm_up() -> None:
    import feedparser  # noqa: F401


class FeedParser:
    """Owns the worker process that parses feeds; start it, then close it."""

    def __init__(self, settings: Settings) -> None:
        self.pool = WorkerPool("feeds", settings.feed_parse_workers, initializer=_warm_up,
                               timeout_s=settings.feed_parse_timeout_s,
                               max_tasks=settings.worker_max_tasks)

    async def start(self) -> FeedParser:
        await self.pool.start()
        return self

    async def parse(self, body: bytes, url: str, content_type: str = "") -> ParsedFeed:
        return await self.pool.run(parse_feed, body, url, content_type)

    async def close(self) -> None:
        await self.pool.close()
