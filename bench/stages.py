"""Each stage alone, without Kafka: the CPU seconds per article of poll, fetch, clean and
enrich on the farm's pages, the baseline ``bench/e2e.py`` measures the pipeline against.

The measuring runs in processes of its own (:class:`StageMeter`), one per core, so that the
models they load do not count in the pipeline's RSS and every core is busy, as in the
pipeline; the processes and their models stay for every measurement of a run.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from newsflow.core.http import make_http_client
from newsflow.core.settings import Settings
from newsflow.ingest.cleaner import clean_page
from newsflow.ingest.feeds import parse_feed
from newsflow.ingest.poller import initial_state, new_links
from newsflow.processors import nlp
from newsflow.registry import make_spec
from newsflow.schemas import utcnow

#: The parts of an article's CPU cost, each measured alone.
CPU_PARTS = ("poll", "fetch", "clean", "enrich")


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

    nlp.pipeline(settings.enrich_model)  # loaded by the first measurement of the process
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


def per_article(stages: dict[str, float]) -> float:
    return sum(stages[k] for k in CPU_PARTS)


def mean_stages(measured: list[dict[str, float]]) -> dict[str, float]:
    """The article-weighted mean of several measurements."""
    n = sum(m["articles"] for m in measured)
    out = {k: sum(m[k] * m["articles"] for m in measured) / n for k in measured[0] if k != "articles"}
    out["articles"] = n
    return out


class StageMeter:
    """Measures the stages alone on every core at once, in processes of its own kept for the
    run: one per core, each on its share of the feeds, as the pipeline keeps every core busy
    (cores that share a chip run slower side by side than one alone)."""

    def __init__(self, settings: Settings, processes: int = 1) -> None:
        self.settings = settings
        ctx = multiprocessing.get_context("spawn")
        self._pools = [ProcessPoolExecutor(1, mp_context=ctx) for _ in range(max(1, processes))]

    def pids(self) -> list[int]:
        """The measuring processes (not the pipeline's: their RSS is not counted)."""
        return [pid for pool in self._pools for pid in (pool._processes or ())]

    def measure_now(self, feed_urls: list[str]) -> dict[str, float]:
        shares = [feed_urls[i::len(self._pools)] for i in range(len(self._pools))]
        futures = [pool.submit(_measure_stages_sync, self.settings, share)
                   for pool, share in zip(self._pools, shares, strict=True) if share]
        return mean_stages([f.result() for f in futures])

    async def measure(self, feed_urls: list[str]) -> dict[str, float]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.measure_now, feed_urls)

    def close(self) -> None:
        for pool in self._pools:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> StageMeter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
