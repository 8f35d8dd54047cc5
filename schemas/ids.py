"""Stable identities: URL normalisation, ``feed_id`` and ``article_id``.

``feed_id`` hashes the feed URL as registered; ``article_id`` hashes the item
link after normalisation (scheme and host case, default ports, fragments and
tracking parameters removed, query sorted), so every copy of one article has
the same key on every topic.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that only track a click, never select content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "mc_cid", "mc_eid", "igshid",
        "yclid", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "cmpid", "ncid", "ocid",
        "sr_share", "at_medium", "at_campaign", "wt_mc", "icid", "spm",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "oly_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lower = name.lower()
    return lower in TRACKING_PARAMS or lower.startswith(_TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """Normalise a URL for identity: same article, same string.

    Lower-cases scheme and host, drops default ports, fragments, empty and
    tracking query parameters (``a=``; a bare key such as ``?1234`` selects
    content and is kept), sorts the remaining ones, and gives an empty path
    as ``/``. Anything that is not an absolute http(s) URL is returned
    stripped but otherwise unchanged.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6: keep the brackets, or host and port run together
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode(
        sorted(
            (k, v)
            for field in parts.query.split("&")
            for k, v in parse_qsl(field, keep_blank_values="=" not in field)
            if not _is_tracking(k)
        )
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def feed_id(url: str) -> str:
    """The stable id of a feed: a hash of its URL as registered (stripped)."""
    return _digest(url.strip())


def article_id(link: str) -> str:
    """The stable id of an article: a hash of its normalised link."""
    return _digest(normalize_url(link))


def content_hash(text: str) -> str:
    """A hash of an article's text, whitespace folded: same content, same hash."""
    return _digest(" ".join(text.split()))
