"""The findings about a claim: what is missing, what is wrong, and whether it is complete.

`Completeness.to_json` is the contract's completeness object:
`{"complete", "missing": [{"doc_type", "message"}], "problems": [{"code", "severity", "message",
"document_id", "field"}]}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from intake.codes import Actor, ProblemCode, Severity


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
    """A finding about the claim. Its actor says who must act; its severity follows: the member's
    findings are errors (the claim is incomplete), the reviewer's are warnings."""

    code: ProblemCode
    actor: Actor
    message: str
    document_id: str | None = None
    field: str | None = None

    @property
    def severity(self) -> Severity:
        return self.actor.severity

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "severity": self.severity.value,
            "actor": self.actor.value,
            "message": self.message,
            "document_id": self.document_id,
            "field": self.field,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Problem:
        # Verdicts stored before findings named their actor: an error was the member's.
        actor = data.get("actor") or (Actor.MEMBER if data.get("severity") == Severity.ERROR else Actor.REVIEWER)
        return cls(
            ProblemCode(data["code"]),
            Actor(actor),
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


@dataclass
class Traced:
    """A figure of the claim and the documents it was read from."""

    value: Any
    documents: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "documents": list(self.documents)}


@dataclass
class SummaryDiagnosis:
    text: str
    icd10: str | None
    listed: bool | None  # in the claim type's disease list; None when the claim type has none
    documents: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "icd10": self.icd10, "listed": self.listed, "documents": list(self.documents)}


@dataclass
class ClaimFigures:
    """What adjudication starts from: the bill's totals across the claim's invoices (each paid part
    and what the member paid), the stay, the hospitals and the diagnoses, each traced to its
    documents. Figures that could not be read are absent."""

    amounts: dict[str, Traced] = field(default_factory=dict)
    stay: dict[str, Traced] = field(default_factory=dict)
    hospitals: list[Traced] = field(default_factory=list)
    diagnoses: list[SummaryDiagnosis] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "amounts": {k: v.to_json() for k, v in self.amounts.items()},
            "stay": {k: v.to_json() for k, v in self.stay.items()},
            "hospitals": [h.to_json() for h in self.hospitals],
            "diagnoses": [d.to_json() for d in self.diagnoses],
        }
