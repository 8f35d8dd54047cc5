"""The stage runtime: one consume loop, one rebalance listener, one drain for every stage.

A stage is a transform (:class:`Stage`): it gets a batch of plain
:class:`~newsflow.core.records.Record` values of one partition it owns and
returns one :class:`~newsflow.core.records.Outcome` each. :class:`StageRunner`
does the rest, the same way for poll, fetch and enrich:

- **consume and dispatch**: batches per partition, up to ``max_in_flight`` at
  once; a record whose key is in a batch still running waits for that batch
  (then the stage sees its state), it is never marked done on its behalf;
- **effects in order** (:mod:`~newsflow.core.delivery`): outputs acknowledged
  → dead letters → state (tables) → input offsets committed, per partition up
  to the lowest unfinished record. A crash anywhere between gives a
  duplicate, never a gap;
- **rebalance** (:mod:`~newsflow.core.assignment`): on revoke, intake stops,
  the partition's batches get ``revoke_timeout_s`` to finish, the rest are
  cancelled (uncommitted), the finished ones committed, then the partition is
  released; on assign, its tables are restored (retried with backoff) before
  its first record is processed;
- **sources**: with ``source=True`` the input topic is a table (read from the
  beginning, never committed) and the stage's ``due_at`` says when each key is
  due: the poller's feeds. A due key is processed as a batch of one, as slots
  free up;
- **failures**: every failing record goes to the dead-letter topic; a task
  that dies, a fatal produce error, a failing restore or a record unfinished
  for longer than ``stall_timeout_s`` shows in ``ready`` (and metrics).

With ``kafka_transactional_id`` set (real Kafka only), batches run one at a
time, each one transaction with its input offsets.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from . import metrics
from .assignment import Listener
from .delivery import outcomes_of
from .produce import Publisher
from .rebalance import Rebalancing
from .records import Failure, Headers, Outcome, Output, Put, Record, dead_letter
from .source import Sourcing
from .stage import Batch, Source, Stage, StageFailed, as_record
from .upkeep import Upkeep

__all__ = [
    "Failure", "Headers", "Outcome", "Output", "Publisher", "Put", "Record", "Source", "Stage",
    "StageFailed", "StageRunner", "dead_letter",
]

log = logging.getLogger(__name__)

#: Longest a source's fetch waits for a change of its table (a new or changed feed is picked
#: up within this, on brokers that answer at the deadline).
SOURCE_FETCH_WAIT_MS = 1000


class StageRunner(Rebalancing, Sourcing, Upkeep):
    """Runs one stage until :meth:`stop`; owns its consumer, its batches and its tables."""

    async def run(self) -> None:
        settings = self.factory.settings
        if self.source:
            # A source's input is a table that changes seldom (the feeds registry): waiting
            # longer between fetches spares the broker ten empty fetches a second.
            consumer = self.factory.consumer(group_id=self.group_id, max_poll_records=1000,
                                             fetch_max_wait_ms=SOURCE_FETCH_WAIT_MS)
        else:
            consumer = self.factory.consumer(group_id=self.group_id,
                                             max_poll_records=self.batch_size)
        self.consumer = consumer
        consumer.subscribe([self.input_topic],
                           listener=Listener(self.input_topic, self._assigned, self._revoked))
        if self._transactional:
            txn_id = f"{settings.kafka_transactional_id}.{self.name}.{socket.gethostname()}"
            self._txn_producer = self.factory.producer(transactional_id=txn_id)
            await self._txn_producer.start()
        await consumer.start()
        self.health.started = True
        restorer = asyncio.create_task(self._restore_loop(consumer), name=f"restore:{self.name}")
        restorer.add_done_callback(self._restorer_done)
        log.info("stage started", extra={"stage": self.name, "topic": self.input_topic})
        try:
            while not self._stopping.is_set():
                await self._step(consumer)
        finally:
            self.health.started = False
            restorer.cancel()
            await asyncio.gather(restorer, return_exceptions=True)
            try:
                await self._release(set(self.partitions.owned), settings.shutdown_timeout_s)
            finally:
                await consumer.stop()
                if self._txn_producer is not None:
                    await self._txn_producer.stop()
                log.info("stage stopped", extra={"stage": self.name})
        if self.health.failed is not None:
            raise StageFailed(f"stage {self.name} failed: {self.health.failed}") from self.health.failed

    async def _step(self, consumer: AIOKafkaConsumer) -> None:
        if self.source or len(self._tasks) < self.max_in_flight:
            batch = await consumer.getmany(timeout_ms=250)
            if self.source:
                self._apply_inputs(batch)
            else:
                self._dispatch(consumer, batch)
        else:
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), 0.25)
            except TimeoutError:
                pass
        if self.source:
            self._start_due()
        await self._commit(consumer)
        if self._held:
            self._resume_held(consumer)
        await self._housekeeping(consumer)

    def _dispatch(self, consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[ConsumerRecord]]
                  ) -> None:
        for tp in sorted(batch, key=lambda t: t.partition):
            raw = batch[tp]
            if not raw:
                continue
            if tp.partition not in self.partitions.ready or len(self._tasks) >= self.max_in_flight:
                if tp in consumer.assignment():
                    consumer.seek(tp, raw[0].offset)  # again once restored, or a slot is free
                continue
            records = [as_record(r) for r in raw]
            if not self._transactional:
                self.offsets.take(tp.partition, [r.offset for r in records])
                if self.offsets.pending(tp.partition) >= self.max_uncommitted:
                    consumer.pause(tp)  # memory stays bounded behind a record that hangs
                    self._held.add(tp.partition)
            self._start(tp.partition, records)

    def _resume_held(self, consumer: AIOKafkaConsumer) -> None:
        """Resume the partitions paused by the bound once half of it is committed."""
        for p in list(self._held):
            if p in self.partitions.ready and self.offsets.pending(p) > self.max_uncommitted // 2:
                continue
            self._held.discard(p)
            if p in self.partitions.ready:  # else its restore resumes it
                consumer.resume(TopicPartition(self.input_topic, p))

    def _start(self, partition: int, records: list[Record]) -> None:
        batch = Batch(partition, self.partitions.epoch(partition), records, time.monotonic())
        earlier = {self._keys[(partition, r.key)] for r in records
                   if r.key is not None and (partition, r.key) in self._keys}
        task = asyncio.create_task(self._work(batch, earlier),
                                   name=f"{self.name}:{partition}:{records[0].offset}")
        self._tasks[task] = batch
        for r in records:
            if r.key is not None:
                self._keys[(partition, r.key)] = task
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        batch = self._tasks.pop(task)
        for r in batch.records:
            if r.key is not None and self._keys.get((batch.partition, r.key)) is task:
                del self._keys[(batch.partition, r.key)]
        abandoned = task in self._abandoned
        self._abandoned.discard(task)
        self._wake.set()
        if task.cancelled():
            if not abandoned:
                self._fail(RuntimeError(f"a batch of partition {batch.partition} was cancelled"))
        elif (exc := task.exception()) is not None:
            self._fail(exc)

    def _restorer_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (exc := task.exception()) is not None:
            self._fail(exc)

    async def _work(self, batch: Batch, earlier: set[asyncio.Task[None]]) -> None:
        """Process one batch and write what it produced; its offsets become committable."""
        if earlier:  # another copy of a record is in flight: it goes first
            await asyncio.wait(earlier)
        records = batch.records
        metrics.MESSAGES_IN.labels(self.name).inc(len(records))
        outcomes = await outcomes_of(self.name, self.stage, records)

        def owned() -> bool:
            return self._owned(batch)

        if self._transactional:
            failed = await self._write_transaction(batch, outcomes)
            if failed is None:
                return
        else:
            written = await self.delivery.write(records, outcomes, owned)
            if written is None or not owned():
                return  # abandoned: processed again by the partition's next owner
            self.delivery.apply(written)
            failed = written.failed
            if not self.source:
                self.offsets.finish(batch.partition, [r.offset for r in records])
        if self.source:
            self._reschedule(records[0], bool(failed))
