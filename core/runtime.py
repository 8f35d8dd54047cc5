"""The stage runtime: consume → transform → produce → commit after acks.

Every consuming stage (fetch, enrich) runs on :class:`StageRunner`. A stage
supplies a :class:`Processor` that turns a batch of input records into one
:class:`Outcome` each; the runner does the rest, in this order:

1. produce every output and dead-letter record, and wait for the broker's acks;
2. produce the stage's state records (seen-sets), which vouch for step 1, and
   wait for their acks;
3. commit the input offsets, per partition up to the lowest record not yet
   through steps 1 and 2 (several batches are in flight at once).

A crash between any two steps causes a duplicate, never a gap (at least once).
With ``kafka_transactional_id`` set (real Kafka only), steps 1–3 are one
transaction instead (exactly once).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from . import metrics
from .kafka import KafkaFactory

log = logging.getLogger(__name__)

Headers = list[tuple[str, bytes]]


@dataclass(slots=True)
class Output:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)


@dataclass(slots=True)
class Failure:
    reason: str  # one of metrics.FAIL_REASONS
    error: str
    attempts: int = 1
    #: Extra ``dlq.*`` detail, e.g. ``{"kind": "paywall"}`` becomes the header ``dlq.kind``.
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Outcome:
    """What became of one input record."""

    outputs: list[Output] = field(default_factory=list)
    state: list[Output] = field(default_factory=list)
    failure: Failure | None = None


class Processor(Protocol):
    """A stage's own logic; knows nothing of consumers, commits or the DLQ."""

    async def process(self, records: Sequence[ConsumerRecord]) -> list[Outcome]: ...

    async def on_assigned(self, partitions: set[TopicPartition]) -> None: ...

    async def on_revoked(self, partitions: set[TopicPartition]) -> None: ...

    async def written(self, state: list[Output]) -> None:
        """Called once the batch's state records are acknowledged and its offsets committed."""


