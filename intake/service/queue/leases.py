"""The heartbeat that keeps a process's leases alive while it reads: every third of a lease, one
UPDATE renews every file the process holds. If the process dies, the renewals stop and its files
are due again once their leases run out, in whichever process looks first."""

from __future__ import annotations

import logging
import threading

from intake.service import writes
from intake.service.context import ServiceContext

log = logging.getLogger("intake.service.worker")


class Heartbeat:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="intake-leases", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        self._thread = None

    def _loop(self) -> None:
        interval = self.ctx.settings.lease_seconds / 3
        while not self._stop.wait(interval):
            try:
                writes.renew_leases(self.ctx, self.ctx.owner)
            except Exception as exc:  # the database may be away; the next beat tries again
                log.warning("leases not renewed (%s)", type(exc).__name__)
