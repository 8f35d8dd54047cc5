"""Rule-based temporal tagger for English news text.

Finds date, time, duration and set expressions and normalises them to TIMEX3 / ISO 8601 values
relative to the article's publication date (``find_dates``), optionally merging candidate spans
from an NER model.  ``normalise`` resolves one expression on its own.  Pure Python, stdlib only.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

__all__ = ["DateMention", "find_dates", "normalise"]


@dataclass(frozen=True, slots=True)
class DateMention:
    """One normalised temporal expression; ``text == source[start:end]``."""

    text: str
    type: str  # "DATE" | "TIME" | "DURATION" | "SET"
    value: str  # TIMEX3 value
    start: int
    end: int
    mod: str | None = None


# --------------------------------------------------------------------------------------------
# Internal candidate / context
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Cand:
    start: int
    end: int
    type: str
    value: str
    mod: str | None = None
    prio: int = 0
    anchor: bool = False  # a bare time of day ("T15:30") still waiting for its date


@dataclass(slots=True)
class _Ctx:
    text: str
    ref: date | None
    ref_dt: datetime | None
    relaxed: bool = False  # True when the span is already known to be a temporal expression
    lo: int = 0
    hi: int = 0


_Handler = Callable[[re.Match[str], _Ctx], _Cand | None]

_F = re.IGNORECASE


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _F)


def _key(s: str) -> str:
    return " ".join(s.casefold().replace("’", "'").split())


# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_WEEKDAYS: dict[str, int] = {
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
    "sunday": 7, "mon": 1, "tue": 2, "tues": 2, "wed": 3, "thu": 4, "thur": 4, "thurs": 4,
    "fri": 5, "sat": 6, "sun": 7,
}  # fmt: skip
_ONES: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_ORDINALS.update(
    {
        f"{tens_word}-{word}": tens + n
        for tens_word, tens in (("twenty", 20), ("thirty", 30))
        for word, n in list(_ORDINALS.items())[:9]
        if tens + n <= 31
    }
)
_FUZZY_QTY = {
    "a few", "few", "several", "many", "some", "dozens of", "hundreds of", "thousands of",
    "a number of",
}  # fmt: skip
_PARTS = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "tonight": "NI"}
_SEASONS = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}
_SEASON_ORDER = ["SP", "SU", "FA", "WI"]

# canonical unit -> (time designator, TIMEX3 unit code)
_UNIT_CODE: dict[str, tuple[str, str]] = {
    "second": ("T", "S"), "minute": ("T", "M"), "hour": ("T", "H"), "day": ("", "D"),
    "week": ("", "W"), "month": ("", "M"), "year": ("", "Y"), "decade": ("", "DE"),
    "century": ("", "CE"),
}  # fmt: skip
_UNIT_ALIASES: dict[str, str] = {
    "second": "second", "seconds": "second", "sec": "second", "secs": "second",
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "day": "day", "days": "day",
    "week": "week", "weeks": "week", "fortnight": "fortnight", "fortnights": "fortnight",
    "month": "month", "months": "month", "year": "year", "years": "year", "yr": "year",
    "yrs": "year", "decade": "decade", "decades": "decade", "century": "century",
    "centuries": "century", "millennium": "millennium", "millennia": "millennium",
    "millenniums": "millennium",
}  # fmt: skip
_PLURAL_UNITS = {
    "seconds", "secs", "minutes", "mins", "hours", "hrs", "days", "weeks", "fortnights",
    "months", "years", "yrs", "decades", "centuries", "millennia", "millenniums",
}  # fmt: skip

_DUR_MODS: dict[str, str] = {
    "more than": "MORE_THAN", "over": "MORE_THAN", "just over": "MORE_THAN",
    "well over": "MORE_THAN", "in excess of": "MORE_THAN", "upwards of": "MORE_THAN",
    "longer than": "MORE_THAN", "less than": "LESS_THAN", "fewer than": "LESS_THAN",
    "under": "LESS_THAN", "just under": "LESS_THAN", "nearly": "LESS_THAN",
    "almost": "LESS_THAN", "close to": "LESS_THAN", "about": "APPROX", "around": "APPROX",
    "approximately": "APPROX", "roughly": "APPROX", "some": "APPROX", "an estimated": "APPROX",
    "circa": "APPROX", "at least": "EQUAL_OR_MORE", "no less than": "EQUAL_OR_MORE",
    "not less than": "EQUAL_OR_MORE", "at most": "EQUAL_OR_LESS", "up to": "EQUAL_OR_LESS",
    "no more than": "EQUAL_OR_LESS", "not more than": "EQUAL_OR_LESS",
}  # fmt: skip
# a duration modifier seen from a point in the past ("more than 27 years ago" -> BEFORE)
_AGO_MODS = {
    "MORE_THAN": "BEFORE", "LESS_THAN": "AFTER", "APPROX": "APPROX",
    "EQUAL_OR_MORE": "ON_OR_BEFORE", "EQUAL_OR_LESS": "ON_OR_AFTER",
}  # fmt: skip
_FUTURE_MODS = {
    "MORE_THAN": "AFTER", "LESS_THAN": "BEFORE", "APPROX": "APPROX",
    "EQUAL_OR_MORE": "ON_OR_AFTER", "EQUAL_OR_LESS": "ON_OR_BEFORE",
}  # fmt: skip

# nouns that, right after a number, show it counts things rather than naming a year or a day
_COUNT_NOUNS = frozenset(
    """
    people persons person residents civilians citizens soldiers troops servicemen military men
    women children kids babies refugees migrants patients cases deaths dead infections victims
    casualties fighters militants rebels police officers employees workers staff jobs students
    pupils teachers doctors nurses members voters votes ballots signatures seats units homes
    houses households families apartments flats buildings vehicles cars trucks tanks aircraft
    planes jets drones helicopters ships boats weapons guns rifles rockets missiles shells mines
    bombs rounds tons tonnes kg kilograms grams pounds lbs ounces barrels litres liters gallons
    meters metres m km kilometers kilometres miles feet ft inches cm mm hectares acres square sq
    cubic mw megawatts gw kw kwh mwh dollars usd euros eur manat manats rubles roubles yen yuan
    lira liras drams dram lari tenge rupees pesos francs pounds points pts percent per pct %
    times items pieces copies pages words calories degrees mph rpm participants delegates
    visitors tourists spectators fans users customers subscribers companies firms businesses
    enterprises schools hospitals clinics beds doses vaccines tests samples villages settlements
    towns cities sites projects objects positions posts crimes arrests prisoners detainees
    hostages bodies graves mosques churches monuments animals sheep cattle trees hours minutes
    seconds days weeks months years decades centuries million millions billion billions thousand
    thousands trillion bn mln strong member members seat seater page mile meter metre ton tonne
    bed room acre hectare kilometer kilometre year day week month hour minute
    """.split()
)
# words that, right before a number, mark it as an identifier or a quantity
_ID_WORDS = frozenset(
    """
    no no. nos number resolution room flight route article paragraph para clause law decree
    order code id model vol vol. volume page p. pp. highway interstate suite box unit apartment
    apt apt. platform gate chapter section sec. item rule bus train tel tel. phone fax channel
    version v v. iso bill lot exit cf. uss hr sb ab ref ref. tag serial squad regiment brigade
    battalion division corps usd eur gbp azn rub try amd rs rs. inr us$ cny jpy
    """.split()
)
_QUANT_WORDS = frozenset(
    "than least nearly almost some over approximately roughly total estimated additional "
    "another extra only just".split()
)
_YEAR_CONTEXT = frozenset(
    "in since from until till by during before after circa c. around year years between of "
    "early late mid mid- summer winter spring autumn fall and to through".split()
)
_MONTH_CONTEXT = frozenset(
    "in since from until till by during through throughout before after early late mid mid- "
    "of last next this between around about circa for".split()
)
_ABBREVS = frozenset(
    """
    mr mrs ms dr prof st gen col lt sgt capt gov sen rep jr sr inc ltd co corp vs etc no u.s
    u.n e.g i.e approx est dept univ mt ft ave blvd rd jan feb mar apr jun jul aug sep sept oct
    nov dec a.m p.m maj adm cmdr brig rev hon fig
    """.split()
)
_NEWSPAPER_WORDS = frozenset(
    "Times Telegraph Express Mirror Post Herald Mail Star Tribune Independent Sport People "
    "Observer Review".split()
)
_DISTANCE_UNITS = frozenset(
    "km kilometers kilometres miles mile meters metres m feet ft knots cm mm".split()
)
_HOLIDAY_WEEKDAY_PRE = frozenset(
    "black good super cyber ash palm easter holy maundy bloody blue shrove manic".split()
)

# --------------------------------------------------------------------------------------------
# Regex building blocks
# --------------------------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTH_FULL = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
# only an abbreviation takes a dot: "Sept." / "Nov.25", but "... in November." ends a sentence
_MONTH_G = rf"(?P<mon>{_MONTH})(?:(?<=jan|feb|mar|apr|jun|jul|aug|sep|ept|oct|nov|dec)\.|\b)"
_WEEKDAY_FULL = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_WD_PREFIX = rf"(?:(?P<wd>{_WEEKDAY_FULL}|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\.?,?\s+)?"
_YEAR = r"(?P<year>(?:1[0-9]|20)[0-9]{2})(?![0-9])"
_NUMW = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[-\s](?:one|two|three|four|five|six|seven|eight|nine)\b)?"
    r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
    r"|(?:a|one)\s+hundred|(?:a|one)\s+thousand|hundred|thousand|a\s+dozen|dozen"
    r"|one|two|three|four|five|six|seven|eight|nine|ten)"
)
_FUZZY = (
    r"(?:a\s+few|a\s+couple(?:\s+of)?|couple\s+of|a\s+number\s+of|dozens\s+of|hundreds\s+of"
    r"|thousands\s+of|few|several|many|some)"
)
_QTY = (
    r"(?P<qty>[0-9]{1,3}(?:,[0-9]{3}){1,2}(?![0-9])|[0-9]{1,6}(?:\.[0-9]{1,3})?(?![0-9])"
    rf"|(?:{_FUZZY}|{_NUMW}|an?)\b)"
)
_UNIT = (
    r"(?P<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|fortnights?|months?"
    r"|years?|yrs?|decades?|century|centuries|millennium|millennia|millenniums)"
)
_MODPRE = (
    r"(?:(?P<mod>more\s+than|less\s+than|fewer\s+than|longer\s+than|just\s+over|well\s+over"
    r"|just\s+under|in\s+excess\s+of|upwards\s+of|close\s+to|at\s+least|at\s+most|up\s+to"
    r"|no\s+more\s+than|no\s+less\s+than|not\s+more\s+than|not\s+less\s+than|an\s+estimated"
    r"|over|under|nearly|almost|about|around|approximately|roughly|some|circa)\s+)?"
)
_AMPM = r"(?P<ap>[ap]\.\s?m\b\.?|[ap]m\b)"
_NOQ = r"(?<![\w.,:/$€£\-])"  # no number glued to the left

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

_PREV_TOKEN = re.compile(r"(\S+)\s*\Z")
_NEXT_WORD = re.compile(r"[^\S\n]*-?[^\S\n]*(%|[^\W\d_][\w'’]*)")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
_FULL_DATE = re.compile(r"(?:[0-9]{4}|XXXX)-[0-9]{2}-[0-9]{2}\Z")
_FUTURE_CUE = _c(
    r"\b(?:will|shall|won['’]t|is\s+due|are\s+due|due\s+to|scheduled|set\s+to|plans?\s+to"
    r"|planning\s+to|planned|expected\s+to|going\s+to|is\s+to|are\s+to|intends?\s+to"
    r"|to\s+be\s+held)\b|['’]ll\b"
)


def _prev_token(ctx: _Ctx, pos: int) -> str:
    m = _PREV_TOKEN.search(ctx.text, max(ctx.lo, pos - 40), pos)
    return m.group(1).casefold() if m else ""


def _prev_word(ctx: _Ctx, pos: int) -> str:
    return _prev_token(ctx, pos).strip("\"'“”‘’()[],;:")


def _next_word(ctx: _Ctx, pos: int) -> str:
    m = _NEXT_WORD.match(ctx.text, pos, min(ctx.hi, pos + 60))
    if not m:
        return ""
    return m.group(1).casefold().split("'")[0].split("’")[0]


def _counts_things(ctx: _Ctx, pos: int) -> bool:
    """True when the number ending at ``pos`` is followed by a counted noun or a percent."""
    if pos < ctx.hi and ctx.text[pos] == "%":
        return True
    word = _next_word(ctx, pos)
    return word in _COUNT_NOUNS or word.rstrip("s") in _COUNT_NOUNS


_CLAUSE_END = re.compile(r"[;!?\n]|\.(?=\s)")


def _future_cue(ctx: _Ctx, pos: int) -> bool:
    """Does the clause before ``pos`` speak of the future ("will meet on Friday")?"""
    window = ctx.text[max(ctx.lo, pos - 80) : pos]
    cut = 0
    for m in _CLAUSE_END.finditer(window):
        if m.group() == ".":
            w = _PREV_TOKEN.search(window, 0, m.start())
            word = w.group(1).casefold() if w else ""
            if word in _ABBREVS or (len(word) == 1 and word.isalpha()):
                continue
        cut = m.end()
    return _FUTURE_CUE.search(window, cut) is not None


def _month_num(token: str) -> int | None:
    return _MONTHS.get(token.casefold().rstrip("."))


def _month_ok_case(token: str, ctx: _Ctx, alone: bool) -> bool:
    """Lower-case "may"/"march" are usually verbs; a lone month must be capitalised."""
    if ctx.relaxed or not token:
        return True
    key = token.casefold()
    if alone:
        return token[0].isupper()
    if key in ("may", "mar", "march"):
        return token[0].isupper()
    return True


def _fmt_num(x: float) -> str:
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.3f}".rstrip("0").rstrip(".")


def _qty_value(raw: str) -> float | None:
    """Numeric value of a quantity phrase; None for vague ones ("several")."""
    k = _key(raw)
    if k in _FUZZY_QTY:
        return None
    if k in ("a", "an", "one"):
        return 1.0
    if k in ("a couple", "a couple of", "couple of"):
        return 2.0
    if k in ("a dozen", "dozen"):
        return 12.0
    if k in ("a hundred", "one hundred", "hundred"):
        return 100.0
    if k in ("a thousand", "one thousand", "thousand"):
        return 1000.0
    if k[:1].isdigit():
        try:
            return float(k.replace(",", ""))
        except ValueError:
            return None
    parts = k.replace("-", " ").split()
    if len(parts) == 1:
        n = _ONES.get(parts[0]) or _TENS.get(parts[0])
        return float(n) if n else None
    if len(parts) == 2 and parts[0] in _TENS and _ONES.get(parts[1], 99) < 10:
        return float(_TENS[parts[0]] + _ONES[parts[1]])
    return None


def _dur_value(q: float | None, unit: str) -> str | None:
    if unit == "fortnight":
        unit, q = "week", (None if q is None else q * 2)
    elif unit == "millennium":
        unit, q = "year", (None if q is None else q * 1000)
    code = _UNIT_CODE.get(unit)
    if code is None:
        return None
    return f"P{code[0]}{'X' if q is None else _fmt_num(q)}{code[1]}"


def _half_value(unit: str) -> str | None:
    table = {
        "second": "PT0.5S", "minute": "PT30S", "hour": "PT30M", "day": "PT12H",
        "week": "P0.5W", "fortnight": "P1W", "month": "P0.5M", "year": "P6M",
        "decade": "P5Y", "century": "P50Y", "millennium": "P500Y",
    }  # fmt: skip
    return table.get(unit)


def _fmt_year(y: int) -> str | None:
    return f"{y:04d}" if 1 <= y <= 9999 else None


def _week(d: date) -> str:
    iso = d.isocalendar()
    return f"{iso[0]:04d}-W{iso[1]:02d}"


def _shift_days(d: date, n: int) -> date | None:
    try:
        return d + timedelta(days=n)
    except OverflowError:
        return None


def _add_months(y: int, m: int, n: int) -> tuple[int, int]:
    t = y * 12 + (m - 1) + n
    return t // 12, t % 12 + 1


def _ym(y: int, m: int) -> str | None:
    return f"{y:04d}-{m:02d}" if 1 <= y <= 9999 else None


def _ref_word(sign: int) -> str:
    return "PAST_REF" if sign < 0 else "FUTURE_REF" if sign > 0 else "PRESENT_REF"


def _closest_day(ref: date, month: int, day: int, weekday: int | None = None) -> date | None:
    """The (year, month, day) nearest to ``ref``; ties go to the past (news convention)."""
    options: list[date] = []
    for y in (ref.year - 1, ref.year, ref.year + 1):
        try:
            options.append(date(y, month, day))
        except ValueError:
            continue
    if not options:  # 29 February: look a little further for a leap year
        for y in range(ref.year - 4, ref.year + 5):
            try:
                options.append(date(y, month, day))
            except ValueError:
                continue
    if weekday is not None:
        matching = [o for o in options if o.isoweekday() == weekday]
        options = matching or options
    if not options:
        return None
    return min(options, key=lambda o: (abs((o - ref).days), o > ref))


def _closest_month(ref: date, month: int) -> tuple[int, int]:
    here = ref.year * 12 + ref.month
    best = min(
        ((y, month) for y in (ref.year - 1, ref.year, ref.year + 1)),
        key=lambda ym: (abs(ym[0] * 12 + ym[1] - here), ym[0] * 12 + ym[1] > here),
    )
    return best


def _weekday_date(ref: date, wd: int, how: str) -> date | None:
    diff = ref.isoweekday() - wd
    if how == "last":
        return _shift_days(ref, -((diff % 7) or 7))
    if how == "next":
        return _shift_days(ref, (-diff) % 7 or 7)
    if how == "this":
        return _shift_days(ref, -diff)
    return _shift_days(ref, -(diff % 7))  # most recent on or before the reference


def _valid_day(y: int | None, m: int, d: int) -> bool:
    try:
        date(2000 if y is None else y, m, d)  # 2000 is a leap year
    except ValueError:
        return False
    return True


def _season_index(d: date) -> int:
    """Ordinal of the (northern-hemisphere) season containing ``d``: year*4 + SP/SU/FA/WI."""
    m = d.month
    if m in (1, 2):
        return (d.year - 1) * 4 + 3
    if m == 12:
        return d.year * 4 + 3
    return d.year * 4 + (m - 3) // 3


def _season_value(n: int) -> str | None:
    y = _fmt_year(n // 4)
    return f"{y}-{_SEASON_ORDER[n % 4]}" if y else None


_TOO_LONG_YEAR = re.compile(r"[0-9]{5}")


def _cand(
    m: re.Match[str],
    typ: str,
    value: str | None,
    mod: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> _Cand | None:
    if not value or _TOO_LONG_YEAR.match(value):
        return None
    s = m.start() if start is None else start
    e = m.end() if end is None else end
    if e <= s:
        return None
    return _Cand(s, e, typ, value, mod)


def _day_cand(
    m: re.Match[str],
    ctx: _Ctx,
    year: int | None,
    month: int,
    day: int,
    weekday: int | None,
    end: int | None = None,
) -> _Cand | None:
    if not _valid_day(year, month, day):
        return None
    if year is not None:
        return _cand(m, "DATE", date(year, month, day).isoformat(), end=end)
    if ctx.ref is None:
        return _cand(m, "DATE", f"XXXX-{month:02d}-{day:02d}", end=end)
    d = _closest_day(ctx.ref, month, day, weekday)
    return _cand(m, "DATE", d.isoformat() if d else None, end=end)


# --------------------------------------------------------------------------------------------
# Rule handlers (each returns one candidate or None)
# --------------------------------------------------------------------------------------------


def _h_iso(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    if not _valid_day(y, mo, d):
        return None
    day = date(y, mo, d).isoformat()
    if m["H"] is None:
        return _cand(m, "DATE", day)
    hh, mm = int(m["H"]), int(m["M"])
    if hh > 24 or mm > 59:
        return _cand(m, "DATE", day, end=m.end("d"))
    secs = f":{m['S']}" if m["S"] and int(m["S"]) < 60 else ""
    return _cand(m, "TIME", f"{day}T{hh:02d}:{mm:02d}{secs}")


def _h_numeric(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    a, b, sep, ys = int(m["a"]), int(m["b"]), m["sep"], m["y"]
    if len(ys) == 2:
        if sep != "/":
            return None
        yy = int(ys)
        pivot = (ctx.ref.year % 100 + 10) if ctx.ref else 40
        year = 2000 + yy if yy <= pivot else 1900 + yy
    else:
        year = int(ys)
        if not 1000 <= year <= 2099:
            return None
    if sep == ".":  # dotted dates are written day first
        day, month = a, b
    elif a > 12 >= b:
        day, month = a, b
    elif b > 12 >= a:
        day, month = b, a
    elif a == b:
        day = month = a
    else:
        return None  # 03/04/2020: ambiguous between day-first and month-first
    if not _valid_day(year, month, day):
        return None
    return _cand(m, "DATE", date(year, month, day).isoformat())


def _h_month_day(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    month = _month_num(m["mon"])
    if month is None or not _month_ok_case(m["mon"], ctx, alone=False):
        return None
    day = int(m["day"])
    wd = _WEEKDAYS.get(m["wd"].casefold()) if m["wd"] else None
    year = int(m["year"]) if m["year"] else None
    end: int | None = None
    if not ctx.relaxed:
        if year is not None and _counts_things(ctx, m.end("year")):
            year, end = None, m.end("dayfull")
        if year is None and _counts_things(ctx, m.end("dayfull")):
            return None
    return _day_cand(m, ctx, year, month, day, wd, end=end)


def _h_day_month(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    month = _month_num(m["mon"])
    if month is None or not _month_ok_case(m["mon"], ctx, alone=False):
        return None
    day = int(m["day"])
    if not m["wd"] and not ctx.relaxed and _month_num(_prev_word(ctx, m.start())) is not None:
        return None  # "Nov. 25 December": the day belongs to the month before it
    wd = _WEEKDAYS.get(m["wd"].casefold()) if m["wd"] else None
    year = int(m["year"]) if m["year"] else None
    end: int | None = None
    if not ctx.relaxed and year is not None and _counts_things(ctx, m.end("year")):
        year = None
        end = m.end("mon") + (1 if ctx.text.startswith(".", m.end("mon")) else 0)
    return _day_cand(m, ctx, year, month, day, wd, end=end)


def _h_ord_of_month(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    month = _month_num(m["mon"])
    day = _ORDINALS.get(_key(m["ord"]).replace(" ", "-"))
    if month is None or day is None or day > 31:
        return None
    year = int(m["year"]) if m["year"] else None
    return _day_cand(m, ctx, year, month, day, None)


def _h_month_year(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    month = _month_num(m["mon"])
    if month is None or not _month_ok_case(m["mon"], ctx, alone=False):
        return None
    if not ctx.relaxed and _counts_things(ctx, m.end("year")):
        return None
    return _cand(m, "DATE", _ym(int(m["year"]), month))


def _h_month_only(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    token = m["mon"]
    month = _month_num(token)
    if month is None or not _month_ok_case(token, ctx, alone=True):
        return None
    end = m.end()
    if not ctx.relaxed:
        prev = _prev_word(ctx, m.start())
        raw_prev = _prev_token(ctx, m.start())
        ok = prev in _MONTH_CONTEXT or raw_prev.endswith("mid-")
        if not ok and prev in ("and", "or", "to", "-", "–"):
            before = ctx.text[max(ctx.lo, m.start() - 30) : m.start()]
            ok = re.search(rf"\b{_MONTH}\b", before, _F) is not None
        if not ok:
            return None
    if ctx.ref is None:
        return _cand(m, "DATE", f"XXXX-{month:02d}", end=end)
    y, mo = _closest_month(ctx.ref, month)
    return _cand(m, "DATE", _ym(y, mo), end=end)


def _h_year(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    y = int(m["y"])
    if ctx.relaxed:
        return _cand(m, "DATE", f"{y:04d}")
    s = m.start()
    prev_char = ctx.text[s - 1] if s > ctx.lo else ""
    raw_prev = _prev_token(ctx, s)
    if prev_char in "-–":
        before = ctx.text[max(ctx.lo, s - 6) : s]
        if not (re.search(r"(?:1[0-9]|20)[0-9]{2}[-–]\Z", before) or raw_prev.endswith("mid-")):
            return None
    prev = _prev_word(ctx, s)
    if prev in _ID_WORDS or raw_prev.endswith(("$", "€", "£", "#")):
        return None
    if _counts_things(ctx, m.end()):
        return None
    if y < 1900 or prev in _QUANT_WORDS:
        if prev not in _YEAR_CONTEXT and not raw_prev.endswith("mid-"):
            return None
    after = ctx.text[m.end() : min(ctx.hi, m.end() + 3)]
    if re.match(r"\s*[x×]\s*[0-9]", after):
        return None
    return _cand(m, "DATE", f"{y:04d}")


def _h_year_phrase(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    return _cand(m, "DATE", m["year"])


def _h_decade(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    if m["y"]:
        return _cand(m, "DATE", m["y"])
    yy = int(m["yy"])
    limit = ctx.ref.year if ctx.ref else 2030
    full = 2000 + yy * 10
    return _cand(m, "DATE", str((full if full <= limit else 1900 + yy * 10) // 10))


def _h_century(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    n = int(m["n"]) if m["n"] else _ORDINALS.get(_key(m["w"]).replace(" ", "-"))
    if not n or not 1 <= n <= 21:
        return None
    return _cand(m, "DATE", f"{n - 1:02d}")


def _rel_year(ctx: _Ctx, rel: str | None, year: str | None) -> int | None:
    if year:
        return int(year)
    if ctx.ref is None:
        return None
    k = _key(rel or "the")
    return ctx.ref.year + (-1 if k == "last" else 1 if k == "next" else 0)


def _h_quarter(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    k = _key(m["q"])
    q = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
         "4th": 4, "final": 4, "last": 4}.get(k)  # fmt: skip
    has_year = bool(m["year"] or m["rel"] or m["y2"])
    if q is None or (k in ("final", "last") and not has_year):
        return None
    y = _rel_year(ctx, m["rel"], m["year"] or m["y2"])
    ys = _fmt_year(y) if y is not None else "XXXX"
    return _cand(m, "DATE", f"{ys}-Q{q}" if ys else None)


def _h_qn(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    if m.group()[0] != "Q" and not ctx.relaxed:
        return None
    y = _rel_year(ctx, None, m["year"])
    ys = _fmt_year(y) if y is not None else "XXXX"
    return _cand(m, "DATE", f"{ys}-Q{m['qn']}" if ys else None)


def _h_half(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    h = 1 if _key(m["h"]) in ("first", "1st") else 2
    y = _rel_year(ctx, m["rel"], m["year"])
    ys = _fmt_year(y) if y is not None else "XXXX"
    return _cand(m, "DATE", f"{ys}-H{h}" if ys else None)


def _h_season_year(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    return _cand(m, "DATE", f"{m['year']}-{_SEASONS[_key(m['s'])]}")


def _h_holiday(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    k = _key(m["h"]).replace("'", "")
    if k.startswith("christmas eve"):
        md = (12, 24)
    elif k.startswith("christmas"):
        md = (12, 25)
    elif k.startswith("new years eve"):
        md = (12, 31)
    elif k.startswith("new years"):
        md = (1, 1)
    elif k.startswith("halloween"):
        md = (10, 31)
    else:
        md = (2, 14)
    year = int(m["year"]) if m["year"] else None
    return _day_cand(m, ctx, year, md[0], md[1], None)


def _h_ago(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    unit_word = m["unit"].casefold()
    unit = _UNIT_ALIASES.get(unit_word)
    if unit is None:
        return None
    future = not _key(m["dir"]).startswith("ago")
    sign = 1 if future else -1
    dmod = _DUR_MODS.get(_key(m["mod"])) if m["mod"] else None
    mod = (_FUTURE_MODS if future else _AGO_MODS).get(dmod) if dmod else None
    if m["qty"] is None:
        if unit_word not in _PLURAL_UNITS:
            return None
        return _cand(m, "DATE", _ref_word(sign), mod)
    if _key(m["qty"]) in ("a", "an") and unit_word in _PLURAL_UNITS:
        return None
    q = _qty_value(m["qty"])
    return _shifted(m, ctx, q, unit, sign, mod, half=bool(m["half"]))


def _shifted(
    m: re.Match[str],
    ctx: _Ctx,
    q: float | None,
    unit: str,
    sign: int,
    mod: str | None,
    half: bool = False,
) -> _Cand | None:
    """The point ``q`` units before (sign -1) or after (+1) the reference."""
    ref = ctx.ref
    if q is None or ref is None:
        return _cand(m, "DATE", _ref_word(sign), mod)
    if q > 100000:
        return None
    if half and unit == "year":
        q, unit = q * 12 + 6, "month"
    n = int(q) if float(q).is_integer() else None
    if n is None:
        return _cand(m, "DATE", _ref_word(sign), mod)
    if unit in ("second", "minute", "hour"):
        if ctx.ref_dt is not None:
            delta = timedelta(**{unit + "s": n})
            try:
                t = ctx.ref_dt + sign * delta
            except OverflowError:
                return None
            return _cand(m, "TIME", f"{t.date().isoformat()}T{t:%H:%M}", mod)
        return _cand(m, "DATE", ref.isoformat(), mod)
    if unit == "day":
        d = _shift_days(ref, sign * n)
        return _cand(m, "DATE", d.isoformat() if d else None, mod)
    if unit in ("week", "fortnight"):
        d = _shift_days(ref, sign * n * (14 if unit == "fortnight" else 7))
        return _cand(m, "DATE", _week(d) if d else None, mod)
    if unit == "month":
        y, mo = _add_months(ref.year, ref.month, sign * n)
        return _cand(m, "DATE", _ym(y, mo), mod)
    years = {"year": 1, "decade": 10, "century": 100, "millennium": 1000}[unit] * n
    y = ref.year + sign * years
    if not 1 <= y <= 9999:
        return None
    if unit == "decade":
        return _cand(m, "DATE", f"{y // 10:03d}", mod)
    if unit in ("century", "millennium"):
        return _cand(m, "DATE", f"{y // 100:02d}", mod)
    return _cand(m, "DATE", f"{y:04d}", mod)


_SUPERLATIVE_BEFORE_IN = _c(
    r"\b(?:time|first|last|highest|lowest|biggest|largest|worst|best|most|least|record|ever|"
    r"once|twice|times|only|strongest|weakest|deadliest|fastest|slowest)\s*\Z"
)


def _h_in_future(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    unit_word = m["unit"].casefold()
    unit = _UNIT_ALIASES.get(unit_word)
    if unit is None:
        return None
    qk = _key(m["qty"])
    if qk in ("a", "an") and unit_word in _PLURAL_UNITS:
        return None
    q = _qty_value(m["qty"])
    dmod = _DUR_MODS.get(_key(m["mod"])) if m["mod"] else None
    inner = m.start("mod") if m["mod"] else m.start("qty")
    unit_end = m.end("unit")
    as_duration = unit in ("second", "minute", "hour")
    if not ctx.relaxed:
        if _SUPERLATIVE_BEFORE_IN.search(ctx.text, max(ctx.lo, m.start() - 30), m.start()):
            as_duration = True
    if as_duration:
        return _cand(m, "DURATION", _dur_value(q, unit), dmod, start=inner, end=unit_end)
    mod = _FUTURE_MODS.get(dmod) if dmod else None
    return _shifted(m, ctx, q, unit, 1, mod)


def _h_duration(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    unit_word = m["unit"].casefold()
    unit = _UNIT_ALIASES.get(unit_word)
    if unit is None:
        return None
    qk = _key(m["qty"])
    plural = unit_word in _PLURAL_UNITS
    q = _qty_value(m["qty"])
    if qk in ("a", "an") and plural:
        return None
    if qk in _FUZZY_QTY and not plural:
        return None
    if len(qk) > 1 and qk[0] == "0" and qk[1].isdigit():
        return None  # "0600 hours" is a clock time
    if unit == "second" and not plural and not qk[:1].isdigit():
        return None  # "a second time"
    half = bool(m["half"] or m["half2"])
    if half and q is not None:
        q += 0.5
    value = _dur_value(q, unit)
    mod = _DUR_MODS.get(_key(m["mod"])) if m["mod"] else None
    return _cand(m, "DURATION", value, mod)


def _h_half_unit(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    unit = _UNIT_ALIASES.get(m["unit"].casefold())
    if unit is None:
        return None
    mod = _DUR_MODS.get(_key(m["mod"])) if m["mod"] else None
    return _cand(m, "DURATION", _half_value(unit), mod)


def _h_span_duration(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    """ "the past three years", "the next few days", "the past year" """
    unit_word = m["unit"].casefold()
    unit = _UNIT_ALIASES.get(unit_word)
    if unit is None:
        return None
    direction = _key(m["dir"])
    plural = unit_word in _PLURAL_UNITS
    if m["qty"] is None:
        if m["the"] is None or direction not in ("past", "last", "next", "coming"):
            return None
        if unit_word in ("second", "sec", "min", "hr"):
            return None
        q: float | None = None if plural else 1.0
    else:
        qk = _key(m["qty"])
        if qk in ("a", "an"):
            return None
        q = _qty_value(m["qty"])
        if qk in _FUZZY_QTY and not plural:
            return None
    return _cand(m, "DURATION", _dur_value(q, unit))


def _h_for_units(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    unit = _UNIT_ALIASES.get(m["unit"].casefold())
    return _cand(m, "DURATION", _dur_value(None, unit) if unit else None)


def _h_every(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    u = _key(m["u"])
    if u in _WEEKDAYS:
        return _cand(m, "SET", f"XXXX-WXX-{_WEEKDAYS[u]}")
    if u == "weekend":
        return _cand(m, "SET", "XXXX-WXX-WE")
    if u in _PARTS:
        return _cand(m, "SET", f"XXXX-XX-XXT{_PARTS[u]}")
    if u in _MONTHS:
        if not _month_ok_case(m["u"], ctx, alone=True):
            return None
        return _cand(m, "SET", f"XXXX-{_MONTHS[u]:02d}")
    unit = _UNIT_ALIASES.get(u)
    if unit is None:
        return None
    plural = u in _PLURAL_UNITS
    if m["other"]:
        q: float | None = 2.0
    elif m["qty"]:
        q = _qty_value(m["qty"])
        if q is None or (q > 1 and not plural):
            return None
    else:
        if plural:
            return None
        q = 1.0
    return _cand(m, "SET", _dur_value(q, unit))


def _h_frequency(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    unit = _UNIT_ALIASES.get(m["unit"].casefold())
    if unit is None or m["unit"].casefold() in _PLURAL_UNITS:
        return None
    return _cand(m, "SET", _dur_value(1.0, unit))


_SET_ADVERBS = {
    "daily": "P1D", "weekly": "P1W", "monthly": "P1M", "yearly": "P1Y", "annually": "P1Y",
    "hourly": "PT1H", "nightly": "XXXX-XX-XXTNI", "quarterly": "P3M", "biweekly": "P2W",
    "bi-weekly": "P2W", "fortnightly": "P2W", "biannually": "P6M", "semi-annually": "P6M",
    "semiannually": "P6M", "per annum": "P1Y", "per day": "P1D", "per week": "P1W",
    "per month": "P1M", "per year": "P1Y",
}  # fmt: skip


def _h_set_adverb(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    word = m.group()
    if not ctx.relaxed and word[0].isupper():
        # "Daily Sabah", "China Daily", "Weekly Standard": part of a name
        nxt = _NEXT_WORD.match(ctx.text, m.end(), min(ctx.hi, m.end() + 40))
        prev = _prev_token(ctx, m.start())
        prev_raw = _PREV_TOKEN.search(ctx.text, max(ctx.lo, m.start() - 40), m.start())
        if nxt and nxt.group(1)[:1].isupper():
            return None
        if prev and prev_raw and prev_raw.group(1)[:1].isupper() and prev[-1:] not in '.!?:"”':
            return None
    return _cand(m, "SET", _SET_ADVERBS.get(_key(word)))


def _h_rate(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    """ "$5,000 a year", "200 cases per day", "three times a week": a rate is a SET."""
    prev = _prev_word(ctx, m.start())
    if not (prev[:1].isdigit() or prev[-1:].isdigit() or prev in _COUNT_NOUNS
            or prev.rstrip("s") in _COUNT_NOUNS or prev in _ONES or prev in _TENS):  # fmt: skip
        return None
    if prev in _DISTANCE_UNITS:
        return None  # "60 km per hour" is a speed
    unit = _UNIT_ALIASES.get(m["unit"].casefold())
    return _cand(m, "SET", _dur_value(1.0, unit) if unit else None)


def _h_weekends(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    return _cand(m, "SET", "XXXX-WXX-WE")


def _h_the_weekend(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    """ "over the weekend": the current weekend on Sat/Sun, else the last one (or the next one
    when the clause speaks of the future)."""
    ref = ctx.ref
    future = _future_cue(ctx, m.start())
    if ref is None:
        return _cand(m, "DATE", _ref_word(1 if future else -1))
    if ref.isoweekday() >= 6 or future:
        return _cand(m, "DATE", _week(ref) + "-WE")
    d = _shift_days(ref, -7)
    return _cand(m, "DATE", _week(d) + "-WE" if d else None)


def _rel_sign(rel: str) -> int:
    k = _key(rel)
    if k in ("last", "past", "previous", "this past"):
        return -1
    if k in ("next", "coming", "this coming"):
        return 1
    return 0


def _h_relative(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    """this/last/next + unit, weekday, month, season or part of day."""
    u_raw = m["u"]
    u = _key(u_raw)
    sign = _rel_sign(m["rel"])
    ref = ctx.ref
    if u in _MONTHS and not _month_ok_case(u_raw, ctx, alone=True):
        return None
    if u in _PARTS:
        if (u == "night" or u == "evening") and sign < 0:
            day = _shift_days(ref, -1) if ref else None
        elif sign == 0:
            day = ref
        else:
            return None  # "next morning": relative to some other event
        if ref is None:
            return _cand(m, "TIME", _ref_word(sign))
        return _cand(m, "TIME", f"{day.isoformat()}T{_PARTS[u]}" if day else None)
    if ref is None:
        return _cand(m, "DATE", _ref_word(sign))
    value: str | None
    if u in ("week", "weekend"):
        d = _shift_days(ref, 7 * sign)
        value = (_week(d) + ("-WE" if u == "weekend" else "")) if d else None
    elif u == "month":
        value = _ym(*_add_months(ref.year, ref.month, sign))
    elif u == "year":
        value = _fmt_year(ref.year + sign)
    elif u == "quarter":
        t = ref.year * 4 + (ref.month - 1) // 3 + sign
        value = f"{t // 4:04d}-Q{t % 4 + 1}"
    elif u == "decade":
        value = f"{ref.year // 10 + sign:03d}"
    elif u == "century":
        value = f"{ref.year // 100 + sign:02d}"
    elif u in _SEASONS:
        code = _SEASON_ORDER.index(_SEASONS[u])
        cur = _season_index(ref)
        if sign == 0:
            y = ref.year - 1 if code == 3 and ref.month <= 2 else ref.year
            value = _season_value(y * 4 + code)
        elif sign < 0:
            n = cur - 1
            while n % 4 != code:
                n -= 1
            value = _season_value(n)
        else:
            n = cur + 1
            while n % 4 != code:
                n += 1
            value = _season_value(n)
    elif u in _WEEKDAYS:
        how = "last" if sign < 0 else "next" if sign > 0 else "this"
        d = _weekday_date(ref, _WEEKDAYS[u], how)
        value = d.isoformat() if d else None
    elif u in _MONTHS:
        mo = _MONTHS[u]
        if sign == 0:
            y = ref.year
        elif sign < 0:
            y = ref.year if mo < ref.month else ref.year - 1
        else:
            y = ref.year if mo > ref.month else ref.year + 1
        value = _ym(y, mo)
    else:
        return None
    return _cand(m, "DATE", value)


def _h_period_edge(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    """ "the end of the year" -> this year, mod END."""
    mod = {"beginning": "START", "start": "START", "middle": "MID", "end": "END",
           "close": "END"}[_key(m["k"])]  # fmt: skip
    u = _key(m["u"])
    ref = ctx.ref
    if ref is None:
        return _cand(m, "DATE", "PRESENT_REF", mod)
    value = {
        "week": _week(ref),
        "month": _ym(ref.year, ref.month),
        "year": _fmt_year(ref.year),
        "decade": f"{ref.year // 10:03d}",
        "century": f"{ref.year // 100:02d}",
    }.get(u)
    return _cand(m, "DATE", value, mod)


def _h_deictic(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    w = _key(m["w"])
    ref = ctx.ref
    if w in ("now", "right now", "currently", "at present", "nowadays", "at the moment"):
        return _cand(m, "DATE", "PRESENT_REF")
    if w in ("recently", "lately", "the past") or w.startswith("recent "):
        return _cand(m, "DATE", "PAST_REF")
    if w.endswith("future"):
        return _cand(m, "DATE", "FUTURE_REF")
    if w == "today" and not ctx.relaxed and m.group()[0] == "T":
        raw = _PREV_TOKEN.search(ctx.text, max(ctx.lo, m.start() - 40), m.start())
        if raw and raw.group(1)[:1].isupper() and raw.group(1)[-1:] not in '.!?:"”,':
            return None  # "USA Today", "Russia Today"
    if w in ("today", "earlier today", "later today"):
        return _cand(m, "DATE", ref.isoformat() if ref else "PRESENT_REF")
    if w == "tonight":
        return _cand(m, "TIME", f"{ref.isoformat()}TNI" if ref else "PRESENT_REF")
    offsets = {"yesterday": -1, "tomorrow": 1, "the day before yesterday": -2,
               "the day after tomorrow": 2}  # fmt: skip
    parts = w.split()
    base = w if w in offsets else parts[0]
    off = offsets.get(base)
    if off is None:
        return None
    part = _PARTS.get(parts[-1]) if base != w else None
    if ref is None:
        return _cand(m, "TIME" if part else "DATE", _ref_word(off))
    d = _shift_days(ref, off)
    if d is None:
        return None
    if part:
        return _cand(m, "TIME", f"{d.isoformat()}T{part}")
    return _cand(m, "DATE", d.isoformat())


def _h_weekday(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    wd = _WEEKDAYS[_key(m["wd"])]
    if m["pl"]:
        return _cand(m, "SET", f"XXXX-WXX-{wd}", end=m.end("pl"))
    if not ctx.relaxed:
        if _prev_word(ctx, m.start()) in _HOLIDAY_WEEKDAY_PRE:
            return None
        nxt = _NEXT_WORD.match(ctx.text, m.end(), min(ctx.hi, m.end() + 40))
        if nxt and nxt.group(1) in _NEWSPAPER_WORDS:
            return None
    part = _PARTS.get(_key(m["part"])) if m["part"] else None
    if ctx.ref is None:
        base = f"XXXX-WXX-{wd}"
    else:
        how = "next" if _future_cue(ctx, m.start()) else "recent"
        d = _weekday_date(ctx.ref, wd, how)
        if d is None:
            return None
        base = d.isoformat()
    if part:
        return _cand(m, "TIME", f"{base}T{part}")
    return _cand(m, "DATE", base)


_ORD_FOLLOW = frozenset(
    "at and when in as before after but or while with during until till by".split()
)


def _h_the_nth(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    day = int(m["day"])
    if not 1 <= day <= 31:
        return None
    if not ctx.relaxed:
        if _prev_word(ctx, m.start()) not in ("on", "by", "until", "till", "since", "from"):
            return None
        rest = ctx.text[m.end() : min(ctx.hi, m.end() + 2)].lstrip(" \t")
        if rest and rest[0].isalnum() and _next_word(ctx, m.end()) not in _ORD_FOLLOW:
            return None
    ref = ctx.ref
    if ref is None:
        return _cand(m, "DATE", f"XXXX-XX-{day:02d}")
    options: list[date] = []
    for k in (-1, 0, 1):
        y, mo = _add_months(ref.year, ref.month, k)
        if 1 <= y <= 9999 and _valid_day(y, mo, day):
            options.append(date(y, mo, day))
    if not options:
        return None
    best = min(options, key=lambda o: (abs((o - ref).days), o > ref))
    return _cand(m, "DATE", best.isoformat())


def _h_clock(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    """15:30, 3:30 p.m., 00:00 hours, 10.30am"""
    h, mi = int(m["h"]), int(m["m"])
    sec = m["s"]
    ap = m["ap"]
    if m["sep"] == "." and not ap:
        return None
    if ap:
        if not 1 <= h <= 12:
            return None
        h = (h % 12) + (12 if ap[0] in "pP" else 0)
    if h > 24 or (h == 24 and mi):
        return None
    value = f"T{h:02d}:{mi:02d}" + (f":{sec}" if sec else "")
    c = _cand(m, "TIME", value)
    if c:
        c.anchor = True
    return c


def _h_ampm(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    h = int(m["h"])
    if not 1 <= h <= 12:
        return None
    h = (h % 12) + (12 if m["ap"][0] in "pP" else 0)
    c = _cand(m, "TIME", f"T{h:02d}:00")
    if c:
        c.anchor = True
    return c


def _h_oclock(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    raw = _key(m["h"])
    h = int(raw) if raw.isdigit() else _ONES.get(raw)
    if h is None or not 1 <= h <= 12:
        return None
    c = _cand(m, "TIME", f"T{h:02d}:00")
    if c:
        c.anchor = True
    return c


def _h_named_time(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    w = _key(m["w"])
    c = _cand(m, "TIME", "T00:00" if w == "midnight" else "T12:00")
    if c:
        c.anchor = True
    return c


def _h_military(m: re.Match[str], ctx: _Ctx) -> _Cand | None:
    c = _cand(m, "TIME", f"T{m['h'] or m['h2']}:{m['m'] or m['m2']}")
    if c:
        c.anchor = True
    return c


# --------------------------------------------------------------------------------------------
# Rule table (earlier rules win ties between equally long spans)
# --------------------------------------------------------------------------------------------

_RULES: list[tuple[re.Pattern[str], _Handler]] = [
    (
        _c(
            r"(?<![\w\-/.])(?P<y>[0-9]{4})(?P<s1>[-/])(?P<m>[0-9]{2})(?P=s1)(?P<d>[0-9]{2})"
            r"(?:[T\s](?P<H>[0-9]{2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?)?(?![0-9])"
        ),
        _h_iso,
    ),
    (
        _c(
            r"(?<![\w\-/.,])(?P<a>[0-9]{1,2})(?P<sep>[/.\-])(?P<b>[0-9]{1,2})(?P=sep)"
            r"(?P<y>[0-9]{4}|[0-9]{2})(?![0-9]|[/.\-][0-9])"
        ),
        _h_numeric,
    ),
    (
        _c(
            rf"\b{_WD_PREFIX}{_MONTH_G}\s*(?P<dayfull>(?P<day>[0-3]?[0-9])(?:st|nd|rd|th)?)"
            rf"(?![0-9])\b(?!:[0-9]|[.,][0-9])(?:(?:,\s*|\s+)(?:of\s+)?{_YEAR})?"
        ),
        _h_month_day,
    ),
    (
        _c(
            rf"(?<![\w.,:/$€£\-]){_WD_PREFIX}(?:the\s+)?(?P<dayfull>(?P<day>[0-3]?[0-9])"
            rf"(?:st|nd|rd|th)?)(?:\s+of)?\s+{_MONTH_G}(?:,?\s*{_YEAR})?"
        ),
        _h_day_month,
    ),
    (
        _c(
            rf"\b(?:the\s+)?(?P<ord>(?:twenty|thirty)[-\s](?:first|second|third|fourth|fifth|sixth"
            rf"|seventh|eighth|ninth)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
            rf"|tenth|eleventh|twelfth"
            rf"|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth"
            rf"|twentieth|thirtieth)\s+of\s+{_MONTH_G}(?:,?\s*{_YEAR})?"
        ),
        _h_ord_of_month,
    ),
    (_c(rf"\b{_MONTH_G},?\s*(?:of\s+)?{_YEAR}"), _h_month_year),
    (
        _c(
            r"\b(?P<h>christmas\s+eve|christmas\s+day|christmas|new\s+year['’]?s\s+eve"
            r"|new\s+year['’]?s\s+day|new\s+year['’]s|halloween|valentine['’]?s\s+day)"
            rf"(?:,?\s+{_YEAR})?(?!\w)"
        ),
        _h_holiday,
    ),
    (
        _c(
            r"\b(?:the\s+)?(?P<q>first|second|third|fourth|final|last|1st|2nd|3rd|4th)\s+quarter"
            rf"(?:\s+of\s+(?:the\s+year\s+)?(?:{_YEAR}|(?P<rel>the|this|last|next)\s+year)"
            r"|,?\s+(?P<y2>(?:1[0-9]|20)[0-9]{2})(?![0-9]))?\b"
        ),
        _h_quarter,
    ),
    (_c(rf"\bQ(?P<qn>[1-4])(?:\s*[-/]?\s*{_YEAR})?\b"), _h_qn),
    (
        _c(
            r"\b(?:the\s+)?(?P<h>first|second|1st|2nd)\s+half\s+of\s+"
            rf"(?:(?:the\s+year\s+)?{_YEAR}|(?P<rel>the|this|last|next)\s+year)"
        ),
        _h_half,
    ),
    (
        _c(rf"\b(?:the\s+)?(?P<s>spring|summer|autumn|fall|winter)(?:\s+of)?,?\s+{_YEAR}"),
        _h_season_year,
    ),
    (
        _c(
            r"\b(?:(?P<n>[0-9]{1,2})(?:st|nd|rd|th)|(?P<w>(?:twenty[-\s])?first|second|third"
            r"|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth"
            r"|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth))"
            r"[-\s]+century\b"
        ),
        _h_century,
    ),
    (
        _c(
            r"(?<![\w$€£#/.,:+])(?P<y>1[0-9]{2}|20[0-9])0['’]?s\b"
            r"|(?<!\w)['’](?P<yy>[0-9])0s\b"
        ),
        _h_decade,
    ),
    (_c(rf"\bthe\s+year\s+{_YEAR}"), _h_year_phrase),
    (
        _c(
            rf"{_NOQ}{_MODPRE}(?:{_QTY}(?P<half>\s+and\s+a\s+half)?\s+)?{_UNIT}\s+"
            r"(?P<dir>ago|from\s+now|hence)\b"
        ),
        _h_ago,
    ),
    (
        _c(rf"\bin\s+{_MODPRE}{_QTY}\s+{_UNIT}\b(?:['’]s?\s+time\b)?(?!\s+(?:ago|of|old)\b)"),
        _h_in_future,
    ),
    (
        _c(
            r"\b(?P<the>the\s+)?(?P<dir>past|last|next|coming|previous|first|final|following"
            rf"|preceding|remaining|ensuing)\s+(?:{_QTY}\s+)?{_UNIT}\b"
        ),
        _h_span_duration,
    ),
    (_c(r"\b(?:a|an|per)\s+(?P<unit>hour|day|week|month|year)\b"), _h_rate),
    (
        _c(
            rf"{_NOQ}{_MODPRE}{_QTY}(?P<half>\s+and\s+a\s+half)?(?:\s+|\s*-\s*){_UNIT}"
            r"(?P<half2>\s+and\s+a\s+half)?(?:-long)?\b(?![-\s]*old\b)"
        ),
        _h_duration,
    ),
    (_c(rf"\b{_MODPRE}half\s+an?\s+{_UNIT}\b"), _h_half_unit),
    (_c(r"(?<=\bfor\s)(?P<unit>hours|days|weeks|months|years|decades|centuries)\b"), _h_for_units),
    (
        _c(
            rf"\b(?:every|each)\s+(?:(?P<other>other|second)\s+|{_QTY}\s+)?(?P<u>seconds?|minutes?"
            r"|hours?|days?|weeks?|fortnights?|months?|years?|decades?|century|centuries"
            rf"|{_WEEKDAY_FULL}|weekend|morning|afternoon|evening|night|{_MONTH_FULL})\b"
        ),
        _h_every,
    ),
    (
        _c(
            r"\b(?:once|twice|thrice|(?:[0-9]{1,3}|" + _NUMW + r")\s+times)\s+(?:a|an|per|each|"
            r"every)\s+(?P<unit>second|minute|hour|day|week|fortnight|month|year|decade)\b"
        ),
        _h_frequency,
    ),
    (
        _c(
            r"\b(?:daily|weekly|monthly|yearly|annually|hourly|nightly|quarterly|bi-?weekly"
            r"|fortnightly|biannually|semi-?annually|per\s+(?:annum|day|week|month|year))\b"
        ),
        _h_set_adverb,
    ),
    (_c(r"\b(?<=on\s)weekends\b"), _h_weekends),
    (_c(r"\bthe\s+weekend\b"), _h_the_weekend),
    (
        _c(
            r"\b(?:(?P<ew>earlier|later)\s+)?(?P<rel>this\s+past|this\s+coming|this|last|next"
            r"|past|previous|coming|current)\s+(?P<u>weekend|week|month|year|quarter|decade"
            r"|century|spring|summer|autumn|fall|winter|morning|afternoon|evening|night"
            rf"|{_WEEKDAY_FULL}|{_MONTH_FULL})\b"
        ),
        _h_relative,
    ),
    (
        _c(
            r"\bthe\s+(?:very\s+)?(?P<k>beginning|start|middle|end|close)\s+of\s+the\s+"
            r"(?P<u>week|month|year|decade|century)\b"
        ),
        _h_period_edge,
    ),
    (
        _c(
            r"\b(?P<w>the\s+day\s+before\s+yesterday|the\s+day\s+after\s+tomorrow"
            r"|(?:yesterday|tomorrow)(?:\s+(?:morning|afternoon|evening|night))?"
            r"|(?:earlier|later)\s+today|today|tonight|right\s+now|now|currently|at\s+present"
            r"|nowadays|at\s+the\s+moment|recently|lately"
            r"|the\s+(?:near\s+|distant\s+|foreseeable\s+)?future|the\s+past"
            r"|recent\s+(?:days|weeks|months|years|decades))\b"
        ),
        _h_deictic,
    ),
    (
        _c(
            rf"\b(?P<wd>{_WEEKDAY_FULL})(?P<pl>s)?\b(?:\s+(?P<part>morning|afternoon|evening"
            r"|night)\b)?"
        ),
        _h_weekday,
    ),
    (_c(r"\bthe\s+(?P<day>[0-3]?[0-9])(?:st|nd|rd|th)\b"), _h_the_nth),
    (
        _c(
            r"(?<![\w:.,/])(?P<h>[01]?[0-9]|2[0-4])(?P<sep>[:.])(?P<m>[0-5][0-9])"
            r"(?::(?P<s>[0-5][0-9]))?(?![0-9]|[:.][0-9])"
            rf"(?:\s*{_AMPM})?(?:\s*(?:hours|hrs)\b)?"
        ),
        _h_clock,
    ),
    (_c(rf"(?<![\w:.,/$€£])(?P<h>1[0-2]|0?[1-9])\s*{_AMPM}"), _h_ampm),
    (
        _c(
            r"\b(?P<h>1[0-2]|0?[1-9]|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
            r"|twelve)\s+o['’]clock\b"
        ),
        _h_oclock,
    ),
    (_c(r"\b(?:12\s+)?(?P<w>noon|midday|midnight)\b"), _h_named_time),
    (
        _c(
            r"(?<![\w:.,/])(?P<h>[01][0-9]|2[0-3])(?P<m>[0-5][0-9])(?=\s*(?:GMT|UTC|Z)\b)"
            r"|(?<![\w:.,/])(?P<h2>0[0-9])(?P<m2>[0-5][0-9])\s+(?:hours|hrs)\b"
        ),
        _h_military,
    ),
    (_c(rf"\b{_MONTH_G}"), _h_month_only),
    (_c(r"(?<![\w$€£#/.,:+])(?P<y>1[0-9]{3}|20[0-9]{2})(?![\w%]|[.,:][0-9])"), _h_year),
]

# --------------------------------------------------------------------------------------------
# Extending matches leftwards with modifiers ("early 1990s", "the end of November")
# --------------------------------------------------------------------------------------------

_PRE_DATE_MOD = _c(
    r"(?:\b(?:the\s+)?(?:very\s+)?(?P<k1>early|late|mid)(?:\s*-\s*|\s+)"
    r"|\bthe\s+(?:very\s+)?(?P<k2>beginning|start|middle|end|close)\s+of\s+(?:the\s+)?"
    r"|\b(?P<k3>around|circa|approximately|roughly)\s+|\bc\.\s*)\Z"
)
_PRE_THE = _c(r"\bthe\s+\Z")
_EDGE_MODS = {"early": "START", "beginning": "START", "start": "START", "mid": "MID",
              "middle": "MID", "late": "END", "end": "END", "close": "END"}  # fmt: skip
_DECADE_OR_CENTURY = re.compile(r"[0-9]{2,3}\Z")
_MODIFIABLE = re.compile(
    r"(?:[0-9]{2,4}|XXXX)(?:-(?:[0-9]{2}|W[0-9]{2}|Q[1-4]|H[12]|SP|SU|FA|WI)"
    r"(?:-(?:[0-9]{2}|WE))?)?(?:T(?:MO|AF|EV|NI|[0-9:]+))?\Z"
)


def _extend(c: _Cand, ctx: _Ctx) -> None:
    if c.type not in ("DATE", "TIME") or c.mod is not None or not _MODIFIABLE.match(c.value):
        return
    lo = max(ctx.lo, c.start - 40)
    m = _PRE_DATE_MOD.search(ctx.text, lo, c.start)
    if m:
        if m["k3"] or not (m["k1"] or m["k2"]):
            c.mod = "APPROX"
        else:
            c.mod = _EDGE_MODS[_key(m["k1"] or m["k2"])]
        if c.type == "TIME" and c.mod != "APPROX" and c.anchor:
            c.mod = None  # "late 3 p.m." is not a thing; leave the time alone
            return
        c.start = m.start()
        return
    if _DECADE_OR_CENTURY.match(c.value) and not ctx.text.startswith("the", c.start):
        m = _PRE_THE.search(ctx.text, lo, c.start)
        if m:
            c.start = m.start()


# --------------------------------------------------------------------------------------------
# Scanning, selection, anchoring
# --------------------------------------------------------------------------------------------


def _scan(ctx: _Ctx) -> list[_Cand]:
    out: list[_Cand] = []
    for prio, (pattern, handler) in enumerate(_RULES):
        for m in pattern.finditer(ctx.text, ctx.lo, ctx.hi):
            if "\n" in m.group() and _BLANK_LINE.search(m.group()):
                continue
            try:
                c = handler(m, ctx)
            except (ValueError, OverflowError, KeyError, IndexError, TypeError, AttributeError):
                continue
            if c is None or not c.value:
                continue
            c.prio = prio
            _extend(c, ctx)
            if ctx.lo <= c.start < c.end <= ctx.hi:
                out.append(c)
    return out


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Longest spans first (then rule order); never two overlapping spans."""
    cands = sorted(cands, key=lambda c: (-(c.end - c.start), c.prio, c.start))
    starts: list[int] = []
    chosen: dict[int, _Cand] = {}
    for c in cands:
        i = bisect_right(starts, c.start)
        if i and chosen[starts[i - 1]].end > c.start:
            continue
        if i < len(starts) and starts[i] < c.end:
            continue
        insort(starts, c.start)
        chosen[c.start] = c
    return [chosen[s] for s in starts]


