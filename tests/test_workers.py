"""Worker pools: deadlines, crashes, recycling, own process group, lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import ConsumerRecord

from newsflow.core.kafka import KafkaFactory
from newsflow.core.metrics import REGISTRY
from newsflow.core.settings import Settings
from newsflow.core.workers import WorkerCrashed, WorkerPool, WorkerTimeout
from newsflow.demo.farm import FeedFarm
from newsflow.pipeline import Pipeline
from newsflow.registry import make_spec, register

from support import tasks
from support.kafka import read_all, wait_for_values


def _restarts(pool: str) -> float:
    return REGISTRY.get_sample_value("newsflow_worker_restarts_total", {"pool": pool}) or 0.0


async def test_work_runs_in_other_processes_in_their_own_group() -> None:
    pool = await WorkerPool("t", 1, max_tasks=2, timeout_s=30).start()
    try:
        pids = {(await pool.run(tasks.pid_and_group)) for _ in range(4)}
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
            await pool.run(tasks.sleep, 30)
        assert time.monotonic() - started < 5
        assert await pool.run(tasks.sleep, 0.01) == 0.01
    finally:
        await pool.close()


async def test_a_dying_worker_is_replaced() -> None:
    pool = await WorkerPool("t", 1, timeout_s=10).start()
    try:
        with pytest.raises(WorkerCrashed):
            await pool.run(tasks.die)
        assert await pool.run(tasks.sleep, 0) == 0
    finally:
        await pool.close()


async def test_a_dying_worker_fails_only_its_own_task() -> None:
    pool = await WorkerPool("t-die", 1, timeout_s=30).start()
    restarts = _restarts("t-die")
    try:
        died, *rest = await asyncio.gather(pool.run(tasks.die), pool.run(tasks.sleep, 0.1),
                                           pool.run(tasks.sleep, 0.1), return_exceptions=True)
    finally:
        await pool.close()
    assert isinstance(died, WorkerCrashed)
    assert rest == [0.1, 0.1], "tasks queued behind it ran on its replacement"
    assert _restarts("t-die") == restarts + 1


async def test_recycled_workers_keep_working_under_load() -> None:
    pool = await WorkerPool("t-recycle", 2, max_tasks=1, timeout_s=30).start()
    restarts = _restarts("t-recycle")
    try:
        pids = await asyncio.gather(*(pool.run(tasks.pid_and_group) for _ in range(6)))
    finally:
        await pool.close()
    assert len({pid for pid, _ in pids}) == 6, "one task per worker, then a fresh one"
    assert _restarts("t-recycle") == restarts, "recycling is not a restart"


async def test_map_batches_spreads_work_and_isolates_an_overrunning_item() -> None:
    pool = await WorkerPool("t", 2, timeout_s=1.0).start()
    try:
        results = await pool.map_batches(tasks.sleep_each, [0.01, 0.01, 30, 0.01])
    finally:
        await pool.close()
    assert results[0] == results[1] == results[3] == 0.01
    assert isinstance(results[2], WorkerTimeout), "only the overrunning item failed"


async def test_queue_time_does_not_count_against_the_deadline() -> None:
    # One worker, three tasks that each fit the deadline: the last waits two tasks' time.
    pool = await WorkerPool("t-queue", 1, timeout_s=1.0).start()
    try:
        results = await asyncio.gather(*(pool.run(tasks.sleep, 0.6) for _ in range(3)))
    finally:
        await pool.close()
    assert results == [0.6, 0.6, 0.6]


async def test_a_hung_chunk_fails_alone_while_chunks_queued_behind_it_complete() -> None:
    # Six chunks on two workers: one hangs; the others run beside it or wait in the queue.
    pool = await WorkerPool("t-hung", 2, timeout_s=1.0).start()
    restarts = _restarts("t-hung")
    try:
        before = set(pool.pids)
        hung, *others = await asyncio.gather(
            pool.map_batches(tasks.sleep_each, [3600, 0.2]),
            pool.map_batches(tasks.sleep_each, [0.2, 0.2]),
            pool.map_batches(tasks.sleep_each, [0.2, 0.2]),
        )
        after = set(pool.pids)
        assert await pool.run(tasks.sleep, 0) == 0, "the pool works on"
    finally:
        await pool.close()
    assert isinstance(hung[0], WorkerTimeout) and hung[0].reason == "timeout"
    assert hung[1] == 0.2
    assert others == [[0.2, 0.2], [0.2, 0.2]], "queued chunks are not failed with the hung one"
    assert len(before & after) == 1, "only the hung worker was replaced"
    assert _restarts("t-hung") == restarts + 1, "the restart is counted"


async def test_a_cancelled_caller_leaves_the_other_batches_alone() -> None:
    pool = await WorkerPool("t-cancel", 1, timeout_s=30).start()
    try:
        first = asyncio.create_task(pool.map_batches(tasks.sleep_each, [0.3]))
        doomed = asyncio.create_task(pool.map_batches(tasks.sleep_each, [0.3]))
        last = asyncio.create_task(pool.map_batches(tasks.sleep_each, [0.3]))
        await asyncio.sleep(0.1)
        doomed.cancel()
        assert await first == [0.3] and await last == [0.3]
        assert doomed.cancelled()
    finally:
        await pool.close()


async def test_close_does_not_wait_for_a_hung_worker() -> None:
    pool = await WorkerPool("t-close", 1, timeout_s=3600, close_timeout_s=0.5).start()
    pids = pool.pids
    hung = asyncio.create_task(pool.run(tasks.sleep, 3600))
    queued = asyncio.create_task(pool.run(tasks.sleep, 0))
    await asyncio.sleep(0.2)
    await asyncio.wait_for(pool.close(), 60)  # a guard only: without a deadline it never returns
    for task in (hung, queued):
        with pytest.raises(WorkerCrashed):  # an error the batch handles, never a cancellation
            await task
    assert not any(_alive(pid) for pid in pids)


def _alive(pid: int) -> bool:
    """``pid`` is running (a zombie awaiting its reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (ppid, start time) of every process on the machine."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        table[int(entry.name)] = (int(fields[1]), fields[19])
    return table


def _descendants(root: int) -> dict[int, str]:
    """pid -> start time of every descendant of ``root``."""
    table = _processes()
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, started) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = started
                frontier.append(pid)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def test_a_sigkilled_run_leaves_no_process_behind(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update(NEWSFLOW_WORKERS="1", NEWSFLOW_METRICS_PORT="0")  # embedded broker, both pools
    seen: dict[int, str] = {}
    with (tmp_path / "run.log").open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "newsflow.cli", "run"], env=env,
                                stdout=subprocess.DEVNULL, stderr=log, cwd="/")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            seen.update(_descendants(proc.pid))
            lines = [_cmdline(pid) for pid in seen]
            workers = sum("multiprocessing" in c and "resource_tracker" not in c for c in lines)
            if workers >= 2 and any("tansu" in c or " broker " in c for c in lines):
                break
            time.sleep(0.2)
        assert proc.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
        assert workers >= 2, f"both pools started: {lines}"
        seen.update(_descendants(proc.pid))
        proc.send_signal(signal.SIGKILL)  # the parent alone, as the OOM killer does
        proc.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(map(_alive, seen)):
            time.sleep(0.2)
        left = {pid: _cmdline(pid) for pid in seen if _alive(pid)}
        assert not left, f"orphans of a SIGKILLed newsflow run: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        table = _processes()
        for pid, started in seen.items():  # leftovers only: the same pid and start time
            if pid in table and table[pid][1] == started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


