"""The claim rules of rules.yaml, loaded and validated into plain dataclasses.

The file is operator-edited, so every mistake is reported as one RulesError that names the file
and the key (`claim_types.inpatient.required_documents[1]: unknown document type 'dischage'`)
before anything runs, rather than surfacing later as a wrong verdict.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from intake.reference import diagnoses
from intake.vocabulary import FIELDS, ClaimType, DocType

ENV_VAR = "INTAKE_CLAIM_RULES"
SEXES = ("男", "女")

# Every code a check can emit; the rules file must give each a message.
PROBLEM_CODES: tuple[str, ...] = (
    "missing_document",
    "field_missing",
    "field_low_confidence",
    "field_invalid",
    "name_mismatch",
    "name_near_mismatch",
    "discharge_before_admission",
    "dates_disagree",
    "invoice_outside_stay",
    "stay_days_mismatch",
    "amount_upper_mismatch",
    "amount_upper_unreadable",
    "amount_parts_mismatch",
    "amount_parts_flagged",
    "seal_missing",
    "seal_mismatch",
    "seal_near_mismatch",
    "seal_text_unreadable",
    "seal_unverifiable",
    "invoice_duplicate",
    "invoice_claimed_before",
    "invoice_unidentified",
    "diagnosis_not_listed",
    "diagnosis_loose_match",
    "sex_not_eligible",
    "sex_unknown",
)
_ICD_PREFIX = re.compile(r"^[A-Z][0-9]{0,2}(\.[0-9X]{0,3})?$")
_PLACEHOLDERS = frozenset({"doc", "field", "value", "other", "days", "claim"})


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the offending key."""


@dataclass(frozen=True)
class DocumentGroup:
    """Satisfied by any one document of these types."""

    any_of: tuple[DocType, ...]
    message: str


@dataclass(frozen=True)
class SealRule:
    doc_type: DocType
    match_field: str | None = None


@dataclass(frozen=True)
class DiseaseList:
    groups: tuple[str, ...] = ()
    icd10_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClaimRule:
    claim_type: str
    name: str
    required_documents: tuple[DocumentGroup, ...]
    required_fields: dict[DocType, tuple[str, ...]]
    seals: tuple[SealRule, ...]
    diseases: DiseaseList | None
    allowed_sex: tuple[str, ...] | None
    invoice_within_stay: bool
    review_threshold: float


@dataclass(frozen=True)
class CheckSettings:
    name_fields: tuple[str, ...] = ("patient_name", "employee_name")
    invoice_days_after_discharge: int = 15
    stay_days_slack: int = 1
    money_tolerance: Decimal = Decimal("0.01")
    seal_text_max_edit_share: float = 0.2


@dataclass(frozen=True)
class Rules:
    source: str
    default_claim_type: str
    claim_types: dict[str, ClaimRule]
    checks: CheckSettings
    document_names: dict[str, str]
    field_names: dict[str, str]
    messages: dict[str, str]
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def claim(self, claim_type: str) -> ClaimRule:
        try:
            return self.claim_types[claim_type]
        except KeyError:
            known = ", ".join(self.claim_types)
            raise KeyError(f"unknown claim type {claim_type!r} (known: {known})") from None

    def doc_name(self, doc_type: str) -> str:
        return self.document_names.get(doc_type, doc_type)

    def field_name(self, name: str, doc_type: str | None = None) -> str:
        if doc_type and f"{doc_type}.{name}" in self.field_names:
            return self.field_names[f"{doc_type}.{name}"]
        return self.field_names.get(name, name)

    def message(self, code: str, **values: object) -> str:
        return self.messages[code].format_map(_Blank(values))


class _Blank(dict[str, object]):
    """format_map that leaves a placeholder empty rather than raising when a check has no value."""

    def __missing__(self, key: str) -> str:
        return ""


def default_path() -> Path:
    return Path(str(resources.files("intake.check").joinpath("rules.yaml")))


def load_rules(path: str | Path | None = None) -> Rules:
    """Load and validate the rules: path, else $INTAKE_CLAIM_RULES, else the packaged rules.yaml."""
    chosen = Path(path) if path else Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else default_path()
    try:
        text = chosen.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"rules file {chosen}: cannot read it ({exc.strerror or exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"rules file {chosen}: not valid YAML ({exc})") from exc
    return parse_rules(data, str(chosen))


