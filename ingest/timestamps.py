"""Publication and modification times from several sources, resolved into one each.

A value is kept as the source wrote it: a full timestamp keeps its own UTC
offset (or none, when the source gave none); a date-only value stays a date.
Candidates come in order of trust: the URL's date, JSON-LD ``datePublished``,
``<meta>`` publication tags, a ``<time>`` marked as the publication time, the
date search over the whole page (htmldate, run only when none of those has a
date), any other ``<time datetime>`` of the article, the feed item's date. The
first plausible one decides the day, and a date-only winner takes the time and
offset of any full timestamp on the same day, so a date-only source never
overrides a full one. Future dates and dates before the web are rejected in
favour of the next source.

The URL's date comes first: it is set when the article is first published and
never changes, and it is the publisher's local day, while CMSs often restate
``datePublished`` in UTC or move it on republication. A UTC timestamp that
another source of the page states in local time (with an offset, or as local
wall-clock time) is given in that local time: the same instant, on the
publisher's own day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

#: No news page on the web is older than this.
EARLIEST = date(1995, 1, 1)
#: Clocks disagree and time zones run ahead of UTC: a little of the future is allowed.
FUTURE_SLACK = timedelta(days=1)

_OFFSET_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")
_DAY_ONLY = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_COMPACT_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_URL_DAY = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|[-_]|$)")
_URL_COMPACT = re.compile(r"[/_-]((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:[/_-]|\.html?|$)")


@dataclass(frozen=True, slots=True)
class Stamp:
    """A parsed time: a datetime (full) or a date (date-only), and where it came from."""

    value: datetime | date
    source: str

    @property
    def full(self) -> bool:
        return isinstance(self.value, datetime)

    @property
    def day(self) -> date:
        return self.value.date() if isinstance(self.value, datetime) else self.value

    def iso(self) -> str:
        return self.value.isoformat()


def parse_time(text: str | None) -> datetime | date | None:
    """A timestamp or date in ISO 8601, RFC 2822 or compact form; None if not one."""
    if not text:
        return None
    value = text.strip()
    if not value or len(value) > 64:
        return None
    day = _DAY_ONLY.match(value) or _COMPACT_DAY.match(value)
    if day:
        try:
            return date(int(day[1]), int(day[2]), int(day[3]))
        except ValueError:
            return None
    iso = value.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", value) else value
    iso = _OFFSET_NO_COLON.sub(r"\1:\2", iso.replace("z", "Z"))
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None and (parsed.hour, parsed.minute, parsed.second) == (0, 0, 0) \
            and "T" not in iso:
        return parsed.date()
    return parsed


def url_day(url: str | None) -> date | None:
    """The day a URL's path spells (``/2024/03/05/``, ``-20240305``), if any."""
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    match = _URL_DAY.search(path) or _URL_COMPACT.search(path)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def plausible(value: datetime | date, now: datetime | None = None) -> bool:
    """Not in the future and not older than the web."""
    now = now or datetime.now(UTC)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.date() >= EARLIEST and value <= now + FUTURE_SLACK
        return value.date() >= EARLIEST and value <= now.replace(tzinfo=None) + FUTURE_SLACK
    return EARLIEST <= value <= (now + FUTURE_SLACK).date()


def stamp(text: str | None, source: str, now: datetime | None = None) -> Stamp | None:
    """A plausible :class:`Stamp` of ``text``, or None."""
    value = parse_time(text)
    if value is None or not plausible(value, now):
        return None
    return Stamp(value, source)


def localised(found: Stamp, candidates: list[Stamp]) -> Stamp:
    """``found`` in the page's local time when it is UTC and another source gives the local form."""
    value = found.value
    if not isinstance(value, datetime) or value.utcoffset() != timedelta(0):
        return found
    for other in candidates:
        local = other.value
        if not isinstance(local, datetime) or (local.minute % 15, local.second) != (
                value.minute % 15, value.second):
            continue
        if local.tzinfo is not None:
            if local.utcoffset() and local == value:
                return Stamp(local, found.source)
            continue
        shift = local - value.replace(tzinfo=None)
        if shift and abs(shift) <= timedelta(hours=14) and shift % timedelta(minutes=15) == timedelta(0):
            return Stamp(local.replace(tzinfo=timezone(shift)), found.source)
    return found


def resolve(candidates: list[Stamp]) -> Stamp | None:
    """The winning time among candidates in order of trust (see the module's rules)."""
    if not candidates:
        return None
    winner = candidates[0]
    if winner.full:
        return localised(winner, candidates)
    for other in candidates[1:]:
        if other.full:
            other = localised(other, candidates)
            if other.day == winner.day:
                return other
    return winner


def resolve_modified(candidates: list[Stamp], published: Stamp | None) -> Stamp | None:
    """The modification time: never before the publication, never the same value."""
    best = resolve(candidates)
    if best is None or published is None:
        return best
    if best.iso() == published.iso() or before(best, published):
        return None
    return best


def before(a: Stamp, b: Stamp) -> bool:
    """``a`` is earlier than ``b`` (by instant when both are comparable, else by day)."""
    if a.full and b.full:
        x, y = a.value, b.value
        assert isinstance(x, datetime) and isinstance(y, datetime)
        if (x.tzinfo is None) == (y.tzinfo is None):
            return x < y
    return a.day < b.day
