"""Extraction settings that are not labels (extract/settings.yaml): the diagnosis list's labels and
section heads, institution name endings, and how confidence is set."""

from __future__ import annotations

from functools import cache

from pydantic import Field as Bound
from pydantic import field_validator

from intake.datafile import KeyProblem, Strict, load, packaged
from intake.vocabulary import DocType


class ConfidenceSettings(Strict):
    confirmed: float = Bound(ge=0, le=1)
    failed: float = Bound(ge=0, le=1)
    unconfirmed_cap: dict[str, float]
    below: float = Bound(ge=0, le=1)
    rule: float = Bound(ge=0, le=1)
    seal_with_text: float = Bound(ge=0, le=1)
    seal_without_text: float = Bound(ge=0, le=1)
    seal_absent: float = Bound(ge=0, le=1)
    seal_text_unconfirmed: float = Bound(ge=0, le=1)
    # A learned value the label rules read otherwise (extractor.py).
    disagree_cap: float = Bound(default=0.75, ge=0, le=1)
    # A value only the label rules read, the scorer having found none it believes (0: drop it).
    fallback_cap: float = Bound(default=0.5, ge=0, le=1)
    # A part read above its total whose hundredth fits (a lost decimal point) but that no sum proves.
    point_restored_cap: float = Bound(default=0.6, ge=0, le=1)
    # A 大写 that reads as the total but is not written by the bank rules (a character lost to OCR?).
    upper_form_cap: float = Bound(default=0.75, ge=0, le=1)

    @field_validator("unconfirmed_cap")
    @classmethod
    def _default(cls, value: dict[str, float]) -> dict[str, float]:
        if "default" not in value:
            raise KeyProblem(("default",), "required key is missing")
        return value


class DiagnosisLists(Strict):
    labels: tuple[str, ...]
    table_labels: tuple[str, ...]
    code_headers: tuple[str, ...]
    stop_headers: tuple[str, ...]


class ExtractSettings(Strict):
    """extract/settings.yaml: what is not labels."""

    icd10_table: str | None = None
    diagnoses: DiagnosisLists
    hospital_suffixes: tuple[str, ...]
    employer_suffixes: tuple[str, ...]
    title_suffixes: tuple[str, ...]
    confidence: ConfidenceSettings
    # The field whose name a document's seal should say, per document type (seal_names in the yaml).
    seal_names: dict[DocType, str] = Bound(default_factory=dict)


@cache
def settings() -> ExtractSettings:
    return load(ExtractSettings, packaged("intake.extract", "settings.yaml"), "extraction settings")
