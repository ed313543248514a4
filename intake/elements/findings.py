"""The completeness object of ../shared/CONTRACT.md: what is missing, what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass
class Missing:
    doc_type: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"doc_type": self.doc_type, "message": self.message}


@dataclass
class Problem:
    code: str
    severity: Severity
    message: str
    document_id: str | None = None
    field: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "document_id": self.document_id,
            "field": self.field,
        }


@dataclass
class Completeness:
    missing: list[Missing] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not any(p.severity == "error" for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "missing": [m.to_json() for m in self.missing],
            "problems": [p.to_json() for p in self.problems],
        }
