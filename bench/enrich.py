"""Enrichment speed: newsflow's enrich step against raw spaCy, same articles, same cores.

Realistic generated articles (``newsflow.demo.newsgen``, 400-1,200 words) go through the
enrich stage's worker pool in batches, as the stage sends them (``NEWSFLOW_ENRICH_BATCH``
articles a batch, ``NEWSFLOW_ENRICH_IN_FLIGHT`` batches side by side, one worker per core):
once through newsflow's enrichment (spaCy, date tagger, corrections, entity linking), once
through the same spaCy pipeline alone (``nlp.pipe``, same components and batching). Both use
the same pool, so the same processes, the same loaded model and the same cores. The two
take turns a slice of articles at a time (``--slice``), in alternating order, so that the
machine's drift over a run falls on both alike; every slice of every round counts.
``ratio`` = newsflow's articles/s over raw spaCy's, and
``cpu_ratio`` = raw spaCy's CPU seconds per article over newsflow's (the pool's processes),
which other load on the machine disturbs less.

    .venv/bin/python bench/enrich.py --quick      # under a minute
    .venv/bin/python bench/enrich.py --articles 1000 --rounds 3

Progress goes to stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from harness import log, tree_cpu_seconds

from newsflow.core.settings import Settings
from newsflow.core.workers import WorkerPool
from newsflow.demo.newsgen import generate
from newsflow.processors import nlp

Item = tuple[str, str | None, str | None, str | None]


def articles(n: int, seed: int) -> list[Item]:
    out: list[Item] = []
    for i in range(n):
        a = generate(seed, i)
        out.append((a.text, a.published.isoformat(), a.title, "en"))
    return out


async def timed(pool: WorkerPool, fn: Callable[[list[Any]], list[Any]], items: Sequence[Item],
                batch: int, in_flight: int) -> tuple[float, float]:
    """Wall and CPU seconds (this process and its workers) to send every item through
    ``fn`` in batches, ``in_flight`` at a time."""
    batches = [list(items[i:i + batch]) for i in range(0, len(items), batch)]
    gate = asyncio.Semaphore(in_flight)

    async def one(chunk: list[Item]) -> None:
        async with gate:
            results = await pool.map_batches(fn, chunk)
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise RuntimeError(f"{len(failed)} articles failed: {failed[0]}")

    cpu0, start = tree_cpu_seconds(os.getpid()), time.perf_counter()
    await asyncio.gather(*(one(b) for b in batches))
    return time.perf_counter() - start, tree_cpu_seconds(os.getpid()) - cpu0


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    workers = settings.workers or cores
    items = articles(args.articles, args.seed)
    words = sum(len(t.split()) for t, *_ in items) / len(items)
    log(f"{len(items)} generated articles, {words:.0f} words on average; "
        f"{workers} workers on {cores} cores, model {settings.enrich_model}")
    pool = WorkerPool("nlp", workers, initializer=nlp.load_model,
                      initargs=(settings.enrich_model,))
    await pool.start()
    try:
        warm = items[:workers * 2]
        await timed(pool, nlp.analyse_batch, warm, settings.enrich_batch, workers)
        await timed(pool, nlp.pipe_only, warm, settings.enrich_batch, workers)
        # Both sides run each slice of the articles back to back, in alternating order, so
        # that the machine drifting (other tenants, caches) over the minutes of a run falls
        # on both alike; the sums over every slice of every round count.
        ours = [0.0, 0.0]
        theirs = [0.0, 0.0]
        sides = [(nlp.pipe_only, theirs), (nlp.analyse_batch, ours)]
        slices = [items[i:i + args.slice] for i in range(0, len(items), args.slice)]
        k = 0
        for r in range(args.rounds):
            done_ours, done_theirs = list(ours), list(theirs)
            for part in slices:
                for fn, total in sides[::1 - 2 * (k % 2)]:
                    wall, cpu = await timed(pool, fn, part, settings.enrich_batch,
                                            settings.enrich_in_flight)
                    total[0] += wall
                    total[1] += cpu
                k += 1
            log(f"round {r + 1}/{args.rounds}: raw spaCy "
                f"{len(items) / (theirs[0] - done_theirs[0]):.1f} articles/s "
                f"({theirs[1] - done_theirs[1]:.1f} CPU s), newsflow "
                f"{len(items) / (ours[0] - done_ours[0]):.1f} articles/s "
                f"({ours[1] - done_ours[1]:.1f} CPU s)")
    finally:
        await pool.close()
    n = len(items) * args.rounds
    rate, base = n / ours[0], n / theirs[0]
    cpu_ours, cpu_theirs = ours[1], theirs[1]
    return {
        "bench": "enrich", "articles": len(items), "words_per_article": round(words),
        "cores": cores, "workers": workers, "model": settings.enrich_model,
        "batch": settings.enrich_batch, "in_flight": settings.enrich_in_flight,
        "rounds": args.rounds, "slice": args.slice, "articles_per_s": round(rate, 2),
        "baseline_articles_per_s": round(base, 2), "ratio": round(rate / base, 3),
        "cpu_s_per_article": round(cpu_ours / n, 4),
        "baseline_cpu_s_per_article": round(cpu_theirs / n, 4),
        # Less sensitive to other load on the machine than the wall-clock ratio.
        "cpu_ratio": round(cpu_theirs / cpu_ours, 3) if cpu_ours else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="32 articles, two rounds")
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--slice", type=int, default=64,
                        help="articles each side runs before the other takes its turn")
    args = parser.parse_args(argv)
    if args.quick:
        args.articles, args.rounds, args.slice = 32, 2, 16
    result = asyncio.run(run(args))
    print(f"newsflow enrichment {result['articles_per_s']} articles/s, raw spaCy "
          f"{result['baseline_articles_per_s']} articles/s on {result['workers']} workers: "
          f"ratio {result['ratio']}")
    print(orjson.dumps(result).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
