"""The ops HTTP server (``/metrics``, ``/healthz``, ``/readyz``) and the metric conventions."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.parser import text_string_to_metric_families

from newsflow.core import metrics
from newsflow.core.metrics import REGISTRY
from newsflow.core.server import OpsServer

pytestmark = pytest.mark.timeout(60)

ALLOWED_LABELS = {"stage", "result", "reason", "pool", "version", "part"}


class Readiness:
    def __init__(self) -> None:
        self.ready = False

    def __call__(self) -> bool:
        return self.ready


@pytest.fixture
def readiness() -> Readiness:
    return Readiness()


@pytest.fixture
async def server(readiness: Readiness) -> AsyncIterator[OpsServer]:
    ops = await OpsServer("127.0.0.1", 0, readiness).start()
    try:
        yield ops
    finally:
        await ops.stop()


@pytest.fixture
async def client(server: OpsServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=5) as c:
        yield c


async def test_listens_on_the_port_it_picked(server: OpsServer) -> None:
    assert server.port > 0


async def test_metrics_are_prometheus_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# HELP newsflow_messages_in_total Messages consumed by a stage" in text
    assert "# TYPE newsflow_messages_in_total counter" in text
    assert "# HELP newsflow_build_info " in text
    assert "# TYPE newsflow_build_info gauge" in text
    families = {f.name for f in text_string_to_metric_families(text)}
    assert {"newsflow_messages_in", "newsflow_build_info", "newsflow_fetch_duration_seconds"} \
        <= families
    query = await client.get("/metrics?name[]=x")
    assert query.status_code == 200, "a query string does not change the path"


async def test_healthz_and_unknown_paths(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert (health.status_code, health.text) == (200, "ok\n")
    for path in ("/", "/nope", "/metricsx", "/healthz/extra"):
        response = await client.get(path)
        assert response.status_code == 404, path


async def test_readyz_follows_the_ready_callable(
    client: httpx.AsyncClient, readiness: Readiness
) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 503
    readiness.ready = True
    response = await client.get("/readyz")
    assert (response.status_code, response.text) == (200, "ready\n")
    readiness.ready = False
    assert (await client.get("/readyz")).status_code == 503
    assert (await client.get("/healthz")).status_code == 200, "alive even when not ready"


async def test_a_silent_client_does_not_hold_up_others(
    server: OpsServer, client: httpx.AsyncClient
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    half_reader, half_writer = await asyncio.open_connection("127.0.0.1", server.port)
    half_writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never finished
    await half_writer.drain()
    try:
        for _ in range(3):
            started = asyncio.get_running_loop().time()
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/metrics")).status_code == 200
            assert asyncio.get_running_loop().time() - started < 1
        # The server gives up on both after its read timeout, without an answer.
        assert await asyncio.wait_for(reader.read(), 10) == b""
        assert await asyncio.wait_for(half_reader.read(), 10) == b""
    finally:
        for w in (writer, half_writer):
            w.close()
            await w.wait_closed()


# --- conventions ---------------------------------------------------------------------------------


def _metrics() -> list[MetricWrapperBase]:
    return [m for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)]


def _exposition() -> dict[str, str]:
    """Metric family name -> type, as the exposition declares them."""
    from prometheus_client import generate_latest

    text = generate_latest(REGISTRY).decode()
    return dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE))


def test_every_registered_metric_is_checked() -> None:
    declared = {m._name for m in _metrics()}
    registered = {family.name for family in REGISTRY.collect()}
    assert declared == registered
    assert len(_metrics()) == len(declared), "no metric is declared twice"


def test_metric_names_follow_the_conventions() -> None:
    exposed = _exposition()
    assert exposed, "the registry exposes metrics"
    for name, kind in exposed.items():
        assert name.startswith("newsflow_"), name
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
        if kind == "counter":
            assert name.endswith("_total"), f"counter {name} must end in _total"
        else:
            assert not name.endswith("_total"), f"{kind} {name} must not end in _total"
    for metric in _metrics():
        name = metric._name
        if isinstance(metric, Counter):
            assert exposed.get(name + "_total") == "counter", name
        elif isinstance(metric, Histogram):
            assert exposed.get(name) == "histogram", name
            assert name.endswith(("_seconds", "_bytes")), f"histogram {name} needs a unit"
            if "duration" in name or metric._documentation.lower().startswith("time"):
                assert name.endswith("_seconds"), f"duration histogram {name} is in seconds"
        else:
            assert isinstance(metric, Gauge), name
            assert exposed.get(name) == "gauge", name


def test_metric_labels_come_from_a_closed_set() -> None:
    for metric in _metrics():
        labels = set(metric._labelnames)
        assert labels <= ALLOWED_LABELS, f"{metric._name}: {labels - ALLOWED_LABELS}"
