"""Prometheus metrics of every stage, with closed label sets.

Names follow the Prometheus conventions (``_total`` counters, ``_seconds`` and
``_bytes`` histograms). Labels are taken from closed sets only: a stage name,
a result, a reason; never a URL or a feed id. ``deploy/`` (the Grafana
dashboard and the alert rules) uses exactly these names.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

#: Stage names, the values of every ``stage`` label.
STAGES = ("poll", "fetch", "enrich")

#: Results of one feed poll.
POLL_RESULTS = ("new", "unchanged", "not_modified", "error")

#: Reasons a feed item was skipped.
SKIP_REASONS = ("unlinked", "too_old")

#: Reasons a message failed in a stage: the one closed set every stage, the DLQ headers
#: (``dlq.reason``), the metrics and ``newsflow dlq`` share. Add a name here, never ad hoc.
#:
#: - ``invalid``: the input does not decode into its message type (a poison message);
#: - ``fetch``: the page could not be fetched (HTTP status, connection);
#: - ``timeout``: a fetch or a worker task ran out of time;
#: - ``too_large``: a body or an output over its size limit;
#: - ``forbidden_address``: the link resolves to an address the HTTP guard refuses;
#: - ``robots``: robots.txt disallows the link;
#: - ``not_article``: the page is not an article (paywall stub, consent wall, index page, PDF, …);
#: - ``extract``: no main text could be extracted;
#: - ``enrich``: enrichment failed;
#: - ``produce``: an output was refused by the broker for good;
#: - ``internal``: a bug: the stage raised.
FAIL_REASONS = (
    "invalid", "fetch", "timeout", "too_large", "forbidden_address", "robots", "not_article",
    "extract", "enrich", "produce", "internal",
)

REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_E2E_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600)

MESSAGES_IN = Counter(
    "newsflow_messages_in_total", "Messages consumed by a stage", ["stage"], registry=REGISTRY
)
MESSAGES_OUT = Counter(
    "newsflow_messages_out_total",
    "Messages produced by a stage and acknowledged by the broker",
    ["stage"],
    registry=REGISTRY,
)
MESSAGES_FAILED = Counter(
    "newsflow_messages_failed_total",
    "Messages a stage could not process (each one went to the dead-letter topic)",
    ["stage", "reason"],
    registry=REGISTRY,
)
DLQ_MESSAGES = Counter(
    "newsflow_dlq_messages_total",
    "Messages written to the dead-letter topic",
    ["stage"],
    registry=REGISTRY,
)
DUPLICATES = Counter(
    "newsflow_duplicates_total",
    "Input messages skipped because their article was already processed",
    ["stage"],
    registry=REGISTRY,
)
RETRIES = Counter(
    "newsflow_retries_total", "Retried attempts of a unit of work", ["stage"], registry=REGISTRY
)
FEED_POLLS = Counter(
    "newsflow_feed_polls_total", "Feed polls by result", ["result"], registry=REGISTRY
)
FEED_ITEMS_SKIPPED = Counter(
    "newsflow_feed_items_skipped_total",
    "Feed items not turned into links: no usable http(s) link, or older than the max age",
    ["reason"],
    registry=REGISTRY,
)
FEEDS_OWNED = Gauge(
    "newsflow_feeds_owned", "Feeds owned (scheduled) by this process", registry=REGISTRY
)
FETCH_SECONDS = Histogram(
    "newsflow_fetch_duration_seconds",
    "Time to fetch one article page, redirects included",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
FETCH_BYTES = Histogram(
    "newsflow_fetch_size_bytes",
    "Size of fetched article pages",
    buckets=(1e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7),
    registry=REGISTRY,
)
EXTRACT_SECONDS = Histogram(
    "newsflow_extract_duration_seconds",
    "Time to clean one batch of pages in a worker process",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
ENRICH_SECONDS = Histogram(
    "newsflow_enrich_duration_seconds",
    "Time to enrich one batch of articles in a worker process",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
# --- enrichment parts ---------------------------------------------------------------------
ENRICH_PARTS = ("dates", "entities")
ENRICH_ERRORS = Counter(
    "newsflow_enrich_errors_total",
    "Enrichment parts that failed on an article (logged; the article is published without it)",
    ["part"],
    registry=REGISTRY,
)
INGEST_TO_SINK_SECONDS = Histogram(
    "newsflow_ingest_to_sink_seconds",
    "Time from a link's discovery by a poller to its enriched article's acknowledgement",
    buckets=_E2E_BUCKETS,
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "newsflow_consumer_lag_messages",
    "Messages in a stage's input partitions not yet consumed (high watermark - position)",
    ["stage"],
    registry=REGISTRY,
)
WORKER_RESTARTS = Counter(
    "newsflow_worker_restarts_total",
    "Worker processes replaced after a task overran its deadline or a worker died",
    ["pool"],
    registry=REGISTRY,
)
# --- stage runtime: delivery, restores, stalls -------------------------------------------
PRODUCE_RETRIES = Counter(
    "newsflow_produce_retries_total",
    "Records sent again after a retriable broker error",
    ["stage"],
    registry=REGISTRY,
)
RESTORE_FAILURES = Counter(
    "newsflow_restore_failures_total",
    "Table restores of a partition that failed (retried with backoff)",
    ["stage"],
    registry=REGISTRY,
)
OLDEST_UNCOMMITTED_SECONDS = Gauge(
    "newsflow_oldest_uncommitted_seconds",
    "Age of the oldest input record (or running poll) a stage holds and has not finished",
    ["stage"],
    registry=REGISTRY,
)
STAGE_READY = Gauge(
    "newsflow_stage_ready",
    "1 while a stage is ready (restored, writing, committing), else 0",
    ["stage"],
    registry=REGISTRY,
)
BROKER_UP = Gauge(
    "newsflow_broker_up",
    "1 while the broker answers this process's metadata probe in time, else 0",
    registry=REGISTRY,
)
BUILD_INFO = Gauge(
    "newsflow_build_info", "Version of the running newsflow", ["version"], registry=REGISTRY
)


def metric_names() -> set[str]:
    """Every sample name this registry can expose (used to check dashboards and rules)."""
    names: set[str] = set()
    for metric in REGISTRY.collect():
        names.add(metric.name)
        if metric.type == "counter":
            names.add(metric.name + "_total")
            names.add(metric.name + "_created")
        elif metric.type == "histogram":
            names.update(metric.name + s for s in ("_bucket", "_sum", "_count", "_created"))
    return names
