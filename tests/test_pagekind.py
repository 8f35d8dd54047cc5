"""Pages that are not articles are rejected with their kind, and articles are not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsflow.ingest.cleaner import PageInput, clean_batch

from support.pages import PARAGRAPHS, article_page

URL = "https://news.example.org/world/story-1"


def kind_of(body: bytes | str, url: str = URL) -> str | None:
    data = body.encode() if isinstance(body, str) else body
    [result] = clean_batch([PageInput(data, url)])
    assert isinstance(result, dict), result
    return result.get("not_article")


def bare(title: str, body: str, head: str = "") -> str:
    return f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"


def test_an_article_is_an_article() -> None:
    assert kind_of(article_page()) is None


def test_a_paywall_stub() -> None:
    ld = json.dumps({"@type": "NewsArticle", "headline": "Budget", "isAccessibleForFree": False})
    stub = article_page(paragraphs=[PARAGRAPHS[0]],
                        head=f'<script type="application/ld+json">{ld}</script>',
                        body_extra="<p>Subscribe now to continue reading.</p>")
    assert kind_of(stub) == "paywall"


def test_a_consent_wall() -> None:
    wall = bare("Before you continue", "<div><h1>We value your privacy</h1><p>We and our "
                "partners use cookies to store and access information on your device for "
                "personalised ads and content, measurement and audience insights. You can accept "
                "all or manage settings, including your right to object where legitimate "
                "interest is used.</p><button>Accept all</button><button>Reject all</button>"
                "</div>")
    assert kind_of(wall) == "consent"


def test_a_bot_challenge() -> None:
    challenge = bare("Just a moment...", "<noscript>Enable JavaScript and cookies to continue"
                     "</noscript><div id='challenge'>Checking if the site connection is secure"
                     "</div><script src='/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1'>"
                     "</script>")
    assert kind_of(challenge) == "challenge"


def test_an_index_page() -> None:
    items = "".join(f'<li><h2><a href="/world/story-{i}">Headline number {i} of the world '
                    f'desk today</a></h2></li>' for i in range(30))
    index = bare("World news", f"<main><h1>World</h1><ul>{items}</ul></main>")
    assert kind_of(index, "https://news.example.org/world/") == "index"


def test_a_tag_page_with_little_text() -> None:
    tag = bare("Tag: trams", "<main><h1>Trams</h1><p>Stories about trams and light rail "
               "across the region, from planning to the first ride on a new line.</p>"
               '<a href="/a">A story</a></main>')
    assert kind_of(tag, "https://news.example.org/tag/trams") == "index"


def test_a_video_only_page() -> None:
    ld = json.dumps({"@type": "VideoObject", "name": "Tram test run",
                     "contentUrl": "https://news.example.org/v.mp4"})
    video = bare("Tram test run", "<main><h1>Tram test run</h1><video src='/v.mp4'></video>"
                 "<p>Watch the first test run of the new tram on the northern line.</p></main>",
                 f'<script type="application/ld+json">{ld}</script>'
                 '<meta property="og:type" content="video.other">')
    assert kind_of(video) == "video"


def test_a_page_with_too_little_text() -> None:
    assert kind_of(article_page(paragraphs=["Gone."])) == "too_short"


@pytest.mark.parametrize("body, kind", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "pdf"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "non_html"),
])
def test_documents_that_are_not_web_pages(body: bytes, kind: str) -> None:
    assert kind_of(body) == kind


def test_an_article_with_a_cookie_banner_and_a_subscribe_box_is_an_article() -> None:
    extra = ("<div class='cookie-banner'>We use cookies. Accept all. Privacy settings.</div>"
             "<aside><p>Already a subscriber? Log in to read more.</p></aside>")
    assert kind_of(article_page(paragraphs=PARAGRAPHS * 3, body_extra=extra)) is None


def test_the_kinds_are_the_ones_the_dead_letter_contract_names() -> None:
    import yaml

    from newsflow.ingest.pagekind import KINDS

    doc = yaml.safe_load((Path(__file__).parents[1] / "schemas" / "asyncapi.yaml").read_text())
    headers = doc["components"]["schemas"]["DeadLetterHeaders"]["properties"]
    assert headers["dlq.kind"]["enum"] == list(KINDS)
