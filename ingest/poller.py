"""The poll stage: owns the feeds of its partitions, polls them, emits new links.

Pollers form a consumer group on ``news.feeds``, read as a table: a poller owns
the feeds of its assigned partitions. On assignment it restores those feeds'
state from the same partitions of ``news.feed-state`` (co-partitioned), then
polls each feed when due: conditional GET, parse, one :class:`Link` per item
not seen before. Links are acknowledged before the state that records them as
seen is written, so a crash between the two repeats links, never loses one. A
feed that fails gets the error on its state (it is not a message: no DLQ).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiokafka import TopicPartition
from aiokafka.abc import ConsumerRebalanceListener

from newsflow.core import metrics
from newsflow.core.errors import NewsflowError, RetriableError
from newsflow.core.http import HttpClient, check_status
from newsflow.core.kafka import KafkaFactory
from newsflow.core.runtime import Output, Publisher
from newsflow.core.settings import Settings
from newsflow.core.table import decode_table, read_table
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


class _Listener(ConsumerRebalanceListener):
    def __init__(self, poller: Poller) -> None:
        self.poller = poller

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self.poller.release({tp.partition for tp in revoked})

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self.poller.acquire(assigned)


class Poller:
    """Runs the poll stage until :meth:`stop`; owns its consumer and its poll tasks."""

    stage = "poll"

    def __init__(
        self,
        settings: Settings,
        factory: KafkaFactory,
        publisher: Publisher,
        http: HttpClient,
        topics: Topics,
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.publisher = publisher
        self.http = http
        self.topics = topics
        self.feeds: dict[str, tuple[FeedSpec, int]] = {}
        self.states: dict[str, FeedState] = {}
        self._partitions: set[int] = set()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stopping = asyncio.Event()
        self._consumer = None
        self._parser: FeedParser | None = None
        self.ready = False

    def stop(self) -> None:
        self._stopping.set()

    async def acquire(self, assigned: Iterable[TopicPartition]) -> None:
        parts = {tp.partition for tp in assigned}
        raw = await read_table(self.factory, self.topics.feed_state, parts)
        restored = decode_table(FeedState, raw)
        self.states.update((state.feed_id, state) for state in restored)
        self._partitions |= parts
        if self._consumer is not None:
            await self._consumer.seek_to_beginning(*assigned)
        log.info("feeds partitions acquired",
                 extra={"partitions": sorted(parts), "states_restored": len(restored)})

    async def release(self, parts: set[int]) -> None:
        owned = [fid for fid, (_, p) in self.feeds.items() if p in parts]
        running = [self._tasks[f] for f in owned if f in self._tasks]
        if running:
            await asyncio.wait(running, timeout=self.settings.shutdown_timeout_s)
        for fid in owned:
            self.feeds.pop(fid, None)
            self.states.pop(fid, None)
        self._partitions -= parts
        metrics.FEEDS_OWNED.set(len(self.feeds))

    def _apply(self, partition: int, key: bytes | None, value: bytes | None, headers: object) -> None:
        if key is None:
            return
        fid = key.decode("utf-8", "replace")
        if value is None:
            self.feeds.pop(fid, None)
            return
        try:
            spec = decode(FeedSpec, value, headers)
        except (InvalidMessage, SchemaMismatch) as exc:
            log.warning("unreadable feed spec ignored", extra={"feed_id": fid, "error": str(exc)})
            return
        if spec.enabled:
            self.feeds[spec.feed_id] = (spec, partition)
        else:
            self.feeds.pop(spec.feed_id, None)
        metrics.FEEDS_OWNED.set(len(self.feeds))

    async def run(self) -> None:
        consumer = self.factory.consumer(group_id=self.factory.group(self.stage))
        self._consumer = consumer
        consumer.subscribe([self.topics.feeds], listener=_Listener(self))
        await consumer.start()
        try:
            self._parser = await FeedParser(self.settings).start()
            self.ready = True
            log.info("stage started", extra={"stage": self.stage, "topic": self.topics.feeds})
            while not self._stopping.is_set():
                batch = await consumer.getmany(timeout_ms=250)
                for tp, records in batch.items():
                    if tp.partition not in self._partitions:
                        continue  # not restored yet: acquire() reads it again from the start
                    for r in records:
                        self._apply(r.partition, r.key, r.value, r.headers)
                self._start_due()
        finally:
            self.ready = False
            await self._drain()
            await consumer.stop()
            if self._parser is not None:
                await self._parser.close()
            log.info("stage stopped", extra={"stage": self.stage})

    def _start_due(self) -> None:
        now = utcnow()
        for fid, (spec, _) in list(self.feeds.items()):
            if fid in self._tasks:
                continue
            state = self.states.get(fid)
            if state is not None and state.next_poll_at and state.next_poll_at > now:
                continue
            self._tasks[fid] = asyncio.create_task(self._poll(spec), name=f"poll:{fid}")

    async def _poll(self, spec: FeedSpec) -> None:
        try:
            if self._stopping.is_set():
                return
            # The HTTP client holds the per-host and global limits.
            state = self.states.get(spec.feed_id) or initial_state(spec, self.settings)
            if state.url != spec.url and not state.moved_to:
                state = state.model_copy(update={"url": spec.url})
            started = time.monotonic()
            result = await poll_feed(self.http, spec, state, self.settings, self._parser)
            metrics.FEED_POLLS.labels(result.result).inc()
            for reason, count in result.skipped.items():
                if count:
                    metrics.FEED_ITEMS_SKIPPED.labels(reason).inc(count)
            await self._publish(result)
            self.states[spec.feed_id] = result.state
            log.info(
                "feed polled",
                extra={"feed_id": spec.feed_id, "result": result.result,
                       "links": len(result.links),
                       **{f"skipped_{k}": v for k, v in result.skipped.items() if v},
                       "seconds": round(time.monotonic() - started, 3)},
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            # A poll must never kill the poller: note it on the feed and retry later.
            log.exception("feed poll crashed", extra={"feed_id": spec.feed_id})
            state = self.states.get(spec.feed_id) or initial_state(spec, self.settings)
            self.states[spec.feed_id] = state.model_copy(
                update={"next_poll_at": datetime.now(UTC) + timedelta(seconds=spec.min_interval_s)}
            )
        finally:
            self._tasks.pop(spec.feed_id, None)

    async def _publish(self, result: PollResult) -> None:
        """Links first, acknowledged; then the state that vouches for them."""
        await self.publisher.send_all(
            [Output(self.topics.links, link.article_id.encode(), encode(link), headers_for(link))
             for link in result.links]
        )
        if result.links:
            metrics.MESSAGES_OUT.labels(self.stage).inc(len(result.links))
        state = result.state
        await self.publisher.send_all(
            [Output(self.topics.feed_state, state.feed_id.encode(), encode(state), headers_for(state))]
        )

    async def _drain(self) -> None:
        tasks = list(self._tasks.values())
        if not tasks:
            return
        done, pending = await asyncio.wait(tasks, timeout=self.settings.shutdown_timeout_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
