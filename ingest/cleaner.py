"""Cleaning a fetched page to its main text and metadata (runs in worker processes).

trafilatura does the extraction (main text, title, author, date, canonical
URL); the language is identified on the text with py3langid. Functions here
are called in worker processes only, never on the event loop: lxml is not
safe across threads and long-running extractors grow in memory.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

MIN_TEXT_CHARS = 80

_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class ExtractionError(Exception):
    """No main text could be found in a page."""


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
    date: str | None
    canonical_url: str | None
    description: str | None
    site_name: str | None
    language: str | None


def _authors(value: str | None) -> list[str]:
    if not value:
        return []
    return [a.strip() for a in re.split(r";|\band\b", value) if a.strip()]


def _language(text: str, declared: str | None) -> str | None:
    import py3langid

    sample = text[:4000]
    if len(sample) < 20:
        return declared
    lang, _ = py3langid.classify(sample)
    return str(lang)


def tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_page(html: bytes, url: str) -> CleanPage:
    """Main text and metadata of one page; raises :class:`ExtractionError` if there is none."""
    import trafilatura
    from trafilatura.settings import Document

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        deduplicate=False,
        date_extraction_params={"extensive_search": True, "original_date": True},
    )
    if not isinstance(doc, Document) or not (doc.text or "").strip():
        raise ExtractionError("no main text found")
    text = tidy(doc.text or "")
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError(f"main text too short ({len(text)} characters)")
    return CleanPage(
        text=text,
        title=doc.title or None,
        authors=_authors(doc.author),
        date=doc.date or None,
        canonical_url=doc.url or None,
        description=doc.description or None,
        site_name=doc.sitename or None,
        language=_language(text, doc.language),
    )


def clean_batch(pages: list[PageInput]) -> list[dict[str, Any] | str]:
    """Clean many pages in one worker call: a dict per page, or an error message."""
    results: list[dict[str, Any] | str] = []
    for page in pages:
        try:
            results.append(asdict(clean_page(page.html, page.url)))
        except ExtractionError as exc:
            results.append(str(exc))
        except Exception as exc:  # a parser failure on hostile markup is this page's fault
            results.append(f"extractor failed: {type(exc).__name__}: {exc}")
    return results


def warm_up() -> None:
    """Import the extractor and its language data once per worker process."""
    import py3langid
    import trafilatura  # noqa: F401

    py3langid.classify("warm up the language identifier")
