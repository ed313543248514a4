"""The production path: Celery workers read the files, `intake serve` only accepts, stores and answers.

A task carries nothing but a file id; the database says what the file is and who holds it. Tasks
are acknowledged late and rejected back to the broker when their worker process dies
(`acks_late`, `reject_on_worker_lost`), so a page in hand when a worker is killed is read again. A
re-delivered task on a file that is done changes nothing (the take is a conditional UPDATE); one
on a file still held under a live lease waits until that lease runs out, then takes it. Transient
faults retry the task with the file's own backoff. And because the broker is only a carrier of
notices, the service's sweeper re-sends any due file whose task was lost (a broker restarted
without persistence, a send that failed while the broker was down): nothing is lost with it.

A file of more than INTAKE_PAGES_PER_TASK pages is shared: its file task splits it into pages and
sends one `intake.read_page` task per page, each taken under a lease of its own, so several workers
read one bundle; the task that reads the last page sends the file task again, which finds the
documents on the pages and settles the claim once. Lost page tasks are re-sent like files.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from celery import Celery, signals

from intake.claim_reader import ClaimReader
from intake.service import writes
from intake.service.context import ServiceContext, make_context
from intake.service.outbox import OutboxSender
from intake.service.processing import process, process_page
from intake.service.queue.leases import Heartbeat
from intake.settings import Settings

log = logging.getLogger("intake.service.worker")

TASK = "intake.read_file"
PAGE_TASK = "intake.read_page"


def celery_app(settings: Settings) -> Celery:
    app = Celery("intake", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,  # a long file must not hold back the next one in a busy worker
        task_default_queue=settings.queue_name,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=5,
        # Sending a notice must not hold an upload for long while the broker is down: the row is
        # committed already, and the sweeper sends what could not be sent.
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
        # Redis: a task not acknowledged this long is delivered again; longer than the longest file.
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            "socket_timeout": 10,
            "socket_connect_timeout": 3,
            "max_retries": 1,
        },
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    return app


class CeleryRunner:
    """The service side: sends a task per upload, re-sends lost ones, sends the webhook outbox."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.app = celery_app(ctx.settings)
        self.outbox = OutboxSender(ctx)
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None
        # The service reads no pages itself; its reader only judges claims and re-reads corrected fields.
        ctx.pipeline_state = "ready"

    def start(self) -> None:
        self._stop.clear()
        self.outbox.start()
        self._sweeper = threading.Thread(target=self._sweep_loop, name="intake-sweeper", daemon=True)
        self._sweeper.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._sweeper is not None:
            self._sweeper.join(timeout)
        self.outbox.stop()

    def send(self, file_ids: list[str], countdown: float | None = None) -> int:
        return send_files(self.app, self.ctx, file_ids, countdown)

    def notify(self, file_id: str) -> None:
        self.send([file_id])

    def ping(self) -> None:
        with self.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)

    def sweep(self) -> int:
        # A task may wait in the broker behind a backlog: re-sending early would only duplicate it.
        resend = self.ctx.settings.resend_seconds
        return self.send(writes.lost_tasks(self.ctx, resend)) + send_pages(
            self.app, self.ctx, writes.lost_pages(self.ctx, resend)
        )

    def _sweep_loop(self) -> None:
        while not self._stop.wait(self.ctx.settings.sweep_seconds):
            try:
                if n := self.sweep():
                    log.info("%d files sent again to the workers", n)
            except Exception as exc:
                log.warning("sweep failed (%s)", type(exc).__name__)


def send_files(app: Celery, ctx: ServiceContext, file_ids: list[str], countdown: float | None = None) -> int:
    sent = []
    for file_id in file_ids:
        try:
            app.send_task(TASK, args=[file_id], queue=ctx.settings.queue_name, countdown=countdown)
        except Exception as exc:  # the broker is down: the sweeper sends it once it is back
            log.warning("file %s: task not sent (%s); the sweeper will resend it", file_id, type(exc).__name__)
            break
        sent.append(file_id)
    if sent:
        writes.mark_dispatched(ctx, sent)
    return len(sent)


def send_pages(app: Celery, ctx: ServiceContext, pages: list[tuple[str, int]]) -> int:
    sent = []
    for file_id, page in pages:
        try:
            app.send_task(PAGE_TASK, args=[file_id, page], queue=ctx.settings.queue_name)
        except Exception as exc:
            log.warning("file %s: page tasks not sent (%s); the sweeper will resend them", file_id, type(exc).__name__)
            break
        sent.append((file_id, page))
    if sent:
        writes.mark_pages_dispatched(ctx, sent)
    return len(sent)


