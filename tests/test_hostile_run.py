"""A whole ``newsflow run`` against hostile hosts: memory stays bounded and nothing gets in.

Beside a farm of good articles, sixteen hosts (127.0.1.1-16) serve 32 gzip bombs, a
trickling page, a 100 MiB page without a length, a billion-laughs feed and an XXE feed
(whose entity names a canary file). The peak resident memory of newsflow's whole process
tree is sampled from ``/proc`` and compared with a run on the good feed alone.

Long: behind ``NEWSFLOW_SLOW_TESTS=1``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import orjson
import pytest

from newsflow.core.kafka import KafkaFactory
from newsflow.core.settings import Settings
from newsflow.core.topics import Topics
from newsflow.demo.farm import FeedFarm
from newsflow.registry import feed_states
from newsflow.schemas import feed_id

from support.cli import env_of, newsflow
from support.kafka import read_all
from support.rawhttp import Request, Server, respond, serve

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

HOSTS = [f"127.0.1.{i}" for i in range(1, 17)]
CANARY = "CANARY-hostile-run-5e1d"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def gzip_bomb(mib: int = 256) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1 << 20)
    return b"".join(c.compress(zeros) for _ in range(mib)) + c.flush()


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every process below it."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as statm:
                rss[int(entry)] = int(statm.read().split()[1]) * PAGE_SIZE
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(rss.get(pid, 0) for pid in tree)


@asynccontextmanager
async def hostile_hosts(canary: Path) -> AsyncIterator[list[str]]:
    """The hostile feeds' URLs; their hosts serve bombs, a trickle, a huge page, bad XML."""
    bomb = gzip_bomb()
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))

    async def bomb_page(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        await respond(writer, 200, bomb, {"Content-Encoding": "gzip", "Content-Type": "text/html"})

    async def trickle(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n"
                     b"Connection: close\r\n\r\n<html>")
        for _ in range(600):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.5)

    async def huge(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked"
                     b"\r\nConnection: close\r\n\r\n")
        chunk = b"<p>" + b"x" * 65532
        for _ in range(1600):  # 100 MiB, no length
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    def xml(body: str) -> Callable[[Server, Request, asyncio.StreamWriter], object]:
        async def route(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
            await respond(writer, 200, body.encode(), {"Content-Type": "application/rss+xml"})
        return route

    async with AsyncExitStack() as stack:
        servers = [await stack.enter_async_context(serve({"/bomb/*": bomb_page}, host))
                   for host in HOSTS]
        item = "<item><title>{0}</title><link>{0}</link></item>"
        bombs = [s.url(f"/bomb/{n}.html") for s in servers for n in range(2)]
        odd = await stack.enter_async_context(serve({"/trickle.html": trickle,
                                                     "/huge.html": huge}, HOSTS[0]))
        pages = bombs + [odd.url("/trickle.html"), odd.url("/huge.html")]
        channel = '<rss version="2.0"><channel><title>{}</title>{}</channel></rss>'
        feeds = {
            "/bombs.xml": channel.format("bombs", "".join(item.format(u) for u in pages)),
            "/laughs.xml": f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{laughs}]>'
                           + channel.format("&l9;", item.format("https://example.com/x")),
            "/xxe.xml": f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{canary}"'
                        f">]>" + channel.format("&x;", item.format("https://example.com/&x;")),
        }
        feed_server = await stack.enter_async_context(
            serve({path: xml(body) for path, body in feeds.items()}, HOSTS[1]))
        yield [feed_server.url(path) for path in feeds]


async def run_until(settings: Settings, feeds: list[str], log: Path, good: int,
                    dead: int) -> tuple[int, list, list]:
    """Run newsflow on ``feeds`` until ``good`` articles and ``dead`` letters are out."""
    topics = Topics.from_settings(settings)
    factory = KafkaFactory(settings, settings.kafka_bootstrap)
    listing = log.with_suffix(".feeds")
    listing.write_text("\n".join(feeds) + "\n")
    with log.open("wb") as out:
        run = await asyncio.create_subprocess_exec(
            *newsflow("run", "--feeds", str(listing)),
            env=env_of(settings, NEWSFLOW_METRICS_PORT="0", NEWSFLOW_HTTP_TIMEOUT_S="5",
                       NEWSFLOW_HTTP_ALLOW_NETWORKS="127.0.0.0/8", NEWSFLOW_LOG_FORMAT="json"),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    peak = 0
    enriched: list = []
    dlq: list = []
    try:
        deadline = time.monotonic() + 300
        last_read = 0.0
        while time.monotonic() < deadline:
            assert run.returncode is None, f"newsflow run exited early: see {log}"
            peak = max(peak, tree_rss(run.pid))
            if time.monotonic() - last_read > 1:
                last_read = time.monotonic()
                try:
                    enriched = await read_all(factory, topics.enriched)
                    dlq = await read_all(factory, topics.dlq)
                except Exception:  # the topics are not there yet
                    pass
                if len(enriched) >= good and len(dlq) >= dead:
                    break
            await asyncio.sleep(0.1)
    finally:
        if run.returncode is None:
            os.killpg(run.pid, signal.SIGTERM)
        await asyncio.wait_for(run.wait(), 60)
    return peak, enriched, dlq


async def test_hostile_hosts_cost_bounded_memory_and_get_nothing_in(
    make_settings: Callable[..., Settings], tmp_path: Path,
) -> None:
    canary = tmp_path / "canary.txt"
    canary.write_text(CANARY)
    with FeedFarm(feeds=1, items=6) as farm:
        good, good_pages = farm.feed_urls, set(farm.article_urls())
        baseline_settings = make_settings()
        baseline, base_articles, _ = await run_until(baseline_settings, good,
                                                     tmp_path / "good.log", 6, 0)
        async with hostile_hosts(canary) as hostile:
            settings = make_settings()
            peak, articles, dlq = await run_until(settings, good + hostile,
                                                  tmp_path / "hostile.log", 6, 34)
            factory = KafkaFactory(settings, settings.kafka_bootstrap)
            states = await feed_states(factory, Topics.from_settings(settings),
                                       settings.topic_partitions)
    reasons = Counter(dict(r.headers)["dlq.reason"].decode() for r in dlq)
    figures = (f"peak RSS of the process tree: good feed alone {baseline / 2**20:.0f} MiB, "
               f"with the hostile hosts {peak / 2**20:.0f} MiB "
               f"(+{(peak - baseline) / 2**20:.0f} MiB); dead letters {dict(reasons)}")
    print(figures)
    assert len(base_articles) == 6
    assert {orjson.loads(r.value)["url"] for r in articles} == good_pages, "only good ones"
    assert reasons == {"too_large": 33, "timeout": 1}, figures
    for url in good + hostile:
        state = states[feed_id(url)]
        if "laughs" in url or "xxe" in url:
            assert state.last_result == "error" and "entity declarations" in (state.last_error
                                                                             or "")
    everything = (tmp_path / "hostile.log").read_text() + str([r.value for r in dlq])
    everything += str([s.model_dump() for s in states.values()])
    assert CANARY not in everything
    assert peak - baseline < 400 * 2**20, figures
