"""The command line as users run it: real processes, real signals, the real dev broker."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from newsflow.core.broker import EmbeddedBroker
from newsflow.core.kafka import KafkaFactory
from newsflow.core.settings import Settings
from newsflow.demo.farm import FeedFarm

from support.kafka import read_all

pytestmark = pytest.mark.timeout(300)


def newsflow(*args: str) -> list[str]:
    return [sys.executable, "-m", "newsflow.cli", *args]


def env_for(settings: Settings | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    if settings is not None:
        env.update({
            "NEWSFLOW_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "NEWSFLOW_TOPIC_PREFIX": settings.topic_prefix,
            "NEWSFLOW_GROUP_PREFIX": settings.group_prefix,
            "NEWSFLOW_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "NEWSFLOW_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            "NEWSFLOW_KAFKA_REBALANCE_TIMEOUT_MS": "6000",
            "NEWSFLOW_METRICS_PORT": "0",
            "NEWSFLOW_WORKERS": "1",
            "NEWSFLOW_HTTP_ALLOW_NETWORKS": "127.0.0.0/8",  # the test farm is on loopback
            "NEWSFLOW_HTTP_HOST_DELAY_S": "0",
        })
    env.update(extra)
    return env


def test_demo_json_limit_exits_zero_with_one_object_per_line() -> None:
    proc = subprocess.run(newsflow("demo", "--json", "--limit", "2"), env=env_for(),
                          capture_output=True, timeout=180, cwd="/")
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 2, "results only on stdout"
    for line in lines:
        article = json.loads(line)
        assert {"article_id", "entities", "dates", "provenance", "published"} <= set(article)
    assert b"newsflow demo:" in proc.stderr, "progress goes to stderr"


def test_demo_limit_above_the_sites_articles_stops_once_all_are_in() -> None:
    proc = subprocess.run(newsflow("demo", "--json", "--limit", "11"), env=env_for(),
                          capture_output=True, timeout=240, cwd="/")
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    assert len(proc.stdout.decode().splitlines()) == 10
    assert b"the demo site has 10 articles" in proc.stderr


def test_demo_stops_on_ctrl_c_and_takes_its_broker_with_it() -> None:
    # Ctrl-C signals the whole foreground process group: do the same.
    with subprocess.Popen(newsflow("demo"), env=env_for(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, start_new_session=True, cwd="/") as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            assert first.startswith("● ".encode()), first
            os.killpg(proc.pid, signal.SIGINT)
            started = time.monotonic()
            _, err = proc.communicate(timeout=15)
            assert time.monotonic() - started < 15
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
    stderr = err.decode()
    assert proc.returncode == 0, stderr[-2000:]
    assert "enriched article(s) printed" in stderr
    bootstrap = re.search(r"pipeline running on ([\d.]+):(\d+)", stderr)
    assert bootstrap, stderr
    with pytest.raises(OSError):  # the embedded broker was stopped too
        socket.create_connection((bootstrap[1], int(bootstrap[2])), timeout=1).close()


def _values(settings: Settings, topic: str = "enriched") -> list[dict]:
    import asyncio

    from newsflow.core.topics import Topics

    async def read() -> list[dict]:
        factory = KafkaFactory(settings, settings.kafka_bootstrap)
        records = await read_all(factory, getattr(Topics.from_settings(settings), topic))
        return [orjson.loads(r.value) for r in records if r.value]

    return asyncio.run(read())


def _enriched(settings: Settings) -> list[dict]:
    return _values(settings, "enriched")


def _wait_enriched(settings: Settings, count: int, proc: subprocess.Popen[bytes],
                   timeout_s: float) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    values: list[dict] = []
    while time.monotonic() < deadline:
        assert proc.poll() is None, "newsflow run exited early"
        try:
            values = _enriched(settings)
        except Exception:  # the topics are not there yet
            values = []
        if len({v["article_id"] for v in values}) >= count:
            return values
        time.sleep(0.5)
    return values


def _start_run(settings: Settings, feeds: Path, log: Path) -> subprocess.Popen[bytes]:
    env = env_for(settings, NEWSFLOW_FETCH_BATCH="2", NEWSFLOW_ENRICH_BATCH="2",
                  NEWSFLOW_LOG_FORMAT="json")
    with log.open("ab") as err:
        return subprocess.Popen(newsflow("run", "--feeds", str(feeds)), env=env,
                                stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True, cwd="/")


def _sigterm(proc: subprocess.Popen[bytes]) -> float:
    started = time.monotonic()
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    return time.monotonic() - started


def test_restart_after_sigterm_loses_nothing_and_repeats_nothing(
    make_settings: Callable[..., Settings], broker: EmbeddedBroker, tmp_path: Path,
) -> None:
    settings = make_settings()
    log = tmp_path / "run.log"
    # Pages answer slowly enough that the first run is stopped with most of the stream ahead.
    with FeedFarm(feeds=3, items=20, delay_s=0.1) as farm:
        total = 3 * 20
        feeds = tmp_path / "feeds.txt"
        feeds.write_text("# feeds of the farm\n" + "\n".join(farm.feed_urls) + "\n")
        first = _start_run(settings, feeds, log)
        try:
            partial = _wait_enriched(settings, 1, first, 120)
            assert len(partial) >= 1
            took = _sigterm(first)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
        assert first.returncode == 0, log.read_text()[-3000:]
        assert took < 30
        midway = len({v["article_id"] for v in _enriched(settings)})
        assert midway < total, f"the first run was stopped mid-stream ({midway} of {total})"
        second = _start_run(settings, feeds, log)
        try:
            _wait_enriched(settings, total, second, 180)
            _sigterm(second)
        finally:
            if second.poll() is None:
                os.killpg(second.pid, signal.SIGKILL)
        assert second.returncode == 0, log.read_text()[-3000:]
        urls = set(farm.article_urls())
    links = Counter(v["article_id"] for v in _values(settings, "links"))
    assert len(links) == total and max(links.values()) == 1, "the restarted poller knew its feeds"
    values = _enriched(settings)
    ids = Counter(v["article_id"] for v in values)
    twice = [i for i, n in ids.items() if n > 1]
    assert len(ids) == total, f"no article lost (first run stopped after {midway})"
    assert not twice, f"none emitted twice: {twice} (first run stopped after {midway}); " + log.read_text()[-4000:]
    assert {v["url"] for v in values} == urls
