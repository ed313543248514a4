"""Every write the service makes to its database, in one place: claims, uploads, the worker's
results, corrections and reviews, and the claim's verdict after each of them.

Each function is one transaction. Every transaction that changes what a claim's status depends on
writes the claim row first (touch_claim): on PostgreSQL that takes the row lock, on SQLite the
database write lock, so that two workers finishing two files of one claim, or a worker and a
reviewer, decide its status one after the other, each seeing the other's result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import HTTPException
from sqlalchemy import ColumnElement, CursorResult, Update, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.claim_reader import ClaimReader, ReadFile
from intake.review.corrections import CorrectionRejected, apply_correction, reread_fields
from intake.service.access import claim_for, document_for
from intake.service.auth import Principal
from intake.service.context import ServiceContext
from intake.service.faults import backoff
from intake.service.logs import request_id
from intake.service.schemas import ClaimCreate, ClaimOut, ClaimSummary, DocumentOut, DocumentPatch, UploadAccepted
from intake.service.views import claim_out, claim_summary, document_out, pipeline_documents
from intake.store.database import transaction
from intake.store.invoice_table import DbInvoiceRegistry
from intake.store.tables import ClaimRow, CorrectionRow, DocumentRow, FilePageRow, FileRow, OutboxRow, utcnow
from intake.vocabulary import DocType

log = logging.getLogger("intake.service")


def _updated(session: Session, statement: Update) -> int:
    """Rows an UPDATE changed: the conditional UPDATEs below are how a worker takes a file."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def touch_claim(session: Session, claim_id: str) -> None:
    session.execute(update(ClaimRow).where(ClaimRow.id == claim_id).values(updated_at=utcnow()))


def settle(session: Session, reader: ClaimReader, claim: ClaimRow) -> tuple[str, str]:
    """The claim's status again (and, once nothing is pending, its completeness): (before, after)."""
    session.flush()
    before = claim.status
    pending = session.scalar(
        select(func.count())
        .select_from(FileRow)
        .where(FileRow.claim_id == claim.id, FileRow.status.in_(("queued", "processing", "split")))
    )
    session.refresh(claim, ["documents", "files"])
    if pending:
        claim.status = "processing"
    else:
        verdict = reader.judge(claim.claim_type, pipeline_documents(claim), DbInvoiceRegistry(session), claim.id)
        claim.completeness = verdict.to_json()
        if claim.reviewed_at is not None:
            claim.status = "reviewed"
        elif verdict.complete:
            claim.status = "ready_for_review"
        else:
            claim.status = "incomplete"
    claim.updated_at = utcnow()
    return before, claim.status


# -- portals ---------------------------------------------------------------------------------------


def _same_request(claim: ClaimRow, body: ClaimCreate) -> bool:
    hook = str(body.webhook_url) if body.webhook_url else None
    return (claim.claim_type, claim.external_ref, claim.webhook_url) == (body.claim_type.value, body.external_ref, hook)


def _earlier(ctx: ServiceContext, who: Principal, body: ClaimCreate, key: str) -> ClaimSummary | None:
    with ctx.sessions() as s:
        earlier = s.scalars(select(ClaimRow).where(ClaimRow.owner == who.name, ClaimRow.idempotency_key == key)).first()
        if earlier is None:
            return None
        if not _same_request(earlier, body):
            raise HTTPException(409, "this Idempotency-Key was used for a different claim")
        return claim_summary(earlier)


