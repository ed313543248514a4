"""Reading one file, wherever the work runs (a thread of the service, a Celery worker): take it
under a lease, read it, store its page images, write its results, and sort any failure into the
file's own (failed, with a reason the member can act on), transient (queued again with backoff)
or unexpected (counted; failed after max_attempts).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import cv2

from intake.claim_reader import ReadFile
from intake.classify.features import PageFeatures, page_features
from intake.elements.page import OcrPage, OcrResult
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
    (not due: done already, or held by a live lease that runs out in retry_in seconds); for a file,
    `split` (to be read as one task for each of `pages`); for a page, `last` (done, and the file's
    last: it is queued to be assembled)."""

    state: str
    retry_in: float | None = None
    pages: tuple[int, ...] = ()


def _not_due(ctx: ServiceContext, file_id: str) -> Outcome:
    state = writes.file_state(ctx, file_id)
    if state is None or state[0] in ("done", "failed", "split"):
        # A re-delivered task on a finished file changes nothing; a split file is in its pages'
        # hands, and the last of them queues it again.
        return Outcome("skipped")
    when = state[1]
    return Outcome("skipped", max(0.5, (when - utcnow()).total_seconds()) if when else 0.5)


def process(
    ctx: ServiceContext, file_id: str | None = None, owner: str | None = None, split_above: int | None = None
) -> Outcome | None:
    """Take this file (or the oldest due one, if file_id is None) and read it. None: nothing was due.

    split_above: a file of more pages than this is not read here but split into its pages, for
    process_page (Outcome `split`); once they are all read, the file's next take assembles it."""
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
        return _read(ctx, taken, owner, split_above)
    finally:
        request_id.reset(token)


def _assembled(ctx: ServiceContext, taken: writes.Taken) -> tuple[ReadFile, list[dict[str, Any]]]:
    """A file whose pages were read as page tasks, put together: its documents found on the pages
    read back (what OCR read and the classifier's features, kept with each page; no image is
    fetched), and the pages as the file stores them."""
    records = retried(lambda: writes.page_results(ctx, taken.file_id))
    if len(records) != taken.pages_total:  # pragma: no cover - the last page's write queues it
        raise RuntimeError(f"{len(records)} of {taken.pages_total} pages read")
    pages = [OcrPage.from_json(r) for r in records]
    features = [PageFeatures.from_json(r["features"]) for r in records]
    ocr = OcrResult(taken.filename, taken.media_type, pages)
    documents = ctx.reader.documents_of(ocr, features)
    # As page_record stores them, now with the type scores documents_of gave each page.
    stored = [
        {**p.to_json(), "image": r["image"], "features": r["features"]} for p, r in zip(pages, records, strict=True)
    ]
    return ReadFile(ocr, documents), stored


def _read(ctx: ServiceContext, taken: writes.Taken, owner: str, split_above: int | None = None) -> Outcome:
    t0 = time.perf_counter()
    fid, claim_id = taken.file_id, taken.claim_id
    try:
        if taken.pages_total is not None:
            with STAGE_SECONDS.labels("read").time():
                result, pages = _assembled(ctx, taken)
        else:
            with STAGE_SECONDS.labels("fetch").time():
                data = retried(lambda: ctx.blobs.get(taken.blob_key))
            try:
                if split_above is not None:
                    count = ctx.reader.open(data, taken.filename).page_count  # no page decoded
                    if count > split_above:
                        todo = retried(lambda: writes.split_file(ctx, fid, owner, count))
                        if todo is None:
                            return Outcome("skipped")  # its lease ran out meanwhile: another has it
                        log.info("file %s: %d pages, read as one task each", fid, count)
                        return Outcome("split", pages=tuple(todo))
                with STAGE_SECONDS.labels("read").time():
                    result = ctx.reader.read_file(data, taken.filename)
            except InputError as exc:
                return _input_failed(ctx, fid, claim_id, exc, owner, t0)
            pages = []
            with STAGE_SECONDS.labels("store").time():
                for page in result.ocr.pages:
                    pages.append(page_record(page, _put_image(ctx, encode_page(page))))
        with STAGE_SECONDS.labels("write").time():
            retried(lambda: writes.finish_done(ctx, fid, claim_id, result, pages, owner))
    except (BlobNotFound, BlobCorrupted) as exc:
        return _lost_original(ctx, fid, claim_id, exc, owner)
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
    PAGES.inc(0 if taken.pages_total is not None else len(pages))  # the page tasks counted theirs
    FILES.labels("done").inc()
    return Outcome("done")


def _input_failed(
    ctx: ServiceContext, fid: str, claim_id: str, exc: InputError, owner: str, t0: float, *, split: bool = False
) -> Outcome:
    # exc.reason names no file; str(exc) would, and file names are members' data.
    code, why = exc.code, exc.reason
    retried(lambda: writes.finish_failed(ctx, fid, claim_id, code, why, owner, split=split))
    log.info("file %s failed (%s) in %.2fs", fid, code, time.perf_counter() - t0)
    FAILURES.labels(code).inc()
    FILES.labels("failed").inc()
    return Outcome("failed")


