"""From the cleaner's result to an Article, or to the reason there is none."""

from __future__ import annotations

from dataclasses import asdict

import httpx

from newsflow.core.http import HttpResponse
from newsflow.core.runtime import Failure
from newsflow.ingest.article import article_or_failure
from newsflow.ingest.cleaner import PageInput, clean, clean_batch
from newsflow.schemas import Article, Link, utcnow

from support.pages import article_page

URL = "https://news.example.org/world/light-rail"


def link(**kw: object) -> Link:
    values: dict[str, object] = dict(article_id="a1", url=URL, feed_id="f1",
                                     feed_url="https://news.example.org/rss", title="Feed title",
                                     summary="Feed summary", authors=["Feed Author"],
                                     published="2025-06-01T14:00:00+02:00",
                                     discovered_at=utcnow())
    values.update(kw)
    return Link.model_validate(values)


def response() -> HttpResponse:
    return HttpResponse(200, URL, httpx.Headers({"content-type": "text/html"}), b"", 0.1)


def test_the_feed_fills_what_the_page_leaves_empty_and_says_so() -> None:
    item = link()
    page = asdict(clean(PageInput(article_page(title="").encode(), URL,
                                  feed_published=item.published)))
    article = article_or_failure(item, response(), page, "1.0")
    assert isinstance(article, Article)
    assert article.description == "Feed summary" and article.authors == ["Feed Author"]
    assert article.field_sources["description"] == "feed"
    assert article.field_sources["authors"] == "feed"
    assert article.published == "2025-06-01T14:00:00+02:00"
    assert article.published_source == "feed" and article.field_sources["published"] == "feed"
    assert article.field_sources["text"] == "text"


def test_a_page_that_is_no_article_becomes_a_not_article_failure_with_its_kind() -> None:
    stub = article_page(paragraphs=["Short."],
                        head='<meta property="article:published_time" content="2025-06-01">')
    [page] = clean_batch([PageInput(stub.encode(), URL)])
    failure = article_or_failure(link(), response(), page, "1.0")
    assert isinstance(failure, Failure) and failure.reason == "not_article"
    assert failure.detail == {"kind": "too_short", "published": "2025-06-01"}
    assert URL in failure.error


def test_an_extractor_crash_is_an_extract_failure() -> None:
    failure = article_or_failure(link(), response(), "extractor failed: ValueError: x", "1.0")
    assert isinstance(failure, Failure) and failure.reason == "extract"
