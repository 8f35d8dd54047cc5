"""Reading around a match: the words before and after it, tense cues, month casing."""

from __future__ import annotations

import re

from .context import Ctx, rx
from .vocabulary import ABBREVS, COUNT_NOUNS, MONTHS

PREV_TOKEN = re.compile(r"(\S+)\s*\Z")
NEXT_WORD = re.compile(r"[^\S\n]*-?[^\S\n]*(%|[^\W\d_][\w'’]*)")
BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
FULL_DATE = re.compile(r"(?:[0-9]{4}|XXXX)-[0-9]{2}-[0-9]{2}\Z")
FUTURE_CUE = rx(
    r"\b(?:will|shall|won['’]t|is\s+due|are\s+due|due\s+to|scheduled|set\s+to|plans?\s+to"
    r"|planning\s+to|planned|expected\s+to|going\s+to|is\s+to|are\s+to|intends?\s+to"
    r"|to\s+be\s+held)\b|['’]ll\b"
)


def prev_token(ctx: Ctx, pos: int) -> str:
    m = PREV_TOKEN.search(ctx.text, max(ctx.lo, pos - 40), pos)
    return m.group(1).casefold() if m else ""


def prev_word(ctx: Ctx, pos: int) -> str:
    return prev_token(ctx, pos).strip("\"'“”‘’()[],;:")


def next_word(ctx: Ctx, pos: int) -> str:
    m = NEXT_WORD.match(ctx.text, pos, min(ctx.hi, pos + 60))
    if not m:
        return ""
    return m.group(1).casefold().split("'")[0].split("’")[0]


def counts_things(ctx: Ctx, pos: int) -> bool:
    """True when the number ending at ``pos`` is followed by a counted noun or a percent."""
    if pos < ctx.hi and ctx.text[pos] == "%":
        return True
    word = next_word(ctx, pos)
    return word in COUNT_NOUNS or word.rstrip("s") in COUNT_NOUNS


CLAUSE_END = re.compile(r"[;!?\n]|\.(?=\s)")


def future_cue(ctx: Ctx, pos: int) -> bool:
    """Does the clause before ``pos`` speak of the future ("will meet on Friday")?"""
    window = ctx.text[max(ctx.lo, pos - 80) : pos]
    cut = 0
    for m in CLAUSE_END.finditer(window):
        if m.group() == ".":
            w = PREV_TOKEN.search(window, 0, m.start())
            word = w.group(1).casefold() if w else ""
            if word in ABBREVS or (len(word) == 1 and word.isalpha()):
                continue
        cut = m.end()
    return FUTURE_CUE.search(window, cut) is not None


def month_num(token: str) -> int | None:
    return MONTHS.get(token.casefold().rstrip("."))


def month_ok_case(token: str, ctx: Ctx, alone: bool) -> bool:
    """Lower-case "may"/"march" are usually verbs; a lone month must be capitalised."""
    if ctx.relaxed or not token:
        return True
    key = token.casefold()
    if alone:
        return token[0].isupper()
    if key in ("may", "mar", "march"):
        return token[0].isupper()
    return True
