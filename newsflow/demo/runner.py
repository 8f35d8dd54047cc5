"""``newsflow demo``: the whole pipeline on the embedded broker and the bundled news site.

Enriched articles are printed as they arrive on the sink topic; ``--limit N``
exits after N of them (after all of the site's, when it has fewer).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TextIO

import orjson

from newsflow.core.kafka import KafkaFactory
from newsflow.core.settings import Settings
from newsflow.core.table import follow
from newsflow.output import article_summary
from newsflow.pipeline import Pipeline
from newsflow.registry import make_spec, register

from .site import DemoSite

log = logging.getLogger(__name__)

#: The demo site is served on loopback, which the address guard refuses unless allowed.
LOOPBACK = "127.0.0.0/8"


async def follow_sink(factory: KafkaFactory, topic: str, *, from_start: bool, limit: int | None,
                      as_json: bool, out: TextIO, stop: asyncio.Event) -> int:
    """Print each enriched article of ``topic``; returns how many were printed."""
    printed = 0
    async for record in follow(factory, topic, from_beginning=from_start, stop=stop):
        if record.value is None:
            continue
        if as_json:
            out.write(record.value.decode("utf-8") + "\n")
        else:
            out.write(article_summary(orjson.loads(record.value)) + "\n")
        out.flush()
        printed += 1
        if limit is not None and printed >= limit:
            break
    return printed


def demo_settings(settings: Settings) -> Settings:
    """The settings with the demo site's loopback range allowed (and no delay on our own site)."""
    allow = ",".join(n for n in (settings.http_allow_networks, LOOPBACK) if n.strip())
    return settings.model_copy(update={"http_allow_networks": allow, "http_host_delay_s": 0.0})


async def run_demo(settings: Settings, *, as_json: bool, limit: int | None,
                   stop: asyncio.Event, pipeline_box: list[Pipeline] | None = None) -> int:
    settings = demo_settings(settings)
    with DemoSite() as site:
        print(f"newsflow demo: news site on {site.base_url}, feeds: {', '.join(site.feed_urls)}",
              file=sys.stderr)
        if limit is not None and limit > site.article_count and settings.embedded:
            print(f"newsflow demo: the demo site has {site.article_count} articles; "
                  f"stopping once all {site.article_count} are enriched", file=sys.stderr)
            limit = site.article_count
        pipeline = Pipeline(settings)
        if pipeline_box is not None:
            pipeline_box.append(pipeline)

        async def add_feeds(factory: KafkaFactory) -> None:
            specs = [make_spec(url, tags=["demo"], min_interval_s=30, max_interval_s=120)
                     for url in site.feed_urls]
            await register(factory, pipeline.topics, specs)

        pipe_stop = asyncio.Event()
        runner = asyncio.create_task(pipeline.run(pipe_stop, before_stages=add_feeds))
        started = asyncio.create_task(pipeline.started.wait())
        await asyncio.wait([runner, started], return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            started.cancel()
            await runner  # raises the start-up error
            return 0
        print(f"newsflow demo: pipeline running on {pipeline.bootstrap}; "
              f"metrics on http://127.0.0.1:{pipeline.ops.port if pipeline.ops else '?'}/metrics; "
              "waiting for enriched articles (Ctrl-C stops)", file=sys.stderr)
        factory = KafkaFactory(settings, pipeline.bootstrap)
        sink = asyncio.create_task(follow_sink(
            factory, pipeline.topics.enriched, from_start=settings.embedded, limit=limit,
            as_json=as_json, out=sys.stdout, stop=stop,
        ))
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait([sink, runner, stopper], return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        stop.set()
        pipe_stop.set()
        printed = await sink
        await runner
        print(f"newsflow demo: {printed} enriched article(s) printed", file=sys.stderr)
        return printed
