"""Claims: created and filled by portals, read by portals (their own) and reviewers."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response, UploadFile
from fastapi import File as FormFile
from sqlalchemy import select

from intake.service import writes
from intake.service.access import claim_for
from intake.service.auth import Portal, Reader, Reviewer
from intake.service.routes import Ctx, errors
from intake.service.schemas import ClaimCreate, ClaimList, ClaimOut, ClaimStatus, ClaimSummary, UploadAccepted
from intake.service.views import claim_out, claim_summary
from intake.store.tables import ClaimRow
from intake.upload.files import InputError, clean_filename, open_file

# What an upload that cannot be accepted is answered with; the rest is 422.
UPLOAD_STATUS = {"too_large": 413, "unsupported_type": 415}

log = logging.getLogger("intake.service")

router = APIRouter(prefix="/v1/claims", tags=["claims"], responses=errors(400, 401, 403, 422))


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
    out, replayed = writes.create_claim(ctx, who, body, idempotency_key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    else:
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
    q = select(ClaimRow)
    if not who.reads_all:
        q = q.where(ClaimRow.owner == who.name)
    if status is not None:
        q = q.where(ClaimRow.status == status)
    q = q.order_by(ClaimRow.created_at.desc(), ClaimRow.id).limit(limit).offset(offset)
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
        return claim_out(claim_for(s, claim_id, who), ctx.reader)


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
    with ctx.sessions() as s:
        claim = claim_for(s, claim_id, who)
        if claim.reviewed_at is not None:
            raise HTTPException(409, "the claim has been reviewed; create a new claim for more documents")
    data = file.file.read(ctx.limits.max_file_bytes + 1)
    try:
        media = open_file(data, "upload", ctx.limits).media_type
    except InputError as exc:
        raise HTTPException(UPLOAD_STATUS.get(exc.code, 422), exc.reason) from exc
    # The bytes are durable before the row that points at them, and the row before the 202.
    key = ctx.blobs.put(data, media)
    out = writes.add_upload(ctx, claim_id, who, key, len(data), media, clean_filename(file.filename))
    response.headers["Location"] = f"/v1/documents/{out.id}"
    return out


@router.post(
    "/{claim_id}/review",
    response_model=ClaimOut,
    summary="Mark a claim reviewed (reviewers)",
    responses=errors(404, 409),
)
def mark_reviewed(claim_id: str, who: Reviewer, ctx: Ctx) -> ClaimOut:
    return writes.mark_reviewed(ctx, claim_id, who)
