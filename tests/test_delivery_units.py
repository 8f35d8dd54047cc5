"""Pure logic of the runtime: produce-error kinds, commit points, due keys, table contents."""

from __future__ import annotations

import time

import pytest
from aiokafka import ConsumerRecord
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    InvalidProducerEpoch,
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    ProducerClosed,
    ProducerFenced,
    RecordTooLargeError,
    RequestTimedOutError,
    TopicAuthorizationFailedError,
    TransactionalIdAuthorizationFailed,
    UnknownTopicOrPartitionError,
)

from newsflow.core.offsets import OffsetTracker
from newsflow.core.produce import classify
from newsflow.core.table import Table, TableSpec
from newsflow.core.timers import DueQueue


@pytest.mark.parametrize(("error", "kind", "reason"), [
    (MessageSizeTooLargeError(), "record", "too_large"),
    (RecordTooLargeError(), "record", "too_large"),
    (TopicAuthorizationFailedError(), "fatal", "produce"),
    (ClusterAuthorizationFailedError(), "fatal", "produce"),
    (TransactionalIdAuthorizationFailed(), "fatal", "produce"),
    (ProducerFenced(), "fatal", "produce"),
    (InvalidProducerEpoch(), "fatal", "produce"),
    (ProducerClosed(), "fatal", "produce"),
    (RequestTimedOutError(), "retriable", "produce"),
    (NotLeaderForPartitionError(), "retriable", "produce"),
    (UnknownTopicOrPartitionError(), "retriable", "produce"),
    (KafkaConnectionError(), "retriable", "produce"),
    (KafkaTimeoutError(), "retriable", "produce"),
    (ValueError("a bug"), "fatal", "internal"),
])
def test_produce_errors_are_sorted(error: BaseException, kind: str, reason: str) -> None:
    assert classify(error) == (kind, reason)


def test_the_commit_point_is_the_lowest_unfinished_record() -> None:
    offsets = OffsetTracker()
    offsets.take(0, [5, 6, 7])
    offsets.take(1, [3])
    offsets.finish(0, [6, 7])
    assert offsets.committable() == {}, "5 holds back 6 and 7"
    offsets.finish(0, [5])
    offsets.finish(1, [3])
    assert offsets.committable() == {0: 8, 1: 4}
    assert offsets.committable() == {}
    offsets.take(0, [8])
    assert offsets.oldest_age_s() >= 0 and len(offsets) == 1
    offsets.forget([0])
    offsets.finish(0, [8])  # a batch of a partition given up meanwhile
    assert offsets.committable() == {} and len(offsets) == 0


def test_due_keys_come_in_time_order_once_each() -> None:
    due = DueQueue()
    due.put(0, b"a", 30.0)
    due.put(0, b"b", 10.0)
    due.put(1, b"c", 20.0)
    due.put(0, b"a", 5.0)  # rescheduled: the earlier entry no longer counts
    assert [due.pop_due(25.0), due.pop_due(25.0), due.pop_due(25.0)] == [
        (0, b"a"), (0, b"b"), (1, b"c")]
    assert due.pop_due(100.0) is None
    due.put(2, b"d", 1.0)
    due.drop_partition(2)
    due.put(3, b"e", None)
    assert due.pop_due(100.0) is None and len(due) == 0


def _record(offset: int, key: bytes, value: bytes | None, age_s: float = 0) -> ConsumerRecord:
    return ConsumerRecord(topic="t", partition=0, offset=offset,
                          timestamp=int((time.time() - age_s) * 1000), timestamp_type=0,
                          key=key, value=value, checksum=None, serialized_key_size=len(key),
                          serialized_value_size=len(value or b""), headers=[])


def test_a_table_keeps_the_last_write_forgets_tombstones_and_expired_keys() -> None:
    table = Table(TableSpec("seen", "t", horizon_s=3600, max_keys=3))
    keys = table.load(0, [
        _record(0, b"old", b"1", age_s=7200),  # past the horizon: skipped
        _record(1, b"a", b"1"), _record(2, b"a", b"2"),  # last write wins
        _record(3, b"gone", b"1"), _record(4, b"gone", None),  # tombstone
        _record(5, b"b", b"1"),
    ])
    assert keys == 2
    assert table.get(0, b"a") == b"2" and table.get(0, b"b") == b"1"
    assert table.get(0, b"old") is None and table.get(0, b"gone") is None
    table.apply(0, b"c", b"1")
    table.apply(0, b"d", b"1")
    assert table.get(0, b"a") is None, "beyond max_keys the oldest write goes"
    assert len(table) == 3
    table.apply(0, b"e", b"1", at=time.time() - 7200)
    assert table.get(0, b"e") is None, "a write older than the horizon does not count"
    table.drop(0)
    assert len(table) == 0 and table.get(0, b"b") is None


def test_expired_keys_are_listed_oldest_first() -> None:
    table = Table(TableSpec("seen", "t", horizon_s=60))
    table.apply(0, b"x", b"1", at=time.time() - 120)
    table.apply(0, b"y", b"1", at=time.time() - 90)
    table.apply(0, b"z", b"1")
    assert table.expired(0) == [b"x", b"y"]
    assert table.get(0, b"x") is None and table.get(0, b"z") == b"1"
