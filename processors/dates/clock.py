"""Handlers of times of day: 15:30, 3 p.m., ten o'clock, noon, 0600 hours."""

from __future__ import annotations

import re

from .context import Cand, Ctx, norm_key
from .text import prev_word
from .values import candidate
from .vocabulary import ONES

#: Words before a clock-like number that make it a measured time (a race, a lap), not the
#: time of day.
MEASURED_BY = frozenset("in of clocked timed lap time record finished won ran".split())


def time_of_day(m: re.Match[str], value: str) -> Cand | None:
    """A bare time of day ("T15:30"): its date is given later (see ``anchoring``)."""
    c = candidate(m, "TIME", value)
    if c:
        c.anchor = True
    return c


def h_clock(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """15:30, 3:30 p.m., 00:00 hours, 10.30am"""
    h, mi = int(m["h"]), int(m["m"])
    sec = m["s"]
    ap = m["ap"]
    if m["sep"] == "." and not ap:
        return None
    if not ap and not ctx.relaxed and prev_word(ctx, m.start()) in MEASURED_BY:
        return None  # "won in 1:32:45", "a lap of 1:21": a race time, not a time of day
    if ap:
        if not 1 <= h <= 12:
            return None
        h = (h % 12) + (12 if ap[0] in "pP" else 0)
    if h > 24 or (h == 24 and mi):
        return None
    value = f"T{h:02d}:{mi:02d}" + (f":{sec}" if sec else "")
    return time_of_day(m, value)


def h_ampm(m: re.Match[str], ctx: Ctx) -> Cand | None:
    h = int(m["h"])
    if not 1 <= h <= 12:
        return None
    h = (h % 12) + (12 if m["ap"][0] in "pP" else 0)
    return time_of_day(m, f"T{h:02d}:00")


def h_oclock(m: re.Match[str], ctx: Ctx) -> Cand | None:
    raw = norm_key(m["h"])
    h = int(raw) if raw.isdigit() else ONES.get(raw)
    if h is None or not 1 <= h <= 12:
        return None
    return time_of_day(m, f"T{h:02d}:00")


def h_named_time(m: re.Match[str], ctx: Ctx) -> Cand | None:
    w = norm_key(m["w"])
    return time_of_day(m, "T00:00" if w == "midnight" else "T12:00")


def h_military(m: re.Match[str], ctx: Ctx) -> Cand | None:
    return time_of_day(m, f"T{m['h'] or m['h2']}:{m['m'] or m['m2']}")
