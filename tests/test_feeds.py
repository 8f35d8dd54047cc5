"""Feed parsing (RSS, Atom, RDF, JSON Feed), the poll schedule, and which items become links."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import orjson
import pytest

from newsflow.ingest import schedule
from newsflow.ingest.feeds import FeedItem, FeedParseError, ParsedFeed, parse_feed
from newsflow.ingest.poller import new_links
from newsflow.ingest.schedule import cache_hint, next_interval
from newsflow.schemas import FeedSpec, FeedState, article_id, feed_id

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "feeds"


def offset(item: FeedItem) -> timedelta | None:
    assert item.published is not None, f"{item.link} has no date"
    return item.published.utcoffset()


def by_title(feed: ParsedFeed) -> dict[str, FeedItem]:
    return {item.title or "": item for item in feed.items}


# --- the four formats ---------------------------------------------------------------------------


def test_rss20() -> None:
    feed = parse_feed((FEEDS / "rss20.xml").read_bytes(), "https://news.example.org/feeds/main.xml")
    assert feed.kind == "rss20"
    assert feed.title == "Example News — Main"
    assert feed.ttl_s == 15 * 60, "RSS ttl is in minutes"
    assert [i.link for i in feed.items] == [
        "https://news.example.org/2025/06/10/tram-line?utm_source=rss&utm_medium=feed",
        "https://news.example.org/2025/06/09/harbour",  # "/2025/06/09/harbour"
        "https://news.example.org/feeds/stories/bridge.html",  # "stories/bridge.html"
        "https://news.example.org/2025/06/07/guid-only",  # no <link>, URL guid
    ], "relative links resolve against the feed URL; the item with no URL at all is skipped"
    tram, harbour, bridge, guid_only = feed.items
    assert tram.title == "Council approves the new tram line"
    assert tram.summary == "The city council voted 31 to 12 in favour."
    assert tram.published == datetime(2025, 6, 10, 7, 30, tzinfo=UTC)
    assert offset(tram) == timedelta(hours=2), "the feed's own offset is kept"
    assert offset(bridge) == timedelta(hours=-5)
    assert offset(harbour) == timedelta(0)
    assert tram.authors == ("Jane Doe",), "name from 'email (Name)'"
    assert harbour.authors == ("John Smith",), "dc:creator"
    assert bridge.authors == ()
    assert tram.guid == "news-2025-0610-tram"
    assert guid_only.guid == guid_only.link


def test_atom10() -> None:
    feed = parse_feed((FEEDS / "atom10.xml").read_bytes(), "https://science.example.net/atom.xml")
    assert feed.kind == "atom10"
    assert feed.title == "Example Science Desk"
    items = by_title(feed)
    assert set(items) == {
        "Telescope finds a cold exoplanet", "Relative alternate link", "No link, URL id"
    }, "an entry whose id is a URN and that has no link is skipped"
    planet = items["Telescope finds a cold exoplanet"]
    assert planet.link == "https://science.example.net/posts/exoplanet"
    assert planet.authors == ("Ada Lovelace", "Grace Hopper")
    assert planet.summary == "A planet colder than Neptune, 40 light years away."
    assert planet.published == datetime(2025, 6, 10, 14, 30, tzinfo=UTC), "published wins"
    assert offset(planet) == timedelta(hours=-5)
    relative = items["Relative alternate link"]
    assert relative.link == "https://science.example.net/posts/relative-entry"
    assert offset(relative) == timedelta(hours=9), "updated is used when there is no published"
    assert relative.authors == ("Katherine Johnson",)
    assert items["No link, URL id"].link == "https://science.example.net/posts/id-only"
    assert all(item.link.startswith("https://") for item in feed.items)


def test_rdf() -> None:
    feed = parse_feed((FEEDS / "rdf.xml").read_bytes(), "https://tech.example.jp/index.rdf")
    assert feed.kind == "rss10"
    assert feed.title == "Example Tech (RSS 1.0)"
    chips, robots = feed.items
    assert chips.link == "https://tech.example.jp/articles/chips"
    assert chips.authors == ("Hiro Tanaka",)
    assert chips.published == datetime(2025, 6, 10, 0, 30, tzinfo=UTC)
    assert offset(chips) == timedelta(hours=9)
    assert robots.link == "https://tech.example.jp/robots-full.html"


def test_json_feed() -> None:
    body = (FEEDS / "jsonfeed11.json").read_bytes()
    feed = parse_feed(body, "https://sports.example.com/feed.json", "application/feed+json")
    assert feed.kind == "json"
    assert feed.title == "Example Sports (JSON Feed)"
    assert [i.link for i in feed.items] == [
        "https://sports.example.com/matches/3",
        "https://sports.example.com/matches/2",
        "https://sports.example.com/matches/1",
    ], "relative url resolved, URL id used, item with neither skipped"
    derby, relative, id_only = feed.items
    assert derby.title == "Late goal decides the derby"
    assert derby.summary == "A header in the 94th minute."
    assert derby.authors == ("Priya Patel", "Sam Lee")
    assert derby.guid == "match-3"
    assert offset(derby) == timedelta(hours=5, minutes=30)
    assert derby.published == datetime(2025, 6, 10, 16, 15, tzinfo=UTC)
    assert relative.authors == ("Old Style Author",), "JSON Feed 1.0 'author'"
    assert offset(relative) == timedelta(0)
    assert offset(id_only) == timedelta(hours=-3), "date_modified when there is no date_published"
    # Without a content type, a JSON body is still recognised.
    assert parse_feed(body, "https://sports.example.com/feed.json").items == feed.items


def test_latin1_rss_with_declared_encoding() -> None:
    body = (FEEDS / "latin1.xml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # the fixture really is not UTF-8
    feed = parse_feed(body, "https://journal.example.ch/rss.xml")
    assert feed.title == "Le Journal de Genève - édition française"
    (item,) = feed.items
    assert item.title == "Fête de l'été à Zürich : déjà 10 000 visiteurs"
    assert item.summary == "Un succès « énorme », selon les organisateurs. Prix : 5 £."
    assert item.authors == ("Zoé Müller",)
    assert item.link == "https://journal.example.ch/articles/fête-été"


@pytest.mark.parametrize("encoding", ["windows-1252", "koi8-r", "shift_jis", "utf-16"])
def test_other_declared_encodings(encoding: str) -> None:
    titles = {"windows-1252": "Café « crème » – 5 €", "koi8-r": "Новости дня",
              "shift_jis": "東京の天気予報", "utf-16": "Ελληνικά και 中文"}
    title = titles[encoding]
    text = (f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
            f"<title>{title}</title><item><title>{title}</title>"
            "<link>https://example.com/a</link></item></channel></rss>")
    feed = parse_feed(text.encode(encoding), "https://example.com/feed")
    assert feed.title == title
    assert [(i.title, i.link) for i in feed.items] == [(title, "https://example.com/a")]


def test_charset_from_content_type() -> None:
    body = ('<rss version="2.0"><channel><title>Ñandú</title><item><title>Año</title>'
            "<link>https://example.com/n</link></item></channel></rss>").encode("iso-8859-1")
    feed = parse_feed(body, "https://example.com/feed", "application/rss+xml; charset=ISO-8859-1")
    assert feed.title == "Ñandú"
    assert feed.items[0].title == "Año"


# --- what is not a feed --------------------------------------------------------------------------

NOT_FEEDS = {
    "empty": (b"", "", "empty"),
    "whitespace": (b" \r\n\t ", "", "empty"),
    "garbage": (b"\x00\x01\x02garbage\xff\xfe not xml at all", "", "not a feed"),
    "plain text": (b"Service temporarily unavailable", "text/plain", "not a feed"),
    "html page": (
        b"<!DOCTYPE html><html><head><title>Welcome</title></head>"
        b"<body><h1>Our news</h1><a href='/a'>a story</a></body></html>",
        "text/html; charset=utf-8",
        "not a feed",
    ),
    "html page, no content type": (
        b"<html><head><title>Welcome</title></head><body><p>hello</p></body></html>", "",
        "not a feed",
    ),
    "json object": (b'{"status": "ok", "items": []}', "application/json", "not a JSON Feed"),
    "json list": (b'[{"url": "https://example.com/a"}]', "", "not a JSON Feed"),
    "broken json": (b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
                    "application/feed+json", "invalid JSON"),
    "json feed without items": (b'{"version": "https://jsonfeed.org/version/1.1", "title": "x"}',
                                "", "no items"),
    "no root element": (b'<?xml version="1.0"?>\n<!-- nothing here -->\n', "", "not a feed"),
}


@pytest.mark.parametrize("case", sorted(NOT_FEEDS))
def test_not_a_feed(case: str) -> None:
    body, content_type, reason = NOT_FEEDS[case]
    with pytest.raises(FeedParseError, match=reason) as caught:
        parse_feed(body, "https://example.com/feed", content_type)
    assert str(caught.value), "the error says why"
    assert caught.value.reason == "invalid"


def test_recoverable_problems_are_accepted_with_a_warning() -> None:
    truncated = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut</title>'
                 b"<item><title>Whole</title><link>https://example.com/whole</link></item>"
                 b"<item><title>Cut off")
    feed = parse_feed(truncated, "https://example.com/feed", "application/rss+xml")
    assert [i.link for i in feed.items] == ["https://example.com/whole"]
    assert feed.warning, "the problem is reported"
    clean = parse_feed((FEEDS / "rss20.xml").read_bytes(), "https://example.com/feed",
                       "application/rss+xml; charset=utf-8")
    assert clean.warning is None


def test_a_valid_feed_without_items_is_empty_not_an_error() -> None:
    body = b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    feed = parse_feed(body, "https://example.com/feed", "application/rss+xml")
    assert (feed.kind, feed.title, feed.items) == ("rss20", "Quiet", [])
    empty_json = b'{"version": "https://jsonfeed.org/version/1", "title": "Quiet", "items": []}'
    assert parse_feed(empty_json, "https://example.com/feed.json").items == []


HOSTILE = {
    # Found by fuzzing: feedparser raised UnicodeDecodeError / ValueError on these.
    "NUL in the declared encoding": b'<?xml version="1.0" encoding="\x00tf-8"?><rss version='
                                    b'"2.0"><channel><title>t</title></channel></rss>',
    "non-UTF-8 declared encoding": b'<?xml version="1.0" encoding="\x80"?><rss version="2.0">'
                                   b"<channel><item><link>https://example.com/a</link></item>"
                                   b"</channel></rss>",
    "unicode digits in ttl": (
        '<rss version="2.0"><channel><title>t</title><ttl>²</ttl>'
        "<item><link>https://example.com/a</link></item></channel></rss>"
    ).encode(),
    "bad IPv6 link": b'{"version": "https://jsonfeed.org/version/1.1", "items": '
                     b'[{"url": "http://[broken/a"}, {"url": "https://example.com/ok"}]}',
    "non-list authors": b'{"version": "https://jsonfeed.org/version/1.1", "items": '
                        b'[{"url": "https://example.com/a", "authors": 5}]}',
    "odd json types": b'{"version": "https://jsonfeed.org/version/1.1", "title": 7, "items": '
                      b'[7, null, {"url": 5}, {"url": "https://example.com/ok", "title": [],'
                      b' "date_published": 12, "id": 3}]}',
    "unparsable dates": (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><link>https://example.com/a</link><pubDate>Mon, 01 Jan 99999 00:00:00</pubDate>"
        b"</item><item><link>https://example.com/b</link><pubDate>yesterday</pubDate></item>"
        b"<item><link>https://example.com/c</link><pubDate></pubDate></item>"
        b"</channel></rss>"
    ),
    "non-http links": (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><link>javascript:alert(1)</link></item>"
        b"<item><link>mailto:desk@example.com</link></item>"
        b"<item><link>https://example.com/ok</link></item></channel></rss>"
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_feeds_parse_or_fail_cleanly(case: str) -> None:
    try:
        feed = parse_feed(HOSTILE[case], "https://example.com/feed")
    except FeedParseError:
        return
    assert feed.items, "the valid items of the feed survive"
    for item in feed.items:
        assert item.link.startswith(("http://", "https://")), item.link
        assert item.published is None or item.published.tzinfo is not None
        assert all(isinstance(a, str) for a in item.authors)
    assert feed.ttl_s is None or isinstance(feed.ttl_s, int)


# --- the shared robustness corpus ----------------------------------------------------------------


def has_entries(body: bytes) -> bool:
    """Whether the file holds items at all, by feedparser's or JSON's own reading."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return bool(feedparser.parse(body).entries)
    return isinstance(doc, dict) and bool(doc.get("items"))


