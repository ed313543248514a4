"""Names, hospitals and seals compared across a claim's documents: who must act on a difference."""

from __future__ import annotations

from typing import Any

from intake.check.checks import check_claim, clearly_another_name
from intake.check.claim_rules import load_rules
from intake.elements.findings import Completeness
from intake.vocabulary import DocType
from tests.test_claims_checks import certificate, discharge, invoice, needs_cjk_font

RULES = load_rules()


def found(c: Completeness, word: str) -> list[tuple[str, str]]:
    return [(p.code, p.actor.value) for p in c.problems if word in p.code or p.field == f"{word}_name"]


def ring(text: str, expected: str, verdict: str, reading: str | None = None) -> dict[str, Any]:
    """A seal read as text, with the verdict the verifier gave it for the expected name (the
    lattices are a stand-in: the check takes the verification extraction kept)."""
    return {
        "present": True,
        "text": text,
        "lattices": [{"blank": [0.0], "chars": [text[0]], "logp": [[0.0]]}],
        "verification": {"expected": expected, "verdict": verdict, "reading": reading or text},
    }


def unsure_invoice(hospital: str, seal: dict[str, Any], conf: float = 0.5) -> Any:
    bill = invoice(hospital_name=hospital, seal=seal)
    bill.fields["hospital_name"].confidence = conf
    return bill


def test_an_unsure_hospital_borne_out_by_its_own_seal_is_compared_as_read_surely() -> None:
    # The invoice's 广州市第一人民医院 read at 0.5, its 收费专用章 read 州市第一人 (a piece of that very
    # name), the discharge record's hospital another one altogether: the member's.
    ring = {"present": True, "text": "州市第一人"}
    clinical = discharge(hospital_name="中山大学附属第一医院")
    c = check_claim("inpatient", [unsure_invoice("广州市第一人民医院", ring), clinical], RULES)
    assert found(c, "hospital") == [("hospital_mismatch", "member")] and not c.complete
    # Without a seal to bear it out, the unsure reading is the reviewer's to compare.
    c = check_claim("inpatient", [unsure_invoice("广州市第一人民医院", {"present": False}), clinical], RULES)
    assert found(c, "hospital") == [("hospital_near_mismatch", "reviewer")] and c.complete
    # A ring read only as the words every hospital's seal carries bears out no hospital.
    generic = {"present": True, "text": "人民医院"}
    c = check_claim("inpatient", [unsure_invoice("广州市第一人民医院", generic), clinical], RULES)
    assert found(c, "hospital") == [("hospital_near_mismatch", "reviewer")]


def test_a_seal_saying_the_other_documents_hospital_makes_the_print_our_misreading() -> None:
    # The invoice's print read as another hospital surely, but its ring says the hospital the
    # discharge record names: the print was misread (or another name on the page chosen).
    ring = {"present": True, "text": "中山大学附属第一医院"}
    bill = unsure_invoice("广州市第一人民医院", ring, conf=0.95)
    c = check_claim("inpatient", [bill, discharge(hospital_name="中山大学附属第一医院")], RULES)
    assert found(c, "hospital") == [("hospital_near_mismatch", "reviewer")] and c.complete


def test_a_hospital_read_off_a_seal_alone_is_never_the_members_though_two_documents_agree() -> None:
    # extract.unlabelled.name_from_seal caps such a name at 0.55, under far_mismatch_min on purpose.
    bill = unsure_invoice("广州市第一人民医院", {"present": True, "text": "广州市第一人民医院"}, conf=0.55)
    bill.fields["hospital_name"].doubts.append("from_seal")
    others = [
        discharge(hospital_name="中山大学附属第一医院"),
        discharge("4", DocType.DIAGNOSIS, hospital_name="中山大学附属第一医院"),
    ]
    c = check_claim("inpatient", [bill, *others], RULES)
    assert found(c, "hospital") == [("hospital_near_mismatch", "reviewer")]


