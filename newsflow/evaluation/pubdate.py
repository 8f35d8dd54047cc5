"""``newsflow eval pubdate GOLD_DIR``: publication dates found by the cleaner.

The folder holds ``labels.json`` (``{url: {"file": str, "date": "YYYY-MM-DD"}}``)
and ``html/<file>.gz``. newsflow's cleaner runs exactly as the fetch stage runs
it (:func:`~newsflow.ingest.cleaner.clean_batch`, then the Article's
``published`` as :mod:`newsflow.ingest.article` resolves it, without a feed);
the baseline, in the same process, is
``htmldate.find_date(html, url=url, extensive_search=True, original_date=True)``.
Score: the share of pages whose date equals the label (a missing date is wrong).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import orjson

from .frame import Progress, Result, read_gz

HELP = "publication dates against a labelled folder (labels.json + html/<file>.gz)"


def load(path: Path) -> list[tuple[str, str, bytes]]:
    """(url, gold date, html bytes) of every labelled page, in label order."""
    labels_file = path / "labels.json" if path.is_dir() else path
    root = labels_file.parent
    labels = orjson.loads(labels_file.read_bytes())
    pages = []
    for url, item in labels.items():
        html_path = root / "html" / f"{item['file']}.gz"
        if not html_path.is_file():
            raise FileNotFoundError(f"{html_path}: missing page for {url}")
        pages.append((url, str(item["date"]), read_gz(html_path)))
    return pages


def newsflow_date(html: bytes, url: str) -> str | None:
    """The day of the Article's ``published``, as the fetch stage would set it."""
    from newsflow.ingest.article import page_published
    from newsflow.ingest.cleaner import PageInput, clean_batch

    result = clean_batch([PageInput(html, url)])[0]
    published = page_published(result)
    return published[:10] if published else None


def htmldate_date(html: bytes, url: str) -> str | None:
    from htmldate import find_date

    try:
        found = find_date(html, url=url, extensive_search=True, original_date=True)
    except Exception:  # the baseline failing on a page counts as a missing date
        return None
    return str(found) if found else None


def evaluate(path: Path, args: argparse.Namespace, progress: Progress) -> Result:
    pages = load(path)
    if not pages:
        raise FileNotFoundError(f"{path}: no pages in labels.json")
    progress.start(2 * len(pages))
    ours: dict[str, str | None] = {}
    base: dict[str, str | None] = {}
    for url, _, html in pages:
        ours[url] = newsflow_date(html, url)
        progress.advance()
    for url, _, html in pages:
        base[url] = htmldate_date(html, url)
        progress.advance()
    progress.finish()
    details = []
    right = base_right = 0
    for url, gold, _ in pages:
        right += ours[url] == gold
        base_right += base[url] == gold
        details.append(f"{'ok ' if ours[url] == gold else 'BAD'}\t{url}\tgold {gold}"
                       f"\tnewsflow {ours[url]}\tbaseline {base[url]}")
    n = len(pages)
    summary: dict[str, Any] = {"set": "pubdate", "n": n, "accuracy": round(right / n, 4),
                               "baseline": {"accuracy": round(base_right / n, 4)}}
    return Result(summary, ours, details)
