"""The claim rules of rules.yaml, validated at start by pydantic models.

The file is operator-edited, so every mistake is reported as one RulesError that names the file and
the key (`claim_types.inpatient.required_documents[1].any_of[0]: unknown document type 'dischage'`)
before anything runs, rather than surfacing later as a wrong verdict. Problem codes are the
ProblemCode enum the checks emit: a message for a code no check knows, or a code without its
message, stops the load.
"""

from __future__ import annotations

import re
import string
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator, model_validator

from intake.codes import Actor, ProblemCode
from intake.datafile import DataFileError, KeyProblem, Strict, packaged, parse, read_yaml
from intake.reference import diagnoses
from intake.vocabulary import FIELDS, ClaimType, DocType

SEXES = ("男", "女")
PROBLEM_CODES: tuple[str, ...] = tuple(c.value for c in ProblemCode)
_ICD_PREFIX = re.compile(r"^[A-Z][0-9]{0,2}(\.[0-9X]{0,3})?$")
_PLACEHOLDERS = frozenset({"doc", "field", "value", "other", "days", "claim", "page", "issue"})
_ALL_FIELDS = frozenset(f for fs in FIELDS.values() for f in fs)


class RulesError(DataFileError):
    """A rules file that cannot be used; the message names the file and the offending key."""


# -- value types, each with the words an operator reads when it is wrong ---------------------------


def _doc_type(value: Any) -> DocType:
    try:
        return DocType(value)
    except ValueError:
        known = ", ".join(d.value for d in DocType)
        raise ValueError(f"unknown document type {value!r} (known: {known})") from None


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value.strip()


def _message(value: Any) -> str:
    text = _text(value)
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise ValueError(f"bad placeholder ({exc}); write a literal brace as {{{{ or }}}}") from None
    unknown = names - _PLACEHOLDERS
    if unknown:
        raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}} (known: {sorted(_PLACEHOLDERS)})")
    return text


def _share(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ValueError(f"expected a number from 0.0 to 1.0, got {value!r}")
    return float(value)


def _whole(lo: int, hi: int) -> BeforeValidator:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"expected a whole number from {lo} to {hi}, got {value!r}")
        return int(value)

    return BeforeValidator(check)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _list(value: Any) -> Any:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("expected a non-empty list")
    return value


DocTypeName = Annotated[DocType, BeforeValidator(_doc_type)]
Text = Annotated[str, BeforeValidator(_text)]
Message = Annotated[str, BeforeValidator(_message)]
Share = Annotated[float, BeforeValidator(_share)]
Flag = Annotated[bool, BeforeValidator(_flag)]


class ActorMessages(Strict):
    """A code either actor's finding may carry: what the member must do, what the reviewer checks."""

    member: Message
    reviewer: Message


class PolicyPeriod(Strict):
    from_: date = Field(alias="from")
    to: date

    @model_validator(mode="after")
    def _ordered(self) -> PolicyPeriod:
        if self.to < self.from_:
            raise ValueError("`to` is before `from`")
        return self


class DocumentGroup(Strict):
    """Satisfied by any one document of these types."""

    any_of: Annotated[tuple[DocTypeName, ...], BeforeValidator(_list)]
    message: Message | None = None  # written from the document names when not given


class SealRule(Strict):
    doc_type: DocTypeName
    match_field: str | None = None

    @model_validator(mode="after")
    def _field_of_the_document(self) -> SealRule:
        if self.match_field is not None and self.match_field not in FIELDS[self.doc_type]:
            raise KeyProblem(("match_field",), f"{self.doc_type.value} has no field {self.match_field!r}")
        return self


class DiseaseList(Strict):
    groups: tuple[str, ...] = ()
    icd10_prefixes: tuple[str, ...] = ()

    @field_validator("groups", mode="before")
    @classmethod
    def _known_groups(cls, value: Any) -> Any:
        known = diagnoses.groups()
        for i, g in enumerate(_list(value)):
            if g not in known:
                listed = ", ".join(sorted(known))
                raise KeyProblem((i,), f"no group {g!r} in diagnoses.csv (groups: {listed})")
        return value

    @field_validator("icd10_prefixes", mode="before")
    @classmethod
    def _prefixes(cls, value: Any) -> Any:
        out = []
        for i, p in enumerate(_list(value)):
            p = _text(p).upper()
            if not _ICD_PREFIX.match(p):
                raise KeyProblem((i,), f"{p!r} is not the start of an ICD-10 code")
            out.append(p)
        return out

    @model_validator(mode="after")
    def _something(self) -> DiseaseList:
        if not self.groups and not self.icd10_prefixes:
            raise ValueError("give groups and/or icd10_prefixes, or remove diseases")
        return self


