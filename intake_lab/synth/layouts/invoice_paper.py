"""Provincial paper medical invoices (医疗收费票据) filled in on pre-printed forms.

Before the national electronic invoice each province had its own paper form. The form is printed
in one coloured tint (rules, labels, title, the 财政部监制 oval and the fine security pattern) and
the hospital's dot-matrix printer fills in the values in black. The printer never quite meets the
form: every value sits a few pixels off its box, by the same amount across the sheet, because the
paper was fed a little askew. The red serial number (No ...) is the 票据号码; the numbering press
prints it with the form, so it is registered to the form, not to the values.

Forms (each for 住院 and 门诊; the province in the title is the case's own, so that a hospital in
山东 never issues a 浙江 invoice):
- zhejiang: brown tint; header grid 住院号/科别/姓名/性别 and 医保类别/住院时间; the fee items are
  pre-printed in a 4 (or 3) pair 项目|金额 grid and only those charged get an amount; 合计金额(大写)
  with ⊗; a 统筹合计/大病救助/个人帐户/个人自付/个人自费/个人支付 block; 第二联 text in the margin.
- jiangsu: blue-green tint; a header strip of label-over-value cells; the printer lists the
  charged items in two 收费项目|金额 columns, with a 医保结算 panel of six lines on the right.
- guangdong: green tint; a two-row label|value header; pre-printed fee names in bands with the
  amount under each name; the insurance split as a second label-over-value band.
- shanghai: violet tint; 上海-style compact form whose items are a printed list with dot leaders
  and whose payment block separates 统筹支付/附加支付/账户支付/现金支付 from 自负/自费.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
from PIL import Image, ImageDraw

from intake.normalize.dates import print_date
from intake.normalize.money import format_money, to_upper
from intake.vocabulary import DocType
from intake_lab.synth import seals
from intake_lab.synth.canvas import Box, Page, SynthDocument, union
from intake_lab.synth.case import Bill, Case

from . import register
from .base import Style, money

RGB = tuple[int, int, int]

W, H = 1400, 860
SERIAL_RED: RGB = (200, 40, 40)

# The one-character abbreviation a province's finance office prints in its form codes (浙财…).
PROVINCE_SHORT = {
    "浙江省": "浙",
    "江苏省": "苏",
    "广东省": "粤",
    "上海市": "沪",
    "山东省": "鲁",
    "湖北省": "鄂",
    "四川省": "川",
}

# Pre-printed fee names, in the order the forms print them. A charged item missing from a form's
# list (a future item name in case.py) is appended, so the printed items always add up.
ZJ_INPATIENT = (
    "床位费",
    "诊查费",
    "检查费",
    "化验费",
    "治疗费",
    "手术费",
    "护理费",
    "卫生材料费",
    "西药费",
    "中成药费",
    "中草药费",
    "输血费",
    "麻醉费",
    "其他费",
)
ZJ_OUTPATIENT = (
    "挂号费",
    "诊查费",
    "一般诊疗费",
    "检查费",
    "化验费",
    "治疗费",
    "卫生材料费",
    "西药费",
    "中成药费",
)
GD_INPATIENT = (
    "西药费",
    "中成药费",
    "中草药费",
    "检查费",
    "化验费",
    "治疗费",
    "手术费",
    "麻醉费",
    "输血费",
    "床位费",
    "护理费",
    "诊查费",
    "卫生材料费",
    "其他费",
)
GD_OUTPATIENT = (
    "挂号费",
    "诊查费",
    "一般诊疗费",
    "西药费",
    "中成药费",
    "检查费",
    "化验费",
    "治疗费",
    "卫生材料费",
)


def _jitter(rng: random.Random, rgb: RGB, spread: int = 12) -> RGB:
    """Print runs of one form differ a little in colour."""
    return tuple(max(0, min(255, c + rng.randint(-spread, spread))) for c in rgb)  # type: ignore[return-value]


def _pale(rgb: RGB, k: float) -> RGB:
    return tuple(int(255 - (255 - c) * k) for c in rgb)  # type: ignore[return-value]


def _form_names(printed: Sequence[str], bill: Bill) -> list[str]:
    names = list(printed)
    names += [n for n, _ in bill.items if n not in names]
    return names


def _date_text(d: date, style: Style, allowed: Sequence[str]) -> str:
    """The style's date format when the form's printer program offers it, else the form's own."""
    return print_date(d, style.date_style if style.date_style in allowed else allowed[0])


def _ribbon(page: Page, box: Box) -> None:
    """Dot-matrix print: lighten the ink on a 3-pixel lattice so the strokes break into dots."""
    x0, y0 = max(box[0] - 1, 0), max(box[1] - 1, 0)
    x1, y1 = min(box[2] + 1, page.width), min(box[3] + 1, page.height)
    if x1 <= x0 or y1 <= y0:
        return
    a = np.asarray(page.image.crop((x0, y0, x1, y1)), dtype=np.float32)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    lattice = ((yy % 3) == 2) | ((xx % 3) == 2)
    a = a + (255.0 - a) * np.where(lattice, 0.4, 0.0)[..., None]
    page.image.paste(Image.fromarray(a.clip(0, 255).astype(np.uint8)), (x0, y0))


def _security_pattern(page: Page, box: Box, color: RGB, rng: random.Random) -> None:
    """The faint guilloche printed under the form against copying; only the form's area has it."""
    draw = ImageDraw.Draw(page.image)
    x0, y0, x1, y1 = box
    period = rng.uniform(90, 160)
    amp = rng.uniform(5, 10)
    phase = rng.uniform(0, 6.3)
    for k, base in enumerate(range(y0 + 6, y1, rng.randint(9, 13))):
        xs = np.arange(x0, x1, 6, dtype=np.float64)
        ys = base + amp * np.sin(xs / period * 6.283 + phase + k * 0.45)
        draw.line(list(zip(xs.tolist(), np.clip(ys, y0, y1).tolist(), strict=True)), fill=color, width=1)