def create_claim(
    ctx: ServiceContext, who: Principal, body: ClaimCreate, idempotency_key: str | None
) -> tuple[ClaimSummary, bool]:
    """The new claim, or the one this Idempotency-Key made before: (claim, replayed)."""
    if idempotency_key is not None:
        earlier = _earlier(ctx, who, body, idempotency_key)
        if earlier is not None:
            return earlier, True
    try:
        with transaction(ctx.sessions) as s:
            now = utcnow()
            claim = ClaimRow(
                claim_type=body.claim_type.value,
                external_ref=body.external_ref,
                owner=who.name,
                idempotency_key=idempotency_key,
                webhook_url=str(body.webhook_url) if body.webhook_url else None,
                status="incomplete",
                created_at=now,
                updated_at=now,
            )
            s.add(claim)
            settle(s, ctx.reader, claim)  # an empty claim already says what it is missing
            out = claim_summary(claim)
    except IntegrityError:
        # The same key raced in from a retry that arrived together with the first request.
        earlier = _earlier(ctx, who, body, idempotency_key) if idempotency_key else None
        if earlier is None:
            raise HTTPException(409, "this Idempotency-Key was used for a different claim") from None
        return earlier, True
    log.info("claim %s created (%s)", out.id, out.claim_type.value)
    return out, False


def earlier_upload(ctx: ServiceContext, claim_id: str, key: str) -> UploadAccepted | None:
    """What an upload with this Idempotency-Key to this claim was answered with, if there was one."""
    with ctx.sessions() as s:
        f = s.scalars(select(FileRow).where(FileRow.claim_id == claim_id, FileRow.idempotency_key == key)).first()
        if f is None:
            return None
        first = min(f.documents, key=lambda d: d.position)
        return UploadAccepted(id=first.id, status="queued", claim_id=claim_id, file_id=f.id, filename=f.filename)


def add_upload(
    ctx: ServiceContext,
    claim_id: str,
    who: Principal,
    blob_key: str,
    size: int,
    media_type: str,
    filename: str,
    idempotency_key: str | None = None,
) -> tuple[UploadAccepted, bool]:
    """A stored upload queued for reading, with the document that answers for it: (upload, replayed)."""
    try:
        with transaction(ctx.sessions) as s:
            touch_claim(s, claim_id)
            claim = claim_for(s, claim_id, who)
            s.refresh(claim)
            # Checked under the claim's lock: an upload cannot slip in after the review.
            if claim.reviewed_at is not None:
                raise HTTPException(409, "the claim has been reviewed; create a new claim for more documents")
            now = utcnow()
            row = FileRow(
                claim_id=claim_id,
                filename=filename,
                blob_key=blob_key,
                size=size,
                media_type=media_type,
                status="queued",
                attempts=0,
                transient_failures=0,
                idempotency_key=idempotency_key,
                request_id=request_id.get(),
                created_at=now,
            )
            s.add(row)
            s.flush()
            doc = DocumentRow(
                claim_id=claim_id, file_id=row.id, position=0, filename=filename, created_at=now, updated_at=now
            )
            s.add(doc)
            claim.status = "processing"
            s.flush()
            out = UploadAccepted(id=doc.id, status="queued", claim_id=claim_id, file_id=row.id, filename=filename)
    except IntegrityError:
        # The same key raced in from a retry that arrived together with the first upload.
        earlier = earlier_upload(ctx, claim_id, idempotency_key) if idempotency_key else None
        if earlier is None:
            raise
        return earlier, True
    ctx.work_queued.set()
    log.info("claim %s: file %s queued (%s, %d bytes)", claim_id, out.file_id, media_type, size)
    return out, False


# -- reviewers -------------------------------------------------------------------------------------


