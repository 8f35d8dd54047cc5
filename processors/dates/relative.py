"""Handlers of dates relative to the reference: "ago", "in N units", this/last/next, deictic
words (yesterday, now)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from .context import Cand, Ctx, norm_key, rx
from .text import (
    PREV_TOKEN,
    future_cue,
    in_comparison,
    month_ok_case,
    tense,
)
from .values import (
    add_months,
    candidate,
    dur_value,
    fmt_year,
    qty_value,
    ref_word,
    season_index,
    season_value,
    shift_days,
    week,
    weekday_date,
    year_month,
)
from .vocabulary import (
    AGO_MODS,
    DUR_MODS,
    FUTURE_MODS,
    MONTHS,
    PARTS,
    PLURAL_UNITS,
    SEASON_ORDER,
    SEASONS,
    UNIT_ALIASES,
    WEEKDAYS,
)


def h_ago(m: re.Match[str], ctx: Ctx) -> Cand | None:
    unit_word = m["unit"].casefold()
    unit = UNIT_ALIASES.get(unit_word)
    if unit is None:
        return None
    future = norm_key(m["dir"]) not in ("ago", "earlier", "before")
    sign = 1 if future else -1
    if m["qty"] is None and norm_key(m["dir"]) != "ago":
        return None  # "years earlier" without a number is a vague narrative step
    dmod = DUR_MODS.get(norm_key(m["mod"])) if m["mod"] else None
    mod = (FUTURE_MODS if future else AGO_MODS).get(dmod) if dmod else None
    if m["orso"] and mod is None:
        mod = "APPROX"  # "a week or so ago"
    if m["qty"] is None:
        if unit_word not in PLURAL_UNITS:
            return None
        return candidate(m, "DATE", ref_word(sign), mod)
    if norm_key(m["qty"]) in ("a", "an") and unit_word in PLURAL_UNITS:
        return None
    q = qty_value(m["qty"])
    return shifted(m, ctx, q, unit, sign, mod, half=bool(m["half"]))


def shifted(
    m: re.Match[str],
    ctx: Ctx,
    q: float | None,
    unit: str,
    sign: int,
    mod: str | None,
    half: bool = False,
    start: int | None = None,
    end: int | None = None,
) -> Cand | None:
    """The point ``q`` units before (sign -1) or after (+1) the reference."""
    ref = ctx.ref
    if q is None or ref is None:
        return candidate(m, "DATE", ref_word(sign), mod, start, end)
    if q > 100000:
        return None
    if half and unit == "year":
        q, unit = q * 12 + 6, "month"
    n = int(q) if float(q).is_integer() else None
    if n is None:
        return candidate(m, "DATE", ref_word(sign), mod, start, end)
    if unit in ("second", "minute", "hour"):
        if ctx.ref_dt is not None:
            delta = timedelta(**{unit + "s": n})
            try:
                t = ctx.ref_dt + sign * delta
            except OverflowError:
                return None
            return candidate(m, "TIME", f"{t.date().isoformat()}T{t:%H:%M}", mod, start, end)
        return candidate(m, "DATE", ref.isoformat(), mod, start, end)
    if unit == "day":
        d = shift_days(ref, sign * n)
        return candidate(m, "DATE", d.isoformat() if d else None, mod, start, end)
    if unit in ("week", "fortnight"):
        d = shift_days(ref, sign * n * (14 if unit == "fortnight" else 7))
        return candidate(m, "DATE", week(d) if d else None, mod, start, end)
    if unit == "month":
        y, mo = add_months(ref.year, ref.month, sign * n)
        return candidate(m, "DATE", year_month(y, mo), mod, start, end)
    years = {"year": 1, "decade": 10, "century": 100, "millennium": 1000}[unit] * n
    y = ref.year + sign * years
    if not 1 <= y <= 9999:
        return None
    if unit == "decade":
        return candidate(m, "DATE", f"{y // 10:03d}", mod, start, end)
    if unit in ("century", "millennium"):
        return candidate(m, "DATE", f"{y // 100:02d}", mod, start, end)
    c = candidate(m, "DATE", f"{y:04d}", mod, start, end)
    if c is not None and unit == "year":
        c.years = sign * years  # "a year ago": maybe the same quarter a year before
    return c


SUPERLATIVE_BEFORE_IN = rx(
    r"\b(?:time|first|last|highest|lowest|biggest|largest|worst|best|most|least|record|ever|"
    r"once|twice|times|only|strongest|weakest|deadliest|fastest|slowest)\s*\Z"
)


def h_in_future(m: re.Match[str], ctx: Ctx) -> Cand | None:
    unit_word = m["unit"].casefold()
    unit = UNIT_ALIASES.get(unit_word)
    if unit is None:
        return None
    qk = norm_key(m["qty"])
    if qk in ("a", "an") and unit_word in PLURAL_UNITS:
        return None
    q = qty_value(m["qty"])
    dmod = DUR_MODS.get(norm_key(m["mod"])) if m["mod"] else None
    inner = m.start("mod") if m["mod"] else m.start("qty")
    unit_end = m.end("unit")
    if m["time"]:  # "in two years' time": the point ahead
        mod = FUTURE_MODS.get(dmod) if dmod else None
        return shifted(m, ctx, q, unit, 1, mod)
    clock = unit in ("second", "minute", "hour")
    if clock and ctx.ref_dt is not None and not ctx.relaxed and (
            future_cue(ctx, m.start()) or tense(ctx, m.start(), m.end()) > 0):
        # "due in two hours": the time of day that far ahead of the reference
        mod = FUTURE_MODS.get(dmod) if dmod else None
        return shifted(m, ctx, q, unit, 1, mod, start=inner, end=unit_end)
    # TimeML marks the duration inside "in N units" ("in five years", "first loss in a decade")
    return candidate(m, "DURATION", dur_value(q, unit), dmod, start=inner, end=unit_end)


def rel_sign(rel: str) -> int:
    k = norm_key(rel)
    if k in ("last", "past", "previous", "this past"):
        return -1
    if k in ("next", "coming", "this coming"):
        return 1
    return 0


def h_relative(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """this/last/next + unit, weekday, month, season or part of day."""
    u_raw = m["u"]
    u = norm_key(u_raw)
    sign = rel_sign(m["rel"])
    ref = ctx.ref
    if u in MONTHS and not month_ok_case(u_raw, ctx, alone=True):
        return None
    if u in PARTS:
        if (u == "night" or u == "evening") and sign < 0:
            day = shift_days(ref, -1) if ref else None
        elif sign == 0:
            day = ref
        else:
            return None  # "next morning": relative to some other event
        if ref is None:
            return candidate(m, "TIME", ref_word(sign))
        return candidate(m, "TIME", f"{day.isoformat()}T{PARTS[u]}" if day else None)
    if ref is None:
        return candidate(m, "DATE", ref_word(sign))
    value: str | None
    if u in ("week", "weekend"):
        d = shift_days(ref, 7 * sign)
        value = (week(d) + ("-WE" if u == "weekend" else "")) if d else None
    elif u == "month":
        value = year_month(*add_months(ref.year, ref.month, sign))
    elif u == "year":
        value = fmt_year(ref.year + sign)
        if sign < 0 and value and not ctx.relaxed and in_comparison(ctx, m.start()):
            c = candidate(m, "DATE", value)
            if c is not None:  # the period compared with, a year before (``compare_periods``)
                c.years = -1
            return c
    elif u == "quarter":
        t = ref.year * 4 + (ref.month - 1) // 3 + sign
        value = f"{t // 4:04d}-Q{t % 4 + 1}"
    elif u == "decade":
        value = f"{ref.year // 10 + sign:03d}"
    elif u == "century":
        value = f"{ref.year // 100 + sign:02d}"
    elif u in SEASONS:
        value = relative_season(ref, SEASON_ORDER.index(SEASONS[u]), sign)
    elif u in WEEKDAYS:
        how = "last" if sign < 0 else "next" if sign > 0 else "this"
        d = weekday_date(ref, WEEKDAYS[u], how)
        value = d.isoformat() if d else None
    elif u in MONTHS:
        mo = MONTHS[u]
        if sign == 0:
            y = ref.year
        elif sign < 0:
            y = ref.year if mo < ref.month else ref.year - 1
        else:
            y = ref.year if mo > ref.month else ref.year + 1
        value = year_month(y, mo)
    else:
        return None
    return candidate(m, "DATE", value)


def relative_season(ref: date, code: int, sign: int) -> str | None:
    """This (0), the last (-1) or the next (+1) season ``code`` (0 spring .. 3 winter)."""
    cur = season_index(ref)
    if sign == 0:
        y = ref.year - 1 if code == 3 and ref.month <= 2 else ref.year
        return season_value(y * 4 + code)
    n = cur + sign
    while n % 4 != code:
        n += sign
    return season_value(n)


def h_the_season(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "the summer", "in the spring": the season now, else the last one, or the next one in
    a clause about what is ahead."""
    the = THE_SEASON.search(ctx.text, max(ctx.lo, m.start() - 24), m.start())
    if ctx.ref is None or the is None:
        return None
    code = SEASON_ORDER.index(SEASONS[norm_key(m["s"])])
    if season_index(ctx.ref) % 4 == code:
        sign = 0
    else:
        sign = 1 if tense(ctx, m.start(), m.end()) > 0 or future_cue(ctx, m.start()) else -1
    start = m.start() if the["edge"] else the.start()  # "the early" is the modifier's
    return candidate(m, "DATE", relative_season(ctx.ref, code, sign), start=start)