class ClaimRule(Strict):
    claim_type: str = ""  # the key it is listed under
    name: Text
    required_documents: Annotated[tuple[DocumentGroup, ...], BeforeValidator(_list)]
    required_fields: dict[DocTypeName, tuple[str, ...]] = Field(default_factory=dict)
    seals: tuple[SealRule, ...] = ()
    diseases: DiseaseList | None = None
    allowed_sex: tuple[str, ...] | None = None
    invoice_within_stay: Flag = False
    strict_fields: dict[DocTypeName, tuple[str, ...]] = Field(default_factory=dict)
    policy_period: PolicyPeriod | None = None
    review_threshold: Share = -1.0  # -1: the file's review_threshold

    @field_validator("required_documents", mode="before")
    @classmethod
    def _groups(cls, value: Any) -> Any:
        # A group is written [a, b] or {any_of: [a, b], message: ...}.
        return [{"any_of": g} if isinstance(g, list) else g for g in _list(value)]

    @field_validator("required_fields", "strict_fields", mode="before")
    @classmethod
    def _fields_of_each_type(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        for dt_name, names in value.items():
            dt = _doc_type(dt_name) if dt_name in {d.value for d in DocType} else None
            if dt is None:
                continue  # the key's own type reports it
            for i, name in enumerate(_list(names) if names else []):
                if name not in FIELDS[dt]:
                    fields = ", ".join(FIELDS[dt])
                    raise KeyProblem((dt_name, i), f"{dt_name} has no field {name!r} (fields: {fields})")
        return value

    @field_validator("allowed_sex", mode="before")
    @classmethod
    def _sexes(cls, value: Any) -> Any:
        if value is None:
            return value
        for i, s in enumerate(_list(value)):
            if s not in SEXES:
                raise KeyProblem((i,), f"expected 男 or 女, got {s!r}")
        return value


class CheckSettings(Strict):
    name_fields: tuple[str, ...] = ("patient_name", "employee_name")
    invoice_days_after_discharge: Annotated[int, _whole(0, 3650)] = 15
    stay_days_slack: Annotated[int, _whole(0, 30)] = 1
    money_tolerance: Decimal = Decimal("0.01")
    seal_text_max_edit_share: Share = 0.2
    hospital_max_edit_share: Share = 0.2
    fingerprint_min_similarity: Share = 0.15
    fingerprint_same_paper: Share = 0.5
    dates_slack_days: Annotated[int, _whole(0, 60)] = 1
    unread_field_actor: Actor = Actor.REVIEWER
    poor_page_read_actor: Actor = Actor.REVIEWER
    unverifiable_seal_actor: Actor = Actor.REVIEWER
    unsure_type_min: Share = 0.2
    far_mismatch_min: Share = 0.6
    corroborated_mismatch_min: Share = 0.5
    unread_below: Share = 0.4

    @field_validator("name_fields", mode="before")
    @classmethod
    def _known_fields(cls, value: Any) -> Any:
        for i, name in enumerate(_list(value)):
            if name not in _ALL_FIELDS:
                raise KeyProblem((i,), f"unknown field {name!r}")
        return value

    @field_validator("money_tolerance", mode="before")
    @classmethod
    def _tolerance(cls, value: Any) -> Decimal:
        try:
            tol = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f'expected an amount like "0.01", got {value!r}') from None
        if not Decimal(0) <= tol <= Decimal(100):
            raise ValueError(f"expected 0 to 100 yuan, got {tol}")
        return tol


