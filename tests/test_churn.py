"""Churn: every stage a separate process, each SIGKILLed at random moments and restarted.

Nothing may be lost, and every duplicate must have been in flight at a kill:
duplicates ≤ kills × batch size × batches in flight. The kill schedule is
seeded (``CHURN_SEED`` to replay one); the seed is in every failure message.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from newsflow.core.kafka import KafkaFactory
from newsflow.core.settings import Settings
from newsflow.core.topics import Topics, prepare_topics
from newsflow.demo.farm import FeedFarm
from newsflow.registry import make_spec, register

from support.kafka import read_all
from support.procs import StageProcess

pytestmark = pytest.mark.timeout(300)
log = logging.getLogger(__name__)

BATCH = 2
IN_FLIGHT = 2


async def _enriched_ids(factory: KafkaFactory, topic: str) -> list[str]:
    return [orjson.loads(r.value)["article_id"] for r in await read_all(factory, topic) if r.value]


async def test_stages_killed_at_random_and_restarted_lose_nothing(
    make_settings: Callable[..., Settings], tmp_path: Path,
) -> None:
    seed = int(os.environ.get("CHURN_SEED") or random.randrange(1 << 30))
    log.warning("churn seed %d", seed)
    rng = random.Random(seed)
    settings = make_settings(fetch_batch=BATCH, enrich_batch=BATCH, fetch_in_flight=IN_FLIGHT,
                             enrich_in_flight=IN_FLIGHT, topic_partitions=2, revoke_timeout_s=2,
                             shutdown_timeout_s=5)
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    topics = Topics.from_settings(settings)
    await prepare_topics(factory, topics)
    # Articles are published over the time the kills take, so every kill finds work in flight.
    with FeedFarm(feeds=3, items=10, rate=1.5, delay_s=0.05) as farm:
        total = 3 * 10
        await register(factory, topics, [make_spec(u, min_interval_s=1, max_interval_s=2)
                                         for u in farm.feed_urls])
        procs = {stage: StageProcess(settings, stage, tmp_path / f"{stage}.log").start()
                 for stage in ("poll", "fetch", "enrich")}
        dead: list[StageProcess] = []
        kills = 0
        ids: list[str] = []
        try:
            farm.release()
            for _ in range(100):  # every stage is up and has produced once
                ids = await _enriched_ids(factory, topics.enriched)
                if ids:
                    break
                await asyncio.sleep(0.5)
            assert ids, f"seed {seed}: nothing came through before the kills"
            for _ in range(5):
                await asyncio.sleep(rng.uniform(2, 5))
                stage = rng.choice(sorted(procs))
                procs[stage].kill()
                dead.append(procs[stage])
                kills += 1
                procs[stage] = StageProcess(settings, stage, tmp_path / f"{stage}.log").start()
            for _ in range(240):
                ids = await _enriched_ids(factory, topics.enriched)
                if len(set(ids)) >= total:
                    break
                for stage, proc in procs.items():
                    assert proc.alive, f"seed {seed}: {stage} exited: " + proc.log.read_text()[-2000:]
                await asyncio.sleep(0.5)
        finally:
            for proc in procs.values():
                proc.stop()
            for proc in [*dead, *procs.values()]:
                proc.reap()
    counts = Counter(ids)
    assert len(counts) == total, f"seed {seed}: {total - len(counts)} of {total} lost"
    duplicates = sum(counts.values()) - len(counts)
    bound = kills * BATCH * IN_FLIGHT
    log.warning("churn seed %d: %d kills, %d duplicates (bound %d)", seed, kills, duplicates, bound)
    assert duplicates <= bound, f"seed {seed}: {duplicates} duplicates after {kills} kills"
