"""The date checks when dates were read unsurely: who acts on a contradiction between dates.

A date read below the review threshold is the reviewer's unless the reading has other evidence:
another document read the same day, or the date differs from the stay in more than one digit, so no
single misread explains it.
"""

from __future__ import annotations

from typing import Any

import pytest

from intake.check.checks import check_claim
from intake.check.claim_rules import PolicyPeriod, Rules, load_rules
from intake.elements.document import Alternative, Document
from intake.elements.findings import Completeness
from intake.vocabulary import DocType
from intake_lab.synth.claims import form_layouts, make_claim

from .test_claims_checks import discharge, invoice

RULES = load_rules()


def found(c: Completeness, code: str) -> list[tuple[str, str | None, str | None]]:
    return [(p.actor.value, p.document_id, p.field) for p in c.problems if p.code == code]


def unsure(d: Document, conf: float, *names: str) -> Document:
    for n in names:
        d.fields[n].confidence = conf
    return d


# -- a bill issued outside the stay --------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued", "conf", "actor"),
    [
        ("2024-09-27", 0.7, "member"),  # months after, no one digit from a day of the stay
        ("2024-09-27", 0.5, "reviewer"),  # but read as a guess
        ("2024-08-10", 0.7, "reviewer"),  # 03 read 08: one digit from the discharge day
        ("2024-09-27", 0.95, "member"),
        ("2024-08-10", 0.95, "member"),
    ],
)
def test_a_bill_of_another_time_is_the_members_when_no_misread_explains_it(
    issued: str, conf: float, actor: str
) -> None:
    inv = unsure(invoice(issue_date=issued), conf, "issue_date")
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert found(c, "invoice_outside_stay") == [(actor, "1", "issue_date")]
    assert c.complete == (actor == "reviewer")


def test_a_far_bill_date_is_the_reviewers_when_the_page_offered_a_date_of_the_stay() -> None:
    inv = unsure(invoice(issue_date="2024-09-27"), 0.7, "issue_date")
    inv.fields["issue_date"].alternatives.append(Alternative("2024-03-10", 0.3, 1))
    assert found(check_claim("inpatient", [inv, discharge()], RULES), "invoice_outside_stay")[0][0] == "reviewer"


def test_a_far_bill_date_is_the_reviewers_when_the_stay_itself_was_read_unsurely() -> None:
    inv = unsure(invoice(issue_date="2024-09-27", admission_date=None, discharge_date=None), 0.7, "issue_date")
    dis = unsure(discharge(), 0.5, "admission_date", "discharge_date")
    assert found(check_claim("inpatient", [inv, dis], RULES), "invoice_outside_stay")[0][0] == "reviewer"


# -- discharge before admission ------------------------------------------------------------------


def test_dates_reversed_against_the_other_documents_reading_are_the_members() -> None:
    # The discharge record prints the stay's two days the other way round; the invoice's 住院日期
    # read them in order: each day is confirmed by the other reading although read at 0.7.
    dis = unsure(
        discharge(admission_date="2024-03-10", discharge_date="2024-03-01"), 0.7, "admission_date", "discharge_date"
    )
    inv = unsure(invoice(), 0.7, "admission_date", "discharge_date")
    c = check_claim("inpatient", [inv, dis], RULES)
    assert ("member", "2", "discharge_date") in found(c, "discharge_before_admission")
    assert not c.complete


def test_dates_reversed_and_read_unsurely_alone_are_the_reviewers() -> None:
    dis = unsure(
        discharge(admission_date="2024-03-10", discharge_date="2024-03-01"), 0.7, "admission_date", "discharge_date"
    )
    inv = invoice(admission_date=None, discharge_date=None)
    c = check_claim("inpatient", [inv, dis], RULES)
    assert found(c, "discharge_before_admission") == [("reviewer", "2", "discharge_date")]
    assert c.complete


# -- 住院天数 and the dates of the stay -----------------------------------------------------------


def _stay_claim(los: int, **dates: Any) -> list[Document]:
    dis = unsure(discharge(length_of_stay=los, **dates), 0.53, "discharge_date")
    return [invoice(), dis]


