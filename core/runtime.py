"""The stage runtime: consume → transform → produce → commit after acks.

Every consuming stage (fetch, enrich) runs on :class:`StageRunner`. A stage
supplies a :class:`Processor` that turns a batch of input records into one
:class:`Outcome` each; the runner does the rest, in this order:

1. produce every output and dead-letter record, and wait for the broker's acks;
2. produce the stage's state records (seen-sets), which vouch for step 1, and
   wait for their acks;
3. commit the input offsets.

A crash between any two steps causes a duplicate, never a gap (at least once).
With ``kafka_transactional_id`` set (real Kafka only), steps 1–3 are one
transaction instead (exactly once).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
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
        if revoked:
            await self.runner.processor.on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info(
            "partitions assigned",
            extra={"stage": self.runner.stage, "partitions": sorted(p.partition for p in assigned)},
        )
        await self.runner.processor.on_assigned(set(assigned))
        self.runner.ready_partitions |= set(assigned)


class StageRunner:
    """Runs one consuming stage until :meth:`stop`; owns its consumer."""

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
        self._stopping = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._txn_producer: AIOKafkaProducer | None = None
        self.ready = False
        self._lag_checked = 0.0
        #: Partitions whose processor state is restored. The consumer may hand out records
        #: of a new partition before the rebalance listener has finished restoring it.
        self.ready_partitions: set[TopicPartition] = set()

    def stop(self) -> None:
        """Stop taking input; the batch in hand is finished and committed."""
        self._stopping.set()

    async def run(self) -> None:
        consumer = self.factory.consumer(group_id=self.group_id, max_poll_records=self.batch_size)
        consumer.subscribe([self.input_topic], listener=_Listener(self))
        self._consumer = consumer
        settings = self.factory.settings
        if settings.kafka_transactional_id:
            txn_id = f"{settings.kafka_transactional_id}.{self.stage}.{socket.gethostname()}"
            self._txn_producer = self.factory.producer(transactional_id=txn_id)
            await self._txn_producer.start()
        await consumer.start()
        self.ready = True
        log.info("stage started", extra={"stage": self.stage, "topic": self.input_topic})
        try:
            while not self._stopping.is_set():
                batch = await consumer.getmany(timeout_ms=300, max_records=self.batch_size)
                records = []
                for tp in sorted(batch, key=lambda t: t.partition):
                    if tp in self.ready_partitions:
                        records.extend(batch[tp])
                    elif tp in consumer.assignment():
                        consumer.seek(tp, batch[tp][0].offset)  # again once restored
                if records:
                    await self._handle(consumer, records)
                await self._report_lag(consumer)
        finally:
            self.ready = False
            await consumer.stop()
            if self._txn_producer is not None:
                await self._txn_producer.stop()
            log.info("stage stopped", extra={"stage": self.stage})

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

    async def _handle(self, consumer: AIOKafkaConsumer, records: list[ConsumerRecord]) -> None:
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
        offsets: dict[TopicPartition, int] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
        try:
            if self._txn_producer is not None:
                await self._commit_transaction(outputs + state, offsets)
            else:
                await self.publisher.send_all(outputs)
                await self.publisher.send_all(state)
                await consumer.commit(offsets)
            await self.processor.written(state)
        except (CommitFailedError, IllegalStateError) as exc:
            # The partitions moved to another member during the batch: its outputs are
            # written, the new owner will process the records again (at least once).
            log.warning("commit refused after a rebalance", extra={"stage": self.stage, "error": str(exc)})
        except KafkaError as exc:
            log.error(
                "broker error; the batch will be processed again",
                extra={"stage": self.stage, "error": repr(exc)},
            )
            for tp in offsets:
                first = min(r.offset for r in records if r.partition == tp.partition)
                consumer.seek(tp, first)
            await asyncio.sleep(self.retry_backoff_s)
            return
        produced = sum(1 for o in outputs if o.topic != self.dlq_topic)
        metrics.MESSAGES_OUT.labels(self.stage).inc(produced)
        if failed:
            metrics.DLQ_MESSAGES.labels(self.stage).inc(failed)

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
