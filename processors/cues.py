"""Context cues: what the words around a name say it is, whatever the model or a list says.

Each cue reads only the text next to one mention: an administrative noun after
it ("Kalbajar district"), a storm's name ("Storm Delphine"), a courtesy or
official title before it ("Mr", "President"), a locative preposition ("in
Tarnów"), or the language of sport around a team named after a town ("Leeds 2",
"beat Leeds", "the Leeds side").
"""

from __future__ import annotations

import re

ADMIN_NOUNS = frozenset(
    {"district", "province", "county", "city", "town", "village", "oblast", "governorate",
     "prefecture", "municipality", "region", "state", "republic", "canton", "borough", "raion",
     "rayon", "parish", "commune", "emirate", "neighborhood", "neighbourhood", "suburb"}
)
STORM_WORDS = frozenset({"storm", "hurricane", "typhoon", "cyclone"})
TITLES = frozenset(
    """
    mr mr. mrs mrs. ms ms. dr dr. sir dame lady lord president prime minister chancellor
    senator sen. rep. gov. governor mayor judge justice general gen. colonel col. captain
    capt. sergeant sgt. king queen prince princess pope rabbi imam father sister
    """.split()
)
LOCATIVES = frozenset("in at near from outside inside across around towards toward via".split())
#: Words that, near a name, show a sports team (a club named after its town) is meant.
TEAM_WORDS = frozenset(
    """
    beat beats beaten drew draw draws defeated defeat defeats lost thrashed edged hosted hosts
    host visit visiting against vs vs. v v. club side team squad fans striker midfielder
    defender goalkeeper keeper coach manager captain season league cup match game
    """.split()
)
_SCORE_AFTER = re.compile(r"[ \t]+[0-9]{1,3}(?![0-9]|[.:/-][0-9])")
_WORDS = re.compile(r"[A-Za-z][A-Za-z.']*")


def words_before(text: str, pos: int, n: int) -> list[str]:
    line_start = text.rfind("\n", 0, pos) + 1
    return [w.casefold() for w in _WORDS.findall(text, max(line_start, pos - 60), pos)][-n:]


def words_after(text: str, pos: int, n: int) -> list[str]:
    line_end = text.find("\n", pos)
    hi = min(len(text) if line_end < 0 else line_end, pos + 60)
    return [w.casefold() for w in _WORDS.findall(text, pos, hi)][:n]


def admin_cue(text: str, end: int) -> bool:
    """ "Kalbajar district", "the Eastgate neighborhood": a place."""
    after = words_after(text, end, 1)
    return bool(after) and after[0] in ADMIN_NOUNS


def storm_cue(surface: str) -> bool:
    """ "Storm Delphine", "Hurricane Ida": an event."""
    words = surface.split()
    return len(words) > 1 and words[0].casefold() in STORM_WORDS


_TITLE_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)[ \t]+\Z")


def title_cue(text: str, start: int) -> bool:
    """ "Mr Okafor", "President Aliyev": a title right before the name (no comma between)."""
    m = _TITLE_BEFORE.search(text, max(0, start - 30), start)
    return m is not None and m.group(1).casefold() in TITLES and text[start:start + 1].isupper()


def locative_cue(text: str, start: int) -> bool:
    before = words_before(text, start, 1)
    return bool(before) and before[0] in LOCATIVES


def team_cue(text: str, start: int, end: int) -> bool:
    """Sport around the name: a score right after it ("Leeds 2 Chelsea 1"), or a word of
    the game within three words on its line ("beat Leeds", "Leeds drew with", "the Leeds
    side")."""
    if _SCORE_AFTER.match(text, end):
        return True
    near = words_before(text, start, 3) + words_after(text, end, 3)
    return any(w in TEAM_WORDS for w in near)