_SENT_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z])|\n")


def _sentence_bounds(text: str, mentions: list[_Cand]) -> list[int]:
    starts = [c.start for c in mentions]
    bounds: list[int] = []
    for m in _SENT_END.finditer(text):
        p = m.start()
        i = bisect_right(starts, p)
        if i and mentions[i - 1].end > p:
            continue  # the dot of "Sept." or "p.m." inside a mention
        if text[p] == ".":
            w = _PREV_TOKEN.search(text, max(0, p - 20), p)
            word = w.group(1).casefold().lstrip("(\"'“") if w else ""
            if word in _ABBREVS or (len(word) == 1 and word.isalpha()):
                continue
        bounds.append(m.end())
    return bounds


def _anchor(ctx: _Ctx, mentions: list[_Cand]) -> None:
    """Give bare times the date of the nearest full date in the same sentence, else the
    reference date."""
    if not any(c.anchor for c in mentions):
        return
    bounds = _sentence_bounds(ctx.text, mentions)
    starts = [c.start for c in mentions]
    fallback = ctx.ref.isoformat() if ctx.ref else "XXXX-XX-XX"
    for idx, c in enumerate(mentions):
        if not c.anchor:
            continue
        b = bisect_right(bounds, c.start)
        s0 = bounds[b - 1] if b else 0
        s1 = bounds[b] if b < len(bounds) else len(ctx.text)
        lo_i, hi_i = bisect_left(starts, s0), bisect_left(starts, s1)
        best: tuple[int, str] | None = None
        for j in range(max(lo_i, idx - 50), min(hi_i, idx + 51)):
            d = mentions[j]
            if j == idx or d.type != "DATE" or not _FULL_DATE.match(d.value):
                continue
            dist = c.start - d.end if d.end <= c.start else d.start - c.end
            if best is None or dist < best[0]:
                best = (dist, d.value)
        c.value = f"{best[1] if best else fallback}{c.value}"
        c.anchor = False