def test_shared_corpus_parses_or_fails_cleanly() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is not present")
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    assert files, "the corpus folder is empty"
    parsed: list[str] = []
    refused: list[str] = []
    with_entries: list[str] = []
    parsed_with_entries: list[str] = []
    for path in files:
        body = path.read_bytes()
        name = str(path.relative_to(CORPUS))
        try:
            feed = parse_feed(body, "http://example.com/feed")
        except FeedParseError as exc:
            assert str(exc), f"{name}: an error without a reason"
            refused.append(name)
        else:
            assert isinstance(feed, ParsedFeed)
            for item in feed.items:
                assert item.link.startswith(("http://", "https://")), (name, item.link)
                assert item.published is None or item.published.tzinfo is not None, name
            parsed.append(name)
        if has_entries(body):
            with_entries.append(name)
            if name in parsed:
                parsed_with_entries.append(name)
    assert len(parsed) + len(refused) == len(files)
    assert len(parsed) >= len(files) // 2, f"only {len(parsed)} of {len(files)} parsed"
    assert with_entries, "the corpus has feeds with entries"
    assert len(parsed_with_entries) >= 0.8 * len(with_entries), (
        f"{len(parsed_with_entries)} of {len(with_entries)} feeds with entries parsed; "
        f"refused: {sorted(set(with_entries) - set(parsed_with_entries))}"
    )


