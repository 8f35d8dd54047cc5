"""Worker-process pools for CPU-bound work (HTML cleaning, NLP).

Work never runs on the event loop nor in threads: a pool keeps ``size``
spawned processes, each with a pipe of its own, and hands a task to a worker
only when that worker is idle; tasks beyond that wait in the parent. A task's
deadline therefore starts when a worker starts it. A task that overruns its
deadline kills only its own worker, which is replaced (each replacement is
counted in ``newsflow_worker_restarts_total``); the task fails alone with
:class:`WorkerTimeout`, a task whose worker dies with :class:`WorkerCrashed`,
both retriable. Workers are recycled after ``max_tasks`` tasks.

A caller that is cancelled only drops its own task; the pool never cancels a
task: when it closes, tasks still waiting fail with :class:`WorkerCrashed`.
:meth:`WorkerPool.close` lets running tasks finish within a deadline, then
kills the workers, so a hung worker cannot hold up a shutdown.

Workers run in their own process group and ignore SIGINT, so a Ctrl-C (or a
SIGTERM to newsflow's group) reaches only the parent, which stops them last;
the kernel kills them when the parent dies by any signal (:mod:`.pdeathsig`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from . import metrics
from .errors import RetriableError
from .worker_process import WorkerProcess

log = logging.getLogger(__name__)
T = TypeVar("T")


class WorkerTimeout(RetriableError):
    reason = "timeout"


class WorkerCrashed(RetriableError):
    reason = "internal"


@dataclass(eq=False)
class _Task:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    future: asyncio.Future[Any]

    def settle(self, result: Any = None, error: BaseException | None = None) -> None:
        if self.future.done():
            return  # its caller was cancelled: nobody waits for it
        if error is not None:
            self.future.set_exception(error)
        else:
            self.future.set_result(result)


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
        start_timeout_s: float = 300.0,
        close_timeout_s: float = 5.0,
    ) -> None:
        self.name = name
        self.size = max(1, size)
        self.initializer = initializer
        self.initargs = initargs
        self.max_tasks = max_tasks
        self.timeout_s = timeout_s
        self.start_timeout_s = start_timeout_s
        self.close_timeout_s = close_timeout_s
        self._workers: list[WorkerProcess | None] = [None] * self.size
        self._queue: asyncio.Queue[_Task | None] = asyncio.Queue()
        self._servers: list[asyncio.Task[None]] = []
        self._threads: ThreadPoolExecutor | None = None
        self._closed = False

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.proc.pid for w in self._workers if w is not None and w.proc.pid is not None]

    async def start(self) -> WorkerPool:
        """Start the workers and wait until each ran its initializer."""
        # One thread per worker blocks on its pipe, so the event loop never does.
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix=f"pool-{self.name}")
        started = await asyncio.gather(*(self._spawn() for _ in range(self.size)),
                                       return_exceptions=True)
        workers = [w for w in started if isinstance(w, WorkerProcess)]
        if len(workers) < self.size:
            await asyncio.gather(*(self._in_thread(w.stop, 0) for w in workers))
            self._threads.shutdown(wait=False)
            raise next(e for e in started if isinstance(e, BaseException))
        self._workers = list(workers)
        self._servers = [asyncio.create_task(self._serve(i), name=f"pool:{self.name}:{i}")
                         for i in range(self.size)]
        return self

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker, once one is free; its deadline starts then."""
        if self._closed:
            raise WorkerCrashed(f"{self.name}: the pool is closed")
        if not self._servers:
            raise RuntimeError(f"worker pool {self.name} is not started")
        task = _Task(fn, args, asyncio.get_running_loop().create_future())
        self._queue.put_nowait(task)
        result: T = await task.future  # a cancelled caller cancels this future, and only it
        return result

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

    # --- one server per worker slot ----------------------------------------------------------

    async def _serve(self, slot: int) -> None:
        """Feed worker ``slot`` one task at a time; replace it when it must go."""
        while True:
            worker = self._workers[slot]
            if worker is None:
                if self._closed:
                    return
                worker = self._workers[slot] = await self._replacement()
            task = await self._queue.get()
            if task is None:  # closing
                self._workers[slot] = None
                await self._in_thread(worker.stop)
                return
            if task.future.done():
                continue  # its caller gave up while it waited
            try:
                keep = await self._execute(worker, task)
            except asyncio.CancelledError:
                worker.kill()
                task.settle(error=WorkerCrashed(f"{self.name}: the pool closed during the task"))
                raise
            except Exception as exc:  # a fault of the pool itself: fail the task, not the pool
                log.exception("worker pool fault", extra={"pool": self.name})
                task.settle(error=WorkerCrashed(f"{self.name}: {exc!r}"))
                worker.kill()
                keep = False
            if not keep:
                self._workers[slot] = None
                await self._in_thread(worker.stop, 0)

    async def _execute(self, worker: WorkerProcess, task: _Task) -> bool:
        """Run ``task`` on ``worker``; False when the worker must be replaced."""
        exchange = self._in_thread(worker.exchange, (task.fn, task.args))
        done, _ = await asyncio.wait({exchange}, timeout=self.timeout_s)
        if not done:
            worker.kill()
            with contextlib.suppress(Exception):
                await exchange  # the pipe reads EOF once the worker is gone
            self._restarted(worker, "a task overran its deadline")
            task.settle(error=WorkerTimeout(f"{self.name}: task exceeded {self.timeout_s:g}s"))
            return False
        try:
            status, value = exchange.result()
        except (EOFError, OSError):
            self._restarted(worker, "a worker died")
            task.settle(error=WorkerCrashed(f"{self.name}: worker process died "
                                            f"(exit status {worker.proc.exitcode})"))
            return False
        if status == "ok":
            task.settle(value)
        else:
            task.settle(error=value)
        worker.tasks += 1
        return worker.tasks < self.max_tasks

    def _restarted(self, worker: WorkerProcess, why: str) -> None:
        if self._closed:
            return
        log.warning("restarting a worker", extra={"pool": self.name, "why": why,
                                                  "pid": worker.proc.pid})
        metrics.WORKER_RESTARTS.labels(self.name).inc()

    async def _spawn(self) -> WorkerProcess:
        """A new worker, once its initializer ran; WorkerCrashed if it cannot start."""
        try:
            worker = WorkerProcess(self.name, self.initializer, self.initargs)
        except Exception as exc:  # no process to be had (fork limits, memory)
            raise WorkerCrashed(f"{self.name}: a worker could not be started: {exc!r}") from exc
        ready = self._in_thread(worker.exchange, None)
        try:
            done, _ = await asyncio.wait({ready}, timeout=self.start_timeout_s)
            if not done:
                raise WorkerCrashed(f"{self.name}: a worker did not start within "
                                    f"{self.start_timeout_s:g}s")
            try:
                status, value = ready.result()
            except (EOFError, OSError):
                raise WorkerCrashed(f"{self.name}: a worker exited while starting") from None
            if status != "ready":
                raise WorkerCrashed(f"{self.name}: worker initializer failed: {value!r}")
        except BaseException:
            worker.kill()
            with contextlib.suppress(BaseException):
                await ready
            await asyncio.shield(self._in_thread(worker.stop, 0))
            raise
        return worker

    async def _replacement(self) -> WorkerProcess:
        delay = 0.5
        while True:
            try:
                return await self._spawn()
            except WorkerCrashed as exc:
                log.error("a worker could not be started; retrying",
                          extra={"pool": self.name, "error": str(exc), "retry_in_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    def _in_thread(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    # --- ending ------------------------------------------------------------------------------

    def kill(self) -> None:
        """End the workers at once, without waiting for their tasks (an immediate exit)."""
        self._closed = True
        for worker in self._workers:
            if worker is not None:
                worker.kill()

    async def close(self) -> None:
        """Fail waiting tasks, let running ones finish within ``close_timeout_s``, then kill."""
        if self._closed and not self._servers:
            return
        self._closed = True
        while not self._queue.empty():
            task = self._queue.get_nowait()
            if task is not None:
                task.settle(error=WorkerCrashed(f"{self.name}: the pool closed before the task ran"))
        for _ in self._servers:
            self._queue.put_nowait(None)
        servers, self._servers = self._servers, []
        if servers:
            _, late = await asyncio.wait(servers, timeout=self.close_timeout_s)
            if late:
                log.warning("worker pool did not stop in time; killing its workers",
                            extra={"pool": self.name})
                self.kill()  # each late server then reads EOF and ends its task
                _, late = await asyncio.wait(late, timeout=self.close_timeout_s)
            for server in late:
                server.cancel()
            await asyncio.gather(*servers, return_exceptions=True)
        for worker in self._workers:
            if worker is not None:
                worker.kill()
                worker.proc.join(1)
                worker.conn.close()
        self._workers = [None] * self.size
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