_TRIM_CHARS = " \t\r\n\"'“”‘’()[]{},;:!?"
_LEAD_WORDS = _c(r"(?:on|in|at|since|by|from|until|till|during|for|of|to|before|after|the)\s+")


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in _TRIM_CHARS:
        s += 1
    while e > s and text[e - 1] in _TRIM_CHARS:
        e -= 1
    return s, e


def _span_variants(text: str, s: int, e: int) -> list[tuple[int, int]]:
    s, e = _trim(text, s, e)
    out = [(s, e)]
    e2 = e
    if text.endswith(("'s", "’s"), s, e2):
        e2 -= 2
    if e2 > s and text[e2 - 1] == ".":
        e2 -= 1
    if e2 != e:
        out.append(_trim(text, s, e2))
    s2 = s
    for _ in range(2):
        m = _LEAD_WORDS.match(text, s2, e2)
        if not m:
            break
        s2 = m.end()
        out.append(_trim(text, s2, e))
        if e2 != e:
            out.append(_trim(text, s2, e2))
    return [(a, b) for a, b in out if b > a]


def _whole_span(
    text: str, ref: date | None, ref_dt: datetime | None, s: int, e: int
) -> _Cand | None:
    """One candidate covering a whole (trimmed) span, or None."""
    for a, b in _span_variants(text, s, e):
        if b - a > 200:
            continue
        ctx = _Ctx(text, ref, ref_dt, relaxed=True, lo=a, hi=b)
        best: _Cand | None = None
        for c in _scan(ctx):
            if c.start == a and c.end == b and (best is None or c.prio < best.prio):
                best = c
        if best is not None:
            return best
    return None


