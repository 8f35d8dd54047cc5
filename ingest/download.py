"""Downloading one article page: the HTTP client's GET with bounded, jittered retries.

The HTTP client (``core/http.py``) owns every limit that protects the network
and this process (address guard, politeness, size and time caps); this module
decides only what to retry and how long to wait, and turns the outcome into a
page or a :class:`~newsflow.core.runtime.Failure` with its reason.
"""

from __future__ import annotations

import asyncio
import random

from newsflow.core import metrics
from newsflow.core.errors import PermanentError, RetriableError
from newsflow.core.http import HttpClient, HttpResponse, check_status
from newsflow.core.runtime import Failure
from newsflow.core.settings import Settings

from .pagekind import content_kind

#: Content types the cleaner may be handed; anything else is ``not_article`` (its kind: pdf, non_html).
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


async def download(
    http: HttpClient, url: str, settings: Settings, *, stage: str = "fetch",
    robots: bool | None = None,
) -> HttpResponse | Failure:
    """The page at ``url`` after at most ``settings.fetch_attempts`` attempts, or why not.

    ``robots`` is the feed's robots.txt choice (None: ``settings.http_robots``).
    """
    attempts = settings.fetch_attempts
    for attempt in range(1, attempts + 1):
        try:
            response = await http.get(url, headers={"Accept": ACCEPT}, robots=robots)
            metrics.FETCH_SECONDS.observe(response.elapsed_s)
            metrics.FETCH_BYTES.observe(len(response.body))
            check_status(response)
            if response.content_type not in HTML_TYPES:
                return Failure("not_article", f"{url}: not a web page: {response.content_type}",
                               attempt, {"kind": content_kind(response.content_type)})
            return response
        except PermanentError as exc:
            return Failure(exc.reason, f"{url}: {exc}", attempt)
        except RetriableError as exc:
            if attempt == attempts:
                return Failure(exc.reason, f"{url}: {exc} (after {attempt} attempts)", attempt)
            metrics.RETRIES.labels(stage).inc()
            delay = settings.fetch_backoff_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
            if exc.retry_after is not None:
                delay = max(delay, min(exc.retry_after, 60.0))
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")
