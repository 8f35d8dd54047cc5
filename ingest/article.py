"""Building the Article: a link, its fetched page and the cleaner's result, as one message.

The cleaner (in a worker process) has already weighed the page's own signals
and the feed item's date; here the feed item fills what the page left empty
(title, summary, authors), each field's source is recorded in
``field_sources``, and a page the cleaner rejected becomes a
:class:`~newsflow.core.runtime.Failure` with its reason and kind.
"""

from __future__ import annotations

from typing import Any

from newsflow.core.http import HttpResponse
from newsflow.core.runtime import Failure
from newsflow.schemas import Article, Link, content_hash, utcnow

#: Fields of a cleaned page copied into the Article as they are.
_PAGE_FIELDS = ("canonical_url", "site_name", "language", "modified", "image", "section",
                "partial")


def published_source(page: dict[str, Any]) -> str:
    """``page``, ``feed`` or ``none``: the coarse origin of ``published``."""
    if not page.get("date"):
        return "none"
    return "feed" if page.get("sources", {}).get("published") == "feed" else "page"


def page_published(page: dict[str, Any] | str) -> str | None:
    """The publication time a cleaned page carries, rejected or not."""
    return page.get("date") if isinstance(page, dict) else None


def article_or_failure(link: Link, response: HttpResponse, page: dict[str, Any] | str | Failure,
                       version: str) -> Article | Failure:
    """The Article of ``link``, or why there is none (``extract``, ``not_article``, a worker's)."""
    if isinstance(page, Failure):
        return Failure(page.reason, f"{link.url}: {page.error}", page.attempts, page.detail)
    if isinstance(page, str):
        return Failure("extract", f"{link.url}: {page}")
    if "not_article" in page:
        detail = {"kind": str(page["not_article"])}
        if page.get("date"):
            detail["published"] = str(page["date"])
        return Failure("not_article", f"{link.url}: {page.get('error')}", detail=detail)
    return build_article(link, response, page, version)


def build_article(link: Link, response: HttpResponse, page: dict[str, Any], version: str) -> Article:
    """The Article of ``link``, from its page as the cleaner returned it."""
    text: str = page["text"]
    sources: dict[str, str] = dict(page.get("sources") or {})
    fields: dict[str, Any] = {name: page.get(name) for name in _PAGE_FIELDS
                              if page.get(name) is not None}
    for name, mine, feeds in (("title", page.get("title"), link.title),
                              ("description", page.get("description"), link.summary),
                              ("authors", page.get("authors"), link.authors)):
        if not mine and feeds:
            sources[name] = "feed"
        fields[name] = mine or feeds
    fields["tags"] = page.get("tags") or []
    values = {**fields, "text": text, "published": page.get("date")}
    return Article(
        article_id=link.article_id,
        url=link.url,
        final_url=response.url if response.url != link.url else None,
        feed_id=link.feed_id,
        text=text,
        published=page.get("date"),
        published_source=published_source(page),
        field_sources={name: source for name, source in sources.items() if values.get(name)},
        content_hash=content_hash(text),
        discovered_at=link.discovered_at,
        fetched_at=utcnow(),
        newsflow_version=version,
        **fields,
    )