def test_a_name_far_from_what_two_documents_read_surely_is_the_members_at_lower_confidence() -> None:
    # 贾月婷 read 贯月婷 at 0.54 on the certificate, 胡红敏 read at 0.95 on invoice and discharge
    # record: no misreading of 胡红敏 gives it; the documents name two people.
    odd = certificate(employee_name="贯月婷")
    odd.fields["employee_name"].confidence = 0.54
    both = [invoice(patient_name="胡红敏"), discharge(patient_name="胡红敏")]
    c = check_claim("special_disease", [*both, odd], RULES)
    assert found(c, "name") == [("name_mismatch", "member")] and not c.complete
    # The one other document read unsurely (0.7): no agreement to lean on, the reviewer's.
    unsure = discharge(patient_name="胡红敏")
    unsure.fields["patient_name"].confidence = 0.7
    c = check_claim("special_disease", [invoice(patient_name="胡红敏"), unsure, odd], RULES)
    assert found(c, "name") == [("name_near_mismatch", "reviewer")]


def test_a_ring_read_with_letter_noise_still_names_another_unit() -> None:
    # 宁波恒通服装股份有限公司's ring read 办二恒通化IA9G用公司 on another employer's certificate.
    assert clearly_another_name("办二恒通化IA9G用公司", "深圳鼎力科技集团有限公司")
    # The employer's own ring read with noise keeps its name's characters: no other unit.
    assert not clearly_another_name("深圳鼎IA力科技集团有限公司", "深圳鼎力科技集团有限公司")
    # Mostly noise, or not ending as a unit's name ends: no name at all.
    assert not clearly_another_name("办二A9GXKQ用公司", "深圳鼎力科技集团有限公司")
    assert not clearly_another_name("《8务限任间", "深圳鼎力科技集团有限公司")
    seal = ring("办二恒通化IA9G用公司", "深圳鼎力科技集团有限公司", "unsure", reading="办二恒通化用公司")
    cert = certificate(employer_name="深圳鼎力科技集团有限公司", seal=seal)
    c = check_claim("special_disease", [invoice(), discharge(), cert], RULES)
    assert [(p.code, p.actor.value) for p in c.problems if "seal" in p.code] == [("seal_mismatch", "member")]


def test_an_unsure_ring_on_a_colour_page_is_unread_text_not_a_grey_copy() -> None:
    # The lattices unsure of the employer's name on a colour photo of a faint seal: the reviewer
    # reads the ring. It is not a grey copy, and an operator who makes grey copies the member's
    # (unverifiable_seal_actor) does not make a faint ring the member's.
    seal = ring("宁波华信科枝", "宁波华信科技有限公司", "unsure")
    strict = RULES.model_copy(update={"checks": RULES.checks.model_copy(update={"unverifiable_seal_actor": "member"})})
    for rules in (RULES, strict):
        c = check_claim("special_disease", [invoice(), discharge(), certificate(seal=seal)], rules)
        assert [(p.code, p.actor.value) for p in c.problems if "seal" in p.code] == [
            ("seal_text_unreadable", "reviewer")
        ]
        assert c.complete


def test_a_unit_of_the_same_city_is_another_unit() -> None:
    # Two companies of 上海 share the city and the company form, nothing of their trade names.
    assert clearly_another_name("上海金桥纺织有限公司", "上海永盛汽车零部件股份有限公司")
    # The employer's own ring misread in a character or two keeps its trade name: not another.
    assert not clearly_another_name("上海永感汽车零部件股份有限公司", "上海永盛汽车零部件股份有限公司")
    # A branch of the employer shares its trade name: no clear other unit either.
    assert not clearly_another_name("上海永盛汽车零部件嘉定分公司", "上海永盛汽车零部件股份有限公司")


def test_a_unit_of_the_same_trade_elsewhere_is_another_unit() -> None:
    # 浙江新华服装 and 宁波恒通服装 share their trade and company form, nothing else: read exactly
    # on the employer's certificate, the ring is another unit's, the member's to put right.
    assert clearly_another_name("浙江新华服装有限责任公司", "宁波恒通服装有限公司")
    seal = ring("浙江新华服装有限责任公司", "宁波恒通服装有限公司", "other")
    cert = certificate(employer_name="宁波恒通服装有限公司", seal=seal)
    cert.fields["employer_name"].confidence = 0.73
    c = check_claim("special_disease", [invoice(), discharge(), cert], RULES)
    assert [(p.code, p.actor.value) for p in c.problems if "seal" in p.code] == [("seal_mismatch", "member")]
    # A school's ring is a unit's name too (train seed lead1211: 宁波市第七中学 read exactly).
    assert clearly_another_name("宁波市第七中学", "上海凯达服装股份有限公司")
    # The same trade in the same city, and only the two-character trade name differs: too little
    # left to be sure it is not the employer's ring misread.
    assert not clearly_another_name("宁波新华服装有限公司", "宁波恒通服装有限公司")
    # The employer's own ring with its trade name misread keeps its region and trade: not another.
    assert not clearly_another_name("苏州水醫医药有限公司", "苏州永盛医药有限公司")
    # Its middle garbled with the trade kept, the lattices unsure: the ring still reads as more than
    # half the employer's own characters (零部件 kept), so it is the reviewer's, not the member's.
    seal = ring("上海东区湖吧零部件股份有限公司", "上海永盛汽车零部件股份有限公司", "unsure")
    cert = certificate(employer_name="上海永盛汽车零部件股份有限公司", seal=seal)
    c = check_claim("special_disease", [invoice(), discharge(), cert], RULES)
    assert [(p.code, p.actor.value) for p in c.problems if "seal" in p.code] == [("seal_text_unreadable", "reviewer")]


