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
from intake.check.claim_rules import PolicyPeriod, Rules
from intake.check.invoice_registry import LocalInvoiceRegistry, invoice_keys
from intake.codes import ProblemCode, Reason
from intake.elements.document import Document, PageIssue
from intake.elements.findings import Completeness
from intake.ocr.fingerprint import page_fingerprint, similarity
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


def _with_rule(claim_type: str, **changes: object) -> Rules:
    rule = RULES.claim(claim_type).model_copy(update=changes)
    return RULES.model_copy(update={"claim_types": {**RULES.claim_types, claim_type: rule}})


def _uncalled(**scores: float) -> Document:
    doc = Document("2.jpg", DocType.OTHER, 0.4, [1], {}, id="2")
    doc.type_scores = {"other": 0.45, **scores}
    return doc


def _blurred(doc: Document) -> Document:
    doc.page_issues = [PageIssue(1, "blurred", "照片模糊，请重新拍摄")]
    return doc


PRINTED = [
    "票据号码 0012345678",
    "合计 12345.67",
    "开票日期 2024-03-10",
    "住院号 366427",
    "统筹 8000.00",
    "自付 3000.00",
]
FINGERPRINT = page_fingerprint(PRINTED)
# The same paper photographed again: OCR misses a number or two, and misreads one.
AGAIN = page_fingerprint([*PRINTED[:4], "统筹 8000.08"])
# Photographed so poorly that half its numbers were misread: alike, but not surely the same paper.
POORLY = page_fingerprint(
    ["票据号码 0012345678", "合计 12345.67", "开票日期 2024-03-10", "住院号 386427", "统筹 8000.08", "自付 3000.06"]
)
OTHER_BILL = page_fingerprint(
    ["票据号码 0099887766", "合计 388.00", "开票日期 2024-06-02", "门诊号 771203", "统筹 120.00"]
)


def _looks_claimed(tmp: Path) -> Completeness:
    """A re-photographed invoice whose numbers and total were not read: its image is like one held."""
    registry = LocalInvoiceRegistry(tmp / "registry.json")
    registry.hold([f"image:{FINGERPRINT}:12345.67"], "an-earlier-claim")
    inv = invoice(invoice_code=None, invoice_number=None, check_code=None, total_amount=None)
    inv.fingerprint = POORLY
    return check_claim("inpatient", [inv, discharge()], RULES, registry, "this-claim")


def test_a_paper_surely_seen_before_is_the_members_whatever_its_total_was_read_as(tmp_path: Path) -> None:
    registry = LocalInvoiceRegistry(tmp_path / "registry.json")
    registry.hold([f"image:{FINGERPRINT}:12345.67"], "an-earlier-claim")
    # The numbers covered, and the total misread: most of the page's numbers still say which paper it is.
    inv = invoice(invoice_code=None, invoice_number=None, check_code=None, total_amount="12845.67")
    inv.fingerprint = AGAIN
    c = check_claim("inpatient", [inv, discharge()], RULES, registry, "this-claim")
    assert ("invoice_claimed_before", "member") in [(p.code, p.actor) for p in c.problems]
    assert not c.complete
    # Only alike, but its total the earlier claim's to the cent: the two readings bear each other out,
    # even when this one was doubted (its 大写 not read).
    inv = invoice(invoice_code=None, invoice_number=None, check_code=None, total_amount_upper=None)
    inv.fields["total_amount"].confidence = 0.3
    inv.fingerprint = POORLY
    c = check_claim("inpatient", [inv, discharge()], RULES, registry, "this-claim")
    assert ("invoice_claimed_before", "member") in [(p.code, p.actor) for p in c.problems]
    # Only alike and its total another: the reviewer compares the two.
    inv = invoice(invoice_code=None, invoice_number=None, check_code=None, total_amount="12845.67")
    inv.fingerprint = POORLY
    c = check_claim("inpatient", [inv, discharge()], RULES, registry, "this-claim")
    assert [(p.code, p.actor) for p in c.problems if "claimed" in p.code] == [("invoice_looks_claimed", "reviewer")]


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
    ProblemCode.HOSPITAL_MISMATCH: lambda _: _judge(
        "inpatient", invoice(hospital_name="杭州市第一人民医院"), discharge(hospital_name="宁波市李惠利医院")
    ),
    ProblemCode.HOSPITAL_NEAR_MISMATCH: lambda _: _judge(
        "inpatient", invoice(hospital_name="杭州市第一人民医院"), discharge(hospital_name="杭州市第一人民医阮")
    ),
    ProblemCode.STAY_OUTSIDE_POLICY: lambda _: check_claim(
        "inpatient",
        [invoice(), discharge()],
        _with_rule("inpatient", policy_period=PolicyPeriod.model_validate({"from": "2025-01-01", "to": "2025-12-31"})),
    ),
    ProblemCode.PAGE_UNREADABLE: lambda _: _judge("inpatient", _blurred(invoice(total_amount=None)), discharge()),
    ProblemCode.DOCUMENT_TYPE_UNSURE: lambda _: _judge("inpatient", invoice(), _uncalled(discharge=0.4)),
    ProblemCode.INVOICE_LOOKS_CLAIMED: _looks_claimed,
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


def test_who_acts_on_each_finding(tmp_path: Path) -> None:
    """The member's findings are errors and block the claim; the reviewer's are warnings."""
    for code, make in CLAIMS.items():
        for p in make(tmp_path / code.value).problems:
            assert (p.severity == "error") == (p.actor == "member"), p


def test_the_same_paper_photographed_again_is_caught_by_its_image(tmp_path: Path) -> None:
    registry = LocalInvoiceRegistry(tmp_path / "registry.json")
    registry.hold([f"image:{FINGERPRINT}:12345.67"], "an-earlier-claim")
    again = invoice(invoice_code=None, invoice_number=None, check_code=None)
    again.fingerprint = AGAIN
    c = check_claim("inpatient", [again, discharge()], RULES, registry, "this-claim")
    assert [p.actor for p in c.problems if p.code == "invoice_claimed_before"] == ["member"]
    # Another bill prints other numbers.
    other = invoice(invoice_code=None, invoice_number=None, check_code=None, total_amount="388.00")
    other.fingerprint = OTHER_BILL
    c = check_claim("inpatient", [other, discharge()], RULES, registry, "this-claim")
    assert not [p for p in c.problems if p.code in ("invoice_claimed_before", "invoice_looks_claimed")]
    # Two photographs of one invoice in one claim.
    first, second = (
        invoice("1", invoice_code=None, invoice_number=None, check_code=None),
        invoice("9", invoice_code=None, invoice_number=None, check_code=None),
    )
    first.fingerprint, second.fingerprint = FINGERPRINT, AGAIN
    c = check_claim("inpatient", [first, second, discharge()], RULES)
    assert [p.document_id for p in c.problems if p.code == "invoice_duplicate"] == ["9"]


def test_fingerprints_tell_the_same_paper_from_another_bill() -> None:
    assert FINGERPRINT is not None and AGAIN is not None and OTHER_BILL is not None
    least = RULES.checks.fingerprint_min_similarity
    assert similarity(FINGERPRINT, AGAIN) >= least > similarity(FINGERPRINT, OTHER_BILL)
    assert page_fingerprint(["出院小结", "2024年"]) is None  # too few numbers to recognise a page by
