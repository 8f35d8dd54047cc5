"""End-to-end benchmark: a local feed farm through the whole pipeline on the embedded broker.

Prints articles/s, p50/p99 ingest→sink latency, peak RSS of the process tree,
and the pipeline efficiency ratio: end-to-end articles/s divided by the CPU
limit, where the CPU limit is the usable cores divided by the per-article CPU
seconds of poll, fetch+clean and enrich, each measured alone on the same
articles in the same run, without Kafka. A ratio near 1 means Kafka, the
runtime and the scheduling cost nothing.

    python bench/e2e.py --quick        # under a minute
    python bench/e2e.py --feeds 300 --items 10

Results go to stdout, the last line being one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

import orjson

from newsflow.core.http import make_http_client
from newsflow.core.kafka import KafkaFactory
from newsflow.core.settings import Settings
from newsflow.ingest.cleaner import clean_page
from newsflow.ingest.feeds import parse_feed
from newsflow.ingest.poller import initial_state, new_links
from newsflow.pipeline import Pipeline
from newsflow.processors import nlp
from newsflow.registry import make_spec, register
from newsflow.schemas import utcnow


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- the farm, in its own process so its CPU is not counted as ours -------------------------

def _serve_farm(feeds: int, items: int, ready: multiprocessing.Queue, stop: multiprocessing.Event
                ) -> None:  # type: ignore[type-arg]
    from newsflow.demo.farm import FeedFarm

    with FeedFarm(feeds=feeds, items=items) as farm:
        ready.put(farm.base_url)
        stop.wait()


class FarmProcess:
    def __init__(self, feeds: int, items: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.ready: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
        self.stop_event = ctx.Event()
        self.proc = ctx.Process(target=_serve_farm, args=(feeds, items, self.ready, self.stop_event),
                                daemon=True)
        self.feeds, self.items = feeds, items

    def __enter__(self) -> FarmProcess:
        self.proc.start()
        self.base_url = self.ready.get(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()

    @property
    def feed_urls(self) -> list[str]:
        return [f"{self.base_url}/feeds/{f}.xml" for f in range(self.feeds)]


# --- peak RSS of this process and all its descendants ---------------------------------------

def _tree_rss_bytes(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            pid = int(entry.name)
            children.setdefault(int(fields[1]), []).append(pid)
            rss[pid] = int(fields[21]) * page
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


class RssSampler:
    def __init__(self, interval_s: float = 0.2) -> None:
        self.interval_s = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak = max(self.peak, _tree_rss_bytes(os.getpid()))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- each stage alone, without Kafka ---------------------------------------------------------

async def measure_stages(settings: Settings, feed_urls: list[str]) -> dict[str, float]:
    """CPU seconds per article of poll, fetch, clean and enrich, each alone, in this process."""
    http = make_http_client(settings)
    try:
        links = []
        cpu = time.process_time()
        for url in feed_urls:
            spec = make_spec(url)
            response = await http.get(url)
            feed = parse_feed(response.body, response.url, response.headers.get("content-type", ""))
            found, _ = new_links(spec, initial_state(spec, settings), feed, utcnow(), None)
            links.extend(found)
        poll_cpu = time.process_time() - cpu

        cpu = time.process_time()
        sem = asyncio.Semaphore(settings.fetch_concurrency)

        async def get(url: str) -> tuple[bytes, str]:
            async with sem:
                r = await http.get(url)
                return r.body, r.url

        pages = await asyncio.gather(*(get(link.url) for link in links))
        fetch_cpu = time.process_time() - cpu
    finally:
        await http.aclose()

    clean_page(*pages[0])  # first-call costs (imports, lazy data) are start-up, not per article
    cpu = time.process_time()
    cleaned = [clean_page(body, url) for body, url in pages]
    clean_cpu = time.process_time() - cpu

    nlp.load_model(settings.enrich_model)
    items = [(c.text, c.date) for c in cleaned]
    nlp.analyse_batch(items[:1])
    cpu = time.process_time()
    for start in range(0, len(items), settings.enrich_batch):
        nlp.analyse_batch(items[start:start + settings.enrich_batch])
    enrich_cpu = time.process_time() - cpu
    n = len(links)
    return {"articles": n, "poll": poll_cpu / n, "fetch": fetch_cpu / n, "clean": clean_cpu / n,
            "enrich": enrich_cpu / n}


def _measure_stages_sync(settings: Settings, feed_urls: list[str]) -> dict[str, float]:
    return asyncio.run(measure_stages(settings, feed_urls))


# --- the whole pipeline ----------------------------------------------------------------------

async def run_pipeline(settings: Settings, feed_urls: list[str], expected: int,
                       timeout_s: float) -> dict[str, float]:
    pipeline = Pipeline(settings)
    stop = asyncio.Event()
    registered_at: list[float] = []

    async def add(factory: KafkaFactory) -> None:
        await register(factory, pipeline.topics,
                       [make_spec(u, min_interval_s=3600, max_interval_s=7200) for u in feed_urls])
        registered_at.append(time.time())

    task = asyncio.create_task(pipeline.run(stop, before_stages=add))
    await pipeline.started.wait()
    factory = KafkaFactory(settings, pipeline.bootstrap)
    from aiokafka import TopicPartition

    consumer = factory.consumer(group_id=None)
    await consumer.start()
    latencies: list[float] = []
    first_discovered = float("inf")
    last_enriched = 0.0
    seen: set[str] = set()
    deadline = time.monotonic() + timeout_s
    try:
        tps = [TopicPartition(pipeline.topics.enriched, p) for p in range(settings.topic_partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        last_report = time.monotonic()
        while len(seen) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    value = orjson.loads(record.value)
                    if value["article_id"] in seen:
                        continue
                    seen.add(value["article_id"])
                    discovered = datetime.fromisoformat(value["discovered_at"]).timestamp()
                    enriched = datetime.fromisoformat(value["enriched_at"]).timestamp()
                    first_discovered = min(first_discovered, discovered)
                    last_enriched = max(last_enriched, enriched)
                    latencies.append(enriched - discovered)
            if time.monotonic() - last_report > 5:
                log(f"pipeline: {len(seen)}/{expected} enriched")
                last_report = time.monotonic()
    finally:
        await consumer.stop()
        stop.set()
        await task
    if len(seen) < expected:
        log(f"warning: only {len(seen)} of {expected} articles arrived within {timeout_s:g}s")
    span = max(1e-9, last_enriched - first_discovered)
    latencies.sort()
    return {
        "articles": len(seen),
        "seconds": span,
        "articles_per_s": len(seen) / span,
        "p50_latency_s": statistics.median(latencies) if latencies else float("nan"),
        "p99_latency_s": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        if latencies else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small farm: under a minute")
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--out", type=Path, help="also write the JSON result to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.feeds, args.items, args.timeout = 16, 8, 45
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    settings = Settings(metrics_port=0, metrics_host="127.0.0.1", log_level="WARNING",
                        kafka_bootstrap="", shutdown_timeout_s=10)
    from newsflow.core.logs import setup_logging

    setup_logging("WARNING", "text")
    expected = args.feeds * args.items
    log(f"farm: {args.feeds} feeds x {args.items} items = {expected} articles; {cores} usable cores")
    with FarmProcess(args.feeds, args.items) as farm:
        log("measuring each stage alone (no Kafka)")
        # In a process of its own, so the models it loads do not count in the pipeline's RSS.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as ex:
            stages = ex.submit(_measure_stages_sync, settings, farm.feed_urls).result()
        per_article = stages["poll"] + stages["fetch"] + stages["clean"] + stages["enrich"]
        cpu_limit = cores / per_article
        log(f"per-article CPU: poll {stages['poll'] * 1e3:.2f} ms, fetch {stages['fetch'] * 1e3:.2f} ms, "
            f"clean {stages['clean'] * 1e3:.2f} ms, enrich {stages['enrich'] * 1e3:.2f} ms "
            f"-> CPU limit {cpu_limit:.1f} articles/s")
        log("running the whole pipeline on the embedded broker")
        with RssSampler() as rss:
            e2e = asyncio.run(run_pipeline(settings, farm.feed_urls, expected, args.timeout))
    result = {
        "articles": e2e["articles"],
        "articles_per_s": round(e2e["articles_per_s"], 2),
        "p50_latency_s": round(e2e["p50_latency_s"], 3),
        "p99_latency_s": round(e2e["p99_latency_s"], 3),
        "peak_rss_mb": round(rss.peak / 2**20, 1),
        "cpu_limit_articles_per_s": round(cpu_limit, 2),
        "cpu_ms_per_article": {k: round(stages[k] * 1e3, 3)
                               for k in ("poll", "fetch", "clean", "enrich")},
        "cores": cores,
        "ratio": round(e2e["articles_per_s"] / cpu_limit, 3),
    }
    print(f"articles/s      {result['articles_per_s']}")
    print(f"latency p50/p99 {result['p50_latency_s']} s / {result['p99_latency_s']} s "
          "(ingest→sink; every feed is due at start, so this includes the backlog)")
    print(f"peak RSS        {result['peak_rss_mb']} MB (process tree: broker and workers included)")
    print(f"CPU limit       {result['cpu_limit_articles_per_s']} articles/s on {cores} cores")
    print(f"ratio           {result['ratio']} (end-to-end / CPU limit)")
    line = orjson.dumps(result).decode()
    if args.out:
        args.out.write_text(line + "\n")
    print(line)
    return 0 if e2e["articles"] == expected else 1


if __name__ == "__main__":
    raise SystemExit(main())
