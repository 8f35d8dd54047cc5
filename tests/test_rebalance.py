"""Rebalances while work is in flight: nothing committed that was not written, one poller per feed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from newsflow.core.kafka import KafkaFactory
from newsflow.core.settings import Settings
from newsflow.core.topics import Topics, prepare_topics
from newsflow.pipeline import Pipeline
from newsflow.registry import make_spec, register
from newsflow.schemas import Link, article_id, encode, headers_for, utcnow

from support.gated import GatedServer
from support.kafka import read_all
from support.pages import article_page
from support.procs import StageProcess

pytestmark = pytest.mark.timeout(240)


def _rss(base: str, n: int) -> str:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
            f"<link>{base}/</link><item><title>Story {n}</title><link>{base}/a/{n}.html</link>"
            "</item></channel></rss>")


async def _committed(factory: KafkaFactory, group: str, topic: str, partitions: int) -> int:
    consumer = factory.consumer(group_id=group)
    await consumer.start()
    try:
        total = 0
        for p in range(partitions):
            total += await consumer.committed(TopicPartition(topic, p)) or 0
        return total
    finally:
        await consumer.stop()


async def _join_and_leave(factory: KafkaFactory, group: str, topic: str) -> None:
    """A member that joins ``group``, takes its share of partitions, and leaves at once."""
    consumer = factory.consumer(group_id=group)
    consumer.subscribe([topic])
    await consumer.start()
    try:
        for _ in range(200):
            if consumer.assignment():
                break
            await consumer.getmany(timeout_ms=100)
    finally:
        await consumer.stop()


async def test_rebalance_with_a_slow_page_in_flight_then_sigkill_loses_nothing(
    make_settings: Callable[..., Settings], tmp_path: Path,
) -> None:
    settings = make_settings(topic_partitions=2)
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    topics = Topics.from_settings(settings)
    await prepare_topics(factory, topics)
    async with GatedServer() as server:
        url = server.add("/slow.html", article_page())
        server.hold("/slow.html")
        link = Link(article_id=article_id(url), url=url, feed_id="f", feed_url="http://x/f",
                    discovered_at=utcnow())
        producer = factory.producer()
        await producer.start()
        await producer.send_and_wait(topics.links, encode(link), key=link.article_id.encode(),
                                     headers=headers_for(link))
        await producer.stop()

        first = StageProcess(settings, "fetch", tmp_path / "first.log").start()
        second: Pipeline | None = None
        stop = asyncio.Event()
        task: asyncio.Task[None] | None = None
        try:
            for _ in range(600):  # the first member is fetching the page
                if server.requests_for("/slow.html"):
                    break
                assert first.alive, (tmp_path / "first.log").read_text()[-3000:]
                await asyncio.sleep(0.1)
            assert server.requests_for("/slow.html")
            await _join_and_leave(factory, factory.group("fetch"), topics.links)
            # The first member gets its partitions back and sees the record again. Wait until
            # it either committed past it (the fault) or fetches the page again.
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                committed = await _committed(factory, factory.group("fetch"), topics.links, 2)
                if committed or len(server.requests_for("/slow.html")) > 1:
                    break
                await asyncio.sleep(0.3)
            first.kill()
            server.release("/slow.html")
            second = Pipeline(settings, stages=("fetch",))
            task = asyncio.create_task(second.run(stop))
            articles: list[object] = []
            deadline = time.monotonic() + 90
            while not articles and time.monotonic() < deadline:
                articles = await read_all(factory, topics.articles)
                await asyncio.sleep(0.2)
        finally:
            stop.set()
            if task is not None:
                await asyncio.wait_for(task, 60)
            first.reap()
    assert len(articles) >= 1, "the article whose fetch was in flight at the kill arrives"


async def test_two_pollers_never_poll_one_feed_at_once_across_a_rebalance(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(shutdown_timeout_s=2, poll_interval_s=1, http_per_host=8,
                             http_timeout_s=30)
    async with GatedServer() as server:
        paths = [f"/feeds/{i}.xml" for i in range(6)]
        urls = [server.add(p, _rss(server.base_url, i), "application/rss+xml")
                for i, p in enumerate(paths)]
        for i in range(6):
            server.add(f"/a/{i}.html", article_page(f"Story {i}"))
        for p in paths:
            server.hold(p)
        stops = [asyncio.Event(), asyncio.Event()]
        pollers = [Pipeline(settings, stages=("poll",)) for _ in range(2)]

        async def add(factory: KafkaFactory) -> None:
            await register(factory, pollers[0].topics,
                           [make_spec(u, min_interval_s=1, max_interval_s=2) for u in urls])

        tasks = [asyncio.create_task(pollers[0].run(stops[0], before_stages=add))]
        try:
            for _ in range(600):  # the first poller is polling every feed
                if all(server.in_flight(p) for p in paths):
                    break
                await asyncio.sleep(0.1)
            assert all(server.in_flight(p) for p in paths)
            tasks.append(asyncio.create_task(pollers[1].run(stops[1])))
            for _ in range(300):  # the second one took over some feeds and polls them
                if any(len(server.requests_for(p)) > 1 for p in paths):
                    break
                await asyncio.sleep(0.1)
            for p in paths:
                server.release(p)
            await asyncio.sleep(3)  # both poll their feeds again, answered at once
        finally:
            for stop in stops:
                stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), 60)
    taken = [p for p in paths if len(server.requests_for(p)) > 1]
    assert taken, "the second poller took over feeds whose polls were in flight"
    overlaps = {p: server.max_overlap(p) for p in paths}
    assert max(overlaps.values()) == 1, f"a feed was polled twice at once: {overlaps}"
