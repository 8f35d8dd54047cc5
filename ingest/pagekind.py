"""Pages that are not articles, and why: the ``kind`` a rejected page is dead-lettered with.

Kinds: ``pdf`` and ``non_html`` (judged from the bytes), ``challenge`` (a bot
check or block page), ``consent`` (a cookie or privacy wall in place of the
page), ``paywall`` (a subscription stub), ``video`` (a player with no article),
``index`` (a list of links: front, section, tag or search pages) and
``too_short`` (whatever else gives too little text). Every rule but the byte
checks applies only to pages whose main text is short: a real article with a
cookie banner or a subscribe box is still an article.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from .jsonld import ARTICLE_TYPES, COLLECTION_TYPES, VIDEO_TYPES
from .metadata import PageMeta

KINDS = ("pdf", "non_html", "challenge", "consent", "paywall", "video", "index", "too_short")
#: Less main text than this is no article at all.
MIN_TEXT_CHARS = 100
#: Below this, a page that looks like a wall, a stub or a list is taken for one.
SHORT_TEXT_CHARS = 1200
#: A bot check or block page says a sentence or two, no more.
CHALLENGE_TEXT_CHARS = 600
#: Share of the main text made of link texts above which the page is a list of links.
LINKED_SHARE = 0.5

_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"RIFF", b"OggS", b"ID3",
          b"\x1f\x8b", b"\x00\x00\x00", b"fLaC", b"\x1aE\xdf\xa3", b"wOF")
_CHALLENGE_MARKUP = re.compile(
    rb"cf-chl|challenge-platform|_cf_chl_opt|cf-browser-verification|captcha-delivery\.com"
    rb"|px-captcha|_incapsula_resource|perimeterx|ddos-guard|sgcaptcha|awswaf", re.I)
_CHALLENGE_TEXT = re.compile(
    r"just a moment|attention required|checking (if the site connection is secure|your browser)"
    r"|verify(ing)? (that )?you are (a )?human|are you a robot|not a robot|unusual traffic"
    r"|enable (javascript|js) and (cookies|disable)|pardon our interruption|access denied"
    r"|request unsuccessful|you have been blocked|bot detection|security check", re.I)
_CONSENT_TEXT = re.compile(
    r"cookie|consent|privacy (policy|settings|choices|preferences)|accept all|reject all"
    r"|legitimate interest|personali[sz]ed (ads|content)|our partners|manage (options|settings)",
    re.I)
_PAYWALL_TEXT = re.compile(
    r"subscribe (now |today )?to (continue|read|keep reading|unlock|get)|subscribers? only"
    r"|already (a subscriber|have an account)|to continue reading|for subscribers"
    r"|(sign|log) in to (read|continue)|unlock (this|the full) (article|story)"
    r"|start your (free )?(trial|subscription)|premium (article|content)", re.I)
_INDEX_PATH = re.compile(r"/(tags?|category|categories|topics?|section|sections|author|authors"
                         r"|search|archives?)(/|$)", re.I)


def content_kind(content_type: str) -> str:
    """The kind of a body by its declared media type (one the cleaner is not given)."""
    return "pdf" if content_type.endswith("/pdf") else "non_html"


def sniff_bytes(body: bytes) -> str | None:
    """``pdf`` or ``non_html`` for bodies that are plainly not a web page, else None."""
    head = body[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if not head:
        return None
    if head.startswith(_MAGIC) or b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "non_html"
    return None


def page_kind(text: str, meta: PageMeta, tree: HtmlElement, raw: bytes, url: str,
              title: str | None) -> str | None:
    """The kind of non-article page this is, or None for an article."""
    article = bool(meta.types & ARTICLE_TYPES) or meta.og_type == "article"
    if not article and not meta.has_article_signals() and text and linked_share(text, tree) > LINKED_SHARE:
        return "index"
    if len(text) >= SHORT_TEXT_CHARS:
        return None
    words = f"{title or ''}\n{text}"
    # Protected sites carry challenge scripts on ordinary pages too: only a page with next
    # to no text of its own is a challenge.
    if len(text) < CHALLENGE_TEXT_CHARS and (_CHALLENGE_TEXT.search(words[:2000])
                                            or _CHALLENGE_MARKUP.search(raw[:200_000])):
        return "challenge"
    host = url.split("//", 1)[-1].split("/", 1)[0].lower()
    if host.startswith(("consent.", "privacy.", "guce.")) \
            or len(set(m.group(0).lower() for m in _CONSENT_TEXT.finditer(words))) >= 3:
        return "consent"
    if meta.free is False or _PAYWALL_TEXT.search(words):
        return "paywall"
    if not article and (meta.types & VIDEO_TYPES or (meta.og_type or "").startswith("video")):
        return "video"
    if not article and not meta.has_article_signals() and (
            meta.types & COLLECTION_TYPES or _INDEX_PATH.search(url.split("?", 1)[0])):
        return "index"
    if len(text) < MIN_TEXT_CHARS:
        return "too_short"
    return None


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def linked_share(text: str, tree: HtmlElement) -> float:
    """The share of the main text whose lines are, each whole, the text of a link on the page.

    On a front, section or tag page what the extractor keeps is a list of headlines,
    each a link; an article's paragraphs are not links.
    """
    anchors = {_norm(" ".join(a.itertext())) for a in tree.iter("a")}
    anchors.discard("")
    lines = [line for line in text.splitlines() if line.strip()]
    total = sum(len(line) for line in lines)
    if not total:
        return 0.0
    return sum(len(line) for line in lines if _norm(line) in anchors) / total
