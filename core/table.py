"""Topics read as tables: from the beginning to the high watermark, last record per key wins.

On the dev broker ``end_offsets`` under-reports the end of a partition, so a
restore is caught up when its position reaches the high watermark reported by
fetch responses (on real Kafka the two agree). Tables never use committed
offsets.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterable
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
