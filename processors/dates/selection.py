"""Scanning the text with every rule, extending matches leftwards with modifiers ("early
1990s", "the end of November"), and choosing non-overlapping spans (longest first)."""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from collections.abc import Iterator

from .context import Cand, Ctx, norm_key, rx
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


def matches_at(pattern: re.Pattern[str], starts: Iterator[re.Match[str]], offset: int,
               ctx: Ctx) -> Iterator[re.Match[str]]:
    """What ``pattern.finditer`` over the context's span gives, trying the pattern only at
    ``starts`` (matches in the folded text from ``offset``), where any match must begin."""
    pos = ctx.lo
    for s in starts:
        at = s.start() + offset
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


def scan(ctx: Ctx) -> list[Cand]:
    out: list[Cand] = []
    # A few characters before the span too: a rule may look behind its start.
    lo = max(0, ctx.lo - LOOKBEHIND)
    low = ctx.text[lo:ctx.hi].casefold()
    skip = not CASE_FOLD_ODD.search(ctx.text, lo, ctx.hi)
    aligned = skip and len(low) == ctx.hi - lo  # offsets in `low` are offsets in the text
    for prio, (pattern, handler) in enumerate(RULES):
        required = REQUIRES.get(handler)
        if skip and required is not None and not required.search(low):
            continue
        starts = STARTS.get(handler) if aligned else None
        if starts is None:
            matches: Iterator[re.Match[str]] = pattern.finditer(ctx.text, ctx.lo, ctx.hi)
        else:
            matches = matches_at(pattern, starts.finditer(low, ctx.lo - lo), lo, ctx)
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
