"""The feed registry and topic commands as users run them: real processes on the dev broker."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka.admin import NewTopic

from newsflow.core.kafka import KafkaFactory
from newsflow.core.settings import Settings
from newsflow.core.topics import Topics
from newsflow.schemas import feed_id

pytestmark = pytest.mark.timeout(120)

BBC = "https://feeds.bbci.co.uk/news/world/rss.xml"
NPR = "https://feeds.npr.org/1001/rss.xml"
GUARDIAN = "https://www.theguardian.com/world/rss"
ALJAZEERA = "https://www.aljazeera.com/xml/rss/all.xml"

NESTED_OPML = f"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>subscriptions</title></head>
  <body>
    <outline text="News" title="News">
      <outline text="BBC World" type="rss" xmlUrl="{BBC}" htmlUrl="https://www.bbc.co.uk/news"/>
      <outline text="Europe">
        <outline text="The Guardian World" type="rss" xmlUrl="{GUARDIAN}"/>
      </outline>
    </outline>
    <outline text="a folder without feeds"/>
    <outline text="NPR News" type="rss" xmlUrl="{NPR}"/>
  </body>
</opml>
"""


class Cli:
    """Runs ``python -m newsflow.cli`` with the settings of one test in its environment."""

    def __init__(self, settings: Settings | None, **extra: str) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
        if settings is not None:
            self.env.update({
                "NEWSFLOW_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
                "NEWSFLOW_TOPIC_PREFIX": settings.topic_prefix,
                "NEWSFLOW_GROUP_PREFIX": settings.group_prefix,
                "NEWSFLOW_METRICS_PORT": "0",
                "NEWSFLOW_WORKERS": "1",
            })
        self.env.update(extra)

    def __call__(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "newsflow.cli", *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout, cwd="/")

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        proc = self(*args)
        assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stderr[-3000:]}"
        return proc


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def cli(settings: Settings) -> Cli:
    return Cli(settings)


