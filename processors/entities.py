"""Named entities of an article: the NER model's spans, corrected by mechanism.

The small English model mislabels common cases of news copy: a country tagged
PERSON, an administrative unit tagged ORG, a byline fused with the agency, a
surname alone tagged ORG after the full name was found. The corrections, in
order:

1. keep named types only (numbers and dates are the date tagger's job);
2. trim each span: a line break ends it; at a spaced dash the side that is a
   name is kept ("Goalkeeper - Jens Lehmann" keeps the name); a leading "the",
   a trailing possessive and numbers at either end go ("Leicestershire 22");
3. news layout (:mod:`.layout`) adds the dateline's place and the bylines' people
   and agencies; what the words say (:mod:`.cues`) adds laws ("Resolution 822")
   and institutions of a people ("Azerbaijani Parliament");
4. each mention gets a label: its layout or context cue first (an administrative
   noun, a storm, a title, sport around a town's name), then the document's own
   names (a surname or given name after the full name, an organisation's first
   word after its full name, a storm's name alone, the last part of a hyphenated
   place), then the gazetteer (:mod:`.gazetteer`; a town's name needs a locative
   cue), then the model;
5. a name the model found once is found wherever else it occurs (as the same words,
   not inside a longer capitalised name); one surface form keeps one label across the
   article: mentions without a cue
   take the label their form's mentions vote for, a cue counting three, the
   model one, a span the trimming changed none.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from . import cues
from .cues import ADMIN_NOUNS
from .gazetteer import major_places, minor_places
from .layout import layout_spans

__all__ = ["ADMIN_NOUNS", "NAMED_LABELS", "Span", "refine"]

NAMED_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
     "LANGUAGE"}
)
#: Labels the gazetteer may overrule; NORP ("Armenian") and LOC stay as they are.
_OVERRULABLE = frozenset({"PERSON", "ORG", "FAC", "PRODUCT", "WORK_OF_ART"})
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_TEAM_LABELS = frozenset({"GPE", "LOC", "FAC", "PERSON", "ORG"})
#: Labels whose names do not carry numbers at their edges ("Windows 10" is a PRODUCT).
_NO_NUMBERS = frozenset({"PERSON", "GPE", "LOC", "NORP", "ORG", "FAC"})
_LEADING = re.compile(r"(?:the|The|THE)\s+")
_TRAILING = re.compile(r"(?:'s|’s|'|’)$")
_DASH = re.compile(r"\s+[-–—]\s+")
_EDGE_NUMBER = re.compile(r"^(?:[0-9][0-9.,:/-]*\s+)+|(?:\s+[0-9][0-9.,:/-]*)+$")
_LAW = re.compile(
    r"\b(?:Resolution|Directive|Regulation|Amendment|Decree|Article|Protocol)"
    r"\s+(?:No\.?\s*)?[0-9]+(?:[/-][0-9]+)?\b"
)
_INSTITUTIONS = (
    "Parliament|Government|Senate|Assembly|Army|Navy|Air Force|Armed Forces|Ministry|Embassy"
    "|Police|Cabinet|Congress|Supreme Court|Central Bank|Foreign Ministry|Defence Ministry"
    "|Defense Ministry|National Assembly"
)
_INSTITUTION = re.compile(
    rf"\b[A-Z][a-z]+(?:an|ian|ese|ish|i|ic|ch)[ ](?:{_INSTITUTIONS})\b"
)
_COMPASS = frozenset(
    "north south east west central northern southern eastern western upper lower".split()
)
_DEMONYM_ENDINGS = ("an", "ans", "ese", "ish", "i", "is", "ic", "ch", "sh", "er", "ers")
_CAPITALISED = re.compile(r"^(?:[A-Z0-9][\w'’.&-]*)(?:\s+(?:[A-Z0-9][\w'’.&-]*|of|de|and|the))*$")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    label: str


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    label: str
    weight: int = 1  # in the vote: 3 for a cue or layout, 1 for the model, 0 when trimmed
    fixed: bool = False  # a cue or the layout decided: the vote does not change it


def _pick_side(piece: str) -> tuple[int, int]:
    """(start, end) within ``piece`` of the side of a spaced dash that is a name."""
    parts = list(_DASH.finditer(piece))
    if not parts:
        return 0, len(piece)
    bounds = [0, *[p for m in parts for p in (m.start(), m.end())], len(piece)]
    sides = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    def name_like(side: tuple[int, int]) -> bool:
        words = _LEADING.sub("", piece[side[0]:side[1]], count=1)
        return bool(_CAPITALISED.match(words)) and not words.isupper()

    names = [s for s in sides if name_like(s)]
    if not names:
        return sides[0]
    return max(names, key=lambda s: (len(piece[s[0]:s[1]].split()), s[0]))


def _trim(text: str, span: Span) -> tuple[Span, bool] | None:
    """The trimmed span and whether the trimming changed it."""
    start, end = span.start, span.end
    piece = text[start:end].split("\n", 1)[0]  # an entity never crosses a line break
    end = start + len(piece)
    a, b = _pick_side(piece)
    start, end = start + a, start + b
    lead = _LEADING.match(text, start, end)
    if lead:
        start = lead.end()
    tail = _TRAILING.search(text[start:end])
    if tail and end - start > len(tail.group()):
        end -= len(tail.group())
    if span.label in _NO_NUMBERS:
        for m in _EDGE_NUMBER.finditer(text[start:end]):
            if m.start() == 0:
                start += m.end()
                break
        m2 = _EDGE_NUMBER.search(text, start, end)
        if m2 and m2.end() == end and m2.start() > start:
            end = m2.start()
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in ".)":
        end -= 1
    if end <= start:
        return None
    return Span(start, end, span.label), (start, end) != (span.start, span.end)


class _Extent(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


def _overlaps(a: _Extent, b: _Extent) -> bool:
    return a.start < b.end and b.start < a.end


def _phrase_spans(text: str) -> list[Span]:
    """Laws ("Resolution 822") and a people's institutions ("Azerbaijani Parliament")."""
    found = [Span(m.start(), m.end(), "LAW") for m in _LAW.finditer(text)]
    found += [Span(m.start(), m.end(), "ORG") for m in _INSTITUTION.finditer(text)]
    return found


