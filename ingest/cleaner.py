"""Cleaning a fetched page to its main text and metadata (runs in worker processes).

One page is decoded once (:mod:`.charset`) and parsed once into one lxml tree
that every step shares: the metadata signals (:mod:`.metadata`), the date
search (htmldate, only when the page states no date of its own), and the
main-text extraction (trafilatura favouring precision, comments left out,
tables kept). A second, balanced extraction runs when the first yields too
little. Pages that
are not articles raise :class:`NotArticle` with their kind (:mod:`.pagekind`).
The language is identified on the text with py3langid.

Functions here are called in worker processes only, never on the event loop:
lxml is not safe across threads and long-running extractors grow in memory.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from lxml.html import HtmlElement

from .charset import decode_html, fix_c1
from .metadata import PageMeta, Picked, byline, read_metadata, split_authors
from .pagekind import MIN_TEXT_CHARS, page_kind, sniff_bytes
from .timestamps import Stamp, resolve, resolve_modified, stamp

__all__ = ["MIN_TEXT_CHARS", "CleanPage", "ExtractionError", "NotArticle", "PageInput",
           "clean", "clean_batch", "clean_page", "warm_up"]

#: A first extraction shorter than this is retried with recall-oriented settings.
FALLBACK_CHARS = 400
#: Characters of text the language is identified on (more costs time, not accuracy).
LANGUAGE_SAMPLE = 1500
#: Text shorter than this share of the feed item's own summary is partial.
PARTIAL_OF_SUMMARY = 0.8

_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_TAGS = re.compile(r"<[^>]+>")


class ExtractionError(Exception):
    """No main text could be found in a page."""


class NotArticle(ExtractionError):
    """The page is not an article: a paywall stub, a consent wall, an index page, …"""

    def __init__(self, kind: str, message: str, published: str | None = None,
                 title: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.published = published
        self.title = title


@dataclass(frozen=True, slots=True)
class PageInput:
    """What the cleaner is given for one page (picklable: it crosses to a worker process)."""

    html: bytes
    url: str  # after redirects
    charset: str | None = None  # from the HTTP Content-Type header
    feed_title: str | None = None
    feed_summary: str | None = None
    feed_published: str | None = None


@dataclass(frozen=True, slots=True)
class CleanPage:
    text: str
    title: str | None
    authors: list[str]
    date: str | None  # published, ISO 8601: a full timestamp with its offset when known
    canonical_url: str | None
    description: str | None
    site_name: str | None
    language: str | None
    modified: str | None = None
    image: str | None = None
    tags: list[str] = field(default_factory=list)
    section: str | None = None
    partial: bool = False
    #: Where each field came from: jsonld, meta, time, link, url, html, text, feed, ...
    sources: dict[str, str] = field(default_factory=dict)


def tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in fix_c1(text).splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def parse(html: str) -> HtmlElement | None:
    """The page's one lxml tree (as trafilatura and htmldate build it)."""
    from trafilatura.utils import load_html

    return load_html(html)


def _extract(tree: HtmlElement, url: str, focus: str) -> str:
    import trafilatura
    from trafilatura.settings import Document

    doc = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True,
        deduplicate=False, favor_precision=focus == "precision", favor_recall=focus == "recall")
    return tidy(doc.text or "") if isinstance(doc, Document) else ""


def _plain(text: str) -> str:
    if "<" in text:
        import html

        text = html.unescape(_TAGS.sub(" ", text))
    return tidy(text)


def main_text(tree: HtmlElement, url: str, meta: PageMeta) -> tuple[str, str]:
    """(text, source): the precise extraction, or the longest fallback when it yields too little.

    News pages carry much boilerplate around a well-marked body, so the extraction
    that favours precision goes first. When it finds less than :data:`FALLBACK_CHARS`,
    or less than half of the JSON-LD ``articleBody``, the balanced extraction (which
    escalates to recall on its own) and the ``articleBody`` are the alternatives.
    """
    first = _extract(tree, url, "precision")
    body = _plain(meta.article_body) if meta.article_body else ""
    if len(first) >= FALLBACK_CHARS and 2 * len(first) >= len(body):
        return first, "text"
    options = [(first, "text"), (_extract(tree, url, "balanced"), "text_fallback"),
               (body, "jsonld")]
    return max(options, key=lambda option: len(option[0]))


def _page_date(tree: HtmlElement, url: str) -> Stamp | None:
    """htmldate's extensive search over the page (for pages that state no date themselves)."""
    from htmldate import find_date

    try:
        found = find_date(tree, url=url, extensive_search=True, original_date=True)
    except Exception:  # a date search failing on odd markup loses the date, not the page
        return None
    return stamp(found, "text") if found else None


