"""Every problem code the claim rules give a message can fire: each has a claim that makes it.

A code whose producer stopped emitting it would keep its message in rules.yaml and never reach a
member; this table is checked against ProblemCode, so a new code without a claim here fails, and
each claim is judged by the real checks and rules. (seal_unverifiable also fires from page images:
tests/test_claims_e2e.py reads the grey-scanned sample bundle.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from intake.check.checks import check_claim
from intake.check.invoice_registry import LocalInvoiceRegistry, invoice_keys
from intake.codes import ProblemCode, Reason
from intake.elements.document import Document
from intake.elements.findings import Completeness
from intake.vocabulary import DocType

from .test_claims_checks import RULES, certificate, discharge, invoice


def _judge(claim_type: str, *docs: Document) -> Completeness:
    return check_claim(claim_type, list(docs), RULES)


def _low(doc: Document, name: str, confidence: float = 0.5) -> Document:
    doc.fields[name].confidence = confidence
    return doc


def _reason(doc: Document, name: str, reason: Reason) -> Document:
    doc.fields[name].reasons.append(reason)
    return doc


def _claimed_before(tmp: Path) -> Completeness:
    registry = LocalInvoiceRegistry(tmp / "registry.json")
    registry.hold(invoice_keys(invoice()), "an-earlier-claim")
    return check_claim("inpatient", [invoice(), discharge()], RULES, registry, "this-claim")


CLAIMS: dict[ProblemCode, Callable[[Path], Completeness]] = {
    ProblemCode.MISSING_DOCUMENT: lambda _: _judge("inpatient", invoice()),
    ProblemCode.FIELD_MISSING: lambda _: _judge("inpatient", invoice(patient_name=None), discharge()),
    ProblemCode.FIELD_LOW_CONFIDENCE: lambda _: _judge("inpatient", _low(invoice(), "invoice_number"), discharge()),
    ProblemCode.FIELD_INVALID: lambda _: _judge(
        "special_disease", invoice(), discharge(), _reason(certificate(), "id_number", Reason.CHECK_DIGIT)
    ),
    ProblemCode.NAME_MISMATCH: lambda _: _judge("inpatient", invoice(), discharge(patient_name="李大海")),
    ProblemCode.NAME_NEAR_MISMATCH: lambda _: _judge("inpatient", invoice(), discharge(patient_name="张晓朋")),
    ProblemCode.DISCHARGE_BEFORE_ADMISSION: lambda _: _judge(
        "inpatient", invoice(), discharge(admission_date="2024-03-10", discharge_date="2024-03-01", length_of_stay=None)
    ),
    ProblemCode.DATES_DISAGREE: lambda _: _judge("inpatient", invoice(admission_date="2024-03-02"), discharge()),
    ProblemCode.INVOICE_OUTSIDE_STAY: lambda _: _judge("inpatient", invoice(issue_date="2024-05-30"), discharge()),
    ProblemCode.STAY_DAYS_MISMATCH: lambda _: _judge("inpatient", invoice(), discharge(length_of_stay=20)),
    ProblemCode.AMOUNT_UPPER_MISMATCH: lambda _: _judge(
        "inpatient", invoice(total_amount_upper="壹万贰仟叁佰肆拾伍元整"), discharge()
    ),
    ProblemCode.AMOUNT_UPPER_UNREADABLE: lambda _: _judge(
        "inpatient", invoice(total_amount_upper="壹万贰仟叁佰肆拾伍元伍伍角"), discharge()
    ),
    ProblemCode.AMOUNT_PARTS_MISMATCH: lambda _: _judge("inpatient", invoice(insurance_paid="18000.00"), discharge()),
    ProblemCode.AMOUNT_PARTS_FLAGGED: lambda _: _judge(
        "inpatient", _reason(invoice(), "insurance_paid", Reason.PARTS_SUM), discharge()
    ),
    ProblemCode.SEAL_MISSING: lambda _: _judge(
        "special_disease", invoice(), discharge(), certificate(seal={"present": False})
    ),
    ProblemCode.SEAL_MISMATCH: lambda _: _judge(
        "special_disease", invoice(), discharge(), certificate(seal={"present": True, "text": "宁波东海物流有限公司"})
    ),
    ProblemCode.SEAL_NEAR_MISMATCH: lambda _: _judge(
        "special_disease", invoice(), discharge(), certificate(seal={"present": True, "text": "宁波华信科枝有限公司"})
    ),
    ProblemCode.SEAL_TEXT_UNREADABLE: lambda _: _judge(
        "special_disease", invoice(), discharge(), certificate(seal={"present": True})
    ),
    ProblemCode.SEAL_UNVERIFIABLE: lambda _: _judge(
        "special_disease",
        invoice(),
        discharge(),
        _reason(certificate(seal={"present": False}), "seal", Reason.GREY_COPY),
    ),
    ProblemCode.INVOICE_DUPLICATE: lambda _: _judge("inpatient", invoice("1"), invoice("9"), discharge()),
    ProblemCode.INVOICE_CLAIMED_BEFORE: _claimed_before,
    ProblemCode.INVOICE_UNIDENTIFIED: lambda _: _judge(
        "inpatient", invoice(invoice_code=None, invoice_number=None, check_code=None), discharge()
    ),
    ProblemCode.DIAGNOSIS_NOT_LISTED: lambda _: _judge(
        "female_special", discharge(diagnoses=[{"text": "肺炎", "icd10": "J18.900"}])
    ),
    ProblemCode.DIAGNOSIS_LOOSE_MATCH: lambda _: _judge(
        "female_special", discharge(diagnoses=[{"text": "右侧乳腺恶性肿瘤伴腋窝淋巴结转移"}])
    ),
    ProblemCode.SEX_NOT_ELIGIBLE: lambda _: _judge("female_special", discharge(sex="男")),
    ProblemCode.SEX_UNKNOWN: lambda _: _judge("female_special", discharge(sex=None)),
}


def test_every_code_has_a_claim_that_fires_it() -> None:
    assert set(CLAIMS) == set(ProblemCode)
    assert set(RULES.messages) == set(ProblemCode)


@pytest.mark.parametrize("code", sorted(ProblemCode))
def test_the_code_fires(code: ProblemCode, tmp_path: Path) -> None:
    result = CLAIMS[code](tmp_path)
    if code == ProblemCode.MISSING_DOCUMENT:
        assert [m.doc_type for m in result.missing] == [DocType.DISCHARGE.value]
        assert result.missing[0].message and not result.complete
        return
    found = [p for p in result.problems if p.code == code]
    assert found, result.to_json()
    assert found[0].message == found[0].message.strip() and "{" not in found[0].message
