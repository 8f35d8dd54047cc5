"""End-to-end benchmark: a feed farm of realistic news through the whole pipeline on the embedded broker.

The farm (newsflow.demo.newsgen) serves 60-150 KB pages around 400-1,200 words of article
text. Prints articles/s, p50/p99 poll→sink latency, peak RSS of the process tree, and the
pipeline efficiency ratio: end-to-end articles/s divided by the CPU limit, where the CPU
limit is the usable cores divided by the per-article CPU seconds of poll, fetch, clean and
enrich, each measured alone on the same kind of pages in the same run, without Kafka, on
every core at once (one measuring process a core, as the pipeline keeps every core busy, and
cores that share a chip run slower side by side than one alone). A ratio near 1 means Kafka,
the runtime and the scheduling cost nothing.

The machine's speed drifts by tens of percent over minutes (other tenants, caches), so the
pipeline and the stages alone take turns (``--turns``, default 4): the feeds are split into
groups, the stages are measured alone on the first pages of a group's feeds, then the group
is registered and the pipeline runs until all its articles have arrived, then the next; once
more after the last. Each turn counts against the mean of the measurements just before and
just after it (``turn_ratios``); ``ratio`` is the articles that arrived over those the CPU
limit allowed in the turns' time. With ``--rate``, the stages are measured once, before. The usable cores are the
machine's less what the farm used while the pipeline ran: it stands in for the news sites,
which run elsewhere in production (``farm_cores_used`` says how much that was).

    python bench/e2e.py --quick                  # about a minute
    python bench/e2e.py --feeds 100 --items 10   # 1,000 articles, all due at once, 4 turns
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
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import orjson
from harness import (
    FarmProcess,
    RssSampler,
    TreeRss,
    log,
    machine_cpu_seconds,
    tree_cpu_seconds,
)
from stages import CPU_PARTS, StageMeter, mean_stages, per_article
from watch import Arrivals, ProcessCpu, SoakWatch, mb

from newsflow.core.kafka import KafkaFactory
from newsflow.core.settings import Settings
from newsflow.pipeline import Pipeline
from newsflow.registry import make_spec, register

#: Articles the stages alone are measured on before the turns, in all (each measurement takes
#: the first pages of the feeds of the turn that follows it); once more after the last turn.
MEASURE_MAX = 600
#: Wait this long without an arrival before giving up on the rest of a turn.
TURN_STALL_S = 90


# --- the whole pipeline ----------------------------------------------------------------------

class Turns:
    """The run's feeds in groups that take turns with measuring the stages alone: a group is
    registered once the one before it has arrived and the stages have been measured on the
    first pages of its feeds, so that the machine's drift falls on both alike."""

    def __init__(self, feed_urls: list[str], count: int, items: int) -> None:
        size = -(-len(feed_urls) // max(1, count))
        self.groups = [feed_urls[i:i + size] for i in range(0, len(feed_urls), size)]
        self.size, self.items = size, items
        self.per_feed = max(1, min(items, -(-MEASURE_MAX // len(self.groups) // size)))
        self.measured: list[dict[str, float]] = []  # before each turn, and once after the last
        #: per turn: wall seconds, this process tree's CPU seconds, the machine's
        self.phases: list[tuple[float, float, float]] = []

    def turn_of(self, url: str) -> int:
        m = re.search(r"/a/([0-9]+)/", url)
        return int(m[1]) // self.size if m else 0

    def sample(self, turn: int) -> list[str]:
        return [f"{u}?first={self.per_feed}" for u in self.groups[min(turn, len(self.groups) - 1)]]

    def expected(self, turn: int) -> int:
        return len(self.groups[turn]) * self.items


async def run_pipeline(settings: Settings, farm: FarmProcess, rate: float | None, expected: int,
                       timeout_s: float, soak: SoakWatch | None, turns: Turns,
                       meter: StageMeter) -> Arrivals:
    pipeline = Pipeline(settings)
    stop = asyncio.Event()
    # All due at once: polled once. With a rate: polled every 1-2 s as articles appear.
    low, high = (1, 2) if rate else (3600, 7200)

    def specs(urls: list[str]) -> list[Any]:
        return [make_spec(u, min_interval_s=low, max_interval_s=high) for u in urls]

    async def add(factory: KafkaFactory) -> None:
        if rate:
            farm.set(rate=rate)  # before the feeds exist, so no poll sees every item at once
            await register(factory, pipeline.topics, specs(turns.groups[0]))

    started = time.monotonic()
    task = asyncio.create_task(pipeline.run(stop, before_stages=add))
    await pipeline.started.wait()
    # The articles come once every stage is ready (the workers have loaded their models), so
    # that neither latency nor throughput counts the start-up.
    for _ in range(1500):  # polled: readiness has no event to wait on
        if pipeline.ready() or task.done():
            break
        await asyncio.sleep(0.2)
    log(f"every stage ready {time.monotonic() - started:.1f} s after the start")
    phase_start = (time.monotonic(), tree_cpu_seconds(os.getpid()), machine_cpu_seconds())
    if rate:
        farm.release()
    factory = KafkaFactory(settings, pipeline.bootstrap)
    from aiokafka import TopicPartition

    topics = pipeline.topics
    names = {topics.links: "links", topics.articles: "articles", topics.dlq: "dlq"}
    # Latency and turns come from the records' own timestamps, so this consumer may wait long
    # between fetches: each fetch costs the broker and this process CPU the pipeline needs.
    consumer = factory.consumer(group_id=None, fetch_max_wait_ms=1000)
    await consumer.start()
    arrivals = Arrivals(expected, turns.turn_of)
    cpu = ProcessCpu(lambda: {**pipeline.child_pids(), "main": [os.getpid()], "farm": [farm.pid]})
    if not rate:
        await register(factory, pipeline.topics, specs(turns.groups[0]))
    deadline = time.monotonic() + timeout_s
    turn, last_arrival = 0, time.monotonic()

    def end_phase() -> None:
        wall, tree, machine = phase_start
        turns.phases.append((time.monotonic() - wall, tree_cpu_seconds(os.getpid()) - tree,
                             machine_cpu_seconds() - machine))

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
                    last_arrival = time.monotonic()
                else:
                    arrivals.counts[names[tp.topic]] += len(records)
            if soak is not None:
                soak.tick(arrivals)
            if time.monotonic() - last_report > 5:
                log(arrivals.progress())
                cpu.sample()
                last_report = time.monotonic()
            done = arrivals.turns.get(turn, [0])[0]
            if turn + 1 < len(turns.groups) and (
                    done >= turns.expected(turn) or time.monotonic() - last_arrival > TURN_STALL_S):
                end_phase()
                cpu.pause()
                log(f"turn {turn + 1}/{len(turns.groups)}: {done} articles; measuring the "
                    f"stages alone before the next")
                turns.measured.append(await meter.measure(turns.sample(turn + 1)))
                cpu.resume()
                turn += 1
                phase_start = (time.monotonic(), tree_cpu_seconds(os.getpid()),
                               machine_cpu_seconds())
                await register(factory, pipeline.topics, specs(turns.groups[turn]))
                last_arrival = time.monotonic()
    finally:
        end_phase()
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
    parser.add_argument("--turns", type=int, default=4,
                        help="groups of feeds that take turns with measuring the stages alone")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--out", type=Path, help="also write the JSON result to this file")
    parser.add_argument("--latencies", type=Path,
                        help="write each article's discovery time and latency parts (JSON lines)")
    args = parser.parse_args(argv)
    if args.quick:
        args.feeds, args.items, args.timeout, args.turns = 16, 8, 90, 2
    if args.soak_minutes and not args.rate:
        args.rate = (0.5, True)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    settings = Settings(metrics_port=0, metrics_host="127.0.0.1", log_level="WARNING",
                        kafka_bootstrap="", shutdown_timeout_s=10,
                        http_allow_networks="127.0.0.0/8", http_host_delay_s=0)
    from newsflow.core.logs import setup_logging

    setup_logging("WARNING", "text")
    with FarmProcess(args.feeds, args.items) as farm, StageMeter(settings, cores) as meter:
        # All due at once, the feeds take turns with measuring the stages alone; with a rate,
        # the stages are measured once, before, to set the rate.
        turns = Turns(farm.feed_urls, 1 if args.rate else args.turns, args.items)
        sample = turns.sample(0)
        log(f"measuring each stage alone (no Kafka) on {turns.per_feed * len(sample)} articles")
        turns.measured.append(meter.measure_now(sample))
        stages = turns.measured[0]
        cpu_limit = cores / per_article(stages)
        log(f"pages: {stages['html_bytes'] / 1024:.0f} KB of HTML, {stages['words']:.0f} words of text")
        log(f"per-article CPU: poll {stages['poll'] * 1e3:.2f} ms, fetch {stages['fetch'] * 1e3:.2f} ms, "
            f"clean {stages['clean'] * 1e3:.2f} ms, enrich {stages['enrich'] * 1e3:.2f} ms "
            f"-> CPU limit {cpu_limit:.1f} articles/s on {cores} cores")
        rate = None
        if args.rate:
            rate = args.rate[0] * cpu_limit if args.rate[1] else args.rate[0]
            if args.soak_minutes:
                farm.set(items=math.ceil(rate * args.soak_minutes * 60 / args.feeds))
                turns.items = farm.items
            # Publishing takes feeds * items / rate; then the backlog must drain.
            args.timeout = max(args.timeout, args.feeds * farm.items / rate + 600)
        expected = args.feeds * farm.items
        log(f"farm: {args.feeds} feeds x {farm.items} items = {expected} articles"
            + (f", published at {rate:.2f}/s" if rate else
               f", all due at once, in {len(turns.groups)} turns of {turns.size} feeds"))
        with RssSampler(skip=meter.pids) as rss:
            soak = SoakWatch(rss) if args.soak_minutes else None
            log("running the whole pipeline on the embedded broker")
            arrivals = asyncio.run(run_pipeline(settings, farm, rate, expected, args.timeout, soak,
                                                turns, meter))
        if not rate:
            log("measuring each stage alone once more, after the last turn")
            turns.measured.append(meter.measure_now(turns.sample(len(turns.groups))))
    wall = sum(w for w, _, _ in turns.phases)
    cores_used = sum(t for _, t, _ in turns.phases) / wall
    # What the rest of the machine took meanwhile: cores this run could not have.
    others = max(0.0, sum(m for _, _, m in turns.phases) / wall - cores_used)
    costs = [per_article(m) for m in turns.measured]
    drift = costs[-1] / costs[0] if len(costs) > 1 else None
    stages = mean_stages(turns.measured)
    cpu_limit = cores / per_article(stages)
    n = len(arrivals.seen)
    farm_cores = arrivals.cpu_by_process.get("farm", 0.0) / wall
    usable = max(1e-9, cores - farm_cores)
    # Each turn against the stages measured just before and just after it.
    turn_results = []
    for t, (count, first, last) in sorted(arrivals.turns.items()):
        cost = statistics.mean(costs[t:t + 2])
        possible = max(1e-9, last - first) * usable / cost
        turn_results.append((count, max(1e-9, last - first), possible))
    if args.latencies:
        with args.latencies.open("wb") as f:
            for discovered, to_fetched, to_enriched in sorted(arrivals.timeline):
                f.write(orjson.dumps({"discovered": round(discovered, 3),
                                      "to_fetched_s": round(to_fetched, 3),
                                      "to_enriched_s": round(to_enriched, 3)}) + b"\n")
    span = sum(t[1] for t in turn_results) or 1e-9
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
        "peak_rss_mb": mb(rss.peak),
        "cpu_limit_articles_per_s": round(cpu_limit, 2),
        "cpu_ms_per_article": {k: round(stages[k] * 1e3, 3) for k in CPU_PARTS},
        # per-article CPU measured after the last turn over that measured before the first
        # (None with a rate)
        "baseline_drift": round(drift, 3) if drift is not None else None,
        "cores": cores,
        "ratio": round(n / sum(t[2] for t in turn_results), 3) if turn_results else 0.0,
        "turns": len(turns.groups),
        "turn_ratios": [round(c / p, 3) for c, _, p in turn_results],
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
            "start_rss_mb": mb(start.total), "end_rss_mb": mb(end_rss.total),
            "start_newsflow_rss_mb": mb(start.newsflow), "end_newsflow_rss_mb": mb(end_rss.newsflow),
            "start_broker_rss_mb": mb(start.broker), "end_broker_rss_mb": mb(end_rss.broker),
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
