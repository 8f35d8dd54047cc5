"""Values from their sentence: bare times of day take the nearest full date, and "a year
ago" beside a quarter or a month compares with that period a year before."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from .context import Cand, Ctx
from .text import FULL_DATE, PREV_TOKEN
from .vocabulary import ABBREVS

SENT_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z])|\n")


def sentence_bounds(text: str, mentions: list[Cand]) -> list[int]:
    starts = [c.start for c in mentions]
    bounds: list[int] = []
    for m in SENT_END.finditer(text):
        p = m.start()
        i = bisect_right(starts, p)
        if i and mentions[i - 1].end > p:
            continue  # the dot of "Sept." or "p.m." inside a mention
        if text[p] == ".":
            w = PREV_TOKEN.search(text, max(0, p - 20), p)
            word = w.group(1).casefold().lstrip("(\"'“") if w else ""
            if word in ABBREVS or (len(word) == 1 and word.isalpha()):
                continue
        bounds.append(m.end())
    return bounds


#: What may stand between a time of day and the day it is on: a zone, a comma.
TIME_TO_DAY = re.compile(
    r"[^\S\n]*(?:(?:[ECMP][SD]T|GMT|UTC|BST|CET)\b[^\S\n]*)?,?[^\S\n]*\Z")


def join_time_and_day(ctx: Ctx, mentions: list[Cand]) -> list[Cand]:
    """ "9 a.m. Tuesday", "5 p.m. EST, Nov. 6": a time of day right before its day is one
    expression, the time on that day."""
    out: list[Cand] = []
    for c in mentions:
        prev = out[-1] if out else None
        if (prev is not None and prev.anchor and c.type == "DATE" and c.mod is None
                and FULL_DATE.match(c.value)
                and TIME_TO_DAY.match(ctx.text, prev.end, c.start)):
            prev.value = c.value + prev.value
            prev.end = c.end
            prev.anchor = False
            continue
        out.append(c)
    return out


def anchor_times(ctx: Ctx, mentions: list[Cand]) -> None:
    """Give bare times the date of the nearest full date in the same sentence, else the
    reference date."""
    if not any(c.anchor for c in mentions):
        return
    bounds = sentence_bounds(ctx.text, mentions)
    starts = [c.start for c in mentions]
    fallback = ctx.ref.isoformat() if ctx.ref else "XXXX-XX-XX"
    for idx, c in enumerate(mentions):
        if not c.anchor:
            continue
        b = bisect_right(bounds, c.start)
        s0 = bounds[b - 1] if b else 0
        s1 = bounds[b] if b < len(bounds) else len(ctx.text)
        lo_i, hi_i = bisect_left(starts, s0), bisect_left(starts, s1)
        best: tuple[int, str] | None = None
        for j in range(max(lo_i, idx - 50), min(hi_i, idx + 51)):
            d = mentions[j]
            if j == idx or d.type != "DATE" or not FULL_DATE.match(d.value):
                continue
            dist = c.start - d.end if d.end <= c.start else d.start - c.end
            if best is None or dist < best[0]:
                best = (dist, d.value)
        c.value = f"{best[1] if best else fallback}{c.value}"
        c.anchor = False


_PERIOD = re.compile(r"([0-9]{4})(-(?:Q[1-4]|H[12]|[0-9]{2}))\Z")


def _is_period(d: Cand) -> bool:
    return d.type == "DATE" and not d.years and _PERIOD.match(d.value) is not None


_GIVEN_YEAR = re.compile(r"(?<![0-9])(?:1[0-9]|20)[0-9]{2}(?![0-9])")
_SPAN_OF_MONTHS = re.compile(r"P[0-9]+[MQ]\Z")


def _period_told(ctx: Ctx, d: Cand) -> bool:
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


def compare_periods(ctx: Ctx, mentions: list[Cand]) -> None:
    """ "Third-quarter profit rose from $5 million a year ago": the year before the period
    the sentence reports on (1988-Q3), not just the year (1988); the nearest period of the
    sentence counts, else the last one of the few sentences before (blank lines between
    paragraphs are no sentences). Only a shift of one year compares so."""
    if not any(c.years for c in mentions):
        return
    bounds = sentence_bounds(ctx.text, mentions)
    bounds = [0] + [e for s, e in zip([0, *bounds], bounds, strict=False)
                    if ctx.text[s:e].strip()]
    for c in mentions:
        if c.years not in (-1, 1) or c.mod is not None:
            continue
        b = bisect_right(bounds, c.start)
        s0 = bounds[b - 1]
        s1 = bounds[b] if b < len(bounds) else len(ctx.text)
        before = bounds[max(0, b - 1 - LOOKBACK)]
        periods = [d for d in mentions if s0 <= d.start < s1 and _compares_with(ctx, d, True)]
        if periods:
            d = min(periods, key=lambda d: abs(d.start - c.start))
        elif any(s0 <= d.start < s1 and _period_told(ctx, d) for d in mentions):
            continue  # the sentence speaks of a period of its own
        else:  # "Third-quarter net rose 8%. A year earlier, it earned ..."
            earlier = [d for d in mentions if before <= d.start < s0 and _period_told(ctx, d)]
            if not earlier or not _compares_with(ctx, earlier[-1], False):
                continue
            d = earlier[-1]
        period = _PERIOD.match(d.value)
        assert period is not None
        c.value = f"{int(period[1]) + c.years:04d}{period[2]}"
