"""``newsflow eval seed DIR``: the hand-made gold of whole articles (``*.gold.json``).

An entity is found when newsflow outputs an entity whose text equals the gold
text or one of its aliases (case-insensitive, whitespace collapsed) with the
same label. A timex is correct when an output date has the same text and value
(a trailing UTC offset on the value ignored); each gold item is matched once.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import orjson

from ._enrich import add_model_argument, enrich
from .frame import Progress, Result

HELP = "the seed articles' gold entities and timexes"
_OFFSET = re.compile(r"(?:Z|[+-][0-9]{2}:?[0-9]{2})\Z")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _value(value: str) -> str:
    return _OFFSET.sub("", value) if "T" in value else value


def match(gold: dict[str, Any], result: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The gold entities and timexes the result misses, as readable lines."""
    entities = {(_norm(e["text"]), e["label"]) for e in result["entities"]}
    missed = []
    for g in gold.get("entities", []):
        names = [g["text"], *g.get("aliases", [])]
        if not any((_norm(n), g["label"]) in entities for n in names):
            missed.append(f"entity {g['text']!r} {g['label']}")
    dates = [(d["text"], _value(d["value"])) for d in result["dates"]]
    wrong = []
    for t in gold.get("timexes", []):
        key = (t["text"], _value(t["value"]))
        if key in dates:
            dates.remove(key)
        else:
            got = [d["value"] for d in result["dates"] if d["text"] == t["text"]]
            wrong.append(f"timex {t['text']!r} {t['value']} (got {', '.join(got) or 'nothing'})")
    return missed, wrong


def evaluate(path: Path, args: argparse.Namespace, progress: Progress) -> Result:
    files = sorted(path.glob("*.gold.json")) if path.is_dir() else [path]
    if not files:
        raise ValueError(f"{path}: no *.gold.json files")
    golds, items = [], []
    for f in files:
        try:
            gold = orjson.loads(f.read_bytes())
            text = (f.parent / gold["source"]).read_text(encoding="utf-8")
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{f}: not a seed gold file ({exc})") from None
        golds.append((f.name, gold))
        items.append((text, gold.get("published")))
    progress.start(len(items))
    results = enrich(items, args.model, progress)
    progress.finish()
    found = total = correct = timexes = 0
    details: list[str] = []
    for (name, gold), result in zip(golds, results, strict=True):
        missed, wrong = match(gold, result)
        total += len(gold.get("entities", []))
        found += len(gold.get("entities", [])) - len(missed)
        timexes += len(gold.get("timexes", []))
        correct += len(gold.get("timexes", [])) - len(wrong)
        details.extend(f"{name}\t{line}" for line in missed + wrong)
    summary = {"set": "seed", "n": len(golds), "entities_found": found, "entities_total": total,
               "timex_correct": correct, "timex_total": timexes}
    predictions = {gold["source"]: result for (_, gold), result in zip(golds, results,
                                                                      strict=True)}
    return Result(summary, predictions, details)
