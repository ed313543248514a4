"""Documents: results for portals and reviewers; corrections and their history for reviewers."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response
from sqlalchemy import select

from intake.service import writes
from intake.service.access import document_for
from intake.service.auth import Reader, Reviewer
from intake.service.routes import Ctx, errors
from intake.service.schemas import DocumentOut, DocumentPatch, HistoryEntry
from intake.service.views import document_out
from intake.store.blobs import BlobCorrupted, BlobNotFound
from intake.store.tables import CorrectionRow

log = logging.getLogger("intake.service")

router = APIRouter(prefix="/v1/documents", tags=["documents"], responses=errors(400, 401, 403, 404, 422))

IMAGE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}, "description": "JPEG"}
}
FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        "description": "The file as uploaded; Content-Type is its sniffed type.",
    }
}


@router.get("/{document_id}", response_model=DocumentOut, summary="A document with its fields and OCR lines")
def get_document(document_id: str, who: Reader, ctx: Ctx) -> DocumentOut:
    with ctx.sessions() as s:
        return document_out(document_for(s, document_id, who))


@router.get(
    "/{document_id}/pages/{page}/image",
    response_class=Response,
    responses=IMAGE_RESPONSE,
    summary="A page image, as stored: field and line boxes are in its pixels",
)
def page_image(document_id: str, page: Annotated[int, Path(ge=1, le=10_000)], who: Reader, ctx: Ctx) -> Response:
    with ctx.sessions() as s:
        doc = document_for(s, document_id, who)
        pages = {p["page"]: p for p in (doc.file.ocr or {}).get("pages", []) if p["page"] in (doc.pages or [])}
    if page not in pages:
        raise HTTPException(404, "no such page in this document (or not processed yet)")
    try:
        data = ctx.blobs.get(pages[page]["image"])
    except (BlobNotFound, BlobCorrupted) as exc:
        log.error("document %s page %d: image unreadable (%s)", document_id, page, type(exc).__name__)
        raise HTTPException(404, "the page image is not available") from exc
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})


@router.get("/{document_id}/file", response_class=Response, responses=FILE_RESPONSE, summary="The uploaded file")
def original_file(document_id: str, who: Reader, ctx: Ctx) -> Response:
    with ctx.sessions() as s:
        f = document_for(s, document_id, who).file
        key, media = f.blob_key, f.media_type
    try:
        data = ctx.blobs.get(key)
    except (BlobNotFound, BlobCorrupted) as exc:
        log.error("document %s: original unreadable (%s)", document_id, type(exc).__name__)
        raise HTTPException(404, "the file is not available") from exc
    # The bytes are the member's, not ours: never let a browser guess them into something active.
    return Response(data, media_type=media, headers={"X-Content-Type-Options": "nosniff"})


@router.patch(
    "/{document_id}",
    response_model=DocumentOut,
    summary="Correct a document's type and fields (reviewers); the claim's completeness is checked again",
    responses=errors(409),
)
def correct_document(document_id: str, body: DocumentPatch, who: Reviewer, ctx: Ctx) -> DocumentOut:
    return writes.correct_document(ctx, document_id, who, body)


@router.get(
    "/{document_id}/history",
    response_model=list[HistoryEntry],
    summary="Every correction of a document, oldest first (reviewers)",
)
def history(document_id: str, who: Reviewer, ctx: Ctx) -> list[HistoryEntry]:
    with ctx.sessions() as s:
        document_for(s, document_id, who)
        rows = s.scalars(
            select(CorrectionRow)
            .where(CorrectionRow.document_id == document_id)
            .order_by(CorrectionRow.at, CorrectionRow.id)
        )
        return [HistoryEntry(at=r.at, by=r.by, field=r.field, old=r.old, new=r.new) for r in rows]
