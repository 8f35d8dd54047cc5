"""The fetch + clean stage: ``news.links`` → page → main text → ``news.articles``.

Fetches run concurrently on the event loop (bounded and polite per host in the
HTTP client, retried with jittered backoff when the fault may pass); cleaning runs in a worker
pool, a batch per call. A link already fetched (its id is in the seen-set,
the runtime's table backed by ``news.links-seen``, co-partitioned with
``news.links``, forgotten after ``fetch_seen_horizon_days``) is skipped. A
link that cannot be fetched or cleaned goes to the dead-letter topic. An
article's text is cut so the Article fits in half of
``kafka_max_message_bytes`` (marked ``truncated``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from newsflow.core import metrics
from newsflow.core.errors import RetriableError
from newsflow.core.http import HttpClient, HttpResponse
from newsflow.core.records import Failure, Outcome, Output, Put, Record
from newsflow.core.settings import Settings
from newsflow.core.table import Table, TableSpec
from newsflow.core.topics import Topics
from newsflow.core.workers import WorkerPool, WorkerTimeout
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

from .article import article_or_failure
from .cleaner import PageInput, clean_batch
from .download import download

log = logging.getLogger(__name__)


class Fetcher:
    """The fetch stage (run by :class:`~newsflow.core.runtime.StageRunner`)."""

    name = "fetch"
    stage = name

    def __init__(
        self,
        settings: Settings,
        http: HttpClient,
        pool: WorkerPool,
        topics: Topics,
        version: str,
    ) -> None:
        self.settings = settings
        self.http = http
        self.pool = pool
        self.topics = topics
        self.version = version
        self.seen: Table | None = None

    def tables(self) -> list[TableSpec]:
        return [TableSpec("seen", self.topics.links_seen,
                          horizon_s=self.settings.fetch_seen_horizon_days * 86400,
                          max_keys=self.settings.table_max_keys)]

    def open(self, tables: Mapping[str, Table]) -> None:
        self.seen = tables["seen"]

    def _seen(self, record: Record, link: Link) -> bool:
        return self.seen is not None and self.seen.get(record.partition,
                                                       link.article_id.encode()) is not None

    async def process(self, records: Sequence[Record]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(records)
        todo: list[tuple[int, Record, Link]] = []
        in_batch: set[str] = set()
        for i, record in enumerate(records):
            try:
                link = decode(Link, record.value, record.headers)
            except (InvalidMessage, SchemaMismatch) as exc:
                outcomes[i] = Outcome(failure=Failure("invalid", str(exc)))
                continue
            if link.article_id in in_batch or self._seen(record, link):
                # Written already (its state is in the table), or earlier in this batch,
                # whose offsets are committed together: a duplicate, safely skipped.
                metrics.DUPLICATES.labels(self.stage).inc()
                outcomes[i] = Outcome()
                continue
            in_batch.add(link.article_id)
            todo.append((i, record, link))
        self._finish(outcomes, todo, await self._fetch_and_clean(todo))
        return [o if o is not None else Outcome() for o in outcomes]

    async def _fetch_and_clean(
        self, todo: list[tuple[int, Record, Link]]
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
        todo: list[tuple[int, Record, Link]],
        results: list[tuple[HttpResponse | Failure, dict[str, Any] | str | Failure | None]],
    ) -> None:
        for (i, _, link), (response, page) in zip(todo, results, strict=True):
            if isinstance(response, Failure):
                outcomes[i] = Outcome(failure=response)
                continue
            assert page is not None
            article = article_or_failure(link, response, page, self.version)
            if isinstance(article, Failure):
                outcomes[i] = Outcome(failure=article)
                continue
            article = fit(article, self.settings.kafka_max_message_bytes // 2)
            outcomes[i] = Outcome(
                outputs=[Output(self.topics.articles, link.article_id.encode(), encode(article),
                                headers_for(article))],
                state=[self._seen_record(link)],
            )

    @staticmethod
    def _seen_record(link: Link) -> Put:
        value = orjson.dumps({"article_id": link.article_id, "url": link.url,
                              "first_seen": utcnow().isoformat()})
        return Put("seen", link.article_id.encode(), value)

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


def fit(article: Article, max_bytes: int) -> Article:
    """``article`` with its text cut so the encoded message takes at most ``max_bytes``."""
    size = len(encode(article))
    text = article.text
    while size > max_bytes and text:
        # The text's share of the message, escapes included, scaled to what may remain.
        quoted = len(orjson.dumps(text))
        allowed = max(0, max_bytes - (size - quoted))
        raw = text.encode("utf-8")
        keep = min(len(raw) - 1, int(len(raw) * allowed / quoted) - 16)
        text = raw[:max(0, keep)].decode("utf-8", "ignore").rstrip()
        article = article.model_copy(update={"text": text, "truncated": True,
                                             "content_hash": content_hash(text)})
        size = len(encode(article))
    return article
