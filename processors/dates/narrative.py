"""Dates told from the story's own time rather than from the reference: "that year", "later
that year", "the following month", "earlier that day", "that quarter" take the last date of
that kind the text gave before them, moved by the step they name."""

from __future__ import annotations

import re
from datetime import date

from .context import Cand, Ctx, norm_key
from .values import add_months, candidate, shift_days, year_month
from .vocabulary import WEEKDAYS

#: (unit, step) of an anaphoric mention: its value waits for the date it refers to.
STEPS = {"that": 0, "that same": 0, "the same": 0, "the following": 1, "the next": 1,
         "the previous": -1, "the preceding": -1, "the prior": -1}  # fmt: skip

_YEAR = re.compile(r"([0-9]{4})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(?![0-9])")
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_QUARTER = re.compile(r"([0-9]{4})-Q([1-4])\Z")


def h_anaphor(m: re.Match[str], ctx: Ctx) -> Cand | None:
    det = norm_key(m["det"])
    unit = norm_key(m["u"])
    if unit in WEEKDAYS:  # "the previous Friday": the one before the Friday just told
        if STEPS[det] == 0:
            return None
        unit = f"weekday {WEEKDAYS[unit]}"
    if det == "the next" and unit != "day":
        return None  # "over the next year" is a span ahead of the reference
    if det in ("the same", "that same") and unit == "quarter":
        return None
    c = candidate(m, "DATE", "PAST_REF")
    if c is not None:
        c.anaphor = (unit, STEPS[det])
    return c


def _step(unit: str, step: int, d: Cand) -> str | None:
    """The value ``step`` units from the antecedent ``d``, or None when ``d`` does not say
    that unit."""
    if unit == "year":
        y = _YEAR.match(d.value)
        return f"{int(y[1]) + step:04d}" if y else None
    if unit == "month":
        mo = _MONTH.match(d.value)
        return year_month(*add_months(int(mo[1]), int(mo[2]), step)) if mo else None
    if unit == "quarter":
        q = _QUARTER.match(d.value)
        if not q:
            return None
        t = int(q[1]) * 4 + int(q[2]) - 1 + step
        return f"{t // 4:04d}-Q{t % 4 + 1}"
    day = _DAY.match(d.value)
    if not day:
        return None
    if unit.startswith("weekday"):
        told = date(int(day[1]), int(day[2]), int(day[3]))
        wd = int(unit.split()[1])
        if step > 0:
            moved = shift_days(told, (wd - told.isoweekday()) % 7 or 7)
        else:
            moved = shift_days(told, -((told.isoweekday() - wd) % 7 or 7))
        return moved.isoformat() if moved else None
    moved = shift_days(date(int(day[1]), int(day[2]), int(day[3])), step)
    return moved.isoformat() if moved else None


def resolve_anaphora(ctx: Ctx, mentions: list[Cand]) -> None:
    """Give each anaphoric mention the value of the nearest date before it that names its
    unit (a year for "that year", a month for "the following month"), moved by its step;
    with none, the reference's."""
    for i, c in enumerate(mentions):
        if c.anaphor is None:
            continue
        unit, step = c.anaphor
        value = None
        for d in reversed(mentions[:i]):
            if d.type == "DATE" and d.anaphor is None and not d.value.endswith("_REF"):
                value = _step(unit, step, d)
                if value is not None:
                    break
        if value is None and ctx.ref is not None:
            here = Cand(0, 0, "DATE", ctx.ref.isoformat() if unit != "quarter" else
                        f"{ctx.ref.year:04d}-Q{(ctx.ref.month - 1) // 3 + 1}")
            value = _step(unit, step, here)
        c.value = value or c.value
        c.anaphor = None
