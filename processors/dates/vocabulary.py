"""Words of time: months, weekdays, numbers, units, modifiers, and words that rule a number out."""

from __future__ import annotations

MONTHS: dict[str, int] = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
WEEKDAYS: dict[str, int] = {
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
    "sunday": 7, "mon": 1, "tue": 2, "tues": 2, "wed": 3, "thu": 4, "thur": 4, "thurs": 4,
    "fri": 5, "sat": 6, "sun": 7,
}  # fmt: skip
ONES: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
ORDINALS.update(
    {
        f"{tens_word}-{word}": tens + n
        for tens_word, tens in (("twenty", 20), ("thirty", 30))
        for word, n in list(ORDINALS.items())[:9]
        if tens + n <= 31
    }
)
FUZZY_QTY = {
    "a few", "few", "several", "many", "some", "dozens of", "hundreds of", "thousands of",
    "a number of",
}  # fmt: skip
PARTS = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "tonight": "NI"}
SEASONS = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}
SEASON_ORDER = ["SP", "SU", "FA", "WI"]

# canonical unit -> (time designator, TIMEX3 unit code)
UNIT_CODE: dict[str, tuple[str, str]] = {
    "second": ("T", "S"), "minute": ("T", "M"), "hour": ("T", "H"), "day": ("", "D"),
    "week": ("", "W"), "month": ("", "M"), "quarter": ("", "Q"), "year": ("", "Y"),
    "decade": ("", "DE"),
    "century": ("", "CE"),
}  # fmt: skip
UNIT_ALIASES: dict[str, str] = {
    "second": "second", "seconds": "second", "sec": "second", "secs": "second",
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "day": "day", "days": "day",
    "week": "week", "weeks": "week", "fortnight": "fortnight", "fortnights": "fortnight",
    "month": "month", "months": "month", "quarter": "quarter", "quarters": "quarter",
    "year": "year", "years": "year", "yr": "year",
    "yrs": "year", "decade": "decade", "decades": "decade", "century": "century",
    "centuries": "century", "millennium": "millennium", "millennia": "millennium",
    "millenniums": "millennium",
}  # fmt: skip
PLURAL_UNITS = {
    "seconds", "secs", "minutes", "mins", "hours", "hrs", "days", "weeks", "fortnights",
    "months", "quarters", "years", "yrs", "decades", "centuries", "millennia", "millenniums",
}  # fmt: skip

DUR_MODS: dict[str, str] = {
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
AGO_MODS = {
    "MORE_THAN": "BEFORE", "LESS_THAN": "AFTER", "APPROX": "APPROX",
    "EQUAL_OR_MORE": "ON_OR_BEFORE", "EQUAL_OR_LESS": "ON_OR_AFTER",
}  # fmt: skip
FUTURE_MODS = {
    "MORE_THAN": "AFTER", "LESS_THAN": "BEFORE", "APPROX": "APPROX",
    "EQUAL_OR_MORE": "ON_OR_AFTER", "EQUAL_OR_LESS": "ON_OR_BEFORE",
}  # fmt: skip

# nouns that, right after a number, show it counts things rather than naming a year or a day
COUNT_NOUNS = frozenset(
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
ID_WORDS = frozenset(
    """
    no no. nos number resolution room flight route article paragraph para clause law decree
    order code id model vol vol. volume page p. pp. highway interstate suite box unit apartment
    apt apt. platform gate chapter section sec. item rule bus train tel tel. phone fax channel
    version v v. iso bill lot exit cf. uss hr sb ab ref ref. tag serial squad regiment brigade
    battalion division corps usd eur gbp azn rub try amd rs rs. inr us$ cny jpy
    """.split()
)
QUANT_WORDS = frozenset(
    "than least nearly almost some over approximately roughly total estimated additional "
    "another extra only just".split()
)
YEAR_CONTEXT = frozenset(
    "in since from until till by during before after circa c. around year years between of "
    "early late mid mid- summer winter spring autumn fall and to through".split()
)
MONTH_CONTEXT = frozenset(
    "in since from until till by during through throughout before after early late mid mid- "
    "of last next this between around about circa for".split()
)
ABBREVS = frozenset(
    """
    mr mrs ms dr prof st gen col lt sgt capt gov sen rep jr sr inc ltd co corp vs etc no u.s
    u.n e.g i.e approx est dept univ mt ft ave blvd rd jan feb mar apr jun jul aug sep sept oct
    nov dec a.m p.m maj adm cmdr brig rev hon fig
    """.split()
)
NEWSPAPER_WORDS = frozenset(
    "Times Telegraph Express Mirror Post Herald Mail Star Tribune Independent Sport People "
    "Observer Review".split()
)
DISTANCE_UNITS = frozenset(
    "km kilometers kilometres miles mile meters metres m feet ft knots cm mm".split()
)
HOLIDAY_WEEKDAY_PRE = frozenset(
    "black good super cyber ash palm easter holy maundy bloody blue shrove manic".split()
)
