"""What the scorer's features say of a candidate where no label names it: values inside prose that
wraps over lines, totals told by their parts, a stay told by its number of days."""

from __future__ import annotations

from intake.elements.page import OcrLine, OcrPage, blank_image
from intake.extract.candidates import View, candidates
from intake.extract.features import Context, agreement, features, is_prose

H = 24


def page(*lines: tuple[str, int, int]) -> OcrPage:
    """A page of OCR lines, each (text, x, y): about 24 px a CJK character, 13 px a digit."""
    out = []
    for text, x, y in lines:
        w = sum(24 if ord(c) > 0x2E80 else 13 for c in text)
        out.append(OcrLine(text, (x, y, x + w, y + H), 0.99))
    return OcrPage(1, blank_image(1400, 1000), out)


def described(p: OcrPage, kind: str, value: str | int, doc_type: str = "unit_certificate") -> list[str]:
    view = View.of([p])
    by_kind = candidates(view)
    cands = by_kind[kind]
    extra = agreement(kind, cands, by_kind, view)
    ctx = Context(view, doc_type)
    for c, e in zip(cands, extra, strict=True):
        if c.value == value:
            return features(ctx, c, cands, e)
    raise AssertionError(f"no {kind} candidate {value!r} among {[c.value for c in cands]}")


def test_sentences_are_prose_and_label_rows_and_amount_tables_are_not() -> None:
    assert is_prose("山东明达建设工程股份有限公司员工,自2018年10月起在职至今。该同志于")
    assert not is_prose("定点医疗机构:浙江省人民医院姓名:杨英门诊号:19396431")
    assert not is_prose("14,310.00 26,738.99 0.00 12,428.99 0.00 11,087.59")


def test_an_employer_starting_a_wrapped_line_of_a_letter_reads_the_words_before_it() -> None:
    p = page(
        ("兹证明秦倩秀(身份证号码440304198809303429)为", 100, 200),
        ("山东明达建设工程股份有限公司员工,自2018年10月起在职至今。", 100, 200 + int(1.3 * H)),
    )
    f = described(p, "org", "山东明达建设工程股份有限公司")
    # the sentence's "为" on the line above is the word before the employer, not the row's start
    assert "L:为" in f and "rowstart" not in f
    # in prose a value is part of a longer run: not the whole-cell signal a form's value gives
    assert "prunend=False" in f and "runend=False" not in f and "cellend" not in f


def test_a_line_far_below_is_not_the_sentence_continued() -> None:
    p = page(
        ("兹证明秦倩秀(身份证号码440304198809303429)为", 100, 200),
        ("山东明达建设工程股份有限公司员工,自2018年10月起在职至今。", 100, 400),
    )
    assert "L:为" not in described(p, "org", "山东明达建设工程股份有限公司")


def test_the_largest_amount_its_parts_add_up_to_is_marked_not_a_larger_running_sum() -> None:
    p = page(
        ("本年度统筹累计", 100, 300), ("23879.21", 300, 300), ("总费用", 500, 300), ("575.23", 620, 300),
        ("统筹基金支付", 100, 340), ("191.09", 300, 340), ("个人自付", 500, 340), ("339.43", 620, 340),
        ("个人自费", 100, 380), ("44.71", 300, 380),
    )  # fmt: skip
    assert "sum_max" in described(p, "money", "575.23", "settlement")
    assert "sum_max" not in described(p, "money", "23879.21", "settlement")


def test_a_stay_told_in_prose_marks_its_first_and_last_day() -> None:
    p = page(
        ("患者因病于2021年09月09日入住我院,2021年10月01日出院,住院22天。", 100, 200),
        ("2021年08月26日曾至当地医院就诊。", 100, 240),
    )
    first = described(p, "date", "2021-09-09", "discharge")
    last = described(p, "date", "2021-10-01", "discharge")
    other = described(p, "date", "2021-08-26", "discharge")
    assert "stay_start" in first and "stay_end" not in first
    assert "stay_end" in last and "stay_start" not in last
    assert "stay_start" not in other and "stay_end" not in other


def test_a_name_printed_twice_is_marked_repeated() -> None:
    p = page(("患者姓名:沈磊涛", 100, 200), ("出院小结 沈磊涛 住院号:7717023", 100, 600), ("经治医师:万萍艳", 100, 700))
    assert "rep" in described(p, "name", "沈磊涛", "discharge")
    assert "rep" not in described(p, "name", "万萍艳", "discharge")


def test_a_form_of_address_is_no_part_of_a_name() -> None:
    got = {
        c.value for c in candidates(View.of([page(("兹证明我单位职工邹宁同志，范晶同志与王先生", 100, 200))]))["name"]
    }
    assert {"邹宁", "范晶"} <= got
    assert not {"邹宁同志", "宁同志", "范晶同志", "范晶同", "王先生", "王先"} & got


def test_an_institution_never_starts_with_the_label_of_its_role() -> None:
    got = {c.value for c in candidates(View.of([page(("工作单位宁波市总工会", 100, 200))]))["org"]}
    assert "宁波市总工会" in got
    assert "工作单位宁波市总工会" not in got