# --- new links: dedup, order, age ----------------------------------------------------------------

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
FEED_URL = "https://news.example.org/feed.xml"


def spec_and_state(seen: list[str] | None = None) -> tuple[FeedSpec, FeedState]:
    fid = feed_id(FEED_URL)
    spec = FeedSpec(feed_id=fid, url=FEED_URL, added_at=NOW - timedelta(days=30))
    return spec, FeedState(feed_id=fid, url=FEED_URL, seen=seen or [])


def item(n: int, hours_ago: float | None = None, link: str | None = None) -> FeedItem:
    return FeedItem(
        link=link or f"https://news.example.org/story/{n}",
        title=f"Story {n}",
        summary=f"About story {n}",
        published=None if hours_ago is None else NOW - timedelta(hours=hours_ago),
        authors=(f"Author {n}",),
    )


def feed_of(*items: FeedItem) -> ParsedFeed:
    return ParsedFeed(kind="rss20", title="Example News", items=list(items))


def test_new_links_oldest_first_with_every_field() -> None:
    spec, state = spec_and_state()
    feed = feed_of(item(3, 1), item(2, 2), item(1, 3))  # newest first, as feeds list them
    links, fresh = new_links(spec, state, feed, NOW, None)
    assert [link.title for link in links] == ["Story 1", "Story 2", "Story 3"]
    assert fresh == [link.article_id for link in links], "ids in emission order, new last"
    first = links[0]
    assert first.article_id == article_id("https://news.example.org/story/1")
    assert first.url == "https://news.example.org/story/1"
    assert first.feed_id == spec.feed_id
    assert first.feed_url == state.url
    assert first.feed_title == "Example News"
    assert first.summary == "About story 1"
    assert first.authors == ["Author 1"]
    assert first.published == (NOW - timedelta(hours=3)).isoformat()
    assert first.discovered_at == NOW