def _is_region(surface: str) -> bool:
    """ "South Caucasus", "Central Asia": a compass word and a name, not a people."""
    words = surface.split()
    return (len(words) > 1 and words[0].casefold() in _COMPASS
            and not words[-1].casefold().endswith(_DEMONYM_ENDINGS))


def _cue_label(text: str, m: _Mention) -> str | None:
    surface = text[m.start:m.end]
    if cues.storm_cue(surface):
        return "EVENT"
    if m.label != "NORP" and cues.admin_cue(text, m.end):
        return "GPE"
    if m.label == "NORP" and _is_region(surface):
        return "LOC"
    if m.label in ("PERSON", "ORG") and cues.title_cue(text, m.start):
        return "PERSON"
    if m.label in _TEAM_LABELS and _town_or_region(surface) and cues.team_cue(
            text, m.start, m.end):
        return "ORG"  # "Leeds 2 Chelsea 1", "beat New York": a club named after its town
    return None


def _town_or_region(surface: str) -> bool:
    """A place name that is not a country's (national sides are named for their country,
    which OntoNotes keeps a GPE)."""
    key = surface.casefold()
    kind = major_places().get(key)
    return kind in ("city", "state") or (kind is None and key in minor_places())


def _gazetteer_label(text: str, m: _Mention, key: str) -> str | None:
    kind = major_places().get(key)
    if kind is not None and m.label in _OVERRULABLE:
        if kind == "city" and m.label == "ORG" and cues.team_cue(text, m.start, m.end):
            return None  # a club named after its town
        return "GPE"
    if m.label in _OVERRULABLE and key in minor_places() and cues.locative_cue(text, m.start):
        return "GPE"
    return None


def _names_of_document(text: str, mentions: list[_Mention]) -> dict[str, str]:
    """Single words the document's longer names give a label: a person's surname and given
    name, an organisation's first word, a storm's name, a hyphenated place's last part."""
    parts: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mentions:
        words = text[m.start:m.end].split()
        if m.label == "PERSON" and len(words) > 1:
            parts[words[-1].casefold()]["PERSON"] += 1
            parts[words[0].casefold()]["PERSON"] += 1
        elif m.label == "ORG" and len(words) > 1:
            parts[words[0].casefold()]["ORG"] += 1
        elif m.label == "EVENT" and len(words) > 1 and cues.storm_cue(" ".join(words)):
            parts[words[-1].casefold()]["EVENT"] += 1
        if m.label in _PLACE_LABELS and len(words) == 1 and "-" in words[0]:
            parts[words[0].rsplit("-", 1)[-1].casefold()]["GPE"] += 1
    return {w: c.most_common(1)[0][0] for w, c in parts.items() if len(c) == 1}


