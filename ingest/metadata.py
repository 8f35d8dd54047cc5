"""A page's metadata from all its signals, each field with the source that gave it.

Signals, read from the one parsed tree: JSON-LD (:mod:`.jsonld`), ``<meta>``
tags (OpenGraph, ``article:*``, Dublin Core, ``name=author``, …),
``<time datetime>`` elements, ``<link rel=canonical>``, the ``lang`` attribute,
and the URL. For each field the first source that has a value wins, in the
order written below; :class:`Picked` records which one it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml.html import HtmlElement

from . import jsonld as ld
from .timestamps import Stamp, stamp, url_day

#: ``<meta>`` names (``property``, ``name`` or ``itemprop``, lower-cased) per field, best first.
PUBLISHED_META = ("article:published_time", "og:article:published_time", "datepublished",
                  "article.published", "published_time", "publishdate", "publish-date",
                  "publish_date", "pubdate", "sailthru.date", "parsely-pub-date",
                  "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date",
                  "dcterms.created", "citation_publication_date", "citation_date", "date")
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "modified_time",
                 "last-modified", "dcterms.modified", "article.updated")
TITLE_META = ("og:title", "twitter:title", "dc.title", "citation_title", "headline")
DESCRIPTION_META = ("og:description", "description", "twitter:description", "dc.description")
AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
               "citation_author", "byl")
SITE_META = ("og:site_name", "application-name", "publisher", "dc.publisher")
IMAGE_META = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image",
              "twitter:image:src", "thumbnailurl")
TAG_META = ("article:tag", "news_keywords", "keywords", "parsely-tags")
SECTION_META = ("article:section", "parsely-section", "section")
LANGUAGE_META = ("og:locale", "content-language", "dc.language", "language")


@dataclass
class Picked:
    """A field's value and the name of the signal it came from."""

    value: Any
    source: str


@dataclass
class PageMeta:
    """Everything the page says about itself, before the main text is known."""

    fields: dict[str, Picked] = field(default_factory=dict)
    published: list[Stamp] = field(default_factory=list)
    #: Other ``<time datetime>`` of the page: they give a time to a day found elsewhere.
    published_weak: list[Stamp] = field(default_factory=list)
    modified: list[Stamp] = field(default_factory=list)
    types: set[str] = field(default_factory=set)
    og_type: str | None = None
    free: bool | None = None
    article_body: str | None = None
    declared_language: str | None = None

    def value(self, name: str) -> Any:
        picked = self.fields.get(name)
        return picked.value if picked is not None else None

    def has_article_signals(self) -> bool:
        return bool(self.types & ld.ARTICLE_TYPES) or self.og_type == "article" \
            or any(s.source in ("jsonld", "meta") for s in self.published)


def _meta_tags(tree: HtmlElement) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if content is None or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                tags.setdefault(key.strip().lower(), []).append(content.strip())
    return tags


def _first(tags: dict[str, list[str]], names: tuple[str, ...],
           ok: Callable[[str], bool] = bool) -> str | None:
    for name in names:
        for value in tags.get(name, ()):
            if ok(value):
                return value
    return None


def _not_url(value: str) -> bool:
    return not value.startswith(("http://", "https://", "/"))


#: ``class`` tokens that mark a ``<time>`` as the publication or modification time
#: (microformats ``h-entry`` and the usual CMS themes).
_PUBLISHED_CLASSES = frozenset({"published", "dt-published", "entry-date", "publish-date",
                                "date-published", "pubdate", "post-date"})
_MODIFIED_CLASSES = frozenset({"updated", "dt-updated", "modified", "date-modified",
                               "date-updated", "last-modified"})


def _main_article(tree: HtmlElement) -> HtmlElement | None:
    """The page's own ``<article>``: the one holding the ``<h1>``, else the longest."""
    articles = list(tree.iter("article"))
    if len(articles) < 2:
        return articles[0] if articles else None
    h1 = tree.find(".//h1")
    if h1 is not None:
        for parent in h1.iterancestors("article"):
            return parent
    return max(articles, key=lambda a: len(a.text_content()))


def _not_the_article(el: HtmlElement, main: HtmlElement | None) -> bool:
    """Inside another article (a teaser, a related story), an aside, or readers' comments.

    A ``<time>`` refers to its nearest ``<article>`` (HTML's own rule for ``pubdate``).
    """
    nearest = next(el.iterancestors("article"), None)
    if nearest is not None and main is not None and nearest is not main:
        return True
    for parent in el.iterancestors():
        if parent.tag in ("aside", "nav", "footer"):
            return True
        marks = f"{parent.get('class') or ''} {parent.get('id') or ''}".lower()
        if "comment" in marks:
            return True
    return False


def _time_stamps(tree: HtmlElement) -> tuple[list[Stamp], list[Stamp], list[Stamp]]:
    """(marked published, marked modified, any other) ``<time datetime>`` stamps, in page order."""
    published: list[Stamp] = []
    modified: list[Stamp] = []
    other: list[Stamp] = []
    main = _main_article(tree)
    for el in tree.iter("time"):
        value = el.get("datetime")
        if not value or _not_the_article(el, main):
            continue
        prop = (el.get("itemprop") or "").lower()
        classes = set((el.get("class") or "").lower().split())
        if prop == "datemodified" or classes & _MODIFIED_CLASSES:
            target, source = modified, "time"
        elif prop == "datepublished" or el.get("pubdate") is not None \
                or classes & _PUBLISHED_CLASSES:
            target, source = published, "time"
        else:
            target, source = other, "time"
        found = stamp(value, source)
        if found is not None:
            target.append(found)
    return published, modified, other