def test_stay_days_are_counted_on_the_dates_read_surest() -> None:
    # The record's 出院日期 read 03-05 at 0.53, the invoice's 03-10 surely: 住院天数 20 fits neither
    # the record's 4 days nor the invoice's 9: the member's.
    c = check_claim("inpatient", _stay_claim(20, discharge_date="2024-03-05"), RULES)
    assert found(c, "stay_days_mismatch") == [("member", "2", "length_of_stay")]
    assert "2024-03-01至2024-03-10，9天" in next(p.message for p in c.problems if p.code == "stay_days_mismatch")


def test_stay_days_that_fit_the_surely_read_stay_are_the_reviewers() -> None:
    # 9 days fit the invoice's stay: the record's misread 出院日期 is what disagrees.
    c = check_claim("inpatient", _stay_claim(9, discharge_date="2024-03-05"), RULES)
    assert [a for a, *_ in found(c, "stay_days_mismatch")] == ["reviewer"]
    assert c.complete


def test_one_day_read_alike_on_two_documents_is_sure() -> None:
    # Both documents read the admission 2024-02-20 at 0.7: together surer than the threshold, and
    # a fortnight from the discharge record's admission (another stay).
    inv = unsure(invoice(admission_date="2024-02-20"), 0.7, "admission_date")
    dis = discharge()
    alone = check_claim("inpatient", [inv, dis], RULES)
    assert found(alone, "dates_disagree") == [("reviewer", "1", "admission_date")]
    certificate = unsure(
        discharge(id="3", doc_type=DocType.DIAGNOSIS, admission_date="2024-02-20"), 0.7, "admission_date"
    )
    c = check_claim("inpatient", [inv, dis, certificate], RULES)
    assert ("member", "1", "admission_date") in found(c, "dates_disagree")


# -- the generator ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", ["s0", "s1", "s2", "s3"])
def test_a_stay_outside_the_policy_is_drawn_on_documents_that_print_the_stay(seed: str) -> None:
    # A female_special claim has only a discharge record or a diagnosis certificate; drawn on a
    # certificate that prints no dates (seed s2 did) the defect could not be seen.
    claim = make_claim("stay_outside_policy", "female_special", seed, rules=RULES, layouts=form_layouts("train"))
    c = check_claim("female_special", claim.documents, claim.rules_for(RULES))
    assert [(a, f) for a, _, f in found(c, "stay_outside_policy")] == [("member", "admission_date")]


def _with_policy(frm: str, to: str) -> Rules:
    rule = RULES.claim("inpatient").model_copy(
        update={"policy_period": PolicyPeriod.model_validate({"from": frm, "to": to})}
    )
    return RULES.model_copy(update={"claim_types": {**RULES.claim_types, "inpatient": rule}})


def test_a_stay_outside_the_policy_read_alike_on_two_documents_is_the_members() -> None:
    rules = _with_policy("2023-01-01", "2023-12-31")
    inv = unsure(invoice(), 0.7, "admission_date")
    dis = unsure(discharge(), 0.7, "admission_date")
    assert found(check_claim("inpatient", [inv, dis], rules), "stay_outside_policy")[0][0] == "member"
    alone = unsure(invoice(admission_date=None, discharge_date=None), 0.7, "issue_date")
    assert found(check_claim("inpatient", [alone, dis], rules), "stay_outside_policy")[0][0] == "reviewer"


# -- another stay --------------------------------------------------------------------------------


def test_a_bill_whose_both_dates_are_of_another_stay_is_the_members_at_moderate_confidence() -> None:
    # Both 住院日期 of the invoice weeks before the record's stay, each read at 0.7, none a digit's
    # misread from a day of the stay: the bill of another stay.
    inv = unsure(
        invoice(admission_date="2024-01-12", discharge_date="2024-01-21", issue_date="2024-03-10"),
        0.7,
        "admission_date",
        "discharge_date",
    )
    dis = unsure(discharge(), 0.7, "admission_date", "discharge_date")
    c = check_claim("inpatient", [inv, dis], RULES)
    assert set(found(c, "dates_disagree")) == {("member", "1", "admission_date"), ("member", "1", "discharge_date")}


@pytest.mark.parametrize(
    ("adm", "dis"),
    [
        ("2024-01-12", "2024-03-10"),  # one date off, the other the stay's: one slip
        ("2024-03-10", "2024-03-10"),  # the admission read as the discharge day (another date of the page)
        ("2024-08-01", "2024-08-10"),  # 3 read 8 in both: one digit from the stay
    ],
)
def test_dates_a_misread_explains_are_the_reviewers(adm: str, dis: str) -> None:
    inv = unsure(invoice(admission_date=adm, discharge_date=dis), 0.7, "admission_date", "discharge_date")
    d = unsure(discharge(), 0.7, "admission_date", "discharge_date")
    c = check_claim("inpatient", [inv, d], RULES)
    assert {a for a, *_ in found(c, "dates_disagree")} == {"reviewer"}
    assert c.complete


