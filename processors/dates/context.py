"""Candidates and the context handlers read: a match's place in the text, the reference date."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(slots=True)
class Cand:
    start: int
    end: int
    type: str
    value: str
    mod: str | None = None
    prio: int = 0
    anchor: bool = False  # a bare time of day ("T15:30") still waiting for its date
    years: int | None = None  # "N years ago/earlier": a shift that may keep a finer period
    anaphor: tuple[str, int] | None = None  # "the following year": (unit, step) from the story


@dataclass(slots=True)
class Ctx:
    text: str
    ref: date | None
    ref_dt: datetime | None
    relaxed: bool = False  # True when the span is already known to be a temporal expression
    lo: int = 0
    hi: int = 0
    #: Part-of-speech tags (Penn Treebank, as spaCy's English tagger gives them) by the offset
    #: where each word starts, when the caller has them: they tell a past verb from an
    #: adjective in -ed ("the long-delayed visit") or a verb in -ed that is no past ("succeed").
    tags: Mapping[int, str] | None = None


Handler = Callable[[re.Match[str], Ctx], Cand | None]

FLAGS = re.IGNORECASE


def rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, FLAGS)


def norm_key(s: str) -> str:
    return " ".join(s.casefold().replace("’", "'").split())
