"""Reading around a match: the words before and after it, tense cues, month casing."""

from __future__ import annotations

import re
from collections.abc import Iterator

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


def clause_ends(text: str, lo: int, hi: int) -> Iterator[re.Match[str]]:
    """The ends of clauses between ``lo`` and ``hi``: not the dot of an abbreviation ("vs.",
    "Sept.") or of an initial."""
    for m in CLAUSE_END.finditer(text, lo, hi):
        if m.group() == ".":
            w = PREV_TOKEN.search(text, max(lo, m.start() - 20), m.start())
            word = w.group(1).casefold() if w else ""
            if word in ABBREVS or (len(word) == 1 and word.isalpha()):
                continue
        yield m


def future_cue(ctx: Ctx, pos: int) -> bool:
    """Does the clause before ``pos`` speak of the future ("will meet on Friday")?"""
    lo = max(ctx.lo, pos - 80)
    cut = lo
    for m in clause_ends(ctx.text, lo, pos):
        cut = m.end()
    return FUTURE_CUE.search(ctx.text, cut, pos) is not None


#: Words that put a clause in the future, or in a present that speaks of a schedule or a
#: forecast ("The vote is on Monday", "Forecasters expect rain on Friday").
AHEAD_WORDS = frozenset(
    """
    will would shall 'll ’ll won't won’t wo going expect expects expected forecast
    forecasts
    forecaster forecasters predict predicts due scheduled plans plan intends intend begins
    starts opens closes meets resumes ends runs takes faces hosts returns arrives leaves
    visits holds upcoming
    """.split()
)
#: Past-tense forms that do not end in -ed (and a few auxiliaries of the past).
PAST_WORDS = frozenset(
    """
    was were had did said told went came took made met left won lost began saw got gave held
    fell rose grew hit struck sent brought led ran shot fought spoke wrote became broke chose
    drew drove flew forgot froze hid kept knew lay paid put quit read rode rang sang sat sold
    sought slept stood stole swore swam threw thought understood woke wore wept beat bought
    caught felt found heard meant spent split spread taught ago earlier last yesterday
    """.split()
)
#: Auxiliaries that make a following past form a participle of the passive, not a past.
PASSIVE_AUX = frozenset("is are be being".split())
#: A present tense dates a mention as ahead only right next to it ("The vote is on
#: Monday"); further away it is a state ("the notes are convertible at ... Thursday's price").
NEAR_PRESENT = frozenset("is are am".split())
#: Verbs of reporting: their tense is the report's, which dates only the words next to them
#: ("said Friday"), not the clause reported ("said the vote would be in May"); the words
#: before them are their subject's.
REPORTING = frozenset("said says told tells announced reported added stated noted".split())
#: Verbs of intention: a clause they govern with "to" or "for" is ahead of them ("planned to
#: leave on Thursday", "agreed to meet Friday", "scheduled for May"), whatever their own
#: tense, unless a pluperfect says the plan was overtaken ("had been due to expire Friday").
PROSPECTIVE = frozenset(
    """
    plan plans planned planning expect expects expected schedule scheduled intend intends
    intended hope hopes hoped agree agrees agreed decide decides decided promise promises
    promised vow vows vowed pledge pledges pledged aim aims aimed prepare prepares prepared
    propose proposes proposed threaten threatens threatened set poised slated
    """.split()
)
_NOT_PAST_ED = frozenset("need needed speed feed seed breed bed red shed hundred indeed".split())
_WORD = re.compile(r"[A-Za-z'’]+")


#: How far after a mention its clause may find the verb that gives its tense, when nothing
#: before it does ("In January, a week after the ruling, a bomb killed a guard").
AFTER_REACH = 160


def _clause_start(ctx: Ctx, pos: int, reach: int) -> int:
    cut = max(ctx.lo, pos - reach)
    for m in clause_ends(ctx.text, cut, pos):
        cut = m.end()
    return cut


def _clause_end(ctx: Ctx, pos: int, reach: int) -> int:
    hi = min(ctx.hi, pos + reach)
    return next((m.start() for m in clause_ends(ctx.text, pos, hi)), hi)


def _tense_of(ctx: Ctx, m: re.Match[str], after: str = "") -> int:
    """The tense a word gives its clause: +1 ahead, -1 past, 0 none; ``after`` is the word
    that follows it (a participle right before a noun modifies it: "the long-delayed visit")."""
    word = m.group()
    w = word.casefold()
    if w in AHEAD_WORDS:
        return 1
    tags = ctx.tags
    tag = tags.get(m.start()) if tags is not None else None
    if tags is not None and tag is not None and (tag.startswith("VB") or w.endswith("ed")):
        if tag == "VBD":
            return -1  # a finite past, regular or not ("set", "hit")
        if tag == "VBN":
            nxt = tags.get(ctx.text.find(after, m.end())) if after else None
            return 0 if nxt in NOUN_OR_ADJECTIVE else -1
        return 0  # a present or a base form ("succeed"), or an adjective ("unspecified")
    if w in PAST_WORDS:
        return -1
    if word[0].islower() and len(w) > 4 and w.endswith("ed") and w not in _NOT_PAST_ED:
        return -1  # "landed"; not a name such as "United"
    return 0


