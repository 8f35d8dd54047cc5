"""The generated news articles: deterministic, sized like real pages, varied, and extractable."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import time
from datetime import datetime

import feedparser
import httpx

from newsflow.demo.farm import FeedFarm
from newsflow.demo.newsgen import PAGE_KB, WORDS, generate
from newsflow.ingest.cleaner import clean_page

SAMPLE = [generate(seed, index, base_url="http://news.test") for seed in (0, 7) for index in range(15)]


def _digest(seed: int, index: int) -> str:
    a = generate(seed, index, base_url="http://news.test")
    return hashlib.sha256((a.html + a.text + a.title).encode()).hexdigest()


def test_same_seed_and_index_give_the_same_article_in_another_process() -> None:
    code = ("from newsflow.demo.newsgen import generate; import hashlib; "
            "a = generate(7, 3, base_url='http://news.test'); "
            "print(hashlib.sha256((a.html + a.text + a.title).encode()).hexdigest())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == _digest(7, 3)
    assert _digest(7, 3) != _digest(7, 4)


def test_pages_and_texts_have_the_sizes_of_real_news() -> None:
    for a in SAMPLE:
        assert WORDS[0] <= a.words <= WORDS[1] + 150, a.words  # the last paragraph may overrun
        assert PAGE_KB[0] * 1024 <= len(a.html.encode()) <= (PAGE_KB[1] + 10) * 1024
    kb = sorted(len(a.html) // 1024 for a in SAMPLE)
    assert kb[-1] - kb[0] > 30, "page sizes vary"


def test_articles_vary_in_topic_cast_and_wording() -> None:
    assert len({a.title for a in SAMPLE}) == len(SAMPLE)
    assert len({a.section for a in SAMPLE}) >= 5
    first_paragraphs = {a.text.split("\n\n")[0] for a in SAMPLE}
    assert len(first_paragraphs) == len(SAMPLE)


def test_text_carries_dates_in_many_forms() -> None:
    text = "\n".join(a.text for a in SAMPLE)
    forms = {
        "iso": r"\b20\d\d-\d\d-\d\d\b",
        "month day, year": r"\b(January|March|June|October) \d{1,2}, 20\d\d\b",
        "day month year": r"\b\d{1,2} (January|March|June|October) 20\d\d\b",
        "relative": r"\b(yesterday|last week|next month|earlier this year|tomorrow)\b",
        "weekday": r"\b(last|next|on) (Monday|Tuesday|Wednesday|Thursday|Friday)\b",
        "duration": r"\b(\d+|two|three|four|five|six) (days|weeks|months|years)\b",
        "time of day": r"\b\d{1,2}(:\d\d)? (a\.m\.|p\.m\.)",
    }
    missing = [name for name, pattern in forms.items() if not re.search(pattern, text)]
    assert not missing


def test_the_cleaner_extracts_the_article_and_leaves_the_page_around_it() -> None:
    for a in SAMPLE[:6]:
        page = clean_page(a.html.encode(), a.url)
        for para in a.text.split("\n\n"):
            assert para in page.text
        assert "Reply" not in page.text and "Advertisement" not in page.text
        assert page.title == a.title
        assert page.canonical_url == a.url
        assert page.date == a.published.isoformat(), "the full timestamp, with its offset"
        assert len(page.text.split()) < a.words * 1.2


def test_the_farm_serves_generated_articles_behind_its_feeds() -> None:
    with FeedFarm(feeds=2, items=3) as farm:
        feed = feedparser.parse(httpx.get(farm.feed_urls[1]).content)
        assert len(feed.entries) == 3
        entry = feed.entries[0]
        article = farm.article(1, 2)
        assert entry.link == article.url == f"{farm.base_url}/a/1/2.html"
        assert entry.title == article.title
        assert entry.summary == article.summary
        assert datetime(*entry.published_parsed[:6]) == article.published.replace(tzinfo=None, second=0)
        page = httpx.get(entry.link)
        assert page.status_code == 200 and page.text == article.html


def test_with_a_rate_the_farm_publishes_over_time_and_feeds_list_the_newest() -> None:
    with FeedFarm(feeds=2, items=6, window=3, rate=0.5) as farm:
        assert farm.released() == 0
        assert feedparser.parse(httpx.get(farm.feed_urls[0]).content).entries == []
        farm.release(at=time.time() - 21.0)  # 10 articles out: items 0-4 of each feed
        assert farm.released() == 10
        assert farm.listed(0) == farm.listed(1) == range(2, 5)
        entries = feedparser.parse(httpx.get(farm.feed_urls[1]).content).entries
        assert [e.link for e in entries] == [farm.article(1, i).url for i in (4, 3, 2)]
        first = feedparser.parse(httpx.get(farm.feed_urls[1] + "?first=4").content).entries
        assert len(first) == 4
        farm.release(at=time.time() - 1000)
        assert farm.released() == 12, "no more than items per feed"
        assert farm.listed(1) == range(3, 6)


def test_listing_a_feed_makes_headlines_not_articles() -> None:
    with FeedFarm(feeds=1, items=20) as farm:
        feed = feedparser.parse(httpx.get(farm.feed_urls[0]).content)
        assert len(feed.entries) == 20
        assert farm._article.cache_info().currsize == 0, "no article text made for a feed"
        assert feed.entries[-1].title == farm.article(0, 0).title
