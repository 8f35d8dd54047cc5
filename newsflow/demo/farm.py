"""A local feed farm: many feeds and article pages generated on the fly, for tests and benchmarks.

Every page is a deterministic function of its path, so any number of feeds
(``/feeds/<f>.xml``, RSS 2.0) with any number of items (``/a/<f>/<i>.html``)
costs no memory. Pages are those of :mod:`newsflow.demo.newsgen`: 60–150 KB of
HTML (navigation, scripts, ads, related links, comments) around 400–1,200 words
of article text with people, organisations, places and dates; ``words`` and
``page_kb`` make them smaller for quick tests. A few routes misbehave on purpose:
``/broken/feed.xml`` is not a feed, ``/gone/<n>.html`` answers 404,
``/slow/<n>.html`` answers after ``slow_s`` (``/slow/feed.xml`` lists two of them),
and ``/mixed/feed.xml`` lists two good pages around a missing one.

With ``rate``, the farm publishes like a newsroom: after :meth:`FeedFarm.release`,
``rate`` new articles a second appear across the feeds (round robin) until each feed
has ``items``, and each feed lists its ``window`` newest ones; ``/feeds/<f>.xml?first=<n>`` lists the first ``n``
items whatever the clock says (to look at the pages before the run).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from newsflow.demo.newsgen import PAGE_KB, WORDS, FeedItem, GeneratedArticle, feed_item, generate


def feed_xml(base: str, feed: int, items: range, item: Callable[[int, int], FeedItem]) -> str:
    """An RSS 2.0 feed listing ``items`` of ``feed``, newest first."""
    entries = []
    for index in reversed(items):
        a = item(feed, index)
        entries.append(
            f"<item><title>{escape(a.title)}</title><link>{a.url}</link><guid>{a.url}</guid>"
            f"<pubDate>{format_datetime(a.published)}</pubDate>"
            f"<description>{escape(a.summary)}</description></item>"
        )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Farm feed {feed}</title><link>{base}/</link><description>Generated</description>"
            f"{''.join(entries)}</channel></rss>")


class FeedFarm:
    """The farm, served on 127.0.0.1 from a background thread."""

    def __init__(self, feeds: int = 10, items: int = 10, *, words: tuple[int, int] = WORDS,
                 page_kb: tuple[int, int] = PAGE_KB, slow_s: float = 30.0,
                 delay_s: float = 0.0, rate: float | None = None, window: int = 20) -> None:
        self.feeds = feeds
        self.items = items
        self.rate = rate
        self.window = window
        self._released_at: float | None = None
        self.words = words
        self.page_kb = page_kb
        self.slow_s = slow_s
        self.delay_s = delay_s
        self.requests = 0
        self.slow_requests = 0
        #: Articles (feed, item) listed in their feed whose page answers 404 while here.
        self.gone: set[tuple[int, int]] = set()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._article = functools.lru_cache(maxsize=128)(self._generate)
        self._item = functools.lru_cache(maxsize=4096)(self._feed_item)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "farm not started"
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def article(self, feed: int, item: int) -> GeneratedArticle:
        """The generated article behind ``/a/<feed>/<item>.html`` (recent ones are cached)."""
        return self._article(feed, item)

    def _generate(self, feed: int, item: int) -> GeneratedArticle:
        return generate(feed, item, base_url=self.base_url, words=self.words, page_kb=self.page_kb)

    def _feed_item(self, feed: int, item: int) -> FeedItem:
        return feed_item(feed, item, base_url=self.base_url)

    def release(self, at: float | None = None) -> None:
        """Start publishing ``rate`` articles a second (from ``at``, a ``time.time()``)."""
        self._released_at = time.time() if at is None else at

    def released(self) -> int:
        """How many articles have been published so far (all of them without ``rate``)."""
        if self.rate is None:
            return self.feeds * self.items
        if self._released_at is None:
            return 0
        published = int((time.time() - self._released_at) * self.rate)
        return max(0, min(self.feeds * self.items, published))

    def listed(self, feed: int, query: str = "") -> range:
        """The items ``feed`` lists now."""
        first = parse_qs(query).get("first")
        if first:
            return range(int(first[0]))
        if self.rate is None:
            return range(self.items)
        n = self.released()
        count = (n - feed + self.feeds - 1) // self.feeds if n > feed else 0
        return range(max(0, count - self.window), count)

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
        path, _, query = path.partition("?")
        parts = path.strip("/").split("/")
        html = "text/html; charset=utf-8"
        try:
            if parts[0] == "feeds" and len(parts) == 2:
                feed = int(parts[1].removesuffix(".xml"))
                if 0 <= feed < self.feeds:
                    return 200, "application/rss+xml; charset=utf-8", feed_xml(
                        self.base_url, feed, self.listed(feed, query), self._item)
            if parts[0] == "a" and len(parts) == 3:
                feed, item = int(parts[1]), int(parts[2].removesuffix(".html"))
                if (feed, item) not in self.gone:
                    return 200, html, self.article(feed, item).html
            if parts[0] == "mixed" and len(parts) == 2:
                return 200, "application/rss+xml; charset=utf-8", self.mixed_feed()
            if parts[0] == "broken":
                return 200, "application/rss+xml", "<rss><channel><item>this is not <<< a feed"
            if parts[0] == "gone":
                return 404, html, "<html><body>Not found</body></html>"
            if parts == ["slow", "feed.xml"]:
                return 200, "application/rss+xml; charset=utf-8", self.slow_feed()
            if parts[0] == "slow":
                with self._lock:
                    self.slow_requests += 1
                time.sleep(self.slow_s)
                return 200, html, "<html><body><p>late</p></body></html>"
        except ValueError:
            pass
        return 404, html, "<html><body>Not found</body></html>"

    def slow_feed(self) -> str:
        """A feed of two pages that answer after ``slow_s``."""
        items = "".join(f"<item><title>Slow {n}</title><link>{self.base_url}/slow/{n}.html</link>"
                        "</item>" for n in (1, 2))
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title>'
                f"{items}</channel></rss>")

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
