"""A document of a claim (a file may hold several) with its type and fields, and the typed values
its fields carry.

`Field.to_json` is the contract's field object: `{"value", "confidence", "page", "box",
"source_text"}` plus `reasons` and `corrected` where they apply. Values are normalized: dates
YYYY-MM-DD (or YYYY-MM where the day is blanked), money a decimal string with two places, ages and
days ints, diagnoses a list of Diagnosis, the seal a SealValue; names and free text as printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from intake.codes import Reason
from intake.elements.page import Box, box_of
from intake.vocabulary import DocType


@dataclass(frozen=True)
class Diagnosis:
    """One diagnosis as printed, with its ICD-10 code where it is known."""

    text: str
    icd10: str | None = None

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "icd10": self.icd10} if self.icd10 else {"text": self.text}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Diagnosis:
        code = data.get("icd10")
        return cls(str(data.get("text", "")), str(code) if code else None)


@dataclass(frozen=True)
class SealValue:
    """Whether an official seal was found, and its ring text where it was read."""

    present: bool
    text: str | None = None
    # Evidence for the reviewer and for verifying a name (intake.ocr.seal_verify): the unrolled ring
    # strip as a base64 PNG, the CTC lattices of the strips, and what the check compared (expected
    # name, probability that the ring says it, the free reading it matched against).
    strip: str = ""
    lattices: tuple[dict[str, Any], ...] = ()
    verification: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"present": self.present, "text": self.text} if self.text else {"present": self.present}
        if self.strip:
            out["strip"] = self.strip
        if self.lattices:
            out["lattices"] = list(self.lattices)
        if self.verification is not None:
            out["verification"] = self.verification
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SealValue:
        text = data.get("text")
        verification = data.get("verification")
        return cls(
            bool(data.get("present")),
            str(text) if text else None,
            str(data.get("strip", "")),
            tuple(data.get("lattices", ())),
            dict(verification) if isinstance(verification, dict) else None,
        )


FieldValue = str | int | list[Diagnosis] | SealValue


def value_to_json(value: FieldValue) -> Any:
    if isinstance(value, SealValue):
        return value.to_json()
    if isinstance(value, list):
        return [d.to_json() for d in value]
    return value


def value_from_json(data: Any) -> FieldValue:
    """The typed value of a field's JSON: the shape says the kind (a seal is the only object, the
    diagnoses the only list)."""
    if isinstance(data, dict):
        return SealValue.from_json(data)
    if isinstance(data, list):
        return [Diagnosis.from_json(d if isinstance(d, dict) else {"text": str(d)}) for d in data]
    if isinstance(data, bool):
        return str(data)
    if isinstance(data, int | str):
        return data
    return str(data)


def _reasons(raw: Any) -> list[Reason]:
    # Rows written by an older intake may carry a reason this one no longer knows: it says nothing
    # this version can act on, so it is dropped rather than failing the whole document.
    known = {r.value for r in Reason}
    return [Reason(r) for r in raw or () if r in known]


@dataclass(frozen=True)
class Alternative:
    """A candidate value that lost to the field's value, with the scorer's score, for the reviewer."""

    value: FieldValue
    score: float
    page: int
    box: Box | None = None
    source_text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "value": value_to_json(self.value),
            "score": round(float(self.score), 4),
            "page": int(self.page),
            "box": [int(v) for v in self.box] if self.box else None,
            "source_text": self.source_text,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Alternative:
        box = data.get("box")
        return cls(
            value_from_json(data["value"]),
            float(data.get("score", 0.0)),
            int(data.get("page") or 1),
            box_of(box) if box else None,
            str(data.get("source_text") or ""),
        )


@dataclass
class Field:
    """One value read from a document (or set by a reviewer), with its evidence."""

    value: FieldValue
    confidence: float
    page: int
    box: Box | None = None
    source_text: str = ""
    reasons: list[Reason] = field(default_factory=list)
    corrected: bool = False  # set by a reviewer
    # The learned reader's evidence (intake.extract.scorer): the candidates that lost with their
    # scores, why the confidence was lowered (runner_up_close, ocr_unsure, ...), its raw score.
    alternatives: list[Alternative] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)
    score: float | None = None

    # -- the value as the kind a check needs; None when it is not one -----------------------------
    @property
    def text(self) -> str | None:
        return self.value if isinstance(self.value, str) else None

    @property
    def number(self) -> int | None:
        return self.value if isinstance(self.value, int) and not isinstance(self.value, bool) else None

    @property
    def money(self) -> Decimal | None:
        if not isinstance(self.value, str):
            return None
        try:
            return Decimal(self.value.replace(",", ""))
        except InvalidOperation:
            return None

    @property
    def diagnoses(self) -> list[Diagnosis]:
        return self.value if isinstance(self.value, list) else []

    @property
    def seal(self) -> SealValue | None:
        return self.value if isinstance(self.value, SealValue) else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": value_to_json(self.value),
            "confidence": round(min(max(float(self.confidence), 0.0), 1.0), 4),
            "page": max(int(self.page), 1),
            "box": [int(v) for v in self.box] if self.box else None,
            "source_text": self.source_text,
        }
        if self.reasons:
            out["reasons"] = [r.value for r in self.reasons]
        if self.corrected:
            out["corrected"] = True
        if self.alternatives:
            out["alternatives"] = [a.to_json() for a in self.alternatives]
        if self.doubts:
            out["doubts"] = list(self.doubts)
        if self.score is not None:
            out["score"] = round(float(self.score), 4)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Field:
        box = data.get("box")
        return cls(
            value=value_from_json(data["value"]),
            confidence=float(data.get("confidence", 1.0)),
            page=int(data.get("page") or 1),
            box=box_of(box) if box else None,
            source_text=str(data.get("source_text") or ""),
            reasons=_reasons(data.get("reasons")),
            corrected=bool(data.get("corrected", False)),
            alternatives=[Alternative.from_json(a) for a in data.get("alternatives") or () if isinstance(a, dict)],
            doubts=[str(d) for d in data.get("doubts") or ()],
            score=float(data["score"]) if data.get("score") is not None else None,
        )


def fields_to_json(fields: dict[str, Field]) -> dict[str, dict[str, Any]]:
    return {name: f.to_json() for name, f in fields.items()}


def fields_from_json(data: dict[str, Any] | None) -> dict[str, Field]:
    return {name: Field.from_json(f) for name, f in (data or {}).items()}


@dataclass(frozen=True)
class PageIssue:
    """Why a page of a document is too poor to read, from the OCR stage's quality gate."""

    page: int
    issue: str  # the gate's code (blurred, cut_off, glare ...)
    advice: str  # what the member should do, in Chinese

    def to_json(self) -> dict[str, Any]:
        return {"page": self.page, "issue": self.issue, "advice": self.advice}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageIssue:
        return cls(int(data["page"]), str(data["issue"]), str(data.get("advice", "")))


