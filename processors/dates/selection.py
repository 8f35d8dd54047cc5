"""Scanning the text with every rule, extending matches leftwards with modifiers ("early
1990s", "the end of November"), and choosing non-overlapping spans (longest first)."""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from collections.abc import Iterator

from .context import Cand, Ctx, Handler, norm_key, rx
from .prefilters import REQUIRES, STARTS
from .rules import RULES
from .text import BLANK_LINE

PRE_DATE_MOD = rx(
    r"(?:\b(?:the\s+)?(?:very\s+)?(?P<k1>early|late|mid)(?:\s*-\s*|\s+)"
    r"|\bthe\s+(?:very\s+)?(?P<k2>beginning|start|middle|end|close)\s+of\s+(?:the\s+)?"
    r"|\b(?P<k3>around|circa|approximately|roughly)\s+|\bc\.\s*)\Z"
)
PRE_THE = rx(r"\bthe\s+\Z")
EDGE_MODS = {"early": "START", "beginning": "START", "start": "START", "mid": "MID",
              "middle": "MID", "late": "END", "end": "END", "close": "END"}  # fmt: skip


FISCAL = rx(r"\b(?P<the>the\s+)?fiscal[-\s]+\Z")
FISCAL_PERIOD = re.compile(r"[0-9]{4}(?:-(?:Q[1-4]|H[12]))?\Z")

LOOKBEHIND = 8
#: Letters a case-insensitive pattern matches to an ASCII letter but case folding does not
#: turn into one: with them in the text, every rule is tried.
CASE_FOLD_ODD = re.compile("[\u0130\u0131]")

DECADE_OR_CENTURY = re.compile(r"[0-9]{2,3}\Z")
MODIFIABLE = re.compile(
    r"(?:[0-9]{2,4}|XXXX)(?:-(?:[0-9]{2}|W[0-9]{2}|Q[1-4]|H[12]|SP|SU|FA|WI)"
    r"(?:-(?:[0-9]{2}|WE))?)?(?:T(?:MO|AF|EV|NI|[0-9:]+))?\Z"
)


def extend(c: Cand, ctx: Ctx) -> None:
    if c.type not in ("DATE", "TIME") or c.mod is not None or not MODIFIABLE.match(c.value):
        return
    lo = max(ctx.lo, c.start - 40)
    m = PRE_DATE_MOD.search(ctx.text, lo, c.start)
    if m:
        if m["k3"] or not (m["k1"] or m["k2"]):
            c.mod = "APPROX"
        else:
            c.mod = EDGE_MODS[norm_key(m["k1"] or m["k2"])]
        if c.type == "TIME" and c.mod != "APPROX" and c.anchor:
            c.mod = None  # "late 3 p.m." is not a thing; leave the time alone
            return
        c.start = m.start()
        return
    if FISCAL_PERIOD.match(c.value):
        f = FISCAL.search(ctx.text, lo, c.start)
        if f and (f["the"] is None or "-" in c.value):
            c.start = f.start()  # "fiscal 1988", "the fiscal first quarter"
            return
    if DECADE_OR_CENTURY.match(c.value) and not ctx.text.startswith("the", c.start):
        m = PRE_THE.search(ctx.text, lo, c.start)
        if m:
            c.start = m.start()


#: A run of letters and digits in the case-folded text: where a rule's match can begin.
WORD = re.compile(r"[a-z0-9]+")
#: The rules whose match may begin with a given run (by :data:`STARTS`), looked up once a run.
_BEGIN_CACHE: dict[str, tuple[Handler, ...]] = {}
_BEGIN_CACHE_MAX = 100_000


def _learn_beginning(word: str) -> tuple[Handler, ...]:
    """The rules a run the cache has not seen may begin (and the cache remembers it)."""
    if len(_BEGIN_CACHE) >= _BEGIN_CACHE_MAX:
        _BEGIN_CACHE.clear()
    found = _BEGIN_CACHE[word] = tuple(h for h, p in STARTS.items() if p.match(word))
    return found


def begin_index(low: str, offset: int, pos: int) -> dict[Handler, list[int]]:
    """Offsets in the text (``offset`` + offset in ``low``) where each rule may begin, for
    the runs of ``low`` from ``pos`` on, in order."""
    index: dict[Handler, list[int]] = {}
    cached = _BEGIN_CACHE.get
    for w in WORD.finditer(low, pos):
        word = w.group()
        handlers = cached(word)
        if handlers is None:
            handlers = _learn_beginning(word)
        if handlers:
            at = w.start() + offset
            for h in handlers:
                found = index.get(h)
                if found is None:
                    index[h] = [at]
                else:
                    found.append(at)
    return index


def matches_at(pattern: re.Pattern[str], starts: list[int], ctx: Ctx) -> Iterator[re.Match[str]]:
    """What ``pattern.finditer`` over the context's span gives, trying the pattern only at
    ``starts`` (offsets in the text, in order), where any match must begin."""
    pos = ctx.lo
    for at in starts:
        if at < pos:
            continue
        m = pattern.match(ctx.text, at, ctx.hi)
        if m is None:
            continue
        if m.end() == at:  # an empty match: finditer's own rules for what follows
            yield from pattern.finditer(ctx.text, at, ctx.hi)
            return
        yield m
        pos = m.end()


NO_STARTS: list[int] = []
FEW_STARTS = 8


def scan(ctx: Ctx) -> list[Cand]:
    out: list[Cand] = []
    # A few characters before the span too: a rule may look behind its start.
    lo = max(0, ctx.lo - LOOKBEHIND)
    low = ctx.text[lo:ctx.hi].casefold()
    skip = not CASE_FOLD_ODD.search(ctx.text, lo, ctx.hi)
    aligned = skip and len(low) == ctx.hi - lo  # offsets in `low` are offsets in the text
    index = begin_index(low, lo, ctx.lo - lo) if aligned and STARTS else {}
    for prio, (pattern, handler) in enumerate(RULES):
        starts = index.get(handler, NO_STARTS) if aligned and handler in STARTS else None
        if starts is NO_STARTS:
            continue  # no word of the text can begin a match
        required = REQUIRES.get(handler)
        # Searching the text costs more than trying the pattern at a few places.
        if (skip and required is not None and (starts is None or len(starts) > FEW_STARTS)
                and not required.search(low)):
            continue
        if starts is None:
            matches: Iterator[re.Match[str]] = pattern.finditer(ctx.text, ctx.lo, ctx.hi)
        else:
            matches = matches_at(pattern, starts, ctx)
        for m in matches:
            if "\n" in m.group() and BLANK_LINE.search(m.group()):
                continue
            try:
                c = handler(m, ctx)
            except (ValueError, OverflowError, KeyError, IndexError, TypeError, AttributeError):
                continue
            if c is None or not c.value:
                continue
            c.prio = prio
            extend(c, ctx)
            if ctx.lo <= c.start < c.end <= ctx.hi:
                out.append(c)
    return out


def select(cands: list[Cand]) -> list[Cand]:
    """Longest spans first (then rule order); never two overlapping spans."""
    cands = sorted(cands, key=lambda c: (-(c.end - c.start), c.prio, c.start))
    starts: list[int] = []
    chosen: dict[int, Cand] = {}
    for c in cands:
        i = bisect_right(starts, c.start)
        if i and chosen[starts[i - 1]].end > c.start:
            continue
        if i < len(starts) and starts[i] < c.end:
            continue
        insort(starts, c.start)
        chosen[c.start] = c
    return [chosen[s] for s in starts]
