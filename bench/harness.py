"""What the benchmarks run around the code they measure: the feed farm in a process of its
own (its CPU is not ours) and the RSS of a process tree (broker and worker processes included).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- the farm ---------------------------------------------------------------------------------

def _serve_farm(options: dict[str, Any], ready: Any, commands: Any, parent: int) -> None:
    from newsflow.core.pdeathsig import die_with_parent
    from newsflow.demo.farm import FeedFarm

    die_with_parent(parent)  # a benchmark killed by a signal leaves no farm behind

    with FeedFarm(**options) as farm:
        ready.put(farm.base_url)
        while (command := commands.get()) != "stop":
            release = command.pop("release", False)
            for name, value in command.items():
                setattr(farm, name, value)
            if release:
                farm.release()


class FarmProcess:
    """:class:`newsflow.demo.farm.FeedFarm` served from a spawned process."""

    def __init__(self, feeds: int, items: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.ready = ctx.Queue()
        self.commands = ctx.Queue()
        options = {"feeds": feeds, "items": items}
        self.proc = ctx.Process(target=_serve_farm, args=(options, self.ready, self.commands, os.getpid()),
                                daemon=True)
        self.feeds, self.items = feeds, items
        self.rate: float | None = None

    def __enter__(self) -> FarmProcess:
        self.proc.start()
        self.base_url: str = self.ready.get(timeout=60)
        return self

    def __exit__(self, *exc: object) -> None:
        self.commands.put("stop")
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()

    def set(self, **values: Any) -> None:
        """Set attributes of the farm (``items``, ``rate``)."""
        self.commands.put(values)
        self.items = values.get("items", self.items)
        self.rate = values.get("rate", self.rate)

    @property
    def pid(self) -> int:
        assert self.proc.pid is not None
        return self.proc.pid

    def release(self) -> None:
        """With a rate: start publishing now (nothing is listed before)."""
        self.commands.put({"release": True})

    @property
    def feed_urls(self) -> list[str]:
        return [f"{self.base_url}/feeds/{f}.xml" for f in range(self.feeds)]


# --- RSS of a process and its descendants -----------------------------------------------------

@dataclass(frozen=True, slots=True)
class TreeRss:
    total: int  # bytes, every process of the tree
    broker: int  # bytes, the embedded broker's processes (it keeps every record in memory)

    @property
    def newsflow(self) -> int:
        return self.total - self.broker


def tree_rss(root: int, skip: Collection[int] = ()) -> TreeRss:
    """RSS of ``root`` and its descendants, less the subtrees of the processes in ``skip``."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    names: dict[int, bytes] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                raw = f.read()
            name, rest = raw.split(b"(", 1)[1].rsplit(b")", 1)
            fields = rest.split()
            pid = int(entry.name)
            children.setdefault(int(fields[1]), []).append(pid)
            rss[pid] = int(fields[21]) * page
            names[pid] = name
        except (OSError, IndexError, ValueError):
            continue
    total = broker = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in skip:
            continue
        total += rss.get(pid, 0)
        if b"tansu" in names.get(pid, b""):
            broker += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return TreeRss(total, broker)


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system) used so far by ``root`` and its descendants, waited-for
    children included; the broker's share too."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    cpu: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            pid = int(entry.name)
            children.setdefault(int(fields[1]), []).append(pid)
            cpu[pid] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total / ticks


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) one process used so far; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU seconds every process of the machine used so far (busy time in /proc/stat)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = (
            int(x) for x in f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """Samples the RSS of this process's tree in a thread: the peak, and the latest sample;
    ``skip`` names processes whose subtrees are not the pipeline's (the measuring process)."""

    def __init__(self, interval_s: float = 0.5,
                 skip: Callable[[], Collection[int]] = lambda: ()) -> None:
        self.interval_s = interval_s
        self.skip = skip
        self.peak = 0
        self.latest = TreeRss(0, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.latest = tree_rss(os.getpid(), self.skip())
            self.peak = max(self.peak, self.latest.total)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
