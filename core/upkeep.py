"""Commits, transactions and the periodic upkeep of a stage: lag, stalls, expired keys."""

from __future__ import annotations

import asyncio
import logging
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from . import metrics
from .delivery import Delivery
from .produce import ProduceFailed, Publisher
from .records import Outcome, Output
from .stage import Batch, RunnerCore

log = logging.getLogger(__name__)


class _Abandoned(Exception):
    """Raised inside a transaction to abort it: the batch's partition was given up."""


class Upkeep(RunnerCore):
    async def _commit(self, consumer: AIOKafkaConsumer) -> None:
        async with self._commit_lock:
            commits = self.offsets.committable()
            if not commits:
                return
            offsets = {TopicPartition(self.input_topic, p): o for p, o in commits.items()}
            try:
                await consumer.commit(offsets)
            except (CommitFailedError, IllegalStateError) as exc:
                # The partitions moved to another member: their outputs are written, the
                # new owner will process the records again (at least once).
                log.warning("commit refused after a rebalance",
                            extra={"stage": self.name, "error": str(exc)})
            except KafkaError as exc:
                log.error("commit failed; the records will be processed again",
                          extra={"stage": self.name, "error": repr(exc)})

    async def _write_transaction(self, batch: Batch, outcomes: list[Outcome]) -> set[int] | None:
        producer = self._txn_producer
        assert producer is not None
        delivery = Delivery(self.name, Publisher(producer), self.delivery.dlq_topic, self.tables,
                            self.health, backoff_max_s=self.delivery.backoff_max_s)
        tp = TopicPartition(self.input_topic, batch.partition)
        delay = 0.5
        while True:
            try:
                async with producer.transaction():
                    written = await delivery.write(batch.records, outcomes, lambda: self._owned(batch))
                    if written is None:
                        raise _Abandoned
                    await producer.send_offsets_to_transaction(
                        {tp: batch.records[-1].offset + 1}, self.group_id)
                delivery.apply(written)
                return written.failed
            except _Abandoned:
                return None
            except ProduceFailed:
                raise
            except KafkaError as exc:
                log.error("transaction failed; writing the batch again",
                          extra={"stage": self.name, "error": repr(exc)})
                if not self._owned(batch):
                    return None
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.delivery.backoff_max_s)

    async def _housekeeping(self, consumer: AIOKafkaConsumer) -> None:
        now = time.monotonic()
        if now - self._housekept < 1.0:
            return
        self._housekept = now
        oldest = max((now - b.started for b in self._tasks.values()), default=0.0)
        self.health.stalled(max(oldest, self.offsets.oldest_age_s()))
        _ = self.health.ready  # refreshes the ready metric
        if not self.source:
            await self._report_lag(consumer)
        if now - self._expired_at >= 60:
            self._expired_at = now
            await self._expire()

    async def _expire(self) -> None:
        """Tombstone the keys past their table's horizon, then forget them."""
        for table in self.tables.values():
            for p in sorted(self.partitions.ready):
                keys = table.expired(p)[:10_000]
                if not keys:
                    continue
                outs = [Output(table.spec.changelog, k, None, partition=p) for k in keys]
                errors = await self.publisher.send_each(outs)
                for key, error in zip(keys, errors, strict=True):
                    if error is None:
                        table.apply(p, key, None)

    async def _report_lag(self, consumer: AIOKafkaConsumer) -> None:
        lag = 0
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is None:
                continue
            try:
                position = await consumer.position(tp)
            except IllegalStateError:
                continue
            lag += max(0, high - position)
        metrics.CONSUMER_LAG.labels(self.name).set(lag)
