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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from . import metrics
from .assignment import Listener, Partitions
from .delivery import Delivery, outcomes_of
from .health import StageHealth
from .kafka import KafkaFactory
from .offsets import OffsetTracker
from .produce import ProduceFailed, Publisher
from .records import Failure, Headers, Outcome, Output, Put, Record, dead_letter
from .table import Table, TableSpec, wait_caught_up
from .timers import DueQueue

__all__ = [
    "Failure", "Headers", "Outcome", "Output", "Publisher", "Put", "Record", "Source", "Stage",
    "StageFailed", "StageRunner", "dead_letter",
]

log = logging.getLogger(__name__)

#: A source key whose processing failed is tried again after this long, at the earliest.
SOURCE_RETRY_S = 60.0


class Stage(Protocol):
    """A stage's own logic; knows nothing of consumers, commits, rebalances or the DLQ."""

    name: str

    def tables(self) -> Sequence[TableSpec]:
        """The tables the stage keeps, co-partitioned with its input."""
        ...

    def open(self, tables: Mapping[str, Table]) -> None:
        """Receive the tables (read them; write them only through outcomes)."""
        ...

    async def process(self, records: Sequence[Record]) -> list[Outcome]: ...


class Source(Stage, Protocol):
    """A timer-driven stage over the keys of its input table."""

    def due_at(self, record: Record) -> float | None:
        """When ``record``'s key is due next (epoch seconds); None: never."""
        ...

    def owned(self, count: int) -> None:
        """How many input keys this process owns now."""
        ...


class StageFailed(RuntimeError):
    """A stage stopped because of an error it cannot recover from."""


def as_record(r: ConsumerRecord) -> Record:
    return Record(r.topic, r.partition, r.offset, r.key, r.value, list(r.headers or ()),
                  r.timestamp)


@dataclass(slots=True)
class _Batch:
    partition: int
    epoch: int
    records: list[Record]
    started: float


