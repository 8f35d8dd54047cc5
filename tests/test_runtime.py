"""The stage runtime on the real dev broker: produce, dead-letter, commit, resume."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence

import pytest

from newsflow.core.kafka import KafkaFactory
from newsflow.core.produce import Publisher
from newsflow.core.records import Failure, Outcome, Output, Put, Record
from newsflow.core.runtime import StageRunner
from newsflow.core.settings import Settings
from newsflow.core.table import Table, TableSpec, read_table
from newsflow.core.topics import Topics, prepare_topics

from support.kafka import read_all


class Upper:
    """A toy stage: upper-cases values, refuses 'bad', crashes on 'poison'."""

    name = "fetch"

    def __init__(self, out: str, state: str) -> None:
        self.out = out
        self.state_topic = state
        self.seen_batches: list[int] = []
        self.table: Table | None = None

    def tables(self) -> list[TableSpec]:
        return [TableSpec("done", self.state_topic)]

    def open(self, tables: Mapping[str, Table]) -> None:
        self.table = tables["done"]

    async def process(self, records: Sequence[Record]) -> list[Outcome]:
        self.seen_batches.append(len(records))
        if any(r.value == b"poison" for r in records):
            raise RuntimeError("poison pill")
        return [
            Outcome(failure=Failure("invalid", "bad value")) if r.value == b"bad" else
            Outcome(outputs=[Output(self.out, r.key, (r.value or b"").upper())],
                    state=[Put("done", r.key or b"", b"done")])
            for r in records
        ]


async def _until(condition: Callable[[], object], timeout_s: float = 10) -> None:
    """Wait until ``condition()`` holds or ``timeout_s`` passed (the caller asserts it)."""
    for _ in range(int(timeout_s / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)


async def _runner(settings: Settings, stage: Upper) -> tuple[StageRunner, asyncio.Task[None], object]:
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    topics = Topics.from_settings(settings)
    producer = factory.producer()
    await producer.start()
    runner = StageRunner(stage=stage, input_topic=topics.links,
                         dlq_topic=topics.dlq, factory=factory, publisher=Publisher(producer),
                         batch_size=50)
    return runner, asyncio.create_task(runner.run()), producer


async def _run_until(settings: Settings, stage: Upper, factory: KafkaFactory, topic: str,
                     count: int) -> None:
    """Run ``stage`` until ``topic`` holds ``count`` records, then stop it cleanly."""
    runner, task, producer = await _runner(settings, stage)
    for _ in range(200):
        if len(await read_all(factory, topic)) >= count:
            break
        await asyncio.sleep(0.1)
    runner.stop()
    await asyncio.wait_for(task, 30)
    await producer.stop()


async def test_outputs_dead_letters_and_commits(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    topics = Topics.from_settings(settings)
    await prepare_topics(factory, topics)
    producer = factory.producer()
    await producer.start()
    values = [b"a", b"bad", b"b", b"poison", b"c"]
    for i, v in enumerate(values):
        await producer.send_and_wait(topics.links, v, key=f"k{i}".encode(), headers=[("h", b"1")])

    stage = Upper(topics.articles, topics.links_seen)
    await _run_until(settings, stage, factory, topics.articles, 3)

    out = sorted(r.value for r in await read_all(factory, topics.articles))
    assert out == [b"A", b"B", b"C"]
    dlq = await read_all(factory, topics.dlq)
    by_value = {r.value: {k: v.decode() for k, v in r.headers} for r in dlq}
    assert set(by_value) == {b"bad", b"poison"}, "the poison pill did not take its batch down"
    assert by_value[b"bad"]["dlq.reason"] == "invalid"
    assert by_value[b"poison"]["dlq.reason"] == "internal"
    assert "poison pill" in by_value[b"poison"]["dlq.error"]
    assert by_value[b"bad"]["h"] == "1", "original headers are kept"
    assert by_value[b"bad"]["dlq.source.topic"] == topics.links
    seen = await read_table(factory, topics.links_seen, range(settings.topic_partitions))
    assert len(seen) == 3

    # Offsets were committed: a new runner of the same group gets nothing old again.
    await producer.send_and_wait(topics.links, b"d", key=b"k9")
    await producer.stop()
    await _run_until(settings, Upper(topics.articles, topics.links_seen), factory,
                     topics.articles, 4)
    out = sorted(r.value for r in await read_all(factory, topics.articles))
    assert out == [b"A", b"B", b"C", b"D"], "nothing processed twice after a clean stop"


async def test_a_lone_poison_record_is_dead_lettered_and_its_partition_commits_on(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(topic_partitions=1)
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    topics = Topics.from_settings(settings)
    await prepare_topics(factory, topics)
    producer = factory.producer()
    await producer.start()
    await producer.send_and_wait(topics.links, b"poison", key=b"p")
    stage = Upper(topics.articles, topics.links_seen)
    runner, task, runner_producer = await _runner(settings, stage)
    try:
        for _ in range(100):
            if await read_all(factory, topics.dlq):
                break
            await asyncio.sleep(0.1)
        [dead] = await read_all(factory, topics.dlq)
        assert dict(dead.headers)["dlq.reason"] == b"internal"
        await producer.send_and_wait(topics.links, b"after", key=b"a")
        for _ in range(100):
            if await read_all(factory, topics.articles):
                break
            await asyncio.sleep(0.1)
    finally:
        runner.stop()
        await asyncio.wait_for(task, 30)
        await runner_producer.stop()  # type: ignore[attr-defined]
    assert [r.value for r in await read_all(factory, topics.articles)] == [b"AFTER"]
    # Both records were committed: a new member of the group gets neither again.
    await producer.send_and_wait(topics.links, b"last", key=b"l")
    await producer.stop()
    again = Upper(topics.articles, topics.links_seen)
    await _run_until(settings, again, factory, topics.articles, 2)
    assert sum(again.seen_batches) == 1, "only the new record is processed"


class Held(Upper):
    """Upper, but a record valued b"slow" waits until ``release`` is set."""

    def __init__(self, out: str, state: str) -> None:
        super().__init__(out, state)
        self.release = asyncio.Event()
        self.saw_done: list[bool] = []

    async def process(self, records: Sequence[Record]) -> list[Outcome]:
        for r in records:
            assert self.table is not None
            self.saw_done.append(self.table.get(r.partition, r.key or b"") is not None)
        if any(r.value == b"slow" for r in records):
            await self.release.wait()
        return await super().process(records)


async def test_a_second_copy_of_a_key_waits_for_the_first_and_is_never_done_for_it(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(topic_partitions=1)
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    topics = Topics.from_settings(settings)
    await prepare_topics(factory, topics)
    producer = factory.producer()
    await producer.start()
    for value in (b"slow", b"again"):
        await producer.send_and_wait(topics.links, value, key=b"same")
    await producer.stop()
    stage = Held(topics.articles, topics.links_seen)
    runner_producer = factory.producer()
    await runner_producer.start()
    runner = StageRunner(stage=stage, input_topic=topics.links, dlq_topic=topics.dlq,
                         factory=factory, publisher=Publisher(runner_producer), batch_size=1,
                         max_in_flight=2)
    task = asyncio.create_task(runner.run())
    try:
        await _until(lambda: len(runner._tasks) == 2, 15)
        assert len(runner._tasks) == 2, "both copies are in flight, in two batches"
        await asyncio.sleep(1)
        assert stage.seen_batches == [], "the second copy waits for the first"
        assert runner.offsets.committable() == {}
        stage.release.set()
        await _until(lambda: len(stage.seen_batches) == 2 and not runner._tasks)
    finally:
        runner.stop()
        await asyncio.wait_for(task, 30)
        await runner_producer.stop()
    assert stage.saw_done == [False, True], "the second copy saw the first one's state"
    consumer = factory.consumer(group_id=factory.group("fetch"))
    await consumer.start()
    try:
        from aiokafka import TopicPartition
        assert await consumer.committed(TopicPartition(topics.links, 0)) == 2
    finally:
        await consumer.stop()


class Watch:
    """A toy source: records the keys it is told of, never due."""

    name = "poll"

    def __init__(self) -> None:
        self.keys: list[bytes | None] = []

    def tables(self) -> list[TableSpec]:
        return []

    def open(self, tables: Mapping[str, Table]) -> None:
        pass

    async def process(self, records: Sequence[Record]) -> list[Outcome]:
        return [Outcome() for _ in records]

    def due_at(self, record: Record) -> float | None:
        self.keys.append(record.key)
        return None

    def owned(self, count: int) -> None:
        pass


async def test_an_idle_source_fetches_its_table_seldom_and_still_sees_a_change(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each empty fetch costs the broker CPU: a source's table (the feeds registry) changes
    seldom, so its consumer waits up to a second between fetches, not the hop's 100 ms."""
    from aiokafka.client import AIOKafkaClient

    settings = make_settings()
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    topics = Topics.from_settings(settings)
    await prepare_topics(factory, topics)
    fetches = 0
    send = AIOKafkaClient.send

    async def counting(self: AIOKafkaClient, node_id: int, request: object, *a: object,
                       **k: object) -> object:
        nonlocal fetches
        if type(request).__name__ == "FetchRequest" and any(
                t[0] == topics.feeds for t in getattr(request, "topics", ())):
            fetches += 1
        return await send(self, node_id, request, *a, **k)

    monkeypatch.setattr(AIOKafkaClient, "send", counting)
    producer = factory.producer()
    await producer.start()
    stage = Watch()
    runner = StageRunner(stage=stage, input_topic=topics.feeds, dlq_topic=topics.dlq,
                         factory=factory, publisher=Publisher(producer), source=True,
                         batch_size=1)
    task = asyncio.create_task(runner.run())
    try:
        await _until(lambda: runner.ready, 30)
        assert runner.ready
        fetches = 0
        await asyncio.sleep(4)
        idle = fetches
        await producer.send_and_wait(topics.feeds, b"{}", key=b"feed-1")
        await _until(lambda: b"feed-1" in stage.keys, 5)
    finally:
        runner.stop()
        await asyncio.wait_for(task, 30)
        await producer.stop()
    assert idle <= 10, f"{idle} fetches of the idle registry in 4 s (100 ms waits make ~40)"
    assert b"feed-1" in stage.keys, "a new feed is seen within seconds"
