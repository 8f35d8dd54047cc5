"""Shared fixtures: one real dev broker (Tansu) per session, settings isolated per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from newsflow.core.broker import EmbeddedBroker
from newsflow.core.settings import Settings

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = Path(__file__).parent / "fixtures"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("NEWSFLOW_SLOW_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="long run: set NEWSFLOW_SLOW_TESTS=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    log_file = tmp_path_factory.mktemp("broker") / "tansu.log"
    with EmbeddedBroker(log_file=log_file) as b:
        yield b


def isolated_settings(bootstrap: str, **overrides: Any) -> Settings:
    """Settings for one test: its own topics and groups, short timeouts, one worker."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    values: dict[str, Any] = dict(
        kafka_bootstrap=bootstrap,
        topic_prefix=prefix,
        group_prefix=prefix,
        kafka_session_timeout_ms=6000,
        kafka_heartbeat_interval_ms=500,
        kafka_rebalance_timeout_ms=6000,
        metrics_port=0,
        metrics_host="127.0.0.1",
        workers=1,
        shutdown_timeout_s=15,
        fetch_backoff_s=0.05,
        http_timeout_s=5,
        http_allow_networks="127.0.0.0/8",  # the tests' servers are on loopback
        http_host_delay_s=0,
        log_format="text",
    )
    values.update(overrides)
    return Settings(**values)





@pytest.fixture
def make_settings(broker: EmbeddedBroker) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        return isolated_settings(broker.bootstrap, **overrides)

    return make
