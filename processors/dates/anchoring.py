"""Values from their sentence: bare times of day take the nearest full date, or the day
right after them ("9 a.m. Tuesday")."""

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