def test_new_links_skip_what_was_seen() -> None:
    seen = [article_id("https://news.example.org/story/2")]
    spec, state = spec_and_state(seen)
    links, fresh = new_links(spec, state, feed_of(item(3, 1), item(2, 2), item(1, 3)), NOW, None)
    assert [link.title for link in links] == ["Story 1", "Story 3"]
    assert seen[0] not in fresh
    # Polling again with everything recorded yields nothing.
    state = state.model_copy(update={"seen": seen + fresh})
    assert new_links(spec, state, feed_of(item(3, 1), item(2, 2), item(1, 3)), NOW, None) == ([], [])


def test_tracking_params_and_fragments_do_not_make_a_new_article() -> None:
    plain = "https://news.example.org/story/7"
    variants = [
        plain + "?utm_source=rss&utm_medium=feed",
        plain + "#comments",
        "HTTPS://News.Example.org:443/story/7?utm_campaign=x&fbclid=abc#top",
    ]
    assert {article_id(v) for v in variants} == {article_id(plain)}
    spec, state = spec_and_state([article_id(plain)])
    links, fresh = new_links(spec, state, feed_of(*(item(7, 1, v) for v in variants)), NOW, None)
    assert links == [] and fresh == []
    # Within one poll, two copies of one article give one link.
    spec, state = spec_and_state()
    links, fresh = new_links(spec, state, feed_of(item(7, 1, variants[0]), item(7, 2, plain)), NOW,
                             None)
    assert len(links) == 1 and fresh == [article_id(plain)]
    assert links[0].url == plain, "the older copy is emitted first and wins"


def test_items_older_than_max_age_are_seen_but_not_emitted() -> None:
    spec, state = spec_and_state()
    old = item(1, hours_ago=24 * 30)
    undated = item(2)
    recent = item(3, hours_ago=2)
    links, fresh = new_links(spec, state, feed_of(recent, undated, old), NOW, max_age_days=7)
    assert [link.title for link in links] == ["Story 2", "Story 3"], "undated items are kept"
    assert fresh == [article_id(i.link) for i in (old, undated, recent)], "old ones marked seen"
    # Without a limit the old item is emitted.
    links, _ = new_links(spec, state, feed_of(recent, undated, old), NOW, max_age_days=None)
    assert [link.title for link in links] == ["Story 1", "Story 2", "Story 3"]


