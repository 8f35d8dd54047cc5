"""``newsflow eval extraction GOLD_DIR``: main-text quality and speed of the cleaner.

The folder holds ``ground-truth.json`` (``{id: {"articleBody": str, "url": str}}``)
and ``html/<id>.html.gz``. newsflow's cleaner runs exactly as the fetch stage
runs it (:func:`~newsflow.ingest.cleaner.clean_batch`); in the same process,
plain ``trafilatura.extract`` with default options is the quality baseline and
``trafilatura.extract(with_metadata=True)`` the speed baseline (newsflow
extracts metadata too).

Scoring is the article-extraction benchmark's: ``\\w+`` tokens, 4-token
shingles counted as a multiset, per-page TP/FP/FN normalised to sum 1,
precision and recall each averaged over pages, F1 the harmonic mean of the two
averages.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from .frame import Progress, Result, read_gz

HELP = "main text against a ground-truth folder (ground-truth.json + html/<id>.html.gz)"
SHINGLE = 4
_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def match(truth: str, predicted: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, normalised to sum 1 (all zero when both are empty)."""
    gold, pred = shingles(truth), shingles(predicted)
    tp = fp = fn = 0
    for key in gold.keys() | pred.keys():
        g, p = gold.get(key, 0), pred.get(key, 0)
        tp += min(g, p)
        fp += max(0, p - g)
        fn += max(0, g - p)
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def page_precision_recall(tp: float, fp: float, fn: float) -> tuple[float, float]:
    if tp == fp == fn == 0:  # nothing expected and nothing found: right
        return 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    return precision, recall


def scores(pairs: list[tuple[float, float]]) -> dict[str, float]:
    """Precision and recall averaged over pages; F1 of those two averages."""
    n = max(len(pairs), 1)
    precision = sum(p for p, _ in pairs) / n
    recall = sum(r for _, r in pairs) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def load(path: Path) -> list[tuple[str, str, str, bytes]]:
    """(id, url, gold text, html bytes) of every page, in id order."""
    truth_file = path / "ground-truth.json" if path.is_dir() else path
    root = truth_file.parent
    truth = orjson.loads(truth_file.read_bytes())
    pages = []
    for page_id in sorted(truth):
        item = truth[page_id]
        html_path = root / "html" / f"{page_id}.html.gz"
        if not html_path.is_file():
            raise FileNotFoundError(f"{html_path}: missing page for id {page_id}")
        pages.append((page_id, item.get("url") or "", item.get("articleBody") or "",
                      read_gz(html_path)))
    return pages


def _newsflow(html: bytes, url: str) -> str:
    from newsflow.ingest.cleaner import PageInput, clean_batch

    result = clean_batch([PageInput(html, url)])[0]
    return str(result.get("text") or "") if isinstance(result, dict) else ""


def _trafilatura(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def _trafilatura_metadata(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, with_metadata=True) or ""


def _run(fns: list[Callable[[bytes, str], str]], pages: list[tuple[str, str, str, bytes]],
         progress: Progress) -> tuple[list[list[str]], list[float]]:
    """Each function's outputs and total seconds; page by page, in turn, so load spikes on a
    shared machine fall on all of them alike."""
    for fn in fns:
        fn(pages[0][3], pages[0][1])  # first-call costs (imports, lazy data) are not per page
    outputs: list[list[str]] = [[] for _ in fns]
    elapsed = [0.0] * len(fns)
    for _, url, _, html in pages:
        for i, fn in enumerate(fns):
            started = time.perf_counter()
            outputs[i].append(fn(html, url))
            elapsed[i] += time.perf_counter() - started
        progress.advance()
    return outputs, elapsed


def evaluate(path: Path, args: argparse.Namespace, progress: Progress) -> Result:
    pages = load(path)
    if not pages:
        raise FileNotFoundError(f"{path}: no pages in ground-truth.json")
    progress.start(len(pages))
    (ours, base, _), (ours_s, _, speed_s) = _run(
        [_newsflow, _trafilatura, _trafilatura_metadata], pages, progress)
    progress.finish()
    ours_pr, base_pr, details = [], [], []
    for (page_id, _, truth, _), mine, theirs in zip(pages, ours, base, strict=True):
        ours_pr.append(page_precision_recall(*match(truth, mine)))
        base_pr.append(page_precision_recall(*match(truth, theirs)))
        (p, r), (bp, br) = ours_pr[-1], base_pr[-1]
        details.append(f"{page_id}\tP {p:.3f} R {r:.3f}\tbaseline P {bp:.3f} R {br:.3f}")
    n = len(pages)
    summary: dict[str, Any] = {"set": "extraction", "n": n, **scores(ours_pr),
                               "baseline": scores(base_pr),
                               "pages_per_s": round(n / ours_s, 2) if ours_s else None,
                               "baseline_pages_per_s": round(n / speed_s, 2) if speed_s else None}
    predictions = {page_id: {"articleBody": text}
                   for (page_id, _, _, _), text in zip(pages, ours, strict=True)}
    return Result(summary, predictions, details)
