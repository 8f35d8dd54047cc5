"""When each key of a timer-driven source is due (the feeds a poller owns)."""

from __future__ import annotations

import heapq
import itertools


class DueQueue:
    """Keys per partition with the time (epoch seconds) each is due; one entry per key."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int, bytes]] = []
        self._due: dict[tuple[int, bytes], float] = {}
        self._seq = itertools.count()

    def put(self, partition: int, key: bytes, due: float | None) -> None:
        """Schedule ``key`` at ``due``; None unschedules it."""
        if due is None:
            self._due.pop((partition, key), None)
            return
        self._due[(partition, key)] = due
        heapq.heappush(self._heap, (due, next(self._seq), partition, key))

    def pop_due(self, now: float) -> tuple[int, bytes] | None:
        """The next key due by ``now`` (it leaves the queue), or None."""
        while self._heap and self._heap[0][0] <= now:
            due, _, partition, key = heapq.heappop(self._heap)
            if self._due.get((partition, key)) == due:
                del self._due[(partition, key)]
                return partition, key
        return None

    def drop_partition(self, partition: int) -> None:
        for entry in [k for k in self._due if k[0] == partition]:
            del self._due[entry]
        if not self._due:
            self._heap.clear()

    def __len__(self) -> int:
        return len(self._due)
