"""The embedded default: threads of the service process read uploads, one file at a time each.

The queue is the files table itself. An upload is committed as a `queued` row (after its bytes are
in the blob store) before the client hears 202, so an acknowledged upload cannot be lost; a thread
takes a row under a lease (intake.service.writes.take_file), so two threads, or two processes on
one database, never read the same file; a crash leaves the row `processing` under a lease that
stops being renewed, and the file is taken again when it runs out.
"""

from __future__ import annotations

import logging
import threading
import time

from intake.service import writes
from intake.service.context import ServiceContext
from intake.service.outbox import OutboxSender
from intake.service.processing import Outcome, process, process_page
from intake.service.queue.leases import Heartbeat

log = logging.getLogger("intake.service.worker")


class EmbeddedRunner:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.heartbeat = Heartbeat(ctx)
        self.outbox = OutboxSender(ctx)

    def start(self) -> None:
        self._stop.clear()
        self.heartbeat.start()
        self.outbox.start()
        for i in range(self.ctx.settings.workers):
            t = threading.Thread(target=self._loop, name=f"intake-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 30.0) -> None:
        """Let each thread finish the file in hand; what is still queued stays queued for next time."""
        self._stop.set()
        self.ctx.work_queued.set()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
        self.heartbeat.stop()
        self.outbox.stop()

    def notify(self, file_id: str) -> None:
        self.ctx.work_queued.set()

    def ping(self) -> None:
        if self.ctx.pipeline_state != "ready":
            raise RuntimeError(f"the reading pipeline is {self.ctx.pipeline_state}")

    def _ready(self) -> bool:
        """Load the models before taking work: a file must not fail because the service is broken."""
        try:
            self.ctx.reader.load()
        except Exception as exc:
            self.ctx.pipeline_state = "unavailable"
            log.error("the reading pipeline cannot be loaded (%s); uploads stay queued", type(exc).__name__)
            self._stop.wait(30.0)
            return False
        self.ctx.pipeline_state = "ready"
        return True

    def _a_page(self) -> Outcome | None:
        """A page of a file split by Celery workers before the service was started without a
        broker: the threads here never split a file, but finish what was split."""
        for file_id, page in writes.due_pages(self.ctx, limit=1):
            outcome = process_page(self.ctx, file_id, page)
            if outcome.state == "last":
                self.ctx.work_queued.set()  # the file is queued to be assembled
            return outcome
        return None

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self._ready():
                continue
            self.ctx.work_queued.clear()
            try:
                outcome = process(self.ctx)
                if outcome is None:
                    outcome = self._a_page()
            except Exception as exc:  # keep the thread alive whatever one file or the database did
                log.error("worker error (%s); retrying shortly", type(exc).__name__)
                self._stop.wait(1.0)
                continue
            if outcome is None:
                self.ctx.work_queued.wait(self.ctx.settings.poll_seconds)
            elif outcome.state == "retry" and outcome.retry_in:
                # Everything due may be failing the same way (the store is down): do not spin.
                self._stop.wait(min(outcome.retry_in, self.ctx.settings.poll_seconds))