# --- schedule -------------------------------------------------------------------------------------

SPEC = FeedSpec(feed_id="f", url=FEED_URL, min_interval_s=60, max_interval_s=3600, added_at=NOW)


@pytest.fixture(params=["low", "high", "random"])
def jitter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run schedule tests at both extremes of the jitter, and with real randomness."""
    if request.param == "low":
        monkeypatch.setattr(schedule.random, "uniform", lambda a, b: a)
    elif request.param == "high":
        monkeypatch.setattr(schedule.random, "uniform", lambda a, b: b)
    else:
        random.seed(1234)
    yield request.param


def within(value: float, expected: float, tolerance: float = 0.06) -> bool:
    return abs(value - expected) <= expected * tolerance


def test_new_items_shorten_down_to_the_minimum(jitter: str) -> None:
    assert within(next_interval(SPEC, 1000, result="new"), 500)
    for _ in range(50):
        assert SPEC.min_interval_s <= next_interval(SPEC, 100, result="new") < 100
        assert next_interval(SPEC, 60, result="new") >= SPEC.min_interval_s


def test_unchanged_lengthens_up_to_the_maximum(jitter: str) -> None:
    assert within(next_interval(SPEC, 1000, result="unchanged"), 1500)
    assert within(next_interval(SPEC, 1000, result="not_modified"), 1500)
    for _ in range(50):
        assert 1000 < next_interval(SPEC, 1000, result="unchanged") <= SPEC.max_interval_s
        assert next_interval(SPEC, 3000, result="unchanged") <= SPEC.max_interval_s
        assert next_interval(SPEC, 3600, result="not_modified") <= SPEC.max_interval_s
        assert next_interval(SPEC, 10, result="unchanged") >= SPEC.min_interval_s


def test_error_backoff_grows_and_is_capped(jitter: str) -> None:
    steps = [next_interval(SPEC, 600, result="error", error_streak=n, error_max_s=7200)
             for n in range(1, 8)]
    assert within(steps[0], 120), "the backoff starts from the minimum"
    assert steps[:5] == sorted(steps[:5]) and steps[4] > 10 * steps[0], "it grows"
    for n in (7, 20, 1000):
        capped = next_interval(SPEC, 600, result="error", error_streak=n, error_max_s=7200)
        assert 7200 * 0.9 <= capped <= 7200, "and stays within the cap"


def test_server_hint_is_a_lower_bound(jitter: str) -> None:
    for _ in range(50):
        assert next_interval(SPEC, 1000, result="new", server_hint_s=900) >= 900
        assert next_interval(SPEC, 100, result="unchanged", server_hint_s=3000) >= 3000
        assert next_interval(SPEC, 60, result="error", error_streak=1, server_hint_s=7) >= 114
        assert next_interval(SPEC, 60, result="error", error_streak=1, server_hint_s=700) >= 700
        # A hint above the maximum interval is still honoured ...
        assert next_interval(SPEC, 1000, result="unchanged", server_hint_s=5000) >= 5000
        # ... but an absurd one is capped.
        assert next_interval(SPEC, 1000, result="unchanged", server_hint_s=1e12,
                             error_max_s=7200) <= 7200
    # A hint below what the schedule wants anyway changes nothing.
    assert within(next_interval(SPEC, 1000, result="unchanged", server_hint_s=10), 1500)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("max-age=300", 300.0),
        ("public, max-age=60, must-revalidate", 60.0),
        ("MAX-AGE=10", 10.0),
        ("max-age=0", 0.0),
        ("no-cache", None),
        ("s-maxage=100", None),
        ("max-age=", None),
        ("max-age=abc", None),
        ("max-age=-5", None),
        ("max-age=1.5", None),
        ("max-age=²", None),
        ("", None),
        (None, None),
    ],
)
def test_cache_hint(header: str | None, expected: float | None) -> None:
    assert cache_hint(header) == expected


def test_items_without_a_usable_link_are_counted() -> None:
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b"<item><title>no link</title></item>"
            b"<item><title>mailto</title><link>mailto:desk@example.com</link></item>"
            b"<item><title>ok</title><link>https://example.com/a</link></item>"
            b"</channel></rss>")
    feed = parse_feed(body, "https://example.com/feed.xml")
    assert [i.link for i in feed.items] == ["https://example.com/a"]
    assert feed.unlinked == 2
    json_feed = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": '
                 b'[{"id": "1"}, 5, {"id": "3", "url": "https://example.com/b"}]}')
    assert parse_feed(json_feed, "https://example.com/feed.json").unlinked == 2
