"""Reviewer corrections: reading a document's fields again under its corrected type, and exporting
doc_type corrections as training rows for `intake classify train --corrections FILE`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.elements.page import OcrLine, OcrPage, Seal
from intake.review.values import field_json
from intake.store.tables import Correction, Document
from intake.vocabulary import FIELDS, DocType

if TYPE_CHECKING:
    from intake.service.app import ServiceContext

log = logging.getLogger("intake.service")


def stored_pages(ctx: ServiceContext, doc: Document) -> list[OcrPage]:
    """The document's pages as the worker left them: the stored image and what OCR read on it."""
    out = []
    wanted = set(doc.pages or [])
    for p in (doc.file.ocr or {}).get("pages", []):
        if p["page"] not in wanted:
            continue
        raw = np.frombuffer(ctx.blobs.get(p["image"]), np.uint8)
        image = cv2.imdecode(raw, cv2.IMREAD_COLOR)
        lines = [OcrLine(x["text"], tuple(x["box"]), float(x["confidence"])) for x in p.get("lines", [])]
        seals = [
            Seal(tuple(s["box"]), s["shape"], s.get("text", ""), float(s.get("confidence", 0))) for s in p["seals"]
        ]
        out.append(OcrPage(p["page"], image, lines, seals, int(p.get("rotation", 0))))  # type: ignore[arg-type]
    return out


def reextract(ctx: ServiceContext, doc: Document, doc_type: DocType) -> dict[str, dict[str, Any]]:
    """Fields of the document read again as doc_type; if that fails, the old fields the type allows."""
    allowed = set(FIELDS[doc_type])
    try:
        fields = ctx.extractor().extract(doc_type, stored_pages(ctx, doc))
        return {name: field_json(f) for name, f in fields.items() if name in allowed}
    except Exception as exc:
        log.warning("document %s: fields not read again after a doc_type correction (%s)", doc.id, type(exc).__name__)
        return {k: v for k, v in (doc.fields or {}).items() if k in allowed}


def export_rows(session: Session) -> Iterator[dict[str, Any]]:
    """One row per page of every document whose type a reviewer corrected, labelled with its type now.

    `features` and `doc_type` are what intake_lab.train.doc_types.load_corrections reads; the rest says
    where the row came from.
    """
    corrected = select(Correction.document_id).where(Correction.field == "doc_type").distinct()
    docs = session.scalars(select(Document).where(Document.id.in_(corrected)).order_by(Document.id))
    for doc in docs:
        last = session.scalars(
            select(Correction)
            .where(Correction.document_id == doc.id, Correction.field == "doc_type")
            .order_by(Correction.at.desc(), Correction.id.desc())
            .limit(1)
        ).first()
        pages = {p["page"]: p for p in (doc.file.ocr or {}).get("pages", [])}
        for n in doc.pages or []:
            page = pages.get(n)
            if page is None or "features" not in page:
                continue
            yield {
                "features": page["features"],
                "doc_type": doc.doc_type,
                "document_id": doc.id,
                "page": n,
                "corrected_at": last.at.isoformat() if last else None,
                "corrected_by": last.by if last else None,
            }


def export_jsonl(session: Session) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in export_rows(session))