#: Tags of the words a participle modifies when it stands right before them.
NOUN_OR_ADJECTIVE = frozenset("NN NNS JJ JJR JJS".split())
#: Prepositions that place what they govern on one side of the reference: "since March" lies
#: behind it; "until", "through" name an end, which is often ahead of a past clause ("extended
#: the loan through January"): their month or day is the nearest one.
SINCE = frozenset(["since"])
EDGE_WORDS = frozenset("early mid late the".split())
#: Words of a time of day between a preposition and a day ("until 9 a.m. EST Tuesday").
CLOCK_WORDS = frozenset("a m p noon midnight o'clock est edt cst cdt pst pdt gmt utc".split())
UNTIL = frozenset("until till through thru effective".split())  # "effective Feb. 1" too


def tense(ctx: Ctx, start: int, end: int) -> int:
    """+1 when the clause around a mention speaks of what is ahead, -1 of the past, 0 when
    it does not say: the nearest tense-bearing word before the mention decides, else the
    nearest after it (not after a possessive: "Friday's close" names its own event)."""
    lo = _clause_start(ctx, start, 120)
    found = list(_WORD.finditer(ctx.text, lo, start))
    words = [m.group() for m in found]
    possessive = ctx.text.startswith(("'s", "’s"), end)  # "Friday's close" names its event
    prep = preposition(words)
    if prep in SINCE:
        return -1
    if [w.casefold() for w in words[-3:]] in (["as", "soon", "as"], ["as", "early", "as"]):
        return 1  # the earliest time of what is still to come
    if prep in UNTIL:  # a pluperfect still places it behind: "Until Thursday, they had not"
        clause = words + [m.group() for m in _WORD.finditer(ctx.text, end, _clause_end(ctx, end, 80))]
        return -1 if "had" in (w.casefold() for w in clause) else 0
    for distance in range(len(words)):
        i = len(words) - 1 - distance
        word = words[i].casefold()
        if i + 1 < len(words) and words[i + 1].casefold() in ("to", "for") and \
                (word in PROSPECTIVE or word == "due"):
            return -1 if _pluperfect(words, i) else 1
        if distance > 2 and word in REPORTING:
            break  # the words before it are its subject's, not the clause it reports
        if word in NEAR_PRESENT:
            if distance <= 2:
                return 1
            continue
        if not possessive and _present(ctx, found[i]) and \
                "," not in ctx.text[found[i].end():start]:
            return 1  # "voters go to the polls on Sunday": a schedule, not "she estimates
            # her flats, worth $1 million in October, ..."
        t = _tense_of(ctx, found[i], words[i + 1] if i + 1 < len(words) else "")
        if t < 0 and i and words[i - 1].casefold() in PASSIVE_AUX:
            # a participle: "is heard in May" is ahead; in "could be located", "to be
            # published" the words before "be" decide
            if words[i - 1].casefold() in ("is", "are"):
                return 1
            continue
        if t:
            return t
    if possessive:
        return 0
    after = list(_WORD.finditer(ctx.text, end, _clause_end(ctx, end, AFTER_REACH)))
    for j, m in enumerate(after):
        t = _tense_of(ctx, m, after[j + 1].group() if j + 1 < len(after) else "")
        if t:
            return t
    return 0


def _present(ctx: Ctx, m: re.Match[str]) -> bool:
    """A verb in the present tense (by its tag), which schedules the day its clause names
    ("the leaders meet Monday"); not an auxiliary or a verb of reporting."""
    if ctx.tags is None or ctx.tags.get(m.start()) not in ("VBP", "VBZ"):
        return False
    return m.group().casefold() not in REPORTING and m.group().casefold() not in AUXILIARIES


AUXILIARIES = frozenset("has have do does 's".split())


def preposition(words: list[str]) -> str:
    """The preposition right before a mention whose words come before it, past a modifier
    or a time of day ("since early March", "until mid-November", "until 9 a.m. EST")."""
    for w in reversed(words[-6:]):
        k = w.casefold()
        if k not in EDGE_WORDS and k not in CLOCK_WORDS:
            return k
    return ""


def governing_preposition(ctx: Ctx, pos: int) -> str:
    return preposition([m.group() for m in _WORD.finditer(ctx.text, max(ctx.lo, pos - 40), pos)])


def _pluperfect(words: list[str], i: int) -> bool:
    """Is ``words[i]`` the participle of a pluperfect ("had been due", "had planned")?"""
    before = [w.casefold() for w in words[max(0, i - 3):i]]
    return "had" in before[-1:] or before[-2:] == ["had", "been"] or \
        before[-3:-1] == ["had", "been"]


#: A comparison of amounts right before a mention: "compared with a loss of $3 million last
#: year", "up from last year's $1.55 billion", "than a year ago".
COMPARISON = rx(
    r"\b(?:compared\s+(?:with|to)|from|than|versus|vs\.)(?:[^.;:!?\n]{0,40}?[0-9][^.;:!?\n]{0,20}?)?"
    r"[^\S\n]+\Z"
)


def in_comparison(ctx: Ctx, pos: int) -> bool:
    return COMPARISON.search(ctx.text, max(ctx.lo, pos - 70), pos) is not None


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
