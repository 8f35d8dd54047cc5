"""Regular-expression pieces the rules are built from."""

from __future__ import annotations

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
MONTH_FULL = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
# only an abbreviation takes a dot: "Sept." / "Nov.25", but "... in November." ends a sentence
MONTH_G = rf"(?P<mon>{MONTH})(?:(?<=jan|feb|mar|apr|jun|jul|aug|sep|ept|oct|nov|dec)\.|\b)"
WEEKDAY_FULL = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
WD_PREFIX = rf"(?:(?P<wd>{WEEKDAY_FULL}|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\.?,?\s+)?"
YEAR = r"(?P<year>(?:1[0-9]|20)[0-9]{2})(?![0-9])"
NUMW = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[-\s](?:one|two|three|four|five|six|seven|eight|nine)\b)?"
    r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
    r"|(?:a|one)\s+hundred|(?:a|one)\s+thousand|hundred|thousand|a\s+dozen|dozen"
    r"|one|two|three|four|five|six|seven|eight|nine|ten)"
)
FUZZY = (
    r"(?:a\s+few|a\s+couple(?:\s+of)?|couple\s+of|a\s+number\s+of|dozens\s+of|hundreds\s+of"
    r"|thousands\s+of|few|several|many|some)"
)
QTY = (
    r"(?P<qty>[0-9]{1,3}(?:,[0-9]{3}){1,2}(?![0-9])|[0-9]{1,6}(?:\.[0-9]{1,3})?(?![0-9])"
    rf"|(?:{FUZZY}|{NUMW}|an?)\b)"
)
UNIT = (
    r"(?P<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|fortnights?|months?"
    r"|years?|yrs?|decades?|century|centuries|millennium|millennia|millenniums)"
)
#: A unit, or a quarter of a year: only where a count of quarters is meant ("the past two
#: quarters", "every quarter"), since "three quarters of" is a fraction.
UNIT_Q = UNIT.replace("(?P<unit>", "(?P<unit>quarters?|", 1)
MODPRE = (
    r"(?:(?P<mod>more\s+than|less\s+than|fewer\s+than|longer\s+than|just\s+over|well\s+over"
    r"|just\s+under|in\s+excess\s+of|upwards\s+of|close\s+to|at\s+least|at\s+most|up\s+to"
    r"|no\s+more\s+than|no\s+less\s+than|not\s+more\s+than|not\s+less\s+than|an\s+estimated"
    r"|over|under|nearly|almost|about|around|approximately|roughly|some|circa)\s+)?"
)
AMPM = r"(?P<ap>[ap]\.\s?m\b\.?|[ap]m\b)"
NOQ = r"(?<![\w.,:/$€£\-])"  # no number glued to the left
