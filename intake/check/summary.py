"""The claim's figures for adjudication, from its documents as read (or corrected): what the bills
add up to, the stay, the hospitals and the diagnoses, each traced to the documents it came from."""

from __future__ import annotations

from decimal import Decimal

from intake.check.checks import CLINICAL, diagnosis_match, hospital_key, parse_span
from intake.check.claim_rules import ClaimRule
from intake.elements.document import Document
from intake.elements.findings import ClaimFigures, SummaryDiagnosis, Traced
from intake.normalize.dates import stay_days
from intake.normalize.money import format_money
from intake.vocabulary import MONEY_FIELDS, DocType


def _ids(docs: list[Document]) -> list[str]:
    return [d.id for d in docs if d.id]


def _amounts(documents: list[Document]) -> dict[str, Traced]:
    # The invoices are what is paid out against; a settlement restates an invoice's figures, so it
    # counts only when no invoice was uploaded.
    bills = [d for d in documents if d.doc_type == DocType.INVOICE] or [
        d for d in documents if d.doc_type == DocType.SETTLEMENT
    ]
    out: dict[str, Traced] = {}
    for name in MONEY_FIELDS:
        read = [(d, f.money) for d in bills if (f := d.fields.get(name)) is not None and f.money is not None]
        if read:
            out[name] = Traced(format_money(sum((m for _, m in read), Decimal(0))), _ids([d for d, _ in read]))
    parts = [out[n] for n in ("personal_copay", "personal_selfpay") if n in out]
    if parts:
        total = sum((Decimal(p.value) for p in parts), Decimal(0))
        out["self_paid"] = Traced(format_money(total), sorted({i for p in parts for i in p.documents}))
    return out


def _stay(documents: list[Document]) -> dict[str, Traced]:
    # The clinical documents say when the member was in hospital; the bills restate it.
    ordered = [d for d in documents if d.doc_type in CLINICAL] + [d for d in documents if d.doc_type not in CLINICAL]
    out: dict[str, Traced] = {}
    for name in ("admission_date", "discharge_date", "length_of_stay"):
        values = [(d, d.value(name)) for d in ordered if d.value(name) is not None]
        if values:
            first = values[0][1]
            out[name] = Traced(first, _ids([d for d, v in values if v == first]))
    adm, dis = (parse_span(out[n].value) if n in out else None for n in ("admission_date", "discharge_date"))
    if "length_of_stay" not in out and adm and dis and adm.exact and dis.exact and dis.first >= adm.first:
        docs = sorted(set(out["admission_date"].documents) | set(out["discharge_date"].documents))
        out["length_of_stay"] = Traced(stay_days(adm.first, dis.first), docs)
    return out


def claim_figures(documents: list[Document], rule: ClaimRule) -> ClaimFigures:
    hospitals: dict[str, Traced] = {}
    for d in documents:
        name = d.text("hospital_name")
        if name:
            hospitals.setdefault(hospital_key(name), Traced(name, [])).documents.extend(_ids([d]))
    diagnoses: dict[tuple[str, str | None], SummaryDiagnosis] = {}
    for d in documents:
        if d.doc_type not in CLINICAL or "diagnoses" not in d.fields:
            continue
        for dx in d.fields["diagnoses"].diagnoses:
            listed = diagnosis_match(dx, rule.diseases) == "listed" if rule.diseases is not None else None
            item = diagnoses.setdefault((dx.text, dx.icd10), SummaryDiagnosis(dx.text, dx.icd10, listed, []))
            item.documents.extend(_ids([d]))
    return ClaimFigures(_amounts(documents), _stay(documents), list(hospitals.values()), list(diagnoses.values()))
