"""Numbers, durations and calendar arithmetic; building candidates from values."""

from __future__ import annotations

import re
from datetime import date, timedelta

from .context import Cand, Ctx, norm_key
from .text import tense
from .vocabulary import FUZZY_QTY, ONES, SEASON_ORDER, TENS, UNIT_CODE


def fmt_num(x: float) -> str:
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.3f}".rstrip("0").rstrip(".")


def qty_value(raw: str) -> float | None:
    """Numeric value of a quantity phrase; None for vague ones ("several")."""
    k = norm_key(raw)
    if k in FUZZY_QTY:
        return None
    if k in ("a", "an", "one"):
        return 1.0
    if k in ("a couple", "a couple of", "couple of"):
        return 2.0
    if k in ("a dozen", "dozen"):
        return 12.0
    if k in ("a hundred", "one hundred", "hundred"):
        return 100.0
    if k in ("a thousand", "one thousand", "thousand"):
        return 1000.0
    if k[:1].isdigit():
        try:
            return float(k.replace(",", ""))
        except ValueError:
            return None
    parts = k.replace("-", " ").split()
    if len(parts) == 1:
        n = ONES.get(parts[0]) or TENS.get(parts[0])
        return float(n) if n else None
    if len(parts) == 2 and parts[0] in TENS and ONES.get(parts[1], 99) < 10:
        return float(TENS[parts[0]] + ONES[parts[1]])
    return None


def dur_value(q: float | None, unit: str) -> str | None:
    if unit == "fortnight":
        unit, q = "week", (None if q is None else q * 2)
    elif unit == "millennium":
        unit, q = "year", (None if q is None else q * 1000)
    elif unit in ("decade", "century") and q is not None:
        # TimeML writes a counted decade or century in years: "a decade" is P10Y
        unit, q = "year", q * (10 if unit == "decade" else 100)
    code = UNIT_CODE.get(unit)
    if code is None:
        return None
    if q is not None and not float(q).is_integer() and unit in SMALLER:
        # "2 1/2 years" is P2Y6M: ISO 8601 writes the fraction in the next smaller unit
        smaller, per = SMALLER[unit]
        rest = (q - int(q)) * per
        if float(rest).is_integer() and int(q):
            inner = UNIT_CODE[smaller]
            t = "T" if inner[0] and not code[0] else ""
            return f"P{code[0]}{int(q)}{code[1]}{t}{fmt_num(rest)}{inner[1]}"
    return f"P{code[0]}{'X' if q is None else fmt_num(q)}{code[1]}"


#: The unit a fraction of a unit is written in, and how many of it make the unit.
SMALLER = {"year": ("month", 12), "day": ("hour", 24), "hour": ("minute", 60),
           "minute": ("second", 60)}


def half_value(unit: str) -> str | None:
    table = {
        "second": "PT0.5S", "minute": "PT30S", "hour": "PT30M", "day": "PT12H",
        "week": "P0.5W", "fortnight": "P1W", "month": "P0.5M", "year": "P6M",
        "decade": "P5Y", "century": "P50Y", "millennium": "P500Y",
    }  # fmt: skip
    return table.get(unit)


def fmt_year(y: int) -> str | None:
    return f"{y:04d}" if 1 <= y <= 9999 else None


def week(d: date) -> str:
    iso = d.isocalendar()
    return f"{iso[0]:04d}-W{iso[1]:02d}"


def shift_days(d: date, n: int) -> date | None:
    try:
        return d + timedelta(days=n)
    except OverflowError:
        return None


def add_months(y: int, m: int, n: int) -> tuple[int, int]:
    t = y * 12 + (m - 1) + n
    return t // 12, t % 12 + 1


def year_month(y: int, m: int) -> str | None:
    return f"{y:04d}-{m:02d}" if 1 <= y <= 9999 else None


def ref_word(sign: int) -> str:
    return "PAST_REF" if sign < 0 else "FUTURE_REF" if sign > 0 else "PRESENT_REF"


#: How far from the reference the nearest reading of a date without a year may be before
#: the clause's tense chooses between the reading before and the reading after it.
NEAR_DAYS = 90