@dataclass
class _Sheet:
    """One paper form being filled in: the pre-printed layer (tint) and the printer's layer (ink)."""

    doc: SynthDocument
    page: Page
    case: Case
    style: Style
    rng: random.Random
    tint: RGB
    ink: RGB
    dx: int
    dy: int
    ribbon: bool

    def px(self, v: float) -> int:
        return max(10, round(v * self.style.scale))

    # -- the pre-printed form -------------------------------------------------------------------
    def form(self, x: float, y: float, s: str, size: int, **kw: object) -> Box:
        return self.page.text(x, y, s, size, fill=self.tint, **kw)  # type: ignore[arg-type]

    def form_in(self, cell: Box, s: str, size: int, **kw: object) -> Box:
        return self.page.text_in(cell, s, size, fill=self.tint, **kw)  # type: ignore[arg-type]

    def rule(self, x0: float, y0: float, x1: float, y1: float, width: int = 1) -> None:
        self.page.line(x0, y0, x1, y1, width, self.tint)

    def frame(self, box: Box, width: int = 2) -> None:
        self.page.rect(box, width, self.tint)

    # -- the printer ------------------------------------------------------------------------------
    def fill(self, x: float, y: float, s: str, size: int, *, anchor: str = "la") -> Box:
        jx, jy = self.rng.choice((-1, 0, 0, 1)), self.rng.choice((-1, 0, 0, 1))
        box = self.page.text(x + self.dx + jx, y + self.dy + jy, s, size, fill=self.ink, anchor=anchor)
        if self.ribbon:
            _ribbon(self.page, box)
        return box

    def fill_in(self, cell: Box, s: str, size: int, *, align: str = "left", pad: int = 10) -> Box:
        x0, y0, x1, y1 = cell
        ym = (y0 + y1) / 2
        if align == "right":
            return self.fill(x1 - pad, ym, s, size, anchor="rm")
        if align == "center":
            return self.fill((x0 + x1) / 2, ym, s, size, anchor="mm")
        return self.fill(x0 + pad, ym, s, size, anchor="lm")

    # -- fields -----------------------------------------------------------------------------------
    def record(self, name: str, value: object, box: Box, printed: str) -> None:
        self.doc.field(name, value, self.page, box, printed)

    def amount_in(
        self,
        cell: Box,
        amount: Decimal,
        size: int,
        name: str | None = None,
        *,
        yuan: bool = False,
        align: str = "right",
    ) -> Box:
        printed = ("¥" if yuan else "") + money(amount, self.style)
        box = self.fill_in(cell, printed, size, align=align, pad=14)
        if name:
            self.record(name, format_money(amount), box, printed)
        return box

    def upper_total(self, x: float, ym: float, size: int, mark: str) -> Box:
        """The ⊗/¥ mark that bars additions, then the 大写 amount as its own string."""
        mbox = self.fill(x, ym, mark, size, anchor="lm")
        upper = to_upper(self.case.upper_total)
        ubox = self.fill(mbox[2] + size * 0.4, ym, upper, size, anchor="lm")
        self.record("total_amount_upper", upper, ubox, upper)
        return ubox

    def title(self, x: float, y: float, text: str, size: int, *, tracking: float) -> Box:
        box = self.form(x, y, text, size, bold=True, anchor="mm", tracking=tracking)
        self.record("visit_type", "inpatient" if self.case.inpatient else "outpatient", box, text)
        return box

    def serial(self, xr: float, ym: float, size: int) -> Box:
        """The red No and number at top right: the 票据号码, from the numbering press."""
        number = self.case.invoice_number
        nbox = self.page.text(xr, ym, number, size, fill=SERIAL_RED, anchor="rm", tracking=0.08)
        no_size = int(size * 0.9)
        self.page.text(nbox[0] - size * 0.5, ym, "No", no_size, fill=SERIAL_RED, anchor="rm", bold=True)
        self.record("invoice_number", number, nbox, number)
        return nbox

    def footer(
        self,
        x0: float,
        x1: float,
        y: float,
        label_size: int,
        size: int,
        parts: Sequence[tuple[float, str, str]],
    ) -> tuple[list[Box], float]:
        """收款单位/收款人/日期 on one line, each at its place on the form (x, label, value).

        A long hospital name pushes the next part right; a part past the right edge goes to a new
        line, as the printer program would wrap it. Returns the value boxes and the last line's y.
        """
        boxes: list[Box] = []
        cursor = None
        for nominal, lab, value in parts:
            need = self.page.text_width(lab, label_size) + self.page.text_width(value, size) + 30
            x = nominal if cursor is None else max(nominal, cursor + size * 2)
            if x + need > x1:
                y += size * 1.9
                x = x0
            lb = self.form(x, y, lab, label_size, anchor="lm")
            boxes.append(self.fill(lb[2] + 10, y, value, size, anchor="lm"))
            cursor = boxes[-1][2]
        return boxes, y

    def date(self, name: str, d: date, x: float, ym: float, size: int, allowed: Sequence[str]) -> Box:
        printed = _date_text(d, self.style, allowed)
        box = self.fill(x, ym, printed, size, anchor="lm")
        self.record(name, d.isoformat(), box, printed)
        return box

    # -- seals ------------------------------------------------------------------------------------
    def finance_oval(self, cx: float, cy: float) -> None:
        """The 财政部监制 oval is part of the pre-printed form, so every copy has it."""
        ring = self.rng.choice(("全国统一医疗收费票据监制章", "全国统一票据监制章"))
        ow, oh = self.rng.randint(210, 240), self.rng.randint(118, 132)
        oval = seals.oval_seal(ring, "财政部监制", ow, oh, self.rng)
        x, y = int(cx + self.rng.randint(-25, 25)), int(cy + self.rng.randint(-6, 8))
        self.page.stamp(oval, x, y, "财政部监制", "oval")

    def hospital_seal(self, cx: float, cy: float) -> None:
        """The hospital's 收费专用章 over the totals; the document's seal field."""
        if not self.style.seal:
            self.doc.seal_field(self.page, None, None)
            return
        hospital = self.case.hospital
        diameter = self.px(self.rng.randint(190, 220))
        img = seals.round_seal(hospital, diameter, self.rng, bottom_text="收费专用章")
        sbox = self.page.stamp(img, int(cx), int(cy), hospital, "round")
        self.doc.seal_field(self.page, sbox, hospital)
        under = [d.box for d in self.page.drawn if _meets(d.box, sbox)]
        if under:
            self.doc.notes["sealed_over"] = list(union(*under))

    def cash_stamp(self, cx: float, cy: float, p: float) -> None:
        """现金收讫, pressed by the cashier across the amounts on some copies."""
        if self.style.seal and self.rng.random() < p:
            img = seals.rect_stamp(self.rng.choice(("现金收讫", "收讫")), self.px(30), self.rng)
            self.page.stamp(img, int(cx), int(cy), "现金收讫", "rect")


