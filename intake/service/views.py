"""Response bodies built from the rows, through the pipeline's own data classes, so that the API
says of a document and a claim exactly what `intake process --json` says of them."""

from __future__ import annotations

from intake.claim_reader import ClaimReader, with_page_evidence
from intake.elements.document import Document as PipelineDocument
from intake.elements.document import fields_from_json, fields_to_json
from intake.elements.findings import Completeness
from intake.elements.page import OcrPage
from intake.service.schemas import (
    ClaimOut,
    ClaimSummary,
    CompletenessOut,
    DocumentOut,
    DocumentSummary,
    FiguresOut,
    OcrOut,
    PageOut,
)
from intake.store.tables import ClaimRow, DocumentRow, shown_status
from intake.vocabulary import DocType


def pipeline_documents(claim: ClaimRow) -> list[PipelineDocument]:
    """The claim's processed documents as the pipeline's Documents, for the checks and the figures:
    their fields as corrected, and their pages' evidence from the OCR the worker stored."""
    out = []
    for d in claim.documents:
        if d.file.status != "done" or not d.doc_type:
            continue
        pages = [OcrPage.from_json(p) for p in (d.file.ocr or {}).get("pages", []) if p["page"] in (d.pages or [])]
        doc = PipelineDocument(
            filename=d.filename,
            doc_type=DocType(d.doc_type),
            doc_type_confidence=d.doc_type_confidence or 0.0,
            pages=list(d.pages or []),
            fields=fields_from_json(d.fields),
            id=d.id,
        )
        out.append(with_page_evidence(doc, pages))
    return out


def page_image_url(document_id: str, page: int) -> str:
    return f"/v1/documents/{document_id}/pages/{page}/image"


def claim_summary(claim: ClaimRow) -> ClaimSummary:
    return ClaimSummary.model_validate(claim, from_attributes=True)


def completeness_out(raw: dict[str, object] | None) -> CompletenessOut | None:
    if raw is None:
        return None
    return CompletenessOut.model_validate(Completeness.from_json(raw).to_json())


def document_summary(doc: DocumentRow) -> DocumentSummary:
    f = doc.file
    return DocumentSummary.model_validate(
        {
            "id": doc.id,
            "claim_id": doc.claim_id,
            "file_id": doc.file_id,
            "filename": doc.filename,
            "status": shown_status(f.status),
            "reason": f.reason,
            "reason_code": f.reason_code,
            "doc_type": DocType(doc.doc_type) if doc.doc_type else None,
            "doc_type_confidence": doc.doc_type_confidence,
            "pages": list(doc.pages or []),
            "fields": fields_to_json(fields_from_json(doc.fields)),
            "created_at": doc.created_at,
            "updated_at": doc.updated_at,
        }
    )


def claim_out(claim: ClaimRow, reader: ClaimReader) -> ClaimOut:
    figures = reader.figures(claim.claim_type, pipeline_documents(claim))
    return ClaimOut(
        **claim_summary(claim).model_dump(),
        documents=[document_summary(d) for d in claim.documents],
        completeness=completeness_out(claim.completeness),
        summary=FiguresOut.model_validate(figures.to_json()),
    )


def document_out(doc: DocumentRow) -> DocumentOut:
    f = doc.file
    ocr = None
    if f.ocr is not None:
        wanted = set(doc.pages or [])
        pages = []
        for raw in f.ocr.get("pages", []):
            if raw["page"] not in wanted:
                continue
            page = OcrPage.from_json(raw).to_json()
            pages.append(PageOut.model_validate({**page, "image_url": page_image_url(doc.id, raw["page"])}))
        ocr = OcrOut(pages=pages)
    return DocumentOut(**document_summary(doc).model_dump(), media_type=f.media_type, ocr=ocr)
