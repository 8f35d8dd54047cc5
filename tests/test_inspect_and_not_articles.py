"""``newsflow inspect`` on local pages, and pages that are not articles in the pipeline."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest
from test_pipeline import run_pipeline_until

from newsflow.core.kafka import KafkaFactory
from newsflow.core.settings import Settings
from newsflow.inspect import InspectError, inspect

from support.kafka import read_all
from support.pages import PARAGRAPHS, article_page

pytestmark = pytest.mark.timeout(300)

STAMP = "2025-06-01T14:00:00+02:00"
LD = json.dumps({"@type": "NewsArticle", "headline": "Light rail to the north",
                 "datePublished": STAMP, "author": {"@type": "Person", "name": "Ana Ruiz"}})
ARTICLE = article_page(paragraphs=PARAGRAPHS * 2,
                       head=f'<script type="application/ld+json">{LD}</script>')
PAYWALLED = json.dumps({"@type": "NewsArticle", "headline": "Budget", "datePublished": STAMP,
                        "isAccessibleForFree": False})
STUB = article_page(paragraphs=[PARAGRAPHS[0]],
                    head=f'<script type="application/ld+json">{PAYWALLED}</script>',
                    body_extra="<p>Subscribe now to continue reading.</p>")


@pytest.fixture
def site() -> Iterator[str]:
    """A local news site: a feed with an article and a paywall stub."""
    pages: dict[str, tuple[str, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return None

        def do_GET(self) -> None:
            found = pages.get(self.path)
            if found is None:
                self.send_response(404)
                self.end_headers()
                return
            kind, body = found
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    items = "".join(
        f"<item><title>{t}</title><link>{base}{p}</link><guid>{base}{p}</guid>"
        f"<pubDate>Sun, 01 Jun 2025 12:00:00 +0000</pubDate></item>"
        for t, p in (("Light rail", "/2025/06/01/light-rail"), ("Budget", "/2025/06/01/budget"),
                     ("Report", "/2025/06/01/report.pdf"), ("Huge", "/2025/06/01/huge")))
    pages.update({
        "/feed.xml": ("application/rss+xml", f'<?xml version="1.0"?><rss version="2.0">'
                      f"<channel><title>Local</title><link>{base}/</link>{items}</channel></rss>"
                      .encode()),
        "/2025/06/01/light-rail": ("text/html; charset=utf-8", ARTICLE.encode()),
        "/2025/06/01/budget": ("text/html; charset=utf-8", STUB.encode()),
        "/2025/06/01/report.pdf": ("application/pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"),
        "/2025/06/01/huge": ("text/html", article_page(paragraphs=PARAGRAPHS * 400).encode()),
    })
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


async def test_inspect_a_url_shows_fields_with_sources_and_times(
        site: str, make_settings: Callable[..., Settings]) -> None:
    out, err = io.StringIO(), io.StringIO()
    status = await inspect(make_settings(), f"{site}/2025/06/01/light-rail", out=out, err=err)
    assert status == 0, err.getvalue()
    view = out.getvalue()
    assert "published      2025-06-01T14:00:00+02:00  [jsonld]" in view
    assert "authors        Ana Ruiz  [jsonld]" in view
    assert "entities:" in view and PARAGRAPHS[1] in view
    assert "fetch" in err.getvalue() and "clean" in err.getvalue() and " ms" in err.getvalue()


async def test_inspect_a_file_as_json(tmp_path: Path, make_settings: Callable[..., Settings]
                                      ) -> None:
    path = tmp_path / "page.html"
    path.write_text(ARTICLE)
    out = io.StringIO()
    status = await inspect(make_settings(), str(path), as_json=True,
                           page_url="https://news.example.org/2025/06/01/light-rail",
                           out=out, err=io.StringIO())
    assert status == 0
    article = orjson.loads(out.getvalue())
    assert article["published"] == STAMP and article["field_sources"]["title"] == "jsonld"
    assert article["entities"] and article["provenance"]["newsflow_version"]


async def test_inspect_says_why_a_page_would_not_be_published(
        site: str, make_settings: Callable[..., Settings]) -> None:
    out, err = io.StringIO(), io.StringIO()
    status = await inspect(make_settings(), f"{site}/2025/06/01/budget", out=out, err=err)
    assert status == 1 and out.getvalue() == ""
    assert "not_article, kind paywall" in err.getvalue()
    with pytest.raises(InspectError, match="no such file"):
        await inspect(make_settings(), "/nonexistent/page.html", out=out, err=err)


async def test_inspect_keeps_the_size_limit_for_files(tmp_path: Path,
                                                      make_settings: Callable[..., Settings]
                                                      ) -> None:
    path = tmp_path / "huge.html"
    path.write_text(article_page(paragraphs=PARAGRAPHS * 400))
    with pytest.raises(InspectError, match="too_large"):
        await inspect(make_settings(http_max_bytes=100_000), str(path), out=io.StringIO(),
                      err=io.StringIO())


async def test_a_page_that_is_no_article_is_dead_lettered_with_its_kind_and_never_enriched(
        site: str, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(http_max_bytes=100_000)
    pipeline, enriched = await run_pipeline_until(settings, [f"{site}/feed.xml"], "enriched", 1)
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    for _ in range(100):
        dlq = await read_all(factory, pipeline.topics.dlq)
        if len(dlq) >= 3:
            break
        await asyncio.sleep(0.1)
    articles = await read_all(factory, pipeline.topics.articles)
    assert [orjson.loads(r.value)["url"] for r in articles] == [f"{site}/2025/06/01/light-rail"]
    assert [v["url"] for v in enriched] == [f"{site}/2025/06/01/light-rail"]
    assert enriched[0]["published"] == STAMP
    assert enriched[0]["field_sources"]["published"] == "jsonld"
    assert len(dlq) == 3
    letters = {orjson.loads(r.value)["url"]: {k: v.decode() for k, v in r.headers} for r in dlq}
    stub = letters[f"{site}/2025/06/01/budget"]
    assert stub["dlq.reason"] == "not_article" and stub["dlq.kind"] == "paywall"
    assert stub["dlq.stage"] == "fetch" and stub["dlq.published"] == STAMP
    pdf = letters[f"{site}/2025/06/01/report.pdf"]
    assert pdf["dlq.reason"] == "not_article" and pdf["dlq.kind"] == "pdf"
    assert letters[f"{site}/2025/06/01/huge"]["dlq.reason"] == "too_large"
