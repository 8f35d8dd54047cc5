"""A local feed farm: many feeds and article pages generated on the fly, for tests and benchmarks.

Every page is a deterministic function of its path, so any number of feeds
(``/feeds/<f>.xml``, RSS 2.0) with any number of items (``/a/<f>/<i>.html``)
costs no memory. Pages look like news pages (navigation, ads, comments around
the article) and their text carries people, organisations, places and dates.
A few routes misbehave on purpose: ``/broken/feed.xml`` is not a feed,
``/gone/<n>.html`` answers 404, ``/slow/<n>.html`` answers after ``slow_s``, and
``/mixed/feed.xml`` lists two good pages around a missing one.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

FIRST = ["Maria", "James", "Aiko", "Omar", "Lena", "Pedro", "Grace", "Ivan", "Nadia", "Tomas",
         "Chen", "Fatima", "Lukas", "Amara", "Daniel", "Sofia"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Kowalski", "Silva", "Brennan",
        "Novak", "Achebe", "Varga", "Castillo", "Petrov", "Whitfield", "Ramos", "Keller"]
ORGS = ["the World Health Organization", "Siemens", "the European Central Bank", "Reuters",
        "the United Nations", "Toyota", "the International Monetary Fund", "Microsoft",
        "the Red Cross", "Airbus", "the Bank of England", "Greenpeace"]
PLACES = ["Berlin", "Nairobi", "Lisbon", "Toronto", "Jakarta", "Chile", "Norway", "Kenya",
          "Vietnam", "Madrid", "Cairo", "Peru", "Manila", "Warsaw", "Sydney", "Mexico"]
TOPICS = ["port expansion", "water rationing plan", "vaccine rollout", "rail strike",
          "solar auction", "budget vote", "flood defences", "wage agreement", "trade talks",
          "housing reform"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
BASE_DATE = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def _rng(*parts: int) -> random.Random:
    return random.Random(hash(parts) & 0xFFFFFFFF)


def article_published(feed: int, item: int) -> datetime:
    return BASE_DATE + timedelta(hours=feed * 7 + item * 13)


def article_text(feed: int, item: int, paragraphs: int = 6) -> tuple[str, list[str]]:
    """Headline and paragraphs of one generated article."""
    r = _rng(feed, item)
    person = f"{r.choice(FIRST)} {r.choice(LAST)}"
    place, other = r.sample(PLACES, 2)
    org = r.choice(ORGS)
    topic = r.choice(TOPICS)
    published = article_published(feed, item)
    month = MONTHS[(published.month - 2) % 12]
    title = f"{place} {topic} draws criticism from {person.split()[1]} ({feed}-{item})"
    paras = [
        f"{place.upper()}, {published.strftime('%b')}. {published.day} — Officials in {place} "
        f"announced on Tuesday that the {topic} would go ahead despite objections, "
        f"{person} said.",
        f"{person}, who has followed the issue for three years, told reporters that the plan "
        f"first surfaced on {published.day} {month} {published.year - 1} and was revised last week.",
        f"A spokesperson for {org} said the organisation had been consulted in {other} "
        f"and expected a decision by {MONTHS[published.month % 12]} {r.randint(1, 28)}.",
    ]
    for k in range(paragraphs - 3):
        paras.append(
            f"Residents of {r.choice(PLACES)} gathered at {r.randint(1, 11)} p.m. on "
            f"{published.strftime('%A')} to discuss the {r.choice(TOPICS)}, which would cost "
            f"{r.randint(2, 90)} million euros over {r.randint(2, 9)} years. "
            f"Part {k + 1} of the discussion was led by {r.choice(FIRST)} {r.choice(LAST)} "
            f"of {r.choice(ORGS)}, the {r.choice(['second', 'third', 'fourth'])} such meeting "
            f"since {r.randint(1995, 2020)}."
        )
    return title, paras


def article_html(base: str, feed: int, item: int, paragraphs: int = 6) -> str:
    title, paras = article_text(feed, item, paragraphs)
    published = article_published(feed, item).isoformat()
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paras)
    url = f"{base}/a/{feed}/{item}.html"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | Farm News</title>
<link rel="canonical" href="{url}"><meta property="og:url" content="{url}">
<meta property="article:published_time" content="{published}">
<meta name="author" content="Farm Desk"></head>
<body><header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a>
<a href="/sport">Sport</a></nav></header>
<div class="ad">Advertisement: subscribe for unlimited access</div>
<main><article><h1>{escape(title)}</h1><p class="byline">By Farm Desk</p>
{body}
</article>
<aside class="related"><h2>Related</h2><ul><li><a href="/a/{feed}/{item + 1}.html">More news</a></li></ul></aside>
<section id="comments"><h2>Comments</h2><div class="comment">Reader: first!</div></section>
</main><footer>© Farm News. All rights reserved.</footer></body></html>"""


