"""Timer-driven sources: the input topic as a table, each key processed when it is due."""

from __future__ import annotations

import time

from aiokafka import ConsumerRecord, TopicPartition

from .records import Record
from .stage import RunnerCore, as_record

#: A source key whose processing failed is tried again after this long, at the earliest.
SOURCE_RETRY_S = 60.0


class Sourcing(RunnerCore):
    def _apply_inputs(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        changed = False
        for tp, raw in batch.items():
            p = tp.partition
            if p not in self.partitions.owned:
                continue
            part = self._inputs.setdefault(p, {})
            for r in raw:
                if r.key is None:
                    continue
                changed = True
                if r.value is None:
                    part.pop(r.key, None)
                    self._due.put(p, r.key, None)
                    continue
                record = part[r.key] = as_record(r)
                if p in self.partitions.ready and (p, r.key) not in self._keys:
                    self._due.put(p, r.key, self._source.due_at(record))
        if changed:
            self._source.owned(sum(len(v) for v in self._inputs.values()))

    def _start_due(self) -> None:
        now = time.time()
        while len(self._tasks) < self.max_in_flight:
            due = self._due.pop_due(now)
            if due is None:
                return
            p, key = due
            record = self._inputs.get(p, {}).get(key)
            if p in self.partitions.ready and (p, key) not in self._keys and record is not None:
                self._start(p, [record])

    def _reschedule(self, record: Record, failed: bool) -> None:
        p = record.partition
        current = self._inputs.get(p, {}).get(record.key or b"")
        if current is None or current.key is None or p not in self.partitions.ready:
            return
        due = self._source.due_at(current)
        if failed and due is not None:
            due = max(due, time.time() + SOURCE_RETRY_S)
        self._due.put(p, current.key, due)
