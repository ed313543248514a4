"""The learned field reader: candidates, the shipped scorer on pages laid out as intake's own
layouts never are, prose letters, diagnosis tables, and retraining with reviewer corrections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from intake.elements.document import Field
from intake.elements.page import OcrLine, OcrPage, blank_image
from intake.extract.candidates import View, candidates
from intake.extract.extractor import Extractor
from intake.extract.scorer import FieldModel, Scorer, model_dir
from intake.vocabulary import DocType

H = 24  # line height in pixels


def page(*lines: tuple[str, int, int], width: int = 1400, height: int = 1000, n: int = 1) -> OcrPage:
    """A page of OCR lines, each (text, x, y): about 24 px a CJK character, 13 px a digit."""
    out = []
    for text, x, y in lines:
        w = sum(24 if ord(c) > 0x2E80 else 13 for c in text)
        out.append(OcrLine(text, (x, y, x + w, y + H), 0.99))
    return OcrPage(n, blank_image(width, height), out)


def values(p: OcrPage, kind: str) -> list[Any]:
    return [c.value for c in candidates(View.of([p]))[kind]]


# -- candidates ------------------------------------------------------------------------------------
def test_amounts_side_by_side_in_a_table_are_separate_candidates() -> None:
    p = page(("11,677.05", 100, 300), ("21,693.87", 300, 300), ("0.00", 500, 300), ("8,338.57", 700, 300))
    got = values(p, "money")
    assert {"11677.05", "21693.87", "0.00", "8338.57"} <= set(got)
    assert not any(v.startswith("11677.052") for v in got)


def test_amounts_as_ocr_reads_them_on_scans_are_candidates() -> None:
    # a thousands comma read as a point, a point read twice, a point read as a comma
    for printed, value in (("24.879.35", "24879.35"), ("¥45.652.66", "45652.66"), ("1316..46", "1316.46"),
                           ("25689,48", "25689.48")):  # fmt: skip
        assert values(page((printed, 100, 300)), "money") == [value]
    assert values(page(("2021.03.06", 100, 300)), "money") == []


def test_dates_of_a_range_on_one_row_are_both_candidates() -> None:
    p = page(("住院日期：2024年05月06日至2024年05月10日", 100, 200))
    assert values(p, "date") == ["2024-05-06", "2024-05-10"]


def test_a_stay_with_its_days_blanked_gives_partial_dates_only() -> None:
    # "2024-06-2024-07" once gave the candidate 2024-06-20, a day the page never printed
    p = page(("住院日期：2024-06-2024-07", 100, 200), ("出院日期：2024.07", 700, 200))
    assert values(p, "date") == ["2024-06", "2024-07", "2024-07"]


def test_dates_in_adjacent_table_cells_keep_their_days() -> None:
    p = page(("2026-07-19", 100, 200), ("12", 250, 200), ("2026-08-08", 500, 200))
    assert values(p, "date") == ["2026-07-19", "2026-08-08"]


def test_a_number_after_no_is_a_digit_candidate_and_ocr_letters_between_digits_are_read() -> None:
    p = page(("No.65448307", 100, 100), ("票据号码：58952B6841", 600, 100))
    got = values(p, "digits")
    assert "65448307" in got and "5895286841" in got


def test_amounts_with_b_read_for_8_or_6_are_whole_candidates() -> None:
    # 116B9.52 once gave the candidate 116.00, returned as insurance_paid at 0.82
    for printed, value in (("116B9.52", "11689.52"), ("108b.34", "1086.34"), ("18,023.9B", "18023.98")):
        assert values(page((printed, 100, 300)), "money") == [value]


def test_no_date_is_read_out_of_an_id_number() -> None:
    # 37010219720901028X gave the date 2090-10-28, a diagnosis certificate's discharge date at 0.90
    p = page(("身份证号：37010219720901028X", 100, 100), ("2026-07-19", 100, 200))
    assert values(p, "date") == ["2026-07-19"]


def test_a_printed_label_is_no_name_and_starts_no_institution() -> None:
    labels = ("住院天数", "医保类型", "科室", "社会保障号")
    p = page(("住院天数", 100, 100), ("医保类型", 300, 100), ("科室", 500, 100), ("社会保障号就诊医院", 100, 200))
    got = candidates(View.of([p]), labels)
    assert not {"住院天数", "医保类型", "科室"} & {c.value for c in got["name"]}
    assert not any(str(c.value).startswith("社会保障号") for c in got["org"])


def test_a_letter_spaced_name_is_one_candidate() -> None:
    # 交款人：张 三 gave no name candidate (a gap after every character), and 合计 was the patient
    got = values(page(("交款人：张 三", 100, 100), ("王 小 明", 100, 200)), "name")
    assert "张三" in got and "王小明" in got


def test_a_code_with_o_or_l_between_digits_reads_them_as_digits() -> None:
    assert values(page(("住院号:82O42067", 100, 100)), "code") == ["82042067"]
    assert values(page(("校验码:6996ae", 100, 100)), "code") == ["6996ae"]  # a check code's hex kept


def test_id_number_upper_amount_and_sex_candidates() -> None:
    p = page(
        ("身份证号：330302200304047257", 100, 100),
        ("合计(大写)：壹仟壹佰零玖元零捌分", 100, 200),
        ("性别：女", 100, 300),
    )
    assert values(p, "id") == ["330302200304047257"]
    assert values(p, "upper") == ["壹仟壹佰零玖元零捌分"]
    assert values(p, "sex") == ["女"]


def test_a_name_never_starts_inside_its_compound_surname() -> None:
    # 葛琴琴 was read for 诸葛琴琴 at 0.90 on the train split
    got = values(page(("患者姓名：诸葛琴琴", 100, 200), ("欧阳明", 600, 200)), "name")
    assert "诸葛琴琴" in got and "欧阳明" in got
    assert not {"葛琴琴", "葛琴", "阳明"} & set(got)


def test_names_inside_a_sentence_start_at_a_surname() -> None:
    p = page(("兹证明我单位员工王建国同志，身份证号：330302200304047257，", 100, 200))
    got = values(p, "name")
    assert "王建国" in got
    # only from surnames on: not every pair of characters of the sentence
    assert not {"兹证明", "证明我", "我单位员工", "员工王"} & set(got)


# -- the shipped scorer ------------------------------------------------------------------------------
needs_model = pytest.mark.skipif(not FieldModel.available(), reason="no field model in models/")


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def read(extractor: Extractor, doc_type: DocType, p: OcrPage) -> dict[str, Any]:
    return {k: f.value for k, f in extractor.extract(doc_type, [p]).items() if k != "seal"}


@needs_model
def test_the_model_loads_quickly_from_plain_arrays() -> None:
    import time

    t = time.perf_counter()
    model = FieldModel.load(model_dir())
    assert time.perf_counter() - t < 1.0
    assert {"total_amount", "patient_name", "employee_name"} <= set(model.weights)
    card = json.loads((model_dir() / "fields.json").read_text(encoding="utf-8"))
    assert card["training_families"] and "held_out" in card


@needs_model
def test_values_printed_under_their_labels_in_a_strip(extractor: Extractor) -> None:
    p = page(
        ("XX市医疗保险住院费用结算单", 450, 40),
        ("患者姓名：周立强", 80, 120),
        ("入院日期：2024-03-02", 500, 120),
        ("出院日期：2024-03-12", 900, 120),
        ("费用总额", 80, 260),
        ("统筹基金支付", 330, 260),
        ("个人账户支付", 600, 260),
        ("个人自付", 870, 260),
        ("个人自费", 1120, 260),
        ("12,400.00", 80, 300),
        ("8,680.00", 330, 300),
        ("0.00", 600, 300),
        ("3,100.00", 870, 300),
        ("620.00", 1120, 300),
    )
    got = read(extractor, DocType.SETTLEMENT, p)
    assert got["total_amount"] == "12400.00"
    assert got["insurance_paid"] == "8680.00"
    assert got["personal_copay"] == "3100.00"
    assert got["personal_selfpay"] == "620.00"
    assert got["admission_date"] == "2024-03-02" and got["discharge_date"] == "2024-03-12"


@needs_model
def test_admission_and_discharge_dates_on_one_row(extractor: Extractor) -> None:
    p = page(
        ("南京市第一医院", 500, 30),
        ("出院记录", 560, 80),
        ("姓名：陈红梅", 80, 160),
        ("性别：女", 420, 160),
        ("年龄：46岁", 700, 160),
        ("入院日期：2023-11-02   出院日期：2023-11-15   住院天数：13天", 80, 220),
        ("出院诊断：", 80, 300),
        ("1.2型糖尿病", 120, 340),
    )
    got = read(extractor, DocType.DISCHARGE, p)
    assert got["admission_date"] == "2023-11-02"
    assert got["discharge_date"] == "2023-11-15"
    assert got["length_of_stay"] == 13
    assert got["patient_name"] == "陈红梅"


@needs_model
def test_a_blanked_stay_is_never_read_as_full_dates(extractor: Extractor) -> None:
    p = page(
        ("温州市人民医院", 500, 30),
        ("出院小结", 560, 80),
        ("姓名：陈红梅", 80, 160),
        ("住院日期：2024-06-2024-07", 80, 220),
        ("出院诊断：2型糖尿病", 80, 300),
    )
    got = extractor.extract(DocType.DISCHARGE, [p])
    for name in ("admission_date", "discharge_date"):
        f = got.get(name)
        # a day the page does not print is never invented, nor a partial date trusted
        assert f is None or (len(str(f.value)) == 7 and f.confidence < 0.8)


@needs_model
def test_a_key_value_grid_with_an_unseen_arrangement(extractor: Extractor) -> None:
    p = page(
        ("疾病诊断证明书", 560, 40),
        ("姓名", 80, 140),
        ("孙丽华", 220, 140),
        ("性别", 500, 140),
        ("女", 640, 140),
        ("年龄", 900, 140),
        ("52岁", 1040, 140),
        ("科室", 80, 200),
        ("心血管内科", 220, 200),
        ("住院号", 500, 200),
        ("ZY2023118", 640, 200),
        ("诊断：高血压病", 80, 300),
    )
    got = read(extractor, DocType.DIAGNOSIS, p)
    assert got["patient_name"] == "孙丽华"
    assert got["sex"] == "女"
    assert got["age"] == 52
    assert got["department"] == "心血管内科"


def _letter(*body: tuple[str, int, int]) -> OcrPage:
    return page(("证明", 640, 60), *body)


@needs_model
@pytest.mark.parametrize("who", ["我单位员工", "我单位职工"])
def test_employee_named_in_a_sentence_of_a_letter(extractor: Extractor, who: str) -> None:
    p = _letter(
        (f"兹证明{who}刘志强同志（身份证号：330203198507121234），", 120, 160),
        ("自2012年3月起在我单位工作至今，特此证明。", 80, 210),
        ("宁波市海曙区华夏电子有限公司", 760, 400),
        ("2025年6月3日", 860, 450),
    )
    got = read(extractor, DocType.UNIT_CERTIFICATE, p)
    assert got["employee_name"] == "刘志强"
    assert got["employer_name"] == "宁波市海曙区华夏电子有限公司"
    assert got["issue_date"] == "2025-06-03"  # not the hire month


@needs_model
def test_employer_after_its_seal_label_loses_the_label(extractor: Extractor) -> None:
    p = _letter(
        ("兹有我单位职工张晓燕，身份证号码330203198507121234，在我单位工作。", 120, 160),
        ("特此证明。", 120, 210),
        ("单位（盖章）：杭州恒信科技有限公司", 700, 400),
        ("2024年12月20日", 860, 450),
    )
    got = read(extractor, DocType.UNIT_CERTIFICATE, p)
    assert got["employer_name"] == "杭州恒信科技有限公司"
    assert got["employee_name"] == "张晓燕"


def test_a_diagnosis_table_with_code_and_outcome_columns_keeps_names_only() -> None:
    p = page(
        ("出院小结", 600, 40),
        ("出院诊断", 100, 200),
        ("ICD-10", 700, 200),
        ("转归", 1000, 200),
        ("缺铁性贫血", 100, 240),
        ("D50.900", 690, 240),
        ("好转", 1000, 240),
        ("慢性胃炎", 100, 280),
        ("K29.500", 690, 280),
        ("治愈", 1000, 280),
        ("出院医嘱：", 100, 360),
    )
    fields = Extractor(model=None).extract(DocType.DISCHARGE, [p])
    dx = fields["diagnoses"].diagnoses
    assert [d.text for d in dx] == ["缺铁性贫血", "慢性胃炎"]
    assert [d.icd10 for d in dx] == ["D50.900", "K29.500"]


@needs_model
def test_a_field_keeps_its_evidence_and_round_trips(extractor: Extractor) -> None:
    p = page(
        ("医疗门诊收费票据", 500, 30),
        ("交款人：吴晓东", 80, 120),
        ("开票日期：2024-01-08", 700, 120),
        ("合计（小写）：356.20", 80, 400),
        ("预交金：500.00", 700, 400),
    )
    fields = extractor.extract(DocType.INVOICE, [p])
    total = fields["total_amount"]
    assert total.value == "356.20"
    assert total.page == 1 and total.box is not None and "356.20" in total.source_text
    assert any(a.value == "500.00" for a in total.alternatives)
    back = Field.from_json(json.loads(json.dumps(total.to_json())))
    assert back.alternatives == total.alternatives and back.doubts == total.doubts


# -- retraining with reviewer corrections ---------------------------------------------------------------
def _invoice(name_label: str, name: str, other_label: str, other: str, name_low: bool) -> OcrPage:
    top, low = (other_label, other), (name_label, name)
    if not name_low:
        top, low = low, top
    return page(
        ("医疗收费票据", 560, 30),
        (f"{top[0]}：{top[1]}", 80, 120),
        ("合计：120.00", 80, 400),
        (f"{low[0]}：{low[1]}", 80, 700),
    )


def test_a_model_trained_with_corrections_reads_what_the_reviewers_fixed(tmp_path: Path) -> None:
    from intake_lab.train import fields as T
    from intake_lab.train.fields_data import Sample

    names = ["赵一鸣", "钱学文", "孙海涛", "李春华", "周志远", "吴国平"]
    base = []
    for i, n in enumerate(names * 2):
        # the patient after 姓名, the doctor after 医师, either one on top
        p = _invoice("姓名", n, "医师", names[(i + 1) % 6], name_low=i % 2 == 0)
        base.append(
            Sample(DocType.INVOICE, f"base{i % 2}", [p], {"patient_name": {"value": n, "page": 1, "box": None}})
        )
    rows = []
    for i, n in enumerate(names[:4]):
        # a layout the base never saw: the clerk's 姓名 on top, the patient under 受款方 below
        p = _invoice("受款方", n, "经办人姓名", names[(i + 2) % 6], name_low=True)
        rows.append(
            {
                "document_id": f"d{i}",
                "doc_type": "invoice",
                "field": "patient_name",
                "value": n,
                "page": 1,
                "box": None,
                "pages": [p.to_json()],
            }
        )
    path = tmp_path / "field-corrections.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    def model(extra: list[Sample], folder: Path) -> Scorer:
        r, _ = T.build(base, extra)
        w, b = T.fit(r)
        FieldModel(w, b, {}, {"min_return": 0.0, "training_families": [], "held_out": {}}).save(folder)
        return Scorer(FieldModel.load(folder))

    unseen = _invoice("受款方", "郑小川", "经办人姓名", "王大伟", name_low=True)
    before = model([], tmp_path / "before").extract(DocType.INVOICE, [unseen])
    after = model(T.load_field_corrections(path), tmp_path / "after").extract(DocType.INVOICE, [unseen])
    assert before["patient_name"].value == "王大伟"  # the base model reads the name after 姓名
    assert after["patient_name"].value == "郑小川"


def test_reported_confidence_puts_the_review_line_at_the_cut_and_never_says_more() -> None:
    import numpy as np

    m = FieldModel({}, {}, {}, {"review_cut": {"p": 0.97, "line": 0.8}})
    ps = [i / 100 for i in range(101)]
    got = [m.reported(p) for p in ps]
    assert got == sorted(got)  # the order of the values is kept
    assert all(g <= p + 1e-12 for g, p in zip(got, ps, strict=True))  # never more sure than calibrated
    assert m.reported(0.96) < 0.8 <= m.reported(0.97)
    assert m.reported(1.0) == 1.0
    # A card without a cut (a model built before it) reports the calibrated probability.
    assert FieldModel({}, {}, {}, {}).reported(0.9) == 0.9
    # OCR's confidence in the characters lowers the calibrated probability when the calibrator reads it.
    cal = {"_all": np.array([1.0, 0.0, 0.0, 0.0, 0.0, 1.0, -1.0])}
    m = FieldModel({}, {}, cal, {})
    assert m.calibrated("x", 0.9, 0.1, ocr=0.6) < m.calibrated("x", 0.9, 0.1, ocr=0.99)
    assert m.calibrated("x", 0.9, 0.1, quality=0.85) < m.calibrated("x", 0.9, 0.1)


def test_a_corrections_file_that_is_not_one_is_refused(tmp_path: Path) -> None:
    from intake_lab.train.fields import load_field_corrections

    path = tmp_path / "bad.jsonl"
    path.write_text('{"features": {}, "doc_type": "invoice"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="not a field correction row"):
        load_field_corrections(path)