class StageRunner:
    """Runs one stage until :meth:`stop`; owns its consumer, its batches and its tables."""

    def __init__(
        self,
        *,
        stage: Stage,
        input_topic: str,
        dlq_topic: str,
        factory: KafkaFactory,
        publisher: Publisher,
        batch_size: int,
        max_in_flight: int = 2,
        source: bool = False,
    ) -> None:
        settings = factory.settings
        self.stage = stage
        self.name = stage.name
        self.input_topic = input_topic
        self.factory = factory
        self.publisher = publisher
        self.batch_size = batch_size
        self.source = source
        self.group_id = factory.group(self.name)
        self._transactional = bool(settings.kafka_transactional_id) and not source
        self.max_in_flight = 1 if self._transactional else max(1, max_in_flight)
        self.revoke_timeout_s = min(settings.revoke_timeout_s,
                                    settings.kafka_rebalance_timeout_ms / 2000)
        self.tables = {spec.name: Table(spec) for spec in stage.tables()}
        stage.open(self.tables)
        self.health = StageHealth(self.name, settings.stall_timeout_s)
        self.partitions = Partitions(backoff_max_s=settings.restore_backoff_max_s)
        self.delivery = Delivery(self.name, publisher, dlq_topic, self.tables, self.health,
                                 backoff_max_s=settings.produce_backoff_max_s)
        self.offsets = OffsetTracker()
        self.consumer: AIOKafkaConsumer | None = None
        self._txn_producer: AIOKafkaProducer | None = None
        self._tasks: dict[asyncio.Task[None], _Batch] = {}
        self._keys: dict[tuple[int, bytes], asyncio.Task[None]] = {}
        self._abandoned: set[asyncio.Task[None]] = set()
        self._inputs: dict[int, dict[bytes, Record]] = {}
        self._due = DueQueue()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._restore_wanted = asyncio.Event()
        self._commit_lock = asyncio.Lock()
        self._housekept = 0.0
        self._expired_at = time.monotonic()

    @property
    def ready(self) -> bool:
        return self.health.ready

    def stop(self) -> None:
        """Stop taking input; the batches in hand get the shutdown deadline to finish."""
        self._stopping.set()

    # --- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        settings = self.factory.settings
        consumer = self.factory.consumer(group_id=self.group_id,
                                         max_poll_records=1000 if self.source else self.batch_size)
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
            self._start(tp.partition, records)

    def _start(self, partition: int, records: list[Record]) -> None:
        batch = _Batch(partition, self.partitions.epoch(partition), records, time.monotonic())
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

    def _fail(self, exc: BaseException) -> None:
        if self.health.failed is None:
            self.health.failed = exc
            log.error("stage failing", extra={"stage": self.name, "error": repr(exc)},
                      exc_info=exc)
        self._stopping.set()

    def _owned(self, batch: _Batch) -> bool:
        return (batch.partition in self.partitions.owned
                and self.partitions.epoch(batch.partition) == batch.epoch)

    async def _work(self, batch: _Batch, earlier: set[asyncio.Task[None]]) -> None:
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

    async def _write_transaction(self, batch: _Batch, outcomes: list[Outcome]) -> set[int] | None:
        producer = self._txn_producer
        assert producer is not None
        delivery = Delivery(self.name, Publisher(producer), self.delivery.dlq_topic, self.tables,
                            self.health, backoff_max_s=self.delivery.backoff_max_s)
        tp = TopicPartition(self.input_topic, batch.partition)
        delay = 0.5
        while True:
            try:
                async with producer.transaction():
                    written = await delivery.write(batch.records, outcomes, lambda: self._owned(batch))
                    if written is None:
                        raise _Abandoned
                    await producer.send_offsets_to_transaction(
                        {tp: batch.records[-1].offset + 1}, self.group_id)
                delivery.apply(written)
                return written.failed
            except _Abandoned:
                return None
            except ProduceFailed:
                raise
            except KafkaError as exc:
                log.error("transaction failed; writing the batch again",
                          extra={"stage": self.name, "error": repr(exc)})
                if not self._owned(batch):
                    return None
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.delivery.backoff_max_s)

    # --- sources ---------------------------------------------------------------------------

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

    @property
    def _source(self) -> Source:
        return self.stage  # type: ignore[return-value]

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

    # --- assignment, restore, release -----------------------------------------------------

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

    def _abandon(self, tasks: set[asyncio.Task[None]]) -> None:
        for task in tasks:
            self._abandoned.add(task)
            task.cancel()

    # --- commits and housekeeping ---------------------------------------------------------

    async def _commit(self, consumer: AIOKafkaConsumer) -> None:
        async with self._commit_lock:
            commits = self.offsets.committable()
            if not commits:
                return
            offsets = {TopicPartition(self.input_topic, p): o for p, o in commits.items()}
            try:
                await consumer.commit(offsets)
            except (CommitFailedError, IllegalStateError) as exc:
                # The partitions moved to another member: their outputs are written, the
                # new owner will process the records again (at least once).
                log.warning("commit refused after a rebalance",
                            extra={"stage": self.name, "error": str(exc)})
            except KafkaError as exc:
                log.error("commit failed; the records will be processed again",
                          extra={"stage": self.name, "error": repr(exc)})

    async def _housekeeping(self, consumer: AIOKafkaConsumer) -> None:
        now = time.monotonic()
        if now - self._housekept < 1.0:
            return
        self._housekept = now
        oldest = max((now - b.started for b in self._tasks.values()), default=0.0)
        self.health.stalled(max(oldest, self.offsets.oldest_age_s()))
        _ = self.health.ready  # refreshes the ready metric
        if not self.source:
            await self._report_lag(consumer)
        if now - self._expired_at >= 60:
            self._expired_at = now
            await self._expire()

    async def _expire(self) -> None:
        """Tombstone the keys past their table's horizon, then forget them."""
        for table in self.tables.values():
            for p in sorted(self.partitions.ready):
                keys = table.expired(p)[:10_000]
                if not keys:
                    continue
                outs = [Output(table.spec.changelog, k, None, partition=p) for k in keys]
                errors = await self.publisher.send_each(outs)
                for key, error in zip(keys, errors, strict=True):
                    if error is None:
                        table.apply(p, key, None)

    async def _report_lag(self, consumer: AIOKafkaConsumer) -> None:
        lag = 0
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is None:
                continue
            try:
                position = await consumer.position(tp)
            except IllegalStateError:
                continue
            lag += max(0, high - position)
        metrics.CONSUMER_LAG.labels(self.name).set(lag)


class _Abandoned(Exception):
    """Raised inside a transaction to abort it: the batch's partition was given up."""
