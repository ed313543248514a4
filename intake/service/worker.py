"""Background reading: uploaded files are read by threads of this process, one file at a time each.

The queue is the files table itself. An upload is committed as a `queued` row (after its bytes are
in the blob store) before the client hears 202, so an acknowledged upload cannot be lost; a worker
takes a row by switching it to `processing` in one conditional UPDATE, so two workers never take
the same file; and the results (documents, fields, OCR, page image keys, the claim's new status)
are written in one transaction, so a crash leaves the row `processing` with nothing half-written.
At start-up such rows are queued again (one service process per database; a file that was being
read at `max_attempts` crashes is failed instead, so one poisonous file cannot crash-loop the service).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import cv2

from intake.classify.features import page_features
from intake.elements.page import OcrPage
from intake.service import writes
from intake.service.context import ServiceContext
from intake.store.blobs import BlobCorrupted, BlobNotFound
from intake.store.tables import ClaimRow, utcnow
from intake.upload.files import InputError

log = logging.getLogger("intake.service.worker")

JPEG_QUALITY = 90


def encode_page(page: OcrPage) -> bytes:
    ok, buf = cv2.imencode(".jpg", page.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:  # pragma: no cover - an in-memory BGR array always encodes
        raise RuntimeError("page image could not be encoded")
    return bytes(buf)


def page_record(page: OcrPage, image_key: str) -> dict[str, Any]:
    """The page as stored: what OCR read, where its image is, and what the classifier saw (kept so
    that a reviewer's doc_type correction becomes a training row)."""
    return {**page.to_json(), "image": image_key, "features": page_features(page).to_json()}


def announce(ctx: ServiceContext, claim_id: str) -> None:
    """A claim has nothing left to process: its webhook, if it has one."""
    with ctx.sessions() as s:
        claim = s.get(ClaimRow, claim_id)
        if claim is None or not claim.webhook_url:
            return
        payload = {
            "event": "claim.processed",
            "claim_id": claim.id,
            "external_ref": claim.external_ref,
            "status": claim.status,
            "completeness": claim.completeness,
            "at": utcnow().isoformat(),
        }
        url = claim.webhook_url
    ctx.webhooks.send(url, claim_id, payload)


class Worker:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------------
    def recover(self) -> int:
        requeued, failed = writes.requeue_interrupted(self.ctx)
        if failed:
            log.warning("%d files failed after repeated interrupted processing", failed)
        if requeued:
            log.info("%d files left processing by an earlier run queued again", requeued)
        return requeued

    def start(self) -> None:
        self.recover()
        self._stop.clear()
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

    # -- the loop --------------------------------------------------------------------------
    def _ready(self) -> bool:
        """Load the models before taking work: a file must not fail because the service is broken."""
        try:
            self.ctx.reader.load()
        except Exception as exc:
            self.ctx.pipeline_state = "unavailable"
            log.error("the reading pipeline cannot be loaded (%s: %s); uploads stay queued", type(exc).__name__, exc)
            self._stop.wait(30.0)
            return False
        self.ctx.pipeline_state = "ready"
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self._ready():
                continue
            self.ctx.work_queued.clear()
            try:
                file_id = writes.take_file(self.ctx)
                if file_id is None:
                    self.ctx.work_queued.wait(self.ctx.settings.poll_seconds)
                    continue
                self.process(file_id)
            except Exception as exc:  # keep the thread alive whatever one file or the database did
                log.error("worker error (%s); retrying shortly", type(exc).__name__)
                self._stop.wait(1.0)

    def process(self, file_id: str) -> None:
        t0 = time.perf_counter()
        found = writes.file_to_read(self.ctx, file_id)
        if found is None:
            return
        blob_key, filename, claim_id = found
        try:
            data = self.ctx.blobs.get(blob_key)
        except (BlobNotFound, BlobCorrupted) as exc:
            log.error("file %s: original unreadable from the blob store (%s)", file_id, type(exc).__name__)
            self._settled(
                claim_id,
                writes.finish_failed(
                    self.ctx, file_id, claim_id, "storage", "the uploaded file was lost by the store; upload it again"
                ),
            )
            return
        try:
            result = self.ctx.reader.read_file(data, filename)
        except InputError as exc:
            # exc.reason names no file; str(exc) would, and file names are members' data.
            self._settled(claim_id, writes.finish_failed(self.ctx, file_id, claim_id, exc.code, exc.reason))
            log.info("file %s failed (%s) in %.2fs", file_id, exc.code, time.perf_counter() - t0)
            return
        except Exception as exc:
            log.error("file %s: processing raised %s", file_id, type(exc).__name__)
            self._settled(
                claim_id,
                writes.finish_failed(self.ctx, file_id, claim_id, "internal", "the file could not be processed"),
            )
            return
        try:
            pages = [page_record(p, self.ctx.blobs.put(encode_page(p), "image/jpeg")) for p in result.ocr.pages]
            self._settled(claim_id, writes.finish_done(self.ctx, file_id, claim_id, result, pages))
        except Exception as exc:
            # Nothing of the results was committed (one transaction); try again, but not forever.
            log.error("file %s: results not written (%s)", file_id, type(exc).__name__)
            queued, settled = writes.give_back(self.ctx, file_id, claim_id)
            if queued:
                self.ctx.work_queued.set()
            self._settled(claim_id, settled)
            return
        log.info(
            "file %s done in %.2fs: %d pages, %d documents",
            file_id,
            time.perf_counter() - t0,
            len(pages),
            len(result.documents),
        )

    def _settled(self, claim_id: str, settled: bool) -> None:
        if settled:
            announce(self.ctx, claim_id)
