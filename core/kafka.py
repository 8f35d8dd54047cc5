"""Kafka client factory: every producer, consumer and admin client of newsflow.

One place turns :class:`Settings` into client configuration, so security,
compression and delivery settings reach every client alike.
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.helpers import create_ssl_context

from .settings import Settings


def connection_config(settings: Settings, bootstrap: str) -> dict[str, Any]:
    """Options every client shares: servers, identity, security."""
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "client_id": settings.kafka_client_id,
        "security_protocol": settings.kafka_security_protocol,
        "request_timeout_ms": settings.kafka_request_timeout_ms,
    }
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        context = create_ssl_context(
            cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None,
            certfile=str(settings.kafka_ssl_certfile) if settings.kafka_ssl_certfile else None,
            keyfile=str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None,
        )
        context.check_hostname = settings.kafka_ssl_check_hostname
        config["ssl_context"] = context
    if settings.kafka_sasl_mechanism:
        config["sasl_mechanism"] = settings.kafka_sasl_mechanism
        config["sasl_plain_username"] = settings.kafka_sasl_username
        password = settings.kafka_sasl_password
        config["sasl_plain_password"] = password.get_secret_value() if password else None
    return config


def producer_config(
    settings: Settings, bootstrap: str, transactional_id: str | None = None
) -> dict[str, Any]:
    config = connection_config(settings, bootstrap)
    config.update(
        acks="all",
        enable_idempotence=settings.kafka_enable_idempotence or transactional_id is not None,
        compression_type=None if settings.kafka_compression == "none" else settings.kafka_compression,
        max_request_size=settings.kafka_max_message_bytes,
        linger_ms=5,
    )
    if transactional_id is not None:
        config["transactional_id"] = transactional_id
    return config


def consumer_config(settings: Settings, bootstrap: str, group_id: str | None) -> dict[str, Any]:
    config = connection_config(settings, bootstrap)
    config.update(
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed" if settings.kafka_transactional_id else "read_uncommitted",
        max_partition_fetch_bytes=settings.kafka_max_message_bytes,
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        fetch_max_bytes=max(settings.kafka_max_message_bytes, 52_428_800),
    )
    if group_id is not None:
        config.update(
            session_timeout_ms=settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
            rebalance_timeout_ms=settings.kafka_rebalance_timeout_ms,
            max_poll_interval_ms=settings.kafka_max_poll_interval_ms,
        )
    return config


class KafkaFactory:
    """Makes configured, not yet started, Kafka clients for one bootstrap address."""

    def __init__(self, settings: Settings, bootstrap: str) -> None:
        self.settings = settings
        self.bootstrap = bootstrap

    def producer(self, transactional_id: str | None = None) -> AIOKafkaProducer:
        return AIOKafkaProducer(**producer_config(self.settings, self.bootstrap, transactional_id))

    def consumer(self, *topics: str, group_id: str | None = None, **extra: Any) -> AIOKafkaConsumer:
        config = consumer_config(self.settings, self.bootstrap, group_id)
        config.update(extra)
        return AIOKafkaConsumer(*topics, **config)

    def admin(self) -> AIOKafkaAdminClient:
        return AIOKafkaAdminClient(**connection_config(self.settings, self.bootstrap))

    def group(self, stage: str) -> str:
        return f"{self.settings.group_prefix}.{stage}"
