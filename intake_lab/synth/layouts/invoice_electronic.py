"""The national electronic medical invoice (医疗收费电子票据), one layout for every province.

Title with the province, QR code top left, 票据代码/交款人 block left and 票据号码/校验码/开票日期
right, a grid of 项目名称/金额/备注 in three column pairs, 金额合计 in 大写 and 小写 on one row,
the 其他信息 block with the insurance split, then 收款单位(章), 复核人, 收款人. The 财政部监制
oval sits over the title and the hospital's 收费专用章 over the payee and the totals.
"""

import random

from intake.normalize.dates import print_date
from intake.normalize.money import format_money, to_upper
from intake.vocabulary import DocType
from intake_lab.synth import seals
from intake_lab.synth.canvas import SynthDocument, union
from intake_lab.synth.case import Case

from . import register
from .base import Style, label_value, money, qr_image

W, H = 1480, 940


@register("invoice_electronic", DocType.INVOICE, "national electronic medical invoice (医疗收费电子票据)")
def render(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    doc = SynthDocument(DocType.INVOICE, "invoice_electronic", style.family)
    page = doc.new_page(W, H)
    s = style.scale
    body = int(20 * s)
    small = int(18 * s)
    bill = case.bill

    # Title: the province, then which invoice. Inpatient e-invoices carry 住院 in the title.
    kind = "住院" if case.inpatient else "门诊"
    title = rng.choice((f"{case.region.province}医疗{kind}收费票据（电子）", f"{case.region.province}医疗收费电子票据"))
    if not case.inpatient and "住院" not in title and rng.random() < 0.5:
        title = f"{case.region.province}医疗门诊收费电子票据"
    tbox = page.text(W / 2, 62, title, int(34 * s), bold=True, anchor="mm", tracking=0.08)
    page.line(tbox[0], tbox[3] + 6, tbox[2], tbox[3] + 6, 2)
    page.line(tbox[0], tbox[3] + 10, tbox[2], tbox[3] + 10, 1)
    visit_box = tbox
    doc.field("visit_type", "inpatient" if case.inpatient else "outpatient", page, visit_box, title)

    page.paste(qr_image(f"{case.invoice_code}{case.invoice_number}{case.check_code}", 118), 60, 24)

    left, right = 70, int(W * 0.62)
    y = 150
    code_label = rng.choice(("票据代码", "电子票据代码"))
    box = label_value(page, left, y, code_label, case.invoice_code, body, style)
    doc.field("invoice_code", case.invoice_code, page, box, case.invoice_code)
    box = label_value(page, right, y, "票据号码", case.invoice_number, body, style)
    doc.field("invoice_number", case.invoice_number, page, box, case.invoice_number)
    y += int(34 * s)
    label_value(page, left, y, "交款人统一社会信用代码", case.person.id_number, body, style)
    box = label_value(page, right, y, "校验码", case.check_code, body, style)
    doc.field("check_code", case.check_code, page, box, case.check_code)
    y += int(34 * s)
    box = label_value(page, left, y, "交款人", case.person.name, body, style)
    doc.field("patient_name", case.person.name, page, box, case.person.name)
    issued = print_date(case.issue_date, "iso")
    box = label_value(page, right, y, "开票日期", issued, body, style)
    doc.field("issue_date", case.issue_date.isoformat(), page, box, issued)

    # The item grid: three pairs of 项目名称 | 金额(元) | 备注 columns.
    x0, x1 = 50, W - 50
    top = y + int(40 * s)
    row_h = int(34 * s)
    n_rows = max(4, -(-len(bill.items) // 3))
    ys = [top + i * row_h for i in range(n_rows + 2)]
    col_w = (x1 - x0) / 9
    weights = (1.35, 1.0, 0.65)
    xs = [x0]
    for _ in range(3):
        for w in weights:
            xs.append(int(xs[-1] + col_w * w * 3 / sum(weights)))
    xs[-1] = x1
    page.grid(xs, ys)
    for g in range(3):
        for j, head in enumerate(("项目名称", "金额（元）", "备注")):
            page.text_in((xs[3 * g + j], ys[0], xs[3 * g + j + 1], ys[1]), head, small)
    for i, (name, amount) in enumerate(bill.items):
        g, r = i % 3, i // 3
        cell = ys[r + 1], ys[r + 2]
        page.text_in((xs[3 * g], cell[0], xs[3 * g + 1], cell[1]), name, small)
        page.text_in((xs[3 * g + 1], cell[0], xs[3 * g + 2], cell[1]), money(amount, style), small, align="right")

    # 金额合计 row: uppercase on the left, lowercase on the right, inside one ruled row.
    yt = ys[-1]
    total_row = (x0, yt, x1, yt + row_h + 6)
    page.rect(total_row)
    ymid = (total_row[1] + total_row[3]) / 2
    lb = page.text(x0 + 10, ymid, "金额合计（大写）", body, anchor="lm")
    upper = to_upper(case.upper_total)
    ubox = page.text(lb[2] + 12, ymid, upper, body, anchor="lm")
    doc.field("total_amount_upper", upper, page, ubox, upper)
    lower = money(bill.total, style)
    lb2 = page.text(int(W * 0.66), ymid, "（小写）", body, anchor="lm")
    tbox_amount = page.text(lb2[2] + 8, ymid, lower, body, anchor="lm")
    doc.field("total_amount", format_money(bill.total), page, tbox_amount, lower)

    # 其他信息: the block that carries the stay and the insurance split.
    yb = total_row[3]
    info_h = int(138 * s)
    info = (x0, yb, x1, yb + info_h)
    page.rect(info)
    page.line(x0 + 46, yb, x0 + 46, yb + info_h)
    for k, ch in enumerate("其他信息"):
        page.text(x0 + 23, yb + 22 + k * (info_h - 30) / 4, ch, small, anchor="mt")
    ix = x0 + 62
    iy = yb + 12
    lh = int(31 * s)
    number_label = "住院号" if case.inpatient else "门诊号"
    col2 = ix + int((x1 - ix) * 0.36)
    col3 = ix + int((x1 - ix) * 0.66)
    label_value(page, ix, iy, "业务流水号", case.serial_number, small, style)
    label_value(page, col2, iy, number_label, case.inpatient_number, small, style)
    if case.inpatient:
        stay = f"{case.admission.isoformat()}~{case.discharge.isoformat()}"
        sbox = label_value(page, col3, iy, "住院时间", stay, small, style)
        # The two dates share one printed string; each field points at the whole range.
        doc.field("admission_date", case.admission.isoformat(), page, sbox, stay)
        doc.field("discharge_date", case.discharge.isoformat(), page, sbox, stay)
    iy += lh
    label_value(page, ix, iy, "医疗机构类型", rng.choice(("综合医院", "中医医院", "专科医院")), small, style)
    label_value(page, col2, iy, "医保类型", case.insurance_type, small, style)
    label_value(page, col3, iy, "医保编号", case.insurance_number, small, style)
    label_value(page, x1 - 150, iy, "性别", case.person.sex, small, style)
    iy += lh
    money_rows = [
        ("医保统筹基金支付", bill.insurance_paid, "insurance_paid"),
        ("其他支付", bill.other_paid, None),
        ("个人账户支付", bill.personal_account_paid, "personal_account_paid"),
        ("个人现金支付", bill.personal_cash_paid, None),
        ("个人自付", bill.personal_copay, "personal_copay"),
        ("个人自费", bill.personal_selfpay, "personal_selfpay"),
    ]
    money_boxes = []
    cols = (ix, col2, col3)
    for k, (label, amount, name) in enumerate(money_rows):
        mx = cols[k % 3]
        my = iy + (k // 3) * lh
        printed = money(amount, style)
        mbox = label_value(page, mx, my, label, printed, small, style)
        money_boxes.append(mbox)
        if name:
            doc.field(name, format_money(amount), page, mbox, printed)

    yf = info[3] + int(30 * s)
    payee_box = label_value(page, x0 + 10, yf, "收款单位（章）", case.hospital, body, style)
    doc.field("hospital_name", case.hospital, page, payee_box, case.hospital)
    label_value(page, int(W * 0.5), yf, "复核人", case.reviewer, body, style)
    label_value(page, int(W * 0.75), yf, "收款人", case.cashier, body, style)

    oval = seals.oval_seal("全国统一医疗收费票据监制章", "财政部监制", 230, 130, rng)
    page.stamp(oval, W // 2, 70, "财政部监制", "oval")
    if style.seal:
        seal_img = seals.round_seal(case.hospital, int(210 * s), rng, bottom_text="收费专用章")
        cx = payee_box[0] + rng.randint(40, 200)
        cy = payee_box[1] - rng.randint(40, 110)
        sbox = page.stamp(seal_img, cx, cy, case.hospital, "round")
        doc.seal_field(page, sbox, case.hospital)
    else:
        doc.seal_field(page, None, None)
    page.trim_bottom(yf + rng.randint(60, 160))
    doc.notes["sealed_over"] = list(union(tbox_amount, *money_boxes))
    return doc
