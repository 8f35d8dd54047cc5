"""End-to-end benchmark: a feed farm of realistic news through the whole pipeline on the embedded broker.

The farm (newsflow.demo.newsgen) serves 60-150 KB pages around 400-1,200 words of article
text. Prints articles/s, p50/p99 poll→sink latency, peak RSS of the process tree, and the
pipeline efficiency ratio: end-to-end articles/s divided by the CPU limit, where the CPU
limit is the usable cores divided by the per-article CPU seconds of poll, fetch, clean and
enrich, each measured alone on the same pages in the same run, without Kafka (before and
after the pipeline runs, and the mean of both counts, so drift of the machine cancels out; with
``--rate``, before only). A ratio near
1 means Kafka, the runtime and the scheduling cost nothing. The usable cores are the
machine's less what the farm used while the pipeline ran: it stands in for the news sites,
which run elsewhere in production (``farm_cores_used`` says how much that was).

    python bench/e2e.py --quick                  # about a minute
    python bench/e2e.py --feeds 100 --items 10   # 1,000 articles, all due at once
    python bench/e2e.py --rate 0.5x              # published at half the CPU limit: latency
    python bench/e2e.py --soak-minutes 60        # RSS of the process tree at start and end

With ``--rate`` the farm publishes that many articles a second (``0.5x``: half the CPU
limit measured in the run) and the feeds are polled every 1-2 s, so latency is not the
backlog of everything being due at once. Results go to stdout, the last line being one JSON
object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from harness import (
    FarmProcess,
    RssSampler,
    TreeRss,
    log,
    machine_cpu_seconds,
    process_cpu_seconds,
    tree_cpu_seconds,
)

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

MEASURE_MAX = 600  # articles measured stage by stage (the first ones the pipeline will see)
CPU_PARTS = ("poll", "fetch", "clean", "enrich")


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
        sem = asyncio.Semaphore(settings.http_concurrency)

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
            "enrich": enrich_cpu / n, "html_bytes": sum(len(b) for b, _ in pages) / n,
            "words": sum(len(c.text.split()) for c in cleaned) / n}


def _measure_stages_sync(settings: Settings, feed_urls: list[str]) -> dict[str, float]:
    return asyncio.run(measure_stages(settings, feed_urls))


# --- the whole pipeline ----------------------------------------------------------------------

class Arrivals:
    """What reached each topic, read back from the broker (not what the stages say they did)."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.counts = {"links": 0, "articles": 0, "dlq": 0}
        self.seen: set[str] = set()
        self.latencies: list[float] = []
        self.to_fetched: list[float] = []  # discovered → fetched and cleaned
        self.to_enriched: list[float] = []  # fetched → enriched
        self.timeline: list[tuple[float, float, float]] = []  # (discovered, each part)
        self.words: list[int] = []
        self.first_discovered = math.inf
        self.last_enriched = 0.0
        self.first_arrival: float | None = None  # monotonic
        #: CPU seconds each part of the process tree used while the pipeline ran
        self.cpu_by_process: dict[str, float] = {}

    def enriched(self, value: dict[str, Any]) -> None:
        if value["article_id"] in self.seen:
            return
        self.seen.add(value["article_id"])
        if self.first_arrival is None:
            self.first_arrival = time.monotonic()
        discovered = datetime.fromisoformat(value["discovered_at"]).timestamp()
        enriched = datetime.fromisoformat(value["enriched_at"]).timestamp()
        fetched = datetime.fromisoformat(value["fetched_at"]).timestamp()
        self.to_fetched.append(fetched - discovered)
        self.timeline.append((discovered, fetched - discovered, enriched - fetched))
        self.to_enriched.append(enriched - fetched)
        self.first_discovered = min(self.first_discovered, discovered)
        self.last_enriched = max(self.last_enriched, enriched)
        self.latencies.append(enriched - discovered)
        self.words.append(len(value["text"].split()))

    def progress(self) -> str:
        c = self.counts
        return (f"arrived: {c['links']} links, {c['articles']} articles, "
                f"{len(self.seen)}/{self.expected} enriched, {c['dlq']} dead letters")


