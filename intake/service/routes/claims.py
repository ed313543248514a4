"""Claims: created and filled by portals, read by portals (their own) and reviewers."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, UploadFile
from fastapi import File as FormFile
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from intake.service import metrics, writes
from intake.service.access import claim_for
from intake.service.auth import Portal, Principal, Reader, Reviewer
from intake.service.context import ServiceContext
from intake.service.routes import Ctx, errors
from intake.service.schemas import ClaimCreate, ClaimList, ClaimOut, ClaimStatus, ClaimSummary, UploadAccepted
from intake.service.views import claim_out, claim_summary
from intake.service.webhooks import unsafe_reason
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
    responses=errors(409, 503),
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
    if body.webhook_url is not None:
        if not ctx.settings.webhook_secret:
            # Unsigned webhooks cannot be told from forged ones: without a secret they are off.
            raise HTTPException(422, "webhook_url: webhooks are off on this service (no INTAKE_WEBHOOK_SECRET)")
        reason = unsafe_reason(str(body.webhook_url), ctx.settings.webhook_hosts, resolve=False)
        if reason is not None:
            raise HTTPException(422, f"webhook_url: {reason}")
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
    responses=errors(404, 409, 413, 415, 503),
)
async def upload_document(
    claim_id: str,
    request: Request,
    file: Annotated[
        UploadFile, FormFile(description="JPEG, PNG, WebP, TIFF, BMP or PDF; the type is read from the bytes.")
    ],
    who: Portal,
    ctx: Ctx,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            description="Send the same key again (to the same claim) to get the first upload's document, not a second.",
        ),
    ] = None,
) -> UploadAccepted:
    form = await request.form()  # parsed already for `file`: this reads FastAPI's cached copy
    if len(form.getlist("file")) != 1:
        raise HTTPException(422, "file: send exactly one file part per upload")
    return await run_in_threadpool(_store_upload, ctx, claim_id, who, file, response, idempotency_key)


def _store_upload(
    ctx: ServiceContext, claim_id: str, who: Principal, file: UploadFile, response: Response, key: str | None
) -> UploadAccepted:
    with ctx.sessions() as s:
        claim_for(s, claim_id, who)  # 404 before reading a byte (the reviewed check is in add_upload's transaction)
    if key is not None:
        earlier = writes.earlier_upload(ctx, claim_id, key)
        if earlier is not None:
            response.headers["Idempotent-Replayed"] = "true"
            response.headers["Location"] = f"/v1/documents/{earlier.id}"
            return earlier
    data = file.file.read(ctx.limits.max_file_bytes + 1)
    try:
        media = open_file(data, "upload", ctx.limits).media_type
    except InputError as exc:
        raise HTTPException(UPLOAD_STATUS.get(exc.code, 422), exc.reason) from exc
    # The bytes are durable before the row that points at them, and the row before the 202.
    blob = ctx.blobs.put(data, media)
    out, replayed = writes.add_upload(ctx, claim_id, who, blob, len(data), media, clean_filename(file.filename), key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        metrics.UPLOAD_BYTES.inc(len(data))
    if not replayed and ctx.worker is not None:
        ctx.worker.notify(out.file_id)
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
