"""Running the ``newsflow`` command in a subprocess with the settings of one test."""

from __future__ import annotations

import os
import sys

from newsflow.core.settings import Settings


def newsflow(*args: str) -> list[str]:
    return [sys.executable, "-m", "newsflow.cli", *args]


def env_of(settings: Settings | None = None, **extra: str) -> dict[str, str]:
    """This environment without ``NEWSFLOW_*`` or proxies, plus the test's broker and topics."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("NEWSFLOW_") and k.lower() not in ("http_proxy", "https_proxy")}
    if settings is not None:
        env.update(NEWSFLOW_KAFKA_BOOTSTRAP=settings.kafka_bootstrap,
                   NEWSFLOW_TOPIC_PREFIX=settings.topic_prefix,
                   NEWSFLOW_GROUP_PREFIX=settings.group_prefix,
                   NEWSFLOW_KAFKA_SESSION_TIMEOUT_MS="6000",
                   NEWSFLOW_KAFKA_HEARTBEAT_INTERVAL_MS="500",
                   NEWSFLOW_KAFKA_REBALANCE_TIMEOUT_MS="6000",
                   NEWSFLOW_WORKERS="1", NEWSFLOW_FETCH_ATTEMPTS="1",
                   NEWSFLOW_HTTP_HOST_DELAY_S="0")
    env.update(extra)
    return env
