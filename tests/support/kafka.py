"""Reading whole topics in tests (every record, duplicates included)."""

from __future__ import annotations

import asyncio
import time

import orjson
from aiokafka import ConsumerRecord, TopicPartition

from newsflow.core.kafka import KafkaFactory
from newsflow.core.table import caught_up
from newsflow.core.topics import partition_count


async def read_all(factory: KafkaFactory, topic: str, timeout_s: float = 30) -> list[ConsumerRecord]:
    """Every record of ``topic`` up to its high watermark."""
    count = await partition_count(factory, topic)
    if not count:
        return []
    consumer = factory.consumer(group_id=None)
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        tps = [TopicPartition(topic, p) for p in range(count)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        pending = set(tps)
        deadline = time.monotonic() + timeout_s
        while pending and time.monotonic() < deadline:
            batch = await consumer.getmany(*pending, timeout_ms=200)
            for recs in batch.values():
                records.extend(recs)
            for tp in list(pending):
                if await caught_up(consumer, tp):
                    pending.discard(tp)
    finally:
        await consumer.stop()
    return records


async def wait_for_values(factory: KafkaFactory, topic: str, count: int, timeout_s: float = 120,
                          key: str = "article_id") -> list[dict]:
    """Poll ``topic`` until it holds ``count`` distinct ``key`` values; returns all values."""
    deadline = time.monotonic() + timeout_s
    values: list[dict] = []
    while time.monotonic() < deadline:
        values = [orjson.loads(r.value) for r in await read_all(factory, topic) if r.value]
        if len({v.get(key) for v in values}) >= count:
            return values
        await asyncio.sleep(1)
    return values
