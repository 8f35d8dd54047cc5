"""Worker-process pools for CPU-bound work (HTML cleaning, NLP).

Work never runs on the event loop nor in threads: each pool is a
:class:`~concurrent.futures.ProcessPoolExecutor` of spawned processes, recycled
after ``max_tasks`` tasks, each task with a deadline. A task that overruns its
deadline, or a worker that dies, restarts the whole pool (the executor cannot
kill one task) and raises :class:`WorkerTimeout` / :class:`WorkerCrashed`,
both retriable. Workers run in their own process group and ignore SIGINT, so a
Ctrl-C at the terminal reaches only the parent, which stops them last.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from . import metrics
from .errors import RetriableError

log = logging.getLogger(__name__)
T = TypeVar("T")


class WorkerTimeout(RetriableError):
    reason = "timeout"


class WorkerCrashed(RetriableError):
    reason = "internal"


def _init_worker(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if initializer is not None:
        initializer(*initargs)


def _ready() -> int:
    return os.getpid()


class WorkerPool:
    def __init__(
        self,
        name: str,
        size: int,
        *,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        max_tasks: int = 500,
        timeout_s: float = 120.0,
    ) -> None:
        self.name = name
        self.size = max(1, size)
        self.initializer = initializer
        self.initargs = initargs
        self.max_tasks = max_tasks
        self.timeout_s = timeout_s
        self._executor: ProcessPoolExecutor | None = None
        self._lock = asyncio.Lock()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.initializer, self.initargs),
            max_tasks_per_child=self.max_tasks,
        )

    async def start(self) -> WorkerPool:
        """Start the workers and wait until each ran its initializer."""
        self._executor = self._new_executor()
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._executor, _ready) for _ in range(self.size))
        )
        return self

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            raise RuntimeError(f"worker pool {self.name} is not started")
        executor = self._executor
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(executor, fn, *args), self.timeout_s
            )
        except TimeoutError:
            await self._restart(executor, "a task overran its deadline")
            raise WorkerTimeout(f"{self.name}: task exceeded {self.timeout_s:g}s") from None
        except BrokenProcessPool as exc:
            await self._restart(executor, "a worker died")
            raise WorkerCrashed(f"{self.name}: worker process died") from exc

    async def map_batches(
        self, fn: Callable[[list[Any]], list[T]], items: list[Any]
    ) -> list[T | RetriableError]:
        """``fn`` over ``items`` split into one chunk per worker, run side by side.

        ``fn`` takes a list and returns one result per element. A chunk that
        overruns or loses its worker is retried element by element, so one bad
        item costs only its own result (the error, in its place).
        """
        if not items:
            return []
        size = -(-len(items) // self.size)
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        done = await asyncio.gather(*(self._chunk(fn, c) for c in chunks))
        return [r for chunk in done for r in chunk]

    async def _chunk(self, fn: Callable[[list[Any]], list[T]], chunk: list[Any]
                     ) -> list[T | RetriableError]:
        try:
            return list(await self.run(fn, chunk))
        except RetriableError as exc:
            if len(chunk) == 1:
                return [exc]
        results: list[T | RetriableError] = []
        for item in chunk:
            try:
                results.extend(await self.run(fn, [item]))
            except RetriableError as exc:
                results.append(exc)
        return results

    async def _restart(self, broken: ProcessPoolExecutor, why: str) -> None:
        async with self._lock:
            if self._executor is not broken:
                return  # another task restarted it already
            log.warning("restarting worker pool", extra={"pool": self.name, "why": why})
            metrics.WORKER_RESTARTS.labels(self.name).inc()
            _kill(broken)
            self._executor = self._new_executor()

    def kill(self) -> None:
        """End the workers at once, without waiting for their tasks (an immediate exit)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            _kill(executor)

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, True, cancel_futures=True)


def _kill(executor: ProcessPoolExecutor) -> None:
    # The executor offers no way to end one stuck task: end its processes.
    processes = list(getattr(executor, "_processes", {}).values())
    for proc in processes:
        if proc.is_alive():
            proc.kill()
    executor.shutdown(wait=False, cancel_futures=True)
