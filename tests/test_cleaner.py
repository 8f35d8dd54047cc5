"""The cleaner on small hand-written pages: text, metadata and their sources, dates."""

from __future__ import annotations

import json
from typing import Any

import pytest

from newsflow.ingest.cleaner import PageInput, clean, clean_batch, clean_page

from support.pages import PARAGRAPHS, article_page

URL = "https://news.example.org/world/light-rail"
STAMP = "2025-06-01T14:00:00+02:00"


def jsonld(**fields: Any) -> str:
    return ('<script type="application/ld+json">'
            + json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", **fields})
            + "</script>")


def page(head: str = "", **kw: Any) -> bytes:
    return article_page(head=head, **kw).encode()


# --- the defects: full timestamps cut to the day -------------------------------------------

@pytest.mark.parametrize("head, body", [
    (f'<meta property="article:published_time" content="{STAMP}">', ""),
    (jsonld(datePublished=STAMP), ""),
    ("", f'<p>Published <time datetime="{STAMP}">1 June 2025</time></p>'),
])
def test_a_full_timestamp_in_one_source_is_kept_whole(head: str, body: str) -> None:
    cleaned = clean_page(page(head, body_extra=body), URL)
    assert cleaned.date == STAMP


def test_tables_of_the_article_are_kept() -> None:
    rows = "".join(f"<tr><td>{team}</td><td>{points}</td></tr>" for team, points in
                   [("Riverside United", 81), ("Castlemere Rovers", 77), ("Millbrook Athletic", 70)])
    table = f"<table><tr><th>Team</th><th>Points</th></tr>{rows}</table>"
    cleaned = clean_page(page(body_extra=table), URL)
    assert "Castlemere Rovers" in cleaned.text and "77" in cleaned.text


def test_a_rejected_page_keeps_its_date() -> None:
    stub = article_page(paragraphs=["Short."],
                        head=f'<meta property="article:published_time" content="{STAMP}">')
    [result] = clean_batch([PageInput(stub.encode(), URL)])
    assert isinstance(result, dict) and result["not_article"] == "too_short"
    assert result["date"] == STAMP


# --- dates you can trust -------------------------------------------------------------------

def test_a_date_only_source_never_overrides_a_full_one_for_the_same_day() -> None:
    head = '<meta name="date" content="2025-06-01">' + jsonld(datePublished=STAMP)
    cleaned = clean_page(page(head), "https://news.example.org/2025/06/01/light-rail")
    assert cleaned.date == STAMP
    assert cleaned.sources["published"] == "jsonld"


def test_the_url_day_wins_over_a_timestamp_on_another_day() -> None:
    head = jsonld(datePublished="2025-05-03T09:00:00+02:00")
    cleaned = clean_page(page(head), "https://news.example.org/2025/06/01/light-rail")
    assert cleaned.date == "2025-06-01" and cleaned.sources["published"] == "url"


def test_a_utc_timestamp_is_given_in_the_pages_local_time() -> None:
    head = jsonld(datePublished="2025-06-02T01:30:00Z")
    body = '<p><time datetime="2025-06-01T18:30:00">1 June, 6.30pm</time></p>'
    cleaned = clean_page(page(head, body_extra=body), "https://news.example.org/2025/06/01/x")
    assert cleaned.date == "2025-06-01T18:30:00-07:00"


def test_future_and_prehistoric_dates_give_way_to_the_next_source() -> None:
    head = (jsonld(datePublished="2999-01-01T00:00:00Z")
            + '<meta property="article:published_time" content="1970-01-01T00:00:00Z">'
            + '<meta name="dc.date" content="2024-02-03">')
    assert clean_page(page(head), URL).date == "2024-02-03"


def test_published_and_modified_are_kept_apart() -> None:
    head = jsonld(datePublished=STAMP, dateModified="2025-06-02T08:00:00+02:00")
    cleaned = clean_page(page(head), URL)
    assert cleaned.date == STAMP
    assert cleaned.modified == "2025-06-02T08:00:00+02:00"
    assert cleaned.sources["modified"] == "jsonld"