def test_leftovers_of_a_misread_company_form_are_no_trade_name() -> None:
    # 杭州新华建设工程集团有限公司's own ring read 杭州点程集公限公司 on a photo: what is left once
    # the region and the misread 集团有限公司 are set aside is too little to name another unit.
    assert not clearly_another_name("杭州点程集公限公司", "杭州新华建设工程集团有限公司")
    seal = ring("杭州点程集公限公司", "杭州新华建设工程集团有限公司", "unsure", reading="杭州点建品程集公限公司")
    cert = certificate(employer_name="杭州新华建设工程集团有限公司", seal=seal)
    c = check_claim("special_disease", [invoice(), discharge(), cert], RULES)
    assert [(p.code, p.actor.value) for p in c.problems if "seal" in p.code] == [("seal_text_unreadable", "reviewer")]
    assert c.complete


def test_a_union_or_government_office_is_another_unit() -> None:
    # A member's certificate stamped by the city's trade union, read exactly: another unit's seal.
    assert clearly_another_name("宁波市总工会", "成都鼎力纺织股份有限公司")
    assert clearly_another_name("宁波市海曙区人民政府", "成都鼎力纺织股份有限公司")
    seal = ring("宁波市总工会", "成都鼎力纺织股份有限公司", "unsure")
    cert = certificate(employer_name="成都鼎力纺织股份有限公司", seal=seal)
    c = check_claim("special_disease", [invoice(), discharge(), cert], RULES)
    assert [(p.code, p.actor.value) for p in c.problems if "seal" in p.code] == [("seal_mismatch", "member")]


@needs_cjk_font
def test_a_ring_the_lattices_call_another_but_read_as_most_of_the_name_is_the_reviewers() -> None:
    # The employer's own ring on a photo read 苏州水醫医药有限 (水 a look-alike of 永), the lattices
    # calling it another name: a misreading for the reviewer, never a member's seal_mismatch.
    name = "苏州永盛医药有限公司"
    cert = certificate(employer_name=name, seal=ring("苏州水醫医药有限", name, "other"))
    c = check_claim("special_disease", [invoice(), discharge(), cert], RULES)
    assert [(p.code, p.actor.value) for p in c.problems if "seal" in p.code] == [("seal_near_mismatch", "reviewer")]
    assert c.complete
    # Another company of the same city and trade keeps only the trade: another unit's seal.
    name = "宁波永盛港务集团有限公司"
    cert = certificate(employer_name=name, seal=ring("宁波华信港务股份有限公司", name, "other"))
    c = check_claim("special_disease", [invoice(), discharge(), cert], RULES)
    assert [(p.code, p.actor.value) for p in c.problems if "seal" in p.code] == [("seal_mismatch", "member")]


def test_no_seal_found_where_the_units_name_was_read_poorly_is_the_reviewers() -> None:
    # Seals are stamped over the unit's name: a name read at 0.4 where no seal was found is as
    # likely a seal missed as none stamped. Read surely, no seal found is the member's to mend.
    poor = certificate(employer_name="州中联电子集团有限公司", seal={"present": False})
    poor.fields["employer_name"].confidence = 0.4
    c = check_claim("special_disease", [invoice(), discharge(), poor], RULES)
    (p,) = [p for p in c.problems if p.code == "seal_missing"]
    assert p.actor.value == "reviewer" and "审核人员" in p.message
    c = check_claim("special_disease", [invoice(), discharge(), certificate(seal={"present": False})], RULES)
    (p,) = [p for p in c.problems if p.code == "seal_missing"]
    assert p.actor.value == "member" and not c.complete
