"""Realistic generated news articles: a seeded, deterministic function of ``(seed, index)``.

Each article is a story of 400–1,200 words about people, organisations and places, with
dates in many forms (absolute, relative, weekdays, durations, times of day) coherent with
its publication date, so that entity recognition and date tagging do real work. Its page
(:mod:`newsflow.demo.newspage`) wraps the text in 60–150 KB of HTML: navigation, inline
styles and scripts, ad slots, related links, comments and a footer, as real news sites do.

    from newsflow.demo.newsgen import generate

    article = generate(seed=3, index=17, base_url="http://127.0.0.1:8080")
    article.title, article.summary, article.published  # what a feed item carries
    article.text                                       # the plain article text
    article.html                                       # the whole page (built on first use)
    article.url_path                                   # "/a/3/17.html"

The same ``(seed, index)`` gives the same article in every process and on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from newsflow.demo import vocabulary as V

__all__ = ["BASE_DATE", "GeneratedArticle", "Story", "generate", "published_at"]

BASE_DATE = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
WORDS = (400, 1200)
PAGE_KB = (60, 150)

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
NUMBER_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve"]
ORDINALS = ["second", "third", "fourth", "fifth", "sixth"]


def rng_for(*parts: object) -> random.Random:
    """A generator seeded by its parts: the same in every process (str seeds are stable)."""
    return random.Random(":".join(str(p) for p in parts))


def published_at(seed: int, index: int) -> datetime:
    """The default publication time of article ``index`` of ``seed``: spread over months."""
    return BASE_DATE + timedelta(hours=seed * 7 + index * 13, minutes=(seed * 31 + index * 17) % 60)


@dataclass(slots=True)
class _Person:
    full: str
    last: str
    role: str
    org: str


def _ordinal_day(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


class Dates:
    """Date and time expressions around a reference time, in the forms news text uses."""

    def __init__(self, r: random.Random, ref: datetime) -> None:
        self.r, self.ref = r, ref

    def absolute(self, when: datetime) -> str:
        m, d, y = MONTHS[when.month - 1], when.day, when.year
        same_year = y == self.ref.year
        forms = [f"{m} {d}", f"{d} {m}", f"the {_ordinal_day(d)} of {m}"] if same_year else []
        forms += [f"{m} {d}, {y}", f"{d} {m} {y}", f"{m[:3]}. {d}, {y}", when.strftime("%Y-%m-%d"),
                  f"{WEEKDAYS[when.weekday()]}, {m} {d}, {y}"]
        return self.r.choice(forms)

    def past_day(self) -> datetime:
        return self.ref - timedelta(days=self.r.choice([2, 5, 9, 16, 30, 45, 80, 130, 250, 400, 700]))

    def future_day(self) -> datetime:
        return self.ref + timedelta(days=self.r.choice([3, 8, 12, 20, 35, 60, 95, 150, 240, 420]))

    def when_past(self) -> str:
        r, ref = self.r, self.ref
        n = r.randint(2, 6)
        day = ref - timedelta(days=r.randint(2, 6))
        last_month = MONTHS[(ref.month - 2) % 12]
        return r.choice([
            "yesterday", "earlier today", "this morning", f"on {WEEKDAYS[day.weekday()]}",
            f"last {WEEKDAYS[r.randrange(7)]}", "last week", f"{NUMBER_WORDS[n - 2]} days ago",
            f"{n} weeks ago", "earlier this month", "last month", f"in {last_month}",
            "earlier this year", "last year", f"on {self.absolute(self.past_day())}",
            f"in {MONTHS[self.past_day().month - 1]} {self.past_day().year}",
            f"late on {WEEKDAYS[day.weekday()]} night", "over the weekend",
        ])

    def when_future(self) -> str:
        r, ref = self.r, self.ref
        n = r.randint(2, 9)
        return r.choice([
            "tomorrow", f"next {WEEKDAYS[r.randrange(7)]}", "next week", f"in {n} days",
            f"within {NUMBER_WORDS[n - 2]} weeks", "later this month", "next month",
            f"by the end of {MONTHS[(ref.month + r.randint(0, 4)) % 12]}", "next year",
            f"by {self.absolute(self.future_day())}", "before the end of the year",
            f"in the {r.choice(['first', 'second', 'third', 'fourth'])} quarter of {ref.year + 1}",
            f"next {r.choice(['spring', 'summer', 'autumn', 'winter'])}", "in the coming weeks",
            f"on {self.absolute(self.future_day())}", f"early in {ref.year + 1}",
        ])

    def duration(self) -> str:
        r = self.r
        return r.choice([
            f"{r.choice(NUMBER_WORDS)} years", f"{r.randint(13, 30)} months", "two decades",
            f"{r.choice(NUMBER_WORDS[:6])} weeks", "48 hours", "a decade", f"{r.randint(3, 20)} days",
            "half a century", "a fortnight", f"{r.choice(NUMBER_WORDS[:4])} months", "a year",
        ])

    def time(self) -> str:
        r = self.r
        h, m = r.randint(1, 11), r.choice(["00", "15", "30", "45"])
        return r.choice([f"{h}:{m} a.m.", f"{h}:{m} p.m.", f"{h} p.m.", f"{h + 12}:{m}", "noon",
                         "midnight", f"{h}.{m}am", f"{h + 12}:{m} local time"])


class _Slots(dict[str, str]):
    """Values for one sentence's ``{slots}``, drawn as the template asks for them."""

    def __init__(self, story: Story) -> None:
        super().__init__()
        self.story = story
        self.person: _Person | None = None
        self.org = ""

    def __missing__(self, key: str) -> str:
        s, r, dates = self.story, self.story.r, self.story.dates
        if key[0].isupper() and key.lower() != key:
            value = self.__missing__(key[0].lower() + key[1:])
            return value[0].upper() + value[1:]
        if key == "full":
            self.person = s.pick_person()
            return s.mention(self.person)
        if key == "last":
            self.person = self.person or s.pick_person()
            return self.person.last
        if key == "role":
            return (self.person or s.pick_person()).role
        if key == "org":
            self.org = self.person.org if self.person else s.main_org
            return self.org
        simple: dict[str, Any] = {
            "org2": lambda: r.choice([o for o in s.orgs if o != self.org]),
            "city": lambda: s.city, "country": lambda: s.country,
            "city2": lambda: r.choice(V.PLACES)[0],
            "subject": lambda: s.subject, "event": lambda: s.event,
            "when_past": dates.when_past, "when_future": dates.when_future,
            "date_past": lambda: dates.absolute(dates.past_day()),
            "date_future": lambda: dates.absolute(dates.future_day()),
            "weekday": lambda: WEEKDAYS[r.randrange(7)], "duration": dates.duration,
            "time": dates.time, "money": s.money, "money2": s.money,
            "percent": s.percent, "percent2": s.percent,
            "number": lambda: f"{r.randint(2, 900) * r.choice([1, 10, 100]):,}",
            "year_past": lambda: str(s.published.year - r.randint(2, 30)),
            "month": lambda: MONTHS[(s.published.month - 2) % 12],
            "ordinal": lambda: r.choice(ORDINALS),
            "consequence": lambda: r.choice(V.CONSEQUENCES),
        }
        return str(simple[key]())