def _meets(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _finance_office(province: str) -> str:
    """Who printed the form: 浙江省财政厅, but 上海市财政局 for a municipality."""
    return province + ("财政局" if province.endswith("市") else "财政厅")


def _start(layout: str, case: Case, style: Style, rng: random.Random, tint: RGB) -> _Sheet:
    doc = SynthDocument(DocType.INVOICE, layout, style.family)
    page = doc.new_page(W, H)
    ink = rng.choice(((30, 30, 38), (42, 42, 58), (24, 24, 24), (52, 48, 60)))
    # Misregistration: the printer's layer sits off the form by one shift for the whole sheet.
    return _Sheet(
        doc,
        page,
        case,
        style,
        rng,
        _jitter(rng, tint),
        ink,
        rng.randint(-6, 8),
        rng.randint(-5, 6),
        rng.random() < 0.7,
    )


def _columns(page: Page, x0: int, x1: int, cells: Sequence[tuple[str, str]], size: int, pad: int = 12) -> list[int]:
    """Cell edges for a row of (label, value) pairs: each label as wide as its text, the room
    left shared among the value cells in proportion to what they hold."""
    label_w = [page.text_width(lbl, size) + 2 * pad for lbl, _ in cells]
    value_w = [page.text_width(val, size) + 2 * pad + 16 for _, val in cells]
    spare = (x1 - x0) - sum(label_w) - sum(value_w)
    if spare < 0:
        raise ValueError(f"row of {len(cells)} cells does not fit in {x1 - x0}px")
    share = sum(value_w)
    edges = [x0]
    for lw, vw in zip(label_w, value_w, strict=True):
        edges.append(edges[-1] + round(lw))
        edges.append(edges[-1] + round(vw + spare * vw / share))
    edges[-1] = x1
    return edges


def _label_row(
    sh: _Sheet, x0: int, x1: int, y0: int, y1: int, cells: Sequence[tuple[str, str]], size: int
) -> list[Box]:
    """A ruled row of label|value cells; draws the labels and rules, returns the value cells."""
    edges = _columns(sh.page, x0, x1, cells, size)
    out = []
    for k, (label, _) in enumerate(cells):
        lx0, lx1, vx1 = edges[2 * k], edges[2 * k + 1], edges[2 * k + 2]
        sh.form_in((lx0, y0, lx1, y1), label, size)
        sh.rule(lx1, y0, lx1, y1)
        if vx1 < x1:
            sh.rule(vx1, y0, vx1, y1)
        out.append((lx1, y0, vx1, y1))
    return out


def _stay_in(sh: _Sheet, cell: Box, size: int, allowed: Sequence[str]) -> None:
    """住院时间 as two dates with 至 between, each its own printed string and field."""
    case = sh.case
    ym = (cell[1] + cell[3]) / 2
    a = sh.date("admission_date", case.admission, cell[0] + 10, ym, size, allowed)
    z = sh.fill(a[2] + size * 0.6, ym, "至", size, anchor="lm")
    sh.date("discharge_date", case.discharge, z[2] + size * 0.6, ym, size, allowed)


def _stay_hint(case: Case, style: Style, allowed: Sequence[str]) -> str:
    if case.inpatient:
        admitted = _date_text(case.admission, style, allowed)
        return f"{admitted}  至  {_date_text(case.discharge, style, allowed)}"
    return _date_text(case.discharge, style, allowed)


def _vertical(sh: _Sheet, x: float, y: float, text: str, size: int) -> int:
    """Margin text set one character under the other (第二联 收据联); returns the y after it."""
    for ch in text:
        if ch != " ":
            sh.form(x, y, ch, size, anchor="mt")
        y += int(size * 1.25)
    return int(y)


# ---------------------------------------------------------------------------------------------
@register("invoice_paper_zhejiang", DocType.INVOICE, "浙江-style paper invoice, pre-printed fee grid")
def render_zhejiang(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    sh = _start("invoice_paper_zhejiang", case, style, rng, (120, 90, 60))
    page, bill = sh.page, case.bill
    body, small, label = sh.px(20), sh.px(17), sh.px(19)
    kind = "住院" if case.inpatient else "门诊"
    x0, x1 = 56, W - 84
    allowed = ("cn", "cn_short")
    _security_pattern(page, (16, 16, W - 16, H - 16), _pale(sh.tint, 0.09), rng)

    title = sh.title(W / 2, 62, f"{case.region.province}医疗{kind}收费票据", sh.px(36), tracking=0.14)
    sh.rule(title[0], title[3] + 8, title[2], title[3] + 8, 2)
    sh.rule(title[0], title[3] + 12, title[2], title[3] + 12, 1)
    sh.serial(x1, 66, sh.px(26))
    yc = title[3] + 34
    lb = sh.form(x0, yc, "票据代码：", small, anchor="lm")
    code = sh.form(lb[2] + 4, yc, case.invoice_code, small, anchor="lm")
    sh.record("invoice_code", case.invoice_code, code, case.invoice_code)
    mid = sh.form(int(W * 0.62), yc, "业务流水号：", small, anchor="lm")
    sh.fill(mid[2] + 12, yc, case.serial_number, small, anchor="lm")

    # Header grid: two rows of label|value cells.
    row = sh.px(42)
    top = yc + 26
    number_label = "住院号" if case.inpatient else "门诊号"
    # The name cell is given two spaces more than the name needs: forms leave room for long names.
    cells1 = [
        (number_label, case.inpatient_number),
        ("科别", case.department),
        ("姓名", case.person.name + "  "),
        ("性别", case.person.sex),
    ]
    v1 = _label_row(sh, x0, x1, top, top + row, cells1, label)
    sh.fill_in(v1[0], case.inpatient_number, body)
    sh.fill_in(v1[1], case.department, body)
    nbox = sh.fill_in(v1[2], case.person.name, body)
    sh.record("patient_name", case.person.name, nbox, case.person.name)
    sh.fill_in(v1[3], case.person.sex, body)
    stay_label = "住院时间" if case.inpatient else "就诊日期"
    cells2 = [("医保类别", case.insurance_type), (stay_label, _stay_hint(case, style, allowed))]
    v2 = _label_row(sh, x0, x1, top + row, top + 2 * row, cells2, label)
    sh.fill_in(v2[0], case.insurance_type, body)
    if case.inpatient:
        _stay_in(sh, v2[1], body, allowed)
    else:
        sh.fill_in(v2[1], _date_text(case.discharge, style, allowed), body)
    sh.rule(x0, top + row, x1, top + row)

    # The fee grid: pre-printed names, filled down the columns; the printer adds amounts.
    names = _form_names(ZJ_INPATIENT if case.inpatient else ZJ_OUTPATIENT, bill)
    pairs = 4 if case.inpatient else 3
    rows = -(-len(names) // pairs)
    gtop = top + 2 * row
    irow = sh.px(36)
    pair_w = (x1 - x0) / pairs
    name_w = pair_w * 0.5
    ys = [gtop + i * irow for i in range(rows + 2)]
    charged = dict(bill.items)
    amount_boxes: list[Box] = []
    for p in range(pairs):
        px0 = x0 + pair_w * p
        xs = [round(px0), round(px0 + name_w), round(px0 + pair_w)]
        for x in xs[1:]:
            sh.rule(x, ys[0], x, ys[-1])
        sh.form_in((xs[0], ys[0], xs[1], ys[1]), "项    目", label)
        sh.form_in((xs[1], ys[0], xs[2], ys[1]), "金    额", label)
        for r in range(rows):
            k = p * rows + r
            if k >= len(names):
                break
            cell_n = (xs[0], ys[r + 1], xs[1], ys[r + 2])
            sh.form_in(cell_n, names[k], label, align="left", pad=14)
            if names[k] in charged:
                cell = (xs[1], ys[r + 1], xs[2], ys[r + 2])
                amount_boxes.append(sh.amount_in(cell, charged[names[k]], body))
    for y in ys:
        sh.rule(x0, y, x1, y)

    # 合计金额: 大写 with the ⊗ bar, 小写 at the right of the same row.
    trow = sh.px(46)
    ty0, ty1 = ys[-1], ys[-1] + trow
    tlabel = rng.choice(("合计金额（大写）", "金额合计（大写）"))
    lb = sh.form_in((x0, ty0, x0 + 10, ty1), tlabel, label, align="left", pad=14)
    lower_label_x = x0 + (x1 - x0) * 0.68
    sh.rule(lower_label_x, ty0, lower_label_x, ty1)
    sh.upper_total(lb[2] + 24, (ty0 + ty1) / 2, body, rng.choice(("⊗", "⊗", "¥")))
    ll = sh.form_in((round(lower_label_x), ty0, x1, ty1), "（小写）", label, align="left", pad=12)
    total_box = sh.amount_in((ll[2], ty0, x1, ty1), bill.total, body, "total_amount", yuan=rng.random() < 0.6)
    sh.rule(x0, ty1, x1, ty1)

    # Insurance block: two rows of three label|amount cells.
    account = rng.choice(("个人帐户", "个人账户"))
    entries: list[tuple[str, Decimal, str | None]] = [
        ("统筹合计", bill.insurance_paid, "insurance_paid"),
        ("大病救助", bill.other_paid, None),
        (account, bill.personal_account_paid, "personal_account_paid"),
        (rng.choice(("个人自付", "自付金额")), bill.personal_copay, "personal_copay"),
        (rng.choice(("个人自费", "自费金额")), bill.personal_selfpay, "personal_selfpay"),
        (rng.choice(("个人支付", "现金支付")), bill.personal_cash_paid, None),
    ]
    fy = ty1
    third = (x1 - x0) / 3
    for k, (lab, amount, name) in enumerate(entries):
        cx0 = round(x0 + third * (k % 3))
        cx1 = round(x0 + third * (k % 3 + 1))
        cy0 = fy + (k // 3) * row
        lb = sh.form_in((cx0, cy0, cx1, cy0 + row), lab, label, align="left", pad=14)
        sh.rule(lb[2] + 12, cy0, lb[2] + 12, cy0 + row)
        sh.amount_in((lb[2] + 12, cy0, cx1, cy0 + row), amount, body, name)
        if k % 3:
            sh.rule(cx0, cy0, cx0, cy0 + row)
    sh.rule(x0, fy + row, x1, fy + row)
    bottom = fy + 2 * row
    sh.frame((x0, top, x1, bottom), 2)

    # Below the grid: payee, cashier, date, then the printer's imprint of the form.
    yf = bottom + sh.px(34)
    issued = _date_text(case.issue_date, style, ("cn", "cn_short"))
    (hbox, _, dbox), ye = sh.footer(
        x0 + 4,
        x1,
        yf,
        label,
        body,
        [
            (x0 + 4, "收款单位（盖章）：", case.hospital),
            (W * 0.5, "收款人：", case.cashier),
            (W * 0.67, rng.choice(("收费日期：", "开票日期：")), issued),
        ],
    )
    sh.record("hospital_name", case.hospital, hbox, case.hospital)
    sh.record("issue_date", case.issue_date.isoformat(), dbox, issued)
    short = PROVINCE_SHORT.get(case.region.province, "")
    imprint = f"（{case.issue_date.year - rng.randint(1, 3)}）{short}财印字第{rng.randint(10, 99)}号"
    end = sh.form(x0, ye + sh.px(38), imprint, sh.px(13), anchor="lm")

    _vertical(sh, x1 + 38, top + 10, rng.choice(("第二联 收据联", "第二联 交款人收执")), sh.px(17))

    sh.finance_oval(W / 2, title[1] + (title[3] - title[1]) / 2)
    sh.cash_stamp((amount_boxes[0][0] + total_box[2]) / 2 if amount_boxes else W / 2, ys[len(ys) // 2], 0.35)
    sh.hospital_seal(hbox[0] + rng.randint(40, 160), fy - rng.randint(40, 100))
    page.trim_bottom(end[3] + rng.randint(24, 60))
    return sh.doc


# ---------------------------------------------------------------------------------------------
@register("invoice_paper_jiangsu", DocType.INVOICE, "江苏-style paper invoice: printed item list, 医保 panel")
def render_jiangsu(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    sh = _start("invoice_paper_jiangsu", case, style, rng, (50, 125, 140))
    page, bill = sh.page, case.bill
    body, small, label = sh.px(20), sh.px(16), sh.px(18)
    kind = "住院" if case.inpatient else "门诊"
    x0, x1 = 60, W - 60
    allowed = ("dot", "iso", "cn")
    _security_pattern(page, (16, 16, W - 16, H - 16), _pale(sh.tint, 0.08), rng)

    title = sh.title(W / 2, 58, f"{case.region.province}医疗机构{kind}收费票据", sh.px(34), tracking=0.1)
    sh.form(W / 2, title[3] + 22, "（ 电 脑 打 印 · 手 写 无 效 ）", small, anchor="mm")
    sh.serial(x1, 56, sh.px(25))
    yc = title[3] + 60
    lb = sh.form(x0, yc, "票据代码：", small, anchor="lm")
    code = sh.fill(lb[2] + 12, yc, case.invoice_code, body, anchor="lm")
    sh.record("invoice_code", case.invoice_code, code, case.invoice_code)
    lb = sh.form(int(W * 0.40), yc, "医疗机构：", small, anchor="lm")
    hbox = sh.fill(lb[2] + 12, yc, case.hospital, body, anchor="lm")
    sh.record("hospital_name", case.hospital, hbox, case.hospital)

    # Header strip: each cell has its label on a thin top band and the value below it.
    top = yc + 26
    band, vrow = sh.px(30), sh.px(42)
    number_label = "住院号" if case.inpatient else "门诊号"
    head: list[tuple[str, str]] = [
        ("姓名", case.person.name),
        ("性别", case.person.sex),
        (number_label, case.inpatient_number),
        ("科别", case.department),
        ("医保类别", case.insurance_type),
    ]
    if case.inpatient:
        head += [
            ("入院日期", _date_text(case.admission, style, allowed)),
            ("出院日期", _date_text(case.discharge, style, allowed)),
            ("住院天数", str(case.stay_days)),
        ]
    else:
        head += [("就诊日期", _date_text(case.discharge, style, allowed))]
    need = [max(page.text_width(lbl, label), page.text_width(v, body)) + 28 for lbl, v in head]
    # Large print does not fit one strip: the form then has two strips of half the cells each.
    strips = [head] if sum(need) <= x1 - x0 else [head[: len(head) // 2], head[len(head) // 2 :]]
    for strip_cells in strips:
        widths = [max(page.text_width(lbl, label), page.text_width(v, body)) + 28 for lbl, v in strip_cells]
        spare = (x1 - x0) - sum(widths)
        if spare < 0:
            raise ValueError("jiangsu header does not fit")
        edges = [x0]
        for n in widths:
            edges.append(round(edges[-1] + n + spare / len(widths)))
        edges[-1] = x1
        for k, (lbl, value) in enumerate(strip_cells):
            sh.form_in((edges[k], top, edges[k + 1], top + band), lbl, label)
            if k:
                sh.rule(edges[k], top, edges[k], top + band + vrow)
            box = sh.fill_in((edges[k], top + band, edges[k + 1], top + band + vrow), value, body, align="center")
            if lbl == "姓名":
                sh.record("patient_name", value, box, value)
            elif lbl == "入院日期":
                sh.record("admission_date", case.admission.isoformat(), box, value)
            elif lbl == "出院日期":
                sh.record("discharge_date", case.discharge.isoformat(), box, value)
        sh.rule(x0, top + band, x1, top + band)
        top += band + vrow
        sh.rule(x0, top, x1, top)
    top -= len(strips) * (band + vrow)

    # Body: printed item list in two 收费项目|金额 columns, 医保结算 panel on the right.
    btop = top + len(strips) * (band + vrow)
    irow = sh.px(36)
    panel_x = round(x0 + (x1 - x0) * 0.6)
    lines: list[tuple[str, Decimal, str | None]] = [
        (rng.choice(("医保统筹支付", "统筹基金支付")), bill.insurance_paid, "insurance_paid"),
        (rng.choice(("大病保险支付", "其他基金支付")), bill.other_paid, None),
        (rng.choice(("个人账户支付", "个人帐户支付")), bill.personal_account_paid, "personal_account_paid"),
        ("个人现金支付", bill.personal_cash_paid, None),
        (rng.choice(("个人自付", "自付金额")), bill.personal_copay, "personal_copay"),
        (rng.choice(("个人自费", "自费金额")), bill.personal_selfpay, "personal_selfpay"),
    ]
    rows = max(len(lines), -(-len(bill.items) // 2))
    ys = [btop + i * irow for i in range(rows + 2)]
    col = (panel_x - x0) / 2
    for c in range(2):
        cx0 = round(x0 + col * c)
        cmid = round(cx0 + col * 0.52)
        cx1 = round(x0 + col * (c + 1))
        sh.form_in((cx0, ys[0], cmid, ys[1]), "收费项目", label)
        sh.form_in((cmid, ys[0], cx1, ys[1]), "金额（元）", label)
        sh.rule(cmid, ys[0], cmid, ys[-1])
        if c:
            sh.rule(cx0, ys[0], cx0, ys[-1])
    for k, (name, amount) in enumerate(bill.items):
        c, r = k % 2, k // 2
        cx0 = round(x0 + col * c)
        cmid = round(cx0 + col * 0.52)
        cx1 = round(x0 + col * (c + 1))
        sh.fill_in((cx0, ys[r + 1], cmid, ys[r + 2]), name, body, pad=16)
        sh.amount_in((cmid, ys[r + 1], cx1, ys[r + 2]), amount, body)
    for y in ys[:2]:
        sh.rule(x0, y, panel_x, y)
    sh.rule(panel_x, ys[0], panel_x, ys[-1], 2)
    sh.form_in((panel_x, ys[0], x1, ys[1]), "医 保 结 算 信 息", label)
    sh.rule(panel_x, ys[1], x1, ys[1])
    pl = panel_x + 16
    for k, (lab, amount, name) in enumerate(lines):
        cell = (pl, ys[k + 1], x1, ys[k + 2])
        sh.form_in(cell, lab + style.colon, label, align="left", pad=0)
        sh.amount_in((pl, ys[k + 1], x1 - 30, ys[k + 2]), amount, body, name)

    # Total row across the full width.
    trow = sh.px(46)
    ty0, ty1 = ys[-1], ys[-1] + trow
    sh.rule(x0, ty0, x1, ty0)
    ym = (ty0 + ty1) / 2
    lb = sh.form(x0 + 14, ym, rng.choice(("合计（大写）", "合计金额（大写）")), label, anchor="lm")
    sh.upper_total(lb[2] + 20, ym, body, "¥")
    lx = round(x0 + (x1 - x0) * 0.66)
    sh.rule(lx, ty0, lx, ty1)
    ll = sh.form(lx + 14, ym, "（小写）", label, anchor="lm")
    total_box = sh.amount_in((ll[2], ty0, x1, ty1), bill.total, body, "total_amount", yuan=True)
    sh.frame((x0, top, x1, ty1), 2)

    yf = ty1 + sh.px(36)
    issued = _date_text(case.issue_date, style, ("cn", "iso", "dot"))
    (payee, _, dbox), ye = sh.footer(
        x0 + 4,
        x1,
        yf,
        label,
        body,
        [
            (x0 + 4, "收款单位（章）：", case.hospital),
            (W * 0.46, "收款员：", case.cashier),
            (W * 0.66, "开票日期：", issued),
        ],
    )
    sh.record("issue_date", case.issue_date.isoformat(), dbox, issued)
    short = PROVINCE_SHORT.get(case.region.province, "")
    imprint = f"{_finance_office(case.region.province)}监制  {short}财准印（{case.issue_date.year - 2}）"
    end = sh.form(W / 2, ye + sh.px(40), imprint, sh.px(13), anchor="mm")

    sh.finance_oval(W / 2 - rng.randint(0, 60), (title[1] + title[3]) / 2)
    sh.cash_stamp(total_box[0] - rng.randint(0, 120), ym - rng.randint(0, 60), 0.3)
    sh.hospital_seal(payee[0] + rng.randint(30, 150), yf - rng.randint(35, 90))
    page.trim_bottom(end[3] + rng.randint(24, 60))
    return sh.doc


# ---------------------------------------------------------------------------------------------
@register("invoice_paper_guangdong", DocType.INVOICE, "广东-style paper invoice, fee names over amounts")
def render_guangdong(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    sh = _start("invoice_paper_guangdong", case, style, rng, (40, 115, 80))
    page, bill = sh.page, case.bill
    body, small, label = sh.px(20), sh.px(16), sh.px(18)
    kind = "住院" if case.inpatient else "门诊"
    x0, x1 = 92, W - 60
    allowed = ("iso", "cn", "dot")
    _security_pattern(page, (16, 16, W - 16, H - 16), _pale(sh.tint, 0.09), rng)

    title = sh.title(W / 2, 56, f"{case.region.province}医疗收费票据（{kind}）", sh.px(34), tracking=0.08)
    sh.rule(title[0] - 20, title[3] + 9, title[2] + 20, title[3] + 9, 1)
    sh.serial(x1, 104, sh.px(24))
    yc = 104
    lb = sh.form(x0, yc, "票据代码", small, anchor="lm")
    code = sh.form(lb[2] + 14, yc, case.invoice_code, small, anchor="lm")
    sh.record("invoice_code", case.invoice_code, code, case.invoice_code)
    lb = sh.form(x0 + 330, yc, "交款人" + style.colon, small, anchor="lm")
    payer = sh.fill(lb[2] + 12, yc, case.person.name, body, anchor="lm")
    sh.record("patient_name", case.person.name, payer, case.person.name)

    # Two-row label|value header.
    top = yc + 28
    row = sh.px(40)
    number_label = "住院号" if case.inpatient else "门诊号"
    cells1 = [
        ("性别", case.person.sex),
        ("医保类别", case.insurance_type),
        (number_label, case.inpatient_number),
        ("科室", case.department),
    ]
    v1 = _label_row(sh, x0, x1, top, top + row, cells1, label)
    for cell, (_, value) in zip(v1, cells1, strict=True):
        sh.fill_in(cell, value, body)
    sh.rule(x0, top + row, x1, top + row)
    stay_label = "住院日期" if case.inpatient else "就诊日期"
    cells2 = [
        (stay_label, _stay_hint(case, style, allowed)),
        ("医疗机构类型", "综合医院"),
        ("社会保障号", case.insurance_number),
    ]
    v2 = _label_row(sh, x0, x1, top + row, top + 2 * row, cells2, label)
    if case.inpatient:
        _stay_in(sh, v2[0], body, allowed)
    else:
        sh.fill_in(v2[0], _date_text(case.discharge, style, allowed), body)
    sh.fill_in(v2[1], rng.choice(("综合医院", "专科医院", "中医医院")), body)
    sh.fill_in(v2[2], case.insurance_number, body)

    # Fee bands: pre-printed names on a tinted strip, the amount printed under each.
    names = _form_names(GD_INPATIENT if case.inpatient else GD_OUTPATIENT, bill)
    per = 7 if len(names) > 10 else 5
    bands = -(-len(names) // per)
    strip, arow = sh.px(32), sh.px(40)
    gtop = top + 2 * row
    side = x0 + sh.px(44)
    colw = (x1 - side) / per
    charged = dict(bill.items)
    y = gtop
    amount_boxes: list[Box] = []
    for b in range(bands):
        page.rect((side, y, x1, y + strip), 0, fill=_pale(sh.tint, 0.12))
        for c in range(per):
            k = b * per + c
            cx0, cx1 = round(side + colw * c), round(side + colw * (c + 1))
            if c:
                sh.rule(cx0, y, cx0, y + strip + arow)
            if k < len(names):
                sh.form_in((cx0, y, cx1, y + strip), names[k], label)
                if names[k] in charged:
                    cell = (cx0, y + strip, cx1, y + strip + arow)
                    amount_boxes.append(sh.amount_in(cell, charged[names[k]], body, align="center"))
        sh.rule(side, y + strip, x1, y + strip)
        # The last band closes the whole block, the side label's column included.
        sh.rule(x0 if b == bands - 1 else side, y + strip + arow, x1, y + strip + arow)
        y += strip + arow
    sh.rule(x0, gtop, x1, gtop)
    sh.rule(side, gtop, side, y)
    vy = gtop + (y - gtop - 4 * small * 1.3) / 2
    for ch in "收费项目":
        sh.form((x0 + side) / 2, vy, ch, small, anchor="mt")
        vy += small * 1.3

    # Totals: 合计人民币(大写) with ⊗, then (小写).
    trow = sh.px(46)
    ty0, ty1 = y, y + trow
    ym = (ty0 + ty1) / 2
    lb = sh.form(x0 + 14, ym, "合计人民币（大写）", label, anchor="lm")
    sh.upper_total(lb[2] + 20, ym, body, "⊗")
    lx = round(x0 + (x1 - x0) * 0.68)
    sh.rule(lx, ty0, lx, ty1)
    ll = sh.form(lx + 14, ym, "（小写）¥", label, anchor="lm")
    sh.amount_in((ll[2], ty0, x1, ty1), bill.total, body, "total_amount", align="left")
    sh.rule(x0, ty1, x1, ty1)

    # Insurance split as a second band: label strip over amounts.
    split: list[tuple[str, Decimal, str | None]] = [
        ("医保统筹基金支付", bill.insurance_paid, "insurance_paid"),
        ("其他支付", bill.other_paid, None),
        ("个人账户支付", bill.personal_account_paid, "personal_account_paid"),
        ("个人现金支付", bill.personal_cash_paid, None),
        ("个人自付", bill.personal_copay, "personal_copay"),
        ("个人自费", bill.personal_selfpay, "personal_selfpay"),
    ]
    sw = (x1 - x0) / len(split)
    sy = ty1
    for k, (lab, amount, name) in enumerate(split):
        cx0, cx1 = round(x0 + sw * k), round(x0 + sw * (k + 1))
        if k:
            sh.rule(cx0, sy, cx0, sy + strip + arow)
        sh.form_in((cx0, sy, cx1, sy + strip), lab, small)
        sh.amount_in((cx0, sy + strip, cx1, sy + strip + arow), amount, body, name, align="center")
    sh.rule(x0, sy + strip, x1, sy + strip)
    bottom = sy + strip + arow
    sh.frame((x0, top, x1, bottom), 2)

    yf = bottom + sh.px(34)
    issued = _date_text(case.issue_date, style, ("cn", "iso", "cn_short"))
    (payee, _, dbox), ye = sh.footer(
        x0 + 4,
        x1,
        yf,
        label,
        body,
        [
            (x0 + 4, "收款单位（盖章）" + style.colon, case.hospital),
            (W * 0.5, "收款人" + style.colon, case.cashier),
            (W * 0.68, "日期" + style.colon, issued),
        ],
    )
    sh.record("hospital_name", case.hospital, payee, case.hospital)
    sh.record("issue_date", case.issue_date.isoformat(), dbox, issued)
    office = _finance_office(case.region.province)
    end = sh.form(x0, ye + sh.px(38), f"监制：{office}", sh.px(13), anchor="lm")

    _vertical(sh, (x0 - 8) / 2 + 4, top + 8, "第二联 收据联 交款人收执", sh.px(15))

    sh.finance_oval(W / 2, (title[1] + title[3]) / 2)
    if amount_boxes:
        sh.cash_stamp(amount_boxes[-1][0] + rng.randint(-60, 60), (amount_boxes[-1][1] + ty0) / 2, 0.4)
    sh.hospital_seal(rng.randint(round(W * 0.4), round(W * 0.6)), (ty0 + bottom) / 2 + rng.randint(-20, 30))
    page.trim_bottom(end[3] + rng.randint(24, 60))
    return sh.doc


# ---------------------------------------------------------------------------------------------
@register("invoice_paper_shanghai", DocType.INVOICE, "上海-style paper invoice, dotted item list")
def render_shanghai(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    sh = _start("invoice_paper_shanghai", case, style, rng, (95, 80, 150))
    page, bill = sh.page, case.bill
    body, small, label = sh.px(20), sh.px(16), sh.px(18)
    kind = "住院" if case.inpatient else "门急诊"
    x0, x1 = 60, W - 60
    allowed = ("iso", "slash", "dot")
    _security_pattern(page, (16, 16, W - 16, H - 16), _pale(sh.tint, 0.08), rng)

    title = sh.title(W / 2, 54, f"{case.region.province}医疗机构{kind}收费票据", sh.px(32), tracking=0.1)
    sh.rule(title[0], title[3] + 8, title[2], title[3] + 8, 2)
    sh.serial(x1, 54, sh.px(24))
    lb = sh.form(x0, 54, "票据代码" + style.colon, small, anchor="lm")
    code = sh.fill(lb[2] + 8, 54, case.invoice_code, small, anchor="lm")
    sh.record("invoice_code", case.invoice_code, code, case.invoice_code)

    top = title[3] + 28
    row = sh.px(40)
    number_label = "住院号" if case.inpatient else "门诊号"
    cells1 = [
        ("姓名", case.person.name + "  "),
        ("性别", case.person.sex),
        (number_label, case.inpatient_number),
        ("医保类别", case.insurance_type),
    ]
    v1 = _label_row(sh, x0, x1, top, top + row, cells1, label)
    nbox = sh.fill_in(v1[0], case.person.name, body)
    sh.record("patient_name", case.person.name, nbox, case.person.name)
    sh.fill_in(v1[1], case.person.sex, body)
    sh.fill_in(v1[2], case.inpatient_number, body)
    sh.fill_in(v1[3], case.insurance_type, body)
    sh.rule(x0, top + row, x1, top + row)
    stay_label = "住院日期" if case.inpatient else "就诊日期"
    cells2 = [("科别", case.department), (stay_label, _stay_hint(case, style, allowed))]
    v2 = _label_row(sh, x0, x1, top + row, top + 2 * row, cells2, label)
    sh.fill_in(v2[0], case.department, body)
    if case.inpatient:
        _stay_in(sh, v2[1], body, allowed)
    else:
        sh.fill_in(v2[1], _date_text(case.discharge, style, allowed), body)
    sh.rule(x0, top + 2 * row, x1, top + 2 * row)

    # Items: the printer lists name ...... amount in two columns, no per-item rules.
    irow = sh.px(33)
    ltop = top + 2 * row + sh.px(12)
    half = (x1 - x0) / 2
    nrows = max(3, -(-len(bill.items) // 2))
    for k, (name, amount) in enumerate(bill.items):
        c, r = k // nrows, k % nrows
        cx0 = round(x0 + half * c + 24)
        cx1 = round(x0 + half * (c + 1) - 40)
        ym = ltop + irow * (r + 0.5)
        nb = sh.fill(cx0, ym, name, body, anchor="lm")
        ab = sh.amount_in((cx0, round(ym - irow / 2), cx1, round(ym + irow / 2)), amount, body)
        # Dot leaders are the printer's too, so they move with the values.
        lead_x0, lead_x1 = nb[2] + 10, ab[0] - 10
        dot = page.text_width("·", body)
        if lead_x1 - lead_x0 > 3 * dot:
            leaders = "·" * int((lead_x1 - lead_x0) / dot)
            page.text(lead_x0, ym + sh.dy, leaders, body, fill=sh.ink, anchor="lm", record=False)
    sh.rule(round(x0 + half), top + 2 * row, round(x0 + half), ltop + irow * nrows + sh.px(12))
    ytot = ltop + irow * nrows + sh.px(12)
    sh.rule(x0, ytot, x1, ytot)

    # 合计 row.
    trow = sh.px(46)
    ym = ytot + trow / 2
    lb = sh.form(x0 + 14, ym, "合计（大写）", label, anchor="lm")
    sh.upper_total(lb[2] + 20, ym, body, rng.choice(("¥", "⊗")))
    lx = round(x0 + (x1 - x0) * 0.66)
    sh.rule(lx, ytot, lx, ytot + trow)
    ll = sh.form(lx + 14, ym, "（小写）", label, anchor="lm")
    yuan = rng.random() < 0.5
    total_box = sh.amount_in((ll[2], ytot, x1, ytot + trow), bill.total, body, "total_amount", yuan=yuan)
    py = ytot + trow
    sh.rule(x0, py, x1, py)

    # Payment block: what the funds paid, and what the patient paid, in two ruled rows.
    paid_rows: list[list[tuple[str, Decimal, str | None]]] = [
        [
            ("统筹支付", bill.insurance_paid, "insurance_paid"),
            ("附加支付", bill.other_paid, None),
            ("账户支付", bill.personal_account_paid, "personal_account_paid"),
            ("现金支付", bill.personal_cash_paid, None),
        ],
        [
            (rng.choice(("自负", "个人自付")), bill.personal_copay, "personal_copay"),
            (rng.choice(("自费", "个人自费")), bill.personal_selfpay, "personal_selfpay"),
        ],
    ]
    q = (x1 - x0) / 4
    for r, entries in enumerate(paid_rows):
        ry0, ry1 = py + r * row, py + (r + 1) * row
        for k, (lab, amount, name) in enumerate(entries):
            cx0, cx1 = round(x0 + q * k), round(x0 + q * (k + 1))
            lb = sh.form_in((cx0, ry0, cx1, ry1), lab + style.colon, label, align="left", pad=14)
            sh.amount_in((lb[2] + 8, ry0, cx1, ry1), amount, body, name)
            if k:
                sh.rule(cx0, ry0, cx0, ry1)
        if r == 1:
            sh.rule(round(x0 + 2 * q), ry0, round(x0 + 2 * q), ry1)
        sh.rule(x0, ry1, x1, ry1)
    bottom = py + 2 * row
    sh.frame((x0, top, x1, bottom), 2)

    yf = bottom + sh.px(34)
    issued = _date_text(case.issue_date, style, allowed)
    (payee, _, dbox), ye = sh.footer(
        x0 + 4,
        x1,
        yf,
        label,
        body,
        [
            (x0 + 4, "收款单位（章）" + style.colon, case.hospital),
            (W * 0.52, "收款员" + style.colon, case.cashier),
            (W * 0.7, "收费日期" + style.colon, issued),
        ],
    )
    sh.record("hospital_name", case.hospital, payee, case.hospital)
    sh.record("issue_date", case.issue_date.isoformat(), dbox, issued)
    office = _finance_office(case.region.province)
    end = sh.form(W / 2, ye + sh.px(38), f"{office}监制", sh.px(13), anchor="mm")

    sh.finance_oval(W / 2, (title[1] + title[3]) / 2)
    sh.cash_stamp(total_box[0] + rng.randint(-40, 80), py + rng.randint(0, 40), 0.3)
    sh.hospital_seal(payee[0] + rng.randint(60, 200), yf - rng.randint(40, 100))
    page.trim_bottom(end[3] + rng.randint(24, 60))
    return sh.doc
