"""Reading whole topics in tests (every record, duplicates included)."""

from __future__ import annotations

import asyncio
import time

import orjson
from aiokafka import ConsumerRecord

from newsflow.core.kafka import KafkaFactory
from newsflow.core.table import read_records
from newsflow.core.topics import partition_count


async def read_all(factory: KafkaFactory, topic: str, timeout_s: float = 30) -> list[ConsumerRecord]:
    """Every record of ``topic`` up to its high watermark (none if it does not exist)."""
    count = await partition_count(factory, topic)
    return await read_records(factory, topic, range(count), timeout_s)


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