class Story:
    """The cast and text of one article; all choices come from ``r``."""

    def __init__(self, r: random.Random, published: datetime) -> None:
        self.r, self.published = r, published
        self.dates = Dates(r, published)
        self.section = r.choice(list(V.SECTIONS))
        topic = V.SECTIONS[self.section]
        self.subject, self.event = r.choice(topic["subjects"]), r.choice(topic["events"])
        self.city, self.country = r.choice(V.PLACES)
        sector = self.section if self.section in V.COMPANIES else r.choice(list(V.COMPANIES))
        self.orgs = r.sample(V.COMPANIES[sector], 2) + r.sample(V.INSTITUTIONS, 3)
        self.main_org = self.orgs[0] if r.random() < 0.5 else self.orgs[2]
        self.cast = [self._person() for _ in range(r.randint(3, 6))]
        self.mentioned: set[str] = set()
        self.authors = [f"{r.choice(V.GIVEN)} {r.choice(V.SURNAMES)}" for _ in range(r.randint(1, 2))]
        self.title = self.fill(r.choice(V.HEADLINES))
        self.summary = self.fill(r.choice(V.STANDFIRSTS))
        self.mentioned.clear()  # the headline and standfirst do not count as first mentions

    def _person(self) -> _Person:
        r = self.r
        given, last = r.choice(V.GIVEN), r.choice(V.SURNAMES)
        return _Person(f"{given} {last}", last, r.choice(V.ROLES), r.choice(self.orgs))

    def pick_person(self) -> _Person:
        return self.r.choice(self.cast)

    def mention(self, person: _Person) -> str:
        if person.full in self.mentioned and self.r.random() < 0.6:
            return person.last
        self.mentioned.add(person.full)
        return person.full

    def money(self) -> str:
        r = self.r
        amount = r.choice([f"{r.randint(2, 950)} million", f"{r.randint(1, 9)}.{r.randint(1, 9)} billion",
                           f"{r.randint(20, 900)},000"])
        return r.choice([f"\u20ac{amount}", f"${amount}", f"\u00a3{amount}", f"{amount} euros",
                         f"{amount} dollars"])

    def percent(self) -> str:
        r = self.r
        value = r.choice([str(r.randint(2, 60)), f"{r.randint(1, 9)}.{r.randint(1, 9)}"])
        return r.choice([f"{value}%", f"{value} per cent", f"{value} percent"])

    def fill(self, template: str) -> str:
        text = template.format_map(_Slots(self))
        return text[0].upper() + text[1:]

    def paragraphs(self, words: int) -> list[str]:
        r = self.r
        pools = {"lead": V.LEAD, "quote": V.QUOTES, "background": V.BACKGROUND,
                 "figures": V.FIGURES, "reaction": V.REACTION, "outlook": V.OUTLOOK}
        paras: list[str] = []
        count, k = 0, 0
        while count < words:
            kind = V.PARAGRAPH_PLAN[k] if k < len(V.PARAGRAPH_PLAN) else r.choice(V.PARAGRAPH_PLAN[1:])
            k += 1
            sentences = r.sample(pools[kind], min(len(pools[kind]), r.randint(2, 4)))
            para = " ".join(self.fill(s) for s in sentences)
            if not paras and r.random() < 0.6:
                when = self.published
                para = f"{self.city.upper()}, {MONTHS[when.month - 1][:3]}. {when.day} \u2014 {para}"
            paras.append(para)
            count += len(para.split())
        return paras


