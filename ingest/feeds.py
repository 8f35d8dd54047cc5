"""Feed parsing: RSS, Atom and RDF (feedparser) and JSON Feed, into one item model.

Pure functions over bytes and HTTP headers; no I/O. A body that yields no feed
raises :class:`FeedParseError` with the reason; a feed with recoverable
problems (feedparser's *bozo* flag with entries) is accepted. A document that
declares entities is refused before it is parsed (``xmlguard``): nothing is
expanded, no external entity or DTD is loaded.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import orjson

from newsflow.core.errors import PermanentError

from .xmlguard import EntitiesRefused, check_no_entities

#: feedparser's bozo exceptions that do not stop a feed from being read.
_SOFT_PROBLEMS = (
    feedparser.CharacterEncodingOverride,
    feedparser.CharacterEncodingUnknown,
    feedparser.NonXMLContentType,
)


class FeedParseError(PermanentError):
    reason = "invalid"


@dataclass(frozen=True, slots=True)
class FeedItem:
    link: str
    title: str | None = None
    summary: str | None = None
    published: datetime | None = None
    authors: tuple[str, ...] = ()
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    kind: str  # rss20, atom10, json, ...
    title: str | None
    items: list[FeedItem] = field(default_factory=list)
    ttl_s: int | None = None
    warning: str | None = None
    unlinked: int = 0  # items skipped for want of a usable http(s) link


def _parse_date(value: Any) -> datetime | None:
    """A feed date as an aware datetime, keeping its own UTC offset."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _from_struct(struct: Any) -> datetime | None:
    if not struct:
        return None
    try:
        year, month, day, hour, minute, second = struct[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _resolve(base: str, link: str) -> str | None:
    """``link`` made absolute against ``base``; None unless it is an http(s) URL."""
    try:
        resolved = urljoin(base, link.strip())
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    return resolved if resolved.lower().startswith(("http://", "https://")) else None


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None


def _is_json(body: bytes, content_type: str) -> bool:
    if "json" in content_type:
        return True
    head = body.lstrip()[:1]
    return head in (b"{", b"[")


def parse_feed(body: bytes, url: str, content_type: str = "", headers: dict[str, str] | None = None
               ) -> ParsedFeed:
    """Parse a feed body fetched from ``url``; relative links resolve against it."""
    if not body.strip():
        raise FeedParseError("empty body")
    if _is_json(body, content_type.lower()):
        return _parse_json_feed(body, url)
    try:
        check_no_entities(body, _charset(content_type))
    except EntitiesRefused as exc:
        raise FeedParseError(str(exc)) from exc
    response_headers = dict(headers or {})
    response_headers["content-location"] = url
    if content_type:
        response_headers.setdefault("content-type", content_type)
    try:
        parsed = feedparser.parse(body, response_headers=response_headers, sanitize_html=True)
    except Exception as exc:  # feedparser's own failures on hostile bytes (found by fuzzing:
        # an encoding name with a NUL byte or a non-UTF-8 byte) are this feed's fault
        raise FeedParseError(f"feed parser failed: {type(exc).__name__}: {exc}") from exc
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FeedParseError(f"not a feed: {problem or 'no RSS, Atom or RDF root element'}")
    warning = None
    if parsed.get("bozo"):
        warning = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
    items = []
    unlinked = 0
    for entry in parsed.entries:
        link = entry.get("link") or ""
        guid = entry.get("id")
        if not link and guid and str(guid).startswith(("http://", "https://")):
            link = guid
        link = _resolve(url, link) if link else None
        if not link:
            unlinked += 1
            continue
        # "in" first: feedparser's get("updated") falls back to "published" with a warning.
        updated = entry.get("updated") if "updated" in entry else None
        updated_parsed = entry.get("updated_parsed") if "updated_parsed" in entry else None
        published = _parse_date(entry.get("published") or updated) or _from_struct(
            entry.get("published_parsed") or updated_parsed
        )
        authors = tuple(
            a.get("name", "").strip() for a in entry.get("authors", []) if a.get("name", "").strip()
        )
        if not authors and entry.get("author"):
            authors = (str(entry.author).strip(),)
        items.append(
            FeedItem(
                link=link,
                title=entry.get("title") or None,
                summary=entry.get("summary") or None,
                published=published,
                authors=authors,
                guid=guid,
            )
        )
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not items and problem is not None and not isinstance(problem, _SOFT_PROBLEMS):
        raise FeedParseError(f"not a well-formed feed and no usable items: {problem}")
    ttl = parsed.feed.get("ttl")
    return ParsedFeed(
        kind=parsed.get("version") or "unknown",
        title=parsed.feed.get("title") or None,
        items=items,
        ttl_s=int(ttl) * 60 if isinstance(ttl, str) and ttl.isdecimal() else None,
        warning=warning,
        unlinked=unlinked,
    )


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise FeedParseError(f"invalid JSON: {exc}") from exc
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise FeedParseError("JSON body is not a JSON Feed (no jsonfeed.org version)")
    raw_items = doc.get("items")
    if not isinstance(raw_items, list):
        raise FeedParseError("JSON Feed has no items list")
    items = []
    unlinked = 0
    for raw in raw_items:
        if not isinstance(raw, dict):
            unlinked += 1
            continue
        link = raw.get("url") or raw.get("external_url")
        if not link and str(raw.get("id", "")).startswith(("http://", "https://")):
            link = raw["id"]
        link = _resolve(url, link) if isinstance(link, str) else None
        if not link:
            unlinked += 1
            continue
        authors = raw.get("authors") or ([raw["author"]] if isinstance(raw.get("author"), dict) else [])
        if not isinstance(authors, list):
            authors = []
        items.append(
            FeedItem(
                link=link,
                title=raw.get("title") if isinstance(raw.get("title"), str) else None,
                summary=raw.get("summary") if isinstance(raw.get("summary"), str) else None,
                published=_parse_date(raw.get("date_published") or raw.get("date_modified")),
                authors=tuple(
                    a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)
                ),
                guid=str(raw.get("id")) if raw.get("id") is not None else None,
            )
        )
    title = doc.get("title")
    return ParsedFeed(kind="json", title=title if isinstance(title, str) else None, items=items,
                      unlinked=unlinked)
