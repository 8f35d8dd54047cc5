"""The topics of newsflow: names, layout, creation and checks."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from .kafka import KafkaFactory
from .settings import Settings

log = logging.getLogger(__name__)


class TopicLayoutError(RuntimeError):
    """The topics on the broker do not have the layout newsflow needs."""


@dataclass(frozen=True, slots=True)
class Topics:
    feeds: str
    feed_state: str
    links: str
    links_seen: str
    articles: str
    enriched: str
    dlq: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Topics:
        p = settings.topic_prefix
        return cls(
            feeds=f"{p}.feeds",
            feed_state=f"{p}.feed-state",
            links=f"{p}.links",
            links_seen=f"{p}.links-seen",
            articles=f"{p}.articles",
            enriched=f"{p}.articles.enriched",
            dlq=f"{p}.dlq",
        )

    def all(self) -> list[str]:
        return [
            self.feeds, self.feed_state, self.links, self.links_seen,
            self.articles, self.enriched, self.dlq,
        ]

    def co_partitioned(self) -> list[tuple[str, str]]:
        """Pairs that must have equal partition counts (a table beside its stream)."""
        return [(self.feeds, self.feed_state), (self.links, self.links_seen)]


def topic_configs(topics: Topics, settings: Settings) -> dict[str, dict[str, str]]:
    retention = str(settings.topic_retention_ms)
    table = {"cleanup.policy": "compact"}
    stream = {"cleanup.policy": "delete", "retention.ms": retention}
    return {
        topics.feeds: table,
        topics.feed_state: table,
        topics.links_seen: table,
        topics.links: stream,
        topics.articles: {"cleanup.policy": "compact,delete", "retention.ms": retention},
        topics.enriched: stream,
        topics.dlq: stream,
    }


async def describe_partitions(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    """Partition counts of the topics among ``names`` that exist."""
    existing = set(await admin.list_topics())
    wanted = [n for n in names if n in existing]
    if not wanted:
        return {}
    counts: dict[str, int] = {}
    for topic in await admin.describe_topics(wanted):
        if topic.get("error_code", 0) == 0:
            counts[topic["topic"]] = len(topic["partitions"])
    return counts


def check_layout(topics: Topics, counts: dict[str, int]) -> list[str]:
    """Problems with the layout: missing topics and unequal co-partitioned pairs."""
    problems = [f"topic {t} is missing" for t in topics.all() if t not in counts]
    for a, b in topics.co_partitioned():
        if a in counts and b in counts and counts[a] != counts[b]:
            problems.append(
                f"{a} has {counts[a]} partitions but {b} has {counts[b]}: co-partitioned topics "
                "must have equal partition counts"
            )
    return problems


async def ensure_topics(
    admin: AIOKafkaAdminClient, topics: Topics, settings: Settings
) -> list[str]:
    """Create the topics that are missing, then check the layout; returns the created names."""
    counts = await describe_partitions(admin, topics.all())
    configs = topic_configs(topics, settings)
    missing = [t for t in topics.all() if t not in counts]
    if missing:
        new = [
            NewTopic(
                name=t,
                num_partitions=_partitions_for(t, topics, counts, settings),
                replication_factor=settings.topic_replication_factor,
                topic_configs=configs[t],
            )
            for t in missing
        ]
        await admin.create_topics(new)
        counts = await describe_partitions(admin, topics.all())
    problems = check_layout(topics, counts)
    if problems:
        raise TopicLayoutError("; ".join(problems))
    return missing


def _partitions_for(topic: str, topics: Topics, counts: dict[str, int], settings: Settings) -> int:
    """A missing half of a co-partitioned pair takes its existing partner's count."""
    for a, b in topics.co_partitioned():
        partner = b if topic == a else a if topic == b else None
        if partner is not None and partner in counts:
            return counts[partner]
    return settings.topic_partitions


async def prepare_topics(factory: KafkaFactory, topics: Topics) -> list[str]:
    """Create missing topics and check the layout; returns the names created."""
    admin = factory.admin()
    await admin.start()
    try:
        created = await ensure_topics(admin, topics, factory.settings)
    finally:
        await admin.close()
    if created:
        log.info("topics created", extra={"topics": created})
    return created


async def partition_count(factory: KafkaFactory, topic: str) -> int:
    """Partitions of ``topic`` on the broker, 0 when it does not exist."""
    admin = factory.admin()
    await admin.start()
    try:
        return (await describe_partitions(admin, [topic])).get(topic, 0)
    finally:
        await admin.close()
