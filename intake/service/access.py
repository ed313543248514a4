"""Who may see what: a portal sees only its own claims, reviewers and admins see every claim.
Another portal's claim is as absent as an unknown one (404), so that ids reveal nothing."""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy.orm import Session

from intake.service.auth import Principal
from intake.store.tables import ClaimRow, DocumentRow


def claim_for(session: Session, claim_id: str, who: Principal) -> ClaimRow:
    claim = session.get(ClaimRow, claim_id)
    if claim is None or (not who.reads_all and claim.owner != who.name):
        raise HTTPException(404, "no such claim")
    return claim


def document_for(session: Session, document_id: str, who: Principal) -> DocumentRow:
    doc = session.get(DocumentRow, document_id)
    if doc is None or (not who.reads_all and doc.claim.owner != who.name):
        raise HTTPException(404, "no such document")
    return doc
