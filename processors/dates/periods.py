"""Periods of a report: a year right before a period ("the 1988 second quarter"), "the
1988 period", "the quarter a year ago", and "a year ago" beside a quarter or a month, which
compares with that period a year before."""

from __future__ import annotations

import re
from bisect import bisect_right

from .anchoring import sentence_bounds
from .context import Cand, Ctx

_PERIOD = re.compile(r"([0-9]{4})(-(?:Q[1-4]|H[12]|[0-9]{2}))\Z")


def _is_period(d: Cand) -> bool:
    return d.type == "DATE" and not d.years and _PERIOD.match(d.value) is not None


_GIVEN_YEAR = re.compile(r"(?<![0-9])(?:1[0-9]|20)[0-9]{2}(?![0-9])")
_SPAN_OF_MONTHS = re.compile(r"P[0-9]+[MQ]\Z")


def _period_told(d: Cand) -> bool:
    """Does ``d`` name a period a comparison could be about: a quarter, a half, a month, or
    a span of months ("the first nine months")?"""
    return _is_period(d) or (d.type == "DURATION" and _SPAN_OF_MONTHS.match(d.value) is not None)


def _compares_with(ctx: Ctx, d: Cand, same_sentence: bool) -> bool:
    """May "a year ago" compare with the period ``d``?  Not when its year is given ("the 1988
    second quarter" is itself the past), not with a span, and a month only in the sentence
    of the comparison."""
    if not _is_period(d) or _GIVEN_YEAR.search(ctx.text, d.start, d.end):
        return False
    return same_sentence or "Q" in d.value or "H" in d.value


_YEAR = re.compile(r"[0-9]{4}\Z")
_YEAR_LINK = re.compile(r"(?:['’]s)?[^\S\n]+\Z")
_THE = re.compile(r"\bthe[^\S\n]+\Z", re.IGNORECASE)


def join_year_periods(ctx: Ctx, mentions: list[Cand]) -> list[Cand]:
    """ "the 1988 second quarter", "next year's first quarter": a year right before a
    period of the year is one expression, the period in that year."""
    out: list[Cand] = []
    for c in mentions:
        prev = out[-1] if out else None
        if (prev is not None and prev.type == "DATE" and prev.mod is None and not prev.years
                and _YEAR.match(prev.value) and _PERIOD.match(c.value) and c.type == "DATE"
                and _YEAR_LINK.match(ctx.text, prev.end, c.start)
                and not ctx.text[c.start:c.end].casefold().startswith("the")):
            start = prev.start
            the = _THE.search(ctx.text, max(0, start - 4), start)
            if the is not None and ctx.text[start].isdigit():
                start = the.start()
            out[-1] = Cand(start, c.end, c.type, prev.value + c.value[4:], prio=c.prio)
            continue
        out.append(c)
    return out


LOOKBACK = 3  # sentences before a comparison that may still set the period it compares with


def _comparable(ctx: Ctx, c: Cand, mentions: list[Cand], bounds: list[int]) -> Cand | None:
    """The period a comparison at ``c`` is about: the nearest one of its sentence, else the
    last one of the few sentences before."""
    b = bisect_right(bounds, c.start)
    s0 = bounds[b - 1]
    s1 = bounds[b] if b < len(bounds) else len(ctx.text)
    before = bounds[max(0, b - 1 - LOOKBACK)]
    periods = [d for d in mentions
               if d is not c and s0 <= d.start < s1 and _compares_with(ctx, d, True)]
    if periods:
        return min(periods, key=lambda d: abs(d.start - c.start))
    if any(d is not c and s0 <= d.start < s1 and _period_told(d) for d in mentions):
        return None  # the sentence speaks of a period of its own
    # "Third-quarter net rose 8%. A year earlier, it earned ..."
    earlier = [d for d in mentions if before <= d.start < s0 and _period_told(d)]
    if not earlier or not _compares_with(ctx, earlier[-1], False):
        return None
    return earlier[-1]


def _paragraph_bounds(ctx: Ctx, mentions: list[Cand]) -> list[int]:
    """Sentence starts, blank lines between paragraphs being no sentences."""
    bounds = sentence_bounds(ctx.text, mentions)
    return [0] + [e for s, e in zip([0, *bounds], bounds, strict=False) if ctx.text[s:e].strip()]


_THE_YEAR_PERIOD = re.compile(r"\b(?:period|quarter)\b(?!['’-])", re.IGNORECASE)


def year_periods(ctx: Ctx, mentions: list[Cand]) -> None:
    """ "the 1988 period", "the 1988 quarter": the period the report is about (the one a
    comparison would take), in the year given."""
    years = [c for c in mentions if c.type == "DATE" and c.mod is None and not c.years
             and _YEAR.match(c.value) and ctx.text[c.start:c.end].isdigit()]
    bounds: list[int] | None = None  # made for the first "the 1988 period" there is
    for c in years:
        the = _THE.search(ctx.text, max(0, c.start - 4), c.start)
        noun = _THE_YEAR_PERIOD.match(ctx.text, c.end + 1) if ctx.text[c.end:c.end + 1] == " " \
            else None
        if the is None or noun is None:
            continue
        if bounds is None:
            bounds = _paragraph_bounds(ctx, mentions)
        d = _comparable(ctx, c, mentions, bounds)
        period = _PERIOD.match(d.value) if d is not None else None
        if period is None:
            continue
        c.start, c.end = the.start(), noun.end()
        c.value = f"{c.value}{period[2]}"


def join_period_and_shift(ctx: Ctx, mentions: list[Cand]) -> list[Cand]:
    """ "the quarter a year ago": a period right before a shift of a year is one expression,
    that period a year away; so is "the year-ago third quarter", and "the year-earlier nine
    months" is the span of the period it names."""
    out: list[Cand] = []
    for c in mentions:
        prev = out[-1] if out else None
        if prev is None or ctx.text[prev.end:c.start].strip() or c.mod is not None:
            out.append(c)
            continue
        if (_is_period(prev) and c.years in (-1, 1)
                and ctx.text[c.start:c.end].casefold().startswith("a year")):
            period = _PERIOD.match(prev.value)
            assert period is not None
            prev.value = f"{int(period[1]) + c.years:04d}{period[2]}"
            prev.end = c.end
            continue
        if prev.years == -1 and "year-" in ctx.text[prev.start:prev.end].casefold() and (
                _is_period(c) or _SPAN_OF_MONTHS.match(c.value) and c.type == "DURATION"):
            period = _PERIOD.match(c.value)
            c.value = f"{int(period[1]) - 1:04d}{period[2]}" if period else c.value
            the = _THE.search(ctx.text, max(0, prev.start - 4), prev.start)
            c.start = the.start() if the else prev.start
            out[-1] = c
            continue
        out.append(c)
    return out


def compare_periods(ctx: Ctx, mentions: list[Cand]) -> None:
    """ "Third-quarter profit rose from $5 million a year ago": the year before the period
    the sentence reports on (1988-Q3), not just the year (1988); the nearest period of the
    sentence counts, else the last one of the few sentences before (blank lines between
    paragraphs are no sentences). Only a shift of one year compares so."""
    bounds: list[int] | None = None  # made for the first shift of a year there is
    for c in mentions:
        if c.years not in (-1, 1) or c.mod is not None:
            continue
        if bounds is None:
            bounds = _paragraph_bounds(ctx, mentions)
        d = _comparable(ctx, c, mentions, bounds)
        if d is None:
            continue
        period = _PERIOD.match(d.value)
        assert period is not None
        c.value = f"{int(period[1]) + c.years:04d}{period[2]}"
