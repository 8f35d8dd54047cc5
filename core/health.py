"""Whether a stage is ready, and why not: what ``/readyz`` and the ready metric report."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from . import metrics

log = logging.getLogger(__name__)


class StageHealth:
    """The conditions that make one stage not ready; each is set and cleared by its owner."""

    def __init__(self, stage: str, stall_timeout_s: float) -> None:
        self.stage = stage
        self.stall_timeout_s = stall_timeout_s
        self.started = False
        self.failed: BaseException | None = None
        self.restores_failing: set[int] = set()
        self._retrying = 0
        self.oldest_s = 0.0

    @contextlib.contextmanager
    def retrying(self) -> Iterator[None]:
        """While the body runs, a write is being retried after a retriable broker error."""
        self._retrying += 1
        try:
            yield
        finally:
            self._retrying -= 1

    def stalled(self, oldest_s: float) -> None:
        """Report the age of the oldest unfinished record."""
        self.oldest_s = oldest_s
        metrics.OLDEST_UNCOMMITTED_SECONDS.labels(self.stage).set(round(oldest_s, 3))

    def problems(self) -> list[str]:
        found = []
        if not self.started:
            found.append("not started")
        if self.failed is not None:
            found.append(f"failed: {type(self.failed).__name__}: {self.failed}")
        if self.restores_failing:
            found.append(f"restore failing for partitions {sorted(self.restores_failing)}")
        if self._retrying:
            found.append("retrying writes after broker errors")
        if self.oldest_s > self.stall_timeout_s:
            found.append(f"a record unfinished for {self.oldest_s:.0f}s")
        return found

    @property
    def ready(self) -> bool:
        ok = not self.problems()
        metrics.STAGE_READY.labels(self.stage).set(1 if ok else 0)
        return ok