def closest_day(ref: date, month: int, day: int, weekday: int | None = None,
                direction: int = 0) -> date | None:
    """The (year, month, day) nearest to ``ref``; ties go to the past (news convention).
    When the nearest is more than ``NEAR_DAYS`` away, ``direction`` (the clause's tense:
    -1 past, +1 ahead) picks the reading on its side of the reference."""
    options: list[date] = []
    for y in (ref.year - 1, ref.year, ref.year + 1):
        try:
            options.append(date(y, month, day))
        except ValueError:
            continue
    if not options:  # 29 February: look a little further for a leap year
        for y in range(ref.year - 4, ref.year + 5):
            try:
                options.append(date(y, month, day))
            except ValueError:
                continue
    if weekday is not None:
        matching = [o for o in options if o.isoweekday() == weekday]
        options = matching or options
    return nearest_date(ref, options, direction)


def nearest_date(ref: date, options: list[date], direction: int = 0) -> date | None:
    """Of the readings of a date without a year, the one nearest to ``ref`` (ties go to the
    past); when that is more than ``NEAR_DAYS`` away, the nearest on the side of the
    clause's tense (``direction`` -1 past, +1 ahead)."""
    if not options:
        return None
    best = min(options, key=lambda o: (abs((o - ref).days), o > ref))
    if direction and abs((best - ref).days) > NEAR_DAYS:
        side = [o for o in options if (o - ref).days * direction >= 0]
        if side:
            return min(side, key=lambda o: abs((o - ref).days))
    return best


def closest_month(ref: date, month: int, direction: int = 0) -> tuple[int, int]:
    """The month nearest to ``ref``; with a direction, the nearest on or before (-1) or on or
    after (+1) the reference's month: a tense says which side a month named without a year
    lies on ("began in February" said in December is the February past), unless the month is
    next to the reference's."""
    here = ref.year * 12 + ref.month
    options = [(y, month) for y in (ref.year - 1, ref.year, ref.year + 1)]
    if any(abs(y * 12 + mo - here) <= 1 for y, mo in options):
        direction = 0  # the month just before or after: a tense cannot move it a year away
    if direction:
        options = [ym for ym in options if (ym[0] * 12 + ym[1] - here) * direction >= 0]
    return min(options,
               key=lambda ym: (abs(ym[0] * 12 + ym[1] - here), ym[0] * 12 + ym[1] > here))


def weekday_date(ref: date, wd: int, how: str) -> date | None:
    diff = ref.isoweekday() - wd
    if how == "last":
        return shift_days(ref, -((diff % 7) or 7))
    if how == "next":
        return shift_days(ref, (-diff) % 7 or 7)
    if how == "this":
        return shift_days(ref, -diff)
    if how == "ahead":
        return shift_days(ref, (-diff) % 7)  # the first on or after the reference
    return shift_days(ref, -(diff % 7))  # most recent on or before the reference


def valid_day(y: int | None, m: int, d: int) -> bool:
    try:
        date(2000 if y is None else y, m, d)  # 2000 is a leap year
    except ValueError:
        return False
    return True


def season_index(d: date) -> int:
    """Ordinal of the (northern-hemisphere) season containing ``d``: year*4 + SP/SU/FA/WI."""
    m = d.month
    if m in (1, 2):
        return (d.year - 1) * 4 + 3
    if m == 12:
        return d.year * 4 + 3
    return d.year * 4 + (m - 3) // 3


def season_value(n: int) -> str | None:
    y = fmt_year(n // 4)
    return f"{y}-{SEASON_ORDER[n % 4]}" if y else None


TOO_LONG_YEAR = re.compile(r"[0-9]{5}")


def candidate(
    m: re.Match[str],
    typ: str,
    value: str | None,
    mod: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Cand | None:
    if not value or TOO_LONG_YEAR.match(value):
        return None
    s = m.start() if start is None else start
    e = m.end() if end is None else end
    if e <= s:
        return None
    return Cand(s, e, typ, value, mod)


def day_cand(
    m: re.Match[str],
    ctx: Ctx,
    year: int | None,
    month: int,
    day: int,
    weekday: int | None,
    end: int | None = None,
) -> Cand | None:
    if not valid_day(year, month, day):
        return None
    if year is not None:
        return candidate(m, "DATE", date(year, month, day).isoformat(), end=end)
    if ctx.ref is None:
        return candidate(m, "DATE", f"XXXX-{month:02d}-{day:02d}", end=end)
    d = closest_day(ctx.ref, month, day, weekday, tense(ctx, m.start(), m.end()))
    return candidate(m, "DATE", d.isoformat() if d else None, end=end)
