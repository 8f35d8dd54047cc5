"""The tagger's scan skips a rule when the text lacks what every match of it contains, and
tries a rule's pattern only where a match of it can begin: neither may change what is found."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest

from newsflow.demo.newsgen import generate
from newsflow.processors.dates import find_dates, prefilters, rules, selection
from newsflow.processors.dates.context import Ctx

PHRASES = [
    "on the twenty-first of March, 2021", "the fifth of may", "Christmas Eve 2019",
    "New Year's Day", "Valentine's Day", "Q3 2020", "the first half of 2021",
    "summer of 2019", "the 19th century", "the twenty-first century", "the 1990s", "'80s",
    "the year 1999", "three years ago", "two days from now", "in two weeks' time",
    "for months", "every other week", "twice a month", "3 times per year", "bi-weekly",
    "semi-annually", "per annum", "on weekends", "the weekend", "the end of the month",
    "at 5 o’clock", "at midnight", "1430 GMT", "0600 hours", "half an hour",
    "12/05/2020", "the year-earlier quarter", "the latest quarter", "the past six months",
    "İstanbul, three years ago", "a day earlier", "the first 100 days",
]


def corpus() -> list[str]:
    tree = ast.parse((Path(__file__).parent / "test_dates.py").read_text(encoding="utf-8"))
    literals = [n.value for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.strip()]
    return [generate(7, i).text for i in range(12)] + literals + PHRASES


TEXTS = corpus()


def test_every_match_holds_what_its_rule_requires() -> None:
    checked = 0
    for text in TEXTS:
        for pattern, handler in rules.RULES:
            required = prefilters.REQUIRES.get(handler)
            if required is None:
                continue
            for m in pattern.finditer(text):
                around = text[max(0, m.start() - selection.LOOKBEHIND):m.end() + 16]
                assert required.search(around.casefold()), (handler.__name__, m.group())
                checked += 1
    assert checked > 100


def test_every_match_begins_where_its_rule_is_tried() -> None:
    checked = 0
    for text in TEXTS:
        folded = text.casefold()
        for pattern, handler in rules.RULES:
            starts = prefilters.STARTS.get(handler)
            if starts is None or len(folded) != len(text):
                continue
            begins = {s.start() for s in starts.finditer(folded)}
            for m in pattern.finditer(text):
                assert m.start() in begins, (handler.__name__, m.group())
                checked += 1
    assert checked > 1000


def test_a_rule_begins_with_letters_and_digits_only() -> None:
    # The scan looks each run of letters and digits up once, which holds only if what a
    # rule begins with never reaches past the run.
    prefix = "(?<![a-z0-9])(?:"
    for handler, pattern in prefilters.STARTS.items():
        assert pattern.pattern.startswith(prefix) and pattern.pattern.endswith(")"), handler
        for word in pattern.pattern[len(prefix):-1].split("|"):
            assert re.fullmatch(r"[a-z]+|[0-9]+|\[[0-9]-[0-9]\]", word), (handler.__name__, word)


def test_the_scan_tries_a_rule_at_each_run_that_can_begin_it() -> None:
    text = "Mayors met on 3 May; the 1990s. Annual talks, twice a year."
    low = text.casefold()
    index = selection.begin_index(low, 0, 0)
    for handler, pattern in prefilters.STARTS.items():
        assert index.get(handler, []) == [m.start() for m in pattern.finditer(low)], handler


def candidates(text: str) -> list[tuple[object, ...]]:
    ctx = Ctx(text, date(2020, 11, 25), None, relaxed=False, lo=0, hi=len(text))
    return [(c.start, c.end, c.type, c.value, c.mod, c.prio) for c in selection.scan(ctx)]


def test_skipping_finds_what_trying_every_rule_everywhere_finds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    skipping = [candidates(t) for t in TEXTS]
    found = [find_dates(t, date(2020, 11, 25)) for t in TEXTS]
    monkeypatch.setattr(selection, "REQUIRES", {})
    monkeypatch.setattr(selection, "STARTS", {})
    assert [candidates(t) for t in TEXTS] == skipping
    assert [find_dates(t, date(2020, 11, 25)) for t in TEXTS] == found
    assert sum(map(len, skipping)) > 100