def correct_document(ctx: ServiceContext, document_id: str, who: Principal, patch: DocumentPatch) -> DocumentOut:
    with transaction(ctx.sessions) as s:
        claim_id = document_for(s, document_id, who).claim_id
        touch_claim(s, claim_id)  # serialize with the worker and other reviewers on this claim
        doc = document_for(s, document_id, who)
        s.refresh(doc)
        if doc.file.status != "done":
            raise HTTPException(409, f"the document is {doc.file.status}; only a processed document can be corrected")
        old_type = DocType(doc.doc_type or DocType.OTHER)
        new_type = patch.doc_type or old_type
        try:
            fields, changes = apply_correction(
                doc.fields or {},
                list(doc.pages or []),
                old_type,
                new_type,
                patch.fields,
                lambda t: reread_fields(ctx.reader.fields_of, ctx.blobs, doc, t),
            )
        except CorrectionRejected as exc:
            raise HTTPException(422, str(exc)) from None
        now = utcnow()
        doc.doc_type = new_type.value
        if new_type != old_type:
            doc.doc_type_confidence = 1.0
        doc.fields = fields
        doc.updated_at = now
        s.add_all(
            CorrectionRow(
                document_id=doc.id,
                claim_id=claim_id,
                at=now,
                by=who.name,
                by_key_id=who.key_id,
                field=c.field,
                old=c.old,
                new=c.new,
            )
            for c in changes
        )
        claim = s.get(ClaimRow, claim_id)
        assert claim is not None
        settle(s, ctx.reader, claim)
        out = document_out(doc)
    log.info("document %s corrected: %d changes", document_id, len(changes))
    return out


def mark_reviewed(ctx: ServiceContext, claim_id: str, who: Principal) -> ClaimOut:
    with transaction(ctx.sessions) as s:
        claim_for(s, claim_id, who)
        touch_claim(s, claim_id)
        claim = claim_for(s, claim_id, who)
        s.refresh(claim)
        if claim.status == "processing":
            raise HTTPException(409, "the claim's documents are still being processed")
        claim.reviewed_at, claim.reviewed_by = utcnow(), who.name
        claim.status = "reviewed"
        s.flush()
        out = claim_out(claim, ctx.reader)
    log.info("claim %s reviewed", claim_id)
    return out


# -- the worker ------------------------------------------------------------------------------------
#
# A file is taken by one conditional UPDATE that names the taker and gives it a lease; the taker
# renews the lease while it reads and writes its results only while it still holds it. A file is
# due when it is queued (and its retry time, if any, has come) or when it is `processing` under a
# lease that ran out: its reader died, and any process may take it. Nothing is re-queued wholesale
# at start, so two processes on one database never read the same file at the same time.


@dataclass(frozen=True)
class Taken:
    file_id: str
    blob_key: str
    filename: str
    claim_id: str
    attempts: int
    request_id: str | None
    media_type: str = ""
    # Set for a file whose pages were read as per-page tasks: taken now to be assembled.
    pages_total: int | None = None


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(FileRow.status == "queued", or_(FileRow.retry_at.is_(None), FileRow.retry_at <= now)),
        and_(FileRow.status == "processing", or_(FileRow.lease_expires.is_(None), FileRow.lease_expires < now)),
    )


def due_files(ctx: ServiceContext, limit: int = 100) -> list[str]:
    """Files a worker could take now, oldest first."""
    with ctx.sessions() as s:
        return list(s.scalars(select(FileRow.id).where(_due(utcnow())).order_by(FileRow.created_at).limit(limit)))


def lost_tasks(ctx: ServiceContext, resend_after: float, limit: int = 200) -> list[str]:
    """With a broker: due files whose task may have been lost (never sent, sent long ago, or taken
    by a worker whose lease ran out)."""
    now = utcnow()
    old = now - timedelta(seconds=resend_after)
    with ctx.sessions() as s:
        return list(
            s.scalars(
                select(FileRow.id)
                .where(
                    _due(now),
                    or_(FileRow.status == "processing", FileRow.dispatched_at.is_(None), FileRow.dispatched_at < old),
                )
                .order_by(FileRow.created_at)
                .limit(limit)
            )
        )


def mark_dispatched(ctx: ServiceContext, file_ids: list[str]) -> None:
    with transaction(ctx.sessions) as s:
        s.execute(update(FileRow).where(FileRow.id.in_(file_ids)).values(dispatched_at=utcnow()))


