"""The findings about a claim: what is missing, what is wrong, and whether it is complete.

`Completeness.to_json` is the contract's completeness object:
`{"complete", "missing": [{"doc_type", "message"}], "problems": [{"code", "severity", "message",
"document_id", "field"}]}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from intake.codes import ProblemCode, Severity


@dataclass
class Missing:
    doc_type: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"doc_type": self.doc_type, "message": self.message}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Missing:
        return cls(str(data["doc_type"]), str(data["message"]))


@dataclass
class Problem:
    code: ProblemCode
    severity: Severity
    message: str
    document_id: str | None = None
    field: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "severity": self.severity.value,
            "message": self.message,
            "document_id": self.document_id,
            "field": self.field,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Problem:
        return cls(
            ProblemCode(data["code"]),
            Severity(data["severity"]),
            str(data["message"]),
            data.get("document_id"),
            data.get("field"),
        )


@dataclass
class Completeness:
    missing: list[Missing] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not any(p.severity == Severity.ERROR for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "missing": [m.to_json() for m in self.missing],
            "problems": [p.to_json() for p in self.problems],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Completeness:
        return cls(
            [Missing.from_json(m) for m in data.get("missing", [])],
            [Problem.from_json(p) for p in data.get("problems", [])],
        )
