"""Worker pools: deadlines, crashes, recycling, own process group."""

from __future__ import annotations

import os
import time

import pytest

from newsflow.core.workers import WorkerCrashed, WorkerPool, WorkerTimeout


def _pid_and_group() -> tuple[int, int]:
    return os.getpid(), os.getpgrp()


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _die() -> None:
    os._exit(3)


async def test_work_runs_in_other_processes_in_their_own_group() -> None:
    pool = await WorkerPool("t", 1, max_tasks=2, timeout_s=30).start()
    try:
        pids = {(await pool.run(_pid_and_group)) for _ in range(4)}
    finally:
        await pool.close()
    assert all(pid != os.getpid() for pid, _ in pids)
    assert all(group != os.getpgrp() for _, group in pids), "workers ignore the terminal's Ctrl-C"
    assert len({pid for pid, _ in pids}) >= 2, "a worker is recycled after max_tasks"


async def test_deadline_restarts_the_pool_and_work_continues() -> None:
    pool = await WorkerPool("t", 1, timeout_s=0.5).start()
    try:
        started = time.monotonic()
        with pytest.raises(WorkerTimeout):
            await pool.run(_sleep, 30)
        assert time.monotonic() - started < 5
        assert await pool.run(_sleep, 0.01) == 0.01
    finally:
        await pool.close()


async def test_a_dying_worker_is_replaced() -> None:
    pool = await WorkerPool("t", 1, timeout_s=10).start()
    try:
        with pytest.raises(WorkerCrashed):
            await pool.run(_die)
        assert await pool.run(_sleep, 0) == 0
    finally:
        await pool.close()


def _sleep_each(seconds: list[float]) -> list[float]:
    return [_sleep(s) for s in seconds]


async def test_map_batches_spreads_work_and_isolates_an_overrunning_item() -> None:
    pool = await WorkerPool("t", 2, timeout_s=1.0).start()
    try:
        results = await pool.map_batches(_sleep_each, [0.01, 0.01, 30, 0.01])
    finally:
        await pool.close()
    assert results[0] == results[1] == results[3] == 0.01
    assert isinstance(results[2], WorkerTimeout), "only the overrunning item failed"
