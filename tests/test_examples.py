"""The files in ``examples/``: settings that load, feed lists that read, a subscriber that runs."""

from __future__ import annotations

import asyncio
import os
import py_compile
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from newsflow.core.kafka import KafkaFactory
from newsflow.core.runtime import Output, Publisher
from newsflow.core.settings import Settings, load_settings
from newsflow.core.topics import Topics, prepare_topics
from newsflow.registry import read_feed_list
from newsflow.schemas import (
    EnrichedArticle,
    Entity,
    Provenance,
    article_id,
    encode,
    feed_id,
    headers_for,
    utcnow,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SUBSCRIBER = EXAMPLES / "consume_enriched.py"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("NEWSFLOW_")]:
        monkeypatch.delenv(name)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update(extra)
    return env


@pytest.mark.usefixtures("clean_env")
def test_settings_file_loads_and_shows_the_defaults() -> None:
    path = EXAMPLES / "newsflow.toml"
    settings = load_settings(path)
    defaults = Settings()
    assert settings == defaults
    shown = tomllib.loads(path.read_text(encoding="utf-8"))
    assert set(shown) <= set(Settings.model_fields)
    for name, value in shown.items():
        assert getattr(defaults, name) == value, f"{name} is not shown with its default"
    commented = set(re.findall(r"^# ([a-z][a-z0-9_]*) = ", path.read_text(), re.MULTILINE))
    assert commented <= set(Settings.model_fields), "commented-out lines name real settings"
    assert set(shown) | commented == set(Settings.model_fields), "every setting is shown"


def test_feed_lists_read_the_same_feeds() -> None:
    opml = read_feed_list(EXAMPLES / "feeds.opml")
    text = read_feed_list(EXAMPLES / "feeds.txt")
    assert opml == text
    assert len(text) == len(set(text)) >= 4
    assert all(url.startswith("https://") for url in text)


def test_subscriber_compiles(tmp_path: Path) -> None:
    py_compile.compile(str(SUBSCRIBER), cfile=str(tmp_path / "consume_enriched.pyc"),
                       doraise=True)


def test_subscriber_needs_a_broker_address() -> None:
    proc = subprocess.run([sys.executable, str(SUBSCRIBER)], env=_env(), capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 2
    assert "NEWSFLOW_KAFKA_BOOTSTRAP" in proc.stderr


@pytest.mark.timeout(120)
def test_subscriber_prints_titles_and_top_entities(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    topics = Topics.from_settings(settings)
    url = "https://www.npr.org/2025/06/10/millbrook-tram"
    now = utcnow()
    article = EnrichedArticle(
        article_id=article_id(url), url=url, feed_id=feed_id("https://feeds.npr.org/1001/rss.xml"),
        title="Millbrook council approves light rail extension", text="Millbrook ...",
        content_hash="0" * 32, discovered_at=now, fetched_at=now, newsflow_version="0.1.0",
        enriched_at=now, provenance=Provenance(newsflow_version="0.1.0"),
        entities=[
            Entity(text="Ann Lee", label="PERSON", start=40, end=47, count=1),
            Entity(text="Millbrook", label="GPE", start=0, end=9, count=4),
            Entity(text="Millbrook Council", label="ORG", start=0, end=17, count=2),
        ],
    )

    async def publish() -> None:
        factory = KafkaFactory(settings, settings.kafka_bootstrap)
        await prepare_topics(factory, topics)
        producer = factory.producer()
        await producer.start()
        try:
            await Publisher(producer).send_all([
                # Same key, same partition: the subscriber meets this one first.
                Output(topics.enriched, article.article_id.encode(), b"{}",
                       [("schema", b"EnrichedArticle/2")]),
                Output(topics.enriched, article.article_id.encode(), encode(article),
                       headers_for(article)),
            ])
        finally:
            await producer.stop()

    asyncio.run(publish())
    proc = subprocess.run(
        [sys.executable, str(SUBSCRIBER), "--topic", topics.enriched, "--group",
         f"{settings.group_prefix}.example", "--top", "2", "--limit", "1"],
        env=_env(NEWSFLOW_KAFKA_BOOTSTRAP=settings.kafka_bootstrap),
        capture_output=True, text=True, timeout=90,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == article.title
    assert lines[-1] == "  entities: Millbrook (GPE ×4), Millbrook Council (ORG ×2)"
    assert "EnrichedArticle/2" in proc.stderr, "another major version is skipped, and said so"
