"""Building the Article: a link, its fetched page and the cleaner's result, as one message.

Which source wins for each field (the page's own metadata, the feed item, the
URL) is decided here, on the event loop, from what the cleaner returned.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from newsflow.core.http import HttpResponse
from newsflow.schemas import Article, Link, content_hash, utcnow


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


def build_article(link: Link, response: HttpResponse, page: dict[str, Any], version: str) -> Article:
    """The Article of ``link``, from its page as the cleaner returned it."""
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
        newsflow_version=version,
    )


def page_published(page: dict[str, Any] | str) -> str | None:
    """The publication time the page alone gives (no feed), as an Article would carry it."""
    if not isinstance(page, dict):
        return None
    return resolve_published(page.get("date"), None)[0]