class _Reader:
    """Walks the YAML tree keeping the key path, so that every error says where it is."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> RulesError:
        return RulesError(f"rules file {self.source}: {where}: {problem}")

    def mapping(
        self, value: Any, where: str, allowed: set[str], required: set[str] | frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, got {type(value).__name__}")
        prefix = "" if where == _TOP_LEVEL else f"{where}."
        for key in value:
            if not isinstance(key, str) or key not in allowed:
                raise self.fail(f"{prefix}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
        for key in sorted(required - set(value)):
            raise self.fail(f"{prefix}{key}", "required key is missing")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "expected a non-empty string")
        return value.strip()

    def strings(self, value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "expected a non-empty list")
        return [self.text(v, f"{where}[{i}]") for i, v in enumerate(value)]

    def number(self, value: Any, where: str, lo: float, hi: float) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise self.fail(where, f"expected a number from {lo} to {hi}, got {value!r}")
        return float(value)

    def integer(self, value: Any, where: str, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(where, f"expected a whole number from {lo} to {hi}, got {value!r}")
        return value

    def doc_type(self, value: Any, where: str) -> DocType:
        try:
            return DocType(value)
        except ValueError:
            known = ", ".join(d.value for d in DocType)
            raise self.fail(where, f"unknown document type {value!r} (known: {known})") from None

    def message(self, value: Any, where: str) -> str:
        s = self.text(value, where)
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(s) if name is not None}
        except ValueError as exc:
            raise self.fail(where, f"bad placeholder ({exc}); write a literal brace as {{{{ or }}}}") from None
        unknown = names - _PLACEHOLDERS
        if unknown:
            raise self.fail(where, f"unknown placeholder {{{sorted(unknown)[0]}}} (known: {sorted(_PLACEHOLDERS)})")
        return s


_TOP_LEVEL = "(top level)"
_TOP = {
    "version",
    "default_claim_type",
    "review_threshold",
    "checks",
    "document_names",
    "field_names",
    "messages",
    "claim_types",
}
_CLAIM = {
    "name",
    "required_documents",
    "required_fields",
    "seals",
    "diseases",
    "allowed_sex",
    "invoice_within_stay",
    "review_threshold",
}


def parse_rules(data: Any, source: str = "<rules>") -> Rules:
    r = _Reader(source)
    top = r.mapping(data, _TOP_LEVEL, _TOP, {"version", "claim_types", "messages", "review_threshold"})
    if top["version"] != 1:
        raise r.fail("version", f"this intake reads version 1, the file says {top['version']!r}")
    threshold = r.number(top["review_threshold"], "review_threshold", 0.0, 1.0)
    checks = _checks(r, top.get("checks") or {})

    messages_raw = r.mapping(top["messages"], "messages", set(PROBLEM_CODES), set(PROBLEM_CODES))
    messages = {code: r.message(v, f"messages.{code}") for code, v in messages_raw.items()}

    doc_names_raw = r.mapping(top.get("document_names") or {}, "document_names", {d.value for d in DocType})
    document_names = {k: r.text(v, f"document_names.{k}") for k, v in doc_names_raw.items()}
    all_fields = {f for fs in FIELDS.values() for f in fs}
    # A name may depend on the document: "unit_certificate.issue_date" is not a 开票日期.
    per_doc = {f"{dt.value}.{f}" for dt, fs in FIELDS.items() for f in fs}
    field_names_raw = r.mapping(top.get("field_names") or {}, "field_names", all_fields | per_doc)
    field_names = {k: r.text(v, f"field_names.{k}") for k, v in field_names_raw.items()}
    for name in checks.name_fields:
        if name not in all_fields:
            raise r.fail("checks.name_fields", f"unknown field {name!r}")

    claims_raw = top["claim_types"]
    if not isinstance(claims_raw, dict) or not claims_raw:
        raise r.fail("claim_types", "expected a mapping of claim types")
    claim_types: dict[str, ClaimRule] = {}
    for ct, spec in claims_raw.items():
        if not isinstance(ct, str) or not ct.isidentifier() or not ct.isascii() or ct != ct.lower():
            raise r.fail(f"claim_types.{ct}", "a claim type is a lowercase ASCII identifier")
        claim_types[ct] = _claim(r, ct, spec, threshold, document_names, messages["missing_document"])
    for ct in ClaimType:
        if ct.value not in claim_types:
            raise r.fail(f"claim_types.{ct.value}", "required key is missing (every contract claim type needs rules)")
    default = top.get("default_claim_type", ClaimType.INPATIENT.value)
    if default not in claim_types:
        raise r.fail("default_claim_type", f"{default!r} is not one of claim_types")
    return Rules(source, default, claim_types, checks, document_names, field_names, messages, raw=top)


def _checks(r: _Reader, raw: Any) -> CheckSettings:
    c = r.mapping(raw, "checks", set(CheckSettings.__dataclass_fields__))
    d = CheckSettings()
    tol_raw = c.get("money_tolerance", d.money_tolerance)
    try:
        tol = Decimal(str(tol_raw))
    except InvalidOperation:
        raise r.fail("checks.money_tolerance", f'expected an amount like "0.01", got {tol_raw!r}') from None
    if not Decimal(0) <= tol <= Decimal(100):
        raise r.fail("checks.money_tolerance", f"expected 0 to 100 yuan, got {tol}")
    return CheckSettings(
        name_fields=tuple(r.strings(c["name_fields"], "checks.name_fields")) if "name_fields" in c else d.name_fields,
        invoice_days_after_discharge=r.integer(
            c.get("invoice_days_after_discharge", d.invoice_days_after_discharge),
            "checks.invoice_days_after_discharge",
            0,
            3650,
        ),
        stay_days_slack=r.integer(c.get("stay_days_slack", d.stay_days_slack), "checks.stay_days_slack", 0, 30),
        money_tolerance=tol,
        seal_text_max_edit_share=r.number(
            c.get("seal_text_max_edit_share", d.seal_text_max_edit_share), "checks.seal_text_max_edit_share", 0.0, 1.0
        ),
    )


def _claim(
    r: _Reader, ct: str, spec: Any, threshold: float, doc_names: dict[str, str], missing_template: str
) -> ClaimRule:
    where = f"claim_types.{ct}"
    c = r.mapping(spec, where, _CLAIM, {"name", "required_documents"})

    groups_raw = c["required_documents"]
    if not isinstance(groups_raw, list) or not groups_raw:
        raise r.fail(f"{where}.required_documents", "expected a non-empty list of document groups")
    groups = []
    for i, g in enumerate(groups_raw):
        gw = f"{where}.required_documents[{i}]"
        message = None
        if isinstance(g, dict):
            g = r.mapping(g, gw, {"any_of", "message"}, {"any_of"})
            if "message" in g:
                message = r.message(g["message"], f"{gw}.message")
            g = g["any_of"]
        if not isinstance(g, list) or not g:
            raise r.fail(gw, "expected a list of document types, e.g. [discharge, diagnosis]")
        types = tuple(r.doc_type(t, f"{gw}[{j}]") for j, t in enumerate(g))
        if message is None:
            # Written from the document names so that an operator adding a group gets a message.
            names = "或".join(doc_names.get(t.value, t.value) for t in types)
            message = missing_template.format_map(_Blank({"doc": names}))
        groups.append(DocumentGroup(types, message))

    fields_raw = r.mapping(c.get("required_fields") or {}, f"{where}.required_fields", {d.value for d in DocType})
    required_fields: dict[DocType, tuple[str, ...]] = {}
    for dt_name, names in fields_raw.items():
        dt = DocType(dt_name)
        fw = f"{where}.required_fields.{dt_name}"
        listed = r.strings(names, fw)
        for i, name in enumerate(listed):
            if name not in FIELDS[dt]:
                raise r.fail(f"{fw}[{i}]", f"{dt_name} has no field {name!r} (fields: {', '.join(FIELDS[dt])})")
        required_fields[dt] = tuple(listed)

    seals_raw = c.get("seals") or []
    if not isinstance(seals_raw, list):
        raise r.fail(f"{where}.seals", "expected a list")
    seals = []
    for i, s in enumerate(seals_raw):
        sw = f"{where}.seals[{i}]"
        s = r.mapping(s, sw, {"doc_type", "match_field"}, {"doc_type"})
        dt = r.doc_type(s["doc_type"], f"{sw}.doc_type")
        match = s.get("match_field")
        if match is not None and match not in FIELDS[dt]:
            raise r.fail(f"{sw}.match_field", f"{dt.value} has no field {match!r}")
        seals.append(SealRule(dt, match))

    diseases = None
    if c.get("diseases") is not None:
        dw = f"{where}.diseases"
        d = r.mapping(c["diseases"], dw, {"groups", "icd10_prefixes"})
        dgroups = tuple(r.strings(d["groups"], f"{dw}.groups")) if "groups" in d else ()
        known = diagnoses.groups()
        for i, g in enumerate(dgroups):
            if g not in known:
                listed = ", ".join(sorted(known))
                raise r.fail(f"{dw}.groups[{i}]", f"no group {g!r} in diagnoses.csv (groups: {listed})")
        prefixes = (
            tuple(p.upper() for p in r.strings(d["icd10_prefixes"], f"{dw}.icd10_prefixes"))
            if ("icd10_prefixes" in d)
            else ()
        )
        for i, p in enumerate(prefixes):
            if not _ICD_PREFIX.match(p):
                raise r.fail(f"{dw}.icd10_prefixes[{i}]", f"{p!r} is not the start of an ICD-10 code")
        if not dgroups and not prefixes:
            raise r.fail(dw, "give groups and/or icd10_prefixes, or remove diseases")
        diseases = DiseaseList(dgroups, prefixes)

    allowed_sex = None
    if c.get("allowed_sex") is not None:
        allowed_sex = tuple(r.strings(c["allowed_sex"], f"{where}.allowed_sex"))
        for i, s in enumerate(allowed_sex):
            if s not in SEXES:
                raise r.fail(f"{where}.allowed_sex[{i}]", f"expected 男 or 女, got {s!r}")

    within = c.get("invoice_within_stay", False)
    if not isinstance(within, bool):
        raise r.fail(f"{where}.invoice_within_stay", f"expected true or false, got {within!r}")
    own_threshold = c.get("review_threshold")
    return ClaimRule(
        claim_type=ct,
        name=r.text(c["name"], f"{where}.name"),
        required_documents=tuple(groups),
        required_fields=required_fields,
        seals=tuple(seals),
        diseases=diseases,
        allowed_sex=allowed_sex,
        invoice_within_stay=within,
        review_threshold=threshold
        if own_threshold is None
        else r.number(own_threshold, f"{where}.review_threshold", 0.0, 1.0),
    )
