"""诊断证明书 / 疾病诊断证明书: the one-page certificate a doctor writes for sick leave or a claim.

Hospital title, the certificate's name, a number; the patient header as label lines, a small grid
or a 兹证明 sentence; 门诊号 or 住院号 (and the stay when inpatient); the 诊断 list; 建议 such as
建议休息两周; the doctor's signature and date; the hospital's round seal with 诊断证明专用章, and
often a footnote on validity. Printed on A4 (content in the upper half) or on an A5 pad.
"""

from __future__ import annotations

import random

from intake.normalize.dates import print_date
from intake.vocabulary import DocType
from intake_lab.synth import prose, seals, values
from intake_lab.synth.canvas import Box, Page, SynthDocument
from intake_lab.synth.case import Case
from intake_lab.synth.clinical import (
    PEN,
    Dated,
    DxScheme,
    Pair,
    Piece,
    dx_lines,
    fit_size,
    grid_rows,
    pairs_lines,
    record_dx,
    record_person,
    rule_below,
    running_text,
    signature,
    stay_dates,
    title_family,
    wrap,
)

from . import register
from .base import Style

A4 = (1240, 1754)
A5 = (874, 1240)


@register("diagnosis_certificate", DocType.DIAGNOSIS, "diagnosis certificate (诊断证明书) with hospital seal")
def render(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    doc = SynthDocument(DocType.DIAGNOSIS, "diagnosis_certificate", style.family)
    a5 = rng.random() < 0.4
    w, h = A5 if a5 else A4
    page = doc.new_page(w, h)
    s = style.scale * (0.9 if a5 else 1.0)
    body = int(23 * s)
    small = int(18 * s)
    left, right = (70, w - 70) if a5 else (120, w - 120)
    step = int(body * 1.9)
    tfam, tbold = title_family(style, rng)
    hand = rng.random() < 0.3  # a pad form filled in by pen
    fam = "ukai" if hand else None

    hs = fit_size(page, case.hospital, int(38 * s), right - left, family=tfam, bold=tbold)
    tbox = page.text(w / 2, 70, case.hospital, hs, anchor="ma", family=tfam, bold=tbold, tracking=0.05)
    doc.field("hospital_name", case.hospital, page, tbox, case.hospital)
    title = rng.choice(("诊断证明书", "疾病诊断证明书", "诊 断 证 明 书", "医疗诊断证明"))
    sub = page.text(w / 2, tbox[3] + int(20 * s), title, int(32 * s), anchor="ma", bold=True, tracking=0.15)
    y = sub[3] + int(26 * s)

    inpatient = case.inpatient
    number_label = "住院号" if inpatient else rng.choice(("门诊号", "门诊号", "就诊卡号"))
    if rng.random() < 0.5:
        kind = "门诊（　）　住院（√）" if inpatient else "门诊（√）　住院（　）"
        page.text(left, y, kind, small)
    if rng.random() < 0.6:
        serial = f"{case.discharge.year}{values.digits(rng, 6)}"
        page.text(right, y, "编号" + style.colon + serial, small, anchor="ra")
    y += int(small * 2.4)

    adm = dis = None
    blank = False
    with_stay = inpatient and rng.random() < 0.75
    if with_stay:
        adm, dis, blank = stay_dates(case, style, rng, times=0.05, partial=0.1)
    texts = {
        "patient_name": case.person.name,
        "sex": case.person.sex,
        "age": f"{case.age}岁" if rng.random() < 0.85 else str(case.age),
        "department": case.department,
        "inpatient_number": case.inpatient_number,
        "length_of_stay": f"{case.stay_days}天",
    }
    num_field = "inpatient_number" if inpatient else None
    show_stay = with_stay and (not blank) and rng.random() < 0.5
    variant = style.variant % 3
    boxes: dict[str, Box]
    scheme = DxScheme.pick(rng, coded=rng.random() < 0.2)
    dx_label = rng.choice(("诊断", "临床诊断", "诊断意见", "疾病诊断"))

    if variant == 2:
        # 兹证明 sentence: the values are fill-ins inside running text.
        pieces = [
            Piece(rng.choice(("兹证明", "兹有", "经查"))),
            Piece(case.person.name, "patient_name", fam, hand, hand),
            Piece("，"),
            Piece(case.person.sex, "sex", fam, hand, hand),
            Piece("，"),
            Piece(texts["age"], "age", fam, hand, hand),
            Piece("，"),
        ]
        if with_stay and adm and dis:
            pieces += [
                Piece("于"),
                Piece(adm.text, "admission_date", fam, hand, hand),
                Piece("至"),
                Piece(dis.text, "discharge_date", fam, hand, hand),
                Piece("在我院"),
                Piece(case.department, "department", fam, hand, hand),
                Piece("住院治疗"),
            ]
            if show_stay:
                texts["length_of_stay"] = str(case.stay_days)
                pieces += [
                    Piece("，共"),
                    Piece(texts["length_of_stay"], "length_of_stay", fam, hand, hand),
                    Piece("天"),
                ]
        else:
            pieces += [
                Piece("因病在我院"),
                Piece(case.department, "department", fam, hand, hand),
                Piece("就诊" if not inpatient else "住院治疗"),
            ]
        pieces += [
            Piece(f"（{number_label}："),
            Piece(case.inpatient_number, num_field, fam, hand, hand),
            Piece("），"),
        ]
        pieces.append(Piece("经检查诊断为："))
        y, boxes = running_text(page, left, y, right, pieces, body, leading=1.9)
        y += int(body * 0.2)
        dx_x = left + body * 2
        dx_first = dx_x
    else:
        person = [
            Pair("姓名", case.person.name, "patient_name", fam, hand),
            Pair("性别", case.person.sex, "sex", fam, hand),
            Pair("年龄", texts["age"], "age", fam, hand),
        ]
        visit = [
            Pair(rng.choice(("科别", "科室", "就诊科室")), case.department, "department", fam, hand),
            Pair(number_label, case.inpatient_number, num_field, fam, hand),
        ]
        stay_pairs: list[Pair] = []
        if with_stay and adm and dis:
            stay_pairs = [
                Pair("入院日期", adm.text, "admission_date", fam, hand),
                Pair("出院日期", dis.text, "discharge_date", fam, hand),
            ]
            if show_stay:
                stay_pairs.append(Pair("住院天数", texts["length_of_stay"], "length_of_stay", fam, hand))
        if variant == 1:
            rows = [person, visit] + ([stay_pairs] if stay_pairs else [])
            y, boxes = grid_rows(page, left - 10, right + 10, y, rows, body, int(body * 2.2), center=True)
            y += int(body * 1.2)
        else:
            mark = len(page.drawn)
            y, boxes = pairs_lines(page, left, right, y, person + visit, body, style, leading=1.9)
            if rng.random() < 0.4:
                y, more = pairs_lines(
                    page, left, right, y, [Pair("工作单位", case.employer, None, fam, hand)], body, style
                )
            if stay_pairs:
                y, more = pairs_lines(page, left, right, y, stay_pairs, body, style, leading=1.9)
                boxes.update(more)
            y = rule_below(page, mark, left - 10, right + 10, int(body * 0.4)) + int(body * 0.7)
        lbox = page.text(left, y, dx_label + style.colon, body, bold=True)
        dx_first = int(lbox[2] + body * 0.4)
        dx_x = dx_first if rng.random() < 0.5 else left + body * 2

    _fields(doc, page, boxes, case, texts, adm, dis)

    # The 诊断 list: the field's box covers its lines, its text is the lines as drawn.
    items, mode = scheme.items(case.diagnoses)
    dfs = int(body * 1.1) if hand else body
    lines = dx_lines(page, items, mode, dfs, right - dx_x, right - dx_first, family=fam)
    drawn: list[tuple[str, Box]] = []
    for k, ln in enumerate(lines):
        drawn.append((ln, page.text(dx_first if k == 0 else dx_x, y, ln, dfs, family=fam, fill=PEN if hand else None)))
        y += step
    record_dx(doc, page, case.diagnoses, drawn)
    y += int(body * 0.6)

    advice = prose.advice(case, rng)
    if rng.random() < 0.4:
        advice += rng.choice(("，门诊随诊", "，定期复查", "，避免劳累"))
    advice += "。"
    lbox = page.text(left, y, rng.choice(("建议", "医嘱", "处理意见", "医生建议")) + style.colon, body, bold=True)
    ax = int(lbox[2] + body * 0.4)
    for k, ln in enumerate(wrap(page, advice, body, right - left - body * 2, first=right - ax)):
        page.text(ax if k == 0 else left + body * 2, y, ln, body, family=fam, fill=PEN if hand else None)
        y += step
    y += int(body * 1.5)

    # Doctor, date and seal at the bottom right.
    sx = right - int(body * (10 if a5 else 12))
    sig = signature(page, sx, y, rng.choice(("医师签名", "医师", "诊治医师")), case.doctor, body, style, hand=True)
    y = sig[3] + int(body * 1.3)
    issued = case.discharge if inpatient else case.admission
    dtext = print_date(issued, "cn" if rng.random() < 0.6 else style.date_style)
    if blank:
        dtext = f"{issued.year}年{issued.month:02d}月"  # a blanked copy hides every day, not just the stay's
    dbox = page.text(sx, y, dtext, body, family=fam, fill=PEN if hand else None)
    y = dbox[3] + int(body * 1.6)
    if rng.random() < 0.65:
        notes = rng.choice(
            (
                "注：本证明需加盖医院诊断证明专用章方有效，涂改无效。",
                "注：1.本证明仅作病情证明，不作其他用途；2.涂改无效。",
                "（此证明仅供参考，复印件无效）",
            )
        )
        for ln in wrap(page, notes, small, right - left):
            page.text(left, y, ln, small, fill=(90, 90, 90))
            y += int(small * 1.6)
    if style.seal:
        d = int(rng.uniform(190, 230) * style.scale * (0.9 if a5 else 1.0))
        bottom = rng.choice(("诊断证明专用章", "门诊部", "医务科", "诊断证明专用章"))
        ink = seals.round_seal(case.hospital, d, rng, bottom_text=bottom)
        cx = int((sig[0] + max(sig[2], dbox[2])) / 2 + rng.randint(-30, 30))
        cy = int((sig[1] + dbox[3]) / 2 + rng.randint(-25, 25))
        sbox = page.stamp(ink, cx, cy, case.hospital, "round")
        doc.seal_field(page, sbox, case.hospital)
        y = max(y, sbox[3])
    else:
        doc.seal_field(page, None, None)
    if not a5 and rng.random() < 0.5:
        page.trim_bottom(min(page.height, y + rng.randint(80, 200)))
    return doc


def _fields(
    doc: SynthDocument,
    page: Page,
    boxes: dict[str, Box],
    case: Case,
    texts: dict[str, str],
    adm: Dated | None,
    dis: Dated | None,
) -> None:
    """Record what the header printed; a value not printed (or printed empty) is not a field."""
    record_person(doc, page, boxes, case, texts)
    if adm and "admission_date" in boxes:
        doc.field("admission_date", adm.value, page, boxes["admission_date"], adm.text)
    if dis and "discharge_date" in boxes:
        doc.field("discharge_date", dis.value, page, boxes["discharge_date"], dis.text)
