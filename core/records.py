"""What stages see and return: plain records in, outputs, state changes or a failure out.

Stage code never sees Kafka client types: the runtime hands it :class:`Record`
values and turns the :class:`Outcome` of each into produced records, table
writes and, for a failure, a dead letter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class Record:
    """One input record of a partition the stage owns."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)
    timestamp_ms: int = 0


@dataclass(slots=True)
class Output:
    """A record for another topic; ``partition`` None lets the key choose it."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)
    partition: int | None = None


@dataclass(frozen=True, slots=True)
class Put:
    """A state change: ``key`` of ``table`` becomes ``value`` (None deletes it)."""

    table: str
    key: bytes
    value: bytes | None
    headers: Headers = field(default_factory=list)


@dataclass(slots=True)
class Failure:
    reason: str  # one of metrics.FAIL_REASONS
    error: str
    attempts: int = 1
    #: Extra ``dlq.*`` detail, e.g. ``{"kind": "paywall"}`` becomes the header ``dlq.kind``.
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Outcome:
    """What became of one input record."""

    outputs: list[Output] = field(default_factory=list)
    state: list[Put] = field(default_factory=list)
    failure: Failure | None = None


class Source(Protocol):
    """Where a record came from (a :class:`Record`, or a Kafka client's record)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> object: ...


def dead_letter(record: Source, stage: str, failure: Failure, dlq_topic: str) -> Output:
    """The DLQ record of a failed input: original key and bytes, headers saying why."""
    original = record.headers or ()
    headers: Headers = [(k, v) for k, v in original if not k.startswith("dlq.")]  # type: ignore[attr-defined]
    headers += [
        ("dlq.stage", stage.encode()),
        ("dlq.reason", failure.reason.encode()),
        ("dlq.error", failure.error[:2000].encode("utf-8", "replace")),
        ("dlq.source.topic", record.topic.encode()),
        ("dlq.source.partition", str(record.partition).encode()),
        ("dlq.source.offset", str(record.offset).encode()),
        ("dlq.attempts", str(failure.attempts).encode()),
        ("dlq.failed_at", str(int(time.time() * 1000)).encode()),
    ]
    headers += [(f"dlq.{k}", v[:2000].encode("utf-8", "replace")) for k, v in failure.detail.items()]
    return Output(dlq_topic, record.key, record.value, headers)
