"""The AsyncAPI document of the topics: it parses, its references resolve, it matches the code."""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiokafka import ConsumerRecord

from newsflow.core import metrics
from newsflow.core.runtime import Failure, dead_letter
from newsflow.core.settings import Settings
from newsflow.core.topics import Topics, topic_configs
from newsflow.schemas import MESSAGE_TYPES, article_id, feed_id

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
ASYNCAPI = SCHEMAS / "asyncapi.yaml"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    loaded = yaml.safe_load(ASYNCAPI.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture
def defaults(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in [n for n in os.environ if n.startswith("NEWSFLOW_")]:
        monkeypatch.delenv(name)
    return Settings()


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref}: no {part!r}"
        node = node[part]
    return node


def _deref(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node and node["$ref"].startswith("#/"):
        node = _resolve(doc, node["$ref"])
    return node


def _channel_by_address(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {channel["address"]: channel for channel in doc["channels"].values()}


def _messages(doc: dict[str, Any], channel: dict[str, Any]) -> list[dict[str, Any]]:
    return [_deref(doc, m) for m in channel["messages"].values()]


def test_it_is_an_asyncapi_3_document(doc: dict[str, Any]) -> None:
    assert str(doc["asyncapi"]).startswith("3.0.")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["defaultContentType"] == "application/json"
    assert {s["protocol"] for s in doc["servers"].values()} == {"kafka"}


def test_every_reference_resolves(doc: dict[str, Any]) -> None:
    refs = _refs(doc)
    files = {r for r in refs if not r.startswith("#")}
    assert {Path(r).name for r in files} == {
        f"{m.SCHEMA_NAME}-{m.SCHEMA_MAJOR}.schema.json" for m in MESSAGE_TYPES
    }
    for ref in files:
        path = (ASYNCAPI.parent / ref).resolve()
        assert path.is_file(), ref
        json.loads(path.read_text(encoding="utf-8"))
    for ref in refs:
        if ref.startswith("#"):
            _resolve(doc, ref)


def test_channels_are_the_topics(doc: dict[str, Any], defaults: Settings) -> None:
    topics = Topics.from_settings(defaults)
    channels = _channel_by_address(doc)
    assert set(channels) == set(topics.all())
    assert len(doc["channels"]) == len(topics.all())
    configs = topic_configs(topics, defaults)
    for address, channel in channels.items():
        binding = channel["bindings"]["kafka"]
        assert binding["topic"] == address
        assert binding["partitions"] == defaults.topic_partitions
        assert binding["replicas"] == defaults.topic_replication_factor
        declared = binding["topicConfiguration"]
        expected = configs[address]
        assert ",".join(declared["cleanup.policy"]) == expected["cleanup.policy"], address
        if "retention.ms" in expected:
            assert str(declared["retention.ms"]) == expected["retention.ms"], address
        else:
            assert "retention.ms" not in declared, address
    for a, b in topics.co_partitioned():
        assert channels[a]["bindings"]["kafka"]["partitions"] == \
            channels[b]["bindings"]["kafka"]["partitions"]


def test_messages_carry_their_schema_header_and_payload(
    doc: dict[str, Any], defaults: Settings
) -> None:
    topics = Topics.from_settings(defaults)
    channels = _channel_by_address(doc)
    expected = {
        topics.feeds: "FeedSpec", topics.feed_state: "FeedState", topics.links: "Link",
        topics.articles: "Article", topics.enriched: "EnrichedArticle",
    }
    models = {m.SCHEMA_NAME: m for m in MESSAGE_TYPES}
    assert set(expected.values()) == set(models)
    for address, name in expected.items():
        by_name = {m["name"]: m for m in _messages(doc, channels[address])}
        message = by_name[name]
        model = models[name]
        header = message["headers"]["properties"]["schema"]
        assert header["const"] == model.schema_header().decode()
        assert "schema" in message["headers"]["required"]
        payload_ref = message["payload"]["$ref"]
        assert Path(payload_ref).name == f"{name}-{model.SCHEMA_MAJOR}.schema.json"
        schema = json.loads((ASYNCAPI.parent / payload_ref).read_text(encoding="utf-8"))
        assert schema["title"] == name


def test_keys_are_the_ids(doc: dict[str, Any], defaults: Settings) -> None:
    topics = Topics.from_settings(defaults)
    channels = _channel_by_address(doc)
    feed = feed_id("https://feeds.npr.org/1001/rss.xml")
    article = article_id("https://www.npr.org/2025/01/01/story")
    for address in topics.all():
        for message in _messages(doc, channels[address]):
            key = message["bindings"]["kafka"]["key"]
            if address == topics.dlq:
                assert key["type"] == "string"
                continue
            sample = feed if address in (topics.feeds, topics.feed_state) else article
            assert re.fullmatch(key["pattern"], sample), (address, message["name"])


def test_dead_letter_headers_are_those_the_runtime_writes(
    doc: dict[str, Any], defaults: Settings
) -> None:
    topics = Topics.from_settings(defaults)
    record = ConsumerRecord(
        topic=topics.links, partition=1, offset=42, timestamp=0, timestamp_type=0,
        key=b"k", value=b"{}", checksum=None, serialized_key_size=1, serialized_value_size=2,
        headers=[("schema", b"Link/1"), ("newsflow.replays", b"1")],  # replayed, failed again
    )
    written = dead_letter(record, "fetch", Failure("fetch", "HTTP 404"), topics.dlq)
    [message] = _messages(doc, _channel_by_address(doc)[topics.dlq])
    headers = _deref(doc, message["headers"])
    dlq_names = [k for k, _ in written.headers if k.startswith("dlq.")]
    assert set(headers["required"]) == set(dlq_names)
    detailed = dead_letter(record, "fetch", Failure("not_article", "a paywall stub", detail={
        "kind": "paywall", "published": "2025-06-01"}), topics.dlq)
    # A dead letter over the size limit goes without its value (core/delivery.py) and says so.
    bare = dead_letter(record, "fetch", Failure("too_large", "over the limit", detail={
        "value": "dropped"}), topics.dlq)
    assert set(headers["properties"]) == {
        k for k, _ in [*written.headers, *detailed.headers, *bare.headers]}
    assert headers["properties"]["dlq.stage"]["enum"] == list(metrics.STAGES)
    assert headers["properties"]["dlq.reason"]["enum"] == list(metrics.FAIL_REASONS)
    for name, value in written.headers:
        pattern = headers["properties"][name].get("pattern")
        if pattern:
            assert re.fullmatch(pattern, value.decode()), name


def test_operations_point_at_channels_and_their_messages(doc: dict[str, Any]) -> None:
    channels = doc["channels"]
    assert doc["operations"]
    for name, operation in doc["operations"].items():
        assert operation["action"] in ("send", "receive"), name
        channel_ref = operation["channel"]["$ref"]
        assert channel_ref.startswith("#/channels/"), name
        channel = _resolve(doc, channel_ref)
        assert channel in channels.values()
        for message in operation.get("messages", []):
            assert message["$ref"].startswith(channel_ref + "/messages/"), name
    used = {op["channel"]["$ref"] for op in doc["operations"].values()}
    assert used == {f"#/channels/{key}" for key in channels}, "every channel has an operation"


def test_the_document_is_packaged() -> None:
    pyproject = tomllib.loads((SCHEMAS.parent / "pyproject.toml").read_text(encoding="utf-8"))
    data = pyproject["tool"]["setuptools"]["package-data"]["newsflow.schemas"]
    assert "asyncapi.yaml" in data
