"""What a reviewer's correction does to a document, apart from where it is stored.

A correction may change the document's type (its fields are then read again, for the new type,
from the pages as they were first read) and set or remove field values (held to the contract's
forms by intake.review.values). Every change is returned as a Change for the history; nothing is
written here (intake.service.writes does that, in one transaction with the claim's new verdict).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.elements.document import Field, value_to_json
from intake.elements.page import OcrPage, box_of
from intake.review.values import CorrectionError, normalize_value
from intake.store.blobs import BlobStore
from intake.store.tables import CorrectionRow, DocumentRow
from intake.vocabulary import FIELDS, DocType

log = logging.getLogger("intake.review")

FieldsJson = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Change:
    field: str  # a field name, or "doc_type"
    old: Any
    new: Any


class CorrectionRejected(ValueError):
    """Values that are not in their contract form; the message says what each must be."""


def stored_pages(blobs: BlobStore, file_ocr: dict[str, Any] | None, pages: list[int]) -> list[OcrPage]:
    """A document's pages as they were read: the stored image and what OCR read on it."""
    out = []
    wanted = set(pages)
    for p in (file_ocr or {}).get("pages", []):
        if p["page"] in wanted:
            raw = np.frombuffer(blobs.get(p["image"]), np.uint8)
            out.append(OcrPage.from_json(p, cv2.imdecode(raw, cv2.IMREAD_COLOR)))
    return out


def apply_correction(
    fields: FieldsJson,
    pages: list[int],
    old_type: DocType,
    new_type: DocType,
    edits: dict[str, Any] | None,
    reread: Callable[[DocType], FieldsJson],
) -> tuple[FieldsJson, list[Change]]:
    """The document's fields after the correction, and what changed; CorrectionRejected if a value
    is not in its form. reread(doc_type) reads the document's fields again as that type."""
    changes: list[Change] = []
    out = dict(fields)
    if new_type != old_type:
        changes.append(Change("doc_type", old_type.value, new_type.value))
        out = reread(new_type)
    problems = []
    for name, value in (edits or {}).items():
        before = out.get(name)
        if value is None:
            if before is not None:
                del out[name]
                changes.append(Change(name, before.get("value"), None))
            continue
        try:
            norm = normalize_value(new_type, name, value)
        except CorrectionError as exc:
            problems.append(f"fields.{name}: must be {exc}")
            continue
        new_value = value_to_json(norm)
        if before is not None and before.get("value") == new_value and before.get("corrected"):
            continue
        # The evidence of the reading stays with the corrected value: where it was on the page.
        base = before or fields.get(name) or {}
        out[name] = Field(
            norm,
            1.0,
            base.get("page") or (pages or [1])[0],
            box_of(base["box"]) if base.get("box") else None,
            base.get("source_text", ""),
            corrected=True,
        ).to_json()
        changes.append(Change(name, before.get("value") if before else None, new_value))
    if problems:
        raise CorrectionRejected("; ".join(problems))
    return out, changes


def reread_fields(
    read: Callable[[DocType, list[OcrPage]], dict[str, Field]],
    blobs: BlobStore,
    doc: DocumentRow,
    doc_type: DocType,
) -> FieldsJson:
    """Fields of a stored document read again as doc_type; if that fails, the old fields the type allows."""
    allowed = set(FIELDS[doc_type])
    try:
        fields = read(doc_type, stored_pages(blobs, doc.file.ocr, list(doc.pages or [])))
        return {name: f.to_json() for name, f in fields.items() if name in allowed}
    except Exception as exc:
        log.warning("document %s: fields not read again after a doc_type correction (%s)", doc.id, type(exc).__name__)
        return {k: v for k, v in (doc.fields or {}).items() if k in allowed}


def export_rows(session: Session) -> Iterator[dict[str, Any]]:
    """One row per page of every document whose type a reviewer corrected, labelled with its type now.

    `features` and `doc_type` are what intake_lab.train.doc_types.load_corrections reads; the rest
    says where the row came from.
    """
    corrected = select(CorrectionRow.document_id).where(CorrectionRow.field == "doc_type").distinct()
    docs = session.scalars(select(DocumentRow).where(DocumentRow.id.in_(corrected)).order_by(DocumentRow.id))
    for doc in docs:
        last = session.scalars(
            select(CorrectionRow)
            .where(CorrectionRow.document_id == doc.id, CorrectionRow.field == "doc_type")
            .order_by(CorrectionRow.at.desc(), CorrectionRow.id.desc())
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


def export_field_rows(session: Session) -> Iterator[dict[str, Any]]:
    """One row per field a reviewer set, with its value now, where it stands and the document's
    pages as OCR read them: what intake_lab.train.fields.load_field_corrections reads, so that
    `intake train fields --corrections FILE` learns the layouts reviewers had to fix."""
    rows = session.scalars(
        select(CorrectionRow)
        .where(CorrectionRow.field != "doc_type")
        .order_by(CorrectionRow.document_id, CorrectionRow.at)
    )
    last: dict[tuple[str, str], CorrectionRow] = {}
    for row in rows:
        last[(row.document_id, row.field)] = row  # a later correction of the same field wins
    docs: dict[str, DocumentRow | None] = {}
    for (doc_id, name), row in last.items():
        if row.new is None or name.startswith("_"):
            continue  # a value removed says what is not on the page, not where a value is
        doc = docs.get(doc_id) if doc_id in docs else docs.setdefault(doc_id, session.get(DocumentRow, doc_id))
        if doc is None:
            continue
        current = (doc.fields or {}).get(name) or {}
        wanted = set(doc.pages or [])
        pages = [
            {k: v for k, v in p.items() if k != "image"}
            for p in (doc.file.ocr or {}).get("pages", [])
            if p.get("page") in wanted
        ]
        if not pages:
            continue
        yield {
            "document_id": doc.id,
            "doc_type": doc.doc_type,
            "field": name,
            "value": row.new,
            "page": current.get("page") or min(wanted),
            "box": current.get("box"),
            "pages": pages,
            "corrected_at": row.at.isoformat(),
        }


def export_fields_jsonl(session: Session) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in export_field_rows(session))
