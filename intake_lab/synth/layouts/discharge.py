"""Discharge documents: 出院记录 (EMR printout, one to three pages), 出院小结 and 出院证明书.

出院记录: hospital title, 出院记录, a header grid or label line (姓名 性别 年龄 科别 病区 床号
住院号, 入院/出院日期, 住院天数), 入院诊断 and 出院诊断 lists, long paragraphs (入院情况,
诊疗经过, 出院情况, 出院医嘱) that flow over pages under a small running header, 医师签名.
出院小结: label:value lines, numbered section headings, sometimes a 出院诊断 table.
出院证明书: a short 兹证明 letter or a small grid, brief orders, doctor, date, the hospital seal.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from intake.normalize.dates import print_date
from intake.vocabulary import DocType
from intake_lab.synth import prose, seals, values
from intake_lab.synth.canvas import Box, Page, SynthDocument
from intake_lab.synth.case import Case, Diagnosis
from intake_lab.synth.clinical import (
    PEN,
    Dated,
    DxScheme,
    Flow,
    Pair,
    Piece,
    after_discharge,
    dx_items,
    dx_lines,
    fit_size,
    grid_rows,
    pairs_lines,
    prose_date_format,
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
from .base import Style, barcode_like

W, H = 1240, 1754
LEFT, RIGHT = 110, 1130
MAX_PAGES = 3


def _attempts(rng: random.Random, render: Callable[[random.Random, int], SynthDocument]) -> SynthDocument:
    """Render with less prose until the record fits MAX_PAGES: real ones are one to three pages."""
    length = rng.choice((0, 0, 1, 2, 3, 3, 4, 4))
    seed = rng.getrandbits(64)
    for n in range(length, -1, -1):
        doc = render(random.Random(seed + n), n)
        if len(doc.pages) <= MAX_PAGES:
            return doc
    return doc


def _stay_fields(doc: SynthDocument, page: Page, boxes: dict[str, Box], adm: Dated, dis: Dated) -> None:
    if "admission_date" in boxes:
        doc.field("admission_date", adm.value, page, boxes["admission_date"], adm.text)
    if "discharge_date" in boxes:
        doc.field("discharge_date", dis.value, page, boxes["discharge_date"], dis.text)


def _dx_block(
    flow: Flow,
    label: str,
    diagnoses: list[Diagnosis],
    items: tuple[list[str], str],
    size: int,
    style: Style,
    *,
    truth: bool,
    own_line: bool = False,
) -> None:
    """A diagnosis list after its label, continuation lines under the first item; never split over pages."""
    step = int(size * 1.65)
    page = flow.page
    lw = page.text_width(label + style.colon, size, bold=True) + size * 0.3
    item_x = LEFT + (int(size * 2) if own_line else int(lw))
    width = RIGHT - item_x
    lines = dx_lines(page, items[0], items[1], size, width, width)
    flow.ensure(step * (len(lines) + (1 if own_line else 0)))
    page = flow.page
    page.text(LEFT, flow.y, label + style.colon, size, bold=True)
    if own_line:
        flow.y += step
    drawn: list[tuple[str, Box]] = []
    for ln in lines:
        drawn.append((ln, page.text(item_x, flow.y, ln, size)))
        flow.y += step
    if truth:
        record_dx(flow.doc, page, diagnoses, drawn)


def _section(flow: Flow, label: str, text: str, size: int, style: Style, *, inline: bool) -> None:
    step = int(size * 1.65)
    flow.ensure(step * 2)
    lbox = flow.page.text(LEFT, flow.y, label + style.colon, size, bold=True)
    if inline:
        flow.lines(LEFT, RIGHT - LEFT, text, size, first_x=int(lbox[2] + size * 0.3))
    else:
        flow.y += step
        flow.lines(LEFT, RIGHT - LEFT, text, size, indent=2)


def _orders(flow: Flow, label: str, orders: list[str], size: int, style: Style, rng: random.Random) -> None:
    step = int(size * 1.65)
    flow.ensure(step * 2)
    flow.page.text(LEFT, flow.y, label + style.colon, size, bold=True)
    flow.y += step
    numbering = rng.choice(("1.", "1、", "（1）"))
    end = rng.choice(("；", "。"))
    for k, item in enumerate(orders):
        text = numbering.replace("1", str(k + 1)) + item + ("。" if k == len(orders) - 1 else end)
        flow.lines(LEFT + int(size * 2), RIGHT - LEFT - int(size * 2), text, size)


def _stay_label(adm: Dated) -> tuple[str, str]:
    timed = ":" in adm.text or "时" in adm.text
    return ("入院时间", "出院时间") if timed else ("入院日期", "出院日期")


def _footer_time(case: Case, rng: random.Random) -> str:
    d = case.discharge + timedelta(days=rng.randint(0, 20))
    return f"打印时间：{d.isoformat()} {rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}"


# -- 出院记录 ------------------------------------------------------------------------------------


@register("discharge_record", DocType.DISCHARGE, "EMR discharge record (出院记录), one to three pages")
def render_record(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    return _attempts(rng, lambda r, n: _record(case, style, r, n))


def _record(case: Case, style: Style, rng: random.Random, length: int) -> SynthDocument:
    doc = SynthDocument(DocType.DISCHARGE, "discharge_record", style.family)
    s = style.scale
    body = int(22 * s)
    small = int(17 * s)
    step = int(body * 1.65)
    adm, dis, blank = stay_dates(case, style, rng)
    show_stay = not blank or rng.random() < 0.4
    story = prose.story(case, rng, prose_date_format(style, rng), blank_dates=blank, length=length)
    tfam, tbold = title_family(style, rng)
    number_marks: list[tuple[Page, float, float, str]] = []  # page-number slots: (page, x, y, anchor)
    name_label = rng.choice(("科别", "科室"))

    def running(page: Page, k: int) -> int:
        y = 54
        page.text(W / 2, y, f"{case.hospital}　出院记录", small + 2, anchor="ma", family=tfam)
        y += int(small * 2.2)
        lb = page.text(LEFT, y, "姓名" + style.colon + case.person.name, small)
        page.text(lb[2] + small * 3, y, "住院号" + style.colon + case.inpatient_number, small)
        number_marks.append((page, RIGHT, y, "ra"))
        y += int(small * 1.6)
        page.line(LEFT, y, RIGHT, y, 1)
        return y + int(body * 1.2)

    flow = Flow(doc, W, H, bottom=H - 130, running_header=running)
    page = flow.start()

    # Title: the hospital, then the document name; a barcode of the 住院号 when there is room.
    hs = fit_size(page, case.hospital, int(36 * s), RIGHT - LEFT - 40, family=tfam, bold=tbold)
    tbox = page.text(W / 2, 70, case.hospital, hs, anchor="ma", family=tfam, bold=tbold)
    doc.field("hospital_name", case.hospital, page, tbox, case.hospital)
    if rng.random() < 0.45 and tbox[2] < RIGHT - 230:
        bar = barcode_like(rng, 190, 44)
        page.paste(bar, RIGHT - 190, 40)
        page.text(RIGHT - 95, 90, case.inpatient_number, small - 2, anchor="ma")
    sub = page.text(W / 2, tbox[3] + int(18 * s), "出院记录", int(30 * s), anchor="ma", bold=True, tracking=0.4)
    y = sub[3] + int(36 * s)

    day_lab = _stay_label(adm)
    stay_txt = f"{case.stay_days}天"
    texts = {
        "patient_name": case.person.name,
        "sex": case.person.sex,
        "age": f"{case.age}岁",
        "department": case.department,
        "inpatient_number": case.inpatient_number,
        "length_of_stay": stay_txt,
    }
    ward = case.ward if rng.random() < 0.85 else ""  # a field may be printed but left empty
    bed = case.bed.removesuffix("床") if rng.random() < 0.5 else case.bed
    if style.variant % 2 == 0:
        rows = [
            [
                Pair("姓名", case.person.name, "patient_name"),
                Pair("性别", case.person.sex, "sex"),
                Pair("年龄", texts["age"], "age"),
                Pair(name_label, case.department, "department"),
            ],
            [Pair("病区", ward), Pair("床号", bed), Pair("住院号", case.inpatient_number, "inpatient_number")],
            [Pair(day_lab[0], adm.text, "admission_date"), Pair(day_lab[1], dis.text, "discharge_date")]
            + ([Pair("住院天数", stay_txt, "length_of_stay")] if show_stay else []),
        ]
        y, boxes = grid_rows(page, LEFT - 10, RIGHT + 10, y, rows, body, int(body * 2.1))
        y += int(body * 1.3)
    else:
        pairs = [
            Pair("姓名", case.person.name, "patient_name"),
            Pair("性别", case.person.sex, "sex"),
            Pair("年龄", texts["age"], "age"),
            Pair(name_label, case.department, "department"),
            Pair("床号", bed),
            Pair("住院号", case.inpatient_number, "inpatient_number"),
        ]
        mark = len(page.drawn)
        y, boxes = pairs_lines(page, LEFT, RIGHT, y, pairs, body, style)
        y = rule_below(page, mark, LEFT - 10, RIGHT + 10, int(body * 0.4), 2) + int(body * 0.7)
        gong = show_stay and rng.random() < 0.5
        dates = [Pair(day_lab[0], adm.text, "admission_date"), Pair(day_lab[1], dis.text, "discharge_date")]
        if show_stay and not gong:
            dates.append(Pair("住院天数", stay_txt, "length_of_stay"))
        y2, more = pairs_lines(page, LEFT, RIGHT, y, dates, body, style)
        boxes.update(more)
        if gong:
            # "共住院 9 天" after the dates: the number is its own string, so its box is the value's.
            texts["length_of_stay"] = str(case.stay_days)
            row = int(body * 1.8)
            x, yy = more["discharge_date"][2] + body * 1.5, y2 - row
            if x + body * 6 > RIGHT:
                x, yy, y2 = LEFT, y2, y2 + row
            a = page.text(x, yy, "共住院", body)
            nbox = page.text(a[2] + body * 0.3, yy, str(case.stay_days), body)
            page.text(nbox[2] + body * 0.3, yy, "天", body)
            boxes["length_of_stay"] = nbox
        y = y2 + int(body * 0.4)
    record_person(doc, page, boxes, case, texts)
    _stay_fields(doc, page, boxes, adm, dis)
    flow.y = y

    scheme = DxScheme.pick(rng)
    adm_items = scheme.items(case.admission_diagnoses)
    dis_items = scheme.items(case.diagnoses)
    inline = rng.random() < 0.6

    def dx_in() -> None:
        _dx_block(flow, "入院诊断", case.admission_diagnoses, adm_items, body, style, truth=False)

    def dx_out() -> None:
        _dx_block(flow, "出院诊断", case.diagnoses, dis_items, body, style, truth=True)

    def sec(label: str, text: str) -> Callable[[], None]:
        return lambda: _section(flow, label, text, body, style, inline=inline)

    order = [dx_in, dx_out, sec("入院情况", story.admission), sec("诊疗经过", story.course)]
    if rng.random() < 0.4:
        order = [sec("入院情况", story.admission), dx_in, sec("诊疗经过", story.course), dx_out]
    order += [sec("出院情况", story.discharge)]
    for part in order:
        part()
        flow.y += int(body * 0.35)
    _orders(flow, rng.choice(("出院医嘱", "出院医嘱", "出院指导")), story.orders, body, style, rng)

    # Signature block, kept together on the last page.
    flow.ensure(step * 3)
    flow.y += int(step * 0.6)
    hand = rng.random() < 0.5
    sx = RIGHT - int(body * 15)
    signature(flow.page, sx, flow.y, "医师签名", case.doctor, body, style, hand=hand)
    flow.y += int(step * 1.2)
    if not blank:
        flow.page.text(sx, flow.y, "日期" + style.colon + print_date(case.discharge, style.date_style), body)

    # Page numbers, now that the count is known; page 1 carries its own in the footer.
    total = len(doc.pages)
    number_marks.insert(0, (doc.pages[0], W / 2, H - 74, "ma"))
    fmt = rng.choice(("第{k}页/共{n}页", "第{k}页 共{n}页", "第 {k} 页，共 {n} 页"))
    for k, (pg, x, yy, anchor) in enumerate(number_marks, start=1):
        pg.text(x, yy, fmt.format(k=k, n=total), small, anchor=anchor)
    if rng.random() < 0.5 and not blank:
        doc.pages[0].text(LEFT, H - 74, _footer_time(case, rng), small - 1)
    doc.seal_field(doc.pages[0], None, None)
    return doc


# -- 出院小结 ------------------------------------------------------------------------------------


@register("discharge_summary", DocType.DISCHARGE, "discharge summary (出院小结) with label lines and headed sections")
def render_summary(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    return _attempts(rng, lambda r, n: _summary(case, style, r, n))


def _summary(case: Case, style: Style, rng: random.Random, length: int) -> SynthDocument:
    doc = SynthDocument(DocType.DISCHARGE, "discharge_summary", style.family)
    s = style.scale
    body = int(21 * s)
    small = int(17 * s)
    step = int(body * 1.65)
    adm, dis, blank = stay_dates(case, style, rng)
    show_stay = not blank or rng.random() < 0.5
    story = prose.story(case, rng, prose_date_format(style, rng), blank_dates=blank, length=length)
    tfam, tbold = title_family(style, rng)
    heads = rng.choice(
        (
            ("【{}】", False),
            ("一、{}", True),
            ("{}", True),
        )
    )
    numerals = "一二三四五六七八九十"
    counter = iter(range(10))

    def heading(text: str) -> str:
        k = next(counter)
        if heads[0].startswith("一"):
            return f"{numerals[k]}、{text}"
        return heads[0].format(text)

    def running(page: Page, k: int) -> int:
        y = 50
        page.text(LEFT, y, f"{case.hospital}出院小结", small, family=tfam)
        page.text(
            RIGHT,
            y,
            f"姓名{style.colon}{case.person.name}　住院号{style.colon}{case.inpatient_number}",
            small,
            anchor="ra",
        )
        y += int(small * 1.7)
        page.line(LEFT - 10, y, RIGHT + 10, y, 2)
        return y + int(body * 1.1)

    flow = Flow(doc, W, H, bottom=H - 130, running_header=running)
    page = flow.start()
    hs = fit_size(page, case.hospital, int(34 * s), RIGHT - LEFT, family=tfam, bold=tbold)
    y = 66
    tbox = page.text(W / 2, y, case.hospital, hs, anchor="ma", family=tfam, bold=tbold, tracking=0.05)
    doc.field("hospital_name", case.hospital, page, tbox, case.hospital)
    sub = page.text(W / 2, tbox[3] + int(16 * s), "出 院 小 结", int(30 * s), anchor="ma", bold=True)
    y = sub[3] + int(34 * s)

    day_lab = _stay_label(adm)
    texts = {
        "patient_name": case.person.name,
        "sex": case.person.sex,
        "age": f"{case.age}岁" if rng.random() < 0.8 else str(case.age),
        "department": case.department,
        "inpatient_number": case.inpatient_number,
        "length_of_stay": f"{case.stay_days}天" if rng.random() < 0.7 else str(case.stay_days),
    }
    lines_of_pairs = [
        [
            Pair("姓名", case.person.name, "patient_name"),
            Pair("性别", case.person.sex, "sex"),
            Pair("年龄", texts["age"], "age"),
            Pair("住院号", case.inpatient_number, "inpatient_number"),
        ],
        [
            Pair(rng.choice(("科室", "科别", "入院科室")), case.department, "department"),
            Pair("病区", case.ward),
            Pair("床号", case.bed),
            Pair("职业", rng.choice(("职员", "工人", "公司职员", "技术人员", "教师"))),
        ],
        [Pair(day_lab[0], adm.text, "admission_date"), Pair(day_lab[1], dis.text, "discharge_date")]
        + ([Pair("住院天数", texts["length_of_stay"], "length_of_stay")] if show_stay else []),
    ]
    boxes: dict[str, Box] = {}
    page.line(LEFT - 10, y - int(body * 0.7), RIGHT + 10, y - int(body * 0.7), 2)
    mark = len(page.drawn)
    for pairs in lines_of_pairs:
        y, more = pairs_lines(page, LEFT, RIGHT, y, pairs, body, style, leading=1.75)
        boxes.update(more)
    ly = rule_below(page, mark, LEFT - 10, RIGHT + 10, int(body * 0.35), 1)
    page.line(LEFT - 10, ly + 4, RIGHT + 10, ly + 4, 2)
    y = ly + 4 + int(body * 0.4)
    record_person(doc, page, boxes, case, texts)
    _stay_fields(doc, page, boxes, adm, dis)
    flow.y = y + int(body * 0.6)

    def head(text: str) -> None:
        flow.ensure(step * 3)
        flow.page.text(LEFT, flow.y, heading(text), body, bold=heads[1])
        flow.y += step

    def para(text: str) -> None:
        flow.lines(LEFT, RIGHT - LEFT, text, body, indent=2)
        flow.y += int(body * 0.3)

    scheme = DxScheme.pick(rng, coded=rng.random() < 0.25)
    head("入院诊断")
    adm_items = scheme.items(case.admission_diagnoses)
    for ln in dx_lines(page, adm_items[0], adm_items[1], body, RIGHT - LEFT - body * 2, RIGHT - LEFT - body * 2):
        flow.ensure(step)
        flow.page.text(LEFT + body * 2, flow.y, ln, body)
        flow.y += step
    head("入院情况")
    para(story.admission)
    head("诊疗经过")
    para(story.course)
    head("出院诊断")
    if rng.random() < 0.45:
        _dx_table(flow, case.diagnoses, body, rng)
    else:
        items = scheme.items(case.diagnoses)
        lines = dx_lines(flow.page, items[0], items[1], body, RIGHT - LEFT - body * 2, RIGHT - LEFT - body * 2)
        flow.ensure(step * len(lines))
        drawn = []
        for ln in lines:
            drawn.append((ln, flow.page.text(LEFT + body * 2, flow.y, ln, body)))
            flow.y += step
        record_dx(doc, flow.page, case.diagnoses, drawn)
    head("出院情况")
    para(story.discharge)
    head("出院医嘱")
    for k, item in enumerate(story.orders):
        flow.lines(LEFT + body * 2, RIGHT - LEFT - body * 2, f"{k + 1}.{item}。", body)

    flow.ensure(step * 4)
    flow.y += step
    hand = rng.random() < 0.5
    resident = values.person_name(rng, rng.choice("男女"))
    signature(flow.page, LEFT + body * 14, flow.y, "主治医师", case.doctor, body, style, hand=hand)
    signature(flow.page, LEFT + body * 30, flow.y, "住院医师", resident, body, style, hand=hand)
    flow.y += int(step * 1.3)
    if not blank:
        flow.page.text(RIGHT, flow.y, print_date(case.discharge, "cn"), body, anchor="ra")

    total = len(doc.pages)
    fmt = rng.choice(("第 {k} 页 共 {n} 页", "第{k}页/共{n}页", "- {k} -"))
    for k, pg in enumerate(doc.pages, start=1):
        pg.text(W / 2, H - 74, fmt.format(k=k, n=total), small, anchor="ma")
    doc.seal_field(doc.pages[0], None, None)
    return doc


def _dx_table(flow: Flow, diagnoses: list[Diagnosis], size: int, rng: random.Random) -> None:
    """出院诊断 as a small table (诊断名称 | 疾病编码 | 转归); the truth points at the name cells."""
    row_h = int(size * 1.9)
    flow.ensure(row_h * (len(diagnoses) + 1) + 10)
    page = flow.page
    x0, x1 = LEFT + size, RIGHT - size
    xs = [x0, x0 + int(size * 3), x0 + int((x1 - x0) * 0.62), x0 + int((x1 - x0) * 0.84), x1]
    y = flow.y
    ys = [y + k * row_h for k in range(len(diagnoses) + 2)]
    page.grid(xs, ys)
    for j, head in enumerate(("序号", "诊断名称", "疾病编码", "转归")):
        page.text_in((xs[j], ys[0], xs[j + 1], ys[1]), head, size - 1)
    drawn: list[tuple[str, Box]] = []
    for k, d in enumerate(diagnoses):
        r0, r1 = ys[k + 1], ys[k + 2]
        page.text_in((xs[0], r0, xs[1], r1), str(k + 1), size - 1)
        fs = fit_size(page, d.name, size, xs[2] - xs[1] - 16)
        drawn.append((d.name, page.text_in((xs[1], r0, xs[2], r1), d.name, fs, align="left", pad=8)))
        page.text_in(
            (xs[2], r0, xs[3], r1), d.printed_code, fit_size(page, d.printed_code, size - 2, xs[3] - xs[2] - 8)
        )
        outcome = rng.choice(("好转", "治愈", "好转", "未愈")) if k == 0 else rng.choice(("好转", "未愈", "其他"))
        page.text_in((xs[3], r0, xs[4], r1), outcome, size - 1)
    record_dx(flow.doc, page, diagnoses, drawn)
    flow.y = ys[-1] + int(size * 0.8)


# -- 出院证明书 ----------------------------------------------------------------------------------


@register("discharge_certificate", DocType.DISCHARGE, "discharge certificate (出院证明书), short, with hospital seal")
def render_certificate(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    doc = SynthDocument(DocType.DISCHARGE, "discharge_certificate", style.family)
    s = style.scale
    body = int(23 * s)
    small = int(18 * s)
    page = doc.new_page(W, H)
    adm, dis, blank = stay_dates(case, style, rng, times=0.1)
    show_stay = not blank or rng.random() < 0.5
    tfam, tbold = title_family(style, rng)
    left, right = LEFT + 10, RIGHT - 10

    hs = fit_size(page, case.hospital, int(38 * s), right - left, family=tfam, bold=tbold)
    tbox = page.text(W / 2, 80, case.hospital, hs, anchor="ma", family=tfam, bold=tbold, tracking=0.06)
    doc.field("hospital_name", case.hospital, page, tbox, case.hospital)
    title = rng.choice(("出院证明书", "出院证明书", "出院证明"))
    sub = page.text(W / 2, tbox[3] + int(22 * s), title, int(34 * s), anchor="ma", bold=True, tracking=0.3)
    y = sub[3] + int(20 * s)
    if rng.random() < 0.6:
        page.text(right, y, f"No.{values.digits(rng, 7)}", small, anchor="ra", fill=(170, 40, 40))
    y += int(44 * s)

    hand = rng.random() < 0.35  # a pre-printed form filled in by pen
    fam = "ukai" if hand else None
    story = prose.story(case, rng, prose_date_format(style, rng), blank_dates=blank, length=0)
    texts = {
        "patient_name": case.person.name,
        "sex": case.person.sex,
        "age": f"{case.age}岁",
        "department": case.department,
        "inpatient_number": case.inpatient_number,
        "length_of_stay": str(case.stay_days),
    }
    boxes: dict[str, Box]
    if style.variant % 2 == 0:
        pieces = [
            Piece(rng.choice(("兹证明患者", "兹有患者", "患者"))),
            Piece(case.person.name, "patient_name", fam, hand, hand),
            Piece("，性别"),
            Piece(case.person.sex, "sex", fam, hand, hand),
            Piece("，年龄"),
            Piece(texts["age"], "age", fam, hand, hand),
            Piece("，因病于"),
            Piece(adm.text, "admission_date", fam, hand, hand),
            Piece("入住我院"),
            Piece(case.department, "department", fam, hand, hand),
            Piece("，住院号"),
            Piece(case.inpatient_number, "inpatient_number", fam, hand, hand),
            Piece("，经治疗于"),
            Piece(dis.text, "discharge_date", fam, hand, hand),
            Piece("出院"),
        ]
        if show_stay:
            pieces += [
                Piece("，共住院"),
                Piece(texts["length_of_stay"], "length_of_stay", fam, hand, hand),
                Piece("天"),
            ]
        pieces.append(Piece("。"))
        y, boxes = running_text(page, left, y, right, pieces, body, leading=2.0)
    else:
        rows = [
            [
                Pair("姓名", case.person.name, "patient_name", fam, hand),
                Pair("性别", case.person.sex, "sex", fam, hand),
                Pair("年龄", texts["age"], "age", fam, hand),
            ],
            [
                Pair("科别", case.department, "department", fam, hand),
                Pair("床号", case.bed, None, fam, hand),
                Pair("住院号", case.inpatient_number, "inpatient_number", fam, hand),
            ],
            [
                Pair("入院日期", adm.text, "admission_date", fam, hand),
                Pair("出院日期", dis.text, "discharge_date", fam, hand),
            ],
        ]
        if show_stay:
            texts["length_of_stay"] = f"{case.stay_days}天"
            rows[2].append(Pair("住院天数", texts["length_of_stay"], "length_of_stay", fam, hand))
        y, boxes = grid_rows(page, left - 10, right + 10, y, rows, body, int(body * 2.2), center=True)
        y += int(body * 1.2)
    record_person(doc, page, boxes, case, texts)
    _stay_fields(doc, page, boxes, adm, dis)

    # 出院诊断 list, continuation lines under the first item.
    lbox = page.text(left, y, "出院诊断" + style.colon, body, bold=True)
    item_x = int(lbox[2] + body * 0.3)
    items = dx_items(case.diagnoses, rng)
    drawn: list[tuple[str, Box]] = []
    dfs = int(body * 1.1) if hand else body
    for ln in dx_lines(page, items[0], items[1], dfs, right - item_x, right - item_x, family=fam):
        drawn.append((ln, page.text(item_x, y, ln, dfs, family=fam, fill=PEN if hand else None)))
        y += int(body * 1.8)
    record_dx(doc, page, case.diagnoses, drawn)
    y += int(body * 0.4)

    orders = [story.advice, *story.orders[1:3]] if rng.random() < 0.7 else story.orders[:2]
    text = "；".join(orders) + "。"
    lbox = page.text(left, y, rng.choice(("出院医嘱", "医嘱", "出院后注意事项")) + style.colon, body, bold=True)
    x_text = int(lbox[2] + body * 0.3)
    for k, ln in enumerate(wrap(page, text, body, right - left - body * 2, first=right - x_text)):
        page.text(x_text if k == 0 else left + body * 2, y, ln, body)
        y += int(body * 1.8)
    y += int(body * 1.6)

    # Doctor and date at the bottom right, where the seal goes.
    sx = right - int(body * 12)
    sig = signature(page, sx, y, rng.choice(("经治医师", "主治医师", "医师签名")), case.doctor, body, style, hand=hand)
    y = sig[3] + int(body * 1.4)
    issued = after_discharge(case, rng, 0, 2)
    dtext = print_date(issued, "cn" if style.date_style == "iso" and rng.random() < 0.5 else style.date_style)
    if blank:
        dtext = f"{issued.year}年{issued.month:02d}月"  # a blanked copy hides every day, not just the stay's
    dbox = page.text(sx, y, dtext, body)
    y = dbox[3] + int(body * 1.2)
    if rng.random() < 0.5:
        page.text(left, y, "（本证明加盖医院公章有效，复印无效）", small, fill=(90, 90, 90))
        y += int(small * 2)
    if style.seal:
        d = int(rng.uniform(200, 240) * s)
        bottom = rng.choice(("医务科", "出院证明专用章", "医务处", ""))
        ink = seals.round_seal(case.hospital, d, rng, bottom_text=bottom)
        cx = int((sig[0] + dbox[2]) / 2 + rng.randint(-30, 40))
        cy = int((sig[1] + dbox[3]) / 2 + rng.randint(-30, 20))
        sbox = page.stamp(ink, cx, cy, case.hospital, "round")
        doc.seal_field(page, sbox, case.hospital)
        y = max(y, sbox[3])
    else:
        doc.seal_field(page, None, None)
    if rng.random() < 0.6:
        # Half-page forms: the sheet is cut (or scanned) just below its content.
        page.trim_bottom(min(H, y + rng.randint(60, 160)))
    return doc
