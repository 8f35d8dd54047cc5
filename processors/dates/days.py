"""Handlers of days told by their name or number: weekdays ("on Tuesday", "Fridays"), the
weekend, "the 5th", a part of a named day ("mid-afternoon yesterday")."""

from __future__ import annotations

import re
from datetime import date

from .context import Cand, Ctx, norm_key
from .text import (
    NEXT_WORD,
    UNTIL,
    future_cue,
    governing_preposition,
    next_word,
    prev_word,
    tense,
)
from .values import add_months, candidate, ref_word, shift_days, valid_day, week, weekday_date
from .vocabulary import HOLIDAY_WEEKDAY_PRE, NEWSPAPER_WORDS, PARTS, WEEKDAYS


def h_weekends(m: re.Match[str], ctx: Ctx) -> Cand | None:
    return candidate(m, "SET", "XXXX-WXX-WE")


def h_the_weekend(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "over the weekend": the current weekend on Sat/Sun, else the last one (or the next one
    when the clause speaks of the future)."""
    ref = ctx.ref
    future = future_cue(ctx, m.start())
    if ref is None:
        return candidate(m, "DATE", ref_word(1 if future else -1))
    if ref.isoweekday() >= 6 or future:
        return candidate(m, "DATE", week(ref) + "-WE")
    d = shift_days(ref, -7)
    return candidate(m, "DATE", week(d) + "-WE" if d else None)


def h_weekday(m: re.Match[str], ctx: Ctx) -> Cand | None:
    wd = WEEKDAYS[norm_key(m["wd"])]
    if m["pl"]:
        return candidate(m, "SET", f"XXXX-WXX-{wd}", end=m.end("pl"))
    if not ctx.relaxed:
        if prev_word(ctx, m.start()) in HOLIDAY_WEEKDAY_PRE:
            return None
        nxt = NEXT_WORD.match(ctx.text, m.end(), min(ctx.hi, m.end() + 40))
        if nxt and nxt.group(1) in NEWSPAPER_WORDS:
            return None
    part = PARTS.get(norm_key(m["part"])) if m["part"] else None
    if ctx.ref is None:
        base = f"XXXX-WXX-{wd}"
    else:
        t = tense(ctx, m.start(), m.end())
        # "until Tuesday" names a deadline still to come
        ahead = t > 0 or (t == 0 and (future_cue(ctx, m.start())
                                      or governing_preposition(ctx, m.start()) in UNTIL))
        d = weekday_date(ctx.ref, wd, "ahead" if ahead else "recent")
        if d is None:
            return None
        base = d.isoformat()
    if part:
        return candidate(m, "TIME", f"{base}T{part}")
    return candidate(m, "DATE", base)


ORD_FOLLOW = frozenset(
    "at and when in as before after but or while with during until till by".split()
)


def h_the_nth(m: re.Match[str], ctx: Ctx) -> Cand | None:
    day = int(m["day"])
    if not 1 <= day <= 31:
        return None
    if not ctx.relaxed:
        if prev_word(ctx, m.start()) not in ("on", "by", "until", "till", "since", "from"):
            return None
        rest = ctx.text[m.end() : min(ctx.hi, m.end() + 2)].lstrip(" \t")
        if rest and rest[0].isalnum() and next_word(ctx, m.end()) not in ORD_FOLLOW:
            return None
    ref = ctx.ref
    if ref is None:
        return candidate(m, "DATE", f"XXXX-XX-{day:02d}")
    options: list[date] = []
    for k in (-1, 0, 1):
        y, mo = add_months(ref.year, ref.month, k)
        if 1 <= y <= 9999 and valid_day(y, mo, day):
            options.append(date(y, mo, day))
    if not options:
        return None
    best = min(options, key=lambda o: (abs((o - ref).days), o > ref))
    return candidate(m, "DATE", best.isoformat())


DAY_OFFSETS = {"yesterday": -1, "today": 0, "tomorrow": 1}


def h_part_then_day(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "mid-afternoon yesterday", "evening Tuesday": that part of that day."""
    part = PARTS[norm_key(m["part"])]
    day = norm_key(m["day"])
    if ctx.ref is None:
        return None
    if day in DAY_OFFSETS:
        d = shift_days(ctx.ref, DAY_OFFSETS[day])
    else:
        t = tense(ctx, m.start(), m.end())
        d = weekday_date(ctx.ref, WEEKDAYS[day], "ahead" if t > 0 else "recent")
    return candidate(m, "TIME", f"{d.isoformat()}T{part}" if d else None)