def _lost_original(
    ctx: ServiceContext, fid: str, claim_id: str, exc: Exception, owner: str, *, split: bool = False
) -> Outcome:
    log.error("file %s: original unreadable from the blob store (%s)", fid, type(exc).__name__)
    reason = "the uploaded file was lost by the store; upload it again"
    retried(lambda: writes.finish_failed(ctx, fid, claim_id, "storage", reason, owner, split=split))
    FAILURES.labels("storage").inc()
    FILES.labels("failed").inc()
    return Outcome("failed")


# -- one page of a large file ---------------------------------------------------------------------

# The originals a page task fetched last, by blob key (a key names its bytes, which never change):
# a worker given several pages of one file fetches it once.
_ORIGINALS: OrderedDict[str, bytes] = OrderedDict()
_ORIGINALS_KEPT = 2
_originals_lock = threading.Lock()


def _original(ctx: ServiceContext, key: str) -> bytes:
    with _originals_lock:
        if key in _ORIGINALS:
            _ORIGINALS.move_to_end(key)
            return _ORIGINALS[key]
    data = retried(lambda: ctx.blobs.get(key))
    with _originals_lock:
        _ORIGINALS[key] = data
        while len(_ORIGINALS) > _ORIGINALS_KEPT:
            _ORIGINALS.popitem(last=False)
    return data


def _page_not_due(ctx: ServiceContext, file_id: str, page: int) -> Outcome:
    state = writes.page_state(ctx, file_id, page)
    if state is None or state[0] == "done" or state[1] != "split":
        return Outcome("skipped")  # read already, or its file is done, failed or being assembled
    when = state[2]
    return Outcome("skipped", max(0.5, (when - utcnow()).total_seconds()) if when else 0.5)


def process_page(ctx: ServiceContext, file_id: str, page: int, owner: str | None = None) -> Outcome:
    """Take page `page` of a split file and read it: decoded alone, through the quality gate and
    OCR, its image stored and its result kept with the page. A page the file cannot be read for
    fails the whole file with the member's reason; a transient fault queues the page again."""
    owner = owner or ctx.owner
    try:
        taken = retried(lambda: writes.take_page(ctx, owner, file_id, page))
    except Exception as exc:
        if not is_transient(exc):
            raise
        log.warning("the database is unavailable (%s); the page waits", type(exc).__name__)
        return Outcome("retry", ctx.settings.retry_base_seconds)
    if taken is None:
        return _page_not_due(ctx, file_id, page)
    token = request_id.set(taken.request_id)
    try:
        return _read_page(ctx, taken, owner)
    finally:
        request_id.reset(token)


def _read_page(ctx: ServiceContext, taken: writes.TakenPage, owner: str) -> Outcome:
    t0 = time.perf_counter()
    fid, claim_id, n = taken.file_id, taken.claim_id, taken.page
    try:
        with STAGE_SECONDS.labels("fetch").time():
            data = _original(ctx, taken.blob_key)
        try:
            with STAGE_SECONDS.labels("read").time():
                page = ctx.reader.read_page(ctx.reader.open(data, taken.filename), n)
        except InputError as exc:
            return _input_failed(ctx, fid, claim_id, exc, owner, t0, split=True)
        with STAGE_SECONDS.labels("store").time():
            record = page_record(page, _put_image(ctx, encode_page(page)))
        with STAGE_SECONDS.labels("write").time():
            last = retried(lambda: writes.finish_page(ctx, fid, n, record, owner))
    except (BlobNotFound, BlobCorrupted) as exc:
        return _lost_original(ctx, fid, claim_id, exc, owner, split=True)
    except Exception as exc:
        transient = is_transient(exc)
        if transient:
            TRANSIENT.labels(type(exc).__name__).inc()
        log.error(
            "file %s page %d: attempt failed (%s, %s)",
            fid,
            n,
            type(exc).__name__,
            "transient" if transient else "counted",
        )
        try:
            delay = writes.give_back_page(ctx, fid, claim_id, n, owner, transient=transient)
        except Exception as again:
            log.error("file %s page %d: not queued again (%s); its lease will expire", fid, n, type(again).__name__)
            return Outcome("retry", ctx.settings.lease_seconds)
        if delay is None:
            FAILURES.labels("internal").inc()
            FILES.labels("failed").inc()
            return Outcome("failed")
        return Outcome("retry", delay)
    if last is None:
        log.info("file %s page %d: read by another meanwhile; this reading is dropped", fid, n)
        return Outcome("skipped")
    log.info("file %s page %d read in %.2fs%s", fid, n, time.perf_counter() - t0, "; the last" if last else "")
    PAGES.inc()
    return Outcome("last" if last else "done")