def test_the_feed_gives_the_time_of_a_day_the_page_states() -> None:
    head = '<meta name="date" content="2025-06-01">'
    cleaned = clean(PageInput(page(head), URL, feed_published="2025-06-01T14:00:00+02:00"))
    assert cleaned.date == STAMP and cleaned.sources["published"] == "feed"


def test_dates_of_teasers_and_comments_are_not_the_articles() -> None:
    body = ('<aside><article><h2>Other story</h2><time pubdate datetime="2025-07-09">9 July'
            '</time></article></aside><div class="comments"><time datetime="2025-07-10T10:00:00Z">'
            'x</time></div>')
    head = '<meta name="date" content="2025-06-01">'
    assert clean_page(page(head, body_extra=body), URL).date == "2025-06-01"


# --- metadata and where it came from -------------------------------------------------------

def test_each_field_comes_from_the_best_signal_and_says_which() -> None:
    head = (jsonld(headline="Light rail to the north", author=[{"@type": "Person",
                                                               "name": "Ana Ruiz"},
                                                              {"@type": "Person",
                                                               "name": "Tom Hale"}],
                   keywords="transport, Millbrook", articleSection="Local",
                   image={"@type": "ImageObject", "url": "/img/tram.jpg"},
                   publisher={"@type": "Organization", "name": "Millbrook Gazette"})
            + '<meta property="og:description" content="The council votes yes.">'
            + '<link rel="canonical" href="/world/light-rail">')
    cleaned = clean_page(page(head), URL + "?utm_source=feed")
    assert cleaned.title == "Light rail to the north"
    assert cleaned.authors == ["Ana Ruiz", "Tom Hale"]
    assert cleaned.description == "The council votes yes."
    assert cleaned.canonical_url == URL
    assert cleaned.image == "https://news.example.org/img/tram.jpg"
    assert cleaned.tags == ["transport", "Millbrook"] and cleaned.section == "Local"
    assert cleaned.site_name == "Millbrook Gazette"
    assert cleaned.language == "en"
    assert cleaned.sources == {
        "title": "jsonld", "authors": "jsonld", "description": "meta", "canonical_url": "link",
        "image": "jsonld", "tags": "jsonld", "section": "jsonld", "site_name": "jsonld",
        "text": "text", "language": "text"}


def test_the_markup_fills_what_no_metadata_states() -> None:
    byline = '<p class="byline">By Ana Ruiz</p>'
    cleaned = clean_page(page(byline=byline), URL)
    assert cleaned.title and "Millbrook approves light rail extension" in cleaned.title
    assert cleaned.authors == ["Ana Ruiz"]
    assert cleaned.sources["title"] == "html" and cleaned.sources["authors"] == "html"


def test_paragraph_breaks_are_kept() -> None:
    cleaned = clean_page(page(), URL)
    assert [p for p in cleaned.text.split("\n") if p.strip()][-3:] == PARAGRAPHS


def test_text_marked_not_free_is_partial() -> None:
    long_page = page(jsonld(isAccessibleForFree="False"), paragraphs=PARAGRAPHS * 3)
    assert clean_page(long_page, URL).partial


def test_text_shorter_than_the_feeds_summary_is_partial() -> None:
    summary = "<p>" + " ".join(PARAGRAPHS * 3) + "</p>"
    assert clean(PageInput(page(), URL, feed_summary=summary)).partial
    assert not clean(PageInput(page(), URL, feed_summary=PARAGRAPHS[0])).partial


def test_a_thin_extraction_falls_back_to_the_jsonld_body() -> None:
    body = "\n\n".join(PARAGRAPHS * 4)
    thin = article_page(paragraphs=["The council voted on Tuesday evening to extend the light "
                                    "rail line. More soon."], head=jsonld(articleBody=body))
    cleaned = clean_page(thin.encode(), URL)
    assert cleaned.sources["text"] == "jsonld" and PARAGRAPHS[2] in cleaned.text
