"""Sending the webhook outbox: a thread in each service process takes due events from the
webhook_outbox table (holding each for a while so that no other process sends it meanwhile),
tries one delivery and records the outcome. Retries survive restarts because they are rows."""

from __future__ import annotations

import logging
import threading

from intake.service import writes
from intake.service.context import ServiceContext

log = logging.getLogger("intake.service.webhooks")


class OutboxSender:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="intake-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.ctx.outbox_ready.set()
        if self._thread is not None:
            self._thread.join(self.ctx.settings.webhook_timeout + 5)
        self._thread = None

    def send_due(self) -> int:
        """Try every due event once; returns how many were tried."""
        sender = self.ctx.webhooks
        tried = 0
        while not self._stop.is_set():
            row = writes.take_delivery(self.ctx, hold_seconds=sender.timeout * 2 + 5)
            if row is None:
                return tried
            tried += 1
            outcome, error = sender.attempt(row.url, row.id, row.payload)
            retry_in = None if outcome != "retry" else sender.retry_delay(row.attempts)
            writes.delivery_done(self.ctx, row.id, outcome, retry_in, error)
            if outcome == "delivered":
                log.info("webhook for claim %s delivered", row.claim_id)
            elif retry_in is None:
                log.warning("webhook for claim %s given up after %d attempts (%s)", row.claim_id, row.attempts, error)
        return tried

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.ctx.outbox_ready.clear()
            try:
                self.send_due()
            except Exception as exc:
                log.error("webhook outbox error (%s)", type(exc).__name__)
            self.ctx.outbox_ready.wait(min(1.0, self.ctx.settings.poll_seconds))