def dates_of(tree: HtmlElement, url: str, meta: PageMeta,
             feed_published: str | None) -> tuple[Stamp | None, Stamp | None]:
    """(published, modified) of the page, kept apart.

    The page's date search runs only when the page states no date itself; its answer
    is dropped when it is the modification day and the page offers another date.
    """
    candidates = list(meta.published)
    modified = resolve(meta.modified)
    if not candidates:
        found = _page_date(tree, url)
        if found is not None and not (modified is not None and found.day == modified.day
                                      and meta.published_weak):
            candidates.append(found)
    candidates += meta.published_weak
    feed = stamp(feed_published, "feed")
    published = resolve(candidates + ([feed] if feed else []))
    return published, resolve_modified(meta.modified, published)


def _language(text: str, declared: str | None) -> tuple[str | None, str]:
    import py3langid

    sample = text[:LANGUAGE_SAMPLE]
    if len(sample) < 20:
        code = (declared or "").replace("_", "-").split("-")[0].lower() or None
        return code, "meta"
    lang, _ = py3langid.classify(sample)
    return str(lang), "text"


def _html_fields(tree: HtmlElement, meta: PageMeta) -> None:
    """Title, authors and site name from the page's markup when no metadata names them."""
    from trafilatura import metadata as tm

    if not meta.value("title"):
        title = tm.extract_title(tree)
        if title:
            meta.fields["title"] = Picked(title, "html")
    if not meta.value("authors"):
        authors = split_authors(byline(tree))
        if authors:
            meta.fields["authors"] = Picked(authors, "html")
    if not meta.value("site_name"):
        site = tm.extract_sitename(tree)
        if site:
            meta.fields["site_name"] = Picked(site.lstrip("@"), "html")


def clean(page: PageInput) -> CleanPage:
    """Main text and metadata of one page; raises :class:`NotArticle` for what is no article."""
    kind = sniff_bytes(page.html)
    if kind is not None:
        raise NotArticle(kind, f"not a web page ({kind})")
    html, _ = decode_html(page.html, page.charset)
    tree = parse(html)
    if tree is None:
        raise NotArticle("non_html", "not an HTML document")
    meta = read_metadata(tree, page.url)
    published, modified = dates_of(tree, page.url, meta, page.feed_published)
    _html_fields(tree, meta)
    text, text_source = main_text(tree, page.url, meta)
    title = meta.value("title")
    kind = page_kind(text, meta, tree, page.html, page.url, title)
    if kind is not None:
        raise NotArticle(kind, f"not an article ({kind}, {len(text)} characters of text)",
                         published.iso() if published else None, title)
    language, language_source = _language(text, meta.declared_language)
    summary = _plain(page.feed_summary or "")
    partial = meta.free is False or len(text) < PARTIAL_OF_SUMMARY * len(summary)
    sources = {name: picked.source for name, picked in meta.fields.items() if picked.value}
    sources["text"] = text_source
    if published is not None:
        sources["published"] = published.source
    if modified is not None:
        sources["modified"] = modified.source
    if language:
        sources["language"] = language_source
    return CleanPage(
        text=text, title=title, authors=meta.value("authors") or [],
        date=published.iso() if published else None,
        canonical_url=meta.value("canonical_url"), description=meta.value("description"),
        site_name=meta.value("site_name"), language=language,
        modified=modified.iso() if modified else None, image=meta.value("image"),
        tags=meta.value("tags") or [], section=meta.value("section"), partial=partial,
        sources=sources)


def clean_page(html: bytes, url: str, charset: str | None = None) -> CleanPage:
    """:func:`clean` of a page with no feed item."""
    return clean(PageInput(html, url, charset))


def clean_batch(pages: list[PageInput]) -> list[dict[str, Any] | str]:
    """Clean many pages in one worker call.

    Per page: the :class:`CleanPage` as a dict; for a page that is no article a dict
    ``{"not_article": kind, "error": ..., "date": ..., "title": ...}``; or an error message
    when the extractor itself failed.
    """
    results: list[dict[str, Any] | str] = []
    for page in pages:
        try:
            results.append(asdict(clean(page)))
        except NotArticle as exc:
            results.append({"not_article": exc.kind, "error": str(exc), "date": exc.published,
                            "title": exc.title})
        except Exception as exc:  # a parser failure on hostile markup is this page's fault
            results.append(f"extractor failed: {type(exc).__name__}: {exc}")
    return results


def warm_up() -> None:
    """Import the extractor, date search and language data once per worker process."""
    import charset_normalizer  # noqa: F401
    import htmldate  # noqa: F401
    import py3langid
    import trafilatura  # noqa: F401

    py3langid.classify("warm up the language identifier")