def _coerce_reference(reference: object) -> tuple[date | None, datetime | None]:
    if isinstance(reference, datetime):
        return reference.date(), reference
    if isinstance(reference, date):
        return reference, None
    if isinstance(reference, str):
        try:
            parsed = datetime.fromisoformat(reference.strip())
        except ValueError:
            return None, None
        if "T" in reference or ":" in reference:
            return parsed.date(), parsed
        return parsed.date(), None
    return None, None


def _type_of(value: str, typ: str) -> str:
    if typ == "DATE" and "T" in value and not value.endswith("_REF"):
        return "TIME"
    return typ


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------

_HINT_LABELS = frozenset({"DATE", "TIME", "DURATION", "SET"})


def _find(text: str, reference: object, hints: Iterable[tuple[int, int, str]]) -> list[DateMention]:
    ref, ref_dt = _coerce_reference(reference)
    ctx = _Ctx(text, ref, ref_dt, relaxed=False, lo=0, hi=len(text))
    cands = _scan(ctx)
    n_rules = len(_RULES)
    for hint in hints or ():
        try:
            s, e, label = int(hint[0]), int(hint[1]), str(hint[2]).upper()
        except (TypeError, ValueError, IndexError):
            continue
        if label not in _HINT_LABELS or not 0 <= s < e <= len(text):
            continue
        c = _whole_span(text, ref, ref_dt, s, e)
        if c is not None:
            c.prio += n_rules  # on an exact tie the tagger's own reading wins
            cands.append(c)
    chosen = _select(cands)
    _anchor(ctx, chosen)
    return [
        DateMention(text[c.start : c.end], _type_of(c.value, c.type), c.value, c.start, c.end,
                    c.mod)
        for c in chosen
    ]  # fmt: skip


