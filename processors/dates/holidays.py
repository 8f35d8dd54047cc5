"""Holidays: on a fixed day of the year (Christmas, Halloween) or on a weekday of their month
(Thanksgiving, the US Election Day), in a given year or the one the clause's tense says."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from .context import Cand, Ctx, norm_key
from .text import tense
from .values import candidate, fmt_year, nearest_date, shift_days


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th ``weekday`` (ISO, Monday 1) of a month."""
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.isoweekday()) % 7 + 7 * (n - 1))


def election_day(year: int) -> date:
    """The Tuesday after the first Monday of November (US federal elections)."""
    return nth_weekday(year, 11, 1, 1) + timedelta(days=1)


HOLIDAYS: dict[str, Callable[[int], date]] = {
    "christmas eve": lambda y: date(y, 12, 24),
    "christmas": lambda y: date(y, 12, 25),
    "new years eve": lambda y: date(y, 12, 31),
    "new years": lambda y: date(y, 1, 1),
    "halloween": lambda y: date(y, 10, 31),
    "valentines": lambda y: date(y, 2, 14),
    "thanksgiving": lambda y: nth_weekday(y, 11, 4, 4),  # the fourth Thursday of November
    "election day": election_day,
}


def holiday_key(name: str) -> str:
    k = norm_key(name).replace("'", "")
    for key in HOLIDAYS:
        if k.startswith(key):
            return key
    return k


def h_holiday(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "Christmas Eve", "Thanksgiving Day", "last Thanksgiving", "Election Day, 1998" """
    day_of = HOLIDAYS.get(holiday_key(m["h"]))
    if day_of is None:
        return None
    if m["year"]:
        return candidate(m, "DATE", day_of(int(m["year"])).isoformat())
    ref = ctx.ref
    if ref is None:
        return None if m["rel"] else candidate(m, "DATE", f"XXXX-{day_of(2000):%m-%d}")
    options = [day_of(y) for y in (ref.year - 1, ref.year, ref.year + 1)
               if fmt_year(y - 1) and fmt_year(y + 1)]
    rel = norm_key(m["rel"]) if m["rel"] else ""
    d: date | None
    if rel == "last":
        d = max((o for o in options if o < ref), default=None)
    elif rel == "next":
        d = min((o for o in options if o > ref), default=None)
    elif rel == "this":
        d = next((o for o in options if o.year == ref.year), None)
    else:
        d = nearest_date(ref, options, tense(ctx, m.start(), m.end()))
    return candidate(m, "DATE", d.isoformat() if d and shift_days(d, 0) else None)
