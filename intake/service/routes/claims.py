"""Claims: created and filled by portals, read by portals (their own) and reviewers."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response, UploadFile
from fastapi import File as FormFile
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from intake.service.auth import Portal, Reader, Reviewer
from intake.service.routes import Ctx, errors
from intake.service.schemas import ClaimCreate, ClaimList, ClaimOut, ClaimStatus, ClaimSummary, UploadAccepted
from intake.service.state import claim_for, claim_out, claim_summary, refresh_claim, touch_claim
from intake.store.database import transaction
from intake.store.tables import Claim, Document, File, utcnow
from intake.upload.check import UploadRejected, check_upload, clean_filename
from intake.upload.files import default_limits

log = logging.getLogger("intake.service")

router = APIRouter(prefix="/v1/claims", tags=["claims"], responses=errors(400, 401, 403, 422))


def _same_request(claim: Claim, body: ClaimCreate) -> bool:
    hook = str(body.webhook_url) if body.webhook_url else None
    return (claim.claim_type, claim.external_ref, claim.webhook_url) == (body.claim_type.value, body.external_ref, hook)


@router.post(
    "",
    status_code=201,
    response_model=ClaimSummary,
    summary="Create a claim",
    responses=errors(409),
)
def create_claim(
    body: ClaimCreate,
    who: Portal,
    ctx: Ctx,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            description="Send the same key again (with the same body) to get the same claim instead of a second one.",
        ),
    ] = None,
) -> ClaimSummary:
    if idempotency_key is not None:
        with ctx.sessions() as s:
            earlier = s.scalars(
                select(Claim).where(Claim.owner == who.name, Claim.idempotency_key == idempotency_key)
            ).first()
        if earlier is not None:
            if not _same_request(earlier, body):
                raise HTTPException(409, "this Idempotency-Key was used for a different claim")
            response.headers["Idempotent-Replayed"] = "true"
            return claim_summary(earlier)
    try:
        with transaction(ctx.sessions) as s:
            now = utcnow()
            claim = Claim(
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
            s.flush()
            refresh_claim(s, claim)  # an empty claim already says what it is missing
            out = claim_summary(claim)
    except IntegrityError:
        # The same key raced in from a retry that arrived together with the first request.
        with ctx.sessions() as s:
            earlier = s.scalars(
                select(Claim).where(Claim.owner == who.name, Claim.idempotency_key == idempotency_key)
            ).first()
        if earlier is None or not _same_request(earlier, body):
            raise HTTPException(409, "this Idempotency-Key was used for a different claim") from None
        response.headers["Idempotent-Replayed"] = "true"
        return claim_summary(earlier)
    log.info("claim %s created (%s)", out.id, out.claim_type.value)
    response.headers["Location"] = f"/v1/claims/{out.id}"
    return out


@router.get("", response_model=ClaimList, summary="List claims (a portal sees its own)")
def list_claims(
    who: Reader,
    ctx: Ctx,
    status: Annotated[ClaimStatus | None, Query(description="Only claims in this status.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ClaimList:
    q = select(Claim)
    if not who.reads_all:
        q = q.where(Claim.owner == who.name)
    if status is not None:
        q = q.where(Claim.status == status)
    q = q.order_by(Claim.created_at.desc(), Claim.id).limit(limit).offset(offset)
    with ctx.sessions() as s:
        items = [claim_summary(c) for c in s.scalars(q)]
    return ClaimList(items=items, limit=limit, offset=offset)


@router.get(
    "/{claim_id}",
    response_model=ClaimOut,
    summary="A claim: status, documents, fields, completeness",
    responses=errors(404),
)
def get_claim(claim_id: str, who: Reader, ctx: Ctx) -> ClaimOut:
    with ctx.sessions() as s:
        return claim_out(claim_for(s, claim_id, who))


@router.post(
    "/{claim_id}/documents",
    status_code=202,
    response_model=UploadAccepted,
    summary="Upload a file (image or PDF) to a claim; it is processed in the background",
    responses=errors(404, 409, 413, 415),
)
def upload_document(
    claim_id: str,
    file: Annotated[
        UploadFile, FormFile(description="JPEG, PNG, WebP, TIFF, BMP or PDF; the type is read from the bytes.")
    ],
    who: Portal,
    ctx: Ctx,
    response: Response,
) -> UploadAccepted:
    limits = replace(default_limits(), max_file_bytes=ctx.settings.max_upload_bytes)
    with ctx.sessions() as s:
        claim = claim_for(s, claim_id, who)
        if claim.reviewed_at is not None:
            raise HTTPException(409, "the claim has been reviewed; create a new claim for more documents")
    data = file.file.read(limits.max_file_bytes + 1)
    try:
        media = check_upload(data, limits)
    except UploadRejected as exc:
        raise HTTPException(exc.status, exc.reason) from exc
    filename = clean_filename(file.filename)
    # The bytes are durable before the row that points at them, and the row before the 202.
    key = ctx.blobs.put(data, media)
    with transaction(ctx.sessions) as s:
        touch_claim(s, claim_id)
        now = utcnow()
        row = File(
            claim_id=claim_id,
            filename=filename,
            blob_key=key,
            size=len(data),
            media_type=media,
            status="queued",
            attempts=0,
            created_at=now,
        )
        s.add(row)
        s.flush()
        doc = Document(claim_id=claim_id, file_id=row.id, position=0, filename=filename, created_at=now, updated_at=now)
        s.add(doc)
        claim = s.get(Claim, claim_id)
        assert claim is not None
        claim.status = "processing"
        s.flush()
        out = UploadAccepted(id=doc.id, status="queued", claim_id=claim_id, file_id=row.id, filename=filename)
    if ctx.worker is not None:
        ctx.worker.notify()
    log.info("claim %s: file %s queued (%s, %d bytes)", claim_id, out.file_id, media, len(data))
    response.headers["Location"] = f"/v1/documents/{out.id}"
    return out


@router.post(
    "/{claim_id}/review",
    response_model=ClaimOut,
    summary="Mark a claim reviewed (reviewers)",
    responses=errors(404, 409),
)
def mark_reviewed(claim_id: str, who: Reviewer, ctx: Ctx) -> ClaimOut:
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
        out = claim_out(claim)
    log.info("claim %s reviewed", claim_id)
    return out


def notify_claim_done(ctx: Ctx, claim_id: str) -> None:
    """Called by the worker when a claim has nothing left to process: its webhook, if it has one."""
    with ctx.sessions() as s:
        claim = s.get(Claim, claim_id)
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
