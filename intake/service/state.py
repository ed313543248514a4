"""Claims and documents between the database and the API: access rules, the completeness check,
the claim's status, and the response bodies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from intake.elements.document import Document as ExtractedDocument
from intake.elements.document import Field as ExtractedField
from intake.elements.findings import Completeness
from intake.service.auth import Principal
from intake.service.schemas import ClaimOut, ClaimSummary, DocumentOut, DocumentSummary
from intake.store.invoice_table import DbInvoiceRegistry
from intake.store.tables import Claim, Document, File, utcnow
from intake.vocabulary import DocType

log = logging.getLogger("intake.service")
_warned: set[str] = set()
_rules: Any = None  # the claim rules read at start (create_app); None: check_claim reads them itself


def use_rules(rules: Any) -> None:
    """Check every claim against these rules (parsing the YAML per check would cost more than the check)."""
    global _rules
    _rules = rules


def claim_for(session: Session, claim_id: str, who: Principal) -> Claim:
    """The claim if this key may see it. Another portal's claim is as absent as an unknown one."""
    claim = session.get(Claim, claim_id)
    if claim is None or (not who.reads_all and claim.owner != who.name):
        raise HTTPException(404, "no such claim")
    return claim


def document_for(session: Session, document_id: str, who: Principal) -> Document:
    doc = session.get(Document, document_id)
    if doc is None or (not who.reads_all and doc.claim.owner != who.name):
        raise HTTPException(404, "no such document")
    return doc


def touch_claim(session: Session, claim_id: str) -> None:
    """Write the claim row first in every transaction that changes what its status depends on.

    On PostgreSQL this takes the row lock, on SQLite the database write lock, so that two workers
    finishing two files of one claim decide its status one after the other, each seeing the
    other's result.
    """
    session.execute(update(Claim).where(Claim.id == claim_id).values(updated_at=utcnow()))


def check_claim_function() -> Callable[..., Completeness] | None:
    try:
        from intake.check.checks import check_claim
    except ImportError:
        if "checks" not in _warned:
            _warned.add("checks")
            log.warning("intake.check.checks is not available: claims get no completeness")
        return None
    return check_claim  # type: ignore[no-any-return]


def extracted(doc: Document) -> ExtractedDocument:
    return ExtractedDocument(
        filename=doc.filename,
        doc_type=DocType(doc.doc_type or DocType.OTHER),
        doc_type_confidence=doc.doc_type_confidence or 0.0,
        pages=list(doc.pages or []),
        fields={k: ExtractedField.from_json(v) for k, v in (doc.fields or {}).items()},
        id=doc.id,
    )


def run_check(session: Session, claim: Claim) -> dict[str, Any] | None:
    check = check_claim_function()
    if check is None:
        return None
    docs = [extracted(d) for d in claim.documents if d.file.status == "done" and d.doc_type]
    registry = DbInvoiceRegistry(session)
    result = check(claim.claim_type, docs, rules=_rules, registry=registry, claim_id=claim.id)
    # The check only asks the registry; this claim's invoices are recorded here, after it.
    from intake.check.invoice_registry import invoice_keys

    registry.sync([k for d in docs for k in invoice_keys(d)], claim.id)
    return result.to_json()


def refresh_claim(session: Session, claim: Claim) -> tuple[str, str]:
    """Recompute the claim's status (and, once nothing is pending, its completeness): (before, after)."""
    before = claim.status
    pending = session.scalar(
        select(func.count())
        .select_from(File)
        .where(File.claim_id == claim.id, File.status.in_(("queued", "processing")))
    )
    session.refresh(claim, ["documents", "files"])
    if pending:
        claim.status = "processing"
    else:
        claim.completeness = run_check(session, claim)
        if claim.reviewed_at is not None:
            claim.status = "reviewed"
        elif claim.completeness is not None and claim.completeness.get("complete"):
            claim.status = "ready_for_review"
        else:
            claim.status = "incomplete"
    claim.updated_at = utcnow()
    return before, claim.status


def claim_summary(claim: Claim) -> ClaimSummary:
    return ClaimSummary.model_validate(claim, from_attributes=True)


def document_summary(doc: Document) -> DocumentSummary:
    f = doc.file
    return DocumentSummary(
        id=doc.id,
        claim_id=doc.claim_id,
        file_id=doc.file_id,
        filename=doc.filename,
        status=f.status,  # type: ignore[arg-type]
        reason=f.reason,
        reason_code=f.reason_code,
        doc_type=DocType(doc.doc_type) if doc.doc_type else None,
        doc_type_confidence=doc.doc_type_confidence,
        pages=list(doc.pages or []),
        fields=doc.fields or {},
        created_at=doc.created_at,
        updated_at=doc.updated_at,
    )


def claim_out(claim: Claim) -> ClaimOut:
    return ClaimOut(
        **claim_summary(claim).model_dump(),
        documents=[document_summary(d) for d in claim.documents],
        completeness=claim.completeness,
    )


def page_image_url(document_id: str, page: int) -> str:
    return f"/v1/documents/{document_id}/pages/{page}/image"


def document_out(doc: Document) -> DocumentOut:
    f = doc.file
    ocr = None
    if f.ocr is not None:
        wanted = set(doc.pages or [])
        ocr = {
            "pages": [
                {
                    **{k: p[k] for k in ("page", "width", "height", "rotation", "lines", "seals")},
                    "image_url": page_image_url(doc.id, p["page"]),
                }
                for p in f.ocr.get("pages", [])
                if p["page"] in wanted
            ]
        }
    return DocumentOut(**document_summary(doc).model_dump(), media_type=f.media_type, ocr=ocr)