def file_state(ctx: ServiceContext, file_id: str) -> tuple[str, datetime | None] | None:
    """(status, when it may be taken next) of a file; None if it does not exist."""
    with ctx.sessions() as s:
        f = s.get(FileRow, file_id)
        if f is None:
            return None
        return f.status, (f.lease_expires if f.status == "processing" else f.retry_at)


def _fail_interrupted(ctx: ServiceContext, file_id: str) -> bool:
    """A file whose reader died max_attempts times: failed, so one poisonous file cannot crash-loop
    the workers. True if this call failed it."""
    now = utcnow()
    poisoned = and_(
        FileRow.id == file_id,
        FileRow.status == "processing",
        or_(FileRow.lease_expires.is_(None), FileRow.lease_expires < now),
        FileRow.attempts >= ctx.settings.max_attempts,
    )
    with ctx.sessions() as s:
        # A read first: the write (and the claim's lock) only for a file that is to be failed.
        claim_id = s.scalar(select(FileRow.claim_id).where(poisoned))
    if claim_id is None:
        return False
    with transaction(ctx.sessions) as s:
        touch_claim(s, claim_id)
        failed = _updated(
            s,
            update(FileRow)
            .where(poisoned)
            .values(
                status="failed",
                reason_code="interrupted",
                reason="processing this file was interrupted too many times",
                finished_at=now,
                lease_owner=None,
                lease_expires=None,
            ),
        )
        if failed:
            _settled(s, ctx, claim_id)
    if failed:
        log.warning("file %s failed after repeated interrupted processing", file_id)
    return bool(failed)


def take_file(ctx: ServiceContext, owner: str, file_id: str | None = None) -> Taken | None:
    """Take this file (or the oldest due one) for owner, under a lease; None if it is not due."""
    candidates = due_files(ctx, limit=8) if file_id is None else [file_id]
    for fid in candidates:
        if _fail_interrupted(ctx, fid):
            continue
        now = utcnow()
        with transaction(ctx.sessions) as s:
            taken = _updated(
                s,
                update(FileRow)
                .where(FileRow.id == fid, _due(now))
                .values(
                    status="processing",
                    attempts=FileRow.attempts + 1,
                    started_at=now,
                    retry_at=None,
                    lease_owner=owner,
                    lease_expires=now + timedelta(seconds=ctx.settings.lease_seconds),
                ),
            )
            if taken:
                f = s.get(FileRow, fid)
                assert f is not None
                return Taken(
                    f.id, f.blob_key, f.filename, f.claim_id, f.attempts, f.request_id, f.media_type, f.pages_total
                )
    return None


def renew_leases(ctx: ServiceContext, owner: str) -> int:
    """Extend every lease owner holds (an owner is one process), on files and pages; returns how many."""
    until = utcnow() + timedelta(seconds=ctx.settings.lease_seconds)
    with transaction(ctx.sessions) as s:
        files = _updated(
            s,
            update(FileRow)
            .where(FileRow.lease_owner == owner, FileRow.status == "processing")
            .values(lease_expires=until),
        )
        pages = _updated(
            s,
            update(FilePageRow)
            .where(FilePageRow.lease_owner == owner, FilePageRow.status == "processing")
            .values(lease_expires=until),
        )
        return files + pages


def _held(f: FileRow | None, owner: str | None) -> bool:
    return f is not None and f.status == "processing" and (owner is None or f.lease_owner == owner)


