"""A subscriber of newsflow: print each enriched article's title and its top entities.

Standalone: it needs only aiokafka (newsflow compresses with lz4 by default, hence the extra):

    pip install "aiokafka[lz4]"
    python consume_enriched.py localhost:9092
    NEWSFLOW_KAFKA_BOOTSTRAP=localhost:9092 python consume_enriched.py --limit 10

It reads ``news.articles.enriched`` in a consumer group of its own, so it gets every article
whatever else consumes the topic, and a restart resumes where the group left off. Delivery
is at least once: an article can arrive twice, with the same key (its ``article_id``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from aiokafka import AIOKafkaConsumer

SCHEMA = "EnrichedArticle/1"  # the major version this code understands


def summary(article: dict, top: int) -> str:
    entities = sorted(article.get("entities") or [], key=lambda e: -e.get("count", 1))[:top]
    names = ", ".join(f"{e['text']} ({e['label']} ×{e.get('count', 1)})" for e in entities)
    title = article.get("title") or "(untitled)"
    published = article.get("published") or "unknown date"
    return f"{title}\n  {published} · {article.get('url')}\n  entities: {names or '-'}"


async def consume(bootstrap: str, topic: str, group: str, top: int, limit: int | None) -> None:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest"
    )
    await consumer.start()
    shown = 0
    try:
        async for record in consumer:
            headers = {k: v.decode("utf-8", "replace") for k, v in record.headers or ()}
            if headers.get("schema") != SCHEMA or record.value is None:
                print(f"skipped {record.topic}/{record.partition}@{record.offset}: "
                      f"schema {headers.get('schema')!r}", file=sys.stderr)
                continue
            print(summary(json.loads(record.value), top), flush=True)
            shown += 1
            if limit and shown >= limit:
                break
    finally:
        await consumer.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bootstrap", nargs="?", default=os.environ.get("NEWSFLOW_KAFKA_BOOTSTRAP"),
                        help="host:port of a broker (default: $NEWSFLOW_KAFKA_BOOTSTRAP)")
    parser.add_argument("--topic", default="news.articles.enriched")
    parser.add_argument("--group", default="example-enriched-subscriber",
                        help="consumer group (default: %(default)s)")
    parser.add_argument("--top", type=int, default=5, help="entities shown per article")
    parser.add_argument("--limit", type=int, help="exit after this many articles")
    args = parser.parse_args()
    if not args.bootstrap:
        parser.error("give the broker address, or set NEWSFLOW_KAFKA_BOOTSTRAP")
    try:
        asyncio.run(consume(args.bootstrap, args.topic, args.group, args.top, args.limit))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
