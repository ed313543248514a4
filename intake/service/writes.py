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
from sqlalchemy import ColumnElement, CursorResult, Update, and_, func, or_, select, update
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
from intake.store.tables import ClaimRow, CorrectionRow, DocumentRow, FileRow, OutboxRow, utcnow
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
        .where(FileRow.claim_id == claim.id, FileRow.status.in_(("queued", "processing")))
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
                return Taken(f.id, f.blob_key, f.filename, f.claim_id, f.attempts, f.request_id)
    return None


def renew_leases(ctx: ServiceContext, owner: str) -> int:
    """Extend every lease owner holds (an owner is one process); returns how many."""
    with transaction(ctx.sessions) as s:
        return _updated(
            s,
            update(FileRow)
            .where(FileRow.lease_owner == owner, FileRow.status == "processing")
            .values(lease_expires=utcnow() + timedelta(seconds=ctx.settings.lease_seconds)),
        )


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
    ctx: ServiceContext, file_id: str, claim_id: str, code: str, reason: str, owner: str | None = None
) -> bool:
    """A file that cannot be read; true when the claim's processing just ended."""
    with transaction(ctx.sessions) as s:
        touch_claim(s, claim_id)
        f = s.get(FileRow, file_id)
        if f is None or not _held(f, owner):
            return False
        f.status, f.reason_code, f.reason, f.finished_at = "failed", code, reason, utcnow()
        f.lease_owner, f.lease_expires = None, None
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
    failures += 1 if transient else 0
    delay = backoff(failures, ctx.settings.retry_base_seconds, ctx.settings.retry_max_seconds) if transient else 0.0
    with transaction(ctx.sessions) as s:
        s.execute(
            update(FileRow)
            .where(FileRow.id == file_id, FileRow.status == "processing", FileRow.lease_owner == owner)
            .values(
                status="queued",
                attempts=FileRow.attempts - 1 if transient else FileRow.attempts,
                transient_failures=failures,
                retry_at=utcnow() + timedelta(seconds=delay),
                lease_owner=None,
                lease_expires=None,
            )
        )
    return delay


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
