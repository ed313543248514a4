"""Medical invoices from a form spec: the electronic template and pre-printed paper forms.

electronic: title (with or without 住院/门诊), QR code, the header of codes and dates, the item
grid (three or two column pairs, or a list with quantity and price), 大写 and 小写 totals, the
其他信息 block (visit number, stay, insurance facts, often the payment split) and the payee. When
the title does not say 住院 or 门诊, the visit type is the visit number's (住院号 or 门诊号): the
truth points at it with arrangement "inferred".
paper: a form printed in one tint whose values a printer filled in black, a little off the form;
the red serial number is the 票据号码; the fees are pre-printed names with amounts beside or under
them, or a printed list; the hospital's seal sits over the totals.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

import numpy as np
from PIL import Image, ImageDraw

from intake.normalize.money import format_money, to_upper
from intake.vocabulary import DocType
from intake_lab.synth import seals
from intake_lab.synth.canvas import RGB, Box, Page, SynthDocument
from intake_lab.synth.case import Case
from intake_lab.synth.layouts.base import qr_image

from . import facts
from .arrange import Item, Sheet, data_table, right
from .common import (
    block,
    compose,
    distractors,
    field_item,
    hospital_seal,
    money_item,
    new_document,
    plain_dates,
    stay_items,
    tinted,
    title,
    trim,
    typo,
)
from .spec import FormSpec

SERIAL_RED: RGB = (200, 40, 40)
# Fee names a paper form pre-prints, in its order; a charged item the form lacks is appended.
PRINTED_FEES = {
    True: ("床位费", "诊查费", "检查费", "化验费", "治疗费", "手术费", "护理费", "卫生材料费", "西药费", "中成药费",
           "中草药费", "输血费", "麻醉费", "其他费"),
    False: ("挂号费", "诊查费", "一般诊疗费", "检查费", "化验费", "治疗费", "卫生材料费", "西药费", "中成药费"),
}  # fmt: skip


def _visit(case: Case) -> str:
    return "住院" if case.inpatient else "门诊"


def _title_text(spec: FormSpec, case: Case) -> tuple[str, bool]:
    """The title and whether it names the visit type."""
    template = spec.pick("title")
    return template.format(province=case.region.province, visit=_visit(case)), "{visit}" in template


def _visit_item(spec: FormSpec, case: Case, *, inferred: bool) -> Item:
    """住院号/门诊号 with its number; when the title is silent it is what tells the visit type."""
    key = "inpatient_no" if case.inpatient else "outpatient_no"
    kind = "inpatient" if case.inpatient else "outpatient"
    if not inferred:
        return Item(spec.label(key), case.inpatient_number, distractor=True)
    return Item(spec.label(key), case.inpatient_number, "visit_type", kind, how="inferred")


def _issue(spec: FormSpec, case: Case, rng: random.Random) -> Item:
    printed = spec.date(case.issue_date)
    if spec.clock:
        printed += " " + facts.stamp_time(rng)
    return field_item(spec, "issue_date", printed, case.issue_date.isoformat())


def _money_items(spec: FormSpec, case: Case) -> dict[str, list[Item]]:
    b = case.bill
    return {
        "insurance_paid": [money_item(spec, "insurance_paid", b.insurance_paid, "insurance_paid")],
        "personal_account_paid": [
            money_item(spec, "personal_account_paid", b.personal_account_paid, "personal_account_paid")
        ],
        "personal_copay": [money_item(spec, "personal_copay", b.personal_copay, "personal_copay")],
        "personal_selfpay": [money_item(spec, "personal_selfpay", b.personal_selfpay, "personal_selfpay")],
    }


def _totals(spec: FormSpec, case: Case) -> tuple[Item, Item]:
    upper = to_upper(case.upper_total)
    return (
        Item(spec.label("total_amount_upper"), upper, "total_amount_upper", upper),
        money_item(spec, "total_amount", case.bill.total, "total_amount", total=True),
    )


def _qty_price(amount: Decimal, rng: random.Random) -> tuple[str, str]:
    """A quantity and unit price whose product is the amount to the cent."""
    cents = int(amount * 100)
    qty = rng.choice([q for q in (1, 2, 3, 4, 5, 6, 8, 10, 12) if cents % q == 0])
    return str(qty), format_money(Decimal(cents // qty) / 100)


# -- electronic ----------------------------------------------------------------------------------------


def render_electronic(case: Case, spec: FormSpec, rng: random.Random) -> SynthDocument:
    doc = new_document(DocType.INVOICE, spec)
    portrait = spec.pick("page") == "portrait"
    w = 1240 if portrait else 1480
    page = doc.new_page(w, 1754 if portrait else 1300)
    t = typo(spec, label_size=spec.size)
    sh = Sheet(doc, page, t)
    x0, x1 = int(spec.margin * 0.55), w - int(spec.margin * 0.55)

    text, names_visit = _title_text(spec, case)
    tsize = int(spec.size * 1.7)
    tbox = title(page, spec, w / 2, 66, text, tsize, width=w * 0.62, anchor="mm", tracking=0.06)
    page.line(tbox[0], tbox[3] + 6, tbox[2], tbox[3] + 6, 2)
    page.line(tbox[0], tbox[3] + 10, tbox[2], tbox[3] + 10, 1)
    if names_visit:
        sh.record("visit_type", "inpatient" if case.inpatient else "outpatient", tbox, text, "title", "")
    qr = 116
    qx = x0 + 8 if spec.pick("qr") == "left" else x1 - qr - 8
    page.paste(qr_image(f"{case.invoice_code}{case.invoice_number}{case.check_code}", qr), qx, 20)
    if spec.pick("oval"):
        page.stamp(
            seals.oval_seal("全国统一医疗收费票据监制章", "财政部监制", 230, 130, rng), w // 2, 66, "财政部监制", "oval"
        )
    y = max(tbox[3] + 34, 20 + qr + 14)

    header = {
        "invoice_code": [field_item(spec, "invoice_code", case.invoice_code, case.invoice_code)],
        "invoice_number": [field_item(spec, "invoice_number", case.invoice_number, case.invoice_number)],
        "check_code": [field_item(spec, "check_code", case.check_code, case.check_code)],
        "issue_date": [_issue(spec, case, rng)],
        "patient_name": [field_item(spec, "patient_name", case.person.name, case.person.name)],
    }
    y = block(sh, spec, "header", compose(spec, "header", header, distractors(spec, "header", case, rng)), x0, x1, y)
    y += int(spec.size * 0.6)

    y = _item_grid(sh, spec, case, x0, x1, y, rng)
    y = _electronic_total(sh, spec, case, x0, x1, y)

    info: dict[str, list[Item]] = {"visit_no": [_visit_item(spec, case, inferred=not names_visit)]}
    if case.inpatient:
        adm, dis = plain_dates(spec, case)
        info["stay"] = stay_items(spec, adm, dis, rng)
    money = _money_items(spec, case)
    extra = distractors(spec, "info", case, rng)
    if spec.pick("money_in_info"):
        info.update(money)
        extra += distractors(spec, "money", case, rng)
    y = _info_block(sh, spec, compose(spec, "info", info, extra), x0, x1, y)
    if not spec.pick("money_in_info"):
        y += int(spec.size * 0.8)
        if spec.has("money_head"):
            sh.label(x0 + 10, y, spec.label("money_head"), size=int(spec.size * 1.05))
            y += int(spec.size * 1.7)
        items = compose(spec, "money", money, distractors(spec, "money", case, rng))
        y = block(sh, spec, "money", items, x0, x1, y)
    y += int(spec.size * 1.4)

    payee = field_item(spec, "hospital_name", case.hospital, case.hospital)
    footer = [payee, *distractors(spec, "footer", case, rng)]
    yf = y
    y = right(sh, footer, x0 + 10, x1, y, cols=3)
    pbox = doc.fields["hospital_name"].box
    hospital_seal(doc, page, spec, case, rng, pbox[0] + rng.randint(40, 200), yf - rng.randint(30, 90), "收费专用章")
    trim(page, rng, 50, 140)
    return doc


def _item_grid(sh: Sheet, spec: FormSpec, case: Case, x0: int, x1: int, y: int, rng: random.Random) -> int:
    """The charged items: column pairs of 项目名称|金额(|备注), or a list with quantity and unit price."""
    style = spec.pick("items")
    items = case.bill.items
    size = int(spec.size * 0.92)
    row_h = int(spec.size * 1.75)
    page = sh.page
    if style == "list":
        heads = [spec.label("item_name"), spec.label("item_qty"), spec.label("item_price"), spec.label("item_amount")]
        rows = [[name, *_qty_price(amount, rng), spec.money(amount)] for name, amount in items]
        sub = Sheet(sh.doc, page, replace(sh.t, size=size, label_size=size))
        bottom, _ = data_table(
            sub,
            heads,
            rows,
            x0,
            x1,
            y,
            weights=(2.4, 0.8, 1.2, 1.2),
            aligns=("left", "center", "right", "right"),
            row_h=row_h,
        )
        return bottom
    groups = 3 if style == "pairs3" else 2
    heads = [spec.label("item_name"), spec.label("item_amount")] + ([spec.label("item_note")] if groups == 3 else [])
    weights = (1.35, 1.0, 0.65)[: len(heads)]
    n_rows = max(3, -(-len(items) // groups))
    xs = [float(x0)]
    for _ in range(groups):
        for wgt in weights:
            xs.append(xs[-1] + (x1 - x0) / groups * wgt / sum(weights))
    ys = [y + k * row_h for k in range(n_rows + 2)]
    page.grid([round(v) for v in xs], ys)
    per = len(heads)
    for g in range(groups):
        for j, head in enumerate(heads):
            sh.label_in((round(xs[per * g + j]), ys[0], round(xs[per * g + j + 1]), ys[1]), head, size=size)
    for i, (name, amount) in enumerate(items):
        g, r = i % groups, i // groups
        cell = (ys[r + 1], ys[r + 2])
        page.text_in((round(xs[per * g]), cell[0], round(xs[per * g + 1]), cell[1]), name, size)
        amount_cell = (round(xs[per * g + 1]), cell[0], round(xs[per * g + 2]), cell[1])
        page.text_in(amount_cell, spec.money(amount), size, align="right")
    return ys[-1]


def _electronic_total(sh: Sheet, spec: FormSpec, case: Case, x0: int, x1: int, y: int) -> int:
    """金额合计 大写 and 小写 on one row, inside a ruled band, as a grid, or label over value."""
    upper, lower = _totals(spec, case)
    how = spec.how("total")
    if how == "right":
        pad = int(spec.size * 0.5)
        bottom = right(sh, [upper, lower], x0 + 10, x1, y + pad, cols=2, flow=False)
        sh.frame((x0, y, x1, bottom))
        return bottom
    return block(sh, spec, "total", [upper, lower], x0, x1, y, cols=2)


def _info_block(sh: Sheet, spec: FormSpec, items: list[Item], x0: int, x1: int, y: int) -> int:
    frame = spec.pick("info_frame", "none")
    top = y
    inner = x0
    if frame == "vertical_head":
        inner = x0 + int(spec.size * 2.3)
    pad = int(spec.size * 0.5)
    bottom = block(sh, spec, "info", items, inner, x1, y + pad) + pad
    if frame == "vertical_head":
        sh.frame((x0, top, x1, bottom))
        sh.rule(inner, top, inner, bottom)
        head = spec.label("info_head")
        step = (bottom - top - spec.size) / max(len(head), 1)
        for k, ch in enumerate(head):
            sh.page.text((x0 + inner) / 2, top + pad + k * step, ch, int(spec.size * 0.9), anchor="mt")
    elif frame == "box":
        sh.frame((x0, top, x1, bottom))
    return bottom


# -- paper -------------------------------------------------------------------------------------------------


def _jitter(rng: random.Random, rgb: list[int]) -> RGB:
    return tuple(max(0, min(255, c + rng.randint(-10, 10))) for c in rgb)  # type: ignore[return-value]


def render_paper(case: Case, spec: FormSpec, rng: random.Random) -> SynthDocument:
    doc = new_document(DocType.INVOICE, spec)
    w = 1400
    page = doc.new_page(w, 1300)
    tint = _jitter(rng, spec.pick("tint"))
    # The printer never meets the form: every value sits the same few pixels off its place.
    offset = (rng.randint(-6, 10), rng.randint(-5, 5))
    t = typo(spec, label_fill=tint, rule_fill=tinted(tint, 0.9), label_size=int(spec.size * 0.95), offset=offset)
    sh = Sheet(doc, page, t)
    x0, x1 = 56, w - 90
    side = spec.pick("side_note", "")

    text, _ = _title_text(spec, case)
    tbox = page.text(w / 2 - 40, 62, text, int(spec.size * 1.75), fill=tint, bold=True, anchor="mm", tracking=0.12)
    page.line(tbox[0], tbox[3] + 6, tbox[2], tbox[3] + 6, 2, tint)
    page.line(tbox[0], tbox[3] + 10, tbox[2], tbox[3] + 10, 1, tint)
    sh.record("visit_type", "inpatient" if case.inpatient else "outpatient", tbox, text, "title", "")
    nsize = int(spec.size * 1.3)
    nbox = page.text(x1, 62, case.invoice_number, nsize, fill=SERIAL_RED, anchor="rm", tracking=0.08)
    no = spec.label("invoice_number")
    page.text(nbox[0] - nsize * 0.4, 62, no, int(nsize * 0.85), fill=SERIAL_RED, anchor="rm", bold=True)
    sh.record("invoice_number", case.invoice_number, nbox, case.invoice_number, "right", no)
    y = tbox[3] + 26
    top_row = [field_item(spec, "invoice_code", case.invoice_code, case.invoice_code)]
    if spec.pick("date_at") == "header":
        top_row.append(_issue(spec, case, rng))
    y = right(sh, top_row, x0, x1, y, cols=2)

    frame_top = y
    named: dict[str, list[Item]] = {
        "patient_name": [field_item(spec, "patient_name", case.person.name, case.person.name)],
        "visit_no": [_visit_item(spec, case, inferred=False)],
    }
    if case.inpatient:
        adm, dis = plain_dates(spec, case)
        named["stay"] = stay_items(spec, adm, dis, rng)
    head_items = compose(spec, "header", named, distractors(spec, "header", case, rng))
    y = block(sh, spec, "header", head_items, x0, x1, y, gap=0, ruled=True)
    y = _paper_fees(sh, spec, case, x0, x1, y)

    upper, lower = _totals(spec, case)
    row_h = int(spec.size * 2.1)
    sh.frame((x0, y, x1, y + row_h))
    ym = y + row_h / 2
    lab = sh.label(x0 + 12, ym, upper.label, anchor="lm")
    mark = sh.value(lab[2] + 14, ym, spec.pick("upper_mark", ""), anchor="lm")
    ubox = sh.value(mark[2] + 8, ym, upper.value, anchor="lm")
    sh.put(upper, ubox, "right")
    lx = x0 + int((x1 - x0) * 0.66)
    sh.rule(lx - 14, y, lx - 14, y + row_h)
    lab2 = sh.label(lx, ym, lower.label + spec.colon, anchor="lm")
    tbox_total = sh.value(lab2[2] + 12, ym, lower.value, anchor="lm")
    sh.put(lower, tbox_total, "right")
    y += row_h

    if spec.has("money_head") and spec.how("money") == "right":
        sh.label(x0 + 12, y + 10, spec.label("money_head"))
        y += int(spec.size * 1.8)
    money = compose(spec, "money", _money_items(spec, case), distractors(spec, "money", case, rng))
    y = block(sh, spec, "money", money, x0, x1, y, gap=0, ruled=True)
    frame_bottom = y
    sh.frame((x0, frame_top, x1, frame_bottom), 2)
    if side:
        for k, ch in enumerate(side.replace("　", "")):
            page.text(
                x1 + 34, frame_top + 20 + k * int(spec.size * 1.15), ch, int(spec.size * 0.85), fill=tint, anchor="mt"
            )

    y = frame_bottom + int(spec.size * 1.3)
    payee = field_item(spec, "hospital_name", case.hospital, case.hospital)
    footer = [payee, *distractors(spec, "footer", case, rng)]
    if spec.pick("date_at") == "footer":
        footer.append(_issue(spec, case, rng))
    y = right(sh, footer, x0, x1, y, flow=True)
    shorts = {
        "浙江省": "浙",
        "江苏省": "苏",
        "广东省": "粤",
        "上海市": "沪",
        "山东省": "鲁",
        "湖北省": "鄂",
        "四川省": "川",
    }
    # The print-run mark of the finance office that had the form printed, e.g. （2019）浙财印字第12号.
    year = case.issue_date.year - rng.randint(1, 3)
    mark_text = f"（{year}）{shorts.get(case.region.province, '')}财印字第{rng.randint(10, 99)}号"
    page.text(x0, y + 4, mark_text, int(spec.size * 0.7), fill=tint)
    y += int(spec.size * 1.6)

    _security(page, (x0, frame_top, x1, frame_bottom), tinted(tint, 0.16), rng)
    page.stamp(
        seals.oval_seal("全国统一医疗收费票据监制章", "财政部监制", 220, 124, rng, opacity=0.7),
        w // 2 - 40,
        60,
        "财政部监制",
        "oval",
    )
    hospital_seal(
        doc,
        page,
        spec,
        case,
        rng,
        tbox_total[0] - rng.randint(0, 160),
        tbox_total[1] + rng.randint(-10, 60),
        "收费专用章",
    )
    if rng.random() < 0.3:
        stamp = seals.rect_stamp(rng.choice(("现金收讫", "收讫", "医保结算")), 30, rng)
        page.stamp(
            stamp, int(x0 + (x1 - x0) * rng.uniform(0.2, 0.5)), int(frame_bottom - rng.randint(20, 80)), "", "rect"
        )
    trim(page, rng, 30, 90)
    return doc


def _paper_fees(sh: Sheet, spec: FormSpec, case: Case, x0: int, x1: int, y: int) -> int:
    """The fees: pre-printed names in 项目|金额 pairs (amounts only where charged), a printed list in
    two columns, or bands of names with each amount under its name."""
    style = spec.pick("items")
    charged = dict(case.bill.items)
    names = list(PRINTED_FEES[case.inpatient])
    names += [n for n in charged if n not in names]
    size = int(spec.size * 0.92)
    row_h = int(spec.size * 1.8)
    if style in ("pairs4", "pairs3"):
        groups = 4 if style == "pairs4" else 3
        rows = -(-len(names) // groups)
        gw = (x1 - x0) / groups
        ys = [y + k * row_h for k in range(rows + 2)]
        for g in range(groups):
            gx = x0 + g * gw
            sh.label_in((round(gx), ys[0], round(gx + gw * 0.5), ys[1]), spec.label("item_name"), size=size)
            sh.label_in((round(gx + gw * 0.5), ys[0], round(gx + gw), ys[1]), spec.label("item_amount"), size=size)
            sh.rule(gx + gw * 0.5, ys[0], gx + gw * 0.5, ys[-1])
            if g:
                sh.rule(gx, ys[0], gx, ys[-1])
        for i, name in enumerate(names):
            col, r = i // rows, i % rows
            gx = x0 + col * gw
            cell = (round(gx), ys[r + 1], round(gx + gw * 0.5), ys[r + 2])
            sh.label_in(cell, name, size=size, align="left")
            if name in charged:
                sh.value_in((cell[2], cell[1], round(gx + gw), cell[3]), spec.money(charged[name]), align="right")
        for yy in ys:
            sh.rule(x0, yy, x1, yy)
        return ys[-1]
    if style == "bands":
        per = 7
        bands = [names[k : k + per] for k in range(0, len(names), per)]
        cw = (x1 - x0) / per
        for band in bands:
            for j, name in enumerate(band):
                cell = (round(x0 + j * cw), y, round(x0 + (j + 1) * cw), y + row_h)
                sh.label_in(cell, name, size=size)
                vcell = (cell[0], y + row_h, cell[2], y + 2 * row_h)
                if name in charged:
                    sh.value_in(vcell, spec.money(charged[name]), align="center")
                sh.rule(cell[2], y, cell[2], y + 2 * row_h)
            sh.rule(x0, y + row_h, x1, y + row_h)
            y += 2 * row_h
            sh.rule(x0, y, x1, y)
        return y
    # list2: the printer lists what was charged, two 收费项目|金额 columns with a ruled head.
    rows = -(-len(case.bill.items) // 2)
    half = (x1 - x0) / 2
    sh.rule(x0, y + row_h, x1, y + row_h)
    for g in range(2):
        gx = x0 + g * half
        sh.label_in((round(gx), y, round(gx + half * 0.6), y + row_h), spec.label("item_name"), size=size)
        sh.label_in((round(gx + half * 0.6), y, round(gx + half), y + row_h), spec.label("item_amount"), size=size)
    sh.rule(x0 + half, y, x0 + half, y + row_h * (rows + 1) + 8)
    for i, (name, amount) in enumerate(case.bill.items):
        g, r = i // rows, i % rows
        gx = x0 + g * half
        yy = y + row_h * (r + 1) + 4
        sh.value_in((round(gx), yy, round(gx + half * 0.6), yy + row_h), name, align="left", pad=16)
        sh.value_in(
            (round(gx + half * 0.6), yy, round(gx + half), yy + row_h), spec.money(amount), align="right", pad=16
        )
    y += row_h * (rows + 1) + 8
    sh.rule(x0, y, x1, y)
    return y


def _security(page: Page, box: Box, color: RGB, rng: random.Random) -> None:
    """The faint guilloche printed under the form against copying, laid under the ink already there."""
    x0, y0, x1, y1 = box
    layer = Image.new("RGB", (x1 - x0, y1 - y0), (255, 255, 255))
    draw = ImageDraw.Draw(layer)
    period, amp, phase = rng.uniform(90, 160), rng.uniform(5, 10), rng.uniform(0, 6.3)
    for k, base in enumerate(range(6, y1 - y0, rng.randint(9, 13))):
        xs = np.arange(0, x1 - x0, 6, dtype=np.float64)
        ys = base + amp * np.sin(xs / period * 6.283 + phase + k * 0.45)
        draw.line(list(zip(xs.tolist(), np.clip(ys, 0, y1 - y0).tolist(), strict=True)), fill=color, width=1)
    region = np.asarray(page.image.crop(box))
    page.image.paste(Image.fromarray(np.minimum(region, np.asarray(layer))), (x0, y0))
