"""Whether the broker answers: a metadata request every few seconds, for ``/readyz``.

A stage that has nothing to write does not notice an outage (a fetch that returns
nothing looks like an idle topic), so the process asks the broker itself. An
answer later than ``broker_probe_timeout_s`` counts as an outage; the first answer
after one ends it. Both changes are logged once, and ``newsflow_broker_up`` says
which holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from types import TracebackType

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from . import metrics
from .kafka import KafkaFactory

log = logging.getLogger(__name__)


class BrokerProbe:
    """Owns one group-less consumer and the task that asks the broker for metadata."""

    def __init__(self, factory: KafkaFactory) -> None:
        self.factory = factory
        self.interval_s = factory.settings.broker_probe_interval_s
        self.timeout_s = factory.settings.broker_probe_timeout_s
        self.ok = True
        self.error: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> BrokerProbe:
        self._task = asyncio.create_task(self._run(), name="broker-probe")
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        consumer: AIOKafkaConsumer | None = None
        try:
            while True:
                if consumer is None:
                    consumer = self.factory.consumer(group_id=None)
                    if not await self._ask(consumer.start()):
                        await asyncio.shield(consumer.stop())
                        consumer = None
                else:
                    await self._ask(consumer.topics())
                await asyncio.sleep(self.interval_s)
        finally:
            if consumer is not None:
                await asyncio.shield(consumer.stop())

    async def _ask(self, request: Awaitable[object]) -> bool:
        try:
            await asyncio.wait_for(request, self.timeout_s)
        except (KafkaError, TimeoutError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if self.ok:
                log.warning("the broker does not answer; not ready until it does",
                            extra={"error": error, "timeout_s": self.timeout_s})
            self.ok, self.error = False, error
            metrics.BROKER_UP.set(0)
            return False
        if not self.ok:
            log.warning("the broker answers again", extra={"after_error": self.error})
        self.ok, self.error = True, None
        metrics.BROKER_UP.set(1)
        return True
