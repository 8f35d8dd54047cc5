"""Typed message models, one per message type, each with its schema version.

Values on every topic are JSON (orjson). Each message carries a ``schema``
header naming its type and major version (``Link/1``); within a major version
changes are additive only, and consumers ignore fields they do not know.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

DateType = Literal["DATE", "TIME", "DURATION", "SET"]
PublishedSource = Literal["page", "feed", "none"]


class Message(BaseModel):
    """Base of every message model: name and major version go in the ``schema`` header."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    SCHEMA_NAME: ClassVar[str] = "Message"
    SCHEMA_MAJOR: ClassVar[int] = 1

    @classmethod
    def schema_header(cls) -> bytes:
        return f"{cls.SCHEMA_NAME}/{cls.SCHEMA_MAJOR}".encode()


class FeedSpec(Message):
    """A registered feed (topic ``news.feeds``, key ``feed_id``)."""

    SCHEMA_NAME: ClassVar[str] = "FeedSpec"

    feed_id: str
    url: str
    title: str | None = None
    tags: list[str] = Field(default_factory=list)
    language: str | None = Field(None, description="Language hint (ISO 639-1)")
    min_interval_s: int = Field(300, ge=1, description="Shortest time between two polls")
    max_interval_s: int = Field(3600, ge=1, description="Longest time between two polls")
    enabled: bool = True
    robots: bool | None = Field(
        None, description="Honour robots.txt for this feed and its links; unset: the setting"
    )
    added_at: AwareDatetime


class FeedState(Message):
    """What a poller knows of one feed (topic ``news.feed-state``, key ``feed_id``)."""

    SCHEMA_NAME: ClassVar[str] = "FeedState"

    feed_id: str
    url: str = Field(description="Where the feed is polled now (its moved-to URL after a 301)")
    moved_to: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_polled_at: AwareDatetime | None = None
    next_poll_at: AwareDatetime | None = None
    interval_s: int = 300
    last_status: int | None = None
    last_result: str | None = None
    error_streak: int = 0
    last_error: str | None = None
    last_error_at: AwareDatetime | None = None
    items_total: int = 0
    seen: list[str] = Field(
        default_factory=list, description="article ids of recently seen items, newest last"
    )


class Link(Message):
    """An item of a feed not seen before (topic ``news.links``, key ``article_id``)."""

    SCHEMA_NAME: ClassVar[str] = "Link"

    article_id: str
    url: str
    feed_id: str
    feed_url: str
    feed_title: str | None = None
    title: str | None = None
    summary: str | None = None
    published: str | None = Field(None, description="Item date from the feed, ISO 8601")
    authors: list[str] = Field(default_factory=list)
    robots: bool | None = Field(None, description="The feed's robots.txt choice, copied")
    discovered_at: AwareDatetime


class Article(Message):
    """A fetched page cleaned to its main text (topic ``news.articles``, key ``article_id``)."""

    SCHEMA_NAME: ClassVar[str] = "Article"

    article_id: str
    url: str
    final_url: str | None = Field(None, description="URL after redirects")
    canonical_url: str | None = None
    feed_id: str
    title: str | None = None
    text: str
    truncated: bool = Field(
        False, description="The text was cut to keep the message under the broker's size limit")
    description: str | None = None
    site_name: str | None = None
    authors: list[str] = Field(default_factory=list)
    published: str | None = Field(None, description="Publication time, ISO 8601")
    published_source: PublishedSource = "none"
    modified: str | None = Field(None, description="Last modification time, ISO 8601")
    language: str | None = None
    image: str | None = Field(None, description="The article's main image (URL)")
    tags: list[str] = Field(default_factory=list)
    section: str | None = None
    partial: bool = Field(False, description="Only part of the text could be read (paywall, "
                          "teaser): shorter than the feed's summary or marked not free")
    field_sources: dict[str, str] = Field(
        default_factory=dict,
        description="Where each field came from: jsonld, meta, time, link, url, html, text, "
                    "text_fallback, feed")
    content_hash: str
    discovered_at: AwareDatetime
    fetched_at: AwareDatetime
    newsflow_version: str


class EntityMention(BaseModel):
    """One place where an entity is named: offsets into ``text`` and the words used there."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int
    text: str


class Salience(BaseModel):
    """How prominent an entity is in its article."""

    model_config = ConfigDict(frozen=True)

    in_title: bool = Field(False, description="named in the article's title")
    in_lead: bool = Field(False, description="named in the lead (the first paragraph)")
    frequency: float = Field(0.0, ge=0, le=1,
                             description="share of the article's entity mentions that name it")


class Entity(BaseModel):
    """A named entity of an article: its canonical form, every mention, and a key shared
    across articles.

    ``text`` is the canonical form (the full name: "Sahiba Gafarova" for a later
    "Gafarova"); ``start``/``end`` are the offsets of its first mention in that form
    (``article.text[start:end] == text``); ``mentions`` lists every mention, aliases
    included; ``key`` is the same for the same entity in every
    article ("place:azerbaijan"), so subscribers can aggregate.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    label: str = Field(description="OntoNotes label: PERSON, ORG, GPE, LOC, NORP, ...")
    start: int
    end: int
    count: int = 1
    mentions: list[EntityMention] = Field(default_factory=list)
    salience: Salience | None = None
    key: str | None = Field(None, description="kind:normalised-name, equal across articles")


class DateMention(BaseModel):
    """A date or time expression, normalised (TIMEX3 value, ISO 8601 form)."""

    model_config = ConfigDict(frozen=True)

    text: str
    type: DateType
    value: str
    start: int
    end: int
    mod: str | None = None


class ModelInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    version: str


class Provenance(BaseModel):
    """Which software and models produced a record."""

    model_config = ConfigDict(frozen=True)

    newsflow_version: str
    models: list[ModelInfo] = Field(default_factory=list)


class EnrichedArticle(Article):
    """An article with entities and dates (topic ``news.articles.enriched``)."""

    SCHEMA_NAME: ClassVar[str] = "EnrichedArticle"

    entities: list[Entity] = Field(default_factory=list)
    entities_skipped: str | None = Field(
        None, description="why entities were not extracted (no model for the language, ...)"
    )
    dates: list[DateMention] = Field(default_factory=list)
    enriched_at: AwareDatetime
    provenance: Provenance


MESSAGE_TYPES: tuple[type[Message], ...] = (FeedSpec, FeedState, Link, Article, EnrichedArticle)


def utcnow() -> datetime:
    """The current time, timezone-aware (UTC)."""
    from datetime import UTC

    return datetime.now(UTC)