def feed_xml(base: str, feed: int, items: int) -> str:
    entries = []
    for item in range(items - 1, -1, -1):
        title, paras = article_text(feed, item, 3)
        url = f"{base}/a/{feed}/{item}.html"
        entries.append(
            f"<item><title>{escape(title)}</title><link>{url}</link><guid>{url}</guid>"
            f"<pubDate>{format_datetime(article_published(feed, item))}</pubDate>"
            f"<description>{escape(paras[0])}</description></item>"
        )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Farm feed {feed}</title><link>{base}/</link><description>Generated</description>"
            f"{''.join(entries)}</channel></rss>")


class FeedFarm:
    """The farm, served on 127.0.0.1 from a background thread."""

    def __init__(self, feeds: int = 10, items: int = 10, *, paragraphs: int = 6,
                 slow_s: float = 30.0, delay_s: float = 0.0) -> None:
        self.feeds = feeds
        self.items = items
        self.paragraphs = paragraphs
        self.slow_s = slow_s
        self.delay_s = delay_s
        self.requests = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "farm not started"
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def feed_urls(self) -> list[str]:
        return [f"{self.base_url}/feeds/{f}.xml" for f in range(self.feeds)]

    def article_urls(self) -> list[str]:
        return [f"{self.base_url}/a/{f}/{i}.html" for f in range(self.feeds) for i in range(self.items)]

    def start(self) -> FeedFarm:
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                with farm._lock:
                    farm.requests += 1
                status, ctype, body = farm.route(self.path)
                if farm.delay_s:
                    time.sleep(farm.delay_s)
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def route(self, path: str) -> tuple[int, str, str]:
        parts = path.split("?")[0].strip("/").split("/")
        html = "text/html; charset=utf-8"
        try:
            if parts[0] == "feeds" and len(parts) == 2:
                feed = int(parts[1].removesuffix(".xml"))
                if 0 <= feed < self.feeds:
                    return 200, "application/rss+xml; charset=utf-8", feed_xml(
                        self.base_url, feed, self.items)
            if parts[0] == "a" and len(parts) == 3:
                feed, item = int(parts[1]), int(parts[2].removesuffix(".html"))
                return 200, html, article_html(self.base_url, feed, item, self.paragraphs)
            if parts[0] == "mixed" and len(parts) == 2:
                return 200, "application/rss+xml; charset=utf-8", self.mixed_feed()
            if parts[0] == "broken":
                return 200, "application/rss+xml", "<rss><channel><item>this is not <<< a feed"
            if parts[0] == "gone":
                return 404, html, "<html><body>Not found</body></html>"
            if parts[0] == "slow":
                time.sleep(self.slow_s)
                return 200, html, "<html><body><p>late</p></body></html>"
        except ValueError:
            pass
        return 404, html, "<html><body>Not found</body></html>"

    def mixed_feed(self) -> str:
        """A feed whose items link to a good page, a missing page and another good page."""
        links = [f"{self.base_url}/a/900/0.html", f"{self.base_url}/gone/1.html",
                 f"{self.base_url}/a/900/1.html"]
        items = "".join(f"<item><title>Item {n}</title><link>{u}</link></item>"
                        for n, u in enumerate(links))
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Mixed</title>'
                f"{items}</channel></rss>")

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FeedFarm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
