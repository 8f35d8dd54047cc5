"""Which input partitions a stage owns, which are restored, and the group's rebalance listener.

A partition goes through three states: *owned* (assigned, restoring its
tables), *ready* (records are processed), and back out on revocation: intake
stops at once, the partition's batches get a deadline to finish, then the
runtime commits what is done and forgets the partition. Every assignment gets
a new epoch; work of an earlier epoch never writes into a later one.

aiokafka swallows exceptions raised in the listener and sends no heartbeats
while ``on_partitions_assigned`` runs, so the listener only takes note of an
assignment; restores run in the runtime's restore task, retried with backoff.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable

from aiokafka import TopicPartition
from aiokafka.abc import ConsumerRebalanceListener


class Partitions:
    def __init__(self, backoff_s: float = 0.5, backoff_max_s: float = 30.0) -> None:
        self.owned: set[int] = set()
        self.ready: set[int] = set()
        self._epochs: dict[int, int] = {}
        #: partition -> (monotonic time of the next attempt, failures so far)
        self._restoring: dict[int, tuple[float, int]] = {}
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s

    def epoch(self, partition: int) -> int:
        return self._epochs.get(partition, 0)

    def assign(self, partitions: Iterable[int]) -> None:
        for p in partitions:
            self.owned.add(p)
            self.ready.discard(p)
            self._epochs[p] = self.epoch(p) + 1
            self._restoring[p] = (0.0, 0)

    def stop_intake(self, partitions: Iterable[int]) -> None:
        for p in partitions:
            self.ready.discard(p)
            self._restoring.pop(p, None)

    def release(self, partitions: Iterable[int]) -> None:
        for p in partitions:
            self.owned.discard(p)
            self._epochs[p] = self.epoch(p) + 1

    def restores_due(self, now: float) -> list[int]:
        return sorted(p for p, (at, _) in self._restoring.items() if at <= now)

    def next_restore_in(self, now: float) -> float | None:
        if not self._restoring:
            return None
        return max(0.0, min(at for at, _ in self._restoring.values()) - now)

    def restored(self, partition: int) -> None:
        self._restoring.pop(partition, None)
        self.ready.add(partition)

    def restore_failed(self, partition: int) -> float:
        """Note a failed restore; the seconds until the next attempt."""
        _, failures = self._restoring.get(partition, (0.0, 0))
        delay = min(self.backoff_max_s, self.backoff_s * 2 ** failures)
        self._restoring[partition] = (time.monotonic() + delay, failures + 1)
        return delay

    @property
    def failing(self) -> set[int]:
        return {p for p, (_, failures) in self._restoring.items() if failures}


class Listener(ConsumerRebalanceListener):
    """Passes the input topic's assignment changes to the runtime, as partition numbers."""

    def __init__(self, topic: str, assigned: Callable[[set[int]], Awaitable[None]],
                 revoked: Callable[[set[int]], Awaitable[None]]) -> None:
        self.topic = topic
        self._assigned = assigned
        self._revoked = revoked

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        parts = {tp.partition for tp in revoked if tp.topic == self.topic}
        if parts:
            await self._revoked(parts)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        parts = {tp.partition for tp in assigned if tp.topic == self.topic}
        if parts:
            await self._assigned(parts)
