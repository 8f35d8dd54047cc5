"""Dead letters you can act on: what failed and why (``newsflow dlq list``), and replaying
chosen records to the topic they came from (``newsflow dlq replay``).

Every record of the dead-letter topic is the original key, value and headers plus
``dlq.*`` headers written by the stage runtime (stage, reason, error, source topic,
partition and offset, attempts, failure time). A replay re-publishes the original key,
value and non-``dlq`` headers to ``dlq.source.topic`` with a ``newsflow.replays`` header
counting the replays; the stages keep that header when the record fails again, so a record
replayed ``dlq_max_replays`` times is refused instead of going round for ever. When a
record failed several times, only its newest dead letter is replayed.

Replays are at least once, like everything else: replaying the same selection twice
publishes it twice (the fetcher skips links it has already fetched; subscribers see an
article's key again).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from newsflow.core.kafka import KafkaFactory
from newsflow.core.table import read_records
from newsflow.core.topics import partition_count

REPLAYS_HEADER = "newsflow.replays"

_AGO = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One record of the dead-letter topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return v.decode("utf-8", "replace")
        return None

    @property
    def stage(self) -> str:
        return self.header("dlq.stage") or "?"

    @property
    def reason(self) -> str:
        return self.header("dlq.reason") or "?"

    @property
    def source_topic(self) -> str | None:
        return self.header("dlq.source.topic")

    @property
    def failed_at(self) -> datetime | None:
        raw = self.header("dlq.failed_at")
        if raw is None or not raw.isdecimal():
            return None
        return datetime.fromtimestamp(int(raw) / 1000, UTC)

    @property
    def replays(self) -> int:
        raw = self.header(REPLAYS_HEADER) or "0"
        return int(raw) if raw.isdecimal() else 0

    @property
    def identity(self) -> tuple[object, ...]:
        """The original record: its source topic and key (or its position, without a key)."""
        if self.key is None:
            return (self.source_topic, self.header("dlq.source.partition"),
                    self.header("dlq.source.offset"))
        return (self.source_topic, self.key)

    def as_dict(self) -> dict[str, Any]:
        failed = self.failed_at
        return {
            "dlq_partition": self.partition, "dlq_offset": self.offset,
            "key": self.key.decode("utf-8", "replace") if self.key is not None else None,
            "stage": self.stage, "reason": self.reason, "error": self.header("dlq.error"),
            "source_topic": self.source_topic,
            "source_partition": _int(self.header("dlq.source.partition")),
            "source_offset": _int(self.header("dlq.source.offset")),
            "attempts": _int(self.header("dlq.attempts")),
            "failed_at": failed.isoformat() if failed else None,
            "replays": self.replays,
            "detail": {k[4:]: v.decode("utf-8", "replace") for k, v in self.headers
                       if k.startswith("dlq.") and k not in _STANDARD},
            "value_bytes": len(self.value) if self.value is not None else None,
        }


_STANDARD = {"dlq.stage", "dlq.reason", "dlq.error", "dlq.source.topic", "dlq.source.partition",
             "dlq.source.offset", "dlq.attempts", "dlq.failed_at"}


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdecimal() else None


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``30m``, ``2h``, ``7d`` ago, or an ISO date or time (UTC unless it says otherwise)."""
    now = now or datetime.now(UTC)
    match = _AGO.match(text.strip().lower())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since: not a time or a duration: {text!r} "
                         "(e.g. 2h, 7d, 2026-03-01 or 2026-03-01T08:00:00Z)") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


async def read_dead_letters(factory: KafkaFactory, topic: str) -> list[DeadLetter]:
    """Every record of the dead-letter topic, oldest failure first (none if it does not exist)."""
    count = await partition_count(factory, topic)
    records = await read_records(factory, topic, range(count))
    letters = [DeadLetter(r.topic, r.partition, r.offset, r.key, r.value,
                          tuple((k, bytes(v)) for k, v in (r.headers or ()))) for r in records]
    epoch = datetime.fromtimestamp(0, UTC)
    letters.sort(key=lambda d: (d.failed_at or epoch, d.partition, d.offset))
    return letters


def select(letters: list[DeadLetter], *, stage: str | None = None, reason: str | None = None,
           since: datetime | None = None) -> list[DeadLetter]:
    return [d for d in letters
            if (stage is None or d.stage == stage) and (reason is None or d.reason == reason)
            and (since is None or (d.failed_at is not None and d.failed_at >= since))]


def counts(letters: list[DeadLetter]) -> list[dict[str, Any]]:
    """How many dead letters per stage and reason, most first."""
    tally = Counter((d.stage, d.reason) for d in letters)
    return [{"stage": s, "reason": r, "count": n}
            for (s, r), n in sorted(tally.items(), key=lambda item: (-item[1], item[0]))]


@dataclass
class ReplayPlan:
    replay: list[DeadLetter] = field(default_factory=list)
    refused: list[tuple[DeadLetter, str]] = field(default_factory=list)
    superseded: int = 0  # older dead letters of records whose newest one is in the plan


