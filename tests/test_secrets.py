"""Secrets never leak: a SASL password and a proxy's credentials, set for a whole run, appear
nowhere in what the run shows (logs at DEBUG, metrics, DLQ headers, feeds list, dlq list)."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from newsflow.core.broker import free_port
from newsflow.core.kafka import KafkaFactory
from newsflow.core.settings import Settings
from newsflow.core.topics import Topics
from newsflow.demo.farm import FeedFarm

from support.cli import env_of, newsflow
from support.kafka import read_all
from support.rawhttp import Request, Server, respond, serve

pytestmark = pytest.mark.timeout(240)

SASL_SECRET = "sasl-Pa55-9d1f7c"
PROXY_SECRET = "proxy-Pa55-4c2e0b"
FORMS = [SASL_SECRET, PROXY_SECRET, base64.b64encode(f"newsflow:{PROXY_SECRET}".encode()).decode()]
PROXY = "127.0.0.4"


def leaks(text: str) -> list[str]:
    return [form for form in FORMS if form in text]


def test_settings_and_their_errors_hide_secrets() -> None:
    settings = Settings(kafka_sasl_username="newsflow", kafka_sasl_password=SASL_SECRET,
                        http_proxy=f"http://newsflow:{PROXY_SECRET}@proxy.example:3128")
    assert not leaks(repr(settings) + str(settings) + settings.model_dump_json()
                     + str(settings.model_dump(mode="json")))
    proc = subprocess.run(newsflow("feeds", "list"), capture_output=True, text=True, timeout=60,
                          env=env_of(NEWSFLOW_KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
                                     NEWSFLOW_KAFKA_SASL_PASSWORD=SASL_SECRET))
    assert proc.returncode != 0 and "invalid settings" in proc.stderr
    assert not leaks(proc.stdout + proc.stderr), proc.stderr


async def relay(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    """A forward proxy: the absolute URL of the request line, fetched and handed back."""
    async with httpx.AsyncClient(trust_env=False) as plain:
        answer = await plain.get(request.path, headers={"user-agent": request.headers.get(
            "user-agent", "")})
    keep = ("Content-Type", "Location", "ETag", "Last-Modified")
    await respond(writer, answer.status_code, answer.content,
                  {k: answer.headers[k] for k in keep if k in answer.headers})


async def test_a_run_through_an_authenticated_proxy_leaks_nothing(
    make_settings: Callable[..., Settings], tmp_path: Path,
) -> None:
    settings = make_settings()
    topics = Topics.from_settings(settings)
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    metrics_port = free_port()
    log = tmp_path / "run.log"
    async with serve({"*": relay}, PROXY) as proxy:
        with FeedFarm(feeds=1, items=2) as farm:
            feeds = tmp_path / "feeds.txt"
            feeds.write_text(f"{farm.base_url}/mixed/feed.xml\n{farm.feed_urls[0]}\n")
            env = env_of(settings, NEWSFLOW_LOG_LEVEL="DEBUG", NEWSFLOW_LOG_FORMAT="json",
                         NEWSFLOW_METRICS_PORT=str(metrics_port),
                         NEWSFLOW_METRICS_HOST="127.0.0.1",
                         NEWSFLOW_HTTP_ALLOW_NETWORKS="127.0.0.0/8",
                         NEWSFLOW_HTTP_PROXY_ALLOW_NETWORKS=f"{PROXY}/32",
                         HTTP_PROXY=f"http://newsflow:{PROXY_SECRET}@{PROXY}:{proxy.port}",
                         NEWSFLOW_KAFKA_SASL_USERNAME="newsflow",
                         NEWSFLOW_KAFKA_SASL_PASSWORD=SASL_SECRET)
            with log.open("wb") as out:
                run = await asyncio.create_subprocess_exec(
                    *newsflow("run", "--feeds", str(feeds)), env=env, stdout=out,
                    stderr=subprocess.STDOUT, start_new_session=True, cwd="/")
            try:
                enriched, dlq = [], []
                for _ in range(300):
                    assert run.returncode is None, log.read_text()[-3000:]
                    try:
                        enriched = await read_all(factory, topics.enriched)
                        dlq = await read_all(factory, topics.dlq)
                    except Exception:  # the topics are not there yet
                        pass
                    if len(enriched) >= 3 and dlq:
                        break
                    await asyncio.sleep(0.2)
                assert len(enriched) >= 3 and dlq, log.read_text()[-3000:]
                async with httpx.AsyncClient(trust_env=False) as plain:
                    metrics = (await plain.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
                listed = ""
                for command in (("feeds", "list"), ("dlq", "list")):
                    shown = await asyncio.create_subprocess_exec(
                        *newsflow(*command), env=env, stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT)
                    listed += (await shown.communicate())[0].decode()
            finally:
                if run.returncode is None:
                    os.killpg(run.pid, signal.SIGTERM)
                await asyncio.wait_for(run.wait(), 60)
    authorizations = {r.headers.get("proxy-authorization") for r in proxy.requests}
    assert authorizations == {f"Basic {FORMS[2]}"}, "every request went through the proxy"
    assert "newsflow_feed_polls_total" in metrics and "/gone/1.html" in listed + str(
        [r.value for r in dlq])
    headers = "".join(f"{k}={v!r}" for r in dlq for k, v in r.headers)
    everything = {"log": log.read_text(), "metrics": metrics, "lists": listed,
                  "dlq headers": headers}
    found = {where: leaks(text) for where, text in everything.items() if leaks(text)}
    assert found == {}
    assert "DEBUG" in everything["log"].upper(), "the run logged at debug level"
