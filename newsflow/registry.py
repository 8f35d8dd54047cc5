"""The feed registry: the ``news.feeds`` table, managed from the command line."""

from __future__ import annotations

import codecs
import xml.etree.ElementTree as ET
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from newsflow.core.kafka import KafkaFactory
from newsflow.core.runtime import Output, Publisher
from newsflow.core.table import decode_table, read_table
from newsflow.core.topics import Topics, partition_count
from newsflow.schemas import (
    FeedSpec,
    FeedState,
    encode,
    feed_id,
    headers_for,
    utcnow,
)


class FeedListError(ValueError):
    """A feed list file cannot be read."""


def read_feed_list(path: str | Path) -> list[str]:
    """Feed URLs from an OPML file or a text file with one URL per line (``#`` comments)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeedListError(f"cannot read {path}: {exc.strerror}") from exc
    if _is_xml(data):
        return _opml_urls(data, path)
    urls = []
    for number, raw in enumerate(data.decode("utf-8-sig", "replace").splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if raw.lstrip().startswith("#") else raw.strip()
        if not line:
            continue
        if not line.startswith(("http://", "https://")):
            raise FeedListError(f"{path}:{number}: not an http(s) URL: {line!r}")
        urls.append(line)
    return urls


def _is_xml(data: bytes) -> bool:
    """Whether the file starts with markup (UTF-8, or UTF-16 by its byte order mark)."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace").lstrip().startswith("<")
    return data.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"<")


def _opml_urls(data: bytes, path: Path) -> list[str]:
    try:  # defusedxml: entity declarations and external references are refused, unexpanded
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True,
                                 forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedListError(f"{path}: entity declarations are not accepted in OPML, nor "
                            f"external references ({type(exc).__name__})") from exc
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: unknown encoding
        raise FeedListError(f"{path}: not valid OPML: {exc}") from exc
    urls = [
        o.get("xmlUrl", "").strip() for o in root.iter("outline") if o.get("xmlUrl", "").strip()
    ]
    if not urls:
        raise FeedListError(f"{path}: no <outline xmlUrl=...> entries")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise FeedListError(f"{path}: not an http(s) URL: {url!r}")
    return urls


def make_spec(url: str, *, tags: list[str] | None = None, title: str | None = None,
              min_interval_s: int = 300, max_interval_s: int = 3600,
              robots: bool | None = None) -> FeedSpec:
    return FeedSpec(
        feed_id=feed_id(url), url=url.strip(), title=title, tags=tags or [],
        min_interval_s=min_interval_s, max_interval_s=max(min_interval_s, max_interval_s),
        robots=robots, added_at=utcnow(),
    )


async def registered(factory: KafkaFactory, topics: Topics) -> dict[str, FeedSpec]:
    """Every registered feed, by id."""
    count = await partition_count(factory, topics.feeds)
    table = await read_table(factory, topics.feeds, range(count))
    return {spec.feed_id: spec for spec in decode_table(FeedSpec, table)}


async def feed_states(factory: KafkaFactory, topics: Topics, partitions: int) -> dict[str, FeedState]:
    """The last state of every feed, by id."""
    table = await read_table(factory, topics.feed_state, range(partitions))
    return {state.feed_id: state for state in decode_table(FeedState, table)}


async def register(
    factory: KafkaFactory, topics: Topics, specs: list[FeedSpec], *, replace: bool = False
) -> list[FeedSpec]:
    """Write the specs not registered yet (all of them with ``replace``); returns those written."""
    existing = {} if replace else await registered(factory, topics)
    new = [s for s in specs if replace or s.feed_id not in existing]
    await _write(factory, [Output(topics.feeds, s.feed_id.encode(), encode(s), headers_for(s))
                           for s in new])
    return new


async def unregister(factory: KafkaFactory, topics: Topics, url: str) -> str:
    fid = feed_id(url)
    await _write(factory, [Output(topics.feeds, fid.encode(), None)])
    return fid


async def _write(factory: KafkaFactory, outputs: list[Output]) -> None:
    if not outputs:
        return
    producer = factory.producer()
    await producer.start()
    try:
        await Publisher(producer).send_all(outputs)
    finally:
        await producer.stop()
