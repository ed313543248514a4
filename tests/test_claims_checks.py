"""The claim checks on constructed documents: each check, its severity and its message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from intake.check import glyphs
from intake.check.checks import check_claim, diagnosis_match, edit_distance, parse_span, substring_distance
from intake.check.claim_rules import DiseaseList, load_rules
from intake.check.invoice_registry import (
    LocalInvoiceRegistry,
    RegistryError,
    default_registry_path,
    invoice_keys,
)
from intake.codes import Actor, Reason
from intake.elements.document import Alternative, Diagnosis, Document, Field, PageIssue, value_from_json
from intake.elements.findings import Completeness
from intake.vocabulary import DocType
from intake_lab.synth.claims import make_claim

RULES = load_rules()
SURE = 0.95


def doc(doc_type: DocType, id: str, *, conf: float = SURE, reasons: dict[str, list[str]] | None = None, **values: Any):
    fields = {
        k: Field(value_from_json(v), conf, 1, None, str(v), [Reason(r) for r in (reasons or {}).get(k, [])])
        for k, v in values.items()
    }
    return Document(f"{id}.png", doc_type, 0.97, [1], fields, id=id)


def invoice(id: str = "1", **over: Any) -> Document:
    values: dict[str, Any] = {
        "invoice_code": "33010121",
        "invoice_number": "0012345678",
        "check_code": "a1b2c3",
        "issue_date": "2024-03-10",
        "patient_name": "张晓明",
        "visit_type": "inpatient",
        "admission_date": "2024-03-01",
        "discharge_date": "2024-03-10",
        "total_amount": "12345.67",
        "total_amount_upper": "壹万贰仟叁佰肆拾伍元陆角柒分",
        "insurance_paid": "8000.00",
        "personal_account_paid": "1000.00",
        "personal_copay": "3000.00",
        "personal_selfpay": "1345.67",
        "seal": {"present": True, "text": "杭州市第一人民医院"},
    }
    values.update(over)
    return doc(DocType.INVOICE, id, **{k: v for k, v in values.items() if v is not None})


def discharge(id: str = "2", doc_type: DocType = DocType.DISCHARGE, **over: Any) -> Document:
    values: dict[str, Any] = {
        "patient_name": "张晓明",
        "sex": "女",
        "age": 44,
        "admission_date": "2024-03-01",
        "discharge_date": "2024-03-10",
        "length_of_stay": 9,
        "diagnoses": [{"text": "乳腺恶性肿瘤", "icd10": "C50.900"}],
        "seal": {"present": False},
    }
    values.update(over)
    return doc(doc_type, id, **{k: v for k, v in values.items() if v is not None})


def certificate(id: str = "3", **over: Any) -> Document:
    values: dict[str, Any] = {
        "employee_name": "张晓明",
        "id_number": "330203198001010028",
        "employer_name": "宁波华信科技有限公司",
        "issue_date": "2024-03-20",
        "seal": {"present": True, "text": "宁波华信科技有限公司"},
    }
    values.update(over)
    return doc(DocType.UNIT_CERTIFICATE, id, **{k: v for k, v in values.items() if v is not None})


def codes(c: Completeness, severity: str | None = None) -> list[str]:
    return [p.code for p in c.problems if severity is None or p.severity == severity]


def only(c: Completeness, code: str) -> dict[str, Any]:
    found = [p for p in c.problems if p.code == code]
    assert len(found) == 1, c.to_json()
    return found[0].to_json()


# -- complete claims and missing documents -------------------------------------------------------


@pytest.mark.parametrize(
    ("claim_type", "docs"),
    [
        ("inpatient", lambda: [invoice(), discharge()]),
        ("inpatient", lambda: [invoice(), discharge(doc_type=DocType.DIAGNOSIS)]),
        ("critical_illness", lambda: [discharge(id="1"), certificate(id="2")]),
        ("special_disease", lambda: [invoice(), discharge(), certificate()]),
        ("female_special", lambda: [discharge(id="1")]),
        (
            "accident",
            lambda: [invoice(), discharge(diagnoses=[{"text": "股骨粗隆间骨折", "icd10": "S72.101"}], sex="男")],
        ),
    ],
)
def test_complete_claims_have_no_problems(claim_type: str, docs: Any) -> None:
    c = check_claim(claim_type, docs(), RULES)
    assert c.complete and c.to_json() == {"complete": True, "missing": [], "problems": []}


def test_missing_documents_name_what_to_upload() -> None:
    c = check_claim("special_disease", [invoice()], RULES)
    assert not c.complete
    assert [m.doc_type for m in c.missing] == ["discharge", "unit_certificate"]
    assert "出院证明" in c.missing[0].message and "诊断证明书" in c.missing[0].message
    assert c.missing[1].message == "缺少单位证明（在职证明，须加盖单位公章），请上传"
    # A document of another type does not stand in for a missing one.
    assert [m.doc_type for m in check_claim("inpatient", [discharge(), certificate()], RULES).missing] == ["invoice"]


def uncalled(id: str, **scores: float) -> Document:
    """A document the classifier could not call, with its type probabilities."""
    d = Document(f"{id}.jpg", DocType.OTHER, 0.4, [1], {}, id=id)
    d.type_scores = {"other": 0.4, **scores}
    return d


def test_an_uncalled_page_likely_the_missing_document_is_the_reviewers_to_type() -> None:
    # A 单位证明 of a layout the classifier never saw: `other`, but 0.35 likely a certificate.
    c = check_claim("special_disease", [invoice(), discharge(), uncalled("3", unit_certificate=0.35)], RULES)
    assert c.complete and c.missing == []
    p = only(c, "document_type_unsure")
    assert p["actor"] == "reviewer" and p["document_id"] == "3" and "单位证明" in p["message"]
    # A page that is unlikely to be it (a pharmacy receipt) leaves the member asked for it.
    c = check_claim("special_disease", [invoice(), discharge(), uncalled("3", unit_certificate=0.05)], RULES)
    assert [m.doc_type for m in c.missing] == ["unit_certificate"] and not c.complete
    # One uncalled page stands in for one missing document, the likelier one; not for two.
    c = check_claim("special_disease", [invoice(), uncalled("3", unit_certificate=0.3, discharge=0.5)], RULES)
    assert [m.doc_type for m in c.missing] == ["unit_certificate"]
    assert "出院证明" in only(c, "document_type_unsure")["message"]


def test_the_operator_can_always_ask_the_member() -> None:
    rules = RULES.model_copy(update={"checks": RULES.checks.model_copy(update={"unsure_type_min": 1.0})})
    c = check_claim("special_disease", [invoice(), discharge(), uncalled("3", unit_certificate=0.9)], rules)
    assert [m.doc_type for m in c.missing] == ["unit_certificate"]


def test_unknown_claim_type_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="unknown claim type"):
        check_claim("dental", [], RULES)


def test_completeness_json_follows_the_contract() -> None:
    c = check_claim("inpatient", [invoice(patient_name=None)], RULES)
    data = json.loads(json.dumps(c.to_json(), ensure_ascii=False))
    assert set(data) == {"complete", "missing", "problems"}
    assert set(data["missing"][0]) == {"doc_type", "message"}
    assert set(data["problems"][0]) == {"code", "severity", "actor", "message", "document_id", "field"}


# -- required fields -----------------------------------------------------------------------------


def test_a_required_field_not_read_on_a_good_page_is_the_reviewers() -> None:
    c = check_claim("inpatient", [invoice(invoice_number=None), discharge()], RULES)
    p = only(c, "field_missing")
    assert (p["severity"], p["actor"]) == ("warning", "reviewer")
    assert p["document_id"] == "1" and p["field"] == "invoice_number" and "审核人员" in p["message"]
    assert c.complete  # the claim goes on to review; the member has nothing to fix


def test_an_operator_may_make_unread_fields_the_members() -> None:
    strict = RULES.model_copy(update={"checks": RULES.checks.model_copy(update={"unread_field_actor": Actor.MEMBER})})
    p = only(check_claim("inpatient", [invoice(invoice_number=None), discharge()], strict), "field_missing")
    assert (p["severity"], p["actor"]) == ("error", "member")
    assert p["message"].startswith("医疗收费票据上的票据号码无法识别")
    rule = RULES.claim("inpatient").model_copy(update={"strict_fields": {DocType.INVOICE: ("invoice_number",)}})
    per_type = RULES.model_copy(update={"claim_types": {**RULES.claim_types, "inpatient": rule}})
    c = check_claim("inpatient", [invoice(invoice_number=None), discharge()], per_type)
    assert only(c, "field_missing")["actor"] == "member" and not c.complete


def test_a_page_too_poor_to_read_asks_the_member_for_it_again() -> None:
    inv = invoice(invoice_number=None, total_amount=None)
    inv.page_issues = [PageIssue(1, "blurred", "照片模糊，请重新拍摄")]
    c = check_claim("inpatient", [inv, discharge()], RULES)
    p = only(c, "page_unreadable")
    assert (p["actor"], p["document_id"]) == ("member", "1") and "第1页照片模糊，请重新拍摄" in p["message"]
    assert "field_missing" not in codes(c)  # the page, not each field on it
    assert not c.complete


def test_a_poor_page_whose_every_required_field_was_read_is_the_reviewers() -> None:
    # The gate called a photo blurred, yet every field the claim type needs was read surely: the
    # member is not asked to photograph it again; the reviewer compares the reading with the page.
    inv = invoice()
    inv.page_issues = [PageIssue(1, "focus_blur", "照片模糊（没有对焦），请重新拍摄：点击屏幕上的票据对焦后再拍")]
    c = check_claim("inpatient", [inv, discharge()], RULES)
    p = only(c, "page_unreadable")
    assert (p["severity"], p["actor"]) == ("warning", "reviewer")
    assert "照片模糊（没有对焦）" in p["message"] and "审核人员" in p["message"] and "请重新拍摄" not in p["message"]
    assert c.complete
    # One required field read unsurely, and the member is asked for the page again.
    inv.fields["total_amount"].confidence = 0.7
    p = only(check_claim("inpatient", [inv, discharge()], RULES), "page_unreadable")
    assert p["actor"] == "member" and "请重新拍摄" in p["message"]
    # An operator may keep every gate finding the member's.
    strict = RULES.model_copy(update={"checks": RULES.checks.model_copy(update={"poor_page_read_actor": Actor.MEMBER})})
    inv.fields["total_amount"].confidence = 0.9
    assert only(check_claim("inpatient", [inv, discharge()], strict), "page_unreadable")["actor"] == "member"


def test_a_cut_off_page_whose_every_field_was_found_is_the_reviewers() -> None:
    # A skewed photo whose paper corner ran out of the frame: every required field was read, the
    # invoice number rightly but unsurely. Nothing was lost beyond the edge, so the member is not
    # asked for the page again; the unsure number is the reviewer's.
    inv = invoice(hospital_name="杭州市第一人民医院")
    inv.page_issues = [PageIssue(1, "cut_off", "票据未拍全，请重新拍摄：让整张票据都在画面内")]
    inv.fields["invoice_number"].confidence = 0.5
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert only(c, "page_unreadable")["actor"] == "reviewer"
    assert only(c, "field_low_confidence")["field"] == "invoice_number"
    assert c.complete
    # The hospital or the stay cut away (not required, but what the documents are compared by):
    # photographed again (train seed lead1211, poor_page).
    cut = invoice()
    cut.page_issues = inv.page_issues
    assert only(check_claim("inpatient", [cut, discharge()], RULES), "page_unreadable")["actor"] == "member"
    # A field lost at the cut (not read, or a mere guess) and the member photographs it again.
    inv.fields["invoice_number"].confidence = 0.3
    p = only(check_claim("inpatient", [inv, discharge()], RULES), "page_unreadable")
    assert p["actor"] == "member" and "请重新拍摄" in p["message"]
    # Blur is not so forgiving: an unsure field on a blurred page may be the blur's doing.
    inv.fields["invoice_number"].confidence = 0.5
    inv.page_issues = [PageIssue(1, "focus_blur", "照片模糊（没有对焦），请重新拍摄")]
    assert only(check_claim("inpatient", [inv, discharge()], RULES), "page_unreadable")["actor"] == "member"


def test_a_cut_off_certificate_without_its_seal_is_photographed_again() -> None:
    # Every field read, but the seal the claim type wants was not found: on a cut page it may lie
    # beyond the frame, which only a new photo shows (a reviewer cannot see past the edge either).
    cert = certificate(seal={"present": False})
    cert.page_issues = [PageIssue(1, "cut_off", "证明未拍全，请重新拍摄：让整张证明都在画面内")]
    c = check_claim("special_disease", [invoice(), discharge(), cert], RULES)
    assert only(c, "page_unreadable")["actor"] == "member" and not c.complete
    # With its seal found, the cut page is the reviewer's, as an invoice's is.
    cert = certificate()
    cert.page_issues = [PageIssue(1, "cut_off", "证明未拍全，请重新拍摄：让整张证明都在画面内")]
    assert (
        only(check_claim("special_disease", [invoice(), discharge(), cert], RULES), "page_unreadable")["actor"]
        == "reviewer"
    )


def test_a_blank_page_among_a_documents_pages_is_not_sent_back() -> None:
    # The back of a duplex scan: the record's text is on its other pages. Its unread field is
    # still the reviewer's to read, not hidden behind the page's finding.
    rec = discharge(discharge_date=None)
    rec.pages = [1, 2, 3]
    rec.page_issues = [PageIssue(3, "blank", "几乎是空白页，请重新拍摄：拍摄有文字的一面")]
    c = check_claim("inpatient", [invoice(), rec], RULES)
    assert only(c, "page_unreadable")["actor"] == "reviewer"
    assert only(c, "field_missing")["actor"] == "reviewer"
    assert c.complete
    # A one-page document that is blank is the member's to photograph again.
    rec.pages = [1]
    rec.page_issues = [PageIssue(1, "blank", "几乎是空白页，请重新拍摄：拍摄有文字的一面")]
    c = check_claim("inpatient", [invoice(), rec], RULES)
    assert only(c, "page_unreadable")["actor"] == "member" and not c.complete


def test_required_field_below_threshold_needs_review_but_does_not_block() -> None:
    low = invoice()
    low.fields["total_amount"].confidence = 0.5
    c = check_claim("inpatient", [low, discharge()], RULES)
    assert only(c, "field_low_confidence")["severity"] == "warning"
    assert c.complete


def test_a_required_field_read_as_a_mere_guess_counts_as_not_read() -> None:
    # An invoice number blanked on the page, "read" at 0.32 from whatever digits stood near it.
    guess = invoice(invoice_number="3165518820")
    guess.fields["invoice_number"].confidence = 0.32
    c = check_claim("inpatient", [guess, discharge()], RULES)
    p = only(c, "field_missing")
    assert (p["actor"], p["field"]) == ("reviewer", "invoice_number") and c.complete
    # The same low confidence explained by a cross-check is that check's finding, not a guess.
    flagged = discharge(reasons={"admission_date": ["discharge_before_admission"]})
    flagged.fields["admission_date"].confidence = 0.3
    assert "field_missing" not in codes(check_claim("inpatient", [invoice(), flagged], RULES))


def test_validation_failure_is_a_warning_and_generic_warnings_yield_to_specific_ones() -> None:
    cert = certificate(reasons={"id_number": ["check_digit"]})
    c = check_claim("special_disease", [invoice(), discharge(), cert], RULES)
    assert only(c, "field_invalid")["field"] == "id_number" and c.complete
    # A low-confidence name that also disagrees is reported once, as the disagreement.
    odd = invoice(patient_name="王大力")
    odd.fields["patient_name"].confidence = 0.5
    c = check_claim("inpatient", [odd, discharge()], RULES)
    assert codes(c) == ["name_near_mismatch"]


# -- names ---------------------------------------------------------------------------------------


def test_a_different_name_is_an_error_on_the_odd_document() -> None:
    c = check_claim("special_disease", [invoice(), discharge(patient_name="李建国"), certificate()], RULES)
    p = only(c, "name_mismatch")
    assert p["severity"] == "error" and p["document_id"] == "2" and p["field"] == "patient_name"
    assert "李建国" in p["message"] and "张晓明" in p["message"]


def test_names_equal_after_spaces_and_full_width_forms_pass() -> None:
    c = check_claim("inpatient", [invoice(patient_name="张 晓 明"), discharge(patient_name="张晓明\u3000")], RULES)
    assert c.complete and not c.problems


def test_a_one_character_near_miss_is_a_warning_never_a_silent_pass() -> None:
    c = check_claim("inpatient", [invoice(patient_name="张晓朋"), discharge()], RULES)
    assert only(c, "name_near_mismatch")["severity"] == "warning"
    assert c.complete


def test_a_reading_that_is_no_name_goes_to_the_reviewer_not_the_member() -> None:
    # An employer letter's 兹证明我单位员工张晓明同志 once gave the name 我单位员工: that is our
    # misreading, and the member must not be told their documents name someone else.
    c = check_claim("special_disease", [invoice(), discharge(), certificate(employee_name="我单位员工")], RULES)
    p = only(c, "name_near_mismatch")
    assert p["actor"] == "reviewer" and p["field"] == "employee_name" and c.complete
    # A name joined with a middle dot is a name: a different one is still the member's to explain.
    c = check_claim("inpatient", [invoice(), discharge(patient_name="阿依古丽·买买提")], RULES)
    assert only(c, "name_mismatch")["actor"] == "member"


def test_a_page_that_also_offered_the_claimants_name_is_our_misreading() -> None:
    # The discharge page names the doctor 李建国 and the patient 张晓明; the reader chose the doctor.
    # The documents do not disagree, we did: the reviewer picks the other candidate.
    odd = discharge(patient_name="李建国")
    odd.fields["patient_name"].alternatives = [Alternative("张晓明", 0.31, 1)]
    c = check_claim("special_disease", [invoice(), odd, certificate()], RULES)
    assert only(c, "name_near_mismatch")["actor"] == "reviewer" and c.complete
    # Likewise when the line it read carries both names.
    odd = discharge(patient_name="李建国")
    odd.fields["patient_name"].source_text = "患者 张晓明  主治医师 李建国"
    c = check_claim("special_disease", [invoice(), odd, certificate()], RULES)
    assert only(c, "name_near_mismatch")["actor"] == "reviewer" and c.complete
    # A page that offers only other names still disagrees, for the member to explain.
    odd = discharge(patient_name="李建国")
    odd.fields["patient_name"].alternatives = [Alternative("王医生", 0.2, 1)]
    c = check_claim("special_disease", [invoice(), odd, certificate()], RULES)
    assert only(c, "name_mismatch")["actor"] == "member"


def test_a_name_read_off_another_roles_line_is_the_reviewers_to_place() -> None:
    # The discharge record's reader took the doctor's name (治医师：董俊韩, its 主 lost) for the
    # patient's; the certificate names the member. Neither document is to be blamed: the reviewer
    # reads the patient's name, and the certificate is not told it names someone else.
    odd = discharge(id="1", patient_name="董俊韩")
    odd.fields["patient_name"].source_text = "治医师：董俊韩"
    odd.fields["patient_name"].confidence = 0.75
    c = check_claim("critical_illness", [odd, certificate(id="2", employee_name="钱倩红")], RULES)
    names = [(p.code, p.actor, p.document_id) for p in c.problems if "name" in p.code]
    assert names == [("name_near_mismatch", "reviewer", "1")] and c.complete
    # The same reading from the patient's own line is another person's name, for the member.
    odd.fields["patient_name"].source_text = "患者姓名：董俊韩"
    c = check_claim("critical_illness", [odd, certificate(id="2", employee_name="钱倩红")], RULES)
    assert [(p.code, p.actor) for p in c.problems if "name" in p.code] == [("name_mismatch", "member")]


def test_names_with_nothing_in_common_need_less_confidence_to_be_the_members() -> None:
    def claim_with(name: str, conf: float) -> Completeness:
        odd = certificate(employee_name=name)
        odd.fields["employee_name"].confidence = conf
        return check_claim("special_disease", [invoice(), discharge(), odd], RULES)

    # 0.75: unsure which name on the page is the employee's, but no misreading turns 张晓明 into 罗强国.
    assert only(claim_with("罗强国", 0.75), "name_mismatch")["actor"] == "member"
    # Sharing a character, the same confidence could be a misread: the reviewer's.
    assert only(claim_with("张建国", 0.75), "name_near_mismatch")["actor"] == "reviewer"
    # Against a name two documents read surely, checks.corroborated_mismatch_min (0.5) is enough:
    # their agreement is no misreading of ours, and no misreading of 张晓明 gives 罗强国.
    assert only(claim_with("罗强国", 0.55), "name_mismatch")["actor"] == "member"
    # Below it even a far name is the reviewer's.
    assert only(claim_with("罗强国", 0.45), "name_near_mismatch")["actor"] == "reviewer"
    # With one document to compare with, below checks.far_mismatch_min (0.6) it is the reviewer's.
    odd = certificate(employee_name="罗强国")
    odd.fields["employee_name"].confidence = 0.55
    c = check_claim("critical_illness", [discharge(), odd], RULES)
    assert only(c, "name_near_mismatch")["actor"] == "reviewer"


needs_cjk_font = pytest.mark.skipif(glyphs.similarity("汪", "江") is None, reason="no CJK font to draw glyphs with")


@needs_cjk_font
def test_a_name_misread_by_look_alike_characters_is_the_reviewers_however_sure() -> None:
    # 汪红晶 read 江红品 at 0.95: two characters off, each a look-alike (形近字) of the printed one.
    # Our misreading: the member must not be told the documents name someone else.
    c = check_claim("inpatient", [invoice(patient_name="汪红晶"), discharge(patient_name="江红品")], RULES)
    assert [(p.code, p.actor) for p in c.problems if "name" in p.code] == [("name_near_mismatch", "reviewer")]
    assert c.complete


@needs_cjk_font
def test_a_name_differing_in_unlike_characters_is_the_members_though_sharing_one() -> None:
    # 陶红秀 and 汪红晶 share 红, but no OCR slip turns 陶 into 汪 or 秀 into 晶: read at 0.75 (a
    # train claim's discharge record), another person's name, as with names sharing nothing.
    odd = discharge(patient_name="陶红秀")
    odd.fields["patient_name"].confidence = 0.75
    c = check_claim("inpatient", [invoice(patient_name="汪红晶"), odd], RULES)
    p = only(c, "name_mismatch")
    assert p["actor"] == "member" and p["document_id"] == "2" and not c.complete


def test_a_foreign_seal_is_shown_on_a_colour_copy() -> None:
    # seal_not_employer is the member's seal_mismatch; drawn on a grey scan it could only be the
    # reviewer's (no seal is verified on a grey copy: grey_certificate), and measured nothing of its own.
    for seed in range(8):
        claim = make_claim("seal_not_employer", "critical_illness", f"colour:{seed}", recipes=("scan", "photo"))
        (cert,) = [name for name, _ in claim.files if "form-uc" in name or "unit" in name]
        assert "-scan" not in cert, cert


@pytest.mark.parametrize("misread", ["兰琴", "慕容兰", "性别男", "住院号"])
def test_a_name_cut_short_or_a_label_read_as_a_name_is_the_reviewers(misread: str) -> None:
    # A compound surname lost, a name cut at a cell's edge, a form's label read as the value: read
    # surely or not, our misreading, never the member's documents naming someone else.
    odd = discharge(patient_name=misread)
    c = check_claim("inpatient", [invoice(patient_name="慕容兰琴"), odd], RULES)
    assert [(p.code, p.actor) for p in c.problems if "name" in p.code] == [("name_near_mismatch", "reviewer")]
    assert c.complete


def test_employee_name_on_the_certificate_is_compared_too() -> None:
    c = check_claim("special_disease", [invoice(), discharge(), certificate(employee_name="赵丽华")], RULES)
    assert only(c, "name_mismatch")["field"] == "employee_name"


# -- dates ---------------------------------------------------------------------------------------


def hospitals(invoice_hospital: str | None, clinical_hospital: str | None, conf: float = SURE) -> list[tuple[str, str]]:
    clinical = discharge(hospital_name=clinical_hospital)
    if clinical_hospital is not None:
        clinical.fields["hospital_name"].confidence = conf
    c = check_claim("inpatient", [invoice(hospital_name=invoice_hospital), clinical], RULES)
    return [(p.code, p.actor) for p in c.problems if "hospital" in p.code or p.field == "hospital_name"]


def test_another_hospital_is_the_members_even_one_number_apart() -> None:
    # 第一 and 第二医院 of one city are two hospitals, not one name misread by a character.
    assert hospitals("苏州大学附属第一医院", "苏州大学附属第二医院") == [("hospital_mismatch", "member")]
    assert hospitals("宁波市第二医院", "宁波市鄞州区第二医院") == [("hospital_mismatch", "member")]
    # A number lost, or a character misread that is no number, stays the reviewer's.
    assert hospitals("苏州大学附属第一医院", "苏州大学附属第医院") == [("hospital_near_mismatch", "reviewer")]
    assert hospitals("杭州市第一人民医院", "杭州市第一人民医阮") == [("hospital_near_mismatch", "reviewer")]


def test_one_hospital_in_its_long_and_short_forms_is_no_mismatch() -> None:
    assert hospitals("苏州大学附属第一医院", "苏州大学第一医院") == []
    assert hospitals("杭州市第一人民医院", "杭州市第一人民医院（本部）") == []
    assert hospitals("浙江省人民医院", "浙江省人民医院分院") == []
    # A short name inside the long one may be either: the reviewer looks.
    assert hospitals("宁波市鄞州区第二医院", "鄞州区第二医院") == [("hospital_near_mismatch", "reviewer")]


def test_a_clearly_different_hospital_read_fairly_surely_is_the_members() -> None:
    # Far more edits than a misread title, read at 0.7 (below the review threshold).
    assert hospitals("苏州大学附属第一医院", "苏州市立医院", conf=0.7) == [("hospital_mismatch", "member")]
    assert hospitals("苏州大学附属第一医院", "苏州市立医院", conf=0.5) == [("hospital_near_mismatch", "reviewer")]
    assert hospitals("南京鼓楼医院", "南京市第一医院", conf=0.7) == [("hospital_mismatch", "member")]
    # One number apart but read unsurely: 一 and 二 are what OCR confuses; the reviewer looks.
    assert hospitals("南京市第一医院", "南京市第二医院", conf=0.7) == [("hospital_near_mismatch", "reviewer")]


def test_a_hospital_not_read_on_one_document_is_the_reviewers_to_compare() -> None:
    assert hospitals("苏州市立医院", None) == [("field_missing", "reviewer")]
    assert hospitals(None, None) == []  # nothing to compare with: no finding


def test_discharge_before_admission() -> None:
    c = check_claim(
        "inpatient",
        [invoice(), discharge(admission_date="2024-03-10", discharge_date="2024-03-01", length_of_stay=9)],
        RULES,
    )
    p = only(c, "discharge_before_admission")
    assert p["severity"] == "error" and p["document_id"] == "2"
    assert "stay_days_mismatch" not in codes(c)  # reversed dates are reported once, not counted


def test_dates_a_day_apart_go_to_the_reviewer_and_another_stay_to_the_member() -> None:
    c = check_claim("inpatient", [invoice(admission_date="2024-02-29"), discharge()], RULES)
    p = only(c, "dates_disagree")
    assert p["document_id"] == "1" and p["field"] == "admission_date" and p["actor"] == "reviewer"
    assert c.complete
    c = check_claim("inpatient", [invoice(admission_date="2024-02-20"), discharge()], RULES)
    assert only(c, "dates_disagree")["actor"] == "member" and not c.complete
    unsure = invoice(admission_date="2024-02-20")
    unsure.fields["admission_date"].confidence = 0.5
    assert only(check_claim("inpatient", [unsure, discharge()], RULES), "dates_disagree")["actor"] == "reviewer"


def test_a_month_only_date_agrees_with_any_day_of_its_month() -> None:
    c = check_claim("inpatient", [invoice(), discharge(admission_date="2024-03", discharge_date="2024-03")], RULES)
    assert c.complete and not c.problems
    assert parse_span("2024-02").last.day == 29 and parse_span("2024-13-01") is None


@pytest.mark.parametrize(
    ("issued", "problem"),
    [
        ("2024-03-10", False),
        ("2024-03-01", False),
        ("2024-03-25", False),  # within the 15 days after discharge
        ("2024-02-28", True),
        ("2024-04-30", True),
    ],
)
def test_invoice_issued_outside_the_stay(issued: str, problem: bool) -> None:
    c = check_claim("inpatient", [invoice(issue_date=issued), discharge()], RULES)
    assert ("invoice_outside_stay" in codes(c, "error")) is problem


def test_the_bills_own_stay_dates_are_no_passed_over_issue_date() -> None:
    # Train seed lead1212: a bill issued in May, its 住院日期 of July printed beside it. The stay
    # dates the page offered for 开票日期 are the stay's print, read as such: the bill is of
    # another time, the member's to put right. The reading must be fairly sure (not confident).
    inv = invoice(issue_date="2023-11-05")
    inv.fields["issue_date"].confidence = 0.7
    inv.fields["admission_date"].box = (600, 100, 760, 130)
    inv.fields["issue_date"].alternatives = [Alternative("2024-03-01", 0.2, 1, (602, 101, 758, 129))]
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "invoice_outside_stay"] == [Actor.MEMBER]
    # A date within the stay printed elsewhere on the page may be the real 开票日期: the reviewer's.
    inv.fields["issue_date"].alternatives = [Alternative("2024-03-10", 0.2, 1, (100, 40, 260, 70))]
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "invoice_outside_stay"] == [Actor.REVIEWER]


def test_outpatient_invoices_are_not_held_to_the_stay() -> None:
    out = invoice(issue_date="2024-01-05", visit_type="outpatient", admission_date=None, discharge_date=None)
    assert check_claim("inpatient", [out, discharge()], RULES).complete


@pytest.mark.parametrize(("days", "problem"), [(9, False), (10, False), (8, True), (12, True)])
def test_stay_days_against_dates(days: int, problem: bool) -> None:
    c = check_claim("inpatient", [invoice(), discharge(length_of_stay=days)], RULES)
    assert ("stay_days_mismatch" in codes(c, "error")) is problem
    if problem:
        assert f"（{days}天）" in only(c, "stay_days_mismatch")["message"]


# -- money ---------------------------------------------------------------------------------------


def test_upper_differing_from_lower_is_an_error() -> None:
    c = check_claim("inpatient", [invoice(total_amount_upper="壹万叁仟叁佰肆拾伍元陆角柒分"), discharge()], RULES)
    p = only(c, "amount_upper_mismatch")
    assert p["severity"] == "error" and p["field"] == "total_amount_upper" and "12345.67" in p["message"]


def test_upper_against_a_total_its_own_parts_contradict_is_the_reviewers() -> None:
    # The read total (2744.00, a neighbouring cell) is below what its parts sum to (12345.67): it is
    # the total that was misread, not the invoice that was altered, so the member is not told to
    # bring another invoice.
    c = check_claim("inpatient", [invoice(total_amount="2744.00"), discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "amount_upper_mismatch"] == [Actor.REVIEWER]
    assert c.complete


def test_upper_altered_beside_consistent_parts_is_still_the_members() -> None:
    c = check_claim("inpatient", [invoice(total_amount_upper="壹万叁仟叁佰肆拾伍元陆角柒分"), discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "amount_upper_mismatch"] == [Actor.MEMBER]


@pytest.mark.parametrize(
    "total",
    # the jiao and fen lost; leading digits cut off at a cell edge; the decimal point lost
    ["12345.00", "2345.67", "345.67", "1234567.00"],
)
def test_upper_against_a_total_with_digits_lost_is_the_reviewers(total: str) -> None:
    inv = invoice(total_amount=total, insurance_paid="100.00", personal_copay="100.00", personal_selfpay="100.00")
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "amount_upper_mismatch"] == [Actor.REVIEWER]


def test_point_lost_beside_a_upper_that_lost_its_fen_is_the_reviewers() -> None:
    # 12345.67 read 1234567.00, its 大写 read without the 柒分: the same digits, both misread.
    inv = invoice(
        total_amount="1234567.00",
        total_amount_upper="壹万贰仟叁佰肆拾伍元陆角",
        insurance_paid="100.00",
        personal_copay="100.00",
        personal_selfpay="100.00",
    )
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "amount_upper_mismatch"] == [Actor.REVIEWER]
    # Another amount altogether, of as many digits, is still an altered invoice: the member's.
    inv = invoice(total_amount="5678.00", insurance_paid="100.00", personal_copay="100.00", personal_selfpay="100.00")
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "amount_upper_mismatch"] == [Actor.MEMBER]


def test_a_part_ten_times_its_total_is_a_misreading() -> None:
    c = check_claim("inpatient", [invoice(insurance_paid="2580409.71"), discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "amount_parts_mismatch"] == [Actor.REVIEWER]
    # A part a fifth over its share is a bill that does not add up: the member's.
    c = check_claim("inpatient", [invoice(insurance_paid="10500.00"), discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "amount_parts_mismatch"] == [Actor.MEMBER]


def test_a_part_one_digit_off_the_bill_adding_up_is_a_misreading() -> None:
    # 个人账户 read 6345.67 where 自付 + 自费 is 4345.67: a 6 for a 4, not an altered bill.
    c = check_claim("inpatient", [invoice(personal_account_paid="6345.67"), discharge()], RULES)
    assert [(p.code, p.actor) for p in c.problems if p.code.startswith("amount")] == [
        ("amount_parts_mismatch", "reviewer")
    ]
    assert c.complete
    # 统筹 read 8000.00 as 9000.00 beside a total its 大写 confirms: the part is the misread figure.
    c = check_claim("inpatient", [invoice(insurance_paid="9000.00"), discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "amount_parts_mismatch"] == [Actor.REVIEWER]


def test_parts_over_the_upper_amount_when_the_total_lost_its_decimal_point() -> None:
    # 12345.67 read 1234567.00: the parts stay under it, but not under the 大写, the bill's figure.
    c = check_claim("inpatient", [invoice(total_amount="1234567.00", insurance_paid="10500.00"), discharge()], RULES)
    found = [(p.code, p.actor) for p in c.problems if p.code.startswith("amount")]
    assert ("amount_parts_mismatch", "member") in found and ("amount_upper_mismatch", "reviewer") in found
    # A part the extractor doubted against that misread total is not sure against the 大写 either.
    inv = invoice(total_amount="1234567.00", personal_copay="5500.00", reasons={"personal_copay": ["parts_sum"]})
    inv.fields["personal_copay"].confidence = 0.3
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "amount_parts_mismatch"] == [Actor.REVIEWER] and c.complete
    # The same misread total on a bill whose parts add up: only the reviewer's look at the total.
    c = check_claim("inpatient", [invoice(total_amount="1234567.00"), discharge()], RULES)
    assert [(p.code, p.actor) for p in c.problems if p.code.startswith("amount")] == [
        ("amount_upper_mismatch", "reviewer")
    ]
    assert c.complete


def test_upper_altered_beside_a_part_read_a_digit_off_is_still_the_members() -> None:
    # 统筹 8000.00 read 8060.00 puts the parts 60.00 over the total; they still bear out the total
    # against a 大写 altered by 1003 yuan.
    inv = invoice(insurance_paid="8060.00", total_amount_upper="壹万叁仟叁佰肆拾捌元陆角柒分")
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "amount_upper_mismatch"] == [Actor.MEMBER]
    assert [p.actor for p in c.problems if p.code == "amount_parts_mismatch"] == [Actor.REVIEWER]


def test_upper_read_without_its_start_is_the_reviewers() -> None:
    # Train claims lead1208, a complete claim: 肆万贰仟壹佰柒拾伍元玖角叁分 printed, 拾伍元玖角叁分 read
    # (the line's first characters lost); the member was told the invoice's amounts disagree.
    # (Its digits 1593 are no run of 4217593's, so only the tail tells the misreading.)
    parts = {"insurance_paid": "23116.28", "personal_copay": "15148.70", "personal_selfpay": "3910.95"}
    inv = invoice(total_amount="42175.93", total_amount_upper="拾伍元玖角叁分", **parts)
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "amount_upper_mismatch"] == [Actor.REVIEWER]
    assert c.complete
    # An end that is not the total's own is another amount: still the member's.
    inv = invoice(total_amount="42175.93", total_amount_upper="拾陆元玖角叁分", **parts)
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert [p.actor for p in c.problems if p.code == "amount_upper_mismatch"] == [Actor.MEMBER]


def test_upper_that_does_not_parse_is_left_to_the_reviewer() -> None:
    c = check_claim("inpatient", [invoice(total_amount_upper="壹万贰仟叁佰肆拾伍元陆角柒分X"), discharge()], RULES)
    assert only(c, "amount_upper_unreadable")["severity"] == "warning" and c.complete


@pytest.mark.parametrize("fragment", ["零叁", "叁佰肆拾伍"])
def test_a_fragment_of_the_upper_is_not_compared(fragment: str) -> None:
    c = check_claim("inpatient", [invoice(total_amount_upper=fragment), discharge()], RULES)
    assert codes(c) == ["amount_upper_unreadable"] and c.complete


def test_extractor_flag_counts_when_the_upper_was_not_kept() -> None:
    inv = invoice(total_amount_upper=None, reasons={"total_amount": ["upper_mismatch"]})
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert codes(c, "error") == ["amount_upper_mismatch"]


def test_parts_exceeding_the_total() -> None:
    c = check_claim("inpatient", [invoice(insurance_paid="11000.00"), discharge()], RULES)
    p = only(c, "amount_parts_mismatch")
    assert p["severity"] == "error" and "15345.67" in p["message"] and "12345.67" in p["message"]


def test_personal_account_exceeding_what_the_member_paid() -> None:
    c = check_claim("inpatient", [invoice(personal_account_paid="5000.00"), discharge()], RULES)
    assert only(c, "amount_parts_mismatch")["field"] == "personal_account_paid"


def test_parts_below_the_total_may_be_other_payers() -> None:
    # 其他支付 is not a contract field: a shortfall is not a defect.
    assert check_claim("inpatient", [invoice(insurance_paid="7000.00"), discharge()], RULES).complete


def test_parts_sum_flag_from_the_extractor_is_a_warning() -> None:
    c = check_claim("inpatient", [invoice(reasons={"insurance_paid": ["parts_sum"]}), discharge()], RULES)
    assert only(c, "amount_parts_flagged")["severity"] == "warning" and c.complete


# -- seals ---------------------------------------------------------------------------------------


def test_certificate_without_seal() -> None:
    c = check_claim("special_disease", [invoice(), discharge(), certificate(seal={"present": False})], RULES)
    p = only(c, "seal_missing")
    assert p["severity"] == "error" and p["document_id"] == "3" and "未加盖单位公章" in p["message"]
    c = check_claim("special_disease", [invoice(), discharge(), certificate(seal=None)], RULES)
    assert "seal_missing" in codes(c, "error")


def test_a_ring_read_whole_as_another_unit_is_the_members_though_the_lattices_were_unsure() -> None:
    # The ring verification was unsure of the employer's name, and the ring reads, whole, another
    # unit's: someone else's seal on a colour copy, for the member to replace.
    seal = {
        "present": True,
        "text": "杭州金桥港务股份有限公司",
        "lattices": [{"blank": [0.0], "chars": ["杭"], "logp": [[0.0]]}],
    }
    seal["verification"] = {
        "expected": "宁波华信科技有限公司",
        "verdict": "unsure",
        "reading": "杭州金桥港务股份有限公司",
    }
    c = check_claim("special_disease", [invoice(), discharge(), certificate(seal=seal)], RULES)
    assert only(c, "seal_mismatch")["actor"] == "member" and not c.complete
    # The employer's name read only fairly surely (0.75): no misreading of it gives another company.
    cert = certificate(seal={**seal, "verification": {**seal["verification"], "verdict": "other"}})
    cert.fields["employer_name"].confidence = 0.75
    c = check_claim("special_disease", [invoice(), discharge(), cert], RULES)
    assert only(c, "seal_mismatch")["actor"] == "member"
    # A garbled ring (a faint seal on a photo) names no unit: not the member's.
    garbled = {**seal, "text": "《8务限任间"}
    c = check_claim("special_disease", [invoice(), discharge(), certificate(seal=garbled)], RULES)
    assert "seal_mismatch" not in codes(c) and c.complete
    # A ring read with most of the name kept is a misread ring: not the member's.
    seal = {**seal, "text": "宁波华言科枝有限公司"}
    c = check_claim("special_disease", [invoice(), discharge(), certificate(seal=seal)], RULES)
    assert "seal_mismatch" not in codes(c) and c.complete


def test_certificate_copied_in_black_and_white() -> None:
    cert = certificate(seal={"present": False})
    cert.fields["seal"].reasons.append(Reason.GREY_COPY)
    p = only(check_claim("special_disease", [invoice(), discharge(), cert], RULES), "seal_unverifiable")
    assert p["actor"] == "reviewer" and "审核人员" in p["message"]
    members = RULES.model_copy(
        update={"checks": RULES.checks.model_copy(update={"unverifiable_seal_actor": Actor.MEMBER})}
    )
    p = only(check_claim("special_disease", [invoice(), discharge(), cert], members), "seal_unverifiable")
    assert p["severity"] == "error" and "彩色" in p["message"]


def test_seal_of_another_company() -> None:
    cert = certificate(seal={"present": True, "text": "宁波东海物流有限公司"})
    p = only(check_claim("special_disease", [invoice(), discharge(), cert], RULES), "seal_mismatch")
    assert p["severity"] == "error" and "宁波东海物流有限公司" in p["message"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("宁波华信科技有限公司人事专用章", None),  # the ring carries more than the name
        ("宁波华信科技有限公", "seal_near_mismatch"),  # a character lost under the ink
        ("", "seal_text_unreadable"),
    ],
)
def test_seal_text_read_imperfectly_is_for_the_reviewer(text: str, code: str | None) -> None:
    seal = {"present": True, **({"text": text} if text else {})}
    c = check_claim("special_disease", [invoice(), discharge(), certificate(seal=seal)], RULES)
    assert c.complete
    assert codes(c) == ([code] if code else [])


def test_invoice_seal_is_not_required() -> None:
    assert check_claim("inpatient", [invoice(seal={"present": False}), discharge()], RULES).complete


# -- invoices claimed twice ----------------------------------------------------------------------


def test_invoice_keys() -> None:
    assert invoice_keys(invoice(invoice_code=" 3301 0121", check_code="A1B2C3")) == [
        "no:33010121/0012345678",
        "check:A1B2C3",
        "bill:0012345678/2024-03-10/12345.67",
        "batch:33010121/2024-03-10/12345.67",
    ]
    assert invoice_keys(invoice(invoice_code=None, check_code=None, invoice_number=None)) == []
    assert invoice_keys(discharge()) == []


def test_same_invoice_twice_in_one_claim() -> None:
    c = check_claim("inpatient", [invoice("1"), invoice("2"), discharge("3")], RULES)
    p = only(c, "invoice_duplicate")
    assert p["document_id"] == "2" and "0012345678" in p["message"]
    # The 校验码 alone identifies an electronic invoice whose code was not read.
    c = check_claim("inpatient", [invoice("1"), invoice("2", invoice_code=None), discharge("3")], RULES)
    assert "invoice_duplicate" in codes(c, "error")


def test_invoice_without_readable_numbers_cannot_be_checked_for_reuse() -> None:
    inv = invoice(invoice_code=None, check_code=None, invoice_number=None)
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert "invoice_unidentified" in codes(c, "warning") and c.complete


def test_invoice_claimed_by_an_earlier_claim(tmp_path: Path) -> None:
    registry = LocalInvoiceRegistry(tmp_path / "reg.json")
    registry.hold(invoice_keys(invoice()), "claim-A")
    c = check_claim("inpatient", [invoice(), discharge()], RULES, registry, claim_id="claim-B")
    p = only(c, "invoice_claimed_before")
    assert p["severity"] == "error" and p["document_id"] == "1"
    # Checking claim A again does not find its own invoice.
    assert check_claim("inpatient", [invoice(), discharge()], RULES, registry, claim_id="claim-A").complete


def test_invoice_claimed_before_is_found_though_its_number_was_misread(tmp_path: Path) -> None:
    # The earlier claim holds the invoice by its true numbers; this one read the 票据号码 a digit
    # off (0012345678 as 0012345670) and no 校验码: its code, date and total still name the bill.
    registry = LocalInvoiceRegistry(tmp_path / "reg.json")
    registry.hold(invoice_keys(invoice()), "claim-A")
    misread = invoice(invoice_number="0012345670", check_code=None)
    c = check_claim("inpatient", [misread, discharge()], RULES, registry, claim_id="claim-B")
    assert only(c, "invoice_claimed_before")["actor"] == "member"
    # Another bill of the same batch, another day or total, is not that invoice.
    other = invoice(invoice_number="0012345670", check_code=None, total_amount="2345.67")
    c = check_claim("inpatient", [other, discharge()], RULES, registry, claim_id="claim-B")
    assert "invoice_claimed_before" not in codes(c)


def test_parts_the_extractor_saw_fail_are_flagged_though_the_read_parts_hold() -> None:
    # 统筹 doubted for exceeding the total with the page's other parts, which were not read here.
    inv = invoice(personal_account_paid=None, personal_copay=None, personal_selfpay=None)
    inv.fields["insurance_paid"].reasons.append(Reason.PARTS_EXCEED_TOTAL)
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert only(c, "amount_parts_flagged")["actor"] == "reviewer" and c.complete


def test_local_registry_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sub" / "invoices.json"
    registry = LocalInvoiceRegistry(path)
    assert registry.earlier_claims(["k1"], "x") == {}
    registry.hold(["k1", "k2"], "A")
    registry.hold(["k1", "k2"], "A")  # idempotent
    registry.hold(["k1"], "B")
    assert json.loads(path.read_text())["keys"] == {"k1": ["A", "B"], "k2": ["A"]}
    assert registry.earlier_claims(["k1", "k2", "k3"], "A") == {"k1": "B"}
    assert registry.earlier_claims(["k1", "k2"], "C") == {"k1": "A", "k2": "A"}
    assert not list(path.parent.glob("*.tmp"))
    path.write_text("{broken", encoding="utf-8")
    with pytest.raises(RegistryError, match="cannot read it"):
        registry.earlier_claims(["k1"], "A")
    path.write_text('{"version": 1, "keys": {"k1": ["A", "B"], "k2": ["A"]}}', encoding="utf-8")
    registry.hold([], "A")  # a claim that is no longer complete holds nothing
    assert json.loads(path.read_text())["keys"] == {"k1": ["B"]}
    monkeypatch.setenv("INTAKE_DATA_DIR", str(tmp_path / "data"))
    assert default_registry_path() == tmp_path / "data" / "invoices.json"
    monkeypatch.setenv("INTAKE_REGISTRY", str(tmp_path / "elsewhere.json"))
    assert default_registry_path() == tmp_path / "elsewhere.json"


# -- diagnoses and sex ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("diagnosis", "expected"),
    [
        ({"text": "乳腺恶性肿瘤", "icd10": "C50.900"}, "listed"),
        ({"text": "右乳癌"}, "listed"),  # by name, no code printed
        ({"text": "双侧乳腺恶性肿瘤", "icd10": "C50.900x005"}, "listed"),
        ({"text": "右侧乳腺恶性肿瘤伴腋窝淋巴结转移"}, "loose"),  # a listed name inside the text
        ({"text": "卵巢交界性肿瘤", "icd10": "C56.x01"}, "listed"),  # by the configured code prefix
        ({"text": "肺炎", "icd10": "J18.900"}, "no"),
        ({"text": "子宫平滑肌瘤", "icd10": "D25.900"}, "no"),
    ],
)
def test_diagnosis_matching_for_female_special(diagnosis: dict[str, str], expected: str) -> None:
    diseases = RULES.claim("female_special").diseases
    assert diseases is not None
    assert diagnosis_match(Diagnosis.from_json(diagnosis), diseases) == expected


def test_table_groups_decide_within_one_category() -> None:
    # 脑梗死 (I63.900) is a critical illness; 腔隙性脑梗死 (I63.801) is not.
    critical = DiseaseList(groups=("critical_illness",))
    assert diagnosis_match(Diagnosis.from_json({"text": "脑梗死", "icd10": "I63.900"}), critical) == "listed"
    assert diagnosis_match(Diagnosis.from_json({"text": "腔隙性脑梗死", "icd10": "I63.801"}), critical) == "no"
    assert diagnosis_match(Diagnosis.from_json({"text": "腔隙性脑梗死"}), critical) == "no"


def test_diagnosis_outside_the_list_is_an_error() -> None:
    dx = [{"text": "肺炎", "icd10": "J18.900"}, {"text": "原发性高血压", "icd10": "I10.x09"}]
    c = check_claim("critical_illness", [discharge(id="1", diagnoses=dx), certificate(id="2")], RULES)
    p = only(c, "diagnosis_not_listed")
    assert p["severity"] == "error" and "肺炎" in p["message"] and "原发性高血压" in p["message"]


def test_not_listed_is_doubtful_only_when_a_diagnosis_was_not_recognized() -> None:
    def claim(dx: list[dict[str, str]]) -> Completeness:
        d = discharge(id="1", diagnoses=dx)
        d.fields["diagnoses"].confidence = 0.5  # a faint line somewhere in the list
        return check_claim("critical_illness", [d, certificate(id="2")], RULES)

    coded = claim([{"text": "肺炎", "icd10": "J18.900"}, {"text": "高血压"}])
    assert [p.severity for p in coded.problems if p.code == "diagnosis_not_listed"] == ["error"]
    unknown = claim([{"text": "肺炎", "icd10": "J18.900"}, {"text": "右肺恶忄生肿瘤"}])
    assert [p.severity for p in unknown.problems if p.code == "diagnosis_not_listed"] == ["warning"]
    # A line that runs a known unlisted disease into more words is still known for what it is.
    longer = claim([{"text": "多发胆囊结石"}])
    assert [(p.code, p.actor) for p in longer.problems if "diagnosis" in p.code] == [("diagnosis_not_listed", "member")]


def test_one_listed_diagnosis_among_others_is_enough() -> None:
    dx = [{"text": "肺炎", "icd10": "J18.900"}, {"text": "肺癌", "icd10": "C34.900x001"}]
    assert check_claim("critical_illness", [discharge(id="1", diagnoses=dx), certificate(id="2")], RULES).complete


def test_male_patient_on_female_special() -> None:
    c = check_claim("female_special", [discharge(id="1", sex="男")], RULES)
    p = only(c, "sex_not_eligible")
    assert p["severity"] == "error" and p["field"] == "sex" and "女" in p["message"]


def test_sex_from_the_id_number_when_no_document_prints_it() -> None:
    male_id = "33020319800101001X"  # 17th digit odd
    c = check_claim("female_special", [discharge(id="1", sex=None), certificate(id="2", id_number=male_id)], RULES)
    assert only(c, "sex_not_eligible")["field"] == "id_number"
    c = check_claim("female_special", [discharge(id="1", sex=None)], RULES)
    assert codes(c) == ["sex_unknown"] and c.complete


def test_small_helpers() -> None:
    assert edit_distance("张晓明", "张晓朋") == 1 and edit_distance("", "ab") == 2
    assert substring_distance("华信科技", "宁波华信科技有限公司") == 0
    assert substring_distance("华信科技", "宁波华新科技有限公司") == 1


# -- the extractor's own cross-checks ------------------------------------------------------------


def _penalize(d: Document, reason: str, *names: str) -> Document:
    """What intake/extract/crosschecks.py does to a value that fails a cross-check."""
    for n in names:
        d.fields[n].reasons.append(reason)
        d.fields[n].confidence = 0.3
    return d


def test_an_inconsistency_the_extractor_also_saw_stays_an_error() -> None:
    inv = _penalize(
        invoice(total_amount_upper="壹万叁仟叁佰肆拾伍元陆角柒分"),
        "upper_mismatch",
        "total_amount",
        "total_amount_upper",
    )
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert codes(c) == ["amount_upper_mismatch"] and not c.complete

    dis = _penalize(discharge(length_of_stay=14), "stay_days", "length_of_stay")
    assert codes(check_claim("inpatient", [invoice(), dis], RULES), "error") == ["stay_days_mismatch"]

    inv = _penalize(invoice(insurance_paid="11000.00"), "parts_exceed_total", "insurance_paid", "personal_copay")
    assert codes(check_claim("inpatient", [inv, discharge()], RULES)) == ["amount_parts_mismatch"]


def test_a_value_doubted_for_another_reason_softens_the_finding() -> None:
    inv = _penalize(invoice(total_amount_upper="壹万叁仟叁佰肆拾伍元陆角柒分"), "digit_count", "total_amount")
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert [p.severity for p in c.problems if p.code == "amount_upper_mismatch"] == ["warning"]


def test_a_privacy_blanked_date_is_not_a_problem() -> None:
    dis = _penalize(
        discharge(admission_date="2024-03", discharge_date="2024-03"),
        "partial_date",
        "admission_date",
        "discharge_date",
    )
    c = check_claim("inpatient", [invoice(), dis], RULES)
    assert c.complete and not c.problems


@needs_cjk_font
def test_a_shorter_name_differing_in_an_unlike_character_is_another_persons() -> None:
    # 胡欣 on the invoice (read at 0.78) against 汪慧欣 read surely on two documents: a character
    # lost and 胡 turned into 汪 are two slips of different kinds, not one misreading.
    odd = invoice(patient_name="胡欣")
    odd.fields["patient_name"].confidence = 0.78
    docs = [odd, discharge(patient_name="汪慧欣"), certificate(employee_name="汪慧欣")]
    p = only(check_claim("special_disease", docs, RULES), "name_mismatch")
    assert p["actor"] == "member" and p["document_id"] == "1"
    # A name with one character lost and none changed stays the reviewer's: a cell cut short.
    short = invoice(patient_name="汪欣")
    c = check_claim(
        "special_disease", [short, discharge(patient_name="汪慧欣"), certificate(employee_name="汪慧欣")], RULES
    )
    assert [(p.code, p.actor) for p in c.problems if "name" in p.code] == [("name_near_mismatch", "reviewer")]
