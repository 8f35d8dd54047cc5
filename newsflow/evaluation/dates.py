"""``newsflow eval dates DIR``: temporal expressions on TimeML files, scored as TempEval-3.

Extent F1 strict (same offsets) and relaxed (overlapping, each gold timex
matched once), value F1 (relaxed matches with the gold value, over all system
and gold timexes) and type accuracy on relaxed matches. Each document is
normalised against its creation time (``<DCT>``). The baseline in the same run
is spaCy's DATE/TIME entities with values from dateparser.
"""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ._enrich import add_model_argument, enrich
from .frame import Progress, Result

HELP = "temporal expressions on TimeML files (TempEval-3 scoring), against spaCy + dateparser"


@dataclass(frozen=True)
class Timex:
    start: int
    end: int
    type: str
    value: str


@dataclass
class Document:
    name: str
    dct: str | None
    text: str
    gold: list[Timex]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)


def read_timeml(path: Path) -> Document:
    """The text of ``<TEXT>`` (its text nodes joined, tags removed) and its TIMEX3s."""
    root = ET.parse(path).getroot()
    dct_node = root.find("DCT/TIMEX3")
    dct = dct_node.get("value") if dct_node is not None else None
    body = root.find("TEXT")
    if body is None:
        raise ValueError("no <TEXT> element")
    parts: list[str] = []
    gold: list[Timex] = []
    pos = 0

    def walk(node: ET.Element) -> None:
        nonlocal pos
        start = pos
        if node.text:
            parts.append(node.text)
            pos += len(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
                pos += len(child.tail)
        if node.tag == "TIMEX3":
            gold.append(Timex(start, pos, node.get("type", ""), node.get("value", "")))

    walk(body)
    return Document(path.name, dct, "".join(parts), sorted(gold, key=lambda t: t.start))


def score(docs: list[tuple[list[Timex], list[Timex]]]) -> dict[str, Any]:
    """TempEval-3 timex scores over (gold, predicted) pairs of documents."""
    n_gold = n_pred = strict = relaxed = value_ok = type_ok = 0
    for gold, pred in docs:
        n_gold += len(gold)
        n_pred += len(pred)
        exact = {(t.start, t.end) for t in gold}
        strict += sum((p.start, p.end) in exact for p in pred)
        used: set[int] = set()
        for g in gold:
            for i, p in enumerate(pred):
                if i not in used and p.start < g.end and g.start < p.end:
                    used.add(i)
                    relaxed += 1
                    value_ok += p.value == g.value
                    type_ok += p.type == g.type
                    break

    def f1(k: int) -> float:
        return round(2 * k / (n_gold + n_pred), 4) if n_gold + n_pred else 0.0

    return {"strict_f1": f1(strict), "relaxed_f1": f1(relaxed), "value_f1": f1(value_ok),
            "type_acc": round(type_ok / relaxed, 4) if relaxed else 0.0,
            "predicted": n_pred}


def baseline(docs: list[Document], model: str, progress: Progress) -> list[list[Timex]]:
    """spaCy's DATE and TIME entities, each value from dateparser relative to the DCT."""
    import dateparser

    from newsflow.processors import nlp

    pipeline = nlp.pipeline(model)
    out: list[list[Timex]] = []
    for doc, document in zip(pipeline.pipe(d.text for d in docs), docs, strict=True):
        base = _dct_datetime(document.dct)
        settings: dict[str, Any] = {"RELATIVE_BASE": base} if base else {}
        found = []
        for e in doc.ents:
            if e.label_ not in ("DATE", "TIME"):
                continue
            parsed = dateparser.parse(e.text, settings=settings)
            value = ""
            if parsed is not None:
                value = parsed.strftime("%Y-%m-%dT%H:%M" if e.label_ == "TIME" else "%Y-%m-%d")
            found.append(Timex(e.start_char, e.end_char, e.label_, value))
        out.append(found)
        progress.advance()
    return out


def _dct_datetime(dct: str | None) -> datetime | None:
    if not dct:
        return None
    try:
        return datetime.fromisoformat(dct[:19])
    except ValueError:
        return None


def evaluate(path: Path, args: argparse.Namespace, progress: Progress) -> Result:
    files = sorted(path.rglob("*.tml")) if path.is_dir() else [path]
    if not files:
        raise ValueError(f"{path}: no TimeML (.tml) files")
    docs = []
    for f in files:
        try:
            docs.append(read_timeml(f))
        except (ET.ParseError, ValueError, OSError) as exc:
            raise ValueError(f"{f}: not a TimeML file ({exc})") from None
    progress.start(2 * len(docs))
    results = enrich([(d.text, d.dct[:10] if d.dct else None) for d in docs], args.model,
                     progress)
    ours = [[Timex(m["start"], m["end"], m["type"], m["value"]) for m in r["dates"]]
            for r in results]
    base = baseline(docs, args.model, progress)
    progress.finish()
    summary = {"set": "dates", "n": len(docs), "gold": sum(len(d.gold) for d in docs),
               **score([(d.gold, p) for d, p in zip(docs, ours, strict=True)]),
               "baseline": {"name": "spaCy DATE/TIME + dateparser",
                            **score([(d.gold, p) for d, p in zip(docs, base, strict=True)])}}
    predictions = {d.name: [{"start": t.start, "end": t.end, "type": t.type, "value": t.value}
                            for t in p] for d, p in zip(docs, ours, strict=True)}
    details = []
    if args.verbose:
        for d, p in zip(docs, ours, strict=True):
            details.extend(_differences(d, p))
    return Result(summary, predictions, details)


def _differences(doc: Document, pred: list[Timex]) -> list[str]:
    lines = []
    gold = {(t.start, t.end): t for t in doc.gold}
    seen = set()
    for p in pred:
        g = gold.get((p.start, p.end))
        if g is not None:
            seen.add((g.start, g.end))
            if (g.type, g.value) != (p.type, p.value):
                lines.append(f"{doc.name}\t{doc.text[p.start:p.end]!r}\tgold {g.type} {g.value}"
                             f"\tgot {p.type} {p.value}")
        else:
            lines.append(f"{doc.name}\t{doc.text[p.start:p.end]!r}\tgold -\tgot {p.type} "
                         f"{p.value}")
    for key, g in gold.items():
        if key not in seen:
            lines.append(f"{doc.name}\t{doc.text[g.start:g.end]!r}\tgold {g.type} {g.value}"
                         "\tgot -")
    return lines