def finish_done(
    ctx: ServiceContext,
    file_id: str,
    claim_id: str,
    result: ReadFile,
    pages: list[dict[str, Any]],
    owner: str | None = None,
) -> bool:
    """Every result of one file in one transaction, if owner still holds it; true when the claim's
    processing just ended."""
    with transaction(ctx.sessions) as s:
        touch_claim(s, claim_id)
        f = s.get(FileRow, file_id)
        if f is None or not _held(f, owner):
            return False
        if f.pages_total is not None:
            # Read page by page: the pages' results are the file's now (f.ocr).
            s.execute(delete(FilePageRow).where(FilePageRow.file_id == file_id))
        now = utcnow()
        f.status, f.ocr, f.finished_at, f.reason, f.reason_code = "done", {"pages": pages}, now, None, None
        f.lease_owner, f.lease_expires = None, None
        existing = sorted(f.documents, key=lambda d: d.position)
        for i, d in enumerate(result.documents):
            row = existing[i] if i < len(existing) else None
            if row is None:
                row = DocumentRow(claim_id=claim_id, file_id=file_id, position=i, filename=f.filename, created_at=now)
                s.add(row)
            out = d.to_json()  # the row holds what `intake process --json` prints
            row.doc_type, row.doc_type_confidence = out["doc_type"], out["doc_type_confidence"]
            row.pages, row.fields = out["pages"], out["fields"]
            row.updated_at = now
        return _settled(s, ctx, claim_id)


def finish_failed(
    ctx: ServiceContext,
    file_id: str,
    claim_id: str,
    code: str,
    reason: str,
    owner: str | None = None,
    *,
    split: bool = False,
) -> bool:
    """A file that cannot be read; true when the claim's processing just ended. split: failed by
    one of its pages (a file read page by page is held by its pages, not by a lease of its own)."""
    with transaction(ctx.sessions) as s:
        touch_claim(s, claim_id)
        f = s.get(FileRow, file_id)
        if f is None or not (f.status == "split" if split else _held(f, owner)):
            return False
        if f.pages_total is not None:
            # The pages go before the file row is written (the ORM writes it at the commit): a
            # page task finishing locks its page, then the file, so the two cannot deadlock.
            s.execute(delete(FilePageRow).where(FilePageRow.file_id == file_id))
        f.lease_owner, f.lease_expires = None, None
        f.status, f.reason_code, f.reason, f.finished_at = "failed", code, reason, utcnow()
        for d in f.documents:
            d.updated_at = f.finished_at
        return _settled(s, ctx, claim_id)


def give_back(
    ctx: ServiceContext, file_id: str, claim_id: str, owner: str | None = None, *, transient: bool = False
) -> float | None:
    """A file whose attempt failed for a reason not its own: queued again (returns the seconds
    until it is due) or, after max_attempts non-transient failures, failed (returns None).

    A transient fault (store, disk, database) does not count as an attempt: the file waits, with
    a doubling delay, for as long as the outage lasts, and finishes once it is over."""
    with ctx.sessions() as s:
        f = s.get(FileRow, file_id)
        if f is None or not _held(f, owner):
            return None
        attempts, failures = f.attempts, f.transient_failures
    if not transient and attempts >= ctx.settings.max_attempts:
        finish_failed(ctx, file_id, claim_id, "internal", "the file could not be processed", owner)
        return None
    values, delay = _queued_again(ctx, FileRow.attempts, failures, transient)
    with transaction(ctx.sessions) as s:
        s.execute(
            update(FileRow)
            .where(FileRow.id == file_id, FileRow.status == "processing", FileRow.lease_owner == owner)
            .values(**values)
        )
    return delay


def _queued_again(ctx: ServiceContext, attempts: Any, failures: int, transient: bool) -> tuple[dict[str, Any], float]:
    """The values that queue a taken file or page again after a failed attempt, and the seconds
    until it is due: a transient fault does not count as an attempt and waits a doubling delay."""
    failures += 1 if transient else 0
    delay = backoff(failures, ctx.settings.retry_base_seconds, ctx.settings.retry_max_seconds) if transient else 0.0
    values = {
        "status": "queued",
        "attempts": attempts - 1 if transient else attempts,
        "transient_failures": failures,
        "retry_at": utcnow() + timedelta(seconds=delay),
        "lease_owner": None,
        "lease_expires": None,
    }
    return values, delay


