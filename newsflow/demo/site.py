"""The bundled demo news site, served on 127.0.0.1 for ``newsflow demo`` and the tests.

Ten article pages (package data under ``content/articles/``) and three feeds built at request
time from ``content/articles.json``: RSS 2.0, Atom 1.0 and JSON Feed 1.1. Every absolute URL,
in the feeds and in the pages' canonical and ``og:url`` tags, points at the address the
server is bound to. Responses carry ETag and Last-Modified and answer conditional GETs
with 304, so the poller's politeness can be exercised against it. Standard library only.

    with DemoSite() as site:
        httpx.get(site.feed_urls[0])
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from importlib.resources.abc import Traversable
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

__all__ = ["DemoSite"]

SITE_TITLE = "The Lantern Post"
SITE_DESCRIPTION = "News from The Lantern Post: world, business, science, sport and more."
BASE_URL_PLACEHOLDER = "{{BASE_URL}}"

RSS_PATH = "/feeds/rss.xml"
ATOM_PATH = "/feeds/atom.xml"
JSON_FEED_PATH = "/feeds/feed.json"
ARTICLE_PATH = "/news/{slug}.html"
STYLESHEET_PATH = "/static/site.css"
FEED_KINDS = ("rss", "atom", "json")

RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
JSON_FEED_TYPE = "application/feed+json"
HTML_TYPE = "text/html"

_ATOM_NS = "http://www.w3.org/2005/Atom"
_DC_NS = "http://purl.org/dc/elements/1.1/"
_MANIFEST_KEYS = ("slug", "title", "author", "published", "summary", "feeds")


@dataclass(frozen=True, slots=True)
class _Resource:
    """One servable representation: its bytes and the validators derived from them."""

    body: bytes
    content_type: str
    last_modified: datetime
    etag: str

    @classmethod
    def build(cls, body: bytes, media_type: str, last_modified: datetime) -> _Resource:
        digest = hashlib.sha256(body).hexdigest()[:32]
        return cls(
            body=body,
            content_type=f"{media_type}; charset=utf-8",
            last_modified=last_modified.astimezone(UTC).replace(microsecond=0),
            etag=f'"{digest}"',
        )


def _site_files() -> Traversable:
    return resources.files("newsflow.demo").joinpath("content")


def _load_manifest() -> list[dict[str, Any]]:
    raw = json.loads(_site_files().joinpath("articles.json").read_text(encoding="utf-8"))
    if not isinstance(raw, list) or not raw:
        raise ValueError("articles.json must be a non-empty list")
    for entry in raw:
        missing = [key for key in _MANIFEST_KEYS if key not in entry]
        if missing:
            raise ValueError(f"articles.json entry {entry!r} lacks {missing}")
        unknown = set(entry["feeds"]) - set(FEED_KINDS)
        if unknown or not entry["feeds"]:
            raise ValueError(f"article {entry['slug']!r} has bad feeds {entry['feeds']!r}")
        datetime.fromisoformat(entry["published"])  # must parse, with its offset
    return raw


def _published(entry: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["published"])


def _newest_first(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=_published, reverse=True)


def _xml_bytes(root: ET.Element) -> bytes:
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def _text(parent: ET.Element, tag: str, text: str, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    element.text = text
    return element


class _Renderer:
    """Renders every resource of the site for one base URL."""

    def __init__(self, base_url: str, manifest: list[dict[str, Any]]) -> None:
        self.base_url = base_url
        self.manifest = manifest

    def article_url(self, slug: str) -> str:
        return self.base_url + ARTICLE_PATH.format(slug=slug)

    def entries(self, kind: str) -> list[dict[str, Any]]:
        return _newest_first([e for e in self.manifest if kind in e["feeds"]])

    def rss(self) -> bytes:
        # Namespace declarations are written as plain attributes so that serialising
        # does not depend on ElementTree's process-wide prefix registry.
        root = ET.Element("rss", {"version": "2.0", "xmlns:atom": _ATOM_NS, "xmlns:dc": _DC_NS})
        channel = ET.SubElement(root, "channel")
        entries = self.entries("rss")
        _text(channel, "title", SITE_TITLE)
        _text(channel, "link", self.base_url + "/")
        _text(channel, "description", SITE_DESCRIPTION)
        _text(channel, "language", "en")
        _text(channel, "lastBuildDate", format_datetime(_published(entries[0])))
        ET.SubElement(
            channel,
            "atom:link",
            {"href": self.base_url + RSS_PATH, "rel": "self", "type": RSS_TYPE},
        )
        for entry in entries:
            url = self.article_url(entry["slug"])
            item = ET.SubElement(channel, "item")
            _text(item, "title", entry["title"])
            _text(item, "link", url)
            _text(item, "guid", url, isPermaLink="true")
            _text(item, "pubDate", format_datetime(_published(entry)))
            _text(item, "description", entry["summary"])
            _text(item, "dc:creator", entry["author"])
        return _xml_bytes(root)

    def atom(self) -> bytes:
        root = ET.Element("feed", {"xmlns": _ATOM_NS, "xml:lang": "en"})
        entries = self.entries("atom")
        _text(root, "id", self.base_url + ATOM_PATH)
        _text(root, "title", SITE_TITLE)
        _text(root, "subtitle", SITE_DESCRIPTION)
        _text(root, "updated", _published(entries[0]).isoformat())
        ET.SubElement(
            root, "link", {"rel": "alternate", "type": HTML_TYPE, "href": self.base_url + "/"}
        )
        ET.SubElement(
            root, "link", {"rel": "self", "type": ATOM_TYPE, "href": self.base_url + ATOM_PATH}
        )
        _text(ET.SubElement(root, "author"), "name", SITE_TITLE)
        for entry in entries:
            url = self.article_url(entry["slug"])
            published = _published(entry).isoformat()
            node = ET.SubElement(root, "entry")
            _text(node, "id", url)
            _text(node, "title", entry["title"], type="text")
            ET.SubElement(node, "link", {"rel": "alternate", "type": HTML_TYPE, "href": url})
            _text(node, "published", published)
            _text(node, "updated", published)
            _text(ET.SubElement(node, "author"), "name", entry["author"])
            _text(node, "summary", entry["summary"], type="text")
        return _xml_bytes(root)

    def json_feed(self) -> bytes:
        items = []
        for entry in self.entries("json"):
            url = self.article_url(entry["slug"])
            items.append(
                {
                    "id": url,
                    "url": url,
                    "title": entry["title"],
                    "summary": entry["summary"],
                    "content_text": entry["summary"],
                    "date_published": _published(entry).isoformat(),
                    "authors": [{"name": entry["author"]}],
                    "language": "en",
                }
            )
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": SITE_TITLE,
            "home_page_url": self.base_url + "/",
            "feed_url": self.base_url + JSON_FEED_PATH,
            "description": SITE_DESCRIPTION,
            "language": "en",
            "authors": [{"name": SITE_TITLE}],
            "items": items,
        }
        return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def page(self, template: str) -> bytes:
        return template.replace(BASE_URL_PLACEHOLDER, self.base_url).encode("utf-8")

    def index(self) -> bytes:
        esc = html.escape
        alternates = "\n".join(
            f'  <link rel="alternate" type="{media}" title="{esc(SITE_TITLE)} ({label})" '
            f'href="{self.base_url}{path}">'
            for media, label, path in (
                (RSS_TYPE, "RSS", RSS_PATH),
                (ATOM_TYPE, "Atom", ATOM_PATH),
                (JSON_FEED_TYPE, "JSON Feed", JSON_FEED_PATH),
            )
        )
        stories = []
        for entry in _newest_first(self.manifest):
            published = _published(entry)
            stories.append(
                f"""    <li>
      <h2><a href="{ARTICLE_PATH.format(slug=entry["slug"])}">{esc(entry["title"])}</a></h2>
      <p class="story-meta">By {esc(entry["author"])} \u00b7 <time datetime="{entry["published"]}">\
{published:%B} {published.day}, {published.year}</time></p>
      <p>{esc(entry["summary"])}</p>
    </li>"""
            )
        story_list = "\n".join(stories)
        document = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{esc(SITE_TITLE)} \u2014 Latest news</title>
  <meta name="description" content="{esc(SITE_DESCRIPTION)}">
  <link rel="canonical" href="{self.base_url}/">
{alternates}
  <link rel="stylesheet" href="{STYLESHEET_PATH}">
</head>
<body class="front-page">
  <header class="site-header">
    <a class="logo" href="/">{esc(SITE_TITLE)}</a>
  </header>
  <main id="content">
  <h1>Latest news</h1>
  <ul class="story-list">
{story_list}
  </ul>
  </main>
  <footer class="site-footer">
    <p>Feeds: <a href="{RSS_PATH}">RSS</a> \u00b7 <a href="{ATOM_PATH}">Atom</a> \u00b7
      <a href="{JSON_FEED_PATH}">JSON Feed</a></p>
    <p class="copyright">&copy; {esc(SITE_TITLE)} Media Ltd. All rights reserved.</p>
  </footer>
</body>
</html>
"""
        return document.encode("utf-8")