def _vote(text: str, mentions: list[_Mention]) -> None:
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mentions:
        votes[text[m.start:m.end].casefold()][m.label] += m.weight
    for m in mentions:
        ranked = votes[text[m.start:m.end].casefold()].most_common(1)
        if not m.fixed and ranked and ranked[0][1] > 0:
            m.label = ranked[0][0]


_CAPITAL_WORD_BEFORE = re.compile(r"[A-Z][\w'’.-]*[ ]\Z")


def _propagate(text: str, mentions: list[_Mention], avoid: list[_Extent]) -> list[_Mention]:
    """Other occurrences of the names found, where the model missed them: the same words,
    not inside a longer capitalised name, not on a date. They carry no vote of their own."""
    taken = bytearray(len(text) + 1)
    for t in [*mentions, *avoid]:
        taken[t.start:t.end] = b"\x01" * (t.end - t.start)
    found: list[_Mention] = []
    for surface, label in {text[m.start:m.end]: m.label for m in mentions}.items():
        if len(surface) < 3 or not surface[0].isupper():
            continue
        at = text.find(surface)
        while at >= 0:
            end = at + len(surface)
            hit, at = at, text.find(surface, at + 1)
            if taken.find(1, hit, end) >= 0 or _glued(text, hit, end):
                continue
            if _CAPITAL_WORD_BEFORE.search(text, max(0, hit - 30), hit):
                continue
            found.append(_Mention(hit, end, label, 0))
            taken[hit:end] = b"\x01" * (end - hit)
    return found


def _glued(text: str, start: int, end: int) -> bool:
    """Is text[start:end] part of a longer word, or followed by another capitalised word?"""
    before = text[start - 1] if start else " "
    after = text[end:end + 2]
    if before.isalnum() or before in "-_" or (after[:1].isalnum() or after[:1] in "-_"):
        return True
    return after[:1] == " " and after[1:2].isupper()


def refine(text: str, spans: Iterable[Span], avoid: Iterable[tuple[int, int]] = ()) -> list[Span]:
    """Corrected entity spans, in text order (see the module's rules); ``avoid`` are spans
    that are something else (dates) where no entity is added."""
    named = [s for s in spans if s.label in NAMED_LABELS]
    layout = []
    places = major_places()
    for r in layout_spans(text):
        rival = [s for s in named if _overlaps(s, r) and s.label not in _PLACE_LABELS]
        if r.weak and rival and text[r.start:r.end].casefold() not in places:
            continue
        layout.append(r)
    trimmed = [t for t in (_trim(text, s) for s in named) if t]
    phrases = [p for p in _phrase_spans(text) if not any(_overlaps(p, r) for r in layout)]
    taken: list[_Extent] = [*layout, *phrases]
    mentions = [_Mention(r.start, r.end, r.label, 3, True) for r in layout]
    mentions += [_Mention(p.start, p.end, p.label, 3, True) for p in phrases]
    for s, changed in trimmed:
        if not any(_overlaps(s, t) for t in taken):
            mentions.append(_Mention(s.start, s.end, s.label, 0 if changed else 1))
    blocked: list[_Extent] = [Span(a, b, "") for a, b in avoid]
    mentions += _propagate(text, mentions, blocked)
    mentions.sort(key=lambda m: m.start)
    for m in mentions:
        if m.fixed:
            continue
        cue = _cue_label(text, m)
        if cue is not None:
            m.label, m.weight, m.fixed = cue, 3, True
            continue
        label = _gazetteer_label(text, m, text[m.start:m.end].casefold())
        if label is not None:
            m.label = label
    _vote(text, mentions)
    own = _names_of_document(text, mentions)
    for m in mentions:
        surface = text[m.start:m.end]
        label = own.get(surface.casefold()) if len(surface.split()) == 1 else None
        if m.fixed or label is None or label == m.label:
            continue
        key = surface.casefold()
        if m.label in _PLACE_LABELS and (key in places or key in minor_places()):
            continue  # "Jordan" the country stays a place beside a Michael Jordan
        if m.label not in _OVERRULABLE and not (label == "PERSON" and m.label in _PLACE_LABELS):
            continue  # a people ("Armenian") is not an organisation's first word
        m.label = label
    _vote(text, mentions)
    return [Span(m.start, m.end, m.label) for m in mentions]