class SoakWatch:
    """RSS of the process tree a minute after the first article arrived, then every minute."""

    def __init__(self, rss: RssSampler) -> None:
        self.rss = rss
        self.start: TreeRss | None = None
        self.end = TreeRss(0, 0)  # the last sample before the pipeline stops
        self.next_log = 0.0

    def tick(self, arrivals: Arrivals) -> None:
        now = time.monotonic()
        if arrivals.first_arrival is None or now - arrivals.first_arrival < 60:
            return
        if self.start is None:
            self.start = self.rss.latest
            log(f"soak: start RSS {_mb(self.start.total)} MB "
                f"(newsflow {_mb(self.start.newsflow)} MB, broker {_mb(self.start.broker)} MB)")
            self.next_log = now + 60
        elif now >= self.next_log:
            latest = self.rss.latest
            log(f"soak: RSS {_mb(latest.total)} MB (newsflow {_mb(latest.newsflow)} MB, "
                f"broker {_mb(latest.broker)} MB); {len(arrivals.seen)} articles so far")
            self.next_log = now + 60


async def run_pipeline(settings: Settings, farm: FarmProcess, rate: float | None, expected: int,
                       timeout_s: float, soak: SoakWatch | None) -> Arrivals:
    pipeline = Pipeline(settings)
    stop = asyncio.Event()
    # All due at once: polled once. With a rate: polled every 1-2 s as articles appear.
    low, high = (1, 2) if rate else (3600, 7200)

    async def add(factory: KafkaFactory) -> None:
        if rate:
            farm.set(rate=rate)  # before the feeds exist, so no poll sees every item at once
        await register(factory, pipeline.topics,
                       [make_spec(u, min_interval_s=low, max_interval_s=high) for u in farm.feed_urls])

    task = asyncio.create_task(pipeline.run(stop, before_stages=add))
    await pipeline.started.wait()
    if rate:
        # Publishing starts once every stage is ready, so latency is not the start-up's backlog.
        for _ in range(1500):  # polled: readiness has no event to wait on
            if pipeline.ready() or task.done():
                break
            await asyncio.sleep(0.2)
        farm.release()
    factory = KafkaFactory(settings, pipeline.bootstrap)
    from aiokafka import TopicPartition

    topics = pipeline.topics
    names = {topics.links: "links", topics.articles: "articles", topics.dlq: "dlq"}
    consumer = factory.consumer(group_id=None)
    await consumer.start()
    arrivals = Arrivals(expected)
    cpu = ProcessCpu(lambda: {**pipeline.child_pids(), "main": [os.getpid()], "farm": [farm.pid]})
    deadline = time.monotonic() + timeout_s
    try:
        tps = [TopicPartition(t, p) for t in (topics.enriched, *names)
               for p in range(settings.topic_partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        last_report = time.monotonic()
        while len(arrivals.seen) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                if tp.topic == topics.enriched:
                    for record in records:
                        arrivals.enriched(orjson.loads(record.value))
                else:
                    arrivals.counts[names[tp.topic]] += len(records)
            if soak is not None:
                soak.tick(arrivals)
            if time.monotonic() - last_report > 5:
                log(arrivals.progress())
                cpu.sample()
                last_report = time.monotonic()
    finally:
        cpu.sample()
        arrivals.cpu_by_process = cpu.used()
        if soak is not None:
            soak.end = soak.rss.latest
        await consumer.stop()
        stop.set()
        await task
    log(arrivals.progress())
    if len(arrivals.seen) < expected:
        log(f"warning: only {len(arrivals.seen)} of {expected} articles arrived within {timeout_s:g}s")
    return arrivals


class ProcessCpu:
    """CPU seconds each part of the tree used from now on, sampled every few seconds: a
    worker that is recycled meanwhile counts up to its last sample."""

    def __init__(self, parts: Callable[[], dict[str, list[int]]]) -> None:
        self.parts = parts
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self._begun = False
        self.sample()
        self._begun = True

    def sample(self) -> None:
        for name, pids in self.parts().items():
            for pid in pids:
                seconds = process_cpu_seconds(pid)
                if pid not in self.first:  # a worker started since counts from its start
                    self.first[pid] = 0.0 if self._begun else seconds
                if seconds:
                    self.last[pid] = (name, seconds)

    def used(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, (name, seconds) in self.last.items():
            out[name] = out.get(name, 0.0) + seconds - self.first[pid]
        return out


def _mb(n: int) -> float:
    return round(n / 2**20, 1)


def _rate(value: str) -> tuple[float, bool]:
    """``5`` (articles/s) or ``0.5x`` (a fraction of the CPU limit)."""
    try:
        return (float(value[:-1]), True) if value.endswith("x") else (float(value), False)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a rate: {value!r} (e.g. 4 or 0.5x)") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small farm: about a minute")
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=10, help="articles per feed")
    parser.add_argument("--rate", type=_rate, help="articles/s the farm publishes (or 0.5x)")
    parser.add_argument("--soak-minutes", type=float, help="publish for this long (default rate 0.5x)")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--out", type=Path, help="also write the JSON result to this file")
    parser.add_argument("--latencies", type=Path,
                        help="write each article's discovery time and latency parts (JSON lines)")
    args = parser.parse_args(argv)
    if args.quick:
        args.feeds, args.items, args.timeout = 16, 8, 90
    if args.soak_minutes and not args.rate:
        args.rate = (0.5, True)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    settings = Settings(metrics_port=0, metrics_host="127.0.0.1", log_level="WARNING",
                        kafka_bootstrap="", shutdown_timeout_s=10,
                        http_allow_networks="127.0.0.0/8", http_host_delay_s=0)
    from newsflow.core.logs import setup_logging

    setup_logging("WARNING", "text")
    ctx = multiprocessing.get_context("spawn")
    with FarmProcess(args.feeds, args.items) as farm:
        # Measured in a process of its own, so the models it loads do not count in the
        # pipeline's RSS; on the first pages of each feed, which the pipeline will see first.
        per_feed = max(1, min(args.items, MEASURE_MAX // args.feeds))

        def measure(when: str) -> dict[str, float]:
            log(f"measuring each stage alone (no Kafka) on {per_feed * args.feeds} articles, {when}")
            with ProcessPoolExecutor(1, mp_context=ctx) as ex:
                return ex.submit(_measure_stages_sync, settings,
                                 [f"{u}?first={per_feed}" for u in farm.feed_urls]).result()

        stages = before = measure("before the pipeline")
        per_article = stages["poll"] + stages["fetch"] + stages["clean"] + stages["enrich"]
        cpu_limit = cores / per_article
        log(f"pages: {stages['html_bytes'] / 1024:.0f} KB of HTML, {stages['words']:.0f} words of text")
        log(f"per-article CPU: poll {stages['poll'] * 1e3:.2f} ms, fetch {stages['fetch'] * 1e3:.2f} ms, "
            f"clean {stages['clean'] * 1e3:.2f} ms, enrich {stages['enrich'] * 1e3:.2f} ms "
            f"-> CPU limit {cpu_limit:.1f} articles/s on {cores} cores")
        rate = None
        if args.rate:
            rate = args.rate[0] * cpu_limit if args.rate[1] else args.rate[0]
            if args.soak_minutes:
                farm.set(items=math.ceil(rate * args.soak_minutes * 60 / args.feeds))
            # Publishing takes feeds * items / rate; then the backlog must drain.
            args.timeout = max(args.timeout, args.feeds * farm.items / rate + 600)
        expected = args.feeds * farm.items
        log(f"farm: {args.feeds} feeds x {farm.items} items = {expected} articles"
            + (f", published at {rate:.2f}/s" if rate else ", all due at once"))
        with RssSampler() as rss:
            soak = SoakWatch(rss) if args.soak_minutes else None
            log("running the whole pipeline on the embedded broker")
            cpu0, wall0 = tree_cpu_seconds(os.getpid()), time.monotonic()
            machine0 = machine_cpu_seconds()
            arrivals = asyncio.run(run_pipeline(settings, farm, rate, expected, args.timeout, soak))
            wall = time.monotonic() - wall0
            cores_used = (tree_cpu_seconds(os.getpid()) - cpu0) / wall
            # What the rest of the machine took meanwhile: cores this run could not have.
            others = max(0.0, (machine_cpu_seconds() - machine0) / wall - cores_used)
        drift = None
        if not rate:
            # Measured again after the run, and the mean of both counts, so that the machine
            # drifting (other tenants, caches) between the two measurements cancels out.
            after = measure("after the pipeline")
            stages = {k: (before[k] + after[k]) / 2 for k in before}
            drift = sum(after[k] for k in CPU_PARTS) / sum(before[k] for k in CPU_PARTS)
            per_article = sum(stages[k] for k in CPU_PARTS)
            cpu_limit = cores / per_article
            log(f"per-article CPU after: {sum(after[k] for k in CPU_PARTS) * 1e3:.1f} ms against "
                f"{sum(before[k] for k in CPU_PARTS) * 1e3:.1f} ms before; the mean counts")
    n = len(arrivals.seen)
    farm_cores = arrivals.cpu_by_process.get("farm", 0.0) / wall
    usable_limit = max(1e-9, cores - farm_cores) / per_article
    if args.latencies:
        with args.latencies.open("wb") as f:
            for discovered, to_fetched, to_enriched in sorted(arrivals.timeline):
                f.write(orjson.dumps({"discovered": round(discovered, 3),
                                      "to_fetched_s": round(to_fetched, 3),
                                      "to_enriched_s": round(to_enriched, 3)}) + b"\n")
    span = max(1e-9, arrivals.last_enriched - arrivals.first_discovered)
    lat = sorted(arrivals.latencies) or [float("nan")]

    def p99(values: list[float]) -> float:
        values = sorted(values) or [float("nan")]
        return round(values[min(len(values) - 1, int(len(values) * 0.99))], 3)

    result: dict[str, Any] = {
        "articles": n,
        "articles_per_s": round(n / span, 2),
        "p50_latency_s": round(statistics.median(lat), 3),
        "p99_latency_s": p99(lat),
        # where the time goes: poll → fetched and cleaned, then → enriched
        "p99_to_fetched_s": p99(arrivals.to_fetched),
        "p99_fetched_to_enriched_s": p99(arrivals.to_enriched),
        "peak_rss_mb": _mb(rss.peak),
        "cpu_limit_articles_per_s": round(cpu_limit, 2),
        "cpu_ms_per_article": {k: round(stages[k] * 1e3, 3) for k in CPU_PARTS},
        # per-article CPU measured after the run over that measured before (None with a rate)
        "baseline_drift": round(drift, 3) if drift is not None else None,
        "cores": cores,
        "ratio": round(n / span / usable_limit, 3),
        "farm_cores_used": round(farm_cores, 3),
        "words_per_article": round(statistics.mean(arrivals.words), 1) if arrivals.words else 0,
        "html_kb_per_page": round(stages["html_bytes"] / 1024, 1),
        "dead_letters": arrivals.counts["dlq"],
        # Average cores the pipeline's process tree used from start to stop (start-up and
        # shutdown included): well under ``cores`` means it waited, or others used the machine.
        "cores_used": round(cores_used, 2),
        # CPU ms per article of each part of the tree while the pipeline ran: the main
        # process (event loop, Kafka clients, HTTP), each worker pool, the broker, the farm.
        "pipeline_cpu_ms_per_article": {name: round(cpu * 1e3 / max(1, n), 2)
                                        for name, cpu in arrivals.cpu_by_process.items()},
        # Average cores other processes of the machine used meanwhile (0 on a quiet machine).
        "other_cores_used": round(others, 2),
    }
    if rate:
        result["offered_rate_per_s"] = round(rate, 2)
    if soak is not None:
        start, end_rss = soak.start or TreeRss(0, 0), soak.end
        result["soak"] = {
            "minutes": args.soak_minutes,
            "start_rss_mb": _mb(start.total), "end_rss_mb": _mb(end_rss.total),
            "start_newsflow_rss_mb": _mb(start.newsflow), "end_newsflow_rss_mb": _mb(end_rss.newsflow),
            "start_broker_rss_mb": _mb(start.broker), "end_broker_rss_mb": _mb(end_rss.broker),
            "newsflow_growth_pct": round(100 * (end_rss.newsflow / start.newsflow - 1), 1)
            if start.newsflow else None,
        }
    print(f"articles/s      {result['articles_per_s']}"
          + (f" (offered {result['offered_rate_per_s']}/s)" if rate else ""))
    print(f"latency p50/p99 {result['p50_latency_s']} s / {result['p99_latency_s']} s (poll→sink"
          + ("" if rate else "; every feed is due at start, so this includes the backlog") + ")")
    print(f"p99 parts       {result['p99_to_fetched_s']} s poll→fetched, "
          f"{result['p99_fetched_to_enriched_s']} s fetched→enriched")
    print(f"peak RSS        {result['peak_rss_mb']} MB (process tree: broker and workers included)")
    print(f"pages           {result['html_kb_per_page']} KB of HTML, "
          f"{result['words_per_article']} words of text")
    print(f"CPU limit       {result['cpu_limit_articles_per_s']} articles/s on {cores} cores "
          f"(the pipeline used {result['cores_used']} on average, "
          f"other processes {result['other_cores_used']})")
    print(f"ratio           {result['ratio']} (end-to-end / CPU limit on the cores the farm "
          f"left, {cores - farm_cores:.2f}"
          + ("; bounded by the offered rate)" if rate else ")"))
    if soak is not None:
        s = result["soak"]
        print(f"soak            {args.soak_minutes:g} min: newsflow RSS {s['start_newsflow_rss_mb']} → "
              f"{s['end_newsflow_rss_mb']} MB ({s['newsflow_growth_pct']} %), broker "
              f"{s['start_broker_rss_mb']} → {s['end_broker_rss_mb']} MB (it keeps every record)")
    line = orjson.dumps(result).decode()
    if args.out:
        args.out.write_text(line + "\n")
    print(line)
    return 0 if n == expected else 1


if __name__ == "__main__":
    sys.exit(main())
