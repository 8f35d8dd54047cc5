"""``newsflow eval KIND PATH``: newsflow's quality measured against gold data.

Each kind is one module of this package named after it (``extraction``,
``pubdate``, …) that defines:

- ``HELP``: one line for ``newsflow eval --help``;
- ``add_arguments(parser)``: the kind's own options (optional);
- ``evaluate(path, args, progress) -> Result``: scores newsflow (and the kind's
  baseline, in the same process) on the gold data at ``path``.

The frame (:mod:`newsflow.evaluation.frame`) does the rest the same way for
every kind: a progress bar on stderr, ``--predictions FILE``, and one JSON
object as the last line on stdout.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

_NOT_KINDS = {"frame"}


def kinds() -> list[str]:
    """The kinds this build can evaluate, by module name."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _NOT_KINDS
                  and not m.name.startswith("_"))


def kind_module(kind: str) -> ModuleType:
    if kind not in kinds():
        raise LookupError(f"unknown eval kind {kind!r} (one of: {', '.join(kinds())})")
    return importlib.import_module(f"{__name__}.{kind}")
