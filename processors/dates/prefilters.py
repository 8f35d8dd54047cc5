"""Where each rule can match, so that scanning skips it elsewhere: a piece of text every
match of a rule contains (``REQUIRES``), and the words a match can begin with (``STARTS``)."""

from __future__ import annotations

import re

from .absolute import (
    h_century,
    h_day_month,
    h_decade,
    h_half,
    h_iso,
    h_month_day,
    h_month_only,
    h_month_rel_year,
    h_month_year,
    h_numeric,
    h_ord_of_month,
    h_qn,
    h_quarter,
    h_season_year,
    h_the_quarter,
    h_year,
    h_year_earlier,
    h_year_phrase,
)
from .clock import (
    h_ampm,
    h_clock,
    h_military,
    h_named_time,
    h_oclock,
)
from .context import Handler
from .days import h_part_then_day, h_the_nth, h_the_weekend, h_weekday, h_weekends
from .durations import (
    h_duration,
    h_every,
    h_for_units,
    h_frequency,
    h_half_unit,
    h_rate,
    h_set_adverb,
    h_span_duration,
    h_the_n_units,
)
from .fiscal import h_the_year, h_year_end
from .holidays import h_holiday
from .narrative import h_anaphor
from .patterns import MONTH
from .relative import (
    h_ago,
    h_deictic,
    h_in_future,
    h_period_edge,
    h_relative,
    h_the_season,
)
from .spoken import h_spoken_decade, h_spoken_year

UNIT_STEM = r"(?:sec|min|hour|hr|day|week|fortnight|month|year|yr|decade|centur|millenni)[a-z]*"
ORD_END = r"(?:st|nd|rd|th)"
YEAR_DIGITS = r"(?:1[0-9]|20)[0-9]{2}"

#: What any match of a rule contains, searched (case-sensitively, without assertions) in the
#: case-folded text: a text without it skips the rule's pattern, which would otherwise be
#: tried at every position.  Each must hold for every text the rule can match.
REQUIRES: dict[Handler, re.Pattern[str]] = {
    handler: re.compile(pattern)
    for handler, pattern in {
        h_numeric: r"[0-9][/.\-][0-9]{1,2}[/.\-][0-9]{2}",
        h_ord_of_month: rf"{ORD_END}\s+of\s+{MONTH}(?![a-z])",
        h_holiday: r"christmas|new\s+year|halloween|valentine|thanksgiving|election\s+day",
        h_quarter: r"quarter",
        h_year_earlier: r"year[-\s](?:earlier|ago)",
        h_the_quarter: r"quarter|period",
        h_the_n_units: r"the\s",
        h_qn: r"q[1-4]",
        h_half: r"half\s+of\s",
        h_season_year: rf"(?:spring|summer|autumn|fall|winter)(?:\s+of)?,?\s+{YEAR_DIGITS}",
        h_century: rf"{ORD_END}[-\s]+century",
        h_decade: r"[0-9]0['’]?s",
        h_year_phrase: rf"the\s+year\s+{YEAR_DIGITS}",
        h_the_year: r"year",
        h_year_end: r"year(?:-|\s+|['’]s\s+)end",
        h_ago: rf"{UNIT_STEM}\s+(?:or\s+so\s+)?(?:ago|from\s+now|hence|earlier|before)",
        h_in_future: r"in\s",
        h_span_duration: r"past|last|next|coming|previous|first|final|following|preceding"
                         r"|remaining|ensuing",
        h_half_unit: rf"half\s+an?\s+{UNIT_STEM}",
        h_for_units: r"(?:for|within|in|during|throughout|the)\s+(?:hours|days|weeks|months|years"
                     r"|decades|centuries)",
        h_every: r"(?:every|each)\s",
        h_frequency: r"(?:once|twice|thrice|times)\s+(?:a|an|per|each|every)\s+"
                     r"(?:second|minute|hour|day|week|fortnight|month|year|decade)",
        h_set_adverb: r"daily|weekly|monthly|yearly|annually|hourly|nightly|quarterly"
                      r"|fortnightly|per\s+(?:annum|day|week|month|year)",
        h_weekends: r"on\sweekends",
        h_the_weekend: r"the\s+weekend",
        h_part_then_day: r"(?:morning|afternoon|evening)\s+(?:yesterday|today|tomorrow|[a-z]+day)",
        h_the_season: r"spring|summer|winter",
        h_period_edge: r"(?:beginning|start|middle|end|close)\s+of\s+the\s",
        h_oclock: r"o['’]clock",
        h_anaphor: r"(?:that|same|following|next|previous|preceding|prior)\s+"
                   r"(?:year|month|quarter|[a-z]*day)",
        h_spoken_decade: r"the\s+(?:[a-z]+[-\s]+)?[a-z]+ties",
        h_spoken_year: r"(?:seventeen|eighteen|nineteen|twenty)[-\s]+[a-z]|two\s+thousand",
        h_month_rel_year: r"(?:last|this|next)\s+year",
        h_named_time: r"noon|midday|midnight",
        h_military: r"[0-9]{4}\s*(?:gmt|utc|z)|[0-9]{4}\s+(?:hours|hrs)",
    }.items()
}

