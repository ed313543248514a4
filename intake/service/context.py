"""What every part of the service shares: settings, database, blob store, webhook sender and the
claim reader. Routes reach it through a dependency and the worker holds it; neither imports the
other, and nothing here imports either."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from typing import Literal, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from intake.claim_reader import ClaimReader
from intake.service.webhooks import WebhookSender
from intake.settings import Settings
from intake.store.blobs import BlobStore, LocalBlobStore, MinioBlobStore
from intake.store.database import make_engine, migrate, session_factory
from intake.upload.files import Limits, default_limits

PipelineState = Literal["loading", "ready", "unavailable"]


class Runner(Protocol):
    """The reading queue, as the rest of the service sees it: threads of this process (embedded,
    intake/service/queue/embedded.py) or Celery workers elsewhere (intake/service/queue/celery.py)."""

    def start(self) -> None: ...

    def stop(self, timeout: float = 30.0) -> None: ...

    def notify(self, file_id: str) -> None:
        """A file was queued (committed): have it read soon. Losing a notice loses nothing."""
        ...

    def ping(self) -> None:
        """Return if the queue can take work (the broker answers); raise otherwise."""
        ...


def process_owner() -> str:
    """Who holds a lease: host, process and a random part (a pid is reused after a restart)."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class ServiceContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore
    webhooks: WebhookSender
    reader: ClaimReader
    # Set when a file is queued: wakes an idle worker before its next poll.
    work_queued: threading.Event = field(default_factory=threading.Event)
    # Set when a webhook event joins the outbox: wakes its sender.
    outbox_ready: threading.Event = field(default_factory=threading.Event)
    pipeline_state: PipelineState = "loading"  # for /healthz and /readyz
    worker: Runner | None = None
    owner: str = field(default_factory=process_owner)

    @property
    def limits(self) -> Limits:
        """What an upload may be: the packaged limits with this service's INTAKE_MAX_UPLOAD_BYTES."""
        limits = default_limits()
        return limits.with_max_bytes(self.settings.max_upload_bytes or limits.max_file_bytes)


def make_blob_store(settings: Settings) -> BlobStore:
    if settings.s3_endpoint:
        return MinioBlobStore(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_bucket,
            secure=settings.s3_secure,
            region=settings.s3_region,
            timeout=settings.store_timeout,
        )
    return LocalBlobStore(settings.data_dir / "blobs", min_free_bytes=settings.min_free_bytes)


def make_context(settings: Settings, reader: ClaimReader | None = None) -> ServiceContext:
    """Connect to the database (migrated to the newest schema) and the blob store."""
    reader = reader or ClaimReader(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url, statement_timeout=settings.db_statement_timeout)
    migrate(engine)
    return ServiceContext(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        blobs=make_blob_store(settings),
        webhooks=WebhookSender(
            settings.webhook_secret,
            attempts=settings.webhook_attempts,
            timeout=settings.webhook_timeout,
            backoff=settings.webhook_backoff,
            allow_hosts=settings.webhook_hosts,
        ),
        reader=reader,
    )
