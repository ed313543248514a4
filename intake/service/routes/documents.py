"""Documents: results for portals and reviewers; corrections and their history for reviewers."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response
from sqlalchemy import select

from intake.review.corrections import reextract
from intake.review.values import CorrectionError, normalize_value
from intake.service.auth import Reader, Reviewer
from intake.service.routes import Ctx, errors
from intake.service.schemas import DocumentOut, DocumentPatch, HistoryEntry
from intake.service.state import document_for, document_out, refresh_claim, touch_claim
from intake.store.blobs import BlobCorrupted, BlobNotFound
from intake.store.database import transaction
from intake.store.tables import Claim, Correction, utcnow
from intake.vocabulary import DocType

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
    with transaction(ctx.sessions) as s:
        claim_id = document_for(s, document_id, who).claim_id
        touch_claim(s, claim_id)  # serialize with the worker and other reviewers on this claim
        doc = document_for(s, document_id, who)
        s.refresh(doc)
        if doc.file.status != "done":
            raise HTTPException(409, f"the document is {doc.file.status}; only a processed document can be corrected")
        now = utcnow()
        old_type = DocType(doc.doc_type or DocType.OTHER)
        new_type = body.doc_type or old_type
        changes: list[tuple[str, Any, Any]] = []
        fields = dict(doc.fields or {})
        if new_type != old_type:
            changes.append(("doc_type", old_type.value, new_type.value))
            fields = reextract(ctx, doc, new_type)
        problems = []
        for name, value in (body.fields or {}).items():
            before = fields.get(name)
            if value is None:
                if before is not None:
                    del fields[name]
                    changes.append((name, before.get("value"), None))
                continue
            try:
                norm = normalize_value(new_type, name, value)
            except CorrectionError as exc:
                problems.append(f"fields.{name}: must be {exc}")
                continue
            base = before or (doc.fields or {}).get(name) or {}
            if before is not None and before.get("value") == norm and before.get("corrected"):
                continue
            fields[name] = {
                "value": norm,
                "confidence": 1.0,
                "page": base.get("page") or (doc.pages or [1])[0],
                "box": base.get("box"),
                "source_text": base.get("source_text", ""),
                "corrected": True,
            }
            changes.append((name, before.get("value") if before else None, norm))
        if problems:
            raise HTTPException(422, "; ".join(problems))
        doc.doc_type = new_type.value
        if new_type != old_type:
            doc.doc_type_confidence = 1.0
        doc.fields = fields
        doc.updated_at = now
        s.add_all(
            Correction(
                document_id=doc.id, claim_id=claim_id, at=now, by=who.name, by_key_id=who.key_id, field=f, old=o, new=n
            )
            for f, o, n in changes
        )
        s.flush()
        claim = s.get(Claim, claim_id)
        assert claim is not None
        refresh_claim(s, claim)
        out = document_out(doc)
    log.info("document %s corrected: %d changes", document_id, len(changes))
    return out


@router.get(
    "/{document_id}/history",
    response_model=list[HistoryEntry],
    summary="Every correction of a document, oldest first (reviewers)",
)
def history(document_id: str, who: Reviewer, ctx: Ctx) -> list[HistoryEntry]:
    with ctx.sessions() as s:
        document_for(s, document_id, who)
        rows = s.scalars(
            select(Correction).where(Correction.document_id == document_id).order_by(Correction.at, Correction.id)
        )
        return [HistoryEntry(at=r.at, by=r.by, field=r.field, old=r.old, new=r.new) for r in rows]