def find_dates(
    text: str,
    reference: date | datetime | None,
    hints: Iterable[tuple[int, int, str]] = (),
) -> list[DateMention]:
    """Find date/time/duration/set expressions in `text` and normalise them relative to
    `reference` (the article's publication date; a datetime may carry a tzinfo).

    `hints` are candidate spans (start, end, label) from an NER model, label "DATE" or "TIME":
    they are normalised too and merged with the tagger's own matches (on overlap the longer
    normalisable span wins; mentions never overlap).  A span that cannot be normalised is
    dropped.  The result is sorted by start offset.  Never raises.
    """
    if not isinstance(text, str) or not text:
        return []
    try:
        return _find(text, reference, hints)
    except Exception:  # noqa: BLE001 - a tagger must never take the pipeline down
        return []


def normalise(
    expression: str, reference: date | datetime | None
) -> tuple[str, str, str | None] | None:
    """(type, value, mod) for one whole expression such as "Nov.25" or "more than 27 years
    ago", or None when it is not a (normalisable) temporal expression."""
    if not isinstance(expression, str) or not expression.strip():
        return None
    try:
        ref, ref_dt = _coerce_reference(reference)
        c = _whole_span(expression, ref, ref_dt, 0, len(expression))
        if c is None:
            return None
        if c.anchor:
            c.value = f"{ref.isoformat() if ref else 'XXXX-XX-XX'}{c.value}"
        return _type_of(c.value, c.type), c.value, c.mod
    except Exception:  # noqa: BLE001
        return None
