"""Years and decades said in words, as transcripts of broadcasts write them: "nineteen
ninety-six", "January nineteen ninety-seven", "the winter of nineteen ninety-four", "the year
two thousand", "the nineties"."""

from __future__ import annotations

import re

from .context import Cand, Ctx, norm_key
from .text import counts_things, month_num, month_ok_case, prev_word
from .values import candidate, year_month
from .vocabulary import ONES, SEASONS, TENS, YEAR_CONTEXT

_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
SPOKEN_YEAR = (
    rf"(?:(?P<cent>seventeen|eighteen|nineteen|twenty)[-\s]+(?P<yy>(?:{_TENS})(?:[-\s](?:{_UNITS}))?"
    rf"|{_TEENS}|hundred|oh[-\s](?:{_UNITS}))"
    rf"|(?P<thousand>two\s+thousand)(?:(?:\s+and)?[-\s]+(?P<ty>{_TEENS}|{_UNITS}))?)(?![\w-])"
)


def two_digits(words: str) -> int | None:
    """ "ninety-six" -> 96, "ten" -> 10, "hundred" -> 0, "oh five" -> 5"""
    parts = norm_key(words).replace("-", " ").split()
    if parts == ["hundred"]:
        return 0
    if parts[0] == "oh":
        return ONES.get(parts[1])
    n = TENS.get(parts[0]) or ONES.get(parts[0])
    if n is None:
        return None
    return n + (ONES.get(parts[1], 0) if len(parts) > 1 else 0)


def h_spoken_year(m: re.Match[str], ctx: Ctx) -> Cand | None:
    if m["thousand"]:
        year: int | None = 2000 + (ONES.get(norm_key(m["ty"]), 0) if m["ty"] else 0)
        if not (m["pre"] or m["mon"] or m["s"]) and not ctx.relaxed and \
                prev_word(ctx, m.start()) not in YEAR_CONTEXT:
            return None  # "two thousand people"
    else:
        yy = two_digits(m["yy"])
        cent = ONES.get(norm_key(m["cent"])) or 20
        year = None if yy is None else cent * 100 + yy
    if year is None or (not ctx.relaxed and counts_things(ctx, m.end())):
        return None
    if m["mon"]:
        month = month_num(m["mon"])
        if month is None or not month_ok_case(m["mon"], ctx, alone=True):
            return None
        return candidate(m, "DATE", year_month(year, month))
    if m["s"]:
        return candidate(m, "DATE", f"{year:04d}-{SEASONS[norm_key(m['s'])]}")
    return candidate(m, "DATE", f"{year:04d}")


DECADE_WORDS = {"twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6,
                "seventies": 7, "eighties": 8, "nineties": 9}  # fmt: skip


def h_spoken_decade(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "the nineties", "the nineteen-sixties": the latest such decade not after the
    reference (or of the century said)."""
    tens = DECADE_WORDS[norm_key(m["dec"])]
    if m["cent"]:
        cent = ONES.get(norm_key(m["cent"])) or 20
    else:
        limit = ctx.ref.year if ctx.ref else 1999
        cent = limit // 100 if (limit // 100) * 100 + tens * 10 <= limit else limit // 100 - 1
    return candidate(m, "DATE", f"{cent * 10 + tens:03d}")
