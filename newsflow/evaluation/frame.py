"""What every ``newsflow eval`` kind shares: progress, predictions file, the last JSON line."""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import orjson

from . import kind_module


@dataclass
class Result:
    """What one evaluation found: the summary (the last line) and newsflow's predictions."""

    summary: dict[str, Any]
    predictions: Any = None
    #: Per-item lines printed to stdout before the summary with ``--verbose``.
    details: list[str] = field(default_factory=list)


class Progress:
    """A progress bar on stderr: redrawn in place on a terminal, a line every 10 % elsewhere."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.total = 0
        self.done = 0
        self._started = time.monotonic()
        self._last_tenth = -1
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def start(self, total: int) -> None:
        self.total, self.done, self._started = total, 0, time.monotonic()
        self._draw()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def finish(self) -> None:
        if self._tty:
            self.stream.write("\n")
        self.stream.flush()

    def _draw(self) -> None:
        total = max(self.total, 1)
        tenth = self.done * 10 // total
        if not self._tty and tenth == self._last_tenth and self.done != self.total:
            return
        self._last_tenth = tenth
        width = 30
        filled = width * self.done // total
        elapsed = time.monotonic() - self._started
        line = (f"{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done}/{self.total} {elapsed:.0f}s")
        self.stream.write(("\r" + line) if self._tty else (line + "\n"))
        self.stream.flush()


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, metavar="PATH", help="the gold data (file or folder)")
    parser.add_argument("--predictions", type=Path, metavar="FILE",
                        help="write newsflow's predictions as JSON (formats: docs/evaluation.md)")
    parser.add_argument("--verbose", action="store_true", help="per-item scores on stdout")


def run_eval(kind: str, args: argparse.Namespace, out: TextIO | None = None) -> dict[str, Any]:
    """Run one kind and print its results; returns the summary."""
    out = out if out is not None else sys.stdout
    module = kind_module(kind)
    if not args.path.exists():
        raise FileNotFoundError(f"{args.path}: no such file or folder")
    result: Result = module.evaluate(args.path, args, Progress(f"eval {kind}"))
    if args.predictions is not None:
        args.predictions.write_bytes(orjson.dumps(result.predictions, option=orjson.OPT_INDENT_2))
    if args.verbose:
        for line in result.details:
            out.write(line + "\n")
    out.write(orjson.dumps(result.summary).decode() + "\n")
    out.flush()
    return result.summary


def read_gz(path: Path) -> bytes:
    """A gzip-compressed gold file's bytes; a broken one is a one-line ``ValueError``."""
    try:
        return gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path}: cannot be read as gzip: {exc}") from None