# -- the worker side ---------------------------------------------------------------------------------

_worker_ctx: ServiceContext | None = None
_reader_factory: Callable[[Settings], ClaimReader] = ClaimReader
_lock = threading.Lock()


def worker_context() -> ServiceContext:
    """This worker process's context, made after the fork (an engine must not cross one)."""
    global _worker_ctx
    with _lock:
        if _worker_ctx is None:
            settings = Settings.load()
            ctx = make_context(settings, _reader_factory(settings))
            ctx.reader.load()
            ctx.pipeline_state = "ready"
            Heartbeat(ctx).start()
            _worker_ctx = ctx
        return _worker_ctx


def read_file(task: Any, file_id: str) -> str:
    try:
        ctx = worker_context()
        outcome = process(ctx, file_id, split_above=ctx.settings.pages_per_task)
    except Exception as exc:
        # Not Celery's own report of a failed task: it prints the exception's message and a
        # traceback, and either may quote a member's data. The file's lease brings it back anyway.
        log.error("file %s: task failed (%s); tried again later", file_id, type(exc).__name__)
        raise task.retry(countdown=Settings.load().lease_seconds, max_retries=None) from None
    assert outcome is not None  # a file id was named
    if outcome.state == "split":
        try:
            send_pages(task.app, ctx, [(file_id, n) for n in outcome.pages])
        except Exception as exc:  # the database is away: the sweeper sends what was not marked sent
            log.warning("file %s: page tasks not recorded as sent (%s)", file_id, type(exc).__name__)
    if outcome.retry_in is not None and outcome.state in ("retry", "skipped"):
        raise task.retry(countdown=outcome.retry_in, max_retries=None)
    return outcome.state


def read_page(task: Any, file_id: str, page: int) -> str:
    try:
        ctx = worker_context()
        outcome = process_page(ctx, file_id, page)
    except Exception as exc:
        # As read_file: no message or traceback, and the page's lease brings it back anyway.
        log.error("file %s page %d: task failed (%s); tried again later", file_id, page, type(exc).__name__)
        raise task.retry(countdown=Settings.load().lease_seconds, max_retries=None) from None
    if outcome.state == "last":
        try:
            send_files(task.app, ctx, [file_id])  # to be assembled
        except Exception as exc:  # the file is queued: the sweeper sends it
            log.warning("file %s: assembling not recorded as sent (%s)", file_id, type(exc).__name__)
    if outcome.retry_in is not None and outcome.state in ("retry", "skipped"):
        raise task.retry(countdown=outcome.retry_in, max_retries=None)
    return outcome.state


def worker_app(settings: Settings, reader_factory: Callable[[Settings], ClaimReader] | None = None) -> Celery:
    """The Celery app of `intake worker`, with the reading task registered."""
    global _reader_factory
    if reader_factory is not None:
        _reader_factory = reader_factory
    app = celery_app(settings)
    app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)(read_file)
    app.task(name=PAGE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)(read_page)

    @signals.worker_process_init.connect(weak=False)  # type: ignore[untyped-decorator]
    def _load(**_: Any) -> None:
        # Load the models in each pool process before it takes a task, so the first page is not slow.
        try:
            worker_context()
        except Exception as exc:
            log.error("worker process could not start its context (%s)", type(exc).__name__)

    return app


def run_worker(
    settings: Settings,
    *,
    concurrency: int,
    queues: list[str],
    max_memory_mb: int | None,
    reader_factory: Callable[[Settings], ClaimReader] | None = None,
    loglevel: str = "INFO",
) -> None:
    app = worker_app(settings, reader_factory)
    argv = ["worker", f"--concurrency={concurrency}", f"--queues={','.join(queues)}", f"--loglevel={loglevel}"]
    # A node name of its own per worker process: with the default (celery@host) a second worker
    # on one host dies at start on RabbitMQ, whose remote-control queue "celery@host.celery.pidbox"
    # is exclusive (RESOURCE_LOCKED, seen in tests/test_scale_celery.py on RabbitMQ); Celery
    # expands %h to the host name.
    argv.append(f"--hostname=intake-{os.getpid()}@%h")
    argv += ["--pool=prefork", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if max_memory_mb:
        # Celery replaces a pool process whose resident memory went over this after its task.
        argv.append(f"--max-memory-per-child={max_memory_mb * 1024}")
    app.worker_main(argv)
