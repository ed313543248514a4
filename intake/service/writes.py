"""Every write the service makes to its database, in one place: claims, uploads, the worker's
results, corrections and reviews, and the claim's verdict after each of them.

Each function is one transaction. Every transaction that changes what a claim's status depends on
writes the claim row first (touch_claim): on PostgreSQL that takes the row lock, on SQLite the
database write lock, so that two workers finishing two files of one claim, or a worker and a
reviewer, decide its status one after the other, each seeing the other's result.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import HTTPException
from sqlalchemy import CursorResult, Update, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.claim_reader import ClaimReader, ReadFile
from intake.review.corrections import CorrectionRejected, apply_correction, reread_fields
from intake.service.access import claim_for, document_for
from intake.service.auth import Principal
from intake.service.context import ServiceContext
from intake.service.schemas import ClaimCreate, ClaimOut, ClaimSummary, DocumentOut, DocumentPatch, UploadAccepted
from intake.service.views import claim_out, claim_summary, document_out, pipeline_documents
from intake.store.database import transaction
from intake.store.invoice_table import DbInvoiceRegistry
from intake.store.tables import ClaimRow, CorrectionRow, DocumentRow, FileRow, utcnow
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


def add_upload(
    ctx: ServiceContext, claim_id: str, who: Principal, blob_key: str, size: int, media_type: str, filename: str
) -> UploadAccepted:
    """A stored upload queued for reading, with the document that answers for it."""
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
    ctx.work_queued.set()
    log.info("claim %s: file %s queued (%s, %d bytes)", claim_id, out.file_id, media_type, size)
    return out


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


def requeue_interrupted(ctx: ServiceContext) -> tuple[int, int]:
    """Queue again what a crash left half-read; fail what crashed the worker too often.
    Returns (queued again, failed)."""
    with transaction(ctx.sessions) as s:
        failed = _updated(
            s,
            update(FileRow)
            .where(FileRow.status == "processing", FileRow.attempts >= ctx.settings.max_attempts)
            .values(
                status="failed",
                reason_code="interrupted",
                reason="processing this file was interrupted too many times",
                finished_at=utcnow(),
            ),
        )
        requeued = _updated(
            s, update(FileRow).where(FileRow.status == "processing").values(status="queued", started_at=None)
        )
    if failed:
        with ctx.sessions() as s:
            ids = list(s.scalars(select(ClaimRow.id).where(ClaimRow.status == "processing")))
        for claim_id in ids:
            with transaction(ctx.sessions) as s:
                touch_claim(s, claim_id)
                claim = s.get(ClaimRow, claim_id)
                if claim is not None:
                    settle(s, ctx.reader, claim)
    return requeued, failed


def take_file(ctx: ServiceContext) -> str | None:
    """Switch the oldest queued file to processing and return its id (None if nothing is queued)."""
    with ctx.sessions() as s:
        candidates = list(
            s.scalars(select(FileRow.id).where(FileRow.status == "queued").order_by(FileRow.created_at).limit(8))
        )
    for file_id in candidates:
        with transaction(ctx.sessions) as s:
            taken = _updated(
                s,
                update(FileRow)
                .where(FileRow.id == file_id, FileRow.status == "queued")
                .values(status="processing", attempts=FileRow.attempts + 1, started_at=utcnow()),
            )
        if taken:
            return file_id
    return None


def file_to_read(ctx: ServiceContext, file_id: str) -> tuple[str, str, str] | None:
    """(blob key, filename, claim id) of a file, or None if it is gone."""
    with ctx.sessions() as s:
        f = s.get(FileRow, file_id)
        return None if f is None else (f.blob_key, f.filename, f.claim_id)


def finish_done(
    ctx: ServiceContext, file_id: str, claim_id: str, result: ReadFile, pages: list[dict[str, Any]]
) -> bool:
    """Every result of one file in one transaction; true when the claim's processing just ended."""
    with transaction(ctx.sessions) as s:
        touch_claim(s, claim_id)
        f = s.get(FileRow, file_id)
        if f is None or f.status != "processing":
            return False
        now = utcnow()
        f.status, f.ocr, f.finished_at, f.reason, f.reason_code = "done", {"pages": pages}, now, None, None
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
        return _settled(s, ctx.reader, claim_id)


def finish_failed(ctx: ServiceContext, file_id: str, claim_id: str, code: str, reason: str) -> bool:
    """A file that cannot be read; true when the claim's processing just ended."""
    with transaction(ctx.sessions) as s:
        touch_claim(s, claim_id)
        f = s.get(FileRow, file_id)
        if f is None or f.status != "processing":
            return False
        f.status, f.reason_code, f.reason, f.finished_at = "failed", code, reason, utcnow()
        for d in f.documents:
            d.updated_at = f.finished_at
        return _settled(s, ctx.reader, claim_id)


def give_back(ctx: ServiceContext, file_id: str, claim_id: str) -> tuple[bool, bool]:
    """A file whose results could not be written: queued again, or failed after max_attempts.
    Returns (queued again, the claim's processing just ended)."""
    with ctx.sessions() as s:
        f = s.get(FileRow, file_id)
        attempts = f.attempts if f is not None else 0
    if attempts >= ctx.settings.max_attempts:
        return False, finish_failed(ctx, file_id, claim_id, "internal", "the file could not be processed")
    with transaction(ctx.sessions) as s:
        s.execute(update(FileRow).where(FileRow.id == file_id, FileRow.status == "processing").values(status="queued"))
    return True, False


def _settled(s: Session, reader: ClaimReader, claim_id: str) -> bool:
    claim = s.get(ClaimRow, claim_id)
    assert claim is not None
    before, after = settle(s, reader, claim)
    return before == "processing" and after != "processing"
