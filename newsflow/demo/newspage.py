"""The HTML page around a generated article: what a real news site sends with the text.

Inline styles, analytics and ad scripts, a large JSON state blob, a navigation menu of a
hundred links, ad slots, related articles, a most-read list, reader comments, a newsletter
form and a footer, filled until the page reaches its target size. The article's own text
is in ``<article>`` paragraphs; its metadata is in the usual ``<meta>`` tags and JSON-LD.
"""

from __future__ import annotations

import functools
import json
import random
from datetime import datetime, timedelta
from html import escape
from typing import TYPE_CHECKING

from newsflow.demo import vocabulary as V

if TYPE_CHECKING:
    from newsflow.demo.newsgen import GeneratedArticle

_SCRIPT = """(function(w,d){{var q=w.__q{n}=w.__q{n}||[];function t(e,p){{q.push([e,p,Date.now()]);
if(q.length>{m}){{var b=JSON.stringify(q.splice(0,q.length));try{{navigator.sendBeacon('/collect?s={sid}',b)}}
catch(x){{}}}}}}w.addEventListener('scroll',function(){{t('scroll',Math.round(w.scrollY/{m}))}},{{passive:true}});
d.querySelectorAll('[data-track]').forEach(function(el){{el.addEventListener('click',function(){{
t('click',el.getAttribute('data-track'))}})}});t('view',{{slot:'{slot}',section:'{section}',v:{n}}});
}})(window,document);"""


@functools.lru_cache(maxsize=4096)
def _slug(text: str) -> str:
    keep = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(p for p in keep.split("-") if p)[:60]


@functools.cache
def _stylesheets() -> list[str]:
    from newsflow.demo.newsgen import rng_for

    r = rng_for("styles")
    return [_css(r) for _ in range(8)]


def _css(r: random.Random) -> str:
    rules = []
    for n in range(r.randint(120, 200)):
        name = r.choice(["c", "l", "u", "m", "o"]) + f"-{r.choice(['card', 'grid', 'nav', 'ad', 'btn', 'txt', 'hd', 'ft'])}{n}"
        rules.append(f".{name}{{margin:{r.randint(0, 24)}px {r.randint(0, 24)}px;"
                     f"padding:{r.randint(0, 16)}px;font-size:{r.choice([12, 13, 14, 16, 18, 22])}px;"
                     f"color:#{r.randrange(0xFFFFFF):06x};display:{r.choice(['block', 'flex', 'grid'])}}}")
    return "\n".join(rules)


def _nav(base: str) -> str:
    out = ['<nav class="c-nav" aria-label="Sections"><ul class="menu">']
    for top, subs in V.NAV_LINKS.items():
        items = "".join(f'<li><a href="{base}/{_slug(top)}/{_slug(s)}" data-track="nav-{_slug(s)}">'
                        f"{escape(s)}</a></li>" for s in subs)
        out.append(f'<li class="menu-top"><a href="{base}/{_slug(top)}">{escape(top)}</a>'
                   f'<ul class="menu-sub">{items}</ul></li>')
    out.append("</ul></nav>")
    return "".join(out)


def _ad(r: random.Random, slot: str, section: str) -> str:
    n = r.randint(100, 999)
    script = _SCRIPT.format(n=n, m=r.randint(8, 40), sid=f"{r.getrandbits(64):016x}", slot=slot,
                            section=section)
    return (f'<div class="ad-slot ad-{slot}" data-ad-unit="/{n}/news/{section}/{slot}" '
            f'aria-hidden="true"><span class="ad-label">Advertisement</span>'
            f"<script>{script}</script></div>")


@functools.cache
def _headlines() -> list[tuple[str, str]]:
    """Headlines and standfirsts of other articles, shared by every page (as on real sites)."""
    from newsflow.demo.newsgen import BASE_DATE, headline, rng_for

    r = rng_for("headlines")
    return [headline(r, BASE_DATE) for _ in range(400)]


@functools.cache
def _comment_texts() -> list[str]:
    from newsflow.demo.newsgen import BASE_DATE, Story, rng_for

    r = rng_for("comments")
    story = Story(r, BASE_DATE)
    return [" ".join(story.fill(t) for t in r.sample(V.COMMENTS, r.randint(1, 3)))
            for _ in range(600)]


def _teaser(r: random.Random, base: str, published: datetime, cls: str) -> tuple[str, dict[str, str]]:
    when = published - timedelta(hours=r.randint(1, 400))
    title, summary = r.choice(_headlines())
    url = f"{base}/{r.choice(list(V.SECTIONS))}/{_slug(title)}-{r.getrandbits(24)}"
    html = (f'<li class="{cls}"><a href="{url}" data-track="{cls}"><img src="{base}/img/'
            f'{r.getrandbits(40):010x}.jpg" alt="" loading="lazy" width="320" height="180">'
            f'<h3>{escape(title)}</h3></a><p class="teaser">{escape(summary)}</p>'
            f'<time datetime="{when.isoformat()}">{when.strftime("%d %b %Y")}</time></li>')
    return html, {"id": f"{r.getrandbits(48):012x}", "title": title, "url": url,
                  "published": when.isoformat(), "image": f"{r.getrandbits(40):010x}.jpg"}