class Rules(Strict):
    source: str = "<rules>"
    version: int
    default_claim_type: str = ClaimType.INPATIENT.value
    review_threshold: Share
    checks: CheckSettings = Field(default_factory=CheckSettings)
    document_names: dict[DocTypeName, Text] = Field(default_factory=dict)
    field_names: dict[str, Text] = Field(default_factory=dict)
    claim_types: dict[str, ClaimRule]
    messages: dict[ProblemCode, Message | ActorMessages]

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        if value != 1:
            raise ValueError(f"this intake reads version 1, the file says {value!r}")
        return value

    @field_validator("field_names", mode="before")
    @classmethod
    def _field_names(cls, value: Any) -> Any:
        # A name may depend on the document: "unit_certificate.issue_date" is not a 开票日期.
        per_doc = {f"{dt.value}.{f}" for dt, fs in FIELDS.items() for f in fs}
        for key in value if isinstance(value, dict) else ():
            if key not in _ALL_FIELDS | per_doc:
                raise KeyProblem((key,), "unknown key (a field, or <doc_type>.<field>)")
        return value

    @field_validator("claim_types", mode="before")
    @classmethod
    def _claim_types(cls, value: Any) -> Any:
        if not isinstance(value, dict) or not value:
            raise ValueError("expected a mapping of claim types")
        for ct in value:
            if not isinstance(ct, str) or not ct.isidentifier() or not ct.isascii() or ct != ct.lower():
                raise KeyProblem((str(ct),), "a claim type is a lowercase ASCII identifier")
        for ct in ClaimType:
            if ct.value not in value:
                raise KeyProblem((ct.value,), "required key is missing (every contract claim type needs rules)")
        return value

    @field_validator("messages", mode="before")
    @classmethod
    def _every_code(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        for key in value:
            if key not in PROBLEM_CODES:
                raise KeyProblem((str(key),), "unknown key: not a problem code of intake.codes.ProblemCode")
        for code in PROBLEM_CODES:
            if code not in value:
                raise KeyProblem((code,), "required key is missing")
        return value

    @model_validator(mode="after")
    def _complete(self) -> Rules:
        if self.default_claim_type not in self.claim_types:
            raise KeyProblem(("default_claim_type",), f"{self.default_claim_type!r} is not one of claim_types")
        # Frozen models: the derived parts are filled in here, once, before anyone reads them.
        missing = self.message(ProblemCode.MISSING_DOCUMENT, doc="{doc}")
        for ct, rule in self.claim_types.items():
            for dt, names in rule.strict_fields.items():
                loose = sorted(set(names) - set(rule.required_fields.get(dt, ())))
                if loose:
                    raise KeyProblem(
                        ("claim_types", ct, "strict_fields", dt.value), f"not required fields: {', '.join(loose)}"
                    )
            groups = tuple(
                g if g.message is not None else self._with_message(g, missing) for g in rule.required_documents
            )
            threshold = self.review_threshold if rule.review_threshold < 0 else rule.review_threshold
            object.__setattr__(rule, "claim_type", ct)
            object.__setattr__(rule, "required_documents", groups)
            object.__setattr__(rule, "review_threshold", threshold)
        return self

    def _with_message(self, group: DocumentGroup, template: str) -> DocumentGroup:
        # Written from the document names so that an operator adding a group gets a message.
        names = "或".join(self.doc_name(t) for t in group.any_of)
        return group.model_copy(update={"message": template.format_map(_Blank({"doc": names}))})

    def claim(self, claim_type: str) -> ClaimRule:
        try:
            return self.claim_types[claim_type]
        except KeyError:
            known = ", ".join(self.claim_types)
            raise KeyError(f"unknown claim type {claim_type!r} (known: {known})") from None

    def doc_name(self, doc_type: DocType | str) -> str:
        return self.document_names.get(DocType(doc_type), str(doc_type))

    def field_name(self, name: str, doc_type: DocType | str | None = None) -> str:
        if doc_type and f"{DocType(doc_type).value}.{name}" in self.field_names:
            return self.field_names[f"{DocType(doc_type).value}.{name}"]
        return self.field_names.get(name, name)

    def message(self, code: ProblemCode | str, actor: Actor = Actor.MEMBER, **values: object) -> str:
        text = self.messages[ProblemCode(code)]
        if isinstance(text, ActorMessages):
            text = text.member if actor is Actor.MEMBER else text.reviewer
        return text.format_map(_Blank(values))


class _Blank(dict[str, object]):
    """format_map that leaves a placeholder empty rather than raising when a check has no value."""

    def __missing__(self, key: str) -> str:
        return ""


def default_path() -> Path:
    return packaged("intake.check", "rules.yaml")


def parse_rules(data: Any, source: str = "<rules>") -> Rules:
    if isinstance(data, dict):
        data = {**data, "source": source}
    try:
        return parse(Rules, data, f"rules file {source}")
    except DataFileError as exc:
        raise RulesError(str(exc)) from None


def load_rules(path: str | Path | None = None) -> Rules:
    """Load and validate the rules: path, else $INTAKE_CLAIM_RULES, else the packaged rules.yaml."""
    if path is None:
        from intake.settings import Settings

        path = Settings.load().claim_rules
    chosen = Path(path) if path else default_path()
    try:
        data, _ = read_yaml(chosen, "rules file")
    except DataFileError as exc:
        raise RulesError(str(exc)) from None
    return parse_rules(data, str(chosen))
