"""The reviewers' queue and the corrections export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from intake.review.corrections import export_fields_jsonl, export_jsonl
from intake.service.auth import Admin, Staff
from intake.service.routes import Ctx, errors
from intake.service.schemas import ClaimList, ClaimStatus
from intake.service.views import claim_summary
from intake.store.tables import ClaimRow

router = APIRouter(prefix="/v1/review", tags=["review"], responses=errors(400, 401, 403, 422))


@router.get("/claims", response_model=ClaimList, summary="Claims waiting for review, oldest first")
def review_queue(
    who: Staff,
    ctx: Ctx,
    status: Annotated[
        ClaimStatus, Query(description="ready_for_review by default; incomplete claims may need a reviewer too.")
    ] = "ready_for_review",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ClaimList:
    q = (
        select(ClaimRow)
        .where(ClaimRow.status == status)
        .order_by(ClaimRow.updated_at, ClaimRow.id)
        .limit(limit)
        .offset(offset)
    )
    with ctx.sessions() as s:
        return ClaimList(items=[claim_summary(c) for c in s.scalars(q)], limit=limit, offset=offset)


@router.get(
    "/corrections.jsonl",
    response_class=Response,
    summary="Reviewer doc_type corrections as training rows for `intake classify train --corrections` (admins)",
    responses={
        200: {
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
            "description": 'One JSON object a line: {"features": {...}, "doc_type": ..., "document_id", "page", ...}',
        }
    },
)
def export_corrections(who: Admin, ctx: Ctx) -> Response:
    with ctx.sessions() as s:
        body = export_jsonl(s)
    return Response(body, media_type="application/x-ndjson")


@router.get(
    "/field-corrections.jsonl",
    response_class=Response,
    summary="Reviewer field corrections as training rows for `intake train fields --corrections` (admins)",
    responses={
        200: {
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
            "description": 'One JSON object a line: {"document_id", "doc_type", "field", "value", "page", "box", '
            '"pages"}',
        }
    },
)
def export_field_corrections(who: Admin, ctx: Ctx) -> Response:
    with ctx.sessions() as s:
        body = export_fields_jsonl(s)
    return Response(body, media_type="application/x-ndjson")
