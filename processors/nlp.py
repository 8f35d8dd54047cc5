"""NLP in worker processes: the spaCy pipeline, entities and dates of a batch of texts.

The model is loaded once per worker process (:func:`load_model` is the pool's
initializer) with only the components the entities and dates need (``tok2vec``, ``ner``, and
``tagger``, whose part-of-speech tags tell the date tagger a clause's tense).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .dates import find_dates_or_raise
from .entities import Span, refine
from .mentions import entities

log = logging.getLogger(__name__)

MAX_CHARS = 200_000
_EXCLUDE = ["parser", "lemmatizer", "attribute_ruler", "senter"]
_nlp: Any = None


def load_model(name: str) -> None:
    """Load the spaCy pipeline ``name`` into this process (pool initializer)."""
    global _nlp
    import spacy

    _nlp = spacy.load(name, exclude=_EXCLUDE)
    _nlp("Warm up.")
    from .gazetteer import warm_up

    warm_up()


def model_info(name: str) -> tuple[str, str]:
    """(name, version) of an installed pipeline, read from its metadata without loading it
    (nor spaCy: the parent process of the workers never needs it)."""
    import importlib.util
    import json

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    meta = Path(locations[0]) / "meta.json" if locations else None
    if meta is not None and meta.is_file():
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


#: Labels of the smaller (WikiNER) models of other languages, in OntoNotes terms.
_WIKINER = {"PER": "PERSON", "ORG": "ORG", "LOC": "LOC", "MISC": "MISC"}
_other_models: dict[str, Any] = {}


def _model_for(language: str | None) -> tuple[Any, str | None]:
    """The pipeline for ``language`` (ISO 639-1), or None and why there is none."""
    lang = (language or "en").split("-")[0].casefold()
    if lang == "en":
        return _nlp, None
    if lang not in _other_models:
        import spacy

        names = [f"{lang}_core_news_sm", f"{lang}_core_web_sm", f"{lang}_core_news_md"]
        found = next((n for n in names if spacy.util.is_package(n)), None)
        _other_models[lang] = spacy.load(found, exclude=_EXCLUDE) if found else None
    model = _other_models[lang]
    if model is None:
        return None, f"no spaCy pipeline for language {lang!r} is installed"
    return model, None


def analyse_batch(items: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Entities and dates of each item: ``(text, published[, title[, language]])``."""
    if _nlp is None:
        raise RuntimeError("load_model() was not called in this worker")
    results: list[dict[str, Any]] = [{} for _ in items]
    by_model: dict[int, tuple[Any, list[int]]] = {}
    for i, item in enumerate(items):
        language = item[3] if len(item) > 3 else None
        model, why = _model_for(language)
        if model is None:
            errors: list[str] = []
            dates = _dates(item[0][:MAX_CHARS], item[1], [], errors)
            results[i] = {"entities": [], "entities_skipped": why,
                          "dates": [d.model_dump() for d in dates], "errors": errors}
            continue
        by_model.setdefault(id(model), (model, []))[1].append(i)
    for model, indices in by_model.values():
        texts = [items[i][0][:MAX_CHARS] for i in indices]
        for doc, text, i in zip(model.pipe(texts, batch_size=8), texts, indices, strict=True):
            title = items[i][2] if len(items[i]) > 2 else None
            results[i] = analyse_doc(doc, items[i][1], title, english=model is _nlp, text=text)
    return results


def _dates(text: str, published: str | None, hints: list[tuple[int, int, str]],
           errors: list[str], tags: dict[int, str] | None = None) -> list[Any]:
    """The dates of ``text``; a failure is logged here and reported to the parent process
    in the result's ``errors`` (it counts ``newsflow_enrich_errors_total``)."""
    try:
        return find_dates_or_raise(text, reference_time(published), hints, tags)
    except Exception:
        log.exception("date tagger failed on a text of %d characters", len(text))
        errors.append("dates")
        return []


def word_tags(doc: Any) -> dict[int, str]:
    """Each token's tag by the offset where it starts (``{t.idx: t.tag_ for t in doc}``,
    read from the Doc's arrays rather than through a Python object per token)."""
    from spacy.attrs import IDX, TAG

    offsets, tag_ids = doc.to_array([IDX, TAG]).T.tolist()
    strings = doc.vocab.strings
    names = {h: strings[h] for h in set(tag_ids)}
    return dict(zip(offsets, map(names.__getitem__, tag_ids), strict=True))


def analyse_doc(doc: Any, published: str | None, title: str | None = None,
                english: bool = True, text: str | None = None) -> dict[str, Any]:
    """Entities and dates of one spaCy ``Doc``; ``text`` is the text it was made from, when
    the caller has it (spaCy keeps every character, so it is ``doc.text``)."""
    labels = None if english else _WIKINER
    spans = [Span(e.start_char, e.end_char, labels.get(e.label_, e.label_) if labels
                  else e.label_) for e in doc.ents]
    hints = [(s.start, s.end, s.label) for s in spans if s.label in ("DATE", "TIME")]
    errors: list[str] = []
    if text is None:
        text = doc.text  # built from the tokens on each access
    # English tags (Penn Treebank) tell the date tagger a verb's tense
    tags = word_tags(doc) if english and doc.has_annotation("TAG") else None
    dates = _dates(text, published, hints, errors, tags)
    # A span the date tagger normalised is a date, whatever label the model gave it.
    on_date = bytearray(len(text) + 1)
    for d in dates:
        on_date[d.start:d.end] = b"\x01" * (d.end - d.start)
    named = [s for s in spans if on_date.find(1, s.start, s.end) < 0]
    found = entities(text, refine(text, named, [(d.start, d.end) for d in dates]), title)
    return {"entities": found, "entities_skipped": None,
            "dates": [d.model_dump() for d in dates], "errors": errors}


def pipeline(name: str) -> Any:
    """The pipeline of this process (loaded as :func:`load_model` does, when it is not yet)."""
    if _nlp is None:
        load_model(name)
    return _nlp


def pipe_only(items: Sequence[Sequence[Any]]) -> list[int]:
    """The spaCy pipeline alone over the texts of ``items``, as :func:`analyse_batch` runs
    it (same components, same batching), with no corrections or dates: the baseline
    newsflow's enrichment is measured against. Returns the entity count of each text."""
    if _nlp is None:
        raise RuntimeError("load_model() was not called in this worker")
    texts = [item[0][:MAX_CHARS] for item in items]
    return [len(doc.ents) for doc in _nlp.pipe(texts, batch_size=8)]