def plan_replay(letters: list[DeadLetter], max_replays: int,
                existing_topics: set[str]) -> ReplayPlan:
    """What a replay of ``letters`` (oldest first) would publish, and what it refuses."""
    newest: dict[tuple[object, ...], DeadLetter] = {}
    for letter in letters:
        newest[letter.identity] = letter
    plan = ReplayPlan(superseded=len(letters) - len(newest))
    for letter in newest.values():
        source = letter.source_topic
        if not source:
            plan.refused.append((letter, "no dlq.source.topic header"))
        elif source not in existing_topics:
            plan.refused.append((letter, f"source topic {source} does not exist"))
        elif letter.value is None:
            plan.refused.append((letter, "no value to replay"))
        elif letter.replays >= max_replays:
            plan.refused.append((letter, f"replayed {letter.replays} times already "
                                         f"(dlq_max_replays is {max_replays})"))
        else:
            plan.replay.append(letter)
    return plan


def replay_headers(letter: DeadLetter) -> list[tuple[str, bytes]]:
    """The original headers, without the ``dlq.*`` ones, with the replay count raised."""
    keep = [(k, v) for k, v in letter.headers if not k.startswith("dlq.") and k != REPLAYS_HEADER]
    return keep + [(REPLAYS_HEADER, str(letter.replays + 1).encode())]


async def replay(factory: KafkaFactory, letters: list[DeadLetter]) -> None:
    """Publish ``letters`` to their source topics; returns once the broker acknowledged all."""
    producer = factory.producer()
    await producer.start()
    try:
        futures = [await producer.send(str(d.source_topic), d.value, key=d.key,
                                       headers=replay_headers(d)) for d in letters]
        for future in futures:
            await future
    finally:
        await producer.stop()


async def source_topics(factory: KafkaFactory, letters: list[DeadLetter]) -> set[str]:
    """The source topics of ``letters`` that exist on the broker."""
    names = {d.source_topic for d in letters if d.source_topic}
    return {name for name in names if await partition_count(factory, name) > 0}


# --- the command ------------------------------------------------------------------------------

def add_arguments(parser: Any) -> None:
    """``newsflow dlq list|replay`` and their options."""
    sub = parser.add_subparsers(dest="dlq_cmd", required=True, metavar="ACTION")
    ls = sub.add_parser("list", help="counts by stage and reason, then the newest dead letters")
    rp = sub.add_parser("replay", help="re-publish chosen dead letters to their source topic")
    for p in (ls, rp):
        p.add_argument("--stage", help="only this stage (poll, fetch, enrich)")
        p.add_argument("--reason", help="only this reason (fetch, timeout, extract, ...)")
        p.add_argument("--since", help="only failures since then: 2h, 7d, or an ISO date/time")
        p.add_argument("--json", action="store_true", help="one JSON object on the last line")
    ls.add_argument("--limit", type=int, default=10, metavar="N", help="newest entries shown (10)")
    rp.add_argument("--dry-run", action="store_true", help="say what would be replayed, publish nothing")


def _line(d: DeadLetter) -> str:
    failed = d.failed_at.strftime("%Y-%m-%dT%H:%M:%SZ") if d.failed_at else "?"
    key = d.key.decode("utf-8", "replace") if d.key is not None else "-"
    error = (d.header("dlq.error") or "").replace("\n", " ")
    source = f"{d.source_topic}/{d.header('dlq.source.partition')}/{d.header('dlq.source.offset')}"
    return f"{failed}\t{d.stage}\t{d.reason}\t{source}\t{key}\treplays={d.replays}\t{error[:160]}"


async def command(factory: KafkaFactory, dlq_topic: str, max_replays: int, args: Any,
                  out: Any, err: Any) -> int:
    """Run ``newsflow dlq list|replay``; results on ``out``, the rest on ``err``."""
    import orjson

    since = parse_since(args.since) if args.since else None
    letters = select(await read_dead_letters(factory, dlq_topic), stage=args.stage,
                     reason=args.reason, since=since)
    if args.dlq_cmd == "list":
        tally = counts(letters)
        newest = letters[::-1][:max(0, args.limit)]
        if args.json:
            out.write(orjson.dumps({"topic": dlq_topic, "total": len(letters), "counts": tally,
                                    "newest": [d.as_dict() for d in newest]}).decode() + "\n")
            return 0
        out.write("stage\treason\tcount\n")
        for row in tally:
            out.write(f"{row['stage']}\t{row['reason']}\t{row['count']}\n")
        out.write(f"total\t\t{len(letters)}\n")
        if newest:
            out.write(f"\nnewest {len(newest)}:\nfailed_at\tstage\treason\tsource\tkey\treplays\terror\n")
            out.writelines(_line(d) + "\n" for d in newest)
        return 0
    plan = plan_replay(letters, max_replays, await source_topics(factory, letters))
    if not args.dry_run and plan.replay:
        await replay(factory, plan.replay)
    verb = "would replay" if args.dry_run else "replayed"
    by_topic = Counter(str(d.source_topic) for d in plan.replay)
    if args.json:
        out.write(orjson.dumps({
            "dry_run": bool(args.dry_run), "replayed": len(plan.replay), "by_topic": by_topic,
            "superseded": plan.superseded,
            "refused": [{**d.as_dict(), "why": why} for d, why in plan.refused],
        }).decode() + "\n")
    else:
        out.writelines(f"{verb}\t{_line(d)}\n" for d in plan.replay)
        out.writelines(f"refused\t{_line(d)}\t({why})\n" for d, why in plan.refused)
    topics_text = ", ".join(f"{n} to {t}" for t, n in sorted(by_topic.items())) or "nothing"
    err.write(f"newsflow: {verb} {len(plan.replay)} dead letter(s) ({topics_text}); "
              f"{plan.superseded} older copies skipped; {len(plan.refused)} refused\n")
    return 0
