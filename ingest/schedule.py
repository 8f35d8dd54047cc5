"""When to poll a feed next: adaptive intervals, error backoff, server hints."""

from __future__ import annotations

import random

from newsflow.schemas import FeedSpec


def next_interval(
    spec: FeedSpec,
    current_s: float,
    *,
    result: str,
    error_streak: int = 0,
    server_hint_s: float | None = None,
    error_max_s: float = 6 * 3600,
) -> float:
    """Seconds until the next poll.

    New items shorten the interval (halved, down to the feed's minimum); an
    unchanged feed lengthens it (×1.5, up to its maximum); errors back off
    exponentially from the minimum, up to ``error_max_s``. A server hint
    (Retry-After, Cache-Control max-age, RSS ttl) is a lower bound. A small
    jitter spreads feeds that share a schedule.
    """
    low, high = spec.min_interval_s, max(spec.min_interval_s, spec.max_interval_s)
    if result == "error":
        interval = min(error_max_s, low * (2 ** min(error_streak, 16)))
    elif result == "new":
        interval = max(low, current_s / 2)
    else:
        interval = min(high, max(low, current_s * 1.5))
    floor = low
    if server_hint_s is not None:
        floor = max(low, min(server_hint_s, error_max_s))
        interval = max(interval, floor)
    ceiling = max(floor, error_max_s if result == "error" else high)
    # The jitter must not break the bounds: the minimum, the server's hint, the maximum.
    return min(ceiling, max(floor, interval * random.uniform(0.95, 1.05)))


def cache_hint(cache_control: str | None) -> float | None:
    """``max-age`` of a Cache-Control header, in seconds."""
    if not cache_control:
        return None
    for part in cache_control.split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() == "max-age" and value.strip().isdecimal():
            return float(value.strip())
    return None