@dataclass(frozen=True, slots=False)
class GeneratedArticle:
    """One generated article: what its feed item says, its text and (lazily) its page."""

    seed: int
    index: int
    base_url: str
    title: str
    summary: str
    published: datetime
    section: str
    authors: tuple[str, ...]
    text: str
    page_kb: int = field(repr=False)

    @property
    def url_path(self) -> str:
        return article_path(self.seed, self.index)

    @property
    def url(self) -> str:
        return f"{self.base_url}{self.url_path}"

    @property
    def words(self) -> int:
        return len(self.text.split())

    @cached_property
    def html(self) -> str:
        from newsflow.demo.newspage import render_page

        return render_page(self, rng_for("page", self.seed, self.index), self.page_kb * 1024)


def generate(seed: int, index: int, *, base_url: str = "", published: datetime | None = None,
             words: tuple[int, int] = WORDS, page_kb: tuple[int, int] = PAGE_KB) -> GeneratedArticle:
    """Article ``index`` of ``seed``: deterministic; ``base_url`` prefixes its absolute links."""
    r = rng_for("story", seed, index)
    when = published or published_at(seed, index)
    story = Story(r, when)
    paras = story.paragraphs(r.randint(*words))
    return GeneratedArticle(
        seed=seed, index=index, base_url=base_url.rstrip("/"), title=story.title,
        summary=story.summary, published=when, section=story.section,
        authors=tuple(story.authors), text="\n\n".join(paras), page_kb=r.randint(*page_kb),
    )


def article_path(seed: int, index: int) -> str:
    return f"/a/{seed}/{index}.html"


@dataclass(frozen=True, slots=True)
class FeedItem:
    """What a feed lists for one article."""

    url: str
    title: str
    summary: str
    published: datetime


def feed_item(seed: int, index: int, *, base_url: str = "",
              published: datetime | None = None) -> FeedItem:
    """The feed item of :func:`generate`'s article, without making its text: a feed that lists
    twenty articles costs twenty headlines, not twenty articles."""
    when = published or published_at(seed, index)
    story = Story(rng_for("story", seed, index), when)
    return FeedItem(f"{base_url.rstrip('/')}{article_path(seed, index)}", story.title,
                    story.summary, when)


def headline(r: random.Random, published: datetime) -> tuple[str, str]:
    """A headline and standfirst of some other article (for related links and teasers)."""
    story = Story(r, published)
    return story.title, story.summary