def dead_letter(record: ConsumerRecord, stage: str, failure: Failure, dlq_topic: str) -> Output:
    """The DLQ record of a failed input: original key and bytes, headers saying why."""
    headers: Headers = [(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq.")]
    headers += [
        ("dlq.stage", stage.encode()),
        ("dlq.reason", failure.reason.encode()),
        ("dlq.error", failure.error[:2000].encode("utf-8", "replace")),
        ("dlq.source.topic", record.topic.encode()),
        ("dlq.source.partition", str(record.partition).encode()),
        ("dlq.source.offset", str(record.offset).encode()),
        ("dlq.attempts", str(failure.attempts).encode()),
        ("dlq.failed_at", str(int(time.time() * 1000)).encode()),
    ]
    headers += [(f"dlq.{k}", v[:2000].encode("utf-8", "replace")) for k, v in failure.detail.items()]
    return Output(dlq_topic, record.key, record.value, headers)


class Publisher:
    """Sends records and waits until the broker acknowledged all of them."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer

    async def send_all(self, outputs: Sequence[Output]) -> None:
        if not outputs:
            return
        acks = [
            await self.producer.send(o.topic, o.value, key=o.key, headers=o.headers or None)
            for o in outputs
        ]
        await asyncio.gather(*acks)


class _Listener(ConsumerRebalanceListener):
    def __init__(self, runner: StageRunner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.runner.ready_partitions -= set(revoked)
        self.runner.forget(set(revoked))
        if revoked:
            await self.runner.processor.on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info(
            "partitions assigned",
            extra={"stage": self.runner.stage, "partitions": sorted(p.partition for p in assigned)},
        )
        await self.runner.processor.on_assigned(set(assigned))
        self.runner.ready_partitions |= set(assigned)


class _Offsets:
    """Offsets in flight per partition; the commit point is the lowest unfinished one."""

    def __init__(self) -> None:
        self._pending: dict[TopicPartition, deque[list[int | bool]]] = {}

    def add(self, records: Sequence[ConsumerRecord]) -> None:
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            self._pending.setdefault(tp, deque()).append([r.offset, False])

    def done(self, records: Sequence[ConsumerRecord]) -> None:
        finished = {(r.topic, r.partition, r.offset) for r in records}
        for tp, queue in self._pending.items():
            for entry in queue:
                if (tp.topic, tp.partition, entry[0]) in finished:
                    entry[1] = True

    def committable(self) -> dict[TopicPartition, int]:
        """Pop the finished prefix of every partition: the offsets to commit."""
        offsets: dict[TopicPartition, int] = {}
        for tp, queue in self._pending.items():
            while queue and queue[0][1]:
                offsets[tp] = int(queue.popleft()[0]) + 1
        return offsets

    def forget(self, partitions: set[TopicPartition]) -> None:
        for tp in partitions:
            self._pending.pop(tp, None)

    def __len__(self) -> int:
        return sum(len(q) for q in self._pending.values())


class StageRunner:
    """Runs one consuming stage until :meth:`stop`; owns its consumer.

    Up to ``max_in_flight`` batches are processed side by side, so one slow
    record (a slow host, a long article) does not stall the stage, and the
    worker pools stay busy while a batch waits for its acks. Offsets are
    committed per partition up to the lowest record not finished yet. With
    transactions, batches run one at a time, each in one transaction.
    """

    def __init__(
        self,
        *,
        stage: str,
        processor: Processor,
        input_topic: str,
        dlq_topic: str,
        factory: KafkaFactory,
        publisher: Publisher,
        batch_size: int,
        max_in_flight: int = 2,
        retry_backoff_s: float = 1.0,
    ) -> None:
        self.stage = stage
        self.processor = processor
        self.input_topic = input_topic
        self.dlq_topic = dlq_topic
        self.factory = factory
        self.publisher = publisher
        self.batch_size = batch_size
        self.retry_backoff_s = retry_backoff_s
        self.group_id = factory.group(stage)
        self._transactional = bool(factory.settings.kafka_transactional_id)
        self.max_in_flight = 1 if self._transactional else max(1, max_in_flight)
        self._stopping = asyncio.Event()
        self._txn_producer: AIOKafkaProducer | None = None
        self._offsets = _Offsets()
        self._tasks: set[asyncio.Task[None]] = set()
        self._commit_lock = asyncio.Lock()
        self.ready = False
        self._lag_checked = 0.0
        #: Partitions whose processor state is restored. The consumer may hand out records
        #: of a new partition before the rebalance listener has finished restoring it.
        self.ready_partitions: set[TopicPartition] = set()

    def stop(self) -> None:
        """Stop taking input; the batches in hand are finished and committed."""
        self._stopping.set()

    def forget(self, partitions: set[TopicPartition]) -> None:
        """Drop the offsets in flight of partitions this member no longer owns."""
        self._offsets.forget(partitions)

    async def run(self) -> None:
        consumer = self.factory.consumer(group_id=self.group_id, max_poll_records=self.batch_size)
        consumer.subscribe([self.input_topic], listener=_Listener(self))
        settings = self.factory.settings
        if self._transactional:
            txn_id = f"{settings.kafka_transactional_id}.{self.stage}.{socket.gethostname()}"
            self._txn_producer = self.factory.producer(transactional_id=txn_id)
            await self._txn_producer.start()
        await consumer.start()
        self.ready = True
        log.info("stage started", extra={"stage": self.stage, "topic": self.input_topic})
        slots = asyncio.Semaphore(self.max_in_flight)
        try:
            while not self._stopping.is_set():
                await slots.acquire()
                records = await self._next_batch(consumer)
                if not records:
                    slots.release()
                    await self._commit(consumer)
                    await self._report_lag(consumer)
                    continue
                if not self._transactional:
                    self._offsets.add(records)
                task = asyncio.create_task(self._work(consumer, records))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                task.add_done_callback(lambda _: slots.release())
                await self._commit(consumer)
                await self._report_lag(consumer)
        finally:
            self.ready = False
            try:
                if self._tasks:
                    # Cancelled here only when the owner's shutdown deadline passed: what is
                    # not committed will be processed again (at least once).
                    await asyncio.gather(*self._tasks, return_exceptions=True)
                await self._commit(consumer)
            finally:
                await consumer.stop()
                if self._txn_producer is not None:
                    await self._txn_producer.stop()
                log.info("stage stopped", extra={"stage": self.stage})

    async def _next_batch(self, consumer: AIOKafkaConsumer) -> list[ConsumerRecord]:
        batch = await consumer.getmany(timeout_ms=300, max_records=self.batch_size)
        records: list[ConsumerRecord] = []
        for tp in sorted(batch, key=lambda t: t.partition):
            if tp in self.ready_partitions:
                records.extend(batch[tp])
            elif tp in consumer.assignment():
                consumer.seek(tp, batch[tp][0].offset)  # again once restored
        return records

    async def _process(self, records: Sequence[ConsumerRecord]) -> list[Outcome]:
        """The processor's outcomes; a batch that raises is retried one record at a time."""
        try:
            outcomes = await self.processor.process(records)
            if len(outcomes) != len(records):
                raise RuntimeError(f"{len(outcomes)} outcomes for {len(records)} records")
            return outcomes
        except Exception:
            if len(records) == 1:
                raise
            log.exception("batch failed; retrying its records one by one", extra={"stage": self.stage})
        result: list[Outcome] = []
        for record in records:
            try:
                result.extend(await self.processor.process([record]))
            except Exception as exc:
                log.exception("record failed", extra={"stage": self.stage, "offset": record.offset})
                result.append(Outcome(failure=Failure("internal", f"{type(exc).__name__}: {exc}")))
        return result

    async def _work(self, consumer: AIOKafkaConsumer, records: list[ConsumerRecord]) -> None:
        """Process one batch and write what it produced; its offsets become committable."""
        metrics.MESSAGES_IN.labels(self.stage).inc(len(records))
        outcomes = await self._process(records)
        outputs: list[Output] = []
        state: list[Output] = []
        failed = 0
        for record, outcome in zip(records, outcomes, strict=True):
            outputs.extend(outcome.outputs)
            state.extend(outcome.state)
            if outcome.failure is not None:
                failed += 1
                metrics.MESSAGES_FAILED.labels(self.stage, outcome.failure.reason).inc()
                outputs.append(dead_letter(record, self.stage, outcome.failure, self.dlq_topic))
                log.warning(
                    "message sent to the dead-letter topic",
                    extra={
                        "stage": self.stage, "reason": outcome.failure.reason,
                        "error": outcome.failure.error, "topic": record.topic,
                        "partition": record.partition, "offset": record.offset,
                    },
                )
        while True:
            try:
                if self._txn_producer is not None:
                    offsets = {TopicPartition(r.topic, r.partition): r.offset + 1 for r in records}
                    await self._commit_transaction(outputs + state, offsets)
                else:
                    await self.publisher.send_all(outputs)
                    await self.publisher.send_all(state)
                break
            except KafkaError as exc:
                # Outputs may be partly written: writing them again duplicates, never loses.
                log.error("broker error; writing the batch again",
                          extra={"stage": self.stage, "error": repr(exc)})
                if self._stopping.is_set():
                    return  # left uncommitted: processed again after the restart
                await asyncio.sleep(self.retry_backoff_s)
        await self.processor.written(state)
        if self._txn_producer is None:
            self._offsets.done(records)
        produced = sum(1 for o in outputs if o.topic != self.dlq_topic)
        metrics.MESSAGES_OUT.labels(self.stage).inc(produced)
        if failed:
            metrics.DLQ_MESSAGES.labels(self.stage).inc(failed)

    async def _commit(self, consumer: AIOKafkaConsumer) -> None:
        async with self._commit_lock:
            offsets = self._offsets.committable()
            if not offsets:
                return
            try:
                await consumer.commit(offsets)
            except (CommitFailedError, IllegalStateError) as exc:
                # The partitions moved to another member: their outputs are written, the
                # new owner will process the records again (at least once).
                log.warning("commit refused after a rebalance",
                            extra={"stage": self.stage, "error": str(exc)})
            except KafkaError as exc:
                log.error("commit failed; the records will be processed again",
                          extra={"stage": self.stage, "error": repr(exc)})

    async def _commit_transaction(self, outputs: list[Output], offsets: dict[TopicPartition, int]) -> None:
        producer = self._txn_producer
        assert producer is not None
        async with producer.transaction():
            await Publisher(producer).send_all(outputs)
            await producer.send_offsets_to_transaction(offsets, self.group_id)

    async def _report_lag(self, consumer: AIOKafkaConsumer) -> None:
        now = time.monotonic()
        if now - self._lag_checked < 2.0:
            return
        self._lag_checked = now
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
        metrics.CONSUMER_LAG.labels(self.stage).set(lag)
