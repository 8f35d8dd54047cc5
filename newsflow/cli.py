"""The ``newsflow`` command line.

Results go to stdout, logs and progress to stderr. Settings come from
``NEWSFLOW_*`` environment variables and an optional TOML file (``--config``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from pydantic import ValidationError

from newsflow.core.broker import BrokerUnavailable
from newsflow.core.kafka import KafkaFactory
from newsflow.core.logs import setup_logging
from newsflow.core.settings import Settings, load_settings
from newsflow.core.topics import TopicLayoutError, Topics, check_layout, describe_partitions
from newsflow.output import article_summary, record_json

log = logging.getLogger("newsflow")

EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A failure to report in one line, with an exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _signals(stop: asyncio.Event, on_second: Callable[[], None]) -> None:
    """SIGINT/SIGTERM stop gracefully; a second SIGINT exits at once."""
    loop = asyncio.get_running_loop()

    def handle(signum: int) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            print("newsflow: second interrupt, exiting now", file=sys.stderr)
            on_second()
            os._exit(EXIT_INTERRUPTED)
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, handle, signum)


def _external(settings: Settings) -> KafkaFactory:
    if settings.embedded:
        raise CliError(
            "no Kafka configured: set NEWSFLOW_KAFKA_BOOTSTRAP=host:port (the embedded broker "
            "lives inside `newsflow run`/`newsflow demo`; they log its address)", EXIT_CONFIG)
    return KafkaFactory(settings, settings.kafka_bootstrap)


# --- commands ---------------------------------------------------------------------------------

async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.demo.runner import run_demo

    if "metrics_port" not in settings.model_fields_set and "NEWSFLOW_METRICS_PORT" not in os.environ:
        settings = settings.model_copy(update={"metrics_port": 0})  # a free port: never collide
    stop = asyncio.Event()
    box: list[Any] = []
    def kill() -> None:
        for pipeline in box:
            pipeline.kill()

    _signals(stop, kill)
    await run_demo(settings, as_json=args.json, limit=args.limit, stop=stop, pipeline_box=box)
    return 0


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.pipeline import Pipeline
    from newsflow.registry import make_spec, read_feed_list, register

    urls = read_feed_list(args.feeds) if args.feeds else []
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    pipeline = Pipeline(settings, stages)
    stop = asyncio.Event()
    _signals(stop, pipeline.kill)

    async def add_feeds(factory: KafkaFactory) -> None:
        if urls:
            added = await register(factory, pipeline.topics, [make_spec(u) for u in urls])
            print(f"newsflow: {len(added)} feed(s) registered, {len(urls) - len(added)} known",
                  file=sys.stderr)

    await pipeline.run(stop, before_stages=add_feeds)
    return 0


async def cmd_feeds(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.core.topics import partition_count, prepare_topics
    from newsflow.registry import (
        feed_states,
        make_spec,
        read_feed_list,
        register,
        registered,
        unregister,
    )

    factory = _external(settings)
    topics = Topics.from_settings(settings)
    if args.feeds_cmd in ("add", "import"):
        urls = args.urls if args.feeds_cmd == "add" else read_feed_list(args.file)
        bad = [u for u in urls if not u.startswith(("http://", "https://"))]
        if bad:
            raise CliError(f"not an http(s) URL: {bad[0]!r}", EXIT_USAGE)
        await prepare_topics(factory, topics)
        specs = [make_spec(u, tags=args.tag or [], min_interval_s=args.min_interval,
                           max_interval_s=args.max_interval, robots=args.robots) for u in urls]
        added = await register(factory, topics, specs, replace=args.replace)
        for spec in added:
            print(f"{spec.feed_id}\t{spec.url}")
        print(f"{len(added)} feed(s) added, {len(specs) - len(added)} already registered",
              file=sys.stderr)
    elif args.feeds_cmd == "remove":
        for url in args.urls:
            print(await unregister(factory, topics, url))
    else:
        known = await registered(factory, topics)
        states = await feed_states(factory, topics, await partition_count(factory, topics.feed_state))
        for spec in sorted(known.values(), key=lambda s: s.url):
            state = states.get(spec.feed_id)
            if args.json:
                sys.stdout.write(record_json(topics.feeds, -1, -1, spec.feed_id.encode(),
                                             spec.model_dump_json().encode(), ()).decode())
                continue
            status = "never polled"
            if state is not None:
                status = state.last_result or "?"
                if state.last_error:
                    status += f" ({state.last_error})"
                status += f", {state.items_total} items"
            print(f"{spec.feed_id}\t{spec.url}\t{status}")
    return 0


async def cmd_topics(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.core.topics import prepare_topics

    factory = _external(settings)
    topics = Topics.from_settings(settings)
    if args.topics_cmd == "create":
        created = await prepare_topics(factory, topics)
        for name in created:
            print(f"created\t{name}")
        print(f"{len(created)} topic(s) created, {len(topics.all()) - len(created)} existed",
              file=sys.stderr)
        return 0
    admin = factory.admin()
    await admin.start()
    try:
        counts = await describe_partitions(admin, topics.all())
    finally:
        await admin.close()
    for name in topics.all():
        print(f"{name}\t{counts.get(name, 'missing')}")
    problems = check_layout(topics, counts)
    for problem in problems:
        print(f"newsflow: {problem}", file=sys.stderr)
    return 1 if problems else 0


async def cmd_tail(settings: Settings, args: argparse.Namespace) -> int:
    import orjson

    from newsflow.core.table import follow

    factory = _external(settings)
    topics = Topics.from_settings(settings)
    topic = {"feeds": topics.feeds, "feed-state": topics.feed_state, "links": topics.links,
             "links-seen": topics.links_seen, "articles": topics.articles,
             "enriched": topics.enriched, "dlq": topics.dlq}.get(args.topic, args.topic)
    stop = asyncio.Event()
    _signals(stop, lambda: None)
    shown = 0
    try:
        async for r in follow(factory, topic, from_beginning=args.from_beginning, stop=stop):
            if args.pretty and r.value is not None and topic == topics.enriched:
                sys.stdout.write(article_summary(orjson.loads(r.value)) + "\n")
            else:
                sys.stdout.write(record_json(r.topic, r.partition, r.offset, r.key, r.value,
                                             r.headers).decode())
            sys.stdout.flush()
            shown += 1
            if args.limit and shown >= args.limit:
                break
    except LookupError as exc:
        raise CliError(str(exc)) from None
    return 0


async def cmd_dlq(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow import dlq

    factory = _external(settings)
    try:
        return await dlq.command(factory, Topics.from_settings(settings).dlq,
                                 settings.dlq_max_replays, args, sys.stdout, sys.stderr)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


async def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.evaluation.frame import run_eval

    try:
        run_eval(args.kind, args)
    except (OSError, ValueError) as exc:  # unreadable gold data: one line, no traceback
        raise CliError(str(exc), EXIT_USAGE) from None
    return 0


async def cmd_inspect(settings: Settings, args: argparse.Namespace) -> int:
    from newsflow.inspect import InspectError, inspect

    try:
        return await inspect(settings, args.target, as_json=args.json, page_url=args.url)
    except InspectError as exc:
        raise CliError(str(exc)) from None


# --- parser -----------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsflow", description="Stream-processing news ingestion on Kafka.")
    parser.add_argument("--config", help="TOML settings file (else NEWSFLOW_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="the whole pipeline on an embedded broker and a local site")
    demo.add_argument("--json", action="store_true", help="one EnrichedArticle JSON per line")
    demo.add_argument("--limit", type=int, metavar="N", help="exit after N enriched articles")

    run = sub.add_parser("run", help="run the pipeline (all stages, or --stages)")
    run.add_argument("--feeds", metavar="FILE", help="register the feeds of an OPML or URL file")
    run.add_argument("--stages", default="poll,fetch,enrich",
                     help="comma-separated subset of poll,fetch,enrich (default: all)")

    feeds = sub.add_parser("feeds", help="manage the feed registry (news.feeds)")
    fsub = feeds.add_subparsers(dest="feeds_cmd", required=True, metavar="ACTION")
    for name, helptext in (("add", "register feed URLs"), ("import", "register an OPML file")):
        p = fsub.add_parser(name, help=helptext)
        if name == "add":
            p.add_argument("urls", nargs="+", metavar="URL")
        else:
            p.add_argument("file", metavar="FILE")
        p.add_argument("--tag", action="append", help="tag the feeds (repeatable)")
        p.add_argument("--min-interval", type=int, default=300, help="seconds (default 300)")
        p.add_argument("--max-interval", type=int, default=3600, help="seconds (default 3600)")
        p.add_argument("--replace", action="store_true", help="overwrite registered feeds")
        p.add_argument("--robots", action=argparse.BooleanOptionalAction, default=None,
                       help="honour robots.txt for these feeds and their links "
                            "(default: the http_robots setting)")
    rm = fsub.add_parser("remove", help="unregister feed URLs")
    rm.add_argument("urls", nargs="+", metavar="URL")
    ls = fsub.add_parser("list", help="registered feeds with their last poll")
    ls.add_argument("--json", action="store_true")

    topics = sub.add_parser("topics", help="create or check the topics")
    tsub = topics.add_subparsers(dest="topics_cmd", required=True, metavar="ACTION")
    tsub.add_parser("create", help="create missing topics")
    tsub.add_parser("check", help="verify topics and co-partitioning")

    tail = sub.add_parser("tail", help="print a topic's messages as JSON lines")
    tail.add_argument("topic", help="a topic name, or feeds|links|articles|enriched|dlq|...")
    tail.add_argument("--from-beginning", action="store_true")
    tail.add_argument("--limit", type=int, metavar="N", help="exit after N messages")
    tail.add_argument("--pretty", action="store_true", help="summaries for enriched articles")

    from newsflow import dlq

    dlq.add_arguments(sub.add_parser("dlq", help="dead letters: counts, newest entries, replay"))

    inspect = sub.add_parser("inspect", help="fetch or read one page, clean and enrich it as "
                             "the pipeline does, and show the result")
    inspect.add_argument("target", metavar="URL|FILE")
    inspect.add_argument("--json", action="store_true", help="the EnrichedArticle as JSON")
    inspect.add_argument("--url", help="the address of a FILE's page (for its dates and links)")

    from newsflow.evaluation import kind_module, kinds
    from newsflow.evaluation.frame import add_common_arguments

    ev = sub.add_parser("eval", help="measure quality against gold data (last line: JSON)")
    esub = ev.add_subparsers(dest="kind", required=True, metavar="KIND")
    for kind in kinds():
        module = kind_module(kind)
        p = esub.add_parser(kind, help=module.HELP)
        add_common_arguments(p)
        if hasattr(module, "add_arguments"):
            module.add_arguments(p)
    return parser


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "demo": cmd_demo, "run": cmd_run, "feeds": cmd_feeds, "topics": cmd_topics, "tail": cmd_tail,
    "eval": cmd_eval, "dlq": cmd_dlq, "inspect": cmd_inspect,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        overrides: dict[str, Any] = {}
        settings = load_settings(args.config, **overrides)
    except (ValidationError, FileNotFoundError, ValueError) as exc:
        print(f"newsflow: invalid settings: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    quiet_demo = args.command == "demo" and "NEWSFLOW_LOG_LEVEL" not in os.environ
    setup_logging("WARNING" if quiet_demo else settings.log_level, settings.log_format)
    try:
        return asyncio.run(COMMANDS[args.command](settings, args))
    except CliError as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return exc.status
    except (BrokerUnavailable, TopicLayoutError) as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:
        from newsflow.registry import FeedListError

        if isinstance(exc, FeedListError):
            print(f"newsflow: {exc}", file=sys.stderr)
            return EXIT_USAGE
        log.exception("newsflow failed")
        return 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
