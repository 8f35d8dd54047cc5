"""Handlers of absolute dates: ISO and numeric dates, month and day, years, decades, centuries,
quarters, halves, seasons and holidays."""

from __future__ import annotations

import re
from datetime import date

from .context import FLAGS, Cand, Ctx, norm_key
from .patterns import MONTH
from .text import counts_things, month_num, month_ok_case, prev_token, prev_word, tense
from .values import candidate, closest_month, day_cand, fmt_year, valid_day, year_month
from .vocabulary import (
    ID_WORDS,
    MONTH_CONTEXT,
    ORDINALS,
    QUANT_WORDS,
    SEASONS,
    WEEKDAYS,
    YEAR_CONTEXT,
)


def h_iso(m: re.Match[str], ctx: Ctx) -> Cand | None:
    y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    if not valid_day(y, mo, d):
        return None
    day = date(y, mo, d).isoformat()
    if m["H"] is None:
        return candidate(m, "DATE", day)
    hh, mm = int(m["H"]), int(m["M"])
    if hh > 24 or mm > 59:
        return candidate(m, "DATE", day, end=m.end("d"))
    secs = f":{m['S']}" if m["S"] and int(m["S"]) < 60 else ""
    return candidate(m, "TIME", f"{day}T{hh:02d}:{mm:02d}{secs}")


def h_numeric(m: re.Match[str], ctx: Ctx) -> Cand | None:
    a, b, sep, ys = int(m["a"]), int(m["b"]), m["sep"], m["y"]
    if len(ys) == 2:
        if sep != "/":
            return None
        yy = int(ys)
        pivot = (ctx.ref.year % 100 + 10) if ctx.ref else 40
        year = 2000 + yy if yy <= pivot else 1900 + yy
    else:
        year = int(ys)
        if not 1000 <= year <= 2099:
            return None
    if sep == ".":  # dotted dates are written day first
        day, month = a, b
    elif a > 12 >= b:
        day, month = a, b
    elif b > 12 >= a:
        day, month = b, a
    elif a == b:
        day = month = a
    else:
        return None  # 03/04/2020: ambiguous between day-first and month-first
    if not valid_day(year, month, day):
        return None
    return candidate(m, "DATE", date(year, month, day).isoformat())


def h_month_day(m: re.Match[str], ctx: Ctx) -> Cand | None:
    month = month_num(m["mon"])
    if month is None or not month_ok_case(m["mon"], ctx, alone=False):
        return None
    day = int(m["day"])
    wd = WEEKDAYS.get(m["wd"].casefold()) if m["wd"] else None
    year = int(m["year"]) if m["year"] else None
    end: int | None = None
    if not ctx.relaxed:
        if year is not None and counts_things(ctx, m.end("year")):
            year, end = None, m.end("dayfull")
        if year is None and counts_things(ctx, m.end("dayfull")):
            return None
    return day_cand(m, ctx, year, month, day, wd, end=end)


def h_day_month(m: re.Match[str], ctx: Ctx) -> Cand | None:
    month = month_num(m["mon"])
    if month is None or not month_ok_case(m["mon"], ctx, alone=False):
        return None
    day = int(m["day"])
    if not m["wd"] and not ctx.relaxed and month_num(prev_word(ctx, m.start())) is not None:
        return None  # "Nov. 25 December": the day belongs to the month before it
    wd = WEEKDAYS.get(m["wd"].casefold()) if m["wd"] else None
    year = int(m["year"]) if m["year"] else None
    end: int | None = None
    if not ctx.relaxed and year is not None and counts_things(ctx, m.end("year")):
        year = None
        end = m.end("mon") + (1 if ctx.text.startswith(".", m.end("mon")) else 0)
    return day_cand(m, ctx, year, month, day, wd, end=end)


def h_ord_of_month(m: re.Match[str], ctx: Ctx) -> Cand | None:
    month = month_num(m["mon"])
    day = ORDINALS.get(norm_key(m["ord"]).replace(" ", "-"))
    if month is None or day is None or day > 31:
        return None
    year = int(m["year"]) if m["year"] else None
    return day_cand(m, ctx, year, month, day, None)


