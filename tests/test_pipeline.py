"""The whole pipeline on the real dev broker, fed by real local HTTP servers."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Sequence

import httpx
import orjson
import pytest

from newsflow.core.kafka import KafkaFactory
from newsflow.core.settings import Settings
from newsflow.demo.farm import FeedFarm
from newsflow.demo.site import DemoSite
from newsflow.pipeline import Pipeline
from newsflow.registry import feed_states, make_spec, register
from newsflow.schemas import EnrichedArticle, feed_id

from support.kafka import read_all, wait_for_values

pytestmark = pytest.mark.timeout(300)


async def run_pipeline_until(settings: Settings, feed_urls: list[str], topic_attr: str,
                             count: int, timeout_s: float = 150,
                             scrape: dict[str, str] | None = None,
                             poison: Sequence[tuple[str, bytes, list[tuple[str, bytes]]]] = (),
                             ) -> tuple[Pipeline, list[dict]]:
    pipeline = Pipeline(settings)
    stop = asyncio.Event()

    async def add(factory: KafkaFactory) -> None:
        await register(factory, pipeline.topics, [make_spec(u, min_interval_s=600)
                                                  for u in feed_urls])
        producer = factory.producer()
        await producer.start()
        try:
            for topic_attr_, value, headers in poison:
                await producer.send_and_wait(getattr(pipeline.topics, topic_attr_), value,
                                             key=b"poison", headers=headers)
        finally:
            await producer.stop()

    task = asyncio.create_task(pipeline.run(stop, before_stages=add))
    try:
        await asyncio.wait_for(pipeline.started.wait(), 60)
        factory = KafkaFactory(settings, settings.kafka_bootstrap)
        values = await wait_for_values(factory, getattr(pipeline.topics, topic_attr), count,
                                       timeout_s=timeout_s)
        if scrape is not None and pipeline.ops is not None:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{pipeline.ops.port}") as c:
                for path in ("/metrics", "/healthz", "/readyz"):
                    response = await c.get(path)
                    scrape[path] = f"{response.status_code}\n{response.text}"
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)
    return pipeline, values


async def test_demo_site_reaches_the_sink_once_each(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    with DemoSite() as site:
        expected = len(site.article_urls)
        scraped: dict[str, str] = {}
        pipeline, _ = await run_pipeline_until(settings, site.feed_urls, "enriched", expected,
                                               scrape=scraped)
        factory = KafkaFactory(settings, settings.kafka_bootstrap)
        records = await read_all(factory, pipeline.topics.enriched)
    articles = [EnrichedArticle.model_validate_json(r.value) for r in records]
    ids = Counter(a.article_id for a in articles)
    assert len(ids) == expected, "every article of the site arrives"
    assert max(ids.values()) == 1, "no article arrives twice (two are in two feeds)"
    assert {a.url for a in articles} == set(site.article_urls)
    for record, article in zip(records, articles, strict=True):
        assert dict(record.headers)["schema"] == b"EnrichedArticle/1"
        assert record.key == article.article_id.encode()
        assert article.text and article.title
        assert article.entities, f"no entities in {article.url}"
        assert article.dates, f"no dates in {article.url}"
        assert article.language == "en"
        assert article.published and article.published_source == "page"
        assert article.provenance.models and article.provenance.newsflow_version
        for entity in article.entities:
            assert article.text[entity.start:entity.end] == entity.text
        for mention in article.dates:
            assert article.text[mention.start:mention.end] == mention.text

    assert scraped["/healthz"].startswith("200")
    assert scraped["/readyz"].startswith("200")
    exposition = scraped["/metrics"]
    for sample in ('newsflow_messages_in_total{stage="fetch"}',
                   'newsflow_messages_out_total{stage="enrich"}',
                   'newsflow_feed_polls_total{result="new"}',
                   "newsflow_fetch_duration_seconds_count",
                   "newsflow_enrich_duration_seconds_count",
                   'newsflow_consumer_lag_messages{stage="enrich"}',
                   'newsflow_duplicates_total{stage="fetch"}'):
        line = next((ln for ln in exposition.splitlines() if ln.startswith(sample)), None)
        assert line is not None, f"{sample} missing from /metrics"
        if "lag" not in sample:
            assert float(line.split()[-1]) > 0, line

    seed = next(a for a in articles if "Kalbajar" in (a.title or ""))
    found = {(e.text, e.label) for e in seed.entities}
    assert ("Sahiba Gafarova", "PERSON") in found
    places = {e.text for e in seed.entities if e.label in ("GPE", "LOC")}
    assert {"Azerbaijan", "Armenia", "Kalbajar", "Moscow"} <= places
    values = {d.value.split("T")[0] for d in seed.dates}
    assert {"2020-11-25", "2020-09-27", "2020-11-10", "1993", "1988", "1994"} <= values
    assert seed.published is not None and seed.published.startswith("2020-11-25")
    assert seed.authors == ["Elchin Mehdiyev"]


async def test_bad_feeds_and_pages_are_reported_and_the_stream_goes_on(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(fetch_attempts=2)
    with FeedFarm(feeds=1, items=2) as farm:
        broken = f"{farm.base_url}/broken/feed.xml"
        feeds = [broken, f"{farm.base_url}/mixed/feed.xml", *farm.feed_urls]
        poison = [("links", b"\x00not json", []),
                  ("articles", b'{"article_id": "x"}', [("schema", b"Article/1")]),
                  ("articles", b"{}", [("schema", b"Article/9")])]
        pipeline, values = await run_pipeline_until(settings, feeds, "enriched", 4, poison=poison)
        factory = KafkaFactory(settings, settings.kafka_bootstrap)
        for _ in range(100):
            dlq = await read_all(factory, pipeline.topics.dlq)
            if len(dlq) >= 4:
                break
            await asyncio.sleep(0.1)
        states = await feed_states(factory, pipeline.topics, settings.topic_partitions)
    assert len({v["article_id"] for v in values}) == 4, "good pages of every feed arrive"
    broken_state = states[feed_id(broken)]
    assert broken_state.last_result == "error"
    assert broken_state.error_streak >= 1
    assert broken_state.last_error and "not well-formed" in broken_state.last_error
    assert len(dlq) == 4, [r.value for r in dlq]
    by_stage = Counter((dict(r.headers)["dlq.stage"], dict(r.headers)["dlq.reason"]) for r in dlq)
    assert by_stage == {(b"fetch", b"fetch"): 1, (b"fetch", b"invalid"): 1,
                        (b"enrich", b"invalid"): 2}, "poison messages are dead-lettered, not fatal"
    gone = next(r for r in dlq if dict(r.headers)["dlq.reason"] == b"fetch")
    headers = {k: v.decode() for k, v in gone.headers}
    link = orjson.loads(gone.value)
    assert link["url"].endswith("/gone/1.html"), "the original Link bytes are kept"
    assert headers["dlq.stage"] == "fetch"
    assert "404" in headers["dlq.error"]
    assert headers["dlq.source.topic"] == pipeline.topics.links
    assert int(headers["dlq.source.offset"]) >= 0
    assert headers["schema"] == "Link/1"
    assert any(r.value == b"\x00not json" for r in dlq), "the poison bytes are kept as they were"


async def test_two_fetch_processes_share_the_links(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    stops = [asyncio.Event() for _ in range(3)]
    fetchers = [Pipeline(settings, stages=("fetch",)) for _ in range(2)]
    tasks = [asyncio.create_task(p.run(stop)) for p, stop in zip(fetchers, stops, strict=False)]
    try:
        for _ in range(300):  # both members joined and split the partitions
            parts = [len(p._runners[0].partitions.ready) if p._runners else 0 for p in fetchers]
            if sum(parts) == settings.topic_partitions and all(parts):
                break
            await asyncio.sleep(0.1)
        assert all(parts) and sum(parts) == settings.topic_partitions, parts
        with FeedFarm(feeds=4, items=6) as farm:
            rest = Pipeline(settings, stages=("poll", "enrich"))

            async def add(factory: KafkaFactory) -> None:
                await register(factory, rest.topics, [make_spec(u) for u in farm.feed_urls])

            tasks.append(asyncio.create_task(rest.run(stops[2], before_stages=add)))
            factory = KafkaFactory(settings, settings.kafka_bootstrap)
            await wait_for_values(factory, rest.topics.enriched, 24, timeout_s=120)
            fetched = [len(p._runners[0].tables["seen"]) for p in fetchers]
    finally:
        for stop in stops:
            stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
    records = await read_all(factory, rest.topics.enriched)
    ids = Counter(orjson.loads(r.value)["article_id"] for r in records)
    assert len(ids) == 24 and max(ids.values()) == 1
    assert all(fetched) and sum(fetched) == 24, f"each fetcher did its share: {fetched}"


def test_provenance_names_the_model_without_loading_spacy_in_the_parent() -> None:
    """The workers load spaCy; the process that owns them only reads the model's metadata."""
    code = ("import sys; from newsflow.core.settings import Settings; "
            "from newsflow.pipeline import provenance; p = provenance(Settings()); "
            "print(p.models[0].name, p.models[0].version, 'spacy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert out[0].startswith("spacy/en_") and out[1] != "unknown"
    assert out[2] == "False", "spaCy stays out of the parent process"
