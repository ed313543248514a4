"""What each workbench page shows, built from the rows: the queue, a claim, a document.

Read-only: every change a reviewer makes goes through intake.service.writes (the JSON API's PATCH
and review routes, or the claim page's form, which calls the same function).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from intake.check.claim_rules import Rules
from intake.codes import Reason
from intake.service.access import claim_for, document_for
from intake.service.auth import Principal
from intake.service.context import ServiceContext
from intake.service.views import document_out
from intake.service.workbench import labels
from intake.store.tables import ClaimRow, CorrectionRow, DocumentRow, shown_status
from intake.vocabulary import FIELDS, ClaimType, DocType

PAGE_SIZE = 20
QUEUE_STATUSES = ("ready_for_review", "incomplete", "processing", "reviewed")
# What the queue shows unless told otherwise: every claim a reviewer can act on (an incomplete claim
# may still need a reviewer: a member-side error can be the reading's mistake).
WAITING = ("ready_for_review", "incomplete")


def threshold_of(rules: Rules, claim_type: str) -> float:
    try:
        return float(rules.claim(claim_type).review_threshold)
    except KeyError:
        return float(rules.review_threshold)


def claim_type_name(rules: Rules, claim_type: str) -> str:
    try:
        return str(rules.claim(claim_type).name)
    except KeyError:
        return claim_type


def split_findings(completeness: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """The claim's findings by who acts on them: {"member": [...], "reviewer": [...]}, each
    {"message", "document_id", "field", "code", "severity"}. Missing documents are the member's."""
    out: dict[str, list[dict[str, Any]]] = {"member": [], "reviewer": []}
    if not completeness:
        return out
    for m in completeness.get("missing") or []:
        out["member"].append({"message": m.get("message", ""), "code": "missing_document", "severity": "error"})
    for p in completeness.get("problems") or []:
        out[labels.actor_of(p)].append(
            {
                "message": p.get("message", ""),
                "document_id": p.get("document_id"),
                "field": p.get("field"),
                "code": p.get("code"),
                "severity": p.get("severity"),
            }
        )
    return out


def is_unsure(f: dict[str, Any], threshold: float) -> bool:
    return not f.get("corrected") and (float(f.get("confidence", 0)) < threshold or bool(f.get("reasons")))


# -- the queue -------------------------------------------------------------------------------------


@dataclass
class QueueFilter:
    status: str = "waiting"
    claim_type: str = ""
    page: int = 1

    @classmethod
    def parse(cls, status: str | None, claim_type: str | None, page: str | None) -> QueueFilter:
        s = status if status in (*QUEUE_STATUSES, "waiting", "all") else "waiting"
        ct = claim_type if claim_type in {c.value for c in ClaimType} else ""
        n = int(page) if page and page.isdigit() and 0 < len(page) < 7 else 1
        return cls(str(s), str(ct), max(n, 1))

    def query(self, **change: Any) -> str:
        values = {"status": self.status, "claim_type": self.claim_type, "page": self.page, **change}
        default = {"status": "waiting", "page": 1}
        parts = [f"{k}={v}" for k, v in values.items() if v and default.get(k) != v]
        return "?" + "&".join(parts) if parts else ""