def _listed(proc: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """``feeds list`` output: url -> feed id; every stdout line must be a result."""
    listed = {}
    for line in proc.stdout.splitlines():
        fid, url, status = line.split("\t")
        assert fid == feed_id(url)
        assert status == "never polled"
        listed[url] = fid
    return listed


def _existing_topics(settings: Settings) -> set[str]:
    async def names() -> set[str]:
        admin = KafkaFactory(settings, settings.kafka_bootstrap).admin()
        await admin.start()
        try:
            return {t for t in await admin.list_topics()
                    if t.startswith(settings.topic_prefix + ".")}
        finally:
            await admin.close()

    return asyncio.run(names())


# --- topics ------------------------------------------------------------------------------------


def test_topics_create_makes_seven_then_none_and_check_lists_them(
    cli: Cli, settings: Settings
) -> None:
    topics = Topics.from_settings(settings)
    first = cli.ok("topics", "create")
    assert first.stdout.splitlines() == [f"created\t{name}" for name in topics.all()]
    assert "7 topic(s) created, 0 existed" in first.stderr

    second = cli.ok("topics", "create")
    assert second.stdout == ""
    assert "0 topic(s) created, 7 existed" in second.stderr

    check = cli.ok("topics", "check")
    counts = dict(line.split("\t") for line in check.stdout.splitlines())
    assert counts == {name: str(settings.topic_partitions) for name in topics.all()}
    assert check.stderr == ""


def test_topics_check_refuses_unequal_co_partitioned_topics(
    cli: Cli, settings: Settings
) -> None:
    topics = Topics.from_settings(settings)

    async def create_unequal() -> None:
        admin = KafkaFactory(settings, settings.kafka_bootstrap).admin()
        await admin.start()
        try:
            await admin.create_topics([
                NewTopic(topics.feeds, num_partitions=2, replication_factor=1),
                NewTopic(topics.feed_state, num_partitions=3, replication_factor=1),
            ])
        finally:
            await admin.close()

    asyncio.run(create_unequal())
    check = cli("topics", "check")
    assert check.returncode != 0
    counts = dict(line.split("\t") for line in check.stdout.splitlines())
    assert counts[topics.feeds] == "2"
    assert counts[topics.feed_state] == "3"
    assert counts[topics.links] == "missing"
    unequal = [line for line in check.stderr.splitlines() if "co-partitioned" in line]
    assert len(unequal) == 1, check.stderr
    assert f"{topics.feeds} has 2 partitions but {topics.feed_state} has 3" in unequal[0]

    # Creating the missing topics does not mend the pair: the command refuses, exit 3.
    create = cli("topics", "create")
    assert create.returncode == 3
    assert topics.feeds in create.stderr and topics.feed_state in create.stderr
    assert "co-partitioned" in create.stderr


# --- feeds ---------------------------------------------------------------------------------------


def test_feeds_add_list_remove(cli: Cli) -> None:
    added = cli.ok("feeds", "add", BBC, NPR)
    assert sorted(added.stdout.splitlines()) == sorted(
        [f"{feed_id(BBC)}\t{BBC}", f"{feed_id(NPR)}\t{NPR}"])
    assert "2 feed(s) added, 0 already registered" in added.stderr

    listed = cli.ok("feeds", "list")
    assert _listed(listed) == {BBC: feed_id(BBC), NPR: feed_id(NPR)}
    assert list(_listed(listed)) == sorted([BBC, NPR]), "sorted by URL"

    again = cli.ok("feeds", "add", BBC, GUARDIAN)
    assert again.stdout.splitlines() == [f"{feed_id(GUARDIAN)}\t{GUARDIAN}"]
    assert "1 feed(s) added, 1 already registered" in again.stderr

    removed = cli.ok("feeds", "remove", NPR)
    assert removed.stdout.splitlines() == [feed_id(NPR)]
    assert set(_listed(cli.ok("feeds", "list"))) == {BBC, GUARDIAN}


def test_feeds_list_json_gives_one_object_per_line(cli: Cli) -> None:
    cli.ok("feeds", "add", "--tag", "world", "--min-interval", "600", BBC, ALJAZEERA)
    proc = cli.ok("feeds", "list", "--json")
    values = [json.loads(line)["value"] for line in proc.stdout.splitlines()]
    assert [v["url"] for v in values] == sorted([BBC, ALJAZEERA])
    for value in values:
        assert value["feed_id"] == feed_id(value["url"])
        assert value["tags"] == ["world"]
        assert value["min_interval_s"] == 600
        assert value["enabled"] is True


def test_feeds_import_nested_opml_and_commented_text(
    cli: Cli, settings: Settings, tmp_path: Path
) -> None:
    opml = tmp_path / "subscriptions.opml"
    opml.write_text(NESTED_OPML, encoding="utf-8")
    first = cli.ok("feeds", "import", str(opml))
    assert sorted(first.stdout.splitlines()) == sorted(
        f"{feed_id(u)}\t{u}" for u in (BBC, GUARDIAN, NPR))
    assert "3 feed(s) added" in first.stderr

    text = tmp_path / "feeds.txt"
    text.write_text(f"# news feeds\n\n{BBC}\n   # indented comment\n  {ALJAZEERA}  \n\n",
                    encoding="utf-8")
    second = cli.ok("feeds", "import", str(text))
    assert second.stdout.splitlines() == [f"{feed_id(ALJAZEERA)}\t{ALJAZEERA}"]
    assert "1 feed(s) added, 1 already registered" in second.stderr

    assert set(_listed(cli.ok("feeds", "list"))) == {BBC, GUARDIAN, NPR, ALJAZEERA}


def test_feeds_import_opml_with_byte_order_mark(cli: Cli, tmp_path: Path) -> None:
    opml = tmp_path / "exported.opml"
    opml.write_bytes(b"\xef\xbb\xbf" + NESTED_OPML.encode())
    proc = cli.ok("feeds", "import", str(opml))
    assert len(proc.stdout.splitlines()) == 3


@pytest.mark.parametrize(("name", "content", "message"), [
    ("entities.opml",
     '<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>\n'
     f'<opml version="2.0"><body><outline text="&b;" xmlUrl="{BBC}"/></body></opml>\n',
     "entity declarations are not accepted"),
    ("broken.opml", f'<opml version="2.0"><body><outline xmlUrl="{BBC}"></body>',
     "not valid OPML"),
    ("empty.opml", '<opml version="2.0"><body><outline text="no feeds"/></body></opml>',
     "no <outline xmlUrl"),
    ("relative.opml", '<opml><body><outline xmlUrl="feeds/world.xml"/></body></opml>',
     "not an http(s) URL"),
    ("feeds.txt", f"# feeds\n{BBC}\nwww.example.com/rss\n", "feeds.txt:3: not an http(s) URL"),
], ids=["entities", "malformed", "no-feeds", "relative-url", "text-not-a-url"])
def test_feeds_import_refuses_bad_files(
    cli: Cli, settings: Settings, tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    proc = cli("feeds", "import", str(path))
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("newsflow: ") and message in proc.stderr
    assert not _existing_topics(settings), "a refused file changes nothing on the broker"


def test_feeds_import_of_a_missing_file(cli: Cli, tmp_path: Path) -> None:
    proc = cli("feeds", "import", str(tmp_path / "nowhere.opml"))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip() == f"newsflow: cannot read {tmp_path / 'nowhere.opml'}: " \
                                  "No such file or directory"


# --- tail ----------------------------------------------------------------------------------------


def test_tail_feeds_prints_n_records_as_json_lines(cli: Cli, settings: Settings) -> None:
    urls = [BBC, NPR, GUARDIAN]
    cli.ok("feeds", "add", *urls)
    proc = cli.ok("tail", "feeds", "--from-beginning", "--limit", "2")
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    topic = Topics.from_settings(settings).feeds
    for line in lines:
        record = json.loads(line)
        assert set(record) == {"topic", "partition", "offset", "key", "headers", "value"}
        assert record["topic"] == topic
        assert 0 <= record["partition"] < settings.topic_partitions
        assert record["offset"] >= 0
        assert record["headers"] == {"schema": "FeedSpec/1"}
        assert record["value"]["url"] in urls
        assert record["key"] == record["value"]["feed_id"] == feed_id(record["value"]["url"])


def test_tail_of_a_missing_topic(cli: Cli, settings: Settings) -> None:
    proc = cli("tail", "dlq", "--from-beginning", "--limit", "1")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert f"topic {settings.topic_prefix}.dlq does not exist" in proc.stderr


# --- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("topics", "create"), ("topics", "check"), ("feeds", "add", BBC), ("feeds", "list"),
    ("feeds", "remove", BBC), ("tail", "feeds", "--limit", "1"),
])
def test_broker_commands_need_a_bootstrap(args: tuple[str, ...]) -> None:
    proc = Cli(None)(*args)
    assert proc.returncode == 3
    assert proc.stdout == ""
    assert "set NEWSFLOW_KAFKA_BOOTSTRAP" in proc.stderr


def test_invalid_settings_exit_3(settings: Settings) -> None:
    proc = Cli(settings, NEWSFLOW_KAFKA_COMPRESSION="brotli")("feeds", "list")
    assert proc.returncode == 3
    assert proc.stdout == ""
    assert proc.stderr.startswith("newsflow: invalid settings")
    assert "kafka_compression" in proc.stderr


def test_remove_writes_a_tombstone(cli: Cli) -> None:
    cli.ok("feeds", "add", BBC)
    cli.ok("feeds", "remove", BBC)
    tail = cli.ok("tail", "feeds", "--from-beginning", "--limit", "2")
    records = [json.loads(line) for line in tail.stdout.splitlines()]
    assert [r["key"] for r in records] == [feed_id(BBC)] * 2
    assert records[0]["value"]["url"] == BBC
    assert records[1]["value"] is None and records[1]["headers"] == {}