def test_a_bill_read_with_its_admission_as_its_discharge_day_is_not_another_stay() -> None:
    # The invoice's 入院日期 read as its 出院日期 (another date of the page): a day of the stay itself.
    inv = invoice(issue_date="2019-11-30", admission_date="2019-11-30", discharge_date="2019-11-30")
    inv.fields["admission_date"].confidence = 0.7
    dis = discharge(admission_date="2019-11-22", discharge_date="2019-11-30", length_of_stay=8)
    c = check_claim("inpatient", [inv, dis], RULES)
    assert found(c, "dates_disagree") == [("reviewer", "1", "admission_date")] and c.complete


def test_a_bill_is_held_to_the_stay_read_surest() -> None:
    # The record's 出院日期 read unsurely as its 入院日期; the invoice's 住院日期, read surely, hold
    # the bill issued at discharge.
    dis = unsure(discharge(discharge_date="2024-03-01"), 0.7, "discharge_date")
    c = check_claim("inpatient", [invoice(issue_date="2024-03-20"), dis], RULES)
    assert not found(c, "invoice_outside_stay")


def test_one_date_a_digit_off_the_stay_is_the_reviewers_however_surely_read() -> None:
    # The record's 出院 2024-03-10 read 2024-03-20 (1 read 2) at 0.9 while its 入院 agrees with the
    # invoice's: one misread digit, as likely as a second stay; a complete claim is not sent back.
    dis = discharge(discharge_date="2024-03-20", length_of_stay=None)
    c = check_claim("inpatient", [invoice(), dis], RULES)
    assert [(a, f) for a, _, f in found(c, "dates_disagree")] == [("reviewer", "discharge_date")]
    assert c.complete


def test_a_digit_off_date_read_so_on_another_document_too_is_the_members() -> None:
    # Two documents read the discharge day 2024-03-10 and two 2024-03-20: each day read alike
    # twice, the documents say two days, and no single misread explains it.
    dis = discharge()
    dx = discharge(id="3", doc_type=DocType.DIAGNOSIS)
    inv = invoice(discharge_date="2024-03-20", issue_date="2024-03-20")
    inv2 = invoice(id="4", invoice_number="0012345699", discharge_date="2024-03-20", issue_date="2024-03-20")
    c = check_claim("inpatient", [inv, dis, dx, inv2], RULES)
    assert {a for a, *_ in found(c, "dates_disagree")} == {"member"}
    # The odd day read on one document only, against two reading the stay's: one slip.
    c = check_claim("inpatient", [inv, dis, dx], RULES)
    assert {a for a, *_ in found(c, "dates_disagree")} == {"reviewer"}


def test_both_dates_of_a_document_off_the_stay_are_no_single_slip() -> None:
    # Both dates a digit off the stay's (03 read 05 in both months): two slips the same way are
    # another stay's bill, the member's when read surely.
    inv = invoice(admission_date="2024-05-01", discharge_date="2024-05-10", issue_date="2024-05-10")
    c = check_claim("inpatient", [inv, discharge()], RULES)
    assert {a for a, *_ in found(c, "dates_disagree")} == {"member"}


def test_a_record_whose_own_days_fit_the_other_documents_stay_was_misread() -> None:
    # The record's 入院 read 2024-02-20 (another date of the page), surely; its own 住院天数 9 fits
    # the invoice's 03-01..03-10 and not its own dates: our misreading, never two stays for the member.
    dis = discharge(admission_date="2024-02-20")
    c = check_claim("inpatient", [invoice(), dis], RULES)
    assert {a for a, *_ in found(c, "dates_disagree")} == {"reviewer"}
    assert {a for a, *_ in found(c, "stay_days_mismatch")} <= {"reviewer"}
    assert c.complete
    # Printed days that fit neither stay leave a surely read contradiction the member's.
    odd = discharge(admission_date="2024-02-20", length_of_stay=30)
    assert not check_claim("inpatient", [invoice(), odd], RULES).complete
