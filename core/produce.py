"""Producing records and sorting what goes wrong: retry, dead-letter the input, or stop.

Every produce error falls in one of three kinds:

- ``retriable``: the broker or the network may recover (timeouts, leader moves,
  connections lost, a full send buffer): the records are sent again after a
  backoff, which shows in metrics and ``/readyz`` while it lasts;
- ``record``: this record can never be written (over the size limit, refused as
  invalid): its input goes to the dead-letter topic with a reason;
- ``fatal``: nothing can be written (authorisation, a fenced producer, a
  closed producer, an unsupported protocol): the stage fails loudly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Literal

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    CorruptRecordException,
    IllegalStateError,
    InvalidProducerEpoch,
    InvalidTimestampError,
    KafkaError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    OutOfOrderSequenceNumber,
    ProducerClosed,
    ProducerFenced,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAuthorizationFailedError,
    TransactionalIdAuthorizationFailed,
    UnknownError,
)

from .records import Output

Kind = Literal["retriable", "record", "fatal"]

_TOO_LARGE = (MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError)
_BAD_RECORD = (CorruptRecordException, InvalidTimestampError)
_FATAL = (
    TopicAuthorizationFailedError, ClusterAuthorizationFailedError,
    TransactionalIdAuthorizationFailed, ProducerFenced, InvalidProducerEpoch,
    OutOfOrderSequenceNumber, ProducerClosed, IllegalStateError,
)


class ProduceFailed(RuntimeError):
    """Nothing can be produced: the stage must stop (authorisation, fencing, ...)."""


def classify(exc: BaseException) -> tuple[Kind, str]:
    """The kind of a produce error and, for ``record``, the failure reason of its input."""
    if isinstance(exc, _TOO_LARGE):
        return "record", "too_large"
    if isinstance(exc, _BAD_RECORD):
        return "record", "produce"
    if isinstance(exc, _FATAL):
        return "fatal", "produce"
    if isinstance(exc, (KafkaTimeoutError, UnknownError)):
        return "retriable", "produce"
    if isinstance(exc, KafkaError):
        return ("retriable" if getattr(exc, "retriable", False) else "fatal"), "produce"
    return "fatal", "internal"


class Publisher:
    """Sends records and waits until the broker acknowledged them."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer

    async def send_each(self, outputs: Sequence[Output]) -> list[BaseException | None]:
        """Send every output; per output, None once acknowledged or the error it met."""
        results: list[BaseException | None] = [None] * len(outputs)
        acks: list[tuple[int, asyncio.Future[object]]] = []
        for i, o in enumerate(outputs):
            try:
                ack = await self.producer.send(o.topic, o.value, key=o.key,
                                               partition=o.partition, headers=o.headers or None)
            except Exception as exc:  # refused before sending (size, buffer full, closed)
                results[i] = exc
            else:
                acks.append((i, ack))
        done = await asyncio.gather(*(a for _, a in acks), return_exceptions=True)
        for (i, _), result in zip(acks, done, strict=True):
            if isinstance(result, BaseException):
                if isinstance(result, asyncio.CancelledError):
                    raise result
                results[i] = result
        return results

    async def send_all(self, outputs: Sequence[Output]) -> None:
        """Send every output; raises the first error met."""
        for error in await self.send_each(outputs):
            if error is not None:
                raise error
