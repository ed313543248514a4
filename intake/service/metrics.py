"""Prometheus metrics (prometheus-client): what an operator watches (README, Deployment).

Counters and histograms live in the process that does the work: the service process for HTTP
and, in the embedded mode, for reading; each `intake worker` exports its pool's reading metrics on
its own port (--metrics-port, multi-process mode). Queue depth and outbox backlog are read from
the database when /metrics is scraped, so every API process reports the same truth.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import func, select

REQUESTS = Counter(
    "intake_http_requests_total", "HTTP requests by route, method and status", ["route", "method", "status"]
)
REQUEST_SECONDS = Histogram("intake_http_request_seconds", "HTTP request duration by route", ["route"])
UPLOAD_BYTES = Counter("intake_upload_bytes_total", "Bytes of accepted uploads")
STAGE_SECONDS = Histogram(
    "intake_task_seconds",
    "Time per stage of reading a file: fetch (the original from the store), read (OCR and the rest), "
    "store (page images), write (results)",
    ["stage"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
PAGES = Counter("intake_pages_total", "Pages read (pages per second: rate())")
FILES = Counter("intake_files_total", "Files finished by outcome: done, failed, retry", ["outcome"])
FAILURES = Counter("intake_file_failures_total", "Files failed, by reason code", ["reason"])
TRANSIENT = Counter("intake_transient_faults_total", "Attempts put back by a transient fault, by kind", ["kind"])


class DatabaseGauges(Collector):
    """Queue depth and outbox backlog, read when scraped."""

    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from intake.store.tables import FileRow, OutboxRow

        depth = GaugeMetricFamily("intake_queue_depth", "Files by state (queued, processing)", labels=["status"])
        outbox = GaugeMetricFamily("intake_webhook_outbox_pending", "Webhook events not yet delivered")
        try:
            with self.sessions() as s:
                counts = dict(
                    s.execute(
                        select(FileRow.status, func.count())
                        .where(FileRow.status.in_(("queued", "processing", "split")))
                        .group_by(FileRow.status)
                    ).all()
                )
                pending = s.scalar(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.delivered_at.is_(None), OutboxRow.given_up_at.is_(None))
                )
        except Exception:
            return  # the database is away: /readyz says so; the gauges are left out
        for status in ("queued", "processing"):
            # A file read page by page (split) is processing, as the API shows it.
            n = counts.get(status, 0) + (counts.get("split", 0) if status == "processing" else 0)
            depth.add_metric([status], float(n))
        outbox.add_metric([], float(pending or 0))
        yield depth
        yield outbox


def exposition(sessions: Any) -> bytes:
    registry = CollectorRegistry()
    registry.register(_Delegate())
    registry.register(DatabaseGauges(sessions))
    return bytes(generate_latest(registry))


class _Delegate(Collector):
    """The process's own metrics (the default registry) inside a per-scrape registry."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()