THE_SEASON = rx(r"\bthe\s+(?P<edge>(?:very\s+)?(?:early|late|mid)(?:\s*-\s*|\s+))?\Z")


def h_period_edge(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "the end of the year" -> this year, mod END."""
    mod = {"beginning": "START", "start": "START", "middle": "MID", "end": "END",
           "close": "END"}[norm_key(m["k"])]  # fmt: skip
    u = norm_key(m["u"])
    ref = ctx.ref
    if ref is None:
        return candidate(m, "DATE", "PRESENT_REF", mod)
    value = {
        "week": week(ref),
        "month": year_month(ref.year, ref.month),
        "year": fmt_year(ref.year),
        "decade": f"{ref.year // 10:03d}",
        "century": f"{ref.year // 100:02d}",
    }.get(u)
    return candidate(m, "DATE", value, mod)


def h_deictic(m: re.Match[str], ctx: Ctx) -> Cand | None:
    w = norm_key(m["w"])
    ref = ctx.ref
    if w in ("now", "right now", "currently", "at present", "nowadays", "at the moment"):
        return candidate(m, "DATE", "PRESENT_REF")
    if w in ("recently", "lately", "the past") or w.startswith("recent "):
        return candidate(m, "DATE", "PAST_REF")
    if w.endswith("future"):
        return candidate(m, "DATE", "FUTURE_REF")
    if w == "today" and not ctx.relaxed and m.group()[0] == "T":
        raw = PREV_TOKEN.search(ctx.text, max(ctx.lo, m.start() - 40), m.start())
        if raw and raw.group(1)[:1].isupper() and raw.group(1)[-1:] not in '.!?:"”,':
            return None  # "USA Today", "Russia Today"
    if w in ("today", "earlier today", "later today"):
        return candidate(m, "DATE", ref.isoformat() if ref else "PRESENT_REF")
    if w == "tonight":
        return candidate(m, "TIME", f"{ref.isoformat()}TNI" if ref else "PRESENT_REF")
    offsets = {"yesterday": -1, "tomorrow": 1, "the day before yesterday": -2,
               "the day after tomorrow": 2}  # fmt: skip
    parts = w.split()
    base = w if w in offsets else parts[0]
    off = offsets.get(base)
    if off is None:
        return None
    part = PARTS.get(parts[-1]) if base != w else None
    if ref is None:
        return candidate(m, "TIME" if part else "DATE", ref_word(off))
    d = shift_days(ref, off)
    if d is None:
        return None
    if part:
        return candidate(m, "TIME", f"{d.isoformat()}T{part}")
    return candidate(m, "DATE", d.isoformat())
