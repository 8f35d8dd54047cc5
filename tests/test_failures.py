"""Failures that must not stall a stage: outputs over the size limit, a restore that fails."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from newsflow.core.kafka import KafkaFactory
from newsflow.core.settings import Settings
from newsflow.core.topics import Topics, prepare_topics
from newsflow.pipeline import Pipeline
from newsflow.schemas import Article, Link, article_id, content_hash, encode, headers_for, utcnow

from support.gated import GatedServer
from support.kafka import read_all
from support.pages import article_page

pytestmark = pytest.mark.timeout(240)


def _article(n: int, text: str) -> Article:
    now = utcnow()
    return Article(article_id=f"a{n}", url=f"http://x/{n}", feed_id="f", text=text,
                   content_hash=content_hash(text), discovered_at=now, fetched_at=now,
                   newsflow_version="0")


async def _wait(check: Callable[[], object], timeout_s: float = 60) -> None:
    for _ in range(int(timeout_s / 0.2)):
        if await check():  # type: ignore[misc]
            return
        await asyncio.sleep(0.2)


async def test_an_output_over_the_size_limit_is_dead_lettered_and_the_partition_commits_on(
    make_settings: Callable[..., Settings],
) -> None:
    limit = 64 * 1024
    settings = make_settings(topic_partitions=1, kafka_max_message_bytes=limit)
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    topics = Topics.from_settings(settings)
    await prepare_topics(factory, topics)
    sentence = "Maria Okafor met officials of Siemens in Berlin on 3 May 2021. "
    big = _article(1, sentence * ((limit - 2000) // len(sentence)))
    small = _article(2, sentence * 3)
    assert len(encode(big)) < limit
    producer = factory.producer()
    await producer.start()
    for article in (big, small):
        await producer.send_and_wait(topics.articles, encode(article),
                                     key=article.article_id.encode(), headers=headers_for(article))
    await producer.stop()
    stop = asyncio.Event()
    pipeline = Pipeline(settings, stages=("enrich",))
    task = asyncio.create_task(pipeline.run(stop))
    try:
        async def through() -> bool:
            return bool(await read_all(factory, topics.enriched)) and bool(
                await read_all(factory, topics.dlq))
        await _wait(through, 90)
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)
    enriched = await read_all(factory, topics.enriched)
    assert [r.key for r in enriched] == [b"a2"], "the record after the large one is enriched"
    [dead] = await read_all(factory, topics.dlq)
    headers = dict(dead.headers)
    assert dead.key == b"a1" and dead.value == encode(big), "the input is dead-lettered"
    assert headers["dlq.reason"] == b"too_large"
    assert headers["dlq.stage"] == b"enrich"
    # Both inputs are committed: a new member of the group has nothing to do.
    consumer = factory.consumer(group_id=factory.group("enrich"))
    await consumer.start()
    try:
        from aiokafka import TopicPartition
        assert await consumer.committed(TopicPartition(topics.articles, 0)) == 2
    finally:
        await consumer.stop()


async def test_a_failing_restore_makes_the_stage_not_ready_and_is_retried(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(restore_timeout_s=1, topic_partitions=1)
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    topics = Topics.from_settings(settings)
    pipeline = Pipeline(settings, stages=("fetch",))
    stop = asyncio.Event()

    async def delete_changelog(factory: KafkaFactory) -> None:
        admin = factory.admin()
        await admin.start()
        try:
            await admin.delete_topics([topics.links_seen])
        finally:
            await admin.close()

    async with GatedServer() as server:
        url = server.add("/a.html", article_page())
        link = Link(article_id=article_id(url), url=url, feed_id="f", feed_url="http://x/f",
                    discovered_at=utcnow())
        task = asyncio.create_task(pipeline.run(stop, before_stages=delete_changelog))
        try:
            await asyncio.wait_for(pipeline.started.wait(), 60)
            assert pipeline.ops is not None
            producer = factory.producer()
            await producer.start()
            await producer.send_and_wait(topics.links, encode(link),
                                         key=link.article_id.encode(), headers=headers_for(link))
            await producer.stop()
            statuses: list[int] = []
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{pipeline.ops.port}") as c:
                for _ in range(40):  # the member joins and fails to restore its partition
                    statuses.append((await c.get("/readyz")).status_code)
                    await asyncio.sleep(0.25)
                assert statuses[-1] == 503, "not ready while the restore fails"
                assert not await read_all(factory, topics.articles)
                await prepare_topics(factory, topics)  # the changelog is back

                async def ready() -> bool:
                    return (await c.get("/readyz")).status_code == 200
                await _wait(ready, 60)
                assert (await c.get("/readyz")).status_code == 200, "the restore was retried"

            async def arrived() -> bool:
                return bool(await read_all(factory, topics.articles))
            await _wait(arrived, 60)
        finally:
            stop.set()
            await asyncio.wait_for(task, 60)
    assert len(await read_all(factory, topics.articles)) == 1


def test_a_long_text_is_cut_so_the_article_fits_and_says_so() -> None:
    from newsflow.ingest.fetcher import fit

    text = "Ünïcode words \"quoted\" and\nlines. " * 4000
    article = _article(3, text)
    assert len(encode(article)) > 64 * 1024
    cut = fit(article, 32 * 1024)
    assert len(encode(cut)) <= 32 * 1024
    assert cut.truncated and text.startswith(cut.text) and len(cut.text) > 20_000
    assert cut.content_hash == content_hash(cut.text)
    small = _article(4, "short text")
    assert fit(small, 32 * 1024) is small and not small.truncated
