"""Handlers of durations ("three years", "the past week") and sets ("every Monday", "daily",
"a year" after an amount)."""

from __future__ import annotations

import re

from .context import Cand, Ctx, norm_key
from .text import NEXT_WORD, PREV_TOKEN, month_ok_case, prev_token, prev_word
from .values import candidate, dur_value, half_value, qty_value
from .vocabulary import (
    COUNT_NOUNS,
    DISTANCE_UNITS,
    DUR_MODS,
    FUZZY_QTY,
    MONTHS,
    ONES,
    PARTS,
    PLURAL_UNITS,
    TENS,
    UNIT_ALIASES,
    WEEKDAYS,
)


def h_duration(m: re.Match[str], ctx: Ctx) -> Cand | None:
    unit_word = m["unit"].casefold()
    unit = UNIT_ALIASES.get(unit_word)
    if unit is None:
        return None
    qk = norm_key(m["qty"])
    plural = unit_word in PLURAL_UNITS
    q = qty_value(m["qty"])
    if qk in ("a", "an") and plural:
        return None
    if qk in FUZZY_QTY and not plural:
        return None
    if len(qk) > 1 and qk[0] == "0" and qk[1].isdigit():
        return None  # "0600 hours" is a clock time
    if unit == "second" and not plural and not qk[:1].isdigit():
        return None  # "a second time"
    half = bool(m["half"] or m["half2"] or m["frac"])
    if half and q is not None:
        q += 0.5
    value = dur_value(q, unit)
    mod = DUR_MODS.get(norm_key(m["mod"])) if m["mod"] else None
    return candidate(m, "DURATION", value, mod)


def h_half_unit(m: re.Match[str], ctx: Ctx) -> Cand | None:
    unit = UNIT_ALIASES.get(m["unit"].casefold())
    if unit is None:
        return None
    mod = DUR_MODS.get(norm_key(m["mod"])) if m["mod"] else None
    return candidate(m, "DURATION", half_value(unit), mod)


def h_span_duration(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "the past three years", "the next few days", "the past year" """
    unit_word = m["unit"].casefold()
    unit = UNIT_ALIASES.get(unit_word)
    if unit is None:
        return None
    direction = norm_key(m["dir"])
    plural = unit_word in PLURAL_UNITS
    if unit == "quarter" and (m["qty"] is None or direction in ("first", "final")):
        return None  # "the past quarter" is the one just ended; "the first two quarters of
        # 1990" are a part of that year
    if m["qty"] is None:
        if m["the"] is None or direction not in ("past", "last", "next", "coming"):
            return None
        if unit_word in ("second", "sec", "min", "hr"):
            return None
        q: float | None = None if plural else 1.0
    else:
        qk = norm_key(m["qty"])
        if qk in ("a", "an"):
            return None
        q = qty_value(m["qty"])
        if qk in FUZZY_QTY and not plural:
            return None
    return candidate(m, "DURATION", dur_value(q, unit))


def h_for_units(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "for hours", "within weeks", "over the years": a span of units left unsaid."""
    unit = UNIT_ALIASES.get(m["unit"].casefold())
    start = m.start("the") if m.groupdict().get("the") else m.start("unit")
    return candidate(m, "DURATION", dur_value(None, unit) if unit else None, start=start)


def h_every(m: re.Match[str], ctx: Ctx) -> Cand | None:
    u = norm_key(m["u"])
    if u in WEEKDAYS:
        return candidate(m, "SET", f"XXXX-WXX-{WEEKDAYS[u]}")
    if u == "weekend":
        return candidate(m, "SET", "XXXX-WXX-WE")
    if u in PARTS:
        return candidate(m, "SET", f"XXXX-XX-XXT{PARTS[u]}")
    if u in MONTHS:
        if not month_ok_case(m["u"], ctx, alone=True):
            return None
        return candidate(m, "SET", f"XXXX-{MONTHS[u]:02d}")
    unit = UNIT_ALIASES.get(u)
    if unit is None:
        return None
    plural = u in PLURAL_UNITS
    if m["other"]:
        q: float | None = 2.0
    elif m["qty"]:
        q = qty_value(m["qty"])
        if q is None or (q > 1 and not plural):
            return None
    else:
        if plural:
            return None
        q = 1.0
    return candidate(m, "SET", dur_value(q, unit))


def h_frequency(m: re.Match[str], ctx: Ctx) -> Cand | None:
    unit = UNIT_ALIASES.get(m["unit"].casefold())
    if unit is None or m["unit"].casefold() in PLURAL_UNITS:
        return None
    return candidate(m, "SET", dur_value(1.0, unit))


SET_ADVERBS = {
    "daily": "P1D", "weekly": "P1W", "monthly": "P1M", "yearly": "P1Y", "annually": "P1Y",
    "hourly": "PT1H", "nightly": "XXXX-XX-XXTNI", "quarterly": "P3M", "biweekly": "P2W",
    "bi-weekly": "P2W", "fortnightly": "P2W", "biannually": "P6M", "semi-annually": "P6M",
    "semiannually": "P6M", "per annum": "P1Y", "per day": "P1D", "per week": "P1W",
    "per month": "P1M", "per year": "P1Y",
}  # fmt: skip


def h_set_adverb(m: re.Match[str], ctx: Ctx) -> Cand | None:
    word = m.group()
    if not ctx.relaxed and word[0].isupper():
        # "Daily Sabah", "China Daily", "Weekly Standard": part of a name
        nxt = NEXT_WORD.match(ctx.text, m.end(), min(ctx.hi, m.end() + 40))
        prev = prev_token(ctx, m.start())
        prev_raw = PREV_TOKEN.search(ctx.text, max(ctx.lo, m.start() - 40), m.start())
        if nxt and nxt.group(1)[:1].isupper():
            return None
        if prev and prev_raw and prev_raw.group(1)[:1].isupper() and prev[-1:] not in '.!?:"”':
            return None
    if ctx.tags is not None and ctx.tags.get(m.start()) == "JJ":
        nxt = NEXT_WORD.match(ctx.text, m.end(), m.end() + 40)  # past a hint's span too
        if nxt and ctx.tags.get(nxt.start(1)) in ("NN", "NNS", "JJ"):
            return None  # "its quarterly dividend": a kind of dividend, not a recurrence
    return candidate(m, "SET", SET_ADVERBS.get(norm_key(word)))


def h_rate(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "$5,000 a year", "200 cases per day", "three times a week": a rate is a SET."""
    prev = prev_word(ctx, m.start())
    if not (prev[:1].isdigit() or prev[-1:].isdigit() or prev in COUNT_NOUNS
            or prev.rstrip("s") in COUNT_NOUNS or prev in ONES or prev in TENS):  # fmt: skip
        return None
    if prev in DISTANCE_UNITS:
        return None  # "60 km per hour" is a speed
    unit = UNIT_ALIASES.get(m["unit"].casefold())
    return candidate(m, "SET", dur_value(1.0, unit) if unit else None)


def h_the_n_units(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "the nine months ended Sept. 30", "the two years of talks": a definite period."""
    unit_word = m["unit"].casefold()
    unit = UNIT_ALIASES.get(unit_word)
    qk = norm_key(m["qty"])
    if unit is None or qk in ("a", "an") or qk in FUZZY_QTY:
        return None
    if (qty_value(m["qty"]) or 0) > 1 and unit_word not in PLURAL_UNITS:
        return None
    return candidate(m, "DURATION", dur_value(qty_value(m["qty"]), unit))
