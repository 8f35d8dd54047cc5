"""The parts of the stage runtime every concern shares: the stage protocols and the runner's state.

:class:`RunnerCore` holds what the consume loop (:mod:`~newsflow.core.runtime`),
rebalances (:mod:`~newsflow.core.rebalance`), sources
(:mod:`~newsflow.core.source`) and commits (:mod:`~newsflow.core.upkeep`) share.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from .assignment import Partitions
from .delivery import Delivery
from .health import StageHealth
from .kafka import KafkaFactory
from .offsets import OffsetTracker
from .produce import Publisher
from .records import Outcome, Record
from .table import Table, TableSpec
from .timers import DueQueue

log = logging.getLogger(__name__)


class Stage(Protocol):
    """A stage's own logic; knows nothing of consumers, commits, rebalances or the DLQ."""

    name: str

    def tables(self) -> Sequence[TableSpec]:
        """The tables the stage keeps, co-partitioned with its input."""
        ...

    def open(self, tables: Mapping[str, Table]) -> None:
        """Receive the tables (read them; write them only through outcomes)."""
        ...

    async def process(self, records: Sequence[Record]) -> list[Outcome]: ...


class Source(Stage, Protocol):
    """A timer-driven stage over the keys of its input table."""

    def due_at(self, record: Record) -> float | None:
        """When ``record``'s key is due next (epoch seconds); None: never."""
        ...

    def owned(self, count: int) -> None:
        """How many input keys this process owns now."""
        ...


class StageFailed(RuntimeError):
    """A stage stopped because of an error it cannot recover from."""


def as_record(r: ConsumerRecord) -> Record:
    return Record(r.topic, r.partition, r.offset, r.key, r.value, list(r.headers or ()),
                  r.timestamp)


@dataclass(slots=True)
class Batch:
    partition: int
    epoch: int
    records: list[Record]
    started: float


class RunnerCore:
    """The state of one stage's runner, and the small helpers every concern uses."""

    def __init__(
        self,
        *,
        stage: Stage,
        input_topic: str,
        dlq_topic: str,
        factory: KafkaFactory,
        publisher: Publisher,
        batch_size: int,
        max_in_flight: int = 2,
        source: bool = False,
    ) -> None:
        settings = factory.settings
        self.stage = stage
        self.name = stage.name
        self.input_topic = input_topic
        self.factory = factory
        self.publisher = publisher
        self.batch_size = batch_size
        self.source = source
        self.group_id = factory.group(self.name)
        self._transactional = bool(settings.kafka_transactional_id) and not source
        self.max_in_flight = 1 if self._transactional else max(1, max_in_flight)
        self.revoke_timeout_s = min(settings.revoke_timeout_s,
                                    settings.kafka_rebalance_timeout_ms / 2000)
        self.tables = {spec.name: Table(spec) for spec in stage.tables()}
        stage.open(self.tables)
        self.health = StageHealth(self.name, settings.stall_timeout_s)
        self.partitions = Partitions(backoff_max_s=settings.restore_backoff_max_s)
        self.delivery = Delivery(self.name, publisher, dlq_topic, self.tables, self.health,
                                 backoff_max_s=settings.produce_backoff_max_s)
        self.offsets = OffsetTracker()
        self.consumer: AIOKafkaConsumer | None = None
        self._txn_producer: AIOKafkaProducer | None = None
        self._tasks: dict[asyncio.Task[None], Batch] = {}
        # Partitions paused because too many of their records wait for one unfinished record.
        self.max_uncommitted = settings.max_uncommitted_per_partition
        self._held: set[int] = set()
        self._keys: dict[tuple[int, bytes], asyncio.Task[None]] = {}
        self._abandoned: set[asyncio.Task[None]] = set()
        self._inputs: dict[int, dict[bytes, Record]] = {}
        self._due = DueQueue()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._restore_wanted = asyncio.Event()
        self._commit_lock = asyncio.Lock()
        self._housekept = 0.0
        self._expired_at = time.monotonic()

    @property
    def ready(self) -> bool:
        return self.health.ready

    def stop(self) -> None:
        """Stop taking input; the batches in hand get the shutdown deadline to finish."""
        self._stopping.set()

    @property
    def in_flight(self) -> int:
        """Batches running now: what a stop waits for."""
        return len(self._tasks)

    def _fail(self, exc: BaseException) -> None:
        if self.health.failed is None:
            self.health.failed = exc
            log.error("stage failing", extra={"stage": self.name, "error": repr(exc)},
                      exc_info=exc)
        self._stopping.set()

    def _owned(self, batch: Batch) -> bool:
        return (batch.partition in self.partitions.owned
                and self.partitions.epoch(batch.partition) == batch.epoch)

    def _abandon(self, tasks: set[asyncio.Task[None]]) -> None:
        for task in tasks:
            self._abandoned.add(task)
            task.cancel()

    # Defined by the concerns that own them (the loop, commits):
    def _start(self, partition: int, records: list[Record]) -> None:
        raise NotImplementedError

    async def _commit(self, consumer: AIOKafkaConsumer) -> None:
        raise NotImplementedError

    @property
    def _source(self) -> Source:
        return self.stage  # type: ignore[return-value]
