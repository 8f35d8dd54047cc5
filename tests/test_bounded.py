"""Bounded memory in the runtime: a record that hangs does not let its partition pile up."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence

from newsflow.core.kafka import KafkaFactory
from newsflow.core.produce import Publisher
from newsflow.core.records import Outcome, Output, Record
from newsflow.core.runtime import StageRunner
from newsflow.core.settings import Settings
from newsflow.core.table import Table, TableSpec
from newsflow.core.topics import Topics, prepare_topics

from support.kafka import read_all

BOUND = 40


class Hangs:
    """A stage whose record ``stuck`` waits until released; every other one passes at once."""

    name = "fetch"

    def __init__(self, out: str) -> None:
        self.out = out
        self.release = asyncio.Event()
        self.processed = 0

    def tables(self) -> list[TableSpec]:
        return []

    def open(self, tables: Mapping[str, Table]) -> None:
        return None

    async def process(self, records: Sequence[Record]) -> list[Outcome]:
        if any(r.value == b"stuck" for r in records):
            await self.release.wait()
        self.processed += len(records)
        return [Outcome(outputs=[Output(self.out, r.key, r.value)]) for r in records]


async def test_a_hanging_record_pauses_its_partition_at_the_bound(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(max_uncommitted_per_partition=BOUND, topic_partitions=1)
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    topics = Topics.from_settings(settings)
    await prepare_topics(factory, topics)
    producer = factory.producer()
    await producer.start()
    values = [b"stuck", *(f"v{i}".encode() for i in range(300))]
    for i, value in enumerate(values):
        await producer.send(topics.links, value, key=f"k{i}".encode())
    await producer.flush()
    stage = Hangs(topics.articles)
    runner = StageRunner(stage=stage, input_topic=topics.links, dlq_topic=topics.dlq,
                         factory=factory, publisher=Publisher(producer), batch_size=5,
                         max_in_flight=4)
    task = asyncio.create_task(runner.run())
    try:
        for _ in range(300):
            if stage.processed >= BOUND - 10:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)  # time enough to take everything, were it not bounded
        assert len(runner.offsets) <= BOUND + 5, "taken records stay within a batch of the bound"
        assert stage.processed < len(values) - 1
        stage.release.set()
        for _ in range(300):
            if len(await read_all(factory, topics.articles)) >= len(values):
                break
            await asyncio.sleep(0.2)
        assert {r.value for r in await read_all(factory, topics.articles)} == set(values)
    finally:
        runner.stop()
        await asyncio.wait_for(task, 30)
        await producer.stop()