def _comment(r: random.Random) -> str:
    ago = r.choice([f"{r.randint(2, 59)} minutes ago", f"{r.randint(1, 23)} hours ago",
                    f"{r.randint(1, 6)} days ago"])
    return (f'<li class="comment" id="c{r.getrandbits(32)}"><div class="comment-meta">'
            f'<span class="comment-author">{r.choice(V.COMMENT_NAMES)}</span> '
            f'<span class="comment-age">{ago}</span></div><div class="comment-body"><p>'
            f'{escape(r.choice(_comment_texts()))}</p></div><div class="comment-actions"><button>Reply'
            f'</button><button>Report</button><span class="votes">{r.randint(0, 300)}</span></div></li>')


def render_page(article: GeneratedArticle, r: random.Random, target_bytes: int) -> str:
    base, published = article.base_url, article.published
    paper = r.choice(V.PAPERS)
    url = article.url
    authors = " and ".join(article.authors)
    iso = published.isoformat()
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                     "headline": article.title, "datePublished": iso, "dateModified": iso,
                     "author": [{"@type": "Person", "name": a} for a in article.authors],
                     "publisher": {"@type": "Organization", "name": paper},
                     "mainEntityOfPage": url}, ensure_ascii=False)
    paras = article.text.split("\n\n")
    body: list[str] = []
    for k, para in enumerate(paras):
        body.append(f"<p>{escape(para)}</p>")
        if k == 2:
            body.append(_ad(r, "inarticle", article.section))
    head = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(article.title)} | {escape(paper)}</title>"
            f'<meta name="description" content="{escape(article.summary)}">'
            f'<link rel="canonical" href="{url}"><meta property="og:url" content="{url}">'
            f'<meta property="og:title" content="{escape(article.title)}">'
            f'<meta property="og:type" content="article"><meta property="og:site_name" content="{escape(paper)}">'
            f'<meta property="article:published_time" content="{iso}">'
            f'<meta property="article:section" content="{article.section}">'
            f'<meta name="author" content="{escape(authors)}">'
            f'<script type="application/ld+json">{ld}</script>'
            f"<style>{r.choice(_stylesheets())}</style>{_ad(r, 'head', article.section)}</head>")
    top = (f'<body class="article-page"><div id="cookie-banner" role="dialog"><p>We use cookies to '
           f'improve your experience and to show you relevant advertising.</p><button>Accept all'
           f'</button><button>Manage choices</button></div><header class="site-header">'
           f'<a class="logo" href="{base}/">{escape(paper)}</a>{_nav(base)}'
           f'<form class="search" action="{base}/search"><input name="q" placeholder="Search">'
           f"</form></header>{_ad(r, 'leaderboard', article.section)}")
    main = (f'<main id="content"><article class="story"><header><p class="kicker">'
            f"{article.section.title()}</p><h1>{escape(article.title)}</h1>"
            f'<p class="standfirst">{escape(article.summary)}</p><p class="byline">By '
            f'<span class="author">{escape(authors)}</span> <time datetime="{iso}">'
            f'{published.strftime("%A %d %B %Y %H:%M")} UTC</time></p></header>'
            f'<div class="story-body">{"".join(body)}</div></article>')
    share = ('<div class="share"><a href="#" data-track="share-mail">Email</a>'
             '<a href="#" data-track="share-copy">Copy link</a><a href="#" data-track="share-print">'
             "Print</a></div>")
    footer = ('<footer class="site-footer"><ul>'
              + "".join(f'<li><a href="{base}/{_slug(f)}">{f}</a></li>' for f in V.FOOTER_LINKS)
              + f"</ul><p>\u00a9 {published.year} {escape(paper)}. All rights reserved.</p></footer>")
    fixed = len(head) + len(top) + len(main) + len(share) + len(footer) + 600
    budget = max(0, target_bytes - fixed)
    # Share the rest between related links (30 %), comments (35 %) and the app state (35 %).
    related: list[str] = []
    state: list[dict[str, str]] = []
    size = 0
    while size < budget * 0.30 or len(related) < 6:
        html, data = _teaser(r, base, published, "related")
        related.append(html)
        state.append(data)
        size += len(html)
    comments: list[str] = []
    size = 0
    while size < budget * 0.35:
        comments.append(_comment(r))
        size += len(comments[-1])
    size = sum(len(json.dumps(d, ensure_ascii=False)) for d in state)
    while size < budget * 0.35:
        state.append(_teaser(r, base, published, "state")[1])
        size += len(json.dumps(state[-1], ensure_ascii=False))
    blob = json.dumps({"page": {"id": article.url_path, "section": article.section},
                       "related": state}, ensure_ascii=False).replace("</", "<\\/")
    aside = (f'<aside class="related"><h2>Related stories</h2><ul>{"".join(related)}</ul></aside>'
             f'<section id="comments" class="comments"><h2>Comments ({len(comments)})</h2>'
             f'<ol class="comment-list">{"".join(comments)}</ol></section>'
             f'<aside class="newsletter"><h2>Get the morning briefing</h2><form action="{base}/'
             f'newsletter"><input type="email" name="email"><button>Sign up</button></form></aside>')
    tail = (f'<script id="__APP_STATE__" type="application/json">{blob}</script>'
            f"<script>{_SCRIPT.format(n=1, m=20, sid='app', slot='page', section=article.section)}"
            f"</script></body></html>")
    return head + top + main + share + _ad(r, "sidebar", article.section) + aside + "</main>" \
        + footer + tail