# -- files read page by page ----------------------------------------------------------------------
#
# With a broker, a file of more than INTAKE_PAGES_PER_TASK pages is split: one file_pages row per
# page, and the file `split`, holding no lease of its own. A page task takes its page under a lease,
# by the same conditional UPDATE as a file, and writes the page's result only while it still holds
# it. The transaction that marks the last page done (the files row's pages_done counter is written
# in it, so that two pages finishing together are counted one after the other) puts the file back
# in the queue; the file task that takes it then finds every page read, finds the documents on them
# and writes them with finish_done, which settles the claim once.


@dataclass(frozen=True)
class TakenPage:
    file_id: str
    page: int
    blob_key: str
    filename: str
    claim_id: str
    request_id: str | None


def split_file(ctx: ServiceContext, file_id: str, owner: str, pages: int) -> list[int] | None:
    """The file owner holds, split into its pages (rows there already are kept, so a re-delivered
    task adds none): the pages to send tasks for, or None if owner no longer holds the file."""
    with transaction(ctx.sessions) as s:
        held = _updated(
            s,
            update(FileRow)
            .where(FileRow.id == file_id, FileRow.status == "processing", FileRow.lease_owner == owner)
            .values(
                status="split",
                pages_total=pages,
                pages_done=0,
                # Splitting is not a reading: the pages count their own attempts, and the file's
                # count starts again for its assembling.
                attempts=0,
                lease_owner=None,
                lease_expires=None,
            ),
        )
        if not held:
            return None
        rows = {r.page: r for r in s.scalars(select(FilePageRow).where(FilePageRow.file_id == file_id))}
        s.add_all(
            FilePageRow(file_id=file_id, page=n, status="queued", attempts=0, transient_failures=0)
            for n in range(1, pages + 1)
            if n not in rows
        )
        done = sum(1 for r in rows.values() if r.status == "done")
        if done:
            ready = {"status": "queued", "retry_at": None} if done >= pages else {}
            s.execute(update(FileRow).where(FileRow.id == file_id).values(pages_done=done, **ready))
        return [n for n in range(1, pages + 1) if n not in rows or rows[n].status != "done"]


def _page_due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(FilePageRow.status == "queued", or_(FilePageRow.retry_at.is_(None), FilePageRow.retry_at <= now)),
        and_(
            FilePageRow.status == "processing",
            or_(FilePageRow.lease_expires.is_(None), FilePageRow.lease_expires < now),
        ),
    )


def _file_split(file_id: str) -> ColumnElement[bool]:
    return select(FileRow.id).where(FileRow.id == file_id, FileRow.status == "split").exists()


def take_page(ctx: ServiceContext, owner: str, file_id: str, page: int) -> TakenPage | None:
    """Take this page of a split file for owner, under a lease; None if it is not due."""
    now = utcnow()
    this = and_(FilePageRow.file_id == file_id, FilePageRow.page == page)
    with ctx.sessions() as s:
        row = s.get(FilePageRow, (file_id, page))
        poisoned = (
            row is not None
            and row.status == "processing"
            and (row.lease_expires is None or row.lease_expires < now)
            and row.attempts >= ctx.settings.max_attempts
        )
        claim_id = s.scalar(select(FileRow.claim_id).where(FileRow.id == file_id))
    if poisoned and claim_id is not None:
        # Its readers died max_attempts times: the file fails, as a whole file would.
        reason = "processing this file was interrupted too many times"
        finish_failed(ctx, file_id, claim_id, "interrupted", reason, split=True)
        log.warning("file %s failed after repeated interrupted processing of page %d", file_id, page)
        return None
    with transaction(ctx.sessions) as s:
        taken = _updated(
            s,
            update(FilePageRow)
            .where(this, _page_due(now), _file_split(file_id))
            .values(
                status="processing",
                attempts=FilePageRow.attempts + 1,
                retry_at=None,
                lease_owner=owner,
                lease_expires=now + timedelta(seconds=ctx.settings.lease_seconds),
            ),
        )
        if not taken:
            return None
        f = s.get(FileRow, file_id)
        assert f is not None
        return TakenPage(f.id, page, f.blob_key, f.filename, f.claim_id, f.request_id)


