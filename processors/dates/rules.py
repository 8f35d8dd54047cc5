"""The rule table: (pattern, handler) in priority order; earlier rules win ties between
equally long spans."""

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
from .clock import h_ampm, h_clock, h_military, h_named_time, h_oclock
from .context import Handler, rx
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
from .patterns import (
    AMPM,
    MODPRE,
    MONTH_FULL,
    MONTH_G,
    NOQ,
    NUMW,
    QTY,
    UNIT,
    UNIT_Q,
    WD_PREFIX,
    WEEKDAY_FULL,
    YEAR,
)
from .relative import (
    h_ago,
    h_deictic,
    h_in_future,
    h_period_edge,
    h_relative,
    h_the_season,
)
from .spoken import SPOKEN_YEAR, h_spoken_decade, h_spoken_year

RULES: list[tuple[re.Pattern[str], Handler]] = [
    (
        rx(
            r"(?<![\w\-/.])(?P<y>[0-9]{4})(?P<s1>[-/])(?P<m>[0-9]{2})(?P=s1)(?P<d>[0-9]{2})"
            r"(?:[T\s](?P<H>[0-9]{2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?)?(?![0-9])"
        ),
        h_iso,
    ),
    (
        rx(
            r"(?<![\w\-/.,])(?P<a>[0-9]{1,2})(?P<sep>[/.\-])(?P<b>[0-9]{1,2})(?P=sep)"
            r"(?P<y>[0-9]{4}|[0-9]{2})(?![0-9]|[/.\-][0-9])"
        ),
        h_numeric,
    ),
    (
        rx(
            rf"\b{WD_PREFIX}{MONTH_G}\s*(?P<dayfull>(?P<day>[0-3]?[0-9])(?:st|nd|rd|th)?)"
            rf"(?![0-9])\b(?!:[0-9]|[.,][0-9])(?:(?:,\s*|\s+)(?:of\s+)?{YEAR})?"
        ),
        h_month_day,
    ),
    (
        rx(
            rf"(?<![\w.,:/$€£\-]){WD_PREFIX}(?:the\s+)?(?P<dayfull>(?P<day>[0-3]?[0-9])"
            rf"(?:st|nd|rd|th)?)(?:\s+of)?\s+{MONTH_G}(?:,?\s*{YEAR})?"
        ),
        h_day_month,
    ),
    (
        rx(
            rf"\b(?:the\s+)?(?P<ord>(?:twenty|thirty)[-\s](?:first|second|third|fourth|fifth|sixth"
            rf"|seventh|eighth|ninth)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
            rf"|tenth|eleventh|twelfth"
            rf"|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth"
            rf"|twentieth|thirtieth)\s+of\s+{MONTH_G}(?:,?\s*{YEAR})?"
        ),
        h_ord_of_month,
    ),
    (rx(rf"\b{MONTH_G},?\s*(?:of\s+)?{YEAR}"), h_month_year),
    (
        rx(
            r"\b(?:(?P<pre>the\s+year)\s+|(?:the\s+)?(?P<s>spring|summer|autumn|fall|winter)"
            rf"(?:\s+of)?,?\s+|{MONTH_G},?\s+)?{SPOKEN_YEAR}"
        ),
        h_spoken_year,
    ),
    (
        rx(r"\bthe\s+(?:(?P<cent>eighteen|nineteen|twenty)[-\s]+)?(?P<dec>twenties|thirties"
           r"|forties|fifties|sixties|seventies|eighties|nineties)\b"),
        h_spoken_decade,
    ),
    (rx(rf"\b{MONTH_G}\s+(?P<rel>last|this|next)\s+year\b"), h_month_rel_year),
    (
        rx(
            r"\b(?:(?P<rel>last|next|this)\s+)?(?P<h>christmas\s+eve|christmas\s+day|christmas"
            r"|new\s+year['’]?s\s+eve|new\s+year['’]?s\s+day|new\s+year['’]s|halloween"
            r"|valentine['’]?s\s+day|thanksgiving(?:\s+day)?|election\s+day)"
            rf"(?:,?\s+{YEAR})?(?!\w)"
        ),
        h_holiday,
    ),
    (
        rx(
            r"\b(?:the\s+)?(?P<q>first|second|third|fourth|final|last|1st|2nd|3rd|4th)[\s-]+quarter"
            rf"(?:\s+of\s+(?:the\s+year\s+)?(?:{YEAR}|(?P<rel>the|this|last|next)\s+year)"
            r"|,?\s+(?P<y2>(?:1[0-9]|20)[0-9]{2})(?![0-9]))?\b"
        ),
        h_quarter,
    ),
    (
        rx(r"\b(?:the\s+)?year[-\s](?:earlier|ago)(?:\s+(?:quarter|period|month|week|year)\b)?"
           r"(?<!year\s)(?<!year-)"),
        h_year_earlier,
    ),
    (
        rx(r"\bthe\s+(?:(?:latest\s+|most\s+recent\s+|just[-\s]ended\s+|recent\s+)?quarter\b"
           r"(?!\s+(?:of|century|mile|final)\b|-)|(?:latest|most\s+recent)\s+period\b)"),
        h_the_quarter,
    ),
    (
        rx(
            r"\b(?:(?:later|earlier)\s+(?:in\s+)?)?(?P<det>that(?:\s+same)?|the\s+same|the\s+"
            r"(?:following|next|previous|preceding|prior))\s+(?P<u>year|month|quarter|day"
            rf"|{WEEKDAY_FULL})\b"
            r"(?!-)"
        ),
        h_anaphor,
    ),
    (rx(rf"\bthe\s+(?:first\s+|latest\s+)?{QTY}\s+{UNIT}\b(?!\s+(?:ago|old)\b)"),
     h_the_n_units),
    (rx(rf"\bQ(?P<qn>[1-4])(?:\s*[-/]?\s*{YEAR})?\b"), h_qn),
    (
        rx(
            r"\b(?:the\s+)?(?P<h>first|second|1st|2nd|last|latter)\s+half\s+of\s+"
            rf"(?:(?:the\s+year\s+)?{YEAR}|(?P<rel>the|this|last|next)\s+year)"
        ),
        h_half,
    ),
    (
        rx(rf"\b(?:the\s+)?(?P<s>spring|summer|autumn|fall|winter)(?:\s+of)?,?\s+{YEAR}"),
        h_season_year,
    ),
    (
        rx(
            r"\b(?:(?P<n>[0-9]{1,2})(?:st|nd|rd|th)|(?P<w>(?:twenty[-\s])?first|second|third"
            r"|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth"
            r"|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth))"
            r"[-\s]+century\b"
        ),
        h_century,
    ),
    (
        rx(
            r"(?<![\w$€£#/.,:+])(?P<y>1[0-9]{2}|20[0-9])0['’]?s\b"
            r"|(?<!\w)['’](?P<yy>[0-9])0s\b"
        ),
        h_decade,
    ),
    (rx(rf"\bthe\s+year\s+{YEAR}"), h_year_phrase),
    (
        rx(r"\bthe\s+(?:(?P<kind>full|current|fiscal|(?:current|latest|previous|prior|last)\s+"
           r"fiscal)\s+)?year\b(?![-'’])"),
        h_the_year,
    ),
    (rx(r"\byear(?:-|\s+|['’]s\s+)end\b(?!-)"), h_year_end),
    (
        rx(
            rf"{NOQ}{MODPRE}(?:{QTY}(?P<half>\s+and\s+a\s+half)?\s+)?{UNIT}(?P<orso>\s+or\s+so)?\s+"
            r"(?P<dir>ago|from\s+now|hence|earlier|before(?=\s*[,.;:!?)\"”]|\s*$))\b"
        ),
        h_ago,
    ),
    (
        rx(rf"\bin\s+{MODPRE}{QTY}\s+{UNIT}\b(?P<time>['’]s?\s+time\b)?(?!\s+(?:ago|of|old)\b)"),
        h_in_future,
    ),
    (
        rx(
            r"\b(?P<the>the\s+)?(?P<dir>past|last|next|coming|previous|first|final|following"
            rf"|preceding|remaining|ensuing)\s+(?:{QTY}\s+)?{UNIT_Q}\b"
        ),
        h_span_duration,
    ),
    (rx(r"\b(?:a|an|per)\s+(?P<unit>hour|day|week|month|year)\b"), h_rate),
    (
        rx(
            rf"{NOQ}{MODPRE}{QTY}(?P<frac>\s+1/2)?(?P<half>\s+and\s+a\s+half)?(?:\s+more)?"
            rf"(?:\s+|\s*-\s*){UNIT}"
            r"(?P<half2>\s+and\s+a\s+half)?(?:-long)?\b(?![-\s]*old\b)"
        ),
        h_duration,
    ),
    (rx(rf"\b{MODPRE}half\s+an?\s+{UNIT}\b"), h_half_unit),
    (rx(r"(?<=\bfor\s)(?P<unit>hours|days|weeks|months|years|decades|centuries)\b"), h_for_units),
    (
        rx(r"\b(?:(?:within|in|during|throughout)\s+|over\s+(?P<the>the\s+)|in\s+the\s+"
           r"(?=[a-z]+\s+(?:that|since|after|following|ahead|to\s+come)\b))"
           r"(?P<unit>hours|days|weeks|months|years|decades)\b"
           r"(?!\s+(?:of|old|ago|later|earlier|before|after)\b|['’-])"),
        h_for_units,
    ),
    (
        rx(
            rf"\b(?:every|each)\s+(?:(?P<other>other|second)\s+|{QTY}\s+)?(?P<u>seconds?|minutes?"
            r"|hours?|days?|weeks?|fortnights?|months?|quarters?|years?|decades?|century|centuries"
            rf"|{WEEKDAY_FULL}|weekend|morning|afternoon|evening|night|{MONTH_FULL})\b"
        ),
        h_every,
    ),
    (
        rx(
            r"\b(?:once|twice|thrice|(?:[0-9]{1,3}|" + NUMW + r")\s+times)\s+(?:a|an|per|each|"
            r"every)\s+(?P<unit>second|minute|hour|day|week|fortnight|month|year|decade)\b"
        ),
        h_frequency,
    ),
    (
        rx(
            r"\b(?:daily|weekly|monthly|yearly|annually|hourly|nightly|quarterly|bi-?weekly"
            r"|fortnightly|biannually|semi-?annually|per\s+(?:annum|day|week|month|year))\b"
        ),
        h_set_adverb,
    ),
    (rx(r"\b(?<=on\s)weekends\b"), h_weekends),
    (rx(r"\bthe\s+weekend\b"), h_the_weekend),
    (
        rx(
            r"\b(?:(?P<ew>earlier|later)\s+)?(?P<rel>this\s+past|this\s+coming|this|last|next"
            r"|past|previous|coming|current)\s+(?P<u>weekend|week|month|year|quarter|decade"
            r"|century|spring|summer|autumn|fall|winter|morning|afternoon|evening|night"
            rf"|{WEEKDAY_FULL}|{MONTH_FULL})\b"
        ),
        h_relative,
    ),
    (rx(r"\b(?P<s>spring|summer|winter)\b(?!['’-])"), h_the_season),
    (
        rx(
            r"\bthe\s+(?:very\s+)?(?P<k>beginning|start|middle|end|close)\s+of\s+the\s+"
            r"(?P<u>week|month|year|decade|century)\b"
        ),
        h_period_edge,
    ),
    (
        rx(
            r"\b(?P<w>the\s+day\s+before\s+yesterday|the\s+day\s+after\s+tomorrow"
            r"|(?:yesterday|tomorrow)(?:\s+(?:morning|afternoon|evening|night))?"
            r"|(?:earlier|later)\s+today|today|tonight|right\s+now|now|currently|at\s+present"
            r"|nowadays|at\s+the\s+moment|recently|lately"
            r"|the\s+(?:near\s+|distant\s+|foreseeable\s+)?future|the\s+past"
            r"|recent\s+(?:days|weeks|months|years|decades))\b"
        ),
        h_deictic,
    ),
    (
        rx(
            rf"\b(?P<wd>{WEEKDAY_FULL})(?P<pl>s)?\b(?:\s+(?P<part>morning|afternoon|evening"
            r"|night)\b)?"
        ),
        h_weekday,
    ),
    (
        rx(rf"\b(?:(?:early|mid|late)[-\s]+)?(?P<part>morning|afternoon|evening)\s+"
           rf"(?P<day>yesterday|today|tomorrow|{WEEKDAY_FULL})\b(?!['’])"),
        h_part_then_day,
    ),
    (rx(r"\bthe\s+(?P<day>[0-3]?[0-9])(?:st|nd|rd|th)\b"), h_the_nth),
    (
        rx(
            r"(?<![\w:.,/])(?P<h>[01]?[0-9]|2[0-4])(?P<sep>[:.])(?P<m>[0-5][0-9])"
            r"(?::(?P<s>[0-5][0-9]))?(?![0-9]|[:.][0-9])"
            rf"(?:\s*{AMPM})?(?:\s*(?:hours|hrs)\b)?"
        ),
        h_clock,
    ),
    (rx(rf"(?<![\w:.,/$€£])(?P<h>1[0-2]|0?[1-9])\s*{AMPM}"), h_ampm),
    (
        rx(
            r"\b(?P<h>1[0-2]|0?[1-9]|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
            r"|twelve)\s+o['’]clock\b"
        ),
        h_oclock,
    ),
    (rx(r"\b(?:12\s+)?(?P<w>noon|midday|midnight)\b"), h_named_time),
    (
        rx(
            r"(?<![\w:.,/])(?P<h>[01][0-9]|2[0-3])(?P<m>[0-5][0-9])(?=\s*(?:GMT|UTC|Z)\b)"
            r"|(?<![\w:.,/])(?P<h2>0[0-9])(?P<m2>[0-5][0-9])\s+(?:hours|hrs)\b"
        ),
        h_military,
    ),
    (rx(rf"\b{MONTH_G}"), h_month_only),
    (rx(r"(?<![\w$€£#/.,:+])(?P<y>1[0-9]{3}|20[0-9]{2})(?![\w%]|[.,:][0-9])"), h_year),
]
