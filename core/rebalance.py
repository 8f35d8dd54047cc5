"""Rebalances: take note of an assignment, restore its tables, drain and release on revoke.

On revoke, intake of the partitions stops at once; their batches get the
deadline to finish (``revoke_timeout_s``, the shutdown deadline when the stage
stops), the rest are cancelled and left uncommitted; then what is done is
committed and the partitions, their tables and input keys are forgotten. On
assign, the partitions are paused until their tables are restored (a source's
input table is read from the beginning and must reach the high watermark too);
a failed restore is retried with backoff, logged, and makes the stage not ready.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiokafka import AIOKafkaConsumer, TopicPartition

from . import metrics
from .stage import RunnerCore
from .table import wait_caught_up

log = logging.getLogger(__name__)


class Rebalancing(RunnerCore):
    async def _assigned(self, parts: set[int]) -> None:
        self.partitions.assign(parts)
        tps = [TopicPartition(self.input_topic, p) for p in sorted(parts)]
        consumer = self.consumer
        assert consumer is not None
        if self.source:
            for p in parts:
                self._inputs[p] = {}
            try:
                await consumer.seek_to_beginning(*tps)
            except Exception as exc:  # the listener's errors would be swallowed: log them here
                log.error("could not read the input table from the beginning",
                          extra={"stage": self.name, "error": repr(exc)})
        else:
            consumer.pause(*tps)  # until its tables are restored
        log.info("partitions assigned", extra={"stage": self.name, "partitions": sorted(parts)})
        self._restore_wanted.set()

    async def _revoked(self, parts: set[int]) -> None:
        await self._release(parts, self.revoke_timeout_s)

    async def _restore_loop(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            self._restore_wanted.clear()
            due = self.partitions.restores_due(time.monotonic())
            if due:
                await asyncio.gather(*(self._restore(consumer, p) for p in due))
                continue
            wait = self.partitions.next_restore_in(time.monotonic())
            try:
                await asyncio.wait_for(self._restore_wanted.wait(), wait)
            except TimeoutError:
                pass

    async def _restore(self, consumer: AIOKafkaConsumer, p: int) -> None:
        epoch = self.partitions.epoch(p)
        timeout_s = self.factory.settings.restore_timeout_s
        counts: dict[str, int] = {}
        try:
            for table in self.tables.values():
                counts[table.name] = await table.restore(self.factory, p, timeout_s)
            if self.source:
                await wait_caught_up(consumer, [TopicPartition(self.input_topic, p)], timeout_s)
        except Exception as exc:
            if self.partitions.epoch(p) != epoch:
                return
            delay = self.partitions.restore_failed(p)
            self.health.restores_failing = self.partitions.failing
            metrics.RESTORE_FAILURES.labels(self.name).inc()
            log.error("table restore failed; trying again",
                      extra={"stage": self.name, "partition": p, "retry_in_s": round(delay, 2),
                             "error": f"{type(exc).__name__}: {exc}"})
            return
        if self.partitions.epoch(p) != epoch or p not in self.partitions.owned:
            return
        self.partitions.restored(p)
        self.health.restores_failing = self.partitions.failing
        if self.source:
            for record in self._inputs.get(p, {}).values():
                if record.key is not None:
                    self._due.put(p, record.key, self._source.due_at(record))
            self._source.owned(sum(len(v) for v in self._inputs.values()))
        else:
            consumer.resume(TopicPartition(self.input_topic, p))
        log.info("partition ready", extra={"stage": self.name, "partition": p, **counts})

    async def _release(self, parts: set[int], timeout_s: float) -> None:
        """Stop intake of ``parts``, let their batches finish by the deadline, commit, forget."""
        if not parts:
            return
        self.partitions.stop_intake(parts)
        self.health.restores_failing = self.partitions.failing
        for p in parts:
            self._due.drop_partition(p)
        tasks = [t for t, b in self._tasks.items() if b.partition in parts]
        if tasks:
            try:
                _, late = await asyncio.wait(tasks, timeout=timeout_s)
            except asyncio.CancelledError:
                late = {t for t in tasks if not t.done()}
                self._abandon(late)
                raise
            if late:
                log.warning("unfinished batches abandoned, uncommitted",
                            extra={"stage": self.name, "batches": len(late),
                                   "partitions": sorted({self._tasks[t].partition for t in late})})
                self._abandon(late)
                await asyncio.wait(late)
        if self.consumer is not None:
            await self._commit(self.consumer)
        self.offsets.forget(parts)
        self.partitions.release(parts)
        for p in parts:
            for table in self.tables.values():
                table.drop(p)
            self._inputs.pop(p, None)
        if self.source:
            self._source.owned(sum(len(v) for v in self._inputs.values()))
        log.info("partitions released", extra={"stage": self.name, "partitions": sorted(parts)})
