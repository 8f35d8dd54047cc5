"""The tagger's entry points: ``find_dates`` over a text (with NER hints) and ``normalise``
of one expression."""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from itertools import accumulate

from newsflow.core import metrics
from newsflow.schemas import DateMention

from .anchoring import anchor_times, join_time_and_day
from .context import Cand, Ctx, rx
from .narrative import resolve_anaphora
from .periods import compare_periods, join_period_and_shift, join_year_periods, year_periods
from .rules import RULES
from .selection import scan, select

log = logging.getLogger(__name__)

TRIM_CHARS = " \t\r\n\"'“”‘’()[]{},;:!?"
LEAD_WORDS = rx(r"(?:on|in|at|since|by|from|until|till|during|for|of|to|before|after|the)\s+")


def trim_span(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in TRIM_CHARS:
        s += 1
    while e > s and text[e - 1] in TRIM_CHARS:
        e -= 1
    return s, e


def span_variants(text: str, s: int, e: int) -> list[tuple[int, int]]:
    s, e = trim_span(text, s, e)
    out = [(s, e)]
    e2 = e
    if text.endswith(("'s", "’s"), s, e2):
        e2 -= 2
    if e2 > s and text[e2 - 1] == ".":
        e2 -= 1
    if e2 != e:
        out.append(trim_span(text, s, e2))
    s2 = s
    for _ in range(2):
        m = LEAD_WORDS.match(text, s2, e2)
        if not m:
            break
        s2 = m.end()
        out.append(trim_span(text, s2, e))
        if e2 != e:
            out.append(trim_span(text, s2, e2))
    return [(a, b) for a, b in out if b > a]


def whole_span(
    text: str, ref: date | None, ref_dt: datetime | None, s: int, e: int,
    tags: Mapping[int, str] | None = None,
) -> Cand | None:
    """One candidate covering a whole (trimmed) span, or None."""
    for a, b in span_variants(text, s, e):
        if b - a > 200:
            continue
        ctx = Ctx(text, ref, ref_dt, relaxed=True, lo=a, hi=b, tags=tags)
        best: Cand | None = None
        for c in scan(ctx):
            if c.start == a and c.end == b and (best is None or c.prio < best.prio):
                best = c
        if best is not None:
            return best
    return None


def coerce_reference(reference: object) -> tuple[date | None, datetime | None]:
    if isinstance(reference, datetime):
        return reference.date(), reference
    if isinstance(reference, date):
        return reference, None
    if isinstance(reference, str):
        try:
            parsed = datetime.fromisoformat(reference.strip())
        except ValueError:
            return None, None
        if "T" in reference or ":" in reference:
            return parsed.date(), parsed
        return parsed.date(), None
    return None, None


def type_of(value: str, typ: str) -> str:
    if typ == "DATE" and "T" in value and not value.endswith("_REF"):
        return "TIME"
    return typ


class Covered:
    """Spans, asked whether one of them holds a given span."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [a for a, _ in ordered]
        self.reach = list(accumulate((b for _, b in ordered), max))  # furthest end so far

    def holds(self, s: int, e: int) -> bool:
        i = bisect_right(self.starts, s)
        return i > 0 and self.reach[i - 1] >= e


HINT_LABELS = frozenset({"DATE", "TIME", "DURATION", "SET"})


def find(text: str, reference: object, hints: Iterable[tuple[int, int, str]],
         tags: Mapping[int, str] | None = None) -> list[DateMention]:
    ref, ref_dt = coerce_reference(reference)
    ctx = Ctx(text, ref, ref_dt, relaxed=False, lo=0, hi=len(text), tags=tags)
    cands = scan(ctx)
    n_rules = len(RULES)
    covered = Covered((c.start, c.end) for c in cands)
    for hint in hints or ():
        try:
            s, e, label = int(hint[0]), int(hint[1]), str(hint[2]).upper()
        except (TypeError, ValueError, IndexError):
            continue
        if label not in HINT_LABELS or not 0 <= s < e <= len(text):
            continue
        if covered.holds(s, e):
            continue  # inside a span the tagger found itself: the hint cannot win
        c = whole_span(text, ref, ref_dt, s, e, tags)
        if c is not None:
            c.prio += n_rules  # on an exact tie the tagger's own reading wins
            cands.append(c)
    chosen = join_time_and_day(ctx, join_year_periods(ctx, select(cands)))
    chosen = join_period_and_shift(ctx, chosen)
    resolve_anaphora(ctx, chosen)
    anchor_times(ctx, chosen)
    year_periods(ctx, chosen)
    compare_periods(ctx, chosen)
    return [
        DateMention(text=text[c.start : c.end], type=type_of(c.value, c.type), value=c.value,
                    start=c.start, end=c.end, mod=c.mod)
        for c in chosen
    ]


def find_dates(
    text: str,
    reference: date | datetime | None,
    hints: Iterable[tuple[int, int, str]] = (),
    tags: Mapping[int, str] | None = None,
) -> list[DateMention]:
    """Find date/time/duration/set expressions in `text` and normalise them relative to
    `reference` (the article's publication date; a datetime may carry a tzinfo).

    `hints` are candidate spans (start, end, label) from an NER model, label "DATE" or "TIME":
    they are normalised too and merged with the tagger's own matches (on overlap the longer
    normalisable span wins; mentions never overlap).  A span that cannot be normalised is
    dropped.  `tags` are the words' part-of-speech tags (Penn Treebank, as spaCy's English
    tagger gives them) by the offset where each word starts: with them, tense is read from
    the tags rather than from word forms alone.  The result is sorted by start offset.  A failure of the tagger itself is
    logged and counted (``newsflow_enrich_errors_total{part="dates"}``) and gives no dates.
    """
    try:
        return find_dates_or_raise(text, reference, hints, tags)
    except Exception:
        log.exception("date tagger failed on a text of %d characters", len(text))
        metrics.ENRICH_ERRORS.labels(part="dates").inc()
        return []


def find_dates_or_raise(
    text: str,
    reference: date | datetime | None,
    hints: Iterable[tuple[int, int, str]] = (),
    tags: Mapping[int, str] | None = None,
) -> list[DateMention]:
    """:func:`find_dates`, raising what the tagger raises (for callers that count failures
    elsewhere, such as a worker process reporting to its parent)."""
    if not isinstance(text, str) or not text:
        return []
    return find(text, reference, hints, tags)


def normalise(
    expression: str, reference: date | datetime | None
) -> tuple[str, str, str | None] | None:
    """(type, value, mod) for one whole expression such as "Nov.25" or "more than 27 years
    ago", or None when it is not a (normalisable) temporal expression."""
    if not isinstance(expression, str) or not expression.strip():
        return None
    try:
        ref, ref_dt = coerce_reference(reference)
        c = whole_span(expression, ref, ref_dt, 0, len(expression))
        if c is None:  # an expression of several pieces: "9 a.m. Tuesday", "the year ended May 1"
            s, e = trim_span(expression, 0, len(expression))
            found = find(expression, reference, ())
            whole = [m for m in found if m.start == s and m.end == e]
            return (whole[0].type, whole[0].value, whole[0].mod) if whole else None
        if c.anaphor:  # "the following year" told alone: from the reference
            resolve_anaphora(Ctx(expression, ref, ref_dt, hi=len(expression)), [c])
        if c.anchor:
            c.value = f"{ref.isoformat() if ref else 'XXXX-XX-XX'}{c.value}"
        return type_of(c.value, c.type), c.value, c.mod
    except Exception:  # noqa: BLE001
        return None
