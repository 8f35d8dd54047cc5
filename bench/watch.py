"""What ``bench/e2e.py`` watches while the pipeline runs: the articles that reach the sink
topic (read back from the broker), the CPU of each process of the tree, and the RSS of a soak."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from harness import RssSampler, TreeRss, log, process_cpu_seconds


class Arrivals:
    """What reached each topic, read back from the broker (not what the stages say they did)."""

    def __init__(self, expected: int, turn_of: Callable[[str], int] = lambda url: 0) -> None:
        self.expected = expected
        self.turn_of = turn_of
        #: per turn: [articles, first discovered, last enriched] (epoch seconds)
        self.turns: dict[int, list[float]] = {}
        self.counts = {"links": 0, "articles": 0, "dlq": 0}
        self.seen: set[str] = set()
        self.latencies: list[float] = []
        self.to_fetched: list[float] = []  # discovered → fetched and cleaned
        self.to_enriched: list[float] = []  # fetched → enriched
        self.timeline: list[tuple[float, float, float]] = []  # (discovered, each part)
        self.words: list[int] = []
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
        self.latencies.append(enriched - discovered)
        self.words.append(len(value["text"].split()))
        turn = self.turns.setdefault(self.turn_of(value["url"]), [0, math.inf, 0.0])
        turn[0] += 1
        turn[1] = min(turn[1], discovered)
        turn[2] = max(turn[2], enriched)

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
            log(f"soak: start RSS {mb(self.start.total)} MB "
                f"(newsflow {mb(self.start.newsflow)} MB, broker {mb(self.start.broker)} MB)")
            self.next_log = now + 60
        elif now >= self.next_log:
            latest = self.rss.latest
            log(f"soak: RSS {mb(latest.total)} MB (newsflow {mb(latest.newsflow)} MB, "
                f"broker {mb(latest.broker)} MB); {len(arrivals.seen)} articles so far")
            self.next_log = now + 60


class ProcessCpu:
    """CPU seconds each part of the tree used from now on, sampled every few seconds: a
    worker that is recycled meanwhile counts up to its last sample."""

    def __init__(self, parts: Callable[[], dict[str, list[int]]]) -> None:
        self.parts = parts
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.left_out: dict[int, float] = {}  # CPU seconds while paused
        self._paused_at: dict[int, float] = {}
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

    def pause(self) -> None:
        """Stop counting (while the stages are measured alone) until :meth:`resume`."""
        self.sample()
        self._paused_at = {pid: seconds for pid, (_, seconds) in self.last.items()}

    def resume(self) -> None:
        self.sample()
        for pid, seconds in self._paused_at.items():
            if pid in self.last:
                self.left_out[pid] = self.left_out.get(pid, 0.0) + self.last[pid][1] - seconds
        self._paused_at = {}

    def used(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, (name, seconds) in self.last.items():
            out[name] = out.get(name, 0.0) + seconds - self.first[pid] - self.left_out.get(pid, 0.0)
        return out


def mb(n: int) -> float:
    return round(n / 2**20, 1)
