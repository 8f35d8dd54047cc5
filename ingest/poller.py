"""The poll stage: owns the feeds of its partitions, polls them, emits new links.

The poller is a timer-driven source on the stage runtime: pollers form a
consumer group on ``news.feeds``, read as a table, and a poller owns the feeds
of its assigned partitions. The runtime restores those feeds' state (the
``feed-state`` table, backed by ``news.feed-state``, co-partitioned) and asks
:meth:`Poller.due_at` when each feed is due; a due feed is polled
(conditional GET, parse, one :class:`Link` per item not seen before). Links are
acknowledged before the state that records them as seen is written, so a crash
between the two repeats links, never loses one. A poll still running when its
partition is revoked is cancelled and writes nothing. A feed that fails gets
the error on its state (it is not a message: no DLQ).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from newsflow.core import metrics
from newsflow.core.errors import NewsflowError, RetriableError
from newsflow.core.http import HttpClient, check_status
from newsflow.core.records import Failure, Outcome, Output, Put, Record
from newsflow.core.settings import Settings
from newsflow.core.table import Table, TableSpec
from newsflow.core.topics import Topics
from newsflow.schemas import (
    FeedSpec,
    FeedState,
    InvalidMessage,
    Link,
    SchemaMismatch,
    article_id,
    decode,
    encode,
    headers_for,
    utcnow,
)

from .feedpool import FeedParser
from .feeds import FeedParseError, ParsedFeed, parse_feed
from .schedule import cache_hint, next_interval

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PollResult:
    result: str  # one of metrics.POLL_RESULTS
    links: list[Link]
    state: FeedState
    skipped: dict[str, int] = field(default_factory=dict)  # by metrics.SKIP_REASONS


def initial_state(spec: FeedSpec, settings: Settings) -> FeedState:
    interval = min(max(settings.poll_interval_s, spec.min_interval_s), spec.max_interval_s)
    return FeedState(feed_id=spec.feed_id, url=spec.url, interval_s=interval)


def new_links(
    spec: FeedSpec,
    state: FeedState,
    feed: ParsedFeed,
    now: datetime,
    max_age_days: float | None,
) -> tuple[list[Link], list[str]]:
    """Links of items not seen before, and the ids of every item now known (new last)."""
    seen = set(state.seen)
    links: list[Link] = []
    fresh_ids: list[str] = []
    oldest = now - timedelta(days=max_age_days) if max_age_days else None
    for item in reversed(feed.items):  # feeds list newest first: emit oldest first
        aid = article_id(item.link)
        if aid in seen:
            continue
        seen.add(aid)
        fresh_ids.append(aid)
        if oldest is not None and item.published is not None and item.published < oldest:
            continue
        links.append(
            Link(
                article_id=aid,
                url=item.link,
                feed_id=spec.feed_id,
                feed_url=state.url,
                feed_title=feed.title,
                title=item.title,
                summary=item.summary,
                published=item.published.isoformat() if item.published else None,
                authors=list(item.authors),
                robots=spec.robots,
                discovered_at=now,
            )
        )
    return links, fresh_ids


async def poll_feed(
    http: HttpClient, spec: FeedSpec, state: FeedState, settings: Settings,
    parser: FeedParser | None = None,
) -> PollResult:
    """Poll one feed once; never raises for the feed's own faults.

    ``parser`` parses off the event loop, with a deadline; without it, the parse is inline.
    """
    now = utcnow()
    headers: dict[str, str] = {
        "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
        "application/xml;q=0.9, */*;q=0.8"
    }
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    hint: float | None = None
    try:
        response = await http.get(state.url, headers=headers, robots=spec.robots)
        hint = cache_hint(response.headers.get("cache-control"))
        if response.status == 304:
            return _done(spec, state, now, "not_modified", [], status=304, hint=hint)
        check_status(response)
        body_hash = hashlib.blake2b(response.body, digest_size=16).hexdigest()
        if body_hash == state.body_hash:
            return _done(spec, state, now, "unchanged", [], status=response.status, hint=hint,
                         etag=response.headers.get("etag"),
                         last_modified=response.headers.get("last-modified"))
        content_type = response.headers.get("content-type", "")
        feed = (await parser.parse(response.body, response.url, content_type) if parser
                else parse_feed(response.body, response.url, content_type))
        if feed.ttl_s:
            hint = max(hint or 0, float(feed.ttl_s))
        links, fresh = new_links(spec, state, feed, now, settings.poll_max_item_age_days)
        seen = (list(state.seen) + fresh)[-settings.poll_seen_per_feed :]
        result = "new" if links else "unchanged"
        done = _done(
            spec, state, now, result, links, status=response.status, hint=hint,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            body_hash=body_hash, seen=seen, moved_to=response.moved_to,
            items_total=state.items_total + len(links),
        )
        done.skipped = {"unlinked": feed.unlinked, "too_old": len(fresh) - len(links)}
        return done
    except NewsflowError as exc:
        if isinstance(exc, RetriableError) and exc.retry_after is not None:
            hint = exc.retry_after
        streak = state.error_streak + 1
        interval = next_interval(spec, state.interval_s, result="error", error_streak=streak,
                                 server_hint_s=hint, error_max_s=settings.poll_error_backoff_max_s)
        level = logging.INFO if isinstance(exc, FeedParseError) else logging.WARNING
        log.log(level, "feed poll failed", extra={"feed_id": spec.feed_id, "error": str(exc)})
        new_state = state.model_copy(update={
            "last_polled_at": now,
            "next_poll_at": now + timedelta(seconds=interval),
            "error_streak": streak,
            "last_error": f"{type(exc).__name__}: {exc}",
            "last_error_at": now,
            "last_result": "error",
        })
        return PollResult("error", [], new_state)


def _done(
    spec: FeedSpec, state: FeedState, now: datetime, result: str, links: list[Link], *,
    status: int, hint: float | None, **changes: object,
) -> PollResult:
    interval = next_interval(spec, state.interval_s, result=result, server_hint_s=hint)
    update: dict[str, object] = {
        "last_polled_at": now,
        "next_poll_at": now + timedelta(seconds=interval),
        "interval_s": int(interval),
        "last_status": status,
        "last_result": result,
        "error_streak": 0,
        "last_error": None,
    }
    update.update({k: v for k, v in changes.items() if v is not None})
    if changes.get("moved_to"):
        update["url"] = changes["moved_to"]
    return PollResult(result, links, state.model_copy(update=update))


class Poller:
    """The poll stage, a timer-driven source (run by :class:`~newsflow.core.runtime.StageRunner`)."""

    name = "poll"
    stage = name

    def __init__(self, settings: Settings, http: HttpClient, topics: Topics,
                 parser: FeedParser | None = None) -> None:
        self.settings = settings
        self.http = http
        self.topics = topics
        #: Parses feeds off the event loop, with a deadline (owned by the caller).
        self.parser = parser
        self.states: Table | None = None

    def tables(self) -> list[TableSpec]:
        return [TableSpec("feed-state", self.topics.feed_state, max_keys=self.settings.table_max_keys)]

    def open(self, tables: Mapping[str, Table]) -> None:
        self.states = tables["feed-state"]

    def owned(self, count: int) -> None:
        metrics.FEEDS_OWNED.set(count)

    def _spec(self, record: Record) -> FeedSpec | None:
        try:
            return decode(FeedSpec, record.value, record.headers)
        except (InvalidMessage, SchemaMismatch) as exc:
            log.warning("unreadable feed spec ignored",
                        extra={"key": record.key, "error": str(exc)})
            return None

    def _state(self, record: Record) -> FeedState | None:
        raw = self.states.get(record.partition, record.key) if self.states and record.key else None
        if raw is None:
            return None
        try:
            return decode(FeedState, raw)
        except (InvalidMessage, SchemaMismatch) as exc:
            log.warning("unreadable feed state ignored", extra={"key": record.key, "error": str(exc)})
            return None

    def due_at(self, record: Record) -> float | None:
        spec = self._spec(record)
        if spec is None or not spec.enabled:
            return None
        state = self._state(record)
        if state is None or state.next_poll_at is None:
            return 0.0
        return state.next_poll_at.timestamp()

    async def process(self, records: Sequence[Record]) -> list[Outcome]:
        return [await self._poll(record) for record in records]

    async def _poll(self, record: Record) -> Outcome:
        spec = self._spec(record)
        if spec is None or record.key is None:
            return Outcome(failure=Failure("invalid", "unreadable feed spec"))
        state = self._state(record) or initial_state(spec, self.settings)
        if state.url != spec.url and not state.moved_to:
            state = state.model_copy(update={"url": spec.url})
        started = time.monotonic()
        try:
            result = await poll_feed(self.http, spec, state, self.settings, self.parser)
        except Exception:
            # A bug in polling one feed must not stop the others: note it, retry later.
            log.exception("feed poll crashed", extra={"feed_id": spec.feed_id})
            retry = datetime.now(UTC) + timedelta(seconds=spec.min_interval_s)
            state = state.model_copy(update={"next_poll_at": retry})
            return Outcome(state=[Put("feed-state", record.key, encode(state), headers_for(state))])
        metrics.FEED_POLLS.labels(result.result).inc()
        for reason, count in result.skipped.items():
            if count:
                metrics.FEED_ITEMS_SKIPPED.labels(reason).inc(count)
        log.info(
            "feed polled",
            extra={"feed_id": spec.feed_id, "result": result.result, "links": len(result.links),
                   **{f"skipped_{k}": v for k, v in result.skipped.items() if v},
                   "seconds": round(time.monotonic() - started, 3)},
        )
        links = [Output(self.topics.links, link.article_id.encode(), encode(link), headers_for(link))
                 for link in result.links]
        return Outcome(outputs=links,
                       state=[Put("feed-state", record.key, encode(result.state),
                                  headers_for(result.state))])