def page_state(ctx: ServiceContext, file_id: str, page: int) -> tuple[str, str, datetime | None] | None:
    """(the page's status, its file's status, when the page may be taken next); None if there is no such page."""
    with ctx.sessions() as s:
        row = s.get(FilePageRow, (file_id, page))
        f = s.get(FileRow, file_id)
        if row is None or f is None:
            return None
        return row.status, f.status, (row.lease_expires if row.status == "processing" else row.retry_at)


def finish_page(ctx: ServiceContext, file_id: str, page: int, result: dict[str, Any], owner: str) -> bool | None:
    """A page's result, if owner still holds the page: True when it was the file's last page (the
    file is then queued to be assembled), False if not, None if owner no longer held it."""
    with transaction(ctx.sessions) as s:
        held = _updated(
            s,
            update(FilePageRow)
            .where(
                FilePageRow.file_id == file_id,
                FilePageRow.page == page,
                FilePageRow.status == "processing",
                FilePageRow.lease_owner == owner,
            )
            .values(status="done", result=result, finished_at=utcnow(), lease_owner=None, lease_expires=None),
        )
        if not held:
            return None
        counted = _updated(
            s,
            update(FileRow)
            .where(FileRow.id == file_id, FileRow.status == "split")
            .values(pages_done=FileRow.pages_done + 1),
        )
        if not counted:
            return False  # the file failed meanwhile (another of its pages could not be read)
        done, total = s.execute(select(FileRow.pages_done, FileRow.pages_total).where(FileRow.id == file_id)).one()
        if (done or 0) < (total or 0):
            return False
        s.execute(
            update(FileRow)
            .where(FileRow.id == file_id)
            .values(status="queued", retry_at=None, dispatched_at=None, transient_failures=0)
        )
        return True


def give_back_page(
    ctx: ServiceContext, file_id: str, claim_id: str, page: int, owner: str, *, transient: bool = False
) -> float | None:
    """A page whose reading failed for a reason not its own: queued again (the seconds until it is
    due), or after max_attempts non-transient failures its file failed (None), as give_back does."""
    with ctx.sessions() as s:
        row = s.get(FilePageRow, (file_id, page))
        if row is None or row.status != "processing" or row.lease_owner != owner:
            return None
        attempts, failures = row.attempts, row.transient_failures
    if not transient and attempts >= ctx.settings.max_attempts:
        finish_failed(ctx, file_id, claim_id, "internal", "the file could not be processed", split=True)
        return None
    values, delay = _queued_again(ctx, FilePageRow.attempts, failures, transient)
    with transaction(ctx.sessions) as s:
        s.execute(
            update(FilePageRow)
            .where(
                FilePageRow.file_id == file_id,
                FilePageRow.page == page,
                FilePageRow.status == "processing",
                FilePageRow.lease_owner == owner,
            )
            .values(**values)
        )
    return delay


def page_results(ctx: ServiceContext, file_id: str) -> list[dict[str, Any]]:
    """The stored result of each read page of a file, in page order."""
    with ctx.sessions() as s:
        results: list[dict[str, Any] | None] = list(
            s.scalars(
                select(FilePageRow.result)
                .where(FilePageRow.file_id == file_id, FilePageRow.status == "done")
                .order_by(FilePageRow.page)
            )
        )
        return [r for r in results if r is not None]


