"""Field extraction: parsers, validators, diagnoses, and label reading on pages built line by line.

These tests build OCR pages by hand, so that each hard case (a label cut in two, a value on the
next line, 帐 for 账, a lost colon, full-width digits) is exactly the one under test. The end-to-end
run over the committed fixtures is in test_extract_fixtures.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from intake.elements.document import Field, SealValue, value_from_json, value_to_json
from intake.elements.page import OcrLine, OcrPage, Seal
from intake.extract.config import settings
from intake.extract.crosschecks import Validator
from intake.extract.diagnoses import split_items
from intake.extract.extractor import Extractor
from intake.extract.labels import SpecError, parse_specs
from intake.extract.layout import rows_of
from intake.extract.parsers import date, id_number, integer, money, upper_money
from intake.extract.unlabelled import stay_from_prose
from intake.reference.icd10 import IcdTable
from intake.vocabulary import DocType

from .conftest import SHARED_DATA


def page(*lines: tuple[str, tuple[int, int, int, int]], seals: list[Seal] | None = None, conf: float = 0.99) -> OcrPage:
    image = np.broadcast_to(np.full((1, 1, 3), 255, np.uint8), (1400, 1000, 3))
    return OcrPage(1, image, [OcrLine(t, b, conf) for t, b in lines], seals or [])


def extract(doc_type: DocType, *lines: tuple[str, tuple[int, int, int, int]], **kw: object) -> dict[str, Field]:
    return Extractor().extract(doc_type, [page(*lines, **kw)])  # type: ignore[arg-type]


# -- parsers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("11,274.86", "11274.86"),
        ("1670", "1670.00"),
        ("617.5", "617.50"),
        ("¥1,670.00", "1670.00"),
        ("⊗617.5", "617.50"),
        ("：１２３.４５", None),  # full-width digits are folded before parsing, not here
        ("11.754.61", "11754.61"),  # a thousands comma read as a point
        ("26696/29", "26696.29"),  # a faint decimal point read as a slash
        ("1O5.2l", "105.21"),  # O for 0 and l for 1
        ("1316..46", "1316.46"),  # a decimal point read twice
        ("25689,48", "25689.48"),  # the decimal point read as a comma: a thousands group has 3 digits
        ("25689,481", None),
    ],
)
def test_money_forms(printed: str, value: str | None) -> None:
    got = money(printed, {})
    assert (got.value if got else None) == value


def test_money_cut_where_ocr_ran_two_amounts_together() -> None:
    got = money("11,516.4418,914.65", {})
    assert got is not None and got.value == "11516.44" and got.quality < 1


def test_money_guessed_from_ocr_noise_is_trusted_less() -> None:
    assert money("1670.00", {}).quality == 1.0  # type: ignore[union-attr]
    assert money("1O5.2l", {}).quality < 1.0  # type: ignore[union-attr]


def test_upper_amount_kept_as_printed_and_nonsense_flagged() -> None:
    got = upper_money("⊗壹万贰仟叁佰肆拾伍元陆角柒分", {})
    assert got is not None and got.value == "壹万贰仟叁佰肆拾伍元陆角柒分" and not got.reasons
    bad = upper_money("元元角角", {})
    assert bad is not None and "upper_unreadable" in bad.reasons


@pytest.mark.parametrize(
    ("text", "params", "value"),
    [
        (":2021-03-06", {}, "2021-03-06"),
        ("2021年04月26日", {}, "2021-04-26"),
        ("20240616-20240623", {}, "2024-06-16"),
        ("20240616-20240623", {"which": 2}, "2024-06-23"),
        ("2021-03-01~2021-03-06", {"which": 2, "within": 60}, "2021-03-06"),
        ("2021年3月1日至2021年3月6日", {"which": 2, "within": 60}, "2021-03-06"),
        ("2019年12月", {}, "2019-12"),  # blanked for privacy: partial, never a made-up day
    ],
)
def test_date_forms(text: str, params: dict[str, object], value: str) -> None:
    got = date(text, params)
    assert got is not None and got.value == value
    assert ("partial_date" in got.reasons) == (len(value) == 7)


def test_age_and_days() -> None:
    assert integer("44岁", {"unit": "岁"}).value == 44  # type: ignore[union-attr]
    assert integer(" 12 天", {"unit": "天"}).value == 12  # type: ignore[union-attr]
    assert "out_of_range" in integer("300岁", {"unit": "岁", "max": 120}).reasons  # type: ignore[union-attr]


def test_id_number_check_digit() -> None:
    good = id_number("370102196308156853", {})
    assert good is not None and not good.reasons
    bad = id_number("370102196308156854", {})
    assert bad is not None and bad.value == "370102196308156854" and "check_digit" in bad.reasons


# -- label reading on hand-built pages ----------------------------------------------------------
def test_label_cut_in_two_and_value_in_its_own_box() -> None:
    f = extract(
        DocType.INVOICE, ("票据", (50, 100, 90, 120)), ("代码", (92, 100, 130, 120)), ("33060121", (140, 100, 240, 120))
    )
    assert f["invoice_code"].value == "33060121"
    x0, y0, x1, y1 = f["invoice_code"].box  # type: ignore[misc]
    assert 135 <= x0 <= 145 and x1 >= 235 and (y0, y1) == (100, 120)


def test_variant_characters_lost_colons_and_full_width_digits() -> None:
    f = extract(
        DocType.INVOICE,
        ("合计（小写）１，６７０．００", (50, 300, 400, 320)),
        ("个人帐户支付 617.5", (50, 340, 300, 360)),  # 帐 for 账, no colon
        ("交款人：张 三", (50, 380, 250, 400)),
    )
    assert f["total_amount"].value == "1670.00"
    assert f["personal_account_paid"].value == "617.50"
    assert f["patient_name"].value == "张三"


def test_value_runs_only_to_the_next_label() -> None:
    f = extract(DocType.INVOICE, ("交款人：李四开票日期：2021-03-06", (50, 100, 600, 120)))
    assert f["patient_name"].value == "李四"
    assert f["issue_date"].value == "2021-03-06"


def test_value_under_its_label() -> None:
    f = extract(
        DocType.SETTLEMENT,
        ("统筹基金支付", (100, 500, 220, 520)),
        ("个人自付", (400, 500, 480, 520)),
        ("1,234.56", (110, 540, 210, 560)),
        ("78.90", (400, 540, 470, 560)),
    )
    assert f["insurance_paid"].value == "1234.56"
    assert f["personal_copay"].value == "78.90"


def test_stay_range_on_an_electronic_invoice() -> None:
    f = extract(DocType.INVOICE, ("住院时间：2021-03-01~2021-03-06", (50, 100, 500, 120)))
    assert (f["admission_date"].value, f["discharge_date"].value) == ("2021-03-01", "2021-03-06")


def test_discharge_certificate_prose() -> None:
    f = extract(
        DocType.DISCHARGE,
        ("浙江省人民医院", (300, 40, 700, 80)),
        ("出院证明书", (400, 100, 600, 130)),
        ("兹证明患者王小明，性别男，年龄44岁，因病于2021年3月1日入住我院，", (50, 200, 950, 230)),
        ("住院号A123456，经治疗于2021年3月13日出院，共住院12天。", (50, 250, 950, 280)),
        ("出院诊断：1.右肺癌；2.2型糖尿病", (50, 300, 950, 330)),
        ("出院医嘱：定期复查", (50, 350, 950, 380)),
    )
    got = {k: value_to_json(v.value) for k, v in f.items() if k != "seal"}
    assert got == {
        "hospital_name": "浙江省人民医院",
        "patient_name": "王小明",
        "sex": "男",
        "age": 44,
        "inpatient_number": "A123456",
        "admission_date": "2021-03-01",
        "discharge_date": "2021-03-13",
        "length_of_stay": 12,
        "diagnoses": [{"text": "右肺癌", "icd10": "C34.900x005"}, {"text": "2型糖尿病", "icd10": "E11.900"}],
    }
    # 12 days between the dates: the three confirm each other.
    assert min(f[k].confidence for k in ("admission_date", "discharge_date", "length_of_stay")) >= 0.99


def test_a_stay_told_in_a_sentence_without_labels() -> None:
    """A discharge summary's first sentence, the verb after each date and 出院 broken across lines
    (leave-families-out claims: scorers that never saw such a family left 入院 unread)."""
    f = extract(
        DocType.DISCHARGE,
        ("广东省人民医院", (300, 40, 700, 80)),
        ("出院小结", (400, 100, 600, 130)),
        ("患者宋华，女，26岁，住院号4898121047.于2024年01月10日入住我院妇科，2024年01月27日出", (50, 200, 950, 230)),
        ("院，住院17天", (50, 250, 400, 280)),
        ("入院情况：患者于1月10日入院，2024年01月09日入院诊断：子宫肌瘤", (50, 300, 950, 330)),
    )
    got = {k: value_to_json(f[k].value) for k in ("admission_date", "discharge_date") if k in f}
    assert got == {"admission_date": "2024-01-10", "discharge_date": "2024-01-27"}
    # The rule alone reads them (the scorer, where it knows the family, agrees), and 住院17天 is no
    # 共住院 count it can be sure of.
    told = page(
        ("患者宋华，女，26岁，住院号4898121047.于2024年01月10日入住我院妇科，2024年01月27日出", (50, 200, 950, 230)),
        ("院，共住院17天", (50, 250, 400, 280)),
    )
    ruled = stay_from_prose(rows_of(told), [told], settings())
    assert {k: value_to_json(v.value) for k, v in ruled.items()} == {
        "admission_date": "2024-01-10",
        "discharge_date": "2024-01-27",
        "length_of_stay": 17,
    }
    # A date followed by the next label is that label's neighbour, not the stay's; nor is a date
    # before a heading (入院诊断).
    lines = page(
        ("入院日期 2024-02-01 出院日期：2024-02-09", (50, 200, 950, 230)),
        ("2024年02月01日入院诊断", (50, 250, 950, 280)),
    )
    assert stay_from_prose(rows_of(lines), [lines], settings()) == {}


def test_employer_certificate_signature_and_seal() -> None:
    ring = Seal((600, 900, 850, 1150), "round", "宁波市海曙区某某贸易有限公司", 0.95)
    f = extract(
        DocType.UNIT_CERTIFICATE,
        ("证明", (450, 100, 550, 150)),
        ("兹证明于辉（身份证号：370102196308156853），系我单位在职职工。", (100, 300, 950, 330)),
        ("特此证明。", (100, 400, 300, 430)),
        ("宁波市海曙区某某贸易有限公司", (550, 950, 950, 980)),
        ("2025年8月19日", (650, 1000, 850, 1030)),
        seals=[ring],
    )
    assert f["employee_name"].value == "于辉"
    assert f["id_number"].value == "370102196308156853" and f["id_number"].confidence >= 0.99
    assert f["employer_name"].value == "宁波市海曙区某某贸易有限公司"
    assert f["issue_date"].value == "2025-08-19"
    assert value_to_json(f["seal"].value) == {"present": True, "text": "宁波市海曙区某某贸易有限公司"}
    assert f["seal"].confidence >= 0.99  # the ring says the name printed above it


def test_seal_absent_and_ring_text_not_matching_the_name() -> None:
    f = extract(DocType.UNIT_CERTIFICATE, ("证明", (450, 100, 550, 150)))
    assert value_to_json(f["seal"].value) == {"present": False}
    odd = Seal((600, 900, 850, 1150), "round", "某某公司", 0.95)
    f = extract(DocType.UNIT_CERTIFICATE, ("宁波市某某有限公司", (550, 950, 950, 980)), seals=[odd])
    assert f["seal"].value == SealValue(True, "某某公司") and f["seal"].confidence < 0.85


def test_a_hospital_named_only_in_its_seal_is_read_from_the_ring_for_the_reviewer() -> None:
    # an e-invoice whose 收款单位 line OCR lost under the red seal
    ring = Seal((300, 500, 550, 750), "round", "杭州市第一人民医院收费专用章", 0.94)
    lines = (("浙江省医疗住院收费电子票据", (500, 30, 1100, 90)), ("票据号码：7642375008", (70, 190, 320, 226)))
    f = extract(DocType.INVOICE, *lines, seals=[ring])
    name = f["hospital_name"]
    assert name.value == "杭州市第一人民医院" and "from_seal" in name.doubts
    assert name.confidence < 0.6  # a ring is often a character off: never the member's mismatch alone
    # a ring that reads as no institution gives none, and a printed name wins over the ring
    f = extract(DocType.INVOICE, *lines, seals=[Seal((300, 500, 550, 750), "round", "298906", 0.9)])
    assert "hospital_name" not in f
    printed = ("收款单位：杭州市第一人民医院", (70, 800, 500, 830))
    f = extract(
        DocType.INVOICE, *lines, printed, seals=[Seal((300, 500, 550, 750), "round", "杭州市第二人民医院", 0.9)]
    )
    assert f["hospital_name"].value == "杭州市第一人民医院" and "from_seal" not in f["hospital_name"].doubts


def test_finance_oval_on_every_invoice_is_not_the_hospital_seal() -> None:
    oval = Seal((400, 0, 600, 100), "oval", "财政部监制", 0.9)
    f = extract(DocType.INVOICE, ("票据代码：33060121", (50, 100, 300, 120)), seals=[oval])
    assert value_to_json(f["seal"].value) == {"present": False}
    # An oval the reader could not read on an invoice may be that printed oval: still no seal.
    unread = Seal((400, 0, 600, 100), "oval", "", 0.0)
    f = extract(DocType.INVOICE, ("票据代码：33060121", (50, 100, 300, 120)), seals=[unread])
    assert value_to_json(f["seal"].value) == {"present": False}


def test_unread_oval_on_a_certificate_is_a_seal_for_the_reviewer_to_read() -> None:
    # No certificate form prints an oval: an oval found there is a stamp, present though unread
    # (the check sends it to the reviewer as seal_text_unreadable), not a missing seal.
    unread = Seal((600, 900, 900, 1100), "oval", "", 0.0)
    f = extract(DocType.UNIT_CERTIFICATE, ("宁波市某某有限公司", (550, 950, 950, 980)), seals=[unread])
    assert f["seal"].value == SealValue(True, None) and f["seal"].source_text == ""


# -- validation ---------------------------------------------------------------------------------
def _fields(**values: object) -> dict[str, Field]:
    return {k: Field(value_from_json(v), 0.95, 1, (0, 0, 1, 1), str(v)) for k, v in values.items()}


VALIDATOR = settings().confidence.model_copy(
    update={"confirmed": 0.99, "failed": 0.3, "unconfirmed_cap": {"default": 0.9}, "seal_text_unconfirmed": 0.6}
)


def test_upper_equal_to_lower_confirms_both() -> None:
    f = _fields(total_amount="12345.67", total_amount_upper="壹万贰仟叁佰肆拾伍元陆角柒分")
    Validator(VALIDATOR).run(f)
    assert f["total_amount"].confidence == 0.99 and f["total_amount_upper"].confidence == 0.99


def test_upper_that_reads_as_the_total_but_lost_a_zero_confirms_only_the_total() -> None:
    # 叁万叁佰… for 叁万零叁佰…: the amount is proven, the 大写 as printed is not (OCR drops a 零)
    f = _fields(total_amount="30395.86", total_amount_upper="叁万叁佰玖拾伍元捌角陆分")
    Validator(VALIDATOR).run(f)
    assert f["total_amount"].confidence == 0.99
    assert f["total_amount_upper"].confidence < 0.8 and "upper_form" in f["total_amount_upper"].doubts


def test_upper_differing_from_lower_is_kept_and_flagged_not_corrected() -> None:
    f = _fields(total_amount="12345.76", total_amount_upper="壹万贰仟叁佰肆拾伍元陆角柒分")
    Validator(VALIDATOR).run(f)
    assert f["total_amount"].value == "12345.76"  # as read
    assert "upper_mismatch" in f["total_amount"].reasons and f["total_amount"].confidence <= 0.3


def test_parts_adding_up_confirm_and_parts_over_the_total_fail() -> None:
    ok = _fields(
        total_amount="100.00",
        insurance_paid="60.00",
        _other_paid="10.00",
        personal_copay="20.00",
        personal_selfpay="10.00",
    )
    Validator(VALIDATOR).run(ok)
    assert all(ok[n].confidence == 0.99 for n in ("insurance_paid", "personal_copay", "personal_selfpay"))
    bad = _fields(total_amount="100.00", insurance_paid="90.00", personal_copay="20.00", personal_selfpay="10.00")
    Validator(VALIDATOR).run(bad)
    assert "parts_exceed_total" in bad["insurance_paid"].reasons


def test_a_total_that_lost_its_decimal_point_is_restored_when_the_upper_proves_it() -> None:
    # OCR read 合作金额：3504869 at 0.96 on a train p_strip scan, the point lost under the seal
    f = _fields(total_amount="3504869.00", total_amount_upper="叁万伍仟零肆拾捌元陆角玖分")
    Validator(VALIDATOR).run(f)
    total = f["total_amount"]
    assert total.value == "35048.69" and not total.reasons and total.confidence == 0.99
    assert "point_restored" in total.doubts and total.alternatives[0].value == "3504869.00"


def test_an_amount_without_cents_is_not_changed_when_nothing_proves_a_lost_point() -> None:
    f = _fields(total_amount="1670.00", total_amount_upper="壹仟陆佰柒拾元整")
    Validator(VALIDATOR).run(f)
    assert f["total_amount"].value == "1670.00" and f["total_amount"].confidence == 0.99
    f = _fields(total_amount="3504869.00", total_amount_upper="叁万伍仟零肆拾捌元陆角捌分")
    Validator(VALIDATOR).run(f)
    assert f["total_amount"].value == "3504869.00" and "upper_mismatch" in f["total_amount"].reasons
    f = _fields(total_amount="3504869.00")
    Validator(VALIDATOR).run(f)
    assert f["total_amount"].value == "3504869.00"


def test_a_part_that_lost_its_point_is_restored_by_the_exact_sum_or_flagged_for_review() -> None:
    # a settlement: no 大写, the parts make the total exactly once 个人自付 has its point back
    f = _fields(total_amount="1000.00", insurance_paid="600.00", personal_copay="30000.00", personal_selfpay="100.00")
    Validator(VALIDATOR).run(f)
    assert f["personal_copay"].value == "300.00" and f["personal_copay"].confidence == 0.99
    # read above its total, a part is impossible as read; its hundredth is kept, for the reviewer
    f = _fields(total_amount="40000.00", insurance_paid="3340149.00", personal_copay="2000.00")
    Validator(VALIDATOR).run(f)
    part = f["insurance_paid"]
    assert part.value == "33401.49" and part.confidence < 0.8 and "point_restored" in part.doubts
    # a hundredth that would still exceed the total is no explanation: kept as read, failed
    f = _fields(total_amount="100.00", insurance_paid="3340149.00")
    Validator(VALIDATOR).run(f)
    assert f["insurance_paid"].value == "3340149.00" and "parts_exceed_total" in f["insurance_paid"].reasons


def test_dates_out_of_order_and_stay_days_that_disagree() -> None:
    f = _fields(admission_date="2021-03-06", discharge_date="2021-03-01")
    Validator(VALIDATOR).run(f)
    assert "discharge_before_admission" in f["discharge_date"].reasons
    f = _fields(admission_date="2021-03-01", discharge_date="2021-03-06", length_of_stay=9)
    Validator(VALIDATOR).run(f)
    assert "stay_days" in f["length_of_stay"].reasons and f["admission_date"].confidence <= 0.9


def test_invoice_number_digit_count() -> None:
    f = extract(DocType.INVOICE, ("票据号码：12345", (50, 100, 300, 120)))
    assert f["invoice_number"].value == "12345" and "digit_count" in f["invoice_number"].reasons
    assert f["invoice_number"].confidence <= 0.3


# -- diagnoses ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("printed", "items"),
    [
        (
            "(C50.801)乳腺恶性肿瘤,上部;(C78.000)肺部继发性恶性肿瘤",
            [("乳腺恶性肿瘤", "C50.801"), ("上部", None), ("肺部继发性恶性肿瘤", "C78.000")],
        ),
        ("1.系统性红斑狼疮；2.2型糖尿病", [("系统性红斑狼疮", None), ("2型糖尿病", None)]),
        ("(1)肾移植排斥(2)慢性心力衰竭", [("肾移植排斥", None), ("慢性心力衰竭", None)]),
        ("1.肝恶性肿瘤2.胆囊结石", [("肝恶性肿瘤", None), ("胆囊结石", None)]),
        ("(125.103)冠心病", [("冠心病", "I25.103")]),  # OCR's 1 for I
        ("右肺癌 C34.900×005", [("右肺癌", "C34.900x005")]),
        # A code where OCR lost the separator still ends its name; codes first, so each goes with
        # the name after it. OCR's B for 8 and O for 0 inside a code, a comma for its dot.
        (
            "[K35.800xO01]急性阑尾炎；[I4B.900x004]心房颤动[I10.x00x002]高血压",
            [("急性阑尾炎", "K35.800x001"), ("心房颤动", "I48.900x004"), ("高血压", "I10.x00x002")],
        ),
        ("(T30,300)三度烧伤，KB1.100)慢性胆囊炎", [("三度烧伤", "T30.300"), ("慢性胆囊炎", "K81.100")]),
        (
            "外阴恶性肿瘤（C51.900；膝关节骨性关节炎（M17.9O0）",
            [("外阴恶性肿瘤", "C51.900"), ("膝关节骨性关节炎", "M17.900")],
        ),
        ("维生素B12缺乏性贫血，l.高血压", [("维生素B12缺乏性贫血", None), ("高血压", None)]),  # B12 is no code
    ],
)
def test_diagnosis_lists_split(printed: str, items: list[tuple[str, str | None]]) -> None:
    assert split_items(printed.replace(" ", "")) == items


def _dx(f: dict[str, Field]) -> list[tuple[str, str | None]]:
    return [(d.text, d.icd10) for d in f["diagnoses"].diagnoses] if "diagnoses" in f else []


def test_a_diagnosis_table_under_its_admission_twin_reads_the_discharge_one() -> None:
    f = extract(
        DocType.DISCHARGE,
        ("入院诊断", (430, 376, 504, 395)),
        ("ICD-10", (944, 379, 1002, 393)),
        ("急性胆囊炎", (121, 411, 216, 430)),
        ("K81.000", (938, 414, 1008, 428)),
        ("出院诊断", (356, 457, 432, 476)),
        ("ICD-10", (769, 460, 827, 474)),
        ("转归", (1004, 457, 1042, 476)),
        ("急性胆囊炎", (121, 492, 216, 511)),
        ("K81.000", (763, 495, 833, 509)),
        ("未愈", (1004, 492, 1042, 511)),
        ("社区获得性肺炎", (121, 526, 254, 545)),
        ("J18.900", (764, 529, 832, 543)),
        ("其他", (1004, 526, 1042, 545)),
        ("一、入院情况", (113, 567, 227, 588)),
    )
    assert _dx(f) == [("急性胆囊炎", "K81.000"), ("社区获得性肺炎", "J18.900")]


def test_left_aligned_names_under_a_centred_header_beside_a_number_column() -> None:
    f = extract(
        DocType.DIAGNOSIS,
        ("诊断：", (127, 386, 185, 399)),
        ("序号", (213, 416, 251, 440)),
        ("诊断名称", (565, 420, 638, 439)),
        ("ICD-10", (964, 420, 1023, 437)),
        ("1", (227, 454, 235, 470)),
        ("前列腺癌", (338, 452, 410, 470)),
        ("C61.x00", (955, 454, 1031, 471)),
        ("医嘱建议：建议休息六个月。", (132, 501, 609, 522)),
    )
    assert _dx(f) == [("前列腺癌", "C61.x00")]


def test_a_row_number_run_into_the_name_cell_is_not_part_of_the_name() -> None:
    f = extract(
        DocType.DISCHARGE,
        ("【出院诊断】", (100, 1000, 260, 1030)),
        ("诊断名称", (300, 1040, 420, 1062)),
        ("ICD-10", (700, 1040, 790, 1062)),
        ("1 慢性阻塞性肺病", (280, 1070, 440, 1092)),
        ("J44.900", (700, 1070, 790, 1092)),
        ("2 2型糖尿病", (280, 1100, 420, 1122)),
        ("E11.900", (700, 1100, 790, 1122)),
    )
    assert _dx(f) == [("慢性阻塞性肺病", "J44.900"), ("2型糖尿病", "E11.900")]


def test_a_list_after_a_thin_label_line_and_one_that_runs_into_the_next_label() -> None:
    # The label's line box is 14 px among 21 px lines: the gap to the list is judged by the page's.
    f = extract(
        DocType.DIAGNOSIS,
        ("兹证明秦梅彤，女，51岁，于2023年12月9日至2024年1月6日在我院", (120, 181, 754, 206)),
        ("内分泌科住院治疗，共28天，经检查诊断为：", (75, 225, 696, 239)),
        ("1.原发性高血压", (121, 271, 266, 292)),
        ("2.腹股沟斜疝", (115, 302, 247, 323)),
        ("建议：建议休息两周。", (75, 344, 396, 367)),
    )
    assert [t for t, _ in _dx(f)] == ["原发性高血压", "腹股沟斜疝"]
    f = extract(DocType.DISCHARGE, ("出院诊断：胃恶性肿瘤   科室：肿瘤科", (50, 300, 900, 330)))
    assert [t for t, _ in _dx(f)] == ["胃恶性肿瘤"]


def test_printed_code_wins_over_the_table() -> None:
    f = extract(DocType.DIAGNOSIS, ("临床诊断：（C50.801）乳腺恶性肿瘤", (50, 300, 900, 330)))
    assert value_to_json(f["diagnoses"].value) == [{"text": "乳腺恶性肿瘤", "icd10": "C50.801"}]


def test_colloquial_names_map_through_the_curated_table() -> None:
    table = IcdTable.load()
    assert table.lookup("右肺癌") == "C34.900x005"
    assert table.lookup("甲状腺乳头状癌") == "C73.x00"


def test_unknown_name_kept_without_code_and_flagged() -> None:
    f = extract(DocType.DIAGNOSIS, ("诊断：某某罕见综合征", (50, 300, 900, 330)))
    assert value_to_json(f["diagnoses"].value) == [{"text": "某某罕见综合征"}] and f["diagnoses"].confidence < 0.85


def test_full_official_table_from_a_configured_path() -> None:
    path = SHARED_DATA / "icd10" / "yibao-2.0-diagnoses.csv"
    if not path.exists():
        pytest.skip(f"{path} not present")
    table = IcdTable.load(path)
    assert table.lookup("埃尔托生物型霍乱") == "A00.100x001"  # only in the official table
    assert table.lookup("右肺癌") == "C34.900x005"  # the curated table still answers


def test_labels_file_is_checked() -> None:
    with pytest.raises(SpecError, match="not a contract field"):
        parse_specs({"doc_types": {"invoice": {"ward": {"labels": ["病区"], "parser": "words"}}}})
    with pytest.raises(SpecError, match="unknown parser"):
        parse_specs({"doc_types": {"invoice": {"patient_name": {"labels": ["姓名"], "parser": "guess"}}}})


def test_letter_style_diagnosis_certificate() -> None:
    f = extract(
        DocType.DIAGNOSIS,
        ("疾病诊断证明书", (400, 100, 600, 130)),
        ("兹有彭悦，女，46岁，经检查诊断为：[M17.900]膝关节骨性关节炎；[163.801]腔隙性脑梗死", (50, 200, 950, 230)),
        ("建议休息。", (50, 260, 300, 290)),
    )
    assert f["patient_name"].value == "彭悦"
    assert value_to_json(f["diagnoses"].value) == [
        {"text": "膝关节骨性关节炎", "icd10": "M17.900"},
        {"text": "腔隙性脑梗死", "icd10": "I63.801"},
    ]


# -- diagnosis blocks worded and laid out as the training families never do ----------------------
def test_table_columns_run_together_keep_the_names_apart_from_type_and_condition() -> None:
    # The detector saw no gap between 诊断类型, 入院病情, the code and the name in row 1.
    f = extract(
        DocType.DIAGNOSIS,
        ("序号", (92, 330, 136, 350)),
        ("诊断类型", (182, 330, 270, 350)),
        ("入院病情", (295, 330, 383, 350)),
        ("ICD编码", (418, 330, 494, 350)),
        ("出院时诊断", (612, 330, 722, 350)),
        ("1", (108, 374, 119, 388)),
        ("主要诊断临床未确定S82.800x082踝关节骨折", (182, 370, 639, 392)),
        ("2", (108, 412, 119, 428)),
        ("其他诊断", (182, 408, 270, 430)),
        ("有", (328, 408, 350, 430)),
        ("M17.900", (418, 412, 494, 428)),
        ("膝关节骨性关节炎", (529, 408, 705, 430)),
        ("建议：建议全休两个月。", (60, 539, 563, 560)),
    )
    assert _dx(f) == [("踝关节骨折", "S82.800x082"), ("膝关节骨性关节炎", "M17.900")]


def test_a_table_is_known_by_its_code_column_whatever_heads_its_names() -> None:
    f = extract(
        DocType.DISCHARGE,
        ("确诊", (440, 880, 487, 905)),
        ("疾病代码", (939, 882, 1023, 903)),
        ("右乳癌", (116, 925, 176, 942)),
        ("C50.900", (942, 927, 1023, 944)),
        ("胆囊结石伴慢性胆囊炎", (114, 962, 331, 985)),
        ("K80.101", (939, 963, 1022, 982)),
        ("出院情况：患者诉症状较前明显缓解。", (108, 1007, 1118, 1037)),
    )
    assert [n for n, _ in _dx(f)] == ["右乳癌", "胆囊结石伴慢性胆囊炎"]


def test_a_list_stops_where_it_turns_into_prose() -> None:
    f = extract(
        DocType.DISCHARGE,
        ("出院诊断：1.急性阑尾炎", (100, 300, 420, 322)),
        ("2.高血压", (172, 340, 300, 362)),
        ("入院时情况：患者因“转移性右下腹痛40小时”入院，无发热", (172, 380, 900, 402)),
        ("伴恶心，曾于社区医院就诊，建议住院治疗。", (172, 420, 900, 442)),
    )
    assert [n for n, _ in _dx(f)] == ["急性阑尾炎", "高血压"]


def test_a_longer_label_than_the_one_known_ends_at_its_colon() -> None:
    f = extract(DocType.DIAGNOSIS, ("诊断情况：胃恶性肿瘤；高血压", (100, 300, 520, 322)))
    assert [n for n, _ in _dx(f)] == ["胃恶性肿瘤", "高血压"]
