"""The page's JSON-LD: the main article object and the types the page declares.

Most news sites embed a schema.org ``NewsArticle`` (or ``Article``,
``BlogPosting``, …) in ``<script type="application/ld+json">``, often inside
an ``@graph`` or a ``WebPage``'s ``mainEntity``. Broken JSON is skipped, never
fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle",
    "OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle",
    "SatiricalArticle", "BlogPosting", "LiveBlogPosting", "Report", "TechArticle",
    "ScholarlyArticle", "SocialMediaPosting", "AdvertiserContentArticle", "Review",
})
#: Types of a page that lists other pages rather than being one article.
COLLECTION_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage"})
VIDEO_TYPES = frozenset({"VideoObject", "VideoGallery"})


@dataclass
class JsonLd:
    article: dict[str, Any] | None = None
    types: set[str] = field(default_factory=set)
    publisher: str | None = None


def _types(item: dict[str, Any]) -> set[str]:
    value = item.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def _walk(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every object with an ``@type``, top-level first, through ``@graph`` and ``mainEntity``."""
    if depth > 4:
        return
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, depth + 1)
    elif isinstance(value, dict):
        if "@type" in value:
            yield value
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if isinstance(value.get(key), (dict, list)):
                yield from _walk(value[key], depth + 1)


def _load(text: str) -> Any:
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.strip().removeprefix("//<![CDATA[").removesuffix("//]]>").strip().rstrip(";")
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return None


def read_jsonld(tree: HtmlElement, url: str | None) -> JsonLd:
    found = JsonLd()
    articles: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        if not kind.startswith("application/ld+json") or not script.text:
            continue
        for item in _walk(_load(script.text)):
            types = _types(item)
            found.types |= types
            if types & ARTICLE_TYPES:
                articles.append(item)
            if found.publisher is None and isinstance(item.get("publisher"), dict):
                found.publisher = text_of(item["publisher"].get("name"))
    if articles:
        found.article = _main_article(articles, url)
    return found


def _main_article(articles: list[dict[str, Any]], url: str | None) -> dict[str, Any]:
    """The article object about this page: the one whose URL is the page's, else the first."""
    if url:
        bare = url.split("#", 1)[0].rstrip("/")
        for item in articles:
            page = item.get("mainEntityOfPage")
            ids = [item.get("url"), item.get("@id"),
                   page.get("@id") if isinstance(page, dict) else page]
            if any(isinstance(i, str) and i.split("#", 1)[0].rstrip("/") == bare for i in ids):
                return item
    return articles[0]


def text_of(value: Any) -> str | None:
    """A plain string from a JSON-LD value (a string, a list's first, or an object's name)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return value.strip() or None if isinstance(value, str) else None


def names(value: Any) -> list[str]:
    """Author names: strings or Person/Organization objects, one or a list."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        name = text_of(item)
        if name and not name.startswith(("http://", "https://")):
            out.append(name)
    return out


def url_of(value: Any) -> str | None:
    """A URL from a string, an ImageObject or a list of either."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
    return value.strip() or None if isinstance(value, str) else None


def keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list):
        return [k.strip() for k in value if isinstance(k, str) and k.strip()]
    return []


def free(value: Any) -> bool | None:
    """``isAccessibleForFree`` as a bool (it comes as true/false or "True"/"False")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None