@dataclass
class Document:
    """One document of a file (a bundle PDF holds several), with its type and fields, and what its
    pages show of themselves: whether they were too poor to read, the first page's fingerprint, and
    how likely each type was."""

    filename: str
    doc_type: DocType
    doc_type_confidence: float
    pages: list[int]
    fields: dict[str, Field] = field(default_factory=dict)
    id: str = ""
    page_issues: list[PageIssue] = field(default_factory=list)
    fingerprint: str | None = None
    # How likely each document type is, from its readable pages (OcrPage.type_scores, averaged).
    type_scores: dict[str, float] = field(default_factory=dict)

    def value(self, name: str) -> FieldValue | None:
        f = self.fields.get(name)
        return f.value if f is not None else None

    def text(self, name: str) -> str | None:
        f = self.fields.get(name)
        return f.text if f is not None else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "filename": self.filename,
            "doc_type": self.doc_type.value,
            "doc_type_confidence": round(float(self.doc_type_confidence), 4),
            "pages": list(self.pages),
            "fields": fields_to_json(self.fields),
        }
        if self.id:
            out["id"] = self.id
        if self.page_issues:
            out["page_issues"] = [i.to_json() for i in self.page_issues]
        if self.fingerprint:
            out["fingerprint"] = self.fingerprint
        if self.type_scores:
            out["doc_type_scores"] = {k: round(float(v), 4) for k, v in self.type_scores.items()}
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        return cls(
            filename=str(data.get("filename", "")),
            doc_type=DocType(data["doc_type"]),
            doc_type_confidence=float(data.get("doc_type_confidence", 1.0)),
            pages=[int(p) for p in data.get("pages", [1])],
            fields=fields_from_json(data.get("fields")),
            id=str(data.get("id", "")),
            page_issues=[PageIssue.from_json(i) for i in data.get("page_issues", [])],
            fingerprint=data.get("fingerprint"),
            type_scores={str(k): float(v) for k, v in (data.get("doc_type_scores") or {}).items()},
        )
