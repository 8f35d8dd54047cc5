"""``newsflow inspect URL|FILE``: one page through fetch, clean and enrich, shown.

The page is downloaded by the fetch stage's own :func:`~newsflow.ingest.download.download`
(so the HTTP client's address guard and limits apply) or read from a file; it is cleaned
by the function the fetch stage's workers run, made an Article by the same function, and
enriched by the enrich stage's own processor (its worker function run in this process). The result goes to stdout (the
EnrichedArticle as JSON with ``--json``, else a readable view with each field's source);
the time each step took goes to stderr.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, cast

import httpx
from aiokafka import ConsumerRecord

from newsflow.core.http import HttpResponse, make_http_client
from newsflow.core.runtime import Failure
from newsflow.core.settings import Settings
from newsflow.core.topics import Topics
from newsflow.core.workers import WorkerPool
from newsflow.ingest.article import article_or_failure
from newsflow.ingest.cleaner import PageInput, clean_batch, warm_up
from newsflow.ingest.download import download
from newsflow.schemas import Article, EnrichedArticle, Link, article_id, encode, headers_for, utcnow

#: The fields of the readable view, in order (then the text's length, entities, dates, text).
SHOWN_FIELDS = ("title", "url", "canonical_url", "published", "modified", "authors",
                "site_name", "language", "description", "image", "section", "tags")


class InspectError(Exception):
    """The page could not be inspected (one line for the user)."""


@dataclass
class Steps:
    """How long each step took, for stderr."""

    times: list[tuple[str, float]] = field(default_factory=list)
    _started: float = 0.0

    def start(self) -> None:
        self._started = time.perf_counter()

    def done(self, name: str) -> None:
        self.times.append((name, time.perf_counter() - self._started))

    def line(self) -> str:
        return "newsflow inspect: " + " · ".join(f"{name} {s * 1000:.0f} ms"
                                                 for name, s in self.times)


async def fetch(settings: Settings, target: str, page_url: str | None) -> HttpResponse:
    """The page at a URL (through the project's HTTP client) or in a file."""
    if target.startswith(("http://", "https://")):
        http = make_http_client(settings)
        try:
            response = await download(http, target, settings, stage="inspect")
        finally:
            await http.aclose()
        if isinstance(response, Failure):
            raise InspectError(f"{response.reason}: {response.error}")
        return response
    return read_page(Path(target), page_url, settings.http_max_bytes)


def read_page(path: Path, page_url: str | None, max_bytes: int) -> HttpResponse:
    """A page saved in a file, as if fetched from ``page_url`` (else its ``file:`` URL)."""
    if not path.is_file():
        raise InspectError(f"{path}: no such file (or give an http(s) URL)")
    if path.stat().st_size > max_bytes:
        raise InspectError(f"too_large: {path}: {path.stat().st_size} bytes, the limit for a "
                           f"page is {max_bytes} (NEWSFLOW_HTTP_MAX_BYTES)")
    url = page_url or path.resolve().as_uri()
    return HttpResponse(200, url, httpx.Headers({"content-type": "text/html"}),
                        path.read_bytes(), 0.0)


class InProcessPool:
    """A worker pool's ``map_batches``, run in this process (one page needs no workers)."""

    async def map_batches(self, fn: Callable[[list[Any]], list[Any]], items: list[Any]) -> list[Any]:
        return fn(list(items))


async def enrich(settings: Settings, article: Article) -> EnrichedArticle | Failure:
    """The enrich stage's processor on one article, its worker function run here."""
    from newsflow.pipeline import provenance
    from newsflow.processors.enricher import Enricher
    from newsflow.processors.nlp import load_model

    load_model(settings.enrich_model)
    topics = Topics.from_settings(settings)
    enricher = Enricher(cast(WorkerPool, InProcessPool()), topics, provenance(settings))
    value = encode(article)
    record = ConsumerRecord(topic=topics.articles, partition=0, offset=0, timestamp=0,
                            timestamp_type=0, key=article.article_id.encode(), value=value,
                            checksum=None, serialized_key_size=len(article.article_id),
                            serialized_value_size=len(value), headers=headers_for(article))
    [outcome] = await enricher.process([record])
    if outcome.failure is not None:
        return outcome.failure
    return EnrichedArticle.model_validate_json(outcome.outputs[0].value)


async def inspect(settings: Settings, target: str, *, as_json: bool = False,
                  page_url: str | None = None, out: TextIO | None = None,
                  err: TextIO | None = None) -> int:
    """Inspect one page; 0 when it is an article, 1 when the pipeline would dead-letter it."""
    from newsflow.pipeline import NEWSFLOW_VERSION

    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    steps = Steps()
    steps.start()
    response = await fetch(settings, target, page_url)
    steps.done("fetch" if target.startswith(("http://", "https://")) else "read")
    link = Link(article_id=article_id(response.url), url=response.url, feed_id="inspect",
                feed_url="", discovered_at=utcnow())
    steps.start()
    warm_up()
    steps.done("load cleaner")
    steps.start()
    [page] = clean_batch([PageInput(response.body, response.url, response.charset)])
    result = article_or_failure(link, response, page, NEWSFLOW_VERSION)
    steps.done("clean")
    if isinstance(result, Failure):
        err.write(steps.line() + "\n")
        detail = "".join(f", {k} {v}" for k, v in result.detail.items())
        err.write(f"newsflow inspect: not published: {result.reason}{detail}: {result.error}\n")
        return 1
    steps.start()
    enriched = await enrich(settings, result)
    steps.done("enrich (with model load)")
    if isinstance(enriched, Failure):
        err.write(steps.line() + "\n")
        err.write(f"newsflow inspect: not enriched: {enriched.reason}: {enriched.error}\n")
        return 1
    out.write(enriched.model_dump_json() + "\n" if as_json else readable(enriched))
    out.flush()
    err.write(steps.line() + "\n")
    return 0


def readable(article: EnrichedArticle) -> str:
    """The article for a person: fields with their sources, entities, dates, the text."""
    sources = article.field_sources
    lines = [f"{article.title or '(untitled)'}", ""]

    def row(name: str, value: Any) -> None:
        if value in (None, [], ""):
            return
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        source = sources.get(name)
        lines.append(f"  {name:<14} {value}" + (f"  [{source}]" if source else ""))

    for name in SHOWN_FIELDS:
        row(name, getattr(article, name))
    row("text", f"{len(article.text)} characters" + (" (partial)" if article.partial else ""))
    if article.entities:
        lines += ["", "entities:"]
        lines += [f"  {e.label:<8} {e.text}" + (f" ×{e.count}" if e.count > 1 else "")
                  for e in article.entities]
    if article.dates:
        lines += ["", "dates:"]
        lines += [f"  {d.type:<8} {d.text!r} → {d.value}" for d in article.dates]
    lines += ["", "text:", article.text, ""]
    return "\n".join(lines)
