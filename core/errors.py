"""The exception tree of newsflow.

    NewsflowError
    ├── RetriableError      a later attempt may succeed (timeouts, 5xx, 429, resets)
    │   └── FetchTimeout
    └── PermanentError      retrying will not help (4xx, too large, not a page, bad data)
        ├── TooLarge
        ├── ForbiddenAddress  the address guard refused the host (loopback, private, ...)
        └── RobotsDisallowed  the site's robots.txt disallows the URL

Lower-level errors (httpx, lxml, aiokafka) are translated at the boundary,
``raise Mapped(msg) from exc``, so stages decide on retries by type alone.
Each error carries a ``reason`` from the closed set of metric labels.
"""

from __future__ import annotations


class NewsflowError(Exception):
    reason = "internal"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class RetriableError(NewsflowError):
    """A later attempt may succeed."""

    def __init__(self, message: str, *, reason: str | None = None, retry_after: float | None = None):
        super().__init__(message, reason=reason)
        self.retry_after = retry_after


class FetchTimeout(RetriableError):
    reason = "timeout"


class PermanentError(NewsflowError):
    """Retrying will not help."""


class TooLarge(PermanentError):
    reason = "too_large"


class ForbiddenAddress(PermanentError):
    reason = "forbidden_address"


class RobotsDisallowed(PermanentError):
    reason = "robots"