WEEKDAY_STEM = "mon|tue|wed|thu|fri|sat|sun"
MONTH_STEM = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
MOD_WORD = ("more|less|fewer|longer|just|well|in|upwards|close|at|up|no|not|an|over|under"
            "|nearly|almost|about|around|approximately|roughly|some|circa")
QTY_WORD = ("[0-9]|a|couple|dozens|hundreds|thousands|few|several|many|some|twenty|thirty"
            "|forty|fifty|sixty|seventy|eighty|ninety|eleven|twelve|thirteen|fourteen"
            "|fifteen|sixteen|seventeen|eighteen|nineteen|one|hundred|thousand|dozen|two"
            "|three|four|five|six|seven|eight|nine|ten")
UNIT_WORD = "sec|min|hour|hr|day|week|fortnight|month|year|yr|decade|centur|millenni"
SEASON = "spring|summer|autumn|fall|winter"
ORDINAL_STEM = ("twent|thirt|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
                "|eleventh|twelfth|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen")

#: Where a match of a rule can begin, in the case-folded text: a word or a number (a run of
#: ``[a-z0-9]``, which no letter or digit precedes) beginning with one of the rule's words (or
#: with a digit, for ``[0-9]``). The rule's pattern is tried there only, not at every position.
#: The words are letters and digits only, so whether a run begins with one of them is a fact
#: about the run alone (``selection`` looks each run up once).
STARTS: dict[Handler, re.Pattern[str]] = {
    handler: re.compile(rf"(?<![a-z0-9])(?:{words})")
    for handler, words in {
        h_iso: "[0-9]",
        h_numeric: "[0-9]",
        h_month_day: f"{WEEKDAY_STEM}|{MONTH_STEM}",
        h_day_month: f"{WEEKDAY_STEM}|the|[0-9]",
        h_ord_of_month: f"the|{ORDINAL_STEM}",
        h_month_year: MONTH_STEM,
        h_spoken_year: f"the|{SEASON}|{MONTH_STEM}|seventeen|eighteen|nineteen|twenty|two",
        h_spoken_decade: "the",
        h_month_rel_year: MONTH_STEM,
        h_holiday: "last|next|this|christmas|new|halloween|valentine|thanksgiving|election",
        h_month_only: MONTH_STEM,
        h_year_earlier: "the|year",
        h_the_quarter: "the",
        h_anaphor: "later|earlier|that|the",
        h_weekday: WEEKDAY_STEM,
        h_qn: "q",
        h_half: "the|first|second|[0-9]|last|latter",
        h_season_year: f"the|{SEASON}",
        h_century: f"[0-9]|{ORDINAL_STEM}",
        h_year_phrase: "the",
        h_the_year: "the",
        h_year_end: "year",
        h_quarter: "the|first|second|third|fourth|final|last|[1-4]",
        h_relative: "earlier|later|this|last|next|past|previous|coming|current",
        h_deictic: "the|yesterday|tomorrow|earlier|later|today|tonight|right|now|currently|at"
                   "|nowadays|recently|lately|recent",
        h_span_duration: "the|past|last|next|coming|previous|first|final|following|preceding"
                         "|remaining|ensuing",
        h_duration: f"{MOD_WORD}|{QTY_WORD}",
        h_ago: f"{MOD_WORD}|{QTY_WORD}|{UNIT_WORD}",
        h_in_future: "in",
        h_rate: "a|per",
        h_half_unit: f"{MOD_WORD}|half",
        h_for_units: "hours|days|weeks|months|years|decades|centuries|within|in|during"
                     "|throughout|over",
        h_every: "every|each",
        h_frequency: f"once|twice|thrice|{QTY_WORD}",
        h_set_adverb: "daily|weekly|monthly|yearly|annually|hourly|nightly|quarterly|bi"
                      "|fortnightly|semi|per",
        h_weekends: "weekends",
        h_the_weekend: "the",
        h_the_season: SEASON,
        h_period_edge: "the",
        h_part_then_day: "early|mid|late|morning|afternoon|evening",
        h_the_nth: "the",
        h_the_n_units: "the",
        h_clock: "[0-9]",
        h_ampm: "[0-9]",
        h_oclock: "[0-9]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve",
        h_named_time: "[0-9]|noon|midday|midnight",
        h_military: "[0-9]",
        h_year: "[0-9]",
    }.items()
}