def due_pages(ctx: ServiceContext, limit: int = 100, resend_after: float | None = None) -> list[tuple[str, int]]:
    """(file, page) of pages of split files that could be taken now, oldest file first. With
    resend_after (a broker's sweeper): only those whose task may have been lost, as lost_tasks."""
    now = utcnow()
    lost = []
    if resend_after is not None:
        old = now - timedelta(seconds=resend_after)
        lost.append(
            or_(
                FilePageRow.status == "processing",
                FilePageRow.dispatched_at.is_(None),
                FilePageRow.dispatched_at < old,
            )
        )
    with ctx.sessions() as s:
        rows = s.execute(
            select(FilePageRow.file_id, FilePageRow.page)
            .join(FileRow, FileRow.id == FilePageRow.file_id)
            .where(FileRow.status == "split", _page_due(now), *lost)
            .order_by(FileRow.created_at, FilePageRow.page)
            .limit(limit)
        ).all()
        return [(str(f), int(n)) for f, n in rows]


def lost_pages(ctx: ServiceContext, resend_after: float, limit: int = 500) -> list[tuple[str, int]]:
    """With a broker: due pages of split files whose task may have been lost."""
    return due_pages(ctx, limit, resend_after)


def mark_pages_dispatched(ctx: ServiceContext, pages: list[tuple[str, int]]) -> None:
    with transaction(ctx.sessions) as s:
        now = utcnow()
        for file_id, page in pages:
            s.execute(
                update(FilePageRow)
                .where(FilePageRow.file_id == file_id, FilePageRow.page == page)
                .values(dispatched_at=now)
            )


def _settled(s: Session, ctx: ServiceContext, claim_id: str) -> bool:
    """Settle the claim; when its processing has just ended, its webhook event joins the outbox in
    this same transaction (so it is sent once per settling, even across restarts)."""
    claim = s.get(ClaimRow, claim_id)
    assert claim is not None
    before, after = settle(s, ctx.reader, claim)
    ended = before == "processing" and after != "processing"
    if ended and claim.webhook_url:
        now = utcnow()
        s.add(
            OutboxRow(
                claim_id=claim.id,
                url=claim.webhook_url,
                payload={
                    "event": "claim.processed",
                    "claim_id": claim.id,
                    "external_ref": claim.external_ref,
                    "status": claim.status,
                    "completeness": claim.completeness,
                    "at": now.isoformat(),
                },
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    if ended:
        ctx.outbox_ready.set()
    return ended


# -- the webhook outbox ---------------------------------------------------------------------------


def take_delivery(ctx: ServiceContext, hold_seconds: float) -> OutboxRow | None:
    """The oldest due webhook event, held for hold_seconds so that no other process sends it meanwhile."""
    now = utcnow()
    with ctx.sessions() as s:
        ids = list(
            s.scalars(
                select(OutboxRow.id)
                .where(
                    OutboxRow.delivered_at.is_(None), OutboxRow.given_up_at.is_(None), OutboxRow.next_attempt_at <= now
                )
                .order_by(OutboxRow.next_attempt_at)
                .limit(4)
            )
        )
    for event_id in ids:
        with transaction(ctx.sessions) as s:
            held = _updated(
                s,
                update(OutboxRow)
                .where(OutboxRow.id == event_id, OutboxRow.delivered_at.is_(None), OutboxRow.next_attempt_at <= now)
                .values(next_attempt_at=now + timedelta(seconds=hold_seconds), attempts=OutboxRow.attempts + 1),
            )
            if held:
                row = s.get(OutboxRow, event_id)
                assert row is not None
                s.expunge(row)
                return row
    return None


def delivery_done(ctx: ServiceContext, event_id: str, outcome: str, retry_in: float | None, error: str | None) -> None:
    """Record one delivery attempt: delivered, given up, or due again in retry_in seconds."""
    now = utcnow()
    with transaction(ctx.sessions) as s:
        row = s.get(OutboxRow, event_id)
        if row is None:
            return
        row.last_error = error
        if outcome == "delivered":
            row.delivered_at = now
        elif retry_in is None:
            row.given_up_at = now
        else:
            row.next_attempt_at = now + timedelta(seconds=retry_in)
