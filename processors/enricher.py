"""The enrich stage: ``news.articles`` → entities and dates → ``news.articles.enriched``.

NLP runs in a worker pool, a batch of articles per call. An article that
cannot be decoded or enriched goes to the dead-letter topic.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from newsflow.core import metrics
from newsflow.core.errors import RetriableError
from newsflow.core.records import Failure, Outcome, Output, Record
from newsflow.core.table import Table, TableSpec
from newsflow.core.topics import Topics
from newsflow.core.workers import WorkerPool, WorkerTimeout
from newsflow.schemas import (
    Article,
    DateMention,
    EnrichedArticle,
    Entity,
    InvalidMessage,
    Provenance,
    SchemaMismatch,
    decode,
    encode,
    headers_for,
    utcnow,
)

from .nlp import analyse_batch

log = logging.getLogger(__name__)


class Enricher:
    """The enrich stage (run by :class:`~newsflow.core.runtime.StageRunner`); keeps no tables."""

    name = "enrich"
    stage = name

    def __init__(self, pool: WorkerPool, topics: Topics, provenance: Provenance) -> None:
        self.pool = pool
        self.topics = topics
        self.provenance = provenance

    def tables(self) -> list[TableSpec]:
        return []

    def open(self, tables: Mapping[str, Table]) -> None:
        return None

    async def process(self, records: Sequence[Record]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(records)
        todo: list[tuple[int, Article]] = []
        for i, record in enumerate(records):
            try:
                todo.append((i, decode(Article, record.value, record.headers)))
            except (InvalidMessage, SchemaMismatch) as exc:
                outcomes[i] = Outcome(failure=Failure("invalid", str(exc)))
        results = await self._analyse(
            [(a.text, a.published, a.title, a.language) for _, a in todo]) if todo else []
        for (i, article), result in zip(todo, results, strict=True):
            if isinstance(result, str):
                result = Failure("enrich", result)
            if isinstance(result, Failure):
                outcomes[i] = Outcome(failure=result)
                continue
            for part in result.get("errors", ()):
                metrics.ENRICH_ERRORS.labels(part=part).inc()
            enriched = EnrichedArticle(
                **article.model_dump(),
                entities=[Entity(**e) for e in result["entities"]],
                entities_skipped=result.get("entities_skipped"),
                dates=[DateMention(**d) for d in result["dates"]],
                enriched_at=utcnow(),
                provenance=self.provenance,
            )
            metrics.INGEST_TO_SINK_SECONDS.observe(
                (enriched.enriched_at - article.discovered_at).total_seconds()
            )
            outcomes[i] = Outcome(outputs=[Output(
                self.topics.enriched, article.article_id.encode(), encode(enriched),
                headers_for(enriched),
            )])
        return [o if o is not None else Outcome() for o in outcomes]

    async def _analyse(self, items: list[tuple[str, str | None, str | None, str | None]]) -> list[dict[str, Any] | str | Failure]:
        """Analyse in the worker pool, one chunk per worker; an article that fails fails alone."""
        with metrics.ENRICH_SECONDS.time():
            results = await self.pool.map_batches(analyse_batch, items)
        return [Failure("timeout" if isinstance(r, WorkerTimeout) else "enrich", str(r))
                if isinstance(r, RetriableError) else r for r in results]