def _set(meta: PageMeta, name: str, *options: tuple[Any, str]) -> None:
    for value, source in options:
        if value:
            meta.fields[name] = Picked(value, source)
            return


def read_metadata(tree: HtmlElement, url: str) -> PageMeta:
    """The page's metadata signals (see the module's order)."""
    data = ld.read_jsonld(tree, url)
    art = data.article or {}
    tags = _meta_tags(tree)
    og_type = tags.get("og:type")
    meta = PageMeta(types=data.types, og_type=og_type[0] if og_type else None,
                    free=ld.free(art.get("isAccessibleForFree")))
    if meta.og_type:
        meta.og_type = meta.og_type.lower()
    body = art.get("articleBody")
    meta.article_body = body.strip() if isinstance(body, str) and body.strip() else None

    time_published, time_modified, time_other = _time_stamps(tree)
    day = url_day(url)
    meta.published = [s for s in (stamp(day.isoformat() if day else None, "url"),
                                  stamp(ld.text_of(art.get("datePublished")), "jsonld"),
                                  stamp(_first(tags, PUBLISHED_META), "meta")) if s]
    meta.published += time_published[:1]
    meta.published_weak = time_other[:1]
    meta.modified = [s for s in (stamp(ld.text_of(art.get("dateModified")), "jsonld"),
                                 stamp(_first(tags, MODIFIED_META), "meta")) if s]
    meta.modified += time_modified[:1]

    _set(meta, "title", (ld.text_of(art.get("headline")) or ld.text_of(art.get("name")), "jsonld"),
         (_first(tags, TITLE_META), "meta"))
    _set(meta, "description", (ld.text_of(art.get("description")), "jsonld"),
         (_first(tags, DESCRIPTION_META), "meta"))
    authors = ld.names(art.get("author"))
    meta_author = _first(tags, AUTHOR_META, _not_url)
    _set(meta, "authors", (authors, "jsonld"), (split_authors(meta_author), "meta"))
    _set(meta, "site_name", (_first(tags, SITE_META[:1]), "meta"), (data.publisher, "jsonld"),
         (_first(tags, SITE_META[1:], _not_url), "meta"))
    canonical = None
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = link.get("href", "").strip()
            break
    _set(meta, "canonical_url", (canonical, "link"), (_first(tags, ("og:url",)), "meta"),
         (ld.url_of(art.get("mainEntityOfPage")) or ld.url_of(art.get("url")), "jsonld"))
    if meta.fields.get("canonical_url"):
        picked = meta.fields["canonical_url"]
        picked.value = urljoin(url, picked.value)
    image = ld.url_of(art.get("image"))
    _set(meta, "image", (_first(tags, IMAGE_META), "meta"), (image, "jsonld"))
    if meta.fields.get("image"):
        meta.fields["image"].value = urljoin(url, meta.fields["image"].value)
    page_tags = [t for v in tags.get("article:tag", ()) for t in ld.keywords(v)]
    _set(meta, "tags", (ld.keywords(art.get("keywords")), "jsonld"), (page_tags, "meta"),
         (ld.keywords(_first(tags, TAG_META[1:])), "meta"))
    _set(meta, "section", (ld.text_of(art.get("articleSection")), "jsonld"),
         (_first(tags, SECTION_META), "meta"))
    meta.declared_language = (ld.text_of(art.get("inLanguage")) or tree.get("lang")
                              or _first(tags, LANGUAGE_META))
    return meta


_BYLINE = ('(//*[@itemprop="author"]//*[@itemprop="name"] | //*[@itemprop="author"]'
           ' | //a[@rel="author"] | //*[@class and (contains(@class, "byline")'
           ' or contains(@class, "author-name") or contains(@class, "author"))])')
_BY = re.compile(r"^\s*(by|von|par|por|door|di|av)\s+", re.I)


def byline(tree: HtmlElement) -> str | None:
    """The first short byline in the markup (``itemprop=author``, ``rel=author``, ``.byline``)."""
    for el in tree.xpath(_BYLINE)[:8]:
        if el.tag in ("script", "style", "meta", "link"):
            continue
        text = _BY.sub("", " ".join(" ".join(el.itertext()).split()))
        if 3 <= len(text) <= 60 and 1 <= len(text.split()) <= 6 and not text[0].isdigit():
            return text
    return None


def split_authors(value: str | None) -> list[str]:
    """Names from a byline string: split on ``;``, ``,`` between names, ``and``, ``&``."""
    if not value:
        return []
    value = _BY.sub("", value)
    parts = re.split(r";|\||\s+and\s+|\s+&\s+|,\s+(?=[A-Z])", value)
    return [p.strip() for p in parts if p.strip() and len(p.strip()) < 80]