def h_month_year(m: re.Match[str], ctx: Ctx) -> Cand | None:
    month = month_num(m["mon"])
    if month is None or not month_ok_case(m["mon"], ctx, alone=False):
        return None
    if not ctx.relaxed and counts_things(ctx, m.end("year")):
        return None
    return candidate(m, "DATE", year_month(int(m["year"]), month))


def h_month_rel_year(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "June last year", "April next year": the month in the year before or after."""
    month = month_num(m["mon"])
    if month is None or ctx.ref is None or not month_ok_case(m["mon"], ctx, alone=True):
        return None
    shift = {"last": -1, "this": 0, "next": 1}[norm_key(m["rel"])]
    return candidate(m, "DATE", year_month(ctx.ref.year + shift, month))


def h_month_only(m: re.Match[str], ctx: Ctx) -> Cand | None:
    token = m["mon"]
    month = month_num(token)
    if month is None or not month_ok_case(token, ctx, alone=True):
        return None
    end = m.end()
    if not ctx.relaxed:
        prev = prev_word(ctx, m.start())
        raw_prev = prev_token(ctx, m.start())
        ok = prev in MONTH_CONTEXT or raw_prev.endswith("mid-")
        if not ok and prev in ("and", "or", "to", "-", "–"):
            before = ctx.text[max(ctx.lo, m.start() - 30) : m.start()]
            ok = re.search(rf"\b{MONTH}\b", before, FLAGS) is not None
        if not ok:
            return None
    if ctx.ref is None:
        return candidate(m, "DATE", f"XXXX-{month:02d}", end=end)
    y, mo = closest_month(ctx.ref, month, tense(ctx, m.start(), m.end()))
    return candidate(m, "DATE", year_month(y, mo), end=end)


def h_year(m: re.Match[str], ctx: Ctx) -> Cand | None:
    y = int(m["y"])
    if ctx.relaxed:
        return candidate(m, "DATE", f"{y:04d}")
    s = m.start()
    prev_char = ctx.text[s - 1] if s > ctx.lo else ""
    raw_prev = prev_token(ctx, s)
    edge = next((k for k in ("post-", "pre-") if raw_prev.endswith(k)), None)
    if prev_char in "-–":
        before = ctx.text[max(ctx.lo, s - 6) : s]
        if not (re.search(r"(?:1[0-9]|20)[0-9]{2}[-–]\Z", before) or raw_prev.endswith("mid-")
                or edge):
            return None
    prev = prev_word(ctx, s)
    if prev in ID_WORDS or raw_prev.endswith(("$", "€", "£", "#")):
        return None
    if counts_things(ctx, m.end()):
        return None
    if y < 1900 or prev in QUANT_WORDS:
        if prev not in YEAR_CONTEXT and not raw_prev.endswith("mid-"):
            return None
    after = ctx.text[m.end() : min(ctx.hi, m.end() + 3)]
    if re.match(r"\s*[x×]\s*[0-9]", after):
        return None
    if edge:  # "the post-1959 politics": after that year
        return candidate(m, "DATE", f"{y:04d}", "AFTER" if edge == "post-" else "BEFORE",
                         start=s - len(edge))
    return candidate(m, "DATE", f"{y:04d}")


def h_year_phrase(m: re.Match[str], ctx: Ctx) -> Cand | None:
    return candidate(m, "DATE", m["year"])


def h_decade(m: re.Match[str], ctx: Ctx) -> Cand | None:
    if m["y"]:
        return candidate(m, "DATE", m["y"])
    yy = int(m["yy"])
    limit = ctx.ref.year if ctx.ref else 2030
    full = 2000 + yy * 10
    return candidate(m, "DATE", str((full if full <= limit else 1900 + yy * 10) // 10))


def h_century(m: re.Match[str], ctx: Ctx) -> Cand | None:
    n = int(m["n"]) if m["n"] else ORDINALS.get(norm_key(m["w"]).replace(" ", "-"))
    if not n or not 1 <= n <= 21:
        return None
    return candidate(m, "DATE", f"{n - 1:02d}")


def rel_year(ctx: Ctx, rel: str | None, year: str | None) -> int | None:
    if year:
        return int(year)
    if ctx.ref is None:
        return None
    k = norm_key(rel or "the")
    return ctx.ref.year + (-1 if k == "last" else 1 if k == "next" else 0)


def h_quarter(m: re.Match[str], ctx: Ctx) -> Cand | None:
    k = norm_key(m["q"])
    q = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
         "4th": 4, "final": 4, "last": 4}.get(k)  # fmt: skip
    has_year = bool(m["year"] or m["rel"] or m["y2"])
    if q is None or (k in ("final", "last") and not has_year):
        return None
    if has_year or ctx.ref is None:
        y = rel_year(ctx, m["rel"], m["year"] or m["y2"])
    else:
        y = quarter_year(ctx, m, q)
    ys = fmt_year(y) if y is not None else "XXXX"
    # "the third-quarter loss": the article is the noun's, the adjective the expression
    start = m.start("q") if ctx.text[m.end("q")] == "-" and not has_year else None
    return candidate(m, "DATE", f"{ys}-Q{q}" if ys else None, start=start)


def quarter_year(ctx: Ctx, m: re.Match[str], q: int) -> int:
    """The year of "the third quarter" said without one: the latest such quarter that has
    begun by the reference (the one a report is about), or, in a clause about what is ahead,
    the next one from the quarter just ended on (whose results are still to come)."""
    assert ctx.ref is not None
    current = ctx.ref.year * 4 + (ctx.ref.month - 1) // 3
    if tense(ctx, m.start(), m.end()) > 0:
        return (current - 1 + (q - 1 - (current - 1)) % 4) // 4
    return (current - (current - (q - 1)) % 4) // 4


def h_the_quarter(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "the quarter", "the latest quarter": the last quarter completed by the reference,
    the one a company reports on."""
    if ctx.ref is None:
        return candidate(m, "DATE", "XXXX-QX")
    t = ctx.ref.year * 4 + (ctx.ref.month - 1) // 3 - 1
    return candidate(m, "DATE", f"{t // 4:04d}-Q{t % 4 + 1}")


def h_qn(m: re.Match[str], ctx: Ctx) -> Cand | None:
    if m.group()[0] != "Q" and not ctx.relaxed:
        return None
    y = rel_year(ctx, None, m["year"])
    ys = fmt_year(y) if y is not None else "XXXX"
    return candidate(m, "DATE", f"{ys}-Q{m['qn']}" if ys else None)


def h_half(m: re.Match[str], ctx: Ctx) -> Cand | None:
    h = 1 if norm_key(m["h"]) in ("first", "1st") else 2
    y = rel_year(ctx, m["rel"], m["year"])
    ys = fmt_year(y) if y is not None else "XXXX"
    return candidate(m, "DATE", f"{ys}-H{h}" if ys else None)


def h_season_year(m: re.Match[str], ctx: Ctx) -> Cand | None:
    return candidate(m, "DATE", f"{m['year']}-{SEASONS[norm_key(m['s'])]}")


def h_year_earlier(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "year-earlier profit", "the year-ago quarter": the same period a year before; the
    period itself comes from the sentence (see ``anchoring.compare_periods``)."""
    if not ctx.relaxed and m.group().casefold().startswith("year ") and not m.group(
            ).casefold().startswith("year-"):
        return None  # "a year earlier" is the "ago" rule's, with its quantity
    if ctx.ref is None:
        return candidate(m, "DATE", "PAST_REF")
    text = m.group().casefold()
    # "the year-ago results": the article is the noun's; "the year-ago quarter" is one
    start = m.start() + text.index("year") if text.endswith(("-ago", "-earlier")) else None
    c = candidate(m, "DATE", f"{ctx.ref.year - 1:04d}", start=start)
    if c is not None:
        c.years = -1
    return c