def queue(ctx: ServiceContext, flt: QueueFilter) -> dict[str, Any]:
    """Claims oldest first (by when they were created: a correction does not send a claim to the back)."""
    rules = ctx.reader.rules
    where: list[ColumnElement[bool]] = []
    if flt.status == "waiting":
        where.append(ClaimRow.status.in_(WAITING))
    elif flt.status != "all":
        where.append(ClaimRow.status == flt.status)
    if flt.claim_type:
        where.append(ClaimRow.claim_type == flt.claim_type)
    with ctx.sessions() as s:
        total = int(s.scalar(select(func.count()).select_from(ClaimRow).where(*where)) or 0)
        pages = max(math.ceil(total / PAGE_SIZE), 1)
        page = min(flt.page, pages)
        claims = s.scalars(
            select(ClaimRow)
            .where(*where)
            .options(selectinload(ClaimRow.documents))
            .order_by(ClaimRow.created_at, ClaimRow.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).all()
        rows = []
        for c in claims:
            findings = split_findings(c.completeness)
            rows.append(
                {
                    "id": c.id,
                    "claim_type": claim_type_name(rules, c.claim_type),
                    "external_ref": c.external_ref or "",
                    "portal": c.owner,
                    "status": c.status,
                    "status_name": labels.CLAIM_STATUS.get(c.status, c.status),
                    "documents": len(c.documents),
                    "reviewer_tasks": len(findings["reviewer"]),
                    "member_tasks": len(findings["member"]),
                    "created": labels.when(c.created_at),
                    "age": labels.age(c.created_at),
                }
            )
    return {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "prev": flt.query(page=page - 1) if page > 1 else None,
        "next": flt.query(page=page + 1) if page < pages else None,
        "filter": flt,
        "statuses": [
            ("waiting", "待处理（待审核与材料不全）"),
            *((s, labels.CLAIM_STATUS[s]) for s in QUEUE_STATUSES),
            ("all", "全部"),
        ],
        "claim_types": [("", "全部类型"), *((c.value, claim_type_name(rules, c.value)) for c in ClaimType)],
    }


# -- a claim ---------------------------------------------------------------------------------------


def _doc_label(rules: Rules, d: DocumentRow) -> str:
    if d.doc_type:
        return rules.doc_name(d.doc_type)
    return labels.FILE_STATUS.get(shown_status(d.file.status), d.file.status)


def history(s: Session, rules: Rules, claim_id: str) -> list[dict[str, Any]]:
    rows = s.scalars(
        select(CorrectionRow).where(CorrectionRow.claim_id == claim_id).order_by(CorrectionRow.at, CorrectionRow.id)
    ).all()
    docs = {d.id: d for d in s.scalars(select(DocumentRow).where(DocumentRow.claim_id == claim_id))}
    out = []
    for r in rows:
        d = docs.get(r.document_id)
        if r.field == "doc_type":
            what = "材料类型"
            old = rules.doc_name(r.old) if r.old in DocType._value2member_map_ else str(r.old or "")
            new = rules.doc_name(r.new) if r.new in DocType._value2member_map_ else str(r.new or "")
        else:
            what = rules.field_name(r.field, d.doc_type if d is not None and d.doc_type else None)
            old, new = labels.value_text(r.old, r.field), labels.value_text(r.new, r.field)
        out.append(
            {
                "at": labels.when(r.at),
                "by": r.by,
                "document_id": r.document_id,
                "document": _doc_label(rules, d) if d is not None else "",
                "field": what,
                "old": old,
                "new": new,
                "accepted": r.old == r.new,
            }
        )
    return out


def claim(ctx: ServiceContext, claim_id: str, who: Principal) -> dict[str, Any]:
    rules = ctx.reader.rules
    with ctx.sessions() as s:
        c = claim_for(s, claim_id, who)
        threshold = threshold_of(rules, c.claim_type)
        documents = []
        for d in c.documents:
            fields = d.fields or {}
            documents.append(
                {
                    "id": d.id,
                    "filename": d.filename,
                    "doc_type": d.doc_type,
                    "type_name": _doc_label(rules, d),
                    "confidence": labels.percent(d.doc_type_confidence) if d.doc_type else "",
                    "low_confidence": d.doc_type_confidence is not None and d.doc_type_confidence < threshold,
                    "status": shown_status(d.file.status),
                    "status_name": labels.FILE_STATUS.get(shown_status(d.file.status), d.file.status),
                    "reason": d.file.reason or "",
                    "pages": "、".join(str(p) for p in d.pages or []),
                    "fields": len(fields),
                    "unsure": sum(1 for f in fields.values() if is_unsure(f, threshold)),
                }
            )
        return {
            "id": c.id,
            "claim_type": c.claim_type,
            "claim_type_name": claim_type_name(rules, c.claim_type),
            "external_ref": c.external_ref or "",
            "portal": c.owner,
            "status": c.status,
            "status_name": labels.CLAIM_STATUS.get(c.status, c.status),
            "created": labels.when(c.created_at),
            "age": labels.age(c.created_at),
            "reviewed_at": labels.when(c.reviewed_at),
            "reviewed_by": c.reviewed_by or "",
            "complete": bool((c.completeness or {}).get("complete")),
            "findings": split_findings(c.completeness),
            "documents": documents,
            "first_document": next((d["id"] for d in documents if d["status"] == "done"), None),
            "history": history(s, rules, c.id),
            "threshold": labels.percent(threshold),
        }


# -- a document ------------------------------------------------------------------------------------


def _candidates(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The losing readings the reading stage kept for a field, where it keeps them."""
    out = []
    for c in raw.get("candidates") or []:
        if isinstance(c, dict) and "value" in c and c["value"] != raw.get("value"):
            try:
                confidence = float(c.get("confidence", 0.0))
            except (TypeError, ValueError):
                confidence = 0.0
            out.append({"value": c["value"], "confidence": round(min(max(confidence, 0.0), 1.0), 4)})
    return out[:5]


def document(ctx: ServiceContext, document_id: str, who: Principal) -> dict[str, Any]:
    """The document page's state, as review.js reads it (and JSON-encoded into the page)."""
    rules = ctx.reader.rules
    with ctx.sessions() as s:
        d = document_for(s, document_id, who)
        c = d.claim
        body = document_out(d).model_dump(mode="json")
        raw_fields = d.fields or {}
        for name, f in body["fields"].items():
            f["candidates"] = _candidates(raw_fields.get(name) or {})
        siblings = [
            {"id": x.id, "label": _doc_label(rules, x), "filename": x.filename, "status": shown_status(x.file.status)}
            for x in c.documents
        ]
        rule = rules.claim_types.get(c.claim_type)
        required = {t.value: list(rule.required_fields.get(t, ())) if rule else [] for t in DocType}
        every_field = sorted({n for names in FIELDS.values() for n in names})
        return {
            "document": body,
            "claim": {
                "id": c.id,
                "claim_type": c.claim_type,
                "claim_type_name": claim_type_name(rules, c.claim_type),
                "external_ref": c.external_ref or "",
                "status": c.status,
                "reviewed_by": c.reviewed_by,
                "reviewed_at": labels.when(c.reviewed_at),
                "completeness": c.completeness,
            },
            "documents": siblings,
            "threshold": threshold_of(rules, c.claim_type),
            "doc_types": [{"value": t.value, "name": rules.doc_name(t)} for t in DocType],
            "fields_of": {t.value: list(FIELDS[t]) for t in DocType},
            "required": required,
            "field_names": {t.value: {n: rules.field_name(n, t) for n in FIELDS[t]} for t in DocType},
            "kinds": {n: labels.field_kind(n) for n in every_field},
            "choices": {k: [{"value": v, "name": n} for v, n in opts] for k, opts in labels.CHOICES.items()},
            "reasons": {r.value: labels.REASONS[Reason(r)] for r in Reason},
            "statuses": labels.CLAIM_STATUS,
            "urls": {
                "document": f"/v1/documents/{d.id}",
                "history": f"/v1/documents/{d.id}/history",
                "claim": f"/v1/claims/{c.id}",
                "review": f"/v1/claims/{c.id}/review",
                "claim_page": f"/review/claims/{c.id}",
                "queue": "/review/",
            },
        }
