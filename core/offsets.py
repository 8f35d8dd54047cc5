"""Offsets in flight per partition: the commit point is the lowest record not yet finished."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable


class OffsetTracker:
    """Records taken per partition, in order; those finished; what may be committed.

    A record is finished once its outputs and state were acknowledged. The
    commit point of a partition is one past the longest finished prefix, so an
    unfinished record holds back the commit of every record after it.
    """

    def __init__(self) -> None:
        self._taken: dict[int, deque[tuple[int, float]]] = {}
        self._finished: dict[int, set[int]] = {}

    def take(self, partition: int, offsets: Iterable[int]) -> None:
        now = time.monotonic()
        queue = self._taken.setdefault(partition, deque())
        self._finished.setdefault(partition, set())
        queue.extend((offset, now) for offset in offsets)

    def finish(self, partition: int, offsets: Iterable[int]) -> None:
        finished = self._finished.get(partition)
        if finished is not None:  # None: the partition was given up meanwhile
            finished.update(offsets)

    def committable(self) -> dict[int, int]:
        """Pop the finished prefix of every partition: the offsets to commit."""
        commits: dict[int, int] = {}
        for partition, queue in self._taken.items():
            finished = self._finished[partition]
            while queue and queue[0][0] in finished:
                offset, _ = queue.popleft()
                finished.discard(offset)
                commits[partition] = offset + 1
        return commits

    def forget(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self._taken.pop(partition, None)
            self._finished.pop(partition, None)

    def oldest_age_s(self) -> float:
        """Seconds since the oldest record not committed yet was taken (0 if none)."""
        starts = [queue[0][1] for queue in self._taken.values() if queue]
        return time.monotonic() - min(starts) if starts else 0.0

    def pending(self, partition: int) -> int:
        """Records of ``partition`` taken and not committable yet."""
        return len(self._taken.get(partition, ()))

    def __len__(self) -> int:
        return sum(len(q) for q in self._taken.values())
