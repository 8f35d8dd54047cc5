"""The fetch + clean stage: ``news.links`` → page → main text → ``news.articles``.

Fetches run concurrently on the event loop (bounded and polite per host in the
HTTP client, retried with jittered backoff when the fault may pass); cleaning runs in a worker
pool, a batch per call. A link already fetched (its id is in the
``news.links-seen`` table, co-partitioned with ``news.links``) is skipped. A
link that cannot be fetched or cleaned goes to the dead-letter topic.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import orjson
from aiokafka import ConsumerRecord, TopicPartition

from newsflow.core import metrics
from newsflow.core.errors import RetriableError
from newsflow.core.http import HttpClient, HttpResponse
from newsflow.core.kafka import KafkaFactory
from newsflow.core.runtime import Failure, Outcome, Output
from newsflow.core.settings import Settings
from newsflow.core.table import read_table
from newsflow.core.topics import Topics
from newsflow.core.workers import WorkerPool, WorkerTimeout
from newsflow.schemas import (
    InvalidMessage,
    Link,
    SchemaMismatch,
    decode,
    encode,
    headers_for,
    utcnow,
)

from .article import article_or_failure
from .cleaner import PageInput, clean_batch
from .download import download

log = logging.getLogger(__name__)


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
    ) -> list[tuple[HttpResponse | Failure, dict[str, Any] | str | Failure | None]]:
        responses = await asyncio.gather(*(self._fetch(link) for _, _, link in todo))
        pages = [
            PageInput(r.body, r.url, r.charset, link.title, link.summary, link.published)
            for (_, _, link), r in zip(todo, responses, strict=True)
            if isinstance(r, HttpResponse)
        ]
        cleaned = iter(await self._clean(pages) if pages else [])
        return [(r, next(cleaned) if isinstance(r, HttpResponse) else None) for r in responses]

    def _finish(
        self,
        outcomes: list[Outcome | None],
        todo: list[tuple[int, ConsumerRecord, Link]],
        results: list[tuple[HttpResponse | Failure, dict[str, Any] | str | Failure | None]],
    ) -> None:
        for (i, record, link), (response, page) in zip(todo, results, strict=True):
            if isinstance(response, Failure):
                outcomes[i] = Outcome(failure=response)
                continue
            assert page is not None
            article = article_or_failure(link, response, page, self.version)
            if isinstance(article, Failure):
                outcomes[i] = Outcome(failure=article)
                continue
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

    async def _fetch(self, link: Link) -> HttpResponse | Failure:
        # The HTTP client holds the per-host and global limits.
        return await download(self.http, link.url, self.settings, stage=self.stage,
                              robots=link.robots)

    async def _clean(self, pages: list[PageInput]) -> list[dict[str, Any] | str | Failure]:
        """Clean in the worker pool, one chunk per worker; a page that overruns fails alone."""
        with metrics.EXTRACT_SECONDS.time():
            results = await self.pool.map_batches(clean_batch, pages)
        return [Failure("timeout" if isinstance(r, WorkerTimeout) else "extract",
                        f"extractor gave up: {r}") if isinstance(r, RetriableError) else r
                for r in results]
