"""Plain data passed out of the extraction stage: one field, one document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from intake.elements.page import Box
from intake.vocabulary import DocType


@dataclass
class Field:
    """One value read from a document, as ../shared/CONTRACT.md spells it.

    `value` is normalized (dates YYYY-MM-DD or a partial YYYY-MM, money "12345.67", length_of_stay and
    age ints, diagnoses a list of {"text", "icd10"?}, seal {"present", "text"?}). A value that failed
    a validation is kept as read, with a low confidence and the reasons, never silently corrected.
    """

    value: Any
    confidence: float
    page: int
    box: Box | None = None
    source_text: str = ""
    reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": self.value,
            "confidence": round(float(self.confidence), 4),
            "page": self.page,
            "box": list(self.box) if self.box else None,
            "source_text": self.source_text,
        }
        if self.reasons:
            out["reasons"] = list(self.reasons)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Field:
        box = data.get("box")
        return cls(
            value=data["value"],
            confidence=float(data.get("confidence", 1.0)),
            page=int(data.get("page", 1)),
            box=tuple(box) if box else None,  # type: ignore[arg-type]
            source_text=str(data.get("source_text", "")),
            reasons=list(data.get("reasons", [])),
        )


@dataclass
class Document:
    """One document of a file (a bundle PDF holds several), with its type and fields."""

    filename: str
    doc_type: DocType
    doc_type_confidence: float
    pages: list[int]
    fields: dict[str, Field] = field(default_factory=dict)
    id: str = ""

    def value(self, name: str) -> Any:
        f = self.fields.get(name)
        return f.value if f is not None else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "filename": self.filename,
            "doc_type": self.doc_type.value,
            "doc_type_confidence": round(float(self.doc_type_confidence), 4),
            "pages": list(self.pages),
            "fields": {name: f.to_json() for name, f in self.fields.items()},
        }
        if self.id:
            out["id"] = self.id
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        return cls(
            filename=str(data.get("filename", "")),
            doc_type=DocType(data["doc_type"]),
            doc_type_confidence=float(data.get("doc_type_confidence", 1.0)),
            pages=[int(p) for p in data.get("pages", [1])],
            fields={k: Field.from_json(v) for k, v in data.get("fields", {}).items()},
            id=str(data.get("id", "")),
        )
