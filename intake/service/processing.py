"""Reading one file, wherever the work runs (a thread of the service, a Celery worker): take it
under a lease, read it, store its page images, write its results, and sort any failure into the
file's own (failed, with a reason the member can act on), transient (queued again with backoff)
or unexpected (counted; failed after max_attempts).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import cv2

from intake.classify.features import page_features
from intake.elements.page import OcrPage
from intake.service import writes
from intake.service.context import ServiceContext
from intake.service.faults import is_transient, retried
from intake.service.logs import request_id
from intake.service.metrics import FAILURES, FILES, PAGES, STAGE_SECONDS, TRANSIENT
from intake.store.blobs import BlobCorrupted, BlobNotFound
from intake.store.tables import utcnow
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


def _put_image(ctx: ServiceContext, image: bytes) -> str:
    return retried(lambda: ctx.blobs.put(image, "image/jpeg"))


@dataclass(frozen=True)
class Outcome:
    """What became of one try: `done`, `failed`, `retry` (due again in retry_in seconds) or `skipped`
    (not due: done already, or held by a live lease that runs out in retry_in seconds)."""

    state: str
    retry_in: float | None = None


def _not_due(ctx: ServiceContext, file_id: str) -> Outcome:
    state = writes.file_state(ctx, file_id)
    if state is None or state[0] in ("done", "failed"):
        return Outcome("skipped")  # a re-delivered task on a finished file changes nothing
    when = state[1]
    return Outcome("skipped", max(0.5, (when - utcnow()).total_seconds()) if when else 0.5)


def process(ctx: ServiceContext, file_id: str | None = None, owner: str | None = None) -> Outcome | None:
    """Take this file (or the oldest due one, if file_id is None) and read it. None: nothing was due."""
    owner = owner or ctx.owner
    try:
        taken = retried(lambda: writes.take_file(ctx, owner, file_id))
    except Exception as exc:
        if not is_transient(exc):
            raise
        log.warning("the database is unavailable (%s); the file waits", type(exc).__name__)
        return Outcome("retry", ctx.settings.retry_base_seconds)
    if taken is None:
        return None if file_id is None else _not_due(ctx, file_id)
    token = request_id.set(taken.request_id)  # the worker's lines about this file carry the upload's id
    try:
        return _read(ctx, taken, owner)
    finally:
        request_id.reset(token)


def _read(ctx: ServiceContext, taken: writes.Taken, owner: str) -> Outcome:
    t0 = time.perf_counter()
    fid, claim_id = taken.file_id, taken.claim_id
    try:
        with STAGE_SECONDS.labels("fetch").time():
            data = retried(lambda: ctx.blobs.get(taken.blob_key))
        try:
            with STAGE_SECONDS.labels("read").time():
                result = ctx.reader.read_file(data, taken.filename)
        except InputError as exc:
            # exc.reason names no file; str(exc) would, and file names are members' data.
            code, why = exc.code, exc.reason
            retried(lambda: writes.finish_failed(ctx, fid, claim_id, code, why, owner))
            log.info("file %s failed (%s) in %.2fs", fid, code, time.perf_counter() - t0)
            FAILURES.labels(code).inc()
            FILES.labels("failed").inc()
            return Outcome("failed")
        pages = []
        with STAGE_SECONDS.labels("store").time():
            for page in result.ocr.pages:
                pages.append(page_record(page, _put_image(ctx, encode_page(page))))
        with STAGE_SECONDS.labels("write").time():
            retried(lambda: writes.finish_done(ctx, fid, claim_id, result, pages, owner))
    except (BlobNotFound, BlobCorrupted) as exc:
        log.error("file %s: original unreadable from the blob store (%s)", fid, type(exc).__name__)
        reason = "the uploaded file was lost by the store; upload it again"
        retried(lambda: writes.finish_failed(ctx, fid, claim_id, "storage", reason, owner))
        FAILURES.labels("storage").inc()
        FILES.labels("failed").inc()
        return Outcome("failed")
    except Exception as exc:
        transient = is_transient(exc)
        if transient:
            TRANSIENT.labels(type(exc).__name__).inc()
        # The type only: a message may quote what a member uploaded.
        log.error("file %s: attempt failed (%s, %s)", fid, type(exc).__name__, "transient" if transient else "counted")
        try:
            delay = writes.give_back(ctx, fid, claim_id, owner, transient=transient)
        except Exception as again:
            # The database is gone too: the lease runs out and the file is taken again then.
            log.error("file %s: could not be queued again (%s); its lease will expire", fid, type(again).__name__)
            return Outcome("retry", ctx.settings.lease_seconds)
        if delay is None:
            FAILURES.labels("internal").inc()
            FILES.labels("failed").inc()
            return Outcome("failed")
        ctx.work_queued.set()
        FILES.labels("retry").inc()
        return Outcome("retry", delay)
    log.info(
        "file %s done in %.2fs: %d pages, %d documents",
        fid,
        time.perf_counter() - t0,
        len(pages),
        len(result.documents),
    )
    PAGES.inc(len(pages))
    FILES.labels("done").inc()
    return Outcome("done")
