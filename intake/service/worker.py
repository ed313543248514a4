"""Background processing: uploaded files are read by threads of this process, one file at a time each.

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
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import cv2
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intake.review.values import field_json, plain
from intake.service.state import refresh_claim, touch_claim
from intake.store.blobs import BlobCorrupted, BlobNotFound
from intake.store.database import transaction
from intake.store.tables import Claim, Document, File, utcnow
from intake.upload.files import InputError, default_limits
from intake.vocabulary import DocType

if TYPE_CHECKING:
    from intake.elements.page import OcrPage
    from intake.process import ProcessedFile
    from intake.service.app import ServiceContext

log = logging.getLogger("intake.service.worker")

JPEG_QUALITY = 90


def encode_page(page: OcrPage) -> bytes:
    ok, buf = cv2.imencode(".jpg", page.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:  # pragma: no cover - an in-memory BGR array always encodes
        raise RuntimeError("page image could not be encoded")
    return bytes(buf)


def page_record(page: OcrPage, image_key: str) -> dict[str, Any]:
    from intake.classify.features import page_features

    rec = plain(page.to_json())
    rec["image"] = image_key
    # What the classifier saw, kept so that a reviewer's doc_type correction becomes a training row.
    rec["features"] = plain(page_features(page).to_json())
    return rec


class Worker:
    def __init__(self, ctx: ServiceContext, on_claim_done: Callable[[str], None] | None = None) -> None:
        self.ctx = ctx
        self.on_claim_done = on_claim_done
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.limits = replace(default_limits(), max_file_bytes=ctx.settings.max_upload_bytes)

    # -- lifecycle -------------------------------------------------------------------------
    def recover(self) -> int:
        """Queue again what a crash left half-read; fail what crashed the worker too often."""
        with transaction(self.ctx.sessions) as s:
            failed = s.execute(
                update(File)
                .where(File.status == "processing", File.attempts >= self.ctx.settings.max_attempts)
                .values(
                    status="failed",
                    reason_code="interrupted",
                    reason="processing this file was interrupted too many times",
                    finished_at=utcnow(),
                )
            ).rowcount
            requeued = s.execute(
                update(File).where(File.status == "processing").values(status="queued", started_at=None)
            ).rowcount
        if failed:
            log.warning("%d files failed after repeated interrupted processing", failed)
            self._refresh_failed_claims()
        if requeued:
            log.info("%d files left processing by an earlier run queued again", requeued)
        return int(requeued or 0)

    def _refresh_failed_claims(self) -> None:
        with self.ctx.sessions() as s:
            ids = list(s.scalars(select(Claim.id).where(Claim.status == "processing")))
        for claim_id in ids:
            with transaction(self.ctx.sessions) as s:
                touch_claim(s, claim_id)
                claim = s.get(Claim, claim_id)
                if claim is not None:
                    refresh_claim(s, claim)

    def start(self) -> None:
        self.recover()
        self._stop.clear()
        for i in range(max(1, self.ctx.settings.workers)):
            t = threading.Thread(target=self._loop, name=f"intake-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 30.0) -> None:
        """Let each thread finish the file in hand; what is still queued stays queued for next time."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def notify(self) -> None:
        self._wake.set()

    # -- the loop --------------------------------------------------------------------------
    def _ready(self) -> bool:
        """Load the models before taking work: a file must not fail because the service is broken."""
        try:
            self.ctx.processor()
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
            self._wake.clear()
            try:
                file_id = self.take()
                if file_id is None:
                    self._wake.wait(self.ctx.settings.poll_seconds)
                    continue
                self.process(file_id)
            except Exception as exc:  # keep the thread alive whatever one file or the database did
                log.error("worker error (%s); retrying shortly", type(exc).__name__)
                self._stop.wait(1.0)

    def take(self) -> str | None:
        """Switch the oldest queued file to processing and return its id (None if nothing is queued)."""
        with self.ctx.sessions() as s:
            candidates = list(
                s.scalars(select(File.id).where(File.status == "queued").order_by(File.created_at).limit(8))
            )
        for file_id in candidates:
            with transaction(self.ctx.sessions) as s:
                taken = s.execute(
                    update(File)
                    .where(File.id == file_id, File.status == "queued")
                    .values(status="processing", attempts=File.attempts + 1, started_at=utcnow())
                ).rowcount
            if taken:
                return file_id
        return None

    def process(self, file_id: str) -> None:
        t0 = time.perf_counter()
        with self.ctx.sessions() as s:
            f = s.get(File, file_id)
            if f is None:
                return
            blob_key, filename, claim_id = f.blob_key, f.filename, f.claim_id
        try:
            data = self.ctx.blobs.get(blob_key)
        except (BlobNotFound, BlobCorrupted) as exc:
            log.error("file %s: original unreadable from the blob store (%s)", file_id, type(exc).__name__)
            self._finish_failed(
                file_id, claim_id, "storage", "the uploaded file was lost by the store; upload it again"
            )
            return
        try:
            result = self.ctx.processor().process_file(data, filename, self.limits)
        except InputError as exc:
            # exc.reason names no file; str(exc) would, and file names are members' data.
            self._finish_failed(file_id, claim_id, exc.code, exc.reason)
            log.info("file %s failed (%s) in %.2fs", file_id, exc.code, time.perf_counter() - t0)
            return
        except Exception as exc:
            log.error("file %s: processing raised %s", file_id, type(exc).__name__)
            self._finish_failed(file_id, claim_id, "internal", "the file could not be processed")
            return
        try:
            pages = [page_record(p, self.ctx.blobs.put(encode_page(p), "image/jpeg")) for p in result.ocr.pages]
            self._finish_done(file_id, claim_id, result, pages)
        except Exception as exc:
            # Nothing of the results was committed (one transaction); try again, but not forever.
            log.error("file %s: results not written (%s)", file_id, type(exc).__name__)
            self._give_back(file_id, claim_id)
            return
        log.info(
            "file %s done in %.2fs: %d pages, %d documents",
            file_id,
            time.perf_counter() - t0,
            len(pages),
            len(result.documents),
        )

    # -- results ---------------------------------------------------------------------------
    def _finish_done(self, file_id: str, claim_id: str, result: ProcessedFile, pages: list[dict[str, Any]]) -> None:
        with transaction(self.ctx.sessions) as s:
            touch_claim(s, claim_id)
            f = s.get(File, file_id)
            if f is None or f.status != "processing":
                return
            now = utcnow()
            f.status, f.ocr, f.finished_at, f.reason, f.reason_code = "done", {"pages": pages}, now, None, None
            docs = list(result.documents) or []
            existing = sorted(f.documents, key=lambda d: d.position)
            for i, d in enumerate(docs or [None]):
                row = existing[i] if i < len(existing) else None
                if row is None:
                    row = Document(claim_id=claim_id, file_id=file_id, position=i, filename=f.filename, created_at=now)
                    s.add(row)
                if d is None:  # no page could be called anything: one `other` document of all pages
                    row.doc_type, row.doc_type_confidence = DocType.OTHER.value, 0.0
                    row.pages, row.fields = [p["page"] for p in pages], {}
                else:
                    row.doc_type = DocType(d.doc_type).value
                    row.doc_type_confidence = float(d.doc_type_confidence)
                    row.pages = [int(p) for p in d.pages]
                    row.fields = {name: field_json(fld) for name, fld in d.fields.items()}
                row.updated_at = now
            settled = _settle(s, claim_id)
        if settled and self.on_claim_done:
            self.on_claim_done(claim_id)

    def _give_back(self, file_id: str, claim_id: str) -> None:
        with self.ctx.sessions() as s:
            f = s.get(File, file_id)
            attempts = f.attempts if f is not None else 0
        if attempts >= self.ctx.settings.max_attempts:
            self._finish_failed(file_id, claim_id, "internal", "the file could not be processed")
            return
        with transaction(self.ctx.sessions) as s:
            s.execute(update(File).where(File.id == file_id, File.status == "processing").values(status="queued"))
        self._wake.set()

    def _finish_failed(self, file_id: str, claim_id: str, code: str, reason: str) -> None:
        settled = False
        with transaction(self.ctx.sessions) as s:
            touch_claim(s, claim_id)
            f = s.get(File, file_id)
            if f is None or f.status != "processing":
                return
            f.status, f.reason_code, f.reason, f.finished_at = "failed", code, reason, utcnow()
            for d in f.documents:
                d.updated_at = f.finished_at
            settled = _settle(s, claim_id)
        if settled and self.on_claim_done:
            self.on_claim_done(claim_id)


def _settle(s: Session, claim_id: str) -> bool:
    """Recompute the claim's status after a file's results; true when its processing just ended."""
    s.flush()
    claim = s.get(Claim, claim_id)
    assert claim is not None
    before, after = refresh_claim(s, claim)
    return before == "processing" and after != "processing"
