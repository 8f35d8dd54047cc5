"""How results look on stdout: enriched articles for people, and records as JSON lines."""

from __future__ import annotations

from typing import Any

import orjson


def article_summary(article: dict[str, Any], top: int = 8) -> str:
    """A few lines per enriched article: title, date, top entities, dates."""
    title = article.get("title") or "(untitled)"
    published = article.get("published") or "unknown date"
    lines = [f"● {title}"]
    meta = [f"published {published} ({article.get('published_source', 'none')})"]
    if article.get("language"):
        meta.append(str(article["language"]))
    if article.get("authors"):
        meta.append("by " + ", ".join(article["authors"]))
    lines.append("  " + " · ".join(meta))
    lines.append(f"  {article.get('canonical_url') or article.get('url')}")
    entities = article.get("entities") or []
    if entities:
        shown = ", ".join(
            f"{e['text']} ({e['label']}{' ×' + str(e['count']) if e.get('count', 1) > 1 else ''})"
            for e in entities[:top]
        )
        more = f" … +{len(entities) - top}" if len(entities) > top else ""
        lines.append(f"  entities: {shown}{more}")
    dates = article.get("dates") or []
    if dates:
        shown = ", ".join(f"{d['text']} → {d['value']}" for d in dates[:top])
        more = f" … +{len(dates) - top}" if len(dates) > top else ""
        lines.append(f"  dates: {shown}{more}")
    return "\n".join(lines) + "\n"


def record_json(topic: str, partition: int, offset: int, key: bytes | None,
                value: bytes | None, headers: Any) -> bytes:
    """One consumed record as a JSON line (the value parsed when it is JSON)."""
    parsed: Any = None
    if value is not None:
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            parsed = value.decode("utf-8", "replace")
    return orjson.dumps({
        "topic": topic, "partition": partition, "offset": offset,
        "key": key.decode("utf-8", "replace") if key is not None else None,
        "headers": {k: v.decode("utf-8", "replace") for k, v in (headers or ())},
        "value": parsed,
    }) + b"\n"
