"""The year a company reports on: "the year ended March 31" is a span of a year, "the full
year", "the current fiscal year", "for the year" the reference's year, "the latest fiscal
year" the one before; "by year-end" is the end of the year."""

from __future__ import annotations

import re

from .context import Cand, Ctx, norm_key
from .text import PREV_TOKEN, next_word, prev_word, tense
from .values import candidate, fmt_year

#: Words of a part of a year: "the first nine months of the year", "the rest of the year".
PART_OF_YEAR = frozenset(
    "months quarter quarters half weeks days period part rest remainder end start beginning "
    "balance".split()
)
_PUNCT_AFTER = re.compile(r"[^\S\n]*[,.;:]")


def h_the_year(m: re.Match[str], ctx: Ctx) -> Cand | None:
    kind = norm_key(m["kind"]) if m["kind"] else ""
    if next_word(ctx, m.end()) in ("ended", "ending"):
        return candidate(m, "DURATION", "P1Y")  # twelve months up to the date that follows
    if ctx.ref is None:
        return None
    if kind in ("latest fiscal", "previous fiscal", "prior fiscal", "last fiscal"):
        return candidate(m, "DATE", fmt_year(ctx.ref.year - 1))
    if kind:
        return candidate(m, "DATE", fmt_year(ctx.ref.year))
    if ctx.relaxed:
        return None
    prev = prev_word(ctx, m.start())
    if prev == "for" and _PUNCT_AFTER.match(ctx.text, m.end()):
        return candidate(m, "DATE", fmt_year(ctx.ref.year))  # "for the year, volume was flat"
    if prev == "of":
        before = ctx.text[max(ctx.lo, m.start() - 30):m.start()].split()
        if len(before) >= 2 and before[-2].casefold() in PART_OF_YEAR:
            return candidate(m, "DATE", fmt_year(ctx.ref.year))
    return None


#: Prepositions that make "year-end" a time ("by year-end"), not a kind ("year-end bonuses").
YEAR_END_BEFORE = frozenset("by since at around until till before after through from".split())


def h_year_end(m: re.Match[str], ctx: Ctx) -> Cand | None:
    """ "by year-end", "since year end", "by year's end": the end of this year, or of the
    last one when the clause looks back."""
    if ctx.ref is None:
        return None
    before = PREV_TOKEN.search(ctx.text, max(0, m.start() - 40), m.start())  # past a hint's start
    if (before.group(1).casefold() not in YEAR_END_BEFORE) if before else not ctx.relaxed:
        return None
    back = tense(ctx, m.start(), m.end()) < 0
    return candidate(m, "DATE", fmt_year(ctx.ref.year - 1 if back else ctx.ref.year), "END")
