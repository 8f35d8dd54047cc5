"""Parsing and resolving publication times (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from newsflow.ingest.timestamps import Stamp, parse_time, resolve, resolve_modified, stamp, url_day

PARIS = timezone(timedelta(hours=2))


@pytest.mark.parametrize("text, value", [
    ("2025-06-01T14:00:00+02:00", datetime(2025, 6, 1, 14, tzinfo=PARIS)),
    ("2025-06-01T12:00:00Z", datetime(2025, 6, 1, 12, tzinfo=UTC)),
    ("2025-06-01T14:00:00.123+0200", datetime(2025, 6, 1, 14, 0, 0, 123000, tzinfo=PARIS)),
    ("2025-06-01 14:00:00", datetime(2025, 6, 1, 14)),
    ("Sun, 01 Jun 2025 14:00:00 +0200", datetime(2025, 6, 1, 14, tzinfo=PARIS)),
    ("2025-06-01", date(2025, 6, 1)),
    ("2025/6/1", date(2025, 6, 1)),
    ("20250601", date(2025, 6, 1)),
    ("June 2025", None),
    ("2025-13-45", None),
    ("", None),
])
def test_parse_time_keeps_what_the_source_wrote(text: str, value: object) -> None:
    assert parse_time(text) == value


@pytest.mark.parametrize("url, day", [
    ("https://x.org/2025/06/01/story", date(2025, 6, 1)),
    ("https://x.org/news/2025-06-01-story", date(2025, 6, 1)),
    ("https://x.org/story-20250601.html", date(2025, 6, 1)),
    ("https://x.org/2025/06/story", None),
    ("https://x.org/story?date=2025/06/01", None),
    ("https://x.org/item/12345678", None),
])
def test_url_day(url: str, day: date | None) -> None:
    assert url_day(url) == day


def test_implausible_times_are_no_stamps() -> None:
    now = datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert stamp("2025-06-03T00:00:00Z", "meta", now) is None
    assert stamp("1994-12-31", "meta", now) is None
    assert stamp("2025-06-01T23:00:00+08:00", "meta", now) is not None


def test_resolve_prefers_order_and_full_timestamps_of_the_same_day() -> None:
    day = Stamp(date(2025, 6, 1), "url")
    full = Stamp(datetime(2025, 6, 1, 14, tzinfo=PARIS), "jsonld")
    other_day = Stamp(datetime(2025, 5, 30, 9, tzinfo=PARIS), "meta")
    assert resolve([day, other_day, full]) == full
    assert resolve([day, other_day]) == day
    assert resolve([other_day, day]) == other_day
    assert resolve([]) is None


def test_modified_is_never_the_publication_or_before_it() -> None:
    published = Stamp(datetime(2025, 6, 1, 14, tzinfo=PARIS), "jsonld")
    assert resolve_modified([published], published) is None
    assert resolve_modified([Stamp(date(2025, 5, 1), "meta")], published) is None
    later = Stamp(datetime(2025, 6, 2, 9, tzinfo=PARIS), "meta")
    assert resolve_modified([later], published) == later