def _not_modified(headers: Message, resource: _Resource) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match wins; If-Modified-Since only without it."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip() for tag in if_none_match.split(",")]
        # Weak comparison, as GET allows.
        return "*" in tags or any(tag.removeprefix("W/") == resource.etag for tag in tags)
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return resource.last_modified <= since


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site_resources: dict[str, _Resource]) -> None:
        self.site_resources = site_resources
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "LanternPost/1.0"
    sys_version = ""
    timeout = 10  # seconds an idle keep-alive connection may hold its thread

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the default writes one line per request to stderr."""

    def _respond(self, *, send_body: bool) -> None:
        path = urlsplit(self.path).path
        resource = self.server.site_resources.get(path)
        if resource is None:
            self._send(
                HTTPStatus.NOT_FOUND, b"404 Not Found\n", "text/plain; charset=utf-8", send_body
            )
            return
        validators = {
            "ETag": resource.etag,
            "Last-Modified": format_datetime(resource.last_modified, usegmt=True),
        }
        if _not_modified(self.headers, resource):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in validators.items():
                self.send_header(name, value)
            self.end_headers()
            return
        self._send(HTTPStatus.OK, resource.body, resource.content_type, send_body, validators)

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        send_body: bool,
        extra: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class DemoSite:
    """The bundled news site, served on 127.0.0.1 from a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._manifest = _load_manifest()
        files = _site_files()
        self._templates = {
            entry["slug"]: files.joinpath("articles", f"{entry['slug']}.html").read_text(
                encoding="utf-8"
            )
            for entry in self._manifest
        }
        self._stylesheet = files.joinpath("site.css").read_bytes()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    @property
    def article_count(self) -> int:
        """How many articles the site publishes (each feed lists some of them)."""
        return len(self._manifest)

    def start(self) -> DemoSite:
        """Bind (port 0 picks a free port) and serve from a daemon thread; returns self."""
        with self._lock:
            if self._server is not None:
                return self
            server = _Server((self._host, self._port), {})
            port = server.server_address[1]
            self._base_url = f"http://{self._host}:{port}"
            server.site_resources.update(self._render(self._base_url))
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"newsflow-demo-site:{port}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Shut the server down and join its thread. Safe to call more than once."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None or thread is None:
            return
        server.shutdown()
        server.server_close()
        thread.join()

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` of the running (or last run) server."""
        if self._base_url is None:
            raise RuntimeError("DemoSite has not been started")
        return self._base_url

    @property
    def feed_urls(self) -> list[str]:
        """Absolute URLs of the RSS, Atom and JSON feeds, in that order."""
        return [self.base_url + path for path in (RSS_PATH, ATOM_PATH, JSON_FEED_PATH)]

    @property
    def article_urls(self) -> list[str]:
        """Absolute URL of every article page, in manifest order."""
        return [self.base_url + ARTICLE_PATH.format(slug=e["slug"]) for e in self._manifest]

    def articles(self) -> list[dict[str, Any]]:
        """The manifest entries (copies): slug, title, author, published, summary, feeds."""
        return copy.deepcopy(self._manifest)

    def _render(self, base_url: str) -> dict[str, _Resource]:
        renderer = _Renderer(base_url, self._manifest)
        newest = max(_published(e) for e in self._manifest)

        def newest_in(kind: str) -> datetime:
            return max(_published(e) for e in self._manifest if kind in e["feeds"])

        site: dict[str, _Resource] = {
            RSS_PATH: _Resource.build(renderer.rss(), RSS_TYPE, newest_in("rss")),
            ATOM_PATH: _Resource.build(renderer.atom(), ATOM_TYPE, newest_in("atom")),
            JSON_FEED_PATH: _Resource.build(
                renderer.json_feed(), JSON_FEED_TYPE, newest_in("json")
            ),
            STYLESHEET_PATH: _Resource.build(self._stylesheet, "text/css", newest),
        }
        index = _Resource.build(renderer.index(), HTML_TYPE, newest)
        site["/"] = site["/index.html"] = index
        for entry in self._manifest:
            page = renderer.page(self._templates[entry["slug"]])
            site[ARTICLE_PATH.format(slug=entry["slug"])] = _Resource.build(
                page, HTML_TYPE, _published(entry)
            )
        return site
