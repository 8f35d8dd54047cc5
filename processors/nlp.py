"""NLP in worker processes: the spaCy pipeline, entities and dates of a batch of texts.

The model is loaded once per worker process (:func:`load_model` is the pool's
initializer) with only the components the entities need (``tok2vec``, ``ner``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .dates import find_dates
from .entities import Span, count_entities, refine

MAX_CHARS = 200_000
_EXCLUDE = ["parser", "tagger", "lemmatizer", "attribute_ruler", "senter"]
_nlp: Any = None


def load_model(name: str) -> None:
    """Load the spaCy pipeline ``name`` into this process (pool initializer)."""
    global _nlp
    import spacy

    _nlp = spacy.load(name, exclude=_EXCLUDE)
    _nlp("Warm up.")
    from .entities import gazetteer

    gazetteer()


def model_info(name: str) -> tuple[str, str]:
    """(name, version) of an installed pipeline, read from its metadata without loading it."""
    import spacy

    meta = spacy.util.get_package_path(name) / "meta.json" if spacy.util.is_package(name) else None
    if meta is not None and meta.is_file():
        import json

        data = json.loads(meta.read_text(encoding="utf-8"))
        return f"{data.get('lang', 'xx')}_{data.get('name', name)}", str(data.get("version", "?"))
    return name, "unknown"


def reference_time(published: str | None) -> date | datetime | None:
    if not published:
        return None
    try:
        if len(published) <= 10:
            return date.fromisoformat(published)
        return datetime.fromisoformat(published)
    except ValueError:
        return None


def analyse_batch(items: list[tuple[str, str | None]]) -> list[dict[str, Any]]:
    """Entities and dates of each (text, published) pair."""
    if _nlp is None:
        raise RuntimeError("load_model() was not called in this worker")
    texts = [text[:MAX_CHARS] for text, _ in items]
    results = []
    for doc, (_, published) in zip(_nlp.pipe(texts, batch_size=8), items, strict=True):
        spans = [Span(e.start_char, e.end_char, e.label_) for e in doc.ents]
        hints = [(s.start, s.end, s.label) for s in spans if s.label in ("DATE", "TIME")]
        dates = find_dates(doc.text, reference_time(published), hints)
        # A span the date tagger normalised is a date, whatever label the model gave it.
        named = [s for s in spans
                 if not any(d.start < s.end and s.start < d.end for d in dates)]
        entities = count_entities(doc.text, refine(doc.text, named))
        results.append({"entities": entities, "dates": [d.model_dump() for d in dates]})
    return results


def pipeline(name: str) -> Any:
    """The pipeline of this process (loaded as :func:`load_model` does, when it is not yet)."""
    if _nlp is None:
        load_model(name)
    return _nlp
