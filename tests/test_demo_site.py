"""The bundled demo news site: pages, feeds, HTTP validators, and that its pages extract cleanly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

import feedparser
import httpx
import pytest
import trafilatura
from trafilatura.settings import Document

from newsflow.demo.site import DemoSite

SEED_SLUG = "azerbaijan-parliament-speaker-kalbajar-liberation"
FEED_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
HTML_TYPE = "text/html; charset=utf-8"


class _PageParser(HTMLParser):
    """Collects what the tests look at: head tags, body paragraphs, comments and ads."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.title = ""
        self.paragraphs: list[str] = []
        self.comments: list[str] = []
        self.ads: list[str] = []
        self._stack: list[tuple[str, str]] = []
        self._buffer: list[str] | None = None
        self._target: list[str] | None = None
        self._open_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        css = attributes.get("class", "")
        if tag == "meta":
            key = attributes.get("name") or attributes.get("property")
            if key:
                self.meta[key] = attributes.get("content", "")
            return
        if tag == "link":
            self.links.append(attributes)
            return
        self._stack.append((tag, css))
        if self._buffer is None:
            target = None
            if tag == "title":
                target = []
            elif tag == "p" and css == "comment-text":
                target = self.comments
            elif tag == "p" and any(c == "story-body" for _, c in self._stack):
                target = self.paragraphs
            elif tag == "div" and css == "ad":
                target = self.ads
            if target is not None:
                self._buffer, self._target = [], target
                self._open_depth = len(self._stack)

    def handle_endtag(self, tag: str) -> None:
        if not self._stack or tag in ("meta", "link"):
            return
        if self._buffer is not None and len(self._stack) == self._open_depth:
            text = "".join(self._buffer).strip()
            if self._stack[-1][0] == "title":
                self.title = text
            elif self._target is not None:
                self._target.append(text)
            self._buffer = self._target = None
        self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._buffer is not None:
            self._buffer.append(data)

    def canonical(self) -> str | None:
        return next((link["href"] for link in self.links if link.get("rel") == "canonical"), None)


