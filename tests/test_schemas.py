"""Message contracts: identities, encoding, the ``schema`` header, and the JSON Schemas."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import orjson
import pytest

from newsflow.schemas import (
    MESSAGE_TYPES,
    Article,
    DateMention,
    EnrichedArticle,
    Entity,
    FeedSpec,
    FeedState,
    InvalidMessage,
    Link,
    Message,
    ModelInfo,
    Provenance,
    SchemaMismatch,
    article_id,
    content_hash,
    decode,
    encode,
    feed_id,
    headers_for,
    normalize_url,
)
from newsflow.schemas.export import render

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas" / "json"
T0 = datetime(2025, 6, 10, 9, 30, tzinfo=timezone(timedelta(hours=2)))
URL = "https://news.example.org/2025/06/10/tram-line"
FEED = "https://news.example.org/feed.xml"

# --- identities -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # tracking parameters go, whatever their case; others stay
        (URL + "?utm_source=rss&utm_medium=feed&utm_campaign=x", URL),
        (URL + "?UTM_Source=rss&id=5", URL + "?id=5"),
        (URL + "?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&pk_kwd=5&mtm_source=6&igshid=7", URL),
        (URL + "?page=2&ref_src=twsrc&at_medium=x&oly_enc_id=y", URL + "?page=2"),
        # fragments go
        (URL + "#comments", URL),
        (URL + "?page=2#top", URL + "?page=2"),
        # default ports go, other ports stay
        ("http://news.example.org:80/a", "http://news.example.org/a"),
        ("https://news.example.org:443/a", "https://news.example.org/a"),
        ("https://news.example.org:8443/a", "https://news.example.org:8443/a"),
        ("http://news.example.org:443/a", "http://news.example.org:443/a"),
        # scheme and host case, trailing dot; the path keeps its case
        ("HTTPS://News.Example.ORG/Path/Case", "https://news.example.org/Path/Case"),
        ("https://news.example.org./a", "https://news.example.org/a"),
        # the query is sorted; empty parameters go
        ("https://x.org/a?b=2&a=1&c=3", "https://x.org/a?a=1&b=2&c=3"),
        ("https://x.org/a?b=&a=1", "https://x.org/a?a=1"),
        ("https://x.org/a?", "https://x.org/a"),
        # an empty path is "/"
        ("https://x.org", "https://x.org/"),
        ("https://x.org?a=1", "https://x.org/?a=1"),
        # surrounding whitespace
        ("  https://x.org/a  \n", "https://x.org/a"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected
    assert normalize_url(expected) == expected, "normalising is idempotent"


@pytest.mark.parametrize(
    "url",
    [
        "mailto:Desk@Example.ORG?utm_source=x",
        "ftp://Example.ORG:21/file#frag",
        "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
        "/relative/path?utm_source=x#frag",
        "tag:example.org,2025:Story-1",
        "javascript:void(0)",
    ],
)
def test_normalize_url_leaves_non_http_untouched(url: str) -> None:
    assert normalize_url(url) == url
    assert normalize_url(f"  {url} ") == url


def test_query_keys_without_values_select_content() -> None:
    a, b = "https://x.org/article.php?1234", "https://x.org/article.php?1235"
    assert article_id(a) != article_id(b), "two articles must not share one id"
    assert article_id(a) != article_id("https://x.org/article.php")
    assert article_id(a) == article_id(a + "&utm_source=rss#top")


def test_ipv6_hosts_keep_their_brackets() -> None:
    assert normalize_url("http://[::1]:8080/a") == "http://[::1]:8080/a"
    assert normalize_url("http://[::1]:80/a") == "http://[::1]/a"
    assert article_id("http://[::1]:8080/a") != article_id("http://[::1:8080]/a")


def test_article_id() -> None:
    aid = article_id(URL)
    assert re.fullmatch(r"[0-9a-f]{32}", aid)
    same = [URL + "?utm_source=rss", URL + "#x", "HTTPS://NEWS.example.org:443/2025/06/10/tram-line"]
    assert {article_id(u) for u in same} == {aid}
    assert article_id(URL + "?page=2") != aid
    assert article_id(URL.replace("tram", "Tram")) != aid, "the path is case-sensitive"
    assert article_id("http" + URL.removeprefix("https")) != aid, "the scheme counts"


def test_feed_id_is_stable() -> None:
    fid = feed_id(FEED)
    assert fid == feed_id(FEED) == feed_id(f"  {FEED}\n")
    # The value itself must never change: it keys news.feeds and news.feed-state.
    assert fid == "3e59a5030cc5b49febbb895807e22b48"
    assert re.fullmatch(r"[0-9a-f]{32}", fid)
    assert feed_id(FEED + "?format=atom") != fid
    assert feed_id(FEED.replace("news.", "NEWS.")) != fid, "the URL as registered, not normalised"


def test_content_hash_folds_whitespace() -> None:
    assert content_hash("A  story\n\nin  two\tparts ") == content_hash("A story in two parts")
    assert content_hash("A story") != content_hash("A Story")


# --- sample messages ------------------------------------------------------------------------------


def samples() -> dict[type[Message], Message]:
    fid = feed_id(FEED)
    aid = article_id(URL)
    article_fields = dict(
        article_id=aid, url=URL + "?utm_source=rss", final_url=URL, canonical_url=URL,
        feed_id=fid, title="Council approves the new tram line",
        text="The city council of Zürich voted 31 to 12 on 10 June 2025 for the tram line.",
        description="A vote", site_name="Example News", authors=["Jane Doe", "Zoé Müller"],
        published="2025-06-10T09:30:00+02:00", published_source="page", language="en",
        content_hash=content_hash("The city council ..."), discovered_at=T0,
        fetched_at=T0 + timedelta(seconds=3), newsflow_version="0.1.0",
    )
    return {
        FeedSpec: FeedSpec(feed_id=fid, url=FEED, title="Example News", tags=["local", "de"],
                           language="de", min_interval_s=120, max_interval_s=7200, enabled=False,
                           added_at=T0),
        FeedState: FeedState(
            feed_id=fid, url=FEED + "?moved", moved_to=FEED + "?moved", etag='W/"abc"',
            last_modified="Tue, 10 Jun 2025 07:30:00 GMT", body_hash="0" * 32,
            last_polled_at=T0, next_poll_at=T0 + timedelta(minutes=5), interval_s=300,
            last_status=200, last_result="new", error_streak=2, last_error="RetriableError: x",
            last_error_at=T0 - timedelta(hours=1), items_total=42, seen=[aid, "f" * 32],
        ),
        Link: Link(article_id=aid, url=URL, feed_id=fid, feed_url=FEED, feed_title="Example News",
                   title="Tram", summary="A vote", published="2025-06-10T09:30:00+02:00",
                   authors=["Jane Doe"], discovered_at=T0),
        Article: Article(**article_fields),
        EnrichedArticle: EnrichedArticle(
            **article_fields,
            entities=[Entity(text="Zürich", label="GPE", start=17, end=23, count=2),
                      Entity(text="Jane Doe", label="PERSON", start=0, end=8)],
            dates=[DateMention(text="10 June 2025", type="DATE", value="2025-06-10", start=45,
                               end=57),
                   DateMention(text="two weeks", type="DURATION", value="P2W", start=0, end=9,
                               mod="APPROX")],
            enriched_at=T0 + timedelta(seconds=5),
            provenance=Provenance(newsflow_version="0.1.0",
                                  models=[ModelInfo(name="en_core_web_sm", version="3.8.0")]),
        ),
    }


def test_every_message_type_has_a_sample() -> None:
    assert set(samples()) == set(MESSAGE_TYPES)


@pytest.mark.parametrize("model", MESSAGE_TYPES, ids=lambda m: m.SCHEMA_NAME)
def test_round_trip(model: type[Message]) -> None:
    message = samples()[model]
    value = encode(message)
    headers = headers_for(message)
    assert headers == [("schema", f"{model.SCHEMA_NAME}/1".encode())]
    decoded = decode(model, value, headers)
    assert decoded == message
    assert type(decoded) is model
    assert encode(decoded) == value, "encoding is deterministic"
    assert decode(model, value) == message, "the header is optional"
    # Datetimes keep their offset through the wire.
    doc = orjson.loads(value)
    stamps = [v for v in doc.values() if isinstance(v, str) and v.startswith("2025-06-10T")]
    assert stamps and all(s.endswith("+02:00") for s in stamps)


def test_unknown_fields_are_ignored() -> None:
    link = samples()[Link]
    doc = orjson.loads(encode(link)) | {"added_in_a_later_minor_version": [1, 2]}
    assert decode(Link, orjson.dumps(doc), headers_for(link)) == link


@pytest.mark.parametrize(
    "header",
    [b"Article/1", b"Link/2", b"Link", b"link/1", b"Link/1.1", b"", b"\xff\xfe"],
)
def test_wrong_schema_header(header: bytes) -> None:
    value = encode(samples()[Link])
    with pytest.raises(SchemaMismatch, match="expected Link/1"):
        decode(Link, value, [("other", b"x"), ("schema", header)])


def test_an_enriched_article_is_not_an_article_on_the_wire() -> None:
    enriched = samples()[EnrichedArticle]
    with pytest.raises(SchemaMismatch):
        decode(Article, encode(enriched), headers_for(enriched))


@pytest.mark.parametrize(
    "value",
    [b"", b"not json", b"{", b"[]", b"null", b'"a string"', b"\xff\xfe\x00"],
)
def test_invalid_json(value: bytes) -> None:
    with pytest.raises(InvalidMessage, match="Link"):
        decode(Link, value, headers_for(samples()[Link]))


def test_empty_value() -> None:
    with pytest.raises(InvalidMessage, match="empty value"):
        decode(FeedState, None)


@pytest.mark.parametrize("model", MESSAGE_TYPES, ids=lambda m: m.SCHEMA_NAME)
def test_missing_required_field(model: type[Message]) -> None:
    doc = orjson.loads(encode(samples()[model]))
    del doc["feed_id"]
    with pytest.raises(InvalidMessage, match="feed_id"):
        decode(model, orjson.dumps(doc))


@pytest.mark.parametrize(
    ("model", "field", "bad"),
    [
        (Link, "discovered_at", "2025-06-10T09:30:00"),  # naive: not allowed
        (Link, "discovered_at", "yesterday"),
        (FeedSpec, "min_interval_s", 0),
        (Article, "published_source", "twitter"),
        (EnrichedArticle, "entities", [{"text": "x", "label": "GPE"}]),
        (EnrichedArticle, "dates", [{"text": "x", "type": "MONTH", "value": "x", "start": 0,
                                     "end": 1}]),
        (FeedState, "seen", "not a list"),
    ],
)
def test_invalid_field(model: type[Message], field: str, bad: object) -> None:
    doc = orjson.loads(encode(samples()[model])) | {field: bad}
    with pytest.raises(InvalidMessage, match=field):
        decode(model, orjson.dumps(doc))


# --- JSON Schemas ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MESSAGE_TYPES, ids=lambda m: m.SCHEMA_NAME)
def test_committed_json_schemas_are_current(model: type[Message]) -> None:
    path = SCHEMA_DIR / f"{model.SCHEMA_NAME}-{model.SCHEMA_MAJOR}.schema.json"
    assert path.is_file(), f"{path} is missing: run `python -m newsflow.schemas.export`"
    assert path.read_bytes() == render(model), (
        f"{path.name} is out of date with the model: run `python -m newsflow.schemas.export`"
    )


def test_no_stray_json_schemas() -> None:
    expected = {f"{m.SCHEMA_NAME}-{m.SCHEMA_MAJOR}.schema.json" for m in MESSAGE_TYPES}
    assert {p.name for p in SCHEMA_DIR.glob("*.json")} == expected


def schema_of(model: type[Message]) -> dict[str, object]:
    return orjson.loads((SCHEMA_DIR / f"{model.SCHEMA_NAME}-1.schema.json").read_bytes())


@pytest.mark.parametrize("model", MESSAGE_TYPES, ids=lambda m: m.SCHEMA_NAME)
def test_samples_validate_against_their_json_schema(model: type[Message]) -> None:
    schema = schema_of(model)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://newsflow.dev/schemas/{model.SCHEMA_NAME}-1.json"
    jsonschema.validate(orjson.loads(encode(samples()[model])), schema,
                        cls=jsonschema.Draft202012Validator)


def test_enriched_article_json_schema_rejects_bad_instances() -> None:
    schema = schema_of(EnrichedArticle)
    validator = jsonschema.Draft202012Validator(schema)
    doc = orjson.loads(encode(samples()[EnrichedArticle]))
    assert validator.is_valid(doc)
    missing = {k: v for k, v in doc.items() if k != "article_id"}
    errors = list(validator.iter_errors(missing))
    assert errors and any("article_id" in e.message for e in errors)
    assert not validator.is_valid(doc | {"published_source": "twitter"})
    assert not validator.is_valid(doc | {"entities": [{"text": "x", "label": "GPE"}]})
    assert not validator.is_valid(doc | {"dates": [doc["dates"][0] | {"type": "MONTH"}]})
    assert not validator.is_valid(doc | {"provenance": {"models": []}})


ENRICHED_FIELDS = {
    "article_id", "url", "canonical_url", "feed_id", "title", "text", "published",
    "published_source", "language", "authors", "entities", "dates", "fetched_at", "enriched_at",
    "provenance",
}
ENTITY_FIELDS = {"text", "label", "start", "end", "count"}
DATE_FIELDS = {"text", "type", "value", "start", "end"}


def test_enriched_article_has_the_contract_fields() -> None:
    doc = orjson.loads(encode(samples()[EnrichedArticle]))
    assert ENRICHED_FIELDS <= set(doc), f"missing: {ENRICHED_FIELDS - set(doc)}"
    assert all(ENTITY_FIELDS <= set(e) for e in doc["entities"])
    assert all(DATE_FIELDS <= set(d) for d in doc["dates"])
    assert set(doc["provenance"]) >= {"newsflow_version", "models"}
    assert set(doc["provenance"]["models"][0]) == {"name", "version"}
    # Every field is present on the wire even when it has no value.
    minimal = EnrichedArticle(
        article_id="a", url="https://x.org/", feed_id="f", text="t", content_hash="h",
        discovered_at=T0, fetched_at=T0, newsflow_version="0", enriched_at=T0,
        provenance=Provenance(newsflow_version="0"),
    )
    minimal_doc = orjson.loads(encode(minimal))
    assert ENRICHED_FIELDS <= set(minimal_doc)
    assert minimal_doc["entities"] == [] and minimal_doc["canonical_url"] is None
    assert minimal_doc["published_source"] == "none"
    # And the JSON Schema documents the same names.
    schema = schema_of(EnrichedArticle)
    assert ENRICHED_FIELDS <= set(schema["properties"])  # type: ignore[arg-type]
    defs = schema["$defs"]
    assert ENTITY_FIELDS <= set(defs["Entity"]["properties"])  # type: ignore[index]
    assert DATE_FIELDS <= set(defs["DateMention"]["properties"])  # type: ignore[index]
    assert {"article_id", "url", "feed_id", "text", "enriched_at", "provenance"} <= set(
        schema["required"]  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("model", MESSAGE_TYPES, ids=lambda m: m.SCHEMA_NAME)
def test_every_model_json_matches_its_schema_properties(model: type[Message]) -> None:
    doc = orjson.loads(encode(samples()[model]))
    assert set(doc) == set(schema_of(model)["properties"])  # type: ignore[arg-type]
    assert "feed_id" in doc


def test_aware_datetimes_only() -> None:
    with pytest.raises(ValueError):
        Link(article_id="a", url=URL, feed_id="f", feed_url=FEED,
             discovered_at=datetime(2025, 6, 10, 9, 30))
    link = Link(article_id="a", url=URL, feed_id="f", feed_url=FEED,
                discovered_at=datetime(2025, 6, 10, 9, 30, tzinfo=UTC))
    assert orjson.loads(encode(link))["discovered_at"] in (
        "2025-06-10T09:30:00Z", "2025-06-10T09:30:00+00:00")