async def _run_until(runs: list[tuple[Settings, tuple[str, ...]]], feeds: list[str],
                     topic: str, count: int) -> list[ConsumerRecord]:
    """Run pipelines side by side until ``topic`` holds ``count`` articles; its records."""
    pipelines = [Pipeline(settings, stages) for settings, stages in runs]
    stop = asyncio.Event()

    async def add(factory: KafkaFactory) -> None:
        await register(factory, pipelines[0].topics,
                       [make_spec(u, min_interval_s=600) for u in feeds])

    tasks = [asyncio.create_task(p.run(stop, before_stages=add if i == 0 else None))
             for i, p in enumerate(pipelines)]
    try:
        await asyncio.wait_for(asyncio.gather(*(p.started.wait() for p in pipelines)), 60)
        factory = KafkaFactory(runs[0][0], runs[0][0].kafka_bootstrap)
        name = getattr(pipelines[0].topics, topic)
        await wait_for_values(factory, name, count, timeout_s=120)
        return await read_all(factory, name)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 60)


def _reasons(records: list[ConsumerRecord]) -> Counter[tuple[bytes, bytes]]:
    return Counter((dict(r.headers)["dlq.stage"], dict(r.headers)["dlq.reason"]) for r in records)


@pytest.mark.timeout(300)
async def test_a_page_or_article_that_overruns_is_dead_lettered_as_timeout(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    overrun = settings.model_copy(update={"worker_task_timeout_s": 0.001})  # nothing fits in it
    with FeedFarm(feeds=1, items=1) as farm:  # the page is cleaned in time, its article overruns
        first = await _run_until([(settings, ("poll", "fetch")), (overrun, ("enrich",))],
                                 farm.feed_urls, "dlq", 1)
    assert _reasons(first) == {(b"enrich", b"timeout"): 1}
    with FeedFarm(feeds=1, items=1) as farm:  # the page overruns
        second = await _run_until([(overrun, ("poll", "fetch"))], farm.feed_urls, "dlq", 2)
    assert _reasons(second) - _reasons(first) == {(b"fetch", b"timeout"): 1}
