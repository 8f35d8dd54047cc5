"""The fetch + clean stage: ``news.links`` → page → main text → ``news.articles``.

Fetches run concurrently on the event loop (bounded, polite per host, retried
with jittered backoff when the fault may pass); cleaning runs in a worker
pool, a batch per call. A link already fetched (its id is in the
``news.links-seen`` table, co-partitioned with ``news.links``) is skipped. A
link that cannot be fetched or cleaned goes to the dead-letter topic.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import orjson
from aiokafka import ConsumerRecord, TopicPartition

from newsflow.core import metrics
from newsflow.core.errors import PermanentError, RetriableError
from newsflow.core.http import HttpClient, HttpResponse, check_status
from newsflow.core.kafka import KafkaFactory
from newsflow.core.runtime import Failure, Outcome, Output
from newsflow.core.settings import Settings
from newsflow.core.table import read_table
from newsflow.core.topics import Topics
from newsflow.core.workers import WorkerPool
from newsflow.schemas import (
    Article,
    InvalidMessage,
    Link,
    SchemaMismatch,
    content_hash,
    decode,
    encode,
    headers_for,
    utcnow,
)

from .cleaner import clean_batch

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


def resolve_published(page_date: str | None, feed_published: str | None) -> tuple[str | None, str]:
    """Publication time and where it came from.

    The page's own date is authoritative; when the feed gives a timestamp on the
    same day, that timestamp is kept for its time and UTC offset.
    """
    feed_dt = None
    if feed_published:
        try:
            feed_dt = datetime.fromisoformat(feed_published)
        except ValueError:
            feed_dt = None
    if page_date:
        try:
            day = date.fromisoformat(page_date[:10])
        except ValueError:
            day = None
        if day is not None:
            if feed_dt is not None and feed_dt.date() == day:
                return feed_dt.isoformat(), "page"
            return day.isoformat(), "page"
    if feed_dt is not None:
        return feed_dt.isoformat(), "feed"
    return None, "none"


class Fetcher:
    """The fetch stage's processor (run by :class:`~newsflow.core.runtime.StageRunner`)."""

    stage = "fetch"

    def __init__(
        self,
        settings: Settings,
        factory: KafkaFactory,
        http: HttpClient,
        pool: WorkerPool,
        topics: Topics,
        version: str,
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.http = http
        self.pool = pool
        self.topics = topics
        self.version = version
        self.seen: dict[int, set[str]] = {}
        #: Ids of links being fetched by a batch in flight: a copy in a later batch waits
        #: for nothing and is skipped (the first one ends as an article or a dead letter).
        self._in_flight: set[str] = set()
        self._slots = asyncio.Semaphore(settings.fetch_concurrency)

    async def on_assigned(self, partitions: set[TopicPartition]) -> None:
        for tp in partitions:
            table = await read_table(self.factory, self.topics.links_seen, [tp.partition])
            self.seen[tp.partition] = {k.decode("utf-8", "replace") for k in table}

    async def on_revoked(self, partitions: set[TopicPartition]) -> None:
        for tp in partitions:
            self.seen.pop(tp.partition, None)

    async def written(self, state: list[Output]) -> None:
        for out in state:
            if out.key is not None:
                partition = int(out.headers[-1][1]) if out.headers else -1
                self.seen.setdefault(partition, set()).add(out.key.decode())
                self._in_flight.discard(out.key.decode())

    async def process(self, records: Sequence[ConsumerRecord]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(records)
        todo: list[tuple[int, ConsumerRecord, Link]] = []
        in_batch: set[str] = set()
        for i, record in enumerate(records):
            try:
                link = decode(Link, record.value, record.headers)
            except (InvalidMessage, SchemaMismatch) as exc:
                outcomes[i] = Outcome(failure=Failure("invalid", str(exc)))
                continue
            if (link.article_id in in_batch or link.article_id in self._in_flight
                    or link.article_id in self.seen.get(record.partition, ())):
                metrics.DUPLICATES.labels(self.stage).inc()
                outcomes[i] = Outcome()
                continue
            in_batch.add(link.article_id)
            todo.append((i, record, link))
        self._in_flight |= in_batch
        try:
            self._finish(outcomes, todo, await self._fetch_and_clean(todo))
        finally:
            # Failed ids leave now; written ones leave in written(), once in the seen-set.
            for i, _, link in todo:
                outcome = outcomes[i]
                if outcome is None or outcome.failure is not None:
                    self._in_flight.discard(link.article_id)
        return [o if o is not None else Outcome() for o in outcomes]

    async def _fetch_and_clean(
        self, todo: list[tuple[int, ConsumerRecord, Link]]
    ) -> list[tuple[HttpResponse | Failure, dict[str, Any] | str | None]]:
        responses = await asyncio.gather(*(self._fetch(link) for _, _, link in todo))
        pages = [(r.body, r.url) for r in responses if isinstance(r, HttpResponse)]
        cleaned = iter(await self._clean(pages) if pages else [])
        return [(r, next(cleaned) if isinstance(r, HttpResponse) else None) for r in responses]

    def _finish(
        self,
        outcomes: list[Outcome | None],
        todo: list[tuple[int, ConsumerRecord, Link]],
        results: list[tuple[HttpResponse | Failure, dict[str, Any] | str | None]],
    ) -> None:
        for (i, record, link), (response, page) in zip(todo, results, strict=True):
            if isinstance(response, Failure):
                outcomes[i] = Outcome(failure=response)
                continue
            assert page is not None
            if isinstance(page, str):
                outcomes[i] = Outcome(failure=Failure("extract", f"{link.url}: {page}"))
                continue
            article = self._article(link, response, page)
            outcomes[i] = Outcome(
                outputs=[Output(self.topics.articles, link.article_id.encode(), encode(article),
                                headers_for(article))],
                state=[self._seen_record(link, record.partition)],
            )

    def _seen_record(self, link: Link, partition: int) -> Output:
        value = orjson.dumps({"article_id": link.article_id, "url": link.url,
                              "first_seen": utcnow().isoformat()})
        # The last header tells written() which input partition this id belongs to.
        return Output(self.topics.links_seen, link.article_id.encode(), value,
                      [("partition", str(partition).encode())])

    def _article(self, link: Link, response: HttpResponse, page: dict[str, Any]) -> Article:
        published, source = resolve_published(page.get("date"), link.published)
        text: str = page["text"]
        return Article(
            article_id=link.article_id,
            url=link.url,
            final_url=response.url if response.url != link.url else None,
            canonical_url=page.get("canonical_url"),
            feed_id=link.feed_id,
            title=page.get("title") or link.title,
            text=text,
            description=page.get("description") or link.summary,
            site_name=page.get("site_name"),
            authors=page.get("authors") or link.authors,
            published=published,
            published_source=source,
            language=page.get("language"),
            content_hash=content_hash(text),
            discovered_at=link.discovered_at,
            fetched_at=utcnow(),
            newsflow_version=self.version,
        )

    async def _fetch(self, link: Link) -> HttpResponse | Failure:
        attempts = self.settings.fetch_attempts
        for attempt in range(1, attempts + 1):
            try:
                async with self._slots:
                    response = await self.http.get(link.url, headers={"Accept": _ACCEPT})
                metrics.FETCH_SECONDS.observe(response.elapsed_s)
                metrics.FETCH_BYTES.observe(len(response.body))
                check_status(response)
                if response.content_type not in _HTML_TYPES:
                    raise PermanentError(f"not a web page: {response.content_type}", reason="fetch")
                return response
            except PermanentError as exc:
                return Failure(exc.reason, f"{link.url}: {exc}", attempt)
            except RetriableError as exc:
                if attempt == attempts:
                    return Failure(exc.reason, f"{link.url}: {exc} (after {attempt} attempts)",
                                   attempt)
                metrics.RETRIES.labels(self.stage).inc()
                delay = self.settings.fetch_backoff_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                if exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, 60.0))
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _clean(self, pages: list[tuple[bytes, str]]) -> list[dict[str, Any] | str]:
        """Clean in the worker pool, one chunk per worker; a page that overruns fails alone."""
        with metrics.EXTRACT_SECONDS.time():
            results = await self.pool.map_batches(clean_batch, pages)
        return [f"extractor gave up: {r}" if isinstance(r, RetriableError) else r for r in results]
