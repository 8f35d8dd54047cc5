"""The effects of one batch, in order: outputs, dead letters, state; each acknowledged.

A stage's outcomes become produced records here. Outputs go first; an output
the broker can never take (over the size limit, refused as invalid) fails its
input, which goes to the dead-letter topic with the reason instead. Then the
dead letters, then the state changes of the records that succeeded (the table
writes vouch for outputs already acknowledged); only then may the batch's input
offsets be committed. Retriable errors are retried with backoff for as long as
the batch's partition is still owned; fatal ones stop the stage.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from . import metrics
from .health import StageHealth
from .produce import ProduceFailed, Publisher, classify
from .records import Failure, Outcome, Output, Record, dead_letter
from .table import Table

log = logging.getLogger(__name__)

Owned = Callable[[], bool]


@dataclass(slots=True)
class Written:
    """A batch whose effects the broker acknowledged: its failed records, its table writes."""

    failed: set[int] = field(default_factory=set)
    #: (table, partition, key, value) to apply to the tables once the batch counts as written
    changes: list[tuple[str, int, bytes, bytes | None]] = field(default_factory=list)


class Delivery:
    def __init__(
        self,
        stage: str,
        publisher: Publisher,
        dlq_topic: str,
        tables: Mapping[str, Table],
        health: StageHealth,
        *,
        backoff_s: float = 0.5,
        backoff_max_s: float = 30.0,
    ) -> None:
        self.stage = stage
        self.publisher = publisher
        self.dlq_topic = dlq_topic
        self.tables = tables
        self.health = health
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s

    async def write(
        self, records: Sequence[Record], outcomes: Sequence[Outcome], owned: Owned
    ) -> Written | None:
        """Write a batch's effects (tables not yet updated: see :meth:`apply`); None if abandoned."""
        failures = {i: o.failure for i, o in enumerate(outcomes) if o.failure is not None}
        outputs = [(i, out) for i, o in enumerate(outcomes) if o.failure is None for out in o.outputs]
        refused = await self._send(outputs, owned)
        if refused is None:
            return None
        failures.update(refused)
        if failures and not await self._dead_letters(records, failures, owned):
            return None
        changes = [
            (i, put, Output(self.tables[put.table].spec.changelog, put.key, put.value, put.headers,
                            partition=records[i].partition))
            for i, o in enumerate(outcomes) if i not in failures for put in o.state
        ]
        unwritten = await self._send([(i, out) for i, _, out in changes], owned)
        if unwritten is None:
            return None
        for i, failure in unwritten.items():
            # Outputs written, state refused for good: the record is done, a later copy repeats it.
            log.error("state write refused; the record may be processed again",
                      extra={"stage": self.stage, "error": failure.error,
                             "partition": records[i].partition, "offset": records[i].offset})
        produced = sum(len(o.outputs) for i, o in enumerate(outcomes) if i not in failures)
        metrics.MESSAGES_OUT.labels(self.stage).inc(produced)
        return Written(set(failures), [(put.table, records[i].partition, put.key, put.value)
                                       for i, put, _ in changes if i not in unwritten])

    def apply(self, written: Written) -> None:
        """The batch counts as written: its state changes enter the tables."""
        for table, partition, key, value in written.changes:
            self.tables[table].apply(partition, key, value)

    async def _dead_letters(self, records: Sequence[Record], failures: dict[int, Failure],
                            owned: Owned) -> bool:
        for i, failure in failures.items():
            record = records[i]
            metrics.MESSAGES_FAILED.labels(self.stage, failure.reason).inc()
            log.warning(
                "message sent to the dead-letter topic",
                extra={"stage": self.stage, "reason": failure.reason, "error": failure.error,
                       "topic": record.topic, "partition": record.partition,
                       "offset": record.offset},
            )
        letters = [(i, dead_letter(records[i], self.stage, f, self.dlq_topic))
                   for i, f in failures.items()]
        refused = await self._send(letters, owned)
        if refused is None:
            return False
        if refused:  # even the dead letter is too large: keep its headers, drop the bytes
            bare = []
            for i in refused:
                failure = failures[i]
                detail = {**failure.detail, "value": "dropped"}
                letter = dead_letter(records[i], self.stage,
                                     Failure(failure.reason, failure.error, failure.attempts, detail),
                                     self.dlq_topic)
                letter.value = None
                bare.append((i, letter))
            lost = await self._send(bare, owned)
            if lost is None:
                return False
            if lost:
                raise ProduceFailed(f"dead letters refused: {next(iter(lost.values())).error}")
        metrics.DLQ_MESSAGES.labels(self.stage).inc(len(failures))
        return True

    async def _send(self, items: list[tuple[int, Output]], owned: Owned) -> dict[int, Failure] | None:
        """Send, retrying what may pass; the records refused for good, or None if abandoned."""
        refused: dict[int, Failure] = {}
        delay = self.backoff_s
        pending = items
        with contextlib.ExitStack() as stack:
            while pending:
                pending = await self._attempt(pending, refused)
                if not pending:
                    break
                if delay == self.backoff_s:  # the first retry: not ready until it passes
                    stack.enter_context(self.health.retrying())
                metrics.PRODUCE_RETRIES.labels(self.stage).inc(len(pending))
                log.warning("broker error; writing again after a pause",
                            extra={"stage": self.stage, "records": len(pending),
                                   "retry_in": delay})
                if not owned():
                    return None
                await asyncio.sleep(delay)
                if not owned():
                    return None
                delay = min(delay * 2, self.backoff_max_s)
        return refused

    async def _attempt(self, pending: list[tuple[int, Output]],
                       refused: dict[int, Failure]) -> list[tuple[int, Output]]:
        """Send once; what to send again (retriable errors). Fatal errors raise."""
        results = await self.publisher.send_each([out for _, out in pending])
        again: list[tuple[int, Output]] = []
        for (i, out), error in zip(pending, results, strict=True):
            if error is None:
                continue
            kind, reason = classify(error)
            message = f"{out.topic}: {type(error).__name__}: {error}"
            if kind == "fatal":
                raise ProduceFailed(message) from error
            if kind == "record":
                refused.setdefault(i, Failure(reason, f"output refused by the broker: {message}"))
            else:
                log.debug("retriable produce error", extra={"error": message})
                again.append((i, out))
        return again


class Transform(Protocol):
    async def process(self, records: Sequence[Record]) -> list[Outcome]: ...


async def outcomes_of(stage: str, transform: Transform, records: Sequence[Record]) -> list[Outcome]:
    """The stage's outcomes; a batch that raises is tried again one record at a time.

    A record whose own try raises fails alone with reason ``internal`` (a bug,
    or a poison message the stage did not recognise), so every record of the
    batch ends as outputs or as a dead letter, a batch of one included.
    """
    try:
        outcomes = await transform.process(records)
        if len(outcomes) != len(records):
            raise RuntimeError(f"{len(outcomes)} outcomes for {len(records)} records")
        return outcomes
    except Exception as exc:
        if len(records) == 1:
            log.exception("record failed", extra={"stage": stage, "offset": records[0].offset})
            return [Outcome(failure=_internal(exc))]
        log.exception("batch failed; trying its records one by one", extra={"stage": stage})
    result: list[Outcome] = []
    for record in records:
        try:
            [outcome] = await transform.process([record])
        except Exception as exc:
            log.exception("record failed", extra={"stage": stage, "offset": record.offset})
            outcome = Outcome(failure=_internal(exc))
        result.append(outcome)
    return result


def _internal(exc: BaseException) -> Failure:
    return Failure("internal", f"{type(exc).__name__}: {exc}")
