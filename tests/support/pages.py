"""Small hand-written news pages for the cleaner's tests and the eval fixture folders."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson

PARAGRAPHS = [
    "The council of Millbrook voted on Tuesday evening to extend the light rail line to the "
    "northern suburbs, ending a debate that had divided the town for more than three years.",
    "Supporters said the extension would cut commuting times in half for thousands of "
    "residents, while opponents warned that the cost had risen twice since the first plan.",
    "Construction is expected to begin next spring, and the first trams could run on the new "
    "track within four years, according to the transport department's own estimate.",
]


def article_page(title: str = "Millbrook approves light rail extension",
                 paragraphs: list[str] | None = None, head: str = "", body_extra: str = "",
                 byline: str = "") -> str:
    paras = "\n".join(f"<p>{p}</p>" for p in (paragraphs or PARAGRAPHS))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Millbrook Gazette</title>
{head}</head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
</header>
<main><article><h1>{title}</h1>{byline}
{paras}
{body_extra}
</article></main>
<footer><p>Copyright Millbrook Gazette. All rights reserved.</p></footer></body></html>"""


def _write_folder(root: Path, index: str, files: dict[str, str], labels: dict[str, object]) -> Path:
    (root / "html").mkdir(parents=True, exist_ok=True)
    for name, html in files.items():
        (root / "html" / f"{name}.gz").write_bytes(gzip.compress(html.encode()))
    (root / index).write_bytes(orjson.dumps(labels))
    return root


def write_extraction_folder(root: Path, pages: dict[str, tuple[str, str, str]]) -> Path:
    """A folder in the extraction gold layout: ``{id: (url, html, gold text)}``."""
    return _write_folder(root, "ground-truth.json",
                         {f"{i}.html": html for i, (_, html, _) in pages.items()},
                         {i: {"articleBody": text, "url": url}
                          for i, (url, _, text) in pages.items()})


def write_pubdate_folder(root: Path, pages: dict[str, tuple[str, str, str]]) -> Path:
    """A folder in the pubdate gold layout: ``{url: (file, html, YYYY-MM-DD)}``."""
    return _write_folder(root, "labels.json", {name: html for name, html, _ in pages.values()},
                         {url: {"file": name, "date": day} for url, (name, _, day) in pages.items()})
