"""Request and response bodies. Every route declares its response model, so that /openapi.json
describes exactly what is sent (schemathesis checks responses against it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from intake.vocabulary import FIELDS, ClaimType, DocType

ClaimStatus = Literal["processing", "incomplete", "ready_for_review", "reviewed"]
DocumentStatus = Literal["queued", "processing", "done", "failed"]
Role = Literal["portal", "reviewer", "admin"]
Box = Annotated[list[int], Field(min_length=4, max_length=4, description="[x0, y0, x1, y1] in page-image pixels")]


class ErrorOut(BaseModel):
    detail: str = Field(description="What was wrong with the request, for people.")
    code: str | None = Field(default=None, description="For machines, where there is one (e.g. too_large).")


class ClaimCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_type: ClaimType
    external_ref: str | None = Field(default=None, max_length=200, description="The portal's own reference.")
    # A plain pattern rather than a URL type: what the schema says is exactly what is accepted.
    webhook_url: str | None = Field(
        default=None,
        max_length=2000,
        pattern=r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?([/?#][!-~]*)?$",
        description="http(s) URL called (POST, signed) each time the claim's processing ends.",
    )


class AlternativeOut(BaseModel):
    value: Any = Field(description="Another reading of the field, in the field's format.")
    page: int = Field(ge=1)
    box: Box | None = None
    source_text: str = ""
    score: float = Field(description="The field scorer's score for it (the field's own value scored higher).")


class FieldOut(BaseModel):
    value: Any = Field(description="Normalized as docs/contract.md says: dates YYYY-MM-DD, money '12345.67'.")
    confidence: float = Field(ge=0, le=1)
    page: int = Field(ge=1)
    box: Box | None = None
    source_text: str = ""
    reasons: list[str] = Field(default_factory=list, description="Why a value is doubtful, where it is.")
    corrected: bool = Field(default=False, description="Set by a reviewer.")
    alternatives: list[AlternativeOut] = Field(
        default_factory=list, description="The candidates that lost to value, best first (the reviewer's choices)."
    )
    doubts: list[str] = Field(
        default_factory=list, description="Why the reader lowered the confidence (runner_up_close, ocr_unsure, ...)."
    )
    score: float | None = Field(default=None, description="The field scorer's raw score for value, where it chose it.")


class DocumentSummary(BaseModel):
    id: str
    claim_id: str
    file_id: str = Field(description="The upload this document came from; a PDF bundle yields several documents.")
    filename: str
    status: DocumentStatus
    reason: str | None = Field(default=None, description="Why processing failed (status failed).")
    reason_code: str | None = None
    doc_type: DocType | None = Field(default=None, description="Null until processed.")
    doc_type_confidence: float | None = None
    pages: list[int] = Field(default_factory=list, description="Pages of the uploaded file, counting from 1.")
    fields: dict[str, FieldOut] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime


class LineOut(BaseModel):
    text: str
    box: Box
    confidence: float


class SealOut(BaseModel):
    box: Box
    shape: str
    text: str = ""
    confidence: float = 0.0


class PageOut(BaseModel):
    page: int
    width: int
    height: int
    rotation: int = Field(default=0, description="Degrees the upload was turned to make it upright.")
    image_url: str = Field(description="The page image the boxes refer to.")
    lines: list[LineOut]
    seals: list[SealOut] = Field(default_factory=list)


class OcrOut(BaseModel):
    pages: list[PageOut]


class DocumentOut(DocumentSummary):
    media_type: str = Field(description="The uploaded file's type, sniffed from its bytes.")
    ocr: OcrOut | None = Field(default=None, description="What OCR read on this document's pages; null until done.")


class MissingOut(BaseModel):
    doc_type: str
    message: str


class ProblemOut(BaseModel):
    code: str
    severity: Literal["error", "warning"] = Field(description="error: the claim is incomplete; warning: for review.")
    actor: Literal["member", "reviewer"] = Field(
        description="Who must act: the member (the portal shows the message; severity error) or the reviewer "
        "(the review's task list; severity warning)."
    )
    message: str
    document_id: str | None = None
    field: str | None = None


class CompletenessOut(BaseModel):
    complete: bool
    missing: list[MissingOut] = Field(default_factory=list)
    problems: list[ProblemOut] = Field(default_factory=list)


class ClaimSummary(BaseModel):
    id: str
    claim_type: ClaimType
    external_ref: str | None = None
    status: ClaimStatus
    created_at: datetime
    updated_at: datetime
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None


class TracedOut(BaseModel):
    value: Any
    documents: list[str] = Field(description="The ids of the documents the figure was read from.")


class SummaryDiagnosisOut(BaseModel):
    text: str
    icd10: str | None = None
    listed: bool | None = Field(description="In the claim type's disease list (null: the claim type has none).")
    documents: list[str]


class FiguresOut(BaseModel):
    """What adjudication starts from, each figure traced to its documents."""

    amounts: dict[str, TracedOut] = Field(
        description="Across the claim's invoices (settlements when there is no invoice): total_amount, "
        "insurance_paid, personal_account_paid, personal_copay, personal_selfpay, and self_paid "
        "(personal_copay + personal_selfpay)."
    )
    stay: dict[str, TracedOut] = Field(description="admission_date, discharge_date, length_of_stay.")
    hospitals: list[TracedOut]
    diagnoses: list[SummaryDiagnosisOut]


class ClaimOut(ClaimSummary):
    documents: list[DocumentSummary]
    completeness: CompletenessOut | None = Field(
        default=None, description="Null while the claim rules are unavailable."
    )
    summary: FiguresOut | None = Field(default=None, description="The claim's figures for adjudication.")


class ClaimList(BaseModel):
    items: list[ClaimSummary]
    limit: int
    offset: int


class UploadAccepted(BaseModel):
    id: str = Field(description="The document's id: its status, and later its results, are at /v1/documents/{id}.")
    status: Literal["queued"]
    claim_id: str
    file_id: str
    filename: str


ALL_FIELDS = sorted({name for names in FIELDS.values() for name in names})


class DocumentPatch(BaseModel):
    """At least one of doc_type and fields; leave a key out to keep what is there."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    # Optional, but not nullable: the schema says "leave it out", and null is refused.
    doc_type: DocType | SkipJsonSchema[None] = Field(
        default=None, description="The right type; the fields are read again for it."
    )
    fields: Annotated[dict[str, Any], Field(min_length=1)] | SkipJsonSchema[None] = Field(
        default=None,
        description="Field name to corrected value (normalized as the contract says); null removes the field.",
        json_schema_extra={"propertyNames": {"enum": list(ALL_FIELDS)}},
    )

    @field_validator("doc_type", "fields", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("leave the key out rather than sending null")
        return value

    @field_validator("fields")
    @classmethod
    def _known_names(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        unknown = sorted(set(value or {}) - set(ALL_FIELDS))
        if unknown:
            raise ValueError(f"unknown field {', '.join(unknown)}")
        return value

    @model_validator(mode="after")
    def _something(self) -> DocumentPatch:
        if self.doc_type is None and self.fields is None:
            raise ValueError("nothing to correct: send doc_type and/or fields")
        return self


class HistoryEntry(BaseModel):
    at: datetime
    by: str = Field(description="The reviewer key's name.")
    field: str = Field(description="A field name, or doc_type.")
    old: Any = None
    new: Any = None


class Health(BaseModel):
    status: Literal["ok"]
    pipeline: Literal["loading", "ready", "unavailable"] = Field(
        description="Whether the OCR and classification models are loaded; while unavailable, uploads wait queued."
    )
    queued: int | None = Field(description="Files waiting; null while the database does not answer")
    processing: int | None


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, str] = Field(
        description="database, store and queue (embedded: the reading models are loaded; with a broker: it answers)"
    )
