"""``newsflow dlq list`` and ``newsflow dlq replay`` as users run them, on the real dev broker."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from newsflow.core.kafka import KafkaFactory
from newsflow.core.runtime import Failure, dead_letter
from newsflow.core.settings import Settings
from newsflow.core.topics import Topics, prepare_topics
from newsflow.demo.farm import FeedFarm
from newsflow.dlq import parse_since
from newsflow.pipeline import Pipeline
from newsflow.registry import make_spec, register

from support.kafka import read_all, wait_for_values

pytestmark = pytest.mark.timeout(180)


async def newsflow(settings: Settings, *args: str, **env: str) -> tuple[int, str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    environ.update({"NEWSFLOW_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
                    "NEWSFLOW_TOPIC_PREFIX": settings.topic_prefix, **env})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "newsflow.cli", *args, env=environ,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def publish(factory: KafkaFactory, topic: str,
                  records: list[tuple[bytes | None, bytes, list[tuple[str, bytes]]]]) -> None:
    producer = factory.producer()
    await producer.start()
    try:
        for key, value, headers in records:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def fail(factory: KafkaFactory, topics: Topics, source: str, stage: str,
               failures: dict[bytes, Failure], replays: bytes | None = None) -> None:
    """Dead-letter the records of ``source`` with these keys (and this ``newsflow.replays``
    header), as the stage runtime does."""
    outputs = [dead_letter(r, stage, failures[r.key], topics.dlq)
               for r in await read_all(factory, source)
               if r.key in failures and dict(r.headers).get("newsflow.replays") == replays]
    await publish(factory, topics.dlq, [(o.key, o.value or b"", o.headers) for o in outputs])


async def test_list_counts_by_stage_and_reason_and_replay_refuses_records_replayed_too_often(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    topics = Topics.from_settings(settings)
    await prepare_topics(factory, topics)
    schema = [("schema", b"Link/1")]
    await publish(factory, topics.links, [(b"gone-1", b'{"link": 1}', schema),
                                          (b"gone-2", b'{"link": 2}', schema),
                                          (b"empty", b'{"link": 3}', schema)])
    await publish(factory, topics.articles, [(b"art-1", b'{"article": 1}', [])])
    await fail(factory, topics, topics.links, "fetch", {
        b"gone-1": Failure("fetch", "HTTP 404 for http://x/1"),
        b"gone-2": Failure("fetch", "HTTP 404 for http://x/2", attempts=3),
        b"empty": Failure("extract", "no main text found", detail={"kind": "index"})})
    await fail(factory, topics, topics.articles, "enrich", {b"art-1": Failure("enrich", "boom")})

    status, out, _ = await newsflow(settings, "dlq", "list", "--json")
    assert status == 0
    listing = orjson.loads(out.splitlines()[-1])
    assert listing["total"] == 4
    assert listing["counts"] == [{"stage": "fetch", "reason": "fetch", "count": 2},
                                 {"stage": "enrich", "reason": "enrich", "count": 1},
                                 {"stage": "fetch", "reason": "extract", "count": 1}]
    newest = listing["newest"][0]
    assert newest["key"] == "art-1" and newest["source_topic"] == topics.articles
    empty = next(e for e in listing["newest"] if e["key"] == "empty")
    assert empty["detail"] == {"kind": "index"} and empty["error"] == "no main text found"

    status, out, _ = await newsflow(settings, "dlq", "list", "--stage", "fetch")
    assert status == 0
    assert "fetch\tfetch\t2" in out and "total\t\t3" in out and "enrich" not in out

    status, out, err = await newsflow(settings, "dlq", "replay", "--reason", "fetch", "--dry-run")
    assert status == 0 and out.count("would replay") == 2
    assert len(await read_all(factory, topics.links)) == 3, "a dry run publishes nothing"

    for round_ in (1, 2, 3):
        status, out, err = await newsflow(settings, "dlq", "replay", "--reason", "fetch", "--json",
                                          NEWSFLOW_DLQ_MAX_REPLAYS="3")
        assert status == 0, err
        report = orjson.loads(out.splitlines()[-1])
        assert report["replayed"] == 2 and report["refused"] == []
        assert report["superseded"] == 2 * (round_ - 1), "only the newest dead letter of a record"
        links = await read_all(factory, topics.links)
        replayed = [r for r in links if dict(r.headers).get("newsflow.replays") == str(round_).encode()]
        assert sorted(r.key for r in replayed) == [b"gone-1", b"gone-2"]
        assert all(dict(r.headers)["schema"] == b"Link/1" for r in replayed)
        assert not any(k.startswith("dlq.") for r in replayed for k, _ in r.headers)
        # They fail again: the stage dead-letters the replayed records, header included.
        await fail(factory, topics, topics.links, "fetch", {
            k: Failure("fetch", "HTTP 404 again") for k in (b"gone-1", b"gone-2")},
            replays=str(round_).encode())
        links_after = await read_all(factory, topics.links)
        assert len(links_after) == len(links)

    status, out, err = await newsflow(settings, "dlq", "replay", "--reason", "fetch",
                                      NEWSFLOW_DLQ_MAX_REPLAYS="3")
    assert status == 0
    refused = [line for line in out.splitlines() if line.startswith("refused")]
    assert len(refused) == 2 and all("replayed 3 times already" in line for line in refused)
    assert "0 dead letter(s)" in err and "2 refused" in err
    assert len(await read_all(factory, topics.links)) == len(links_after), "nothing republished"

    status, out, _ = await newsflow(settings, "dlq", "list", "--since", "2h", "--reason", "extract")
    assert "fetch\textract\t1" in out
    future = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    status, out, _ = await newsflow(settings, "dlq", "list", "--since", future, "--json")
    assert orjson.loads(out)["total"] == 0
    status, out, err = await newsflow(settings, "dlq", "list", "--since", "soonish")
    assert status == 2 and "not a time or a duration" in err and "Traceback" not in err


def test_since_takes_durations_and_iso_times() -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert parse_since("2h", now) == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    assert parse_since("7d", now) == datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    assert parse_since("2026-03-01", now) == datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_since("2026-03-01T08:00:00+01:00", now).hour == 8
    with pytest.raises(ValueError):
        parse_since("last tuesday", now)


async def test_a_page_that_failed_arrives_once_replayed_after_the_cause_is_fixed(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(fetch_attempts=1)
    pipeline = Pipeline(settings)
    stop = asyncio.Event()
    with FeedFarm(feeds=1, items=3, words=(120, 200), page_kb=(6, 10)) as farm:
        farm.gone.add((0, 1))

        async def add(factory: KafkaFactory) -> None:
            await register(factory, pipeline.topics, [make_spec(farm.feed_urls[0])])

        task = asyncio.create_task(pipeline.run(stop, before_stages=add))
        try:
            await asyncio.wait_for(pipeline.started.wait(), 60)
            factory = KafkaFactory(settings, settings.kafka_bootstrap)
            await wait_for_values(factory, pipeline.topics.enriched, 2)
            for _ in range(100):
                if await read_all(factory, pipeline.topics.dlq):
                    break
                await asyncio.sleep(0.2)
            status, out, _ = await newsflow(settings, "dlq", "list", "--json")
            listing = orjson.loads(out)
            assert listing["counts"] == [{"stage": "fetch", "reason": "fetch", "count": 1}]
            assert "404" in listing["newest"][0]["error"]

            farm.gone.clear()  # the site is fixed
            status, out, err = await newsflow(settings, "dlq", "replay", "--stage", "fetch")
            assert status == 0 and "replayed 1 dead letter" in err
            values = await wait_for_values(factory, pipeline.topics.enriched, 3)
        finally:
            stop.set()
            await asyncio.wait_for(task, 60)
    assert farm.article(0, 1).url in {v["url"] for v in values}, "the replayed link arrived"
