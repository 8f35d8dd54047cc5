"""A broker outage mid-stream: ``newsflow run`` rides it out, says it is not ready, loses nothing.

The broker is frozen with SIGSTOP (it keeps its data, its sockets stay open, nothing
answers) for longer than the group session timeout, then resumed. A 15 s pause always
runs; the 60 s one behind ``NEWSFLOW_SLOW_TESTS=1``.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from newsflow.core.broker import EmbeddedBroker, free_port
from newsflow.core.kafka import KafkaFactory
from newsflow.core.metrics import REGISTRY
from newsflow.core.probe import BrokerProbe
from newsflow.core.settings import Settings
from newsflow.core.topics import Topics
from newsflow.demo.farm import FeedFarm
from newsflow.pipeline import Pipeline

from support.cli import env_of
from support.kafka import read_all

pytestmark = pytest.mark.timeout(420)

FEEDS, ITEMS, RATE = 3, 12, 1.0  # 36 small articles published over 36 s


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker of this test alone: freezing it must not stall anybody else's."""
    with EmbeddedBroker(log_file=tmp_path / "tansu.log") as broker:
        yield broker


def _env(settings: Settings, port: int) -> dict[str, str]:
    return env_of(settings, NEWSFLOW_METRICS_HOST="127.0.0.1", NEWSFLOW_METRICS_PORT=str(port),
                  NEWSFLOW_KAFKA_REQUEST_TIMEOUT_MS="5000", NEWSFLOW_SHUTDOWN_TIMEOUT_S="15",
                  NEWSFLOW_LOG_FORMAT="text", NEWSFLOW_HTTP_ALLOW_NETWORKS="127.0.0.0/8",
                  NEWSFLOW_BROKER_PROBE_INTERVAL_S="1", NEWSFLOW_BROKER_PROBE_TIMEOUT_S="3")


def _ready(port: int) -> bool | None:
    """``/readyz``: True or False, None when the process does not answer."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return None


def _enriched_ids(settings: Settings) -> set[str]:
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    records = asyncio.run(read_all(factory, Topics.from_settings(settings).enriched))
    return {orjson.loads(r.value)["article_id"] for r in records if r.value}


def _wait(what: str, check: object, timeout_s: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"newsflow exited ({proc.returncode}) while waiting for {what}"
        if check():  # type: ignore[operator]
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def _pause(broker: EmbeddedBroker, pause_s: float, proc: subprocess.Popen[bytes], port: int,
           readiness: list[bool | None]) -> None:
    """Freeze the broker for ``pause_s``, noting what ``/readyz`` says meanwhile."""
    broker.pause()
    try:
        paused_until = time.monotonic() + pause_s
        while time.monotonic() < paused_until:
            assert proc.poll() is None, "newsflow exited during the outage"
            readiness.append(_ready(port))
            time.sleep(0.5)
    finally:
        broker.resume()


@pytest.mark.parametrize("pause_s", [
    15, pytest.param(60, marks=pytest.mark.slow),
])
def test_a_broker_outage_is_ridden_out(own_broker: EmbeddedBroker, tmp_path: Path,
                                       pause_s: int) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    port = free_port()
    settings = Settings(kafka_bootstrap=own_broker.bootstrap, topic_prefix=prefix,
                        group_prefix=prefix)
    env = _env(settings, port)
    with FeedFarm(feeds=FEEDS, items=ITEMS, rate=RATE, words=(120, 200), page_kb=(6, 10)) as farm:
        subprocess.run([sys.executable, "-m", "newsflow.cli", "feeds", "add", *farm.feed_urls,
                        "--min-interval", "1", "--max-interval", "2"],
                       env=env, check=True, capture_output=True, timeout=60)
        log = (tmp_path / "newsflow.log").open("wb")
        proc = subprocess.Popen([sys.executable, "-m", "newsflow.cli", "run"], env=env,
                                stdout=subprocess.DEVNULL, stderr=log)
        try:
            _wait("ready", lambda: _ready(port), 90, proc)
            farm.release()
            _wait("the first articles", lambda: len(_enriched_ids(settings)) >= 3, 90, proc)

            readiness: list[bool | None] = []
            _pause(own_broker, pause_s, proc, port, readiness)
            assert False in readiness, "/readyz says not ready while the broker is gone"
            assert None not in readiness, "the ops server answers throughout"

            _wait("ready again", lambda: _ready(port), 90, proc)
            expected = FEEDS * ITEMS
            _wait("every article", lambda: len(_enriched_ids(settings)) >= expected, 180, proc)
            assert len(_enriched_ids(settings)) == expected, "nothing lost"
            assert _ready(port) is True

            # An outage while nothing flows: no write fails, the process must ask the broker.
            _pause(own_broker, 10, proc, port, readiness := [])
            assert False in readiness, "not ready during an outage with nothing to write"
            _wait("ready after the idle outage", lambda: _ready(port), 90, proc)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
        except BaseException:
            print((tmp_path / "newsflow.log").read_text(errors="replace")[-6000:])
            raise
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
    output = (tmp_path / "newsflow.log").read_text(errors="replace")
    assert "Traceback" not in output, output[-4000:]


async def _until(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.1)
    return condition()


def _broker_up() -> float | None:
    return REGISTRY.get_sample_value("newsflow_broker_up")


async def test_the_probe_says_when_the_broker_stops_answering_and_when_it_is_back(
    own_broker: EmbeddedBroker,
) -> None:
    settings = Settings(kafka_bootstrap=own_broker.bootstrap, broker_probe_interval_s=0.2,
                        broker_probe_timeout_s=1.0)
    async with BrokerProbe(KafkaFactory(settings, own_broker.bootstrap)) as probe:
        assert await _until(lambda: _broker_up() == 1, 10), "the first answer is shown"
        assert probe.ok
        own_broker.pause()
        try:
            assert await _until(lambda: not probe.ok, 20), "an outage is noticed"
            assert probe.error
            assert _broker_up() == 0, "operators see it too"
        finally:
            own_broker.resume()
        assert await _until(lambda: probe.ok, 30), "and so is its end"
        assert probe.error is None
        assert _broker_up() == 1


async def test_an_idle_stage_is_not_ready_while_the_broker_is_gone(own_broker: EmbeddedBroker) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    settings = Settings(kafka_bootstrap=own_broker.bootstrap, topic_prefix=prefix,
                        group_prefix=prefix, workers=1, metrics_port=0, metrics_host="127.0.0.1",
                        kafka_session_timeout_ms=6000, kafka_heartbeat_interval_ms=500,
                        kafka_rebalance_timeout_ms=6000, kafka_request_timeout_ms=5000,
                        broker_probe_interval_s=0.5,
                        broker_probe_timeout_s=2.0)
    pipeline = Pipeline(settings, stages=("fetch",))  # nothing to fetch: it never writes
    stop = asyncio.Event()
    task = asyncio.create_task(pipeline.run(stop))
    try:
        assert await _until(pipeline.ready, 60)
        own_broker.pause()
        try:
            assert await _until(lambda: not pipeline.ready(), 20), "an idle stage notices too"
        finally:
            own_broker.resume()
        assert await _until(pipeline.ready, 60), "ready again once the broker answers"
        assert not task.done(), "the outage stopped nothing"
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)
