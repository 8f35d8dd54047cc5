"""News layout: datelines and bylines, the conventions of the first lines of a story.

A dateline opens the story's first paragraph: the place in capitals, then a
comma and more of the place or a date ("BAKU, Azerbaijan, Nov.25", "MILLBROOK,
Sept. 22 —"), a wire's date on its own line ("BONN 1996-08-30"), or a dash and the
story's first sentence ("LISBON — Rain fell.").
Capitals followed by a dash and more capitals are a section heading or a
headline ("SOCCER - JAPAN GET LUCKY WIN"), not a dateline, and a line further
down the story is never one. A byline ("By Name - Agency") names a person and,
after a dash or comma, an organisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: How far into the text a dateline may start (after a headline line or two).
DATELINE_REACH = 300

_DATELINE = re.compile(
    r"^[ \t]*(?P<place>[A-Z][A-Z'.-]+(?:[ ][A-Z][A-Z'.-]+){0,3})"
    r"(?:(?P<comma>,[ ])|(?P<dated>[ ]+[0-9]{4}-[0-9]{2}-[0-9]{2}[ \t]*$)"
    r"|[ ]+[—–-][ ]+(?P<rest>[^\n]*))", re.MULTILINE
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
class LayoutSpan:
    start: int
    end: int
    label: str
    #: A dash dateline ("NBA - Results of Friday's games" looks like one): the model's
    #: own reading of the words wins over it unless the name is a known place.
    weak: bool = False


def _is_prose(rest: str) -> bool:
    """Does the text after a dash read as a sentence (lower-case words), not a headline?"""
    letters = [ch for ch in rest if ch.isalpha()]
    return bool(letters) and sum(ch.islower() for ch in letters) >= len(letters) / 3


def datelines(text: str) -> list[LayoutSpan]:
    for m in _DATELINE.finditer(text, 0, min(len(text), DATELINE_REACH + 80)):
        if m.start("place") > DATELINE_REACH:
            break
        place = m.group("place")
        if place in _NOT_PLACES or sum(c.isalpha() for c in place) < 3:
            continue
        strong = m.group("comma") is not None or m.group("dated") is not None
        if not strong and not _is_prose(m.group("rest") or ""):
            continue
        weak = not strong
        return [LayoutSpan(m.start("place"), m.end("place"), "GPE", weak)]
    return []


def bylines(text: str) -> list[LayoutSpan]:
    found = []
    for m in _BYLINE.finditer(text):
        found.append(LayoutSpan(m.start(1), m.end(1), "PERSON"))
        if m.group(2):
            found.append(LayoutSpan(m.start(2), m.end(2), "ORG"))
    return found


def layout_spans(text: str) -> list[LayoutSpan]:
    """The dateline's place and the bylines' people and organisations, in text order."""
    return sorted(datelines(text) + bylines(text), key=lambda s: s.start)
