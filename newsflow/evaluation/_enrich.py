"""What the entity, date and seed evaluations share: newsflow's enrichment run in this process."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from newsflow.core.settings import Settings
from newsflow.processors import nlp

from .frame import Progress

BATCH = 8


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    default = Settings.model_fields["enrich_model"].default
    parser.add_argument("--model", default=default,
                        help=f"spaCy pipeline newsflow enriches with (default {default})")


def enrich(items: Sequence[tuple[str, str | None]], model: str,
           progress: Progress | None = None) -> list[dict[str, Any]]:
    """newsflow's enrichment of each (text, published) pair, as the enrich stage publishes it."""
    nlp.load_model(model)
    out: list[dict[str, Any]] = []
    for start in range(0, len(items), BATCH):
        batch = list(items[start:start + BATCH])
        out.extend(nlp.analyse_batch(batch))
        if progress is not None:
            progress.advance(len(batch))
    return out
