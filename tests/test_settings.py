"""Settings: environment, TOML file, validation, and what reaches the Kafka clients."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from newsflow.core.kafka import KafkaFactory, consumer_config, producer_config
from newsflow.core.settings import Settings, load_settings


def test_environment_and_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "newsflow.toml"
    config.write_text('topic_prefix = "fromfile"\nfetch_attempts = 7\nworkers = 3\n')
    monkeypatch.setenv("NEWSFLOW_WORKERS", "5")
    settings = load_settings(config)
    assert settings.topic_prefix == "fromfile"
    assert settings.fetch_attempts == 7
    assert settings.workers == 5, "environment wins over the file"
    monkeypatch.setenv("NEWSFLOW_CONFIG", str(config))
    assert load_settings().topic_prefix == "fromfile"


def test_missing_file_and_bad_values_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FileNotFoundError, match="settings file not found"):
        load_settings("/nonexistent/newsflow.toml")
    monkeypatch.setenv("NEWSFLOW_KAFKA_COMPRESSION", "brotli")
    with pytest.raises(ValidationError, match="kafka_compression"):
        load_settings()


def test_unknown_file_keys_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "newsflow.toml"
    config.write_text("kafka_bootsrap = 'typo:9092'\n")
    with pytest.raises(ValidationError, match="kafka_bootsrap"):
        load_settings(config)


def test_sasl_needs_credentials() -> None:
    with pytest.raises(ValidationError, match="sasl_mechanism is required"):
        Settings(kafka_security_protocol="SASL_SSL")
    with pytest.raises(ValidationError, match="username and kafka_sasl_password"):
        Settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="PLAIN")


def test_defaults_run_on_the_dev_broker() -> None:
    config = producer_config(Settings(), "127.0.0.1:9092")
    assert config["enable_idempotence"] is False, "the dev broker refuses idempotent producers"
    assert "transactional_id" not in config
    assert config["acks"] == "all"


def test_idempotence_transactions_sasl_and_tls_reach_the_clients() -> None:
    # Real Kafka only: the dev broker supports none of these, so what is checked here is the
    # configuration handed to the clients (and that aiokafka accepts it).
    import ssl

    settings = Settings(
        kafka_bootstrap="kafka.example:9093",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="newsflow",
        kafka_sasl_password="s3cret",
        kafka_enable_idempotence=True,
        kafka_transactional_id="newsflow-prod",
        kafka_compression="zstd",
    )
    producer = producer_config(settings, settings.kafka_bootstrap, transactional_id="newsflow-prod.fetch")
    assert producer["enable_idempotence"] is True
    assert producer["transactional_id"] == "newsflow-prod.fetch"
    assert producer["security_protocol"] == "SASL_SSL"
    assert producer["sasl_mechanism"] == "SCRAM-SHA-512"
    assert producer["sasl_plain_username"] == "newsflow"
    assert producer["sasl_plain_password"] == "s3cret"
    assert isinstance(producer["ssl_context"], ssl.SSLContext)
    assert producer["compression_type"] == "zstd"
    consumer = consumer_config(settings, settings.kafka_bootstrap, "newsflow.fetch")
    assert consumer["isolation_level"] == "read_committed"
    assert consumer["enable_auto_commit"] is False
    assert consumer["fetch_max_wait_ms"] == 100, "a hop between stages waits at most this"
    assert "s3cret" not in repr(settings), "secrets are not shown"


async def test_factory_clients_accept_the_configuration() -> None:
    settings = Settings(
        kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username="u", kafka_sasl_password="p", kafka_enable_idempotence=True,
    )
    factory = KafkaFactory(settings, "127.0.0.1:1")
    producer = factory.producer(transactional_id="t1")
    consumer = factory.consumer("news.links", group_id=factory.group("fetch"))
    assert producer.client._sasl_mechanism == "PLAIN"
    assert producer._txn_manager is not None and producer._txn_manager.transactional_id == "t1"
    assert consumer._group_id == "newsflow.fetch"
    await consumer.stop()
    await producer.stop()