def _parse_page(text: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as running:
        yield running


@pytest.fixture(scope="module")
def client(site: DemoSite) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as http:
        yield http


@pytest.fixture(scope="module")
def pages(site: DemoSite, client: httpx.Client) -> dict[str, str]:
    """slug -> served HTML of every article."""
    out = {}
    for entry, url in zip(site.articles(), site.article_urls, strict=True):
        response = client.get(url)
        assert response.status_code == 200, url
        out[entry["slug"]] = response.text
    return out


def _feed_links(site: DemoSite, client: httpx.Client) -> dict[str, list[str]]:
    """Feed kind -> article URLs it lists, parsed the way a reader would."""
    rss_url, atom_url, json_url = site.feed_urls
    links: dict[str, list[str]] = {}
    for kind, url in (("rss", rss_url), ("atom", atom_url)):
        response = client.get(url)
        parsed = feedparser.parse(
            response.content, response_headers={"content-type": response.headers["content-type"]}
        )
        links[kind] = [entry.link for entry in parsed.entries]
    items = client.get(json_url).json()["items"]
    links["json"] = [item["url"] for item in items]
    return links


# --- manifest ------------------------------------------------------------------------------


def test_manifest_shape(site: DemoSite) -> None:
    articles = site.articles()
    assert len(articles) == 10
    assert len({a["slug"] for a in articles}) == 10
    for article in articles:
        assert set(article) >= {"slug", "title", "author", "published", "summary", "feeds"}
        assert datetime.fromisoformat(article["published"]).utcoffset() is not None
        assert article["feeds"] and set(article["feeds"]) <= set(FEED_TYPES)
    in_two = [a["slug"] for a in articles if len(a["feeds"]) == 2]
    assert len(in_two) == 2 and SEED_SLUG in in_two
    others = [a for a in articles if a["slug"] != SEED_SLUG]
    assert {datetime.fromisoformat(a["published"]).year for a in others} <= {2021, 2022, 2023, 2024}
    assert {kind for a in articles for kind in a["feeds"]} == set(FEED_TYPES)


def test_articles_returns_copies(site: DemoSite) -> None:
    site.articles()[0]["title"] = "changed"
    assert site.articles()[0]["title"] != "changed"


def test_urls_follow_manifest(site: DemoSite) -> None:
    assert site.base_url.startswith("http://127.0.0.1:")
    assert site.feed_urls == [
        f"{site.base_url}/feeds/rss.xml",
        f"{site.base_url}/feeds/atom.xml",
        f"{site.base_url}/feeds/feed.json",
    ]
    assert site.article_urls == [f"{site.base_url}/news/{a['slug']}.html" for a in site.articles()]


# --- feeds ---------------------------------------------------------------------------------


@pytest.mark.parametrize("index, kind", list(enumerate(FEED_TYPES)))
def test_feed_headers(site: DemoSite, client: httpx.Client, index: int, kind: str) -> None:
    response = client.get(site.feed_urls[index])
    assert response.status_code == 200
    assert response.headers["content-type"] == FEED_TYPES[kind]
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["etag"].startswith('"')
    parsedate_to_datetime(response.headers["last-modified"])


@pytest.mark.parametrize("index, version", [(0, "rss20"), (1, "atom10")])
def test_xml_feeds_parse_cleanly(
    site: DemoSite, client: httpx.Client, index: int, version: str
) -> None:
    response = client.get(site.feed_urls[index])
    parsed = feedparser.parse(
        response.content, response_headers={"content-type": response.headers["content-type"]}
    )
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version
    by_url = {url: a for url, a in zip(site.article_urls, site.articles(), strict=True)}
    assert parsed.entries
    for entry in parsed.entries:
        article = by_url[entry.link]
        assert entry.title == article["title"]
        assert entry.id == entry.link
        assert entry.author == article["author"]
        assert entry.summary == article["summary"]
        # RSS carries RFC 822 dates, Atom RFC 3339; both keep the article's own offset.
        raw = entry.published
        published = (
            datetime.fromisoformat(raw) if version == "atom10" else parsedate_to_datetime(raw)
        )
        expected = datetime.fromisoformat(article["published"])
        assert published == expected
        assert published.utcoffset() == expected.utcoffset()


def test_json_feed_is_valid_json_feed_1_1(site: DemoSite, client: httpx.Client) -> None:
    feed = json.loads(client.get(site.feed_urls[2]).content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == site.feed_urls[2]
    assert feed["home_page_url"] == site.base_url + "/"
    by_url = {url: a for url, a in zip(site.article_urls, site.articles(), strict=True)}
    assert feed["items"]
    for item in feed["items"]:
        article = by_url[item["url"]]
        assert item["id"] == item["url"]
        assert item["title"] == article["title"]
        assert item["summary"] == article["summary"]
        assert item.get("content_text") or item.get("content_html")
        assert item["authors"] == [{"name": article["author"]}]
        assert datetime.fromisoformat(item["date_published"]) == datetime.fromisoformat(
            article["published"]
        )


def test_every_article_is_in_its_feeds(site: DemoSite, client: httpx.Client) -> None:
    links = _feed_links(site, client)
    for article, url in zip(site.articles(), site.article_urls, strict=True):
        served_in = {kind for kind, urls in links.items() if url in urls}
        assert served_in == set(article["feeds"]), article["slug"]
    counts = {url: sum(url in urls for urls in links.values()) for url in site.article_urls}
    assert min(counts.values()) == 1
    seed_url = f"{site.base_url}/news/{SEED_SLUG}.html"
    assert counts[seed_url] == 2
    assert sorted(counts.values()) == [1] * 8 + [2] * 2
    for urls in links.values():
        assert len(urls) == len(set(urls))


# --- pages ---------------------------------------------------------------------------------


def test_index_page_lists_articles_and_feeds(site: DemoSite, client: httpx.Client) -> None:
    response = client.get(site.base_url + "/")
    assert response.status_code == 200
    assert response.headers["content-type"] == HTML_TYPE
    page = _parse_page(response.text)
    alternates = {
        link["type"]: link["href"] for link in page.links if link.get("rel") == "alternate"
    }
    assert alternates == {
        "application/rss+xml": site.feed_urls[0],
        "application/atom+xml": site.feed_urls[1],
        "application/feed+json": site.feed_urls[2],
    }
    for article in site.articles():
        assert f'href="/news/{article["slug"]}.html"' in response.text


def test_article_pages(site: DemoSite, client: httpx.Client, pages: dict[str, str]) -> None:
    for article, url in zip(site.articles(), site.article_urls, strict=True):
        response = client.get(url)
        assert response.headers["content-type"] == HTML_TYPE
        assert int(response.headers["content-length"]) == len(response.content)
        assert response.headers["etag"]
        assert parsedate_to_datetime(response.headers["last-modified"]) == datetime.fromisoformat(
            article["published"]
        )
        html = pages[article["slug"]]
        assert "{{" not in html
        assert '<html lang="en">' in html
        page = _parse_page(html)
        assert page.canonical() == url
        assert page.meta["og:url"] == url
        assert page.meta["og:type"] == "article"
        assert page.meta["og:title"] == article["title"]
        assert page.meta["article:published_time"] == article["published"]
        assert page.meta["author"] == article["author"]
        assert page.meta["description"]
        assert page.title.startswith(article["title"])
        assert "<article" in html and f"<h1>{article['title']}" in html.replace("&#x27;", "'")
        assert 4 <= len(page.paragraphs) <= 10
        assert page.comments and page.ads
        assert "Related stories" in html and 'id="comments"' in html and "Sign up" in html


def test_chrome_varies_between_pages(pages: dict[str, str]) -> None:
    parsed = [_parse_page(html) for html in pages.values()]
    assert len({tuple(p.comments) for p in parsed}) == len(parsed)
    assert len({tuple(p.ads) for p in parsed}) > 3


def test_seed_article(site: DemoSite, pages: dict[str, str]) -> None:
    html = pages[SEED_SLUG]
    page = _parse_page(html)
    assert "Sahiba Gafarova" in html
    assert page.paragraphs[0] == "BAKU, Azerbaijan, Nov.25"
    assert page.paragraphs[1] == "By Elchin Mehdiyev - Trend:"
    assert page.paragraphs[2].startswith("Speaker of the Azerbaijani Parliament Sahiba Gafarova")
    assert page.paragraphs[-1].endswith(
        "The 1994 ceasefire agreement was followed by peace negotiations."
    )
    assert page.meta["article:published_time"] == "2020-11-25T13:40:00+04:00"
    assert page.meta["author"] == "Elchin Mehdiyev"
    assert "liberation of Kalbajar" in page.meta["og:title"]


@pytest.mark.parametrize("index", range(10))
def test_pages_extract_to_the_article_body(pages: dict[str, str], index: int) -> None:
    slug, html = list(pages.items())[index]
    page = _parse_page(html)
    body_sentences = [page.paragraphs[1], page.paragraphs[-1]]
    chrome = [
        "Advertisement",
        "Breaking",
        "Related stories",
        "Most read",
        "Share this story",
        "Sign up",
        "Comments are moderated",
        "Privacy policy",
        "All rights reserved",
    ]

    text = trafilatura.extract(html)
    assert text is not None, slug
    for sentence in body_sentences:
        assert sentence in text, slug
    for phrase in chrome + page.ads:
        assert phrase not in text, (slug, phrase)
    # Trafilatura recognises the comments section as comments: by default it appends them
    # after the body, so the pipeline's cleaner asks for the body alone.
    body_only = trafilatura.extract(html, include_comments=False)
    assert body_only is not None
    document = trafilatura.bare_extraction(html)
    assert isinstance(document, Document)
    assert document.text is not None and document.comments is not None
    for comment in page.comments:
        assert comment not in body_only, slug
        assert comment not in document.text, slug
        assert comment in document.comments, slug
    for sentence in body_sentences:
        assert sentence in body_only and sentence in document.text


# --- HTTP ----------------------------------------------------------------------------------


def _targets(site: DemoSite) -> list[str]:
    return [*site.feed_urls, site.article_urls[0], site.base_url + "/"]


def test_conditional_get_with_etag(site: DemoSite, client: httpx.Client) -> None:
    for url in _targets(site):
        first = client.get(url)
        etag = first.headers["etag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert client.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_conditional_get_with_last_modified(site: DemoSite, client: httpx.Client) -> None:
    for url in _targets(site):
        last_modified = client.get(url).headers["last-modified"]
        assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
        older = "Mon, 01 Jan 2018 00:00:00 GMT"
        assert client.get(url, headers={"If-Modified-Since": older}).status_code == 200
        assert client.get(url, headers={"If-Modified-Since": "not a date"}).status_code == 200
        # If-None-Match takes precedence over If-Modified-Since.
        both = {"If-None-Match": '"other"', "If-Modified-Since": last_modified}
        assert client.get(url, headers=both).status_code == 200


def test_head_matches_get(site: DemoSite, client: httpx.Client) -> None:
    for url in _targets(site):
        get = client.get(url)
        head = client.head(url)
        assert head.status_code == 200
        assert head.content == b""
        for name in ("content-type", "content-length", "etag", "last-modified"):
            assert head.headers[name] == get.headers[name]


@pytest.mark.parametrize("path", ["/nope", "/news/no-such-story.html", "/feeds/", "/news/"])
def test_unknown_paths_are_404(site: DemoSite, client: httpx.Client, path: str) -> None:
    response = client.get(site.base_url + path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_query_strings_are_ignored(site: DemoSite, client: httpx.Client) -> None:
    assert client.get(site.feed_urls[0] + "?utm_source=test").status_code == 200


def test_request_logging_is_silent(
    site: DemoSite, client: httpx.Client, capfd: pytest.CaptureFixture[str]
) -> None:
    client.get(site.base_url + "/")
    client.get(site.base_url + "/missing")
    assert capfd.readouterr().err == ""


# --- lifecycle -----------------------------------------------------------------------------


def test_base_url_needs_start() -> None:
    with pytest.raises(RuntimeError):
        _ = DemoSite().base_url


def test_stop_is_idempotent_and_closes_the_port() -> None:
    site = DemoSite().start()
    assert site.start() is site
    url = site.feed_urls[0]
    assert httpx.get(url).status_code == 200
    site.stop()
    site.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)
    with site:
        assert httpx.get(site.feed_urls[0]).status_code == 200
