"""Tables: topics read from the beginning to the high watermark, last record per key wins.

On the dev broker ``end_offsets`` under-reports the end of a partition, so a
restore is caught up when its position reaches the high watermark reported by
fetch responses (on real Kafka the two agree). Tables never use committed
offsets.

:class:`Table` is the state a stage keeps per input partition (the fetchers'
seen-set, the pollers' feed state): a changelog topic co-partitioned with the
input, restored on assignment, written by the runtime only after the outputs it
vouches for were acknowledged, with an expiry horizon (expired keys are
tombstoned, and skipped on restore) and at most ``max_keys`` keys per partition
in memory (the oldest writes go first).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from newsflow.schemas import InvalidMessage, Message, SchemaMismatch, decode

from .kafka import KafkaFactory
from .topics import partition_count

M = TypeVar("M", bound=Message)

log = logging.getLogger(__name__)


class RestoreTimeout(RuntimeError):
    """A table partition did not catch up in time."""


async def caught_up(consumer: AIOKafkaConsumer, tp: TopicPartition) -> bool:
    high = consumer.highwater(tp)
    if high is None:
        return False
    return await consumer.position(tp) >= high


async def read_records(
    factory: KafkaFactory,
    topic: str,
    partitions: Iterable[int],
    timeout_s: float = 60.0,
) -> list[ConsumerRecord]:
    """Every record of ``partitions`` of ``topic``, from the beginning to the high watermark."""
    tps = [TopicPartition(topic, p) for p in partitions]
    records: list[ConsumerRecord] = []
    if not tps:
        return records
    consumer = factory.consumer(group_id=None)
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        pending = set(tps)
        deadline = time.monotonic() + timeout_s
        while pending:
            if time.monotonic() > deadline:
                raise RestoreTimeout(f"{topic} partitions {sorted(p.partition for p in pending)}")
            batch = await consumer.getmany(*pending, timeout_ms=200)
            for batch_records in batch.values():
                records.extend(batch_records)
            for tp in list(pending):
                if await caught_up(consumer, tp):
                    pending.discard(tp)
    finally:
        await consumer.stop()
    return records


async def read_table(
    factory: KafkaFactory,
    topic: str,
    partitions: Iterable[int],
    timeout_s: float = 60.0,
) -> dict[bytes, bytes]:
    """The latest value of every key in ``partitions`` of ``topic`` (tombstones delete)."""
    table: dict[bytes, bytes] = {}
    for record in await read_records(factory, topic, partitions, timeout_s):
        if record.key is None:
            continue
        if record.value is None:
            table.pop(record.key, None)
        else:
            table[record.key] = record.value
    log.debug("table restored", extra={"topic": topic, "keys": len(table)})
    return table


async def wait_caught_up(
    consumer: AIOKafkaConsumer, tps: Iterable[TopicPartition], timeout_s: float = 60.0
) -> None:
    """Wait until a running consumer's position reached the high watermark of ``tps``."""
    pending = set(tps)
    deadline = time.monotonic() + timeout_s
    while pending:
        for tp in list(pending):
            if tp not in consumer.assignment() or await caught_up(consumer, tp):
                pending.discard(tp)
        if pending:
            if time.monotonic() > deadline:
                raise RestoreTimeout(str(sorted(p.partition for p in pending)))
            await asyncio.sleep(0.05)


def decode_table(model: type[M], table: dict[bytes, bytes]) -> list[M]:
    """The values of a table that decode into ``model`` (others are skipped and logged)."""
    decoded = []
    for key, value in table.items():
        try:
            decoded.append(decode(model, value))
        except (InvalidMessage, SchemaMismatch) as exc:
            log.warning("unreadable table record skipped", extra={"key": key, "error": str(exc)})
    return decoded


async def follow(
    factory: KafkaFactory, topic: str, *, from_beginning: bool, stop: asyncio.Event
) -> AsyncIterator[ConsumerRecord]:
    """Every record of every partition of ``topic``, without a consumer group, until ``stop``."""
    count = await partition_count(factory, topic)
    if not count:
        raise LookupError(f"topic {topic} does not exist")
    consumer = factory.consumer(group_id=None)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(count)]
        consumer.assign(tps)
        if from_beginning:
            await consumer.seek_to_beginning(*tps)
        else:
            await consumer.seek_to_end(*tps)
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=300)
            for records in batch.values():
                for record in records:
                    yield record
    finally:
        await consumer.stop()


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A stage's table: its name, its changelog topic, how long and how many keys it keeps."""

    name: str
    changelog: str
    horizon_s: float | None = None
    max_keys: int = 200_000


class Table:
    """Per partition, the latest value of each key, as of the last acknowledged write."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        #: partition -> key -> (value, written at, epoch seconds), oldest write first
        self._parts: dict[int, OrderedDict[bytes, tuple[bytes, float]]] = {}

    @property
    def name(self) -> str:
        return self.spec.name

    def _fresh(self, written: float, now: float) -> bool:
        return self.spec.horizon_s is None or now - written < self.spec.horizon_s

    def get(self, partition: int, key: bytes) -> bytes | None:
        part = self._parts.get(partition)
        entry = part.get(key) if part is not None else None
        if entry is None or not self._fresh(entry[1], time.time()):
            return None
        return entry[0]

    def items(self, partition: int) -> list[tuple[bytes, bytes]]:
        now = time.time()
        part = self._parts.get(partition) or OrderedDict()
        return [(k, v) for k, (v, at) in part.items() if self._fresh(at, now)]

    def __len__(self) -> int:
        return sum(len(p) for p in self._parts.values())

    def apply(self, partition: int, key: bytes, value: bytes | None, at: float | None = None) -> None:
        """Record an acknowledged write (None deletes the key)."""
        part = self._parts.setdefault(partition, OrderedDict())
        part.pop(key, None)
        if value is None:
            return
        part[key] = (value, time.time() if at is None else at)
        while len(part) > self.spec.max_keys:
            part.popitem(last=False)

    def load(self, partition: int, records: Iterable[ConsumerRecord]) -> int:
        """Replace ``partition`` with the changelog's records: last write wins, expired skipped."""
        self._parts[partition] = OrderedDict()
        now = time.time()
        for record in records:
            if record.key is None:
                continue
            at = record.timestamp / 1000 if record.timestamp and record.timestamp > 0 else now
            self.apply(partition, record.key, record.value if self._fresh(at, now) else None, at)
        return len(self._parts[partition])

    async def restore(self, factory: KafkaFactory, partition: int, timeout_s: float) -> int:
        """Read ``partition`` of the changelog to its high watermark; the keys restored."""
        count = await partition_count(factory, self.spec.changelog)
        if partition >= count:
            raise RestoreTimeout(f"{self.spec.changelog} has no partition {partition}")
        records = await read_records(factory, self.spec.changelog, [partition], timeout_s)
        return self.load(partition, records)

    def drop(self, partition: int) -> None:
        self._parts.pop(partition, None)

    def expired(self, partition: int) -> list[bytes]:
        """Keys of ``partition`` past the horizon (to tombstone, then :meth:`apply` as deleted)."""
        if self.spec.horizon_s is None:
            return []
        now = time.time()
        expired = []
        for key, (_, at) in (self._parts.get(partition) or OrderedDict()).items():
            if self._fresh(at, now):
                break  # oldest write first: the rest are younger
            expired.append(key)
        return expired
