"""Wiring: which stages run in this process, on which broker, with what they need.

:class:`Pipeline` owns every long-running part of ``newsflow run`` and
``newsflow demo``, and stops them in the reverse order of their start: stages
first (each finishes and commits the batch in hand), then worker pools, the
producer (flushed), HTTP clients and the metrics server, and the embedded
broker last.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

from newsflow.core import metrics
from newsflow.core.broker import EmbeddedBroker
from newsflow.core.http import HttpClient, make_http_client
from newsflow.core.kafka import KafkaFactory
from newsflow.core.probe import BrokerProbe
from newsflow.core.produce import Publisher
from newsflow.core.runtime import StageRunner
from newsflow.core.server import OpsServer
from newsflow.core.settings import Settings
from newsflow.core.topics import Topics, prepare_topics
from newsflow.core.workers import WorkerPool
from newsflow.ingest.cleaner import warm_up
from newsflow.ingest.feedpool import FeedParser
from newsflow.ingest.fetcher import Fetcher
from newsflow.ingest.poller import Poller
from newsflow.processors.enricher import Enricher
from newsflow.processors.nlp import load_model, model_info
from newsflow.schemas import ModelInfo, Provenance

log = logging.getLogger(__name__)

#: A stop that takes longer than this says on stderr which batches it waits for.
_QUIET_STOP_S = 0.5

STAGES = ("poll", "fetch", "enrich")


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "0+unknown"


NEWSFLOW_VERSION = package_version("newsflow")


def provenance(settings: Settings) -> Provenance:
    model, model_version = model_info(settings.enrich_model)
    return Provenance(
        newsflow_version=NEWSFLOW_VERSION,
        models=[
            ModelInfo(name=f"spacy/{model}", version=model_version),
            ModelInfo(name="spacy", version=package_version("spacy")),
            ModelInfo(name="trafilatura", version=package_version("trafilatura")),
            ModelInfo(name="newsflow.dates", version=NEWSFLOW_VERSION),
        ],
    )


#: Group timings for the embedded broker: every member is in this process, so a short
#: session costs nothing, and the dev broker's first join takes about as long as them.
_EMBEDDED_TIMINGS = {
    "kafka_session_timeout_ms": 6000,
    "kafka_heartbeat_interval_ms": 1000,
    "kafka_rebalance_timeout_ms": 6000,
}


def embedded_timings(settings: Settings) -> Settings:
    """``settings`` with short group timings, unless they were set explicitly."""
    update = {k: v for k, v in _EMBEDDED_TIMINGS.items() if k not in settings.model_fields_set}
    return settings.model_copy(update=update) if update else settings


class Pipeline:
    def __init__(self, settings: Settings, stages: Sequence[str] = STAGES) -> None:
        unknown = set(stages) - set(STAGES)
        if unknown:
            raise ValueError(f"unknown stage(s): {', '.join(sorted(unknown))}")
        if settings.embedded:
            settings = embedded_timings(settings)
        self.settings = settings
        self.stages = tuple(s for s in STAGES if s in stages)
        self.topics = Topics.from_settings(settings)
        self.broker: EmbeddedBroker | None = None
        self.bootstrap = settings.kafka_bootstrap
        self.ops: OpsServer | None = None
        self.probe: BrokerProbe | None = None
        self._runners: list[StageRunner] = []
        self._pools: list[WorkerPool] = []
        self.started = asyncio.Event()

    def ready(self) -> bool:
        broker_ok = self.probe is None or self.probe.ok
        return bool(self._runners) and all(r.ready for r in self._runners) and broker_ok

    def child_pids(self) -> dict[str, list[int]]:
        """Process ids of the worker pools (by pool name) and of the embedded broker."""
        pids = {pool.name: pool.pids for pool in self._pools}
        if self.broker is not None and self.broker.pid is not None:
            pids["broker"] = [self.broker.pid]
        return pids

    def kill(self) -> None:
        """Immediate stop (a second Ctrl-C): end child processes without draining."""
        for pool in self._pools:
            pool.kill()
        if self.broker is not None:
            self.broker.stop(timeout_s=1)

    async def run(
        self,
        stop: asyncio.Event,
        before_stages: Callable[[KafkaFactory], Awaitable[None]] | None = None,
    ) -> None:
        """Run until ``stop`` is set or a stage fails; then shut down in order."""
        settings = self.settings
        metrics.BUILD_INFO.labels(NEWSFLOW_VERSION).set(1)
        async with contextlib.AsyncExitStack() as stack:
            if settings.embedded:
                self.broker = EmbeddedBroker()
                await self.broker.astart()
                stack.push_async_callback(self.broker.astop)
                self.bootstrap = self.broker.bootstrap
                log.info("embedded broker started (data is kept in memory only)",
                         extra={"bootstrap": self.bootstrap})
            factory = KafkaFactory(settings, self.bootstrap)
            self.ops = await OpsServer(settings.metrics_host, settings.metrics_port, self.ready).start()
            stack.push_async_callback(self.ops.stop)
            await prepare_topics(factory, self.topics)
            self.probe = await stack.enter_async_context(BrokerProbe(factory))
            producer = factory.producer()
            await producer.start()
            stack.push_async_callback(producer.stop)
            publisher = Publisher(producer)
            http = make_http_client(settings)
            stack.push_async_callback(http.aclose)
            if before_stages is not None:
                await before_stages(factory)
            if stop.is_set():
                return
            self._runners = await self._build(stack, factory, publisher, http)
            if stop.is_set():
                return
            tasks = {asyncio.create_task(r.run(), name=f"stage:{name}"): name
                     for name, r in zip(self.stages, self._runners, strict=True)}
            self.started.set()
            waiter = asyncio.create_task(stop.wait())
            try:
                done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
                failed = [t for t in done if t is not waiter and t.exception() is not None]
                for task in failed:
                    log.error("stage failed", extra={"stage": tasks[task]},
                              exc_info=task.exception())
            finally:
                waiter.cancel()
                await self._stop_stages(tasks)
            if failed:
                raise RuntimeError(f"stage {tasks[failed[0]]} failed") from failed[0].exception()

    async def _build(self, stack: contextlib.AsyncExitStack, factory: KafkaFactory,
                     publisher: Publisher, http: HttpClient) -> list[StageRunner]:
        settings, topics = self.settings, self.topics
        runners: list[StageRunner] = []
        common = {"dlq_topic": topics.dlq, "factory": factory, "publisher": publisher}
        for stage in self.stages:
            if stage == "poll":
                parser = await FeedParser(settings).start()
                self._pools.append(parser.pool)
                stack.push_async_callback(parser.close)
                runners.append(StageRunner(
                    stage=Poller(settings, http, topics, parser), input_topic=topics.feeds,
                    source=True,
                    batch_size=1, max_in_flight=settings.poll_in_flight, **common,
                ))
            elif stage == "fetch":
                pool = await self._pool(stack, "clean", warm_up, ())
                runners.append(StageRunner(
                    stage=Fetcher(settings, http, pool, topics, NEWSFLOW_VERSION),
                    input_topic=topics.links, batch_size=settings.fetch_batch,
                    max_in_flight=settings.fetch_in_flight, **common,
                ))
            else:
                pool = await self._pool(stack, "nlp", load_model, (settings.enrich_model,))
                runners.append(StageRunner(
                    stage=Enricher(pool, topics, provenance(settings)), input_topic=topics.articles,
                    batch_size=settings.enrich_batch, max_in_flight=settings.enrich_in_flight,
                    **common,
                ))
        return runners

    async def _pool(self, stack: contextlib.AsyncExitStack, name: str,
                    initializer: Callable[..., None], initargs: tuple[object, ...]) -> WorkerPool:
        s = self.settings
        pool = WorkerPool(name, s.worker_count, initializer=initializer, initargs=initargs,
                          max_tasks=s.worker_max_tasks, timeout_s=s.worker_task_timeout_s)
        await pool.start()
        self._pools.append(pool)
        stack.push_async_callback(pool.close)
        return pool

    def _say_what_holds_the_stop(self, tasks: dict[asyncio.Task[None], str],
                                 pending: set[asyncio.Task[None]]) -> None:
        """On stderr, at once: the batches a stop waits for, how long, and how to skip it."""
        holding = [(runner.name, runner.in_flight) for runner, task in zip(
            self._runners, tasks, strict=True) if task in pending and runner.in_flight]
        if not holding:
            return
        what = ", ".join(f"{n} batch{'es' if n > 1 else ''} of {name}" for name, n in holding)
        print(f"newsflow: waiting for {what}, up to {self.settings.shutdown_timeout_s:g} s; "
              "Ctrl-C again to exit now", file=sys.stderr, flush=True)

    async def _stop_stages(self, tasks: dict[asyncio.Task[None], str]) -> None:
        for runner, task in zip(self._runners, tasks, strict=True):
            runner.stop()
            if not runner.health.started and not task.done():
                task.cancel()  # still joining its group: nothing in hand to finish
        pending = [t for t in tasks if not t.done()]
        if pending:
            _, pending_set = await asyncio.wait(pending, timeout=_QUIET_STOP_S)
            self._say_what_holds_the_stop(tasks, pending_set)
            # Each stage drains by the shutdown deadline itself; this is the backstop.
            backstop = self.settings.shutdown_timeout_s + 10
            late = (await asyncio.wait(pending_set, timeout=backstop))[1] if pending_set else set()
            for task in late:
                log.warning("stage did not stop in time; its batch is left uncommitted",
                            extra={"stage": tasks[task]})
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
