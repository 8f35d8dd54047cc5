"""``newsflow eval entities FILE``: named entities on CoNLL-2003 (exact span, exact type).

newsflow runs per document (a ``-DOCSTART-`` document's sentences joined into
one text, one sentence per line, tokens separated by spaces), every published
mention is mapped back to the tokens it covers, and the OntoNotes labels are
mapped to CoNLL's four types. In the same run the baseline is raw spaCy (the
same pipeline and components, no corrections) on each sentence's given tokens.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._enrich import add_model_argument, enrich
from .frame import Progress, Result

HELP = "entities on a CoNLL-2003 file, against raw spaCy per sentence"
TYPES = ("PER", "ORG", "LOC", "MISC")
TO_CONLL = {
    "PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "NORP": "MISC",
    "EVENT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC", "LANGUAGE": "MISC",
    "PRODUCT": "MISC",
}  # fmt: skip

Mention = tuple[int, int, str]  # start token, end token (exclusive), CoNLL type


@dataclass
class Sentence:
    tokens: list[str]
    gold: list[Mention]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)


def read_conll(path: Path) -> list[list[Sentence]]:
    """Documents of sentences, with the gold mentions decoded from IOB1 (or IOB2) tags."""
    docs: list[list[Sentence]] = []
    tokens: list[str] = []
    tags: list[str] = []

    def flush() -> None:
        if tokens:
            if not docs:
                docs.append([])
            docs[-1].append(Sentence(list(tokens), decode_iob(tags)))
        tokens.clear()
        tags.clear()

    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split()
        if not fields:
            flush()
        elif fields[0] == "-DOCSTART-":
            flush()
            docs.append([])
        elif len(fields) < 2:
            raise ValueError(f"{path}:{lineno}: expected 'token ... tag', got {line!r}")
        else:
            tokens.append(fields[0])
            tags.append(fields[-1])
    flush()
    return [d for d in docs if d]


def decode_iob(tags: Sequence[str]) -> list[Mention]:
    out: list[Mention] = []
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, typ = tag.partition("-")
        if kind and (prefix in ("O", "B") or typ != kind):
            out.append((start, i, kind))
            kind = ""
        if prefix in ("B", "I") and not kind:
            start, kind = i, typ
    return out


def document_text(doc: list[Sentence]) -> tuple[str, list[list[tuple[int, int]]]]:
    """The document's text and each token's character span, per sentence."""
    parts: list[str] = []
    offsets: list[list[tuple[int, int]]] = []
    pos = 0
    for sentence in doc:
        spans = []
        for j, token in enumerate(sentence.tokens):
            if j:
                parts.append(" ")
                pos += 1
            spans.append((pos, pos + len(token)))
            parts.append(token)
            pos += len(token)
        offsets.append(spans)
        parts.append("\n")
        pos += 1
    return "".join(parts), offsets


def to_tokens(mentions: Iterable[tuple[int, int, str]],
              offsets: list[list[tuple[int, int]]]) -> list[list[Mention]]:
    """Character mentions (OntoNotes labels) → token mentions per sentence (CoNLL types).

    A mention covers the tokens it overlaps, within the sentence where it starts."""
    out: list[list[Mention]] = [[] for _ in offsets]
    for start, end, label in mentions:
        typ = TO_CONLL.get(label)
        if typ is None:
            continue
        for k, spans in enumerate(offsets):
            if not spans or spans[-1][1] <= start:
                continue
            covered = [j for j, (s, e) in enumerate(spans) if s < end and start < e]
            if covered:
                out[k].append((covered[0], covered[-1] + 1, typ))
            break
    return [sorted(set(m)) for m in out]


def published_mentions(entities: list[dict[str, Any]]) -> list[tuple[int, int, str]]:
    """Every mention of the published entities (the first one only if mentions are absent)."""
    out: list[tuple[int, int, str]] = []
    for e in entities:
        mentions = e.get("mentions") or [{"start": e["start"], "end": e["end"]}]
        out.extend((m["start"], m["end"], e["label"]) for m in mentions)
    return out


def score(gold: list[list[Mention]], pred: list[list[Mention]]) -> dict[str, Any]:
    tp: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    for g_sent, p_sent in zip(gold, pred, strict=True):
        gs, ps = set(g_sent), set(p_sent)
        for m in gs:
            n_gold[m[2]] += 1
        for m in ps:
            n_pred[m[2]] += 1
            if m in gs:
                tp[m[2]] += 1
    per_type = {t: round(_f1(tp[t], n_pred[t], n_gold[t]), 4) for t in TYPES}
    total = _f1(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    p = sum(tp.values()) / max(sum(n_pred.values()), 1)
    r = sum(tp.values()) / max(sum(n_gold.values()), 1)
    return {"f1": round(total, 4), "precision": round(p, 4), "recall": round(r, 4),
            "per_type": per_type}


def _f1(tp: int, n_pred: int, n_gold: int) -> float:
    return 2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0


def baseline(sentences: list[Sentence], model: str, progress: Progress) -> list[list[Mention]]:
    """Raw spaCy on each sentence's given tokens: the same pipeline, no corrections."""
    from spacy.tokens import Doc

    from newsflow.processors import nlp

    pipeline = nlp.pipeline(model)
    docs = (Doc(pipeline.vocab, words=s.tokens) for s in sentences)
    out: list[list[Mention]] = []
    for doc in pipeline.pipe(docs, batch_size=64):
        out.append(sorted({(e.start, e.end, TO_CONLL[e.label_]) for e in doc.ents
                           if e.label_ in TO_CONLL}))
        progress.advance()
    return out


def evaluate(path: Path, args: argparse.Namespace, progress: Progress) -> Result:
    try:
        docs = read_conll(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path}: not a CoNLL file ({exc})") from None
    sentences = [s for d in docs for s in d]
    progress.start(len(docs) + len(sentences))
    texts = [document_text(d) for d in docs]
    results = enrich([(text, None) for text, _ in texts], args.model, progress)
    pred: list[list[Mention]] = []
    for (_, offsets), result in zip(texts, results, strict=True):
        pred.extend(to_tokens(published_mentions(result["entities"]), offsets))
    base = baseline(sentences, args.model, progress)
    progress.finish()
    gold = [s.gold for s in sentences]
    ours, theirs = score(gold, pred), score(gold, base)
    details = []
    if args.verbose:
        for s, p in zip(sentences, pred, strict=True):
            if set(p) != set(s.gold):
                details.append(_describe(s, p))
    summary = {"set": "entities", "n": len(sentences), "documents": len(docs),
               "gold_mentions": sum(len(g) for g in gold), **ours,
               "baseline": {"name": "raw spaCy per sentence", **theirs}}
    return Result(summary, [[list(m) for m in p] for p in pred], details)


def _describe(sentence: Sentence, pred: list[Mention]) -> str:
    def show(ms: Iterable[Mention]) -> str:
        return ", ".join(f"{' '.join(sentence.tokens[a:b])}/{t}" for a, b, t in sorted(ms))

    g, p = set(sentence.gold), set(pred)
    return (f"{' '.join(sentence.tokens)[:100]}\n  missed: {show(g - p)}\n"
            f"  wrong:  {show(p - g)}")
