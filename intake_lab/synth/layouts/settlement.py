"""Medical-insurance settlement statements (医保结算单) and itemised settlement lists (费用结算清单).

Both come off the hospital's laser printer on plain paper at discharge, all in black, so unlike
the paper invoices there is no tint and no misregistration.

- settlement_inpatient: the one-page 结算单 of the city's insurance scheme (宁波市基本医疗保险住院
  费用结算单 and the like): a ruled table of label|value cells, three pairs a row, in sections for
  the patient and stay, the fund split and the fee categories; then 结算日期 and the hospital's
  医保结算专用章. Outpatient cases get the 门诊 (门诊特殊病种) version.
- settlement_list: the A4 费用结算清单: hospital and title, an unruled header block, then every
  charge as 项目编码/项目名称/规格/数量/单价/金额/自付比例 grouped by fee category with its 小计,
  running over as many pages as it takes, and the totals with the seal on the last page. The
  lines at 100% 自付比例 add up to the bill's 个人自费, and each category to its invoice amount.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from intake.normalize.dates import print_date
from intake.normalize.money import format_money
from intake.vocabulary import DocType
from intake_lab.synth import seals
from intake_lab.synth.canvas import Box, Page, SynthDocument, union
from intake_lab.synth.case import Bill, Case

from . import register
from .base import Style, money

CENT = Decimal("0.01")


@dataclass
class _Cell:
    """One label|value pair of a ruled form; key names the contract field it carries, if any."""

    label: str
    value: str
    key: str | None = None
    truth: object = None
    align: str = "left"


def _date(d: object, style: Style) -> str:
    return print_date(d, style.date_style)  # type: ignore[arg-type]


class _Grid:
    """A ruled table of label|value cells, `pairs` to a row, whose columns line up across sections.

    A value too long for its cell takes the next pair's room as well; a row left short is closed
    by widening its last value, as forms printed from a template do.
    """

    def __init__(self, page: Page, x0: int, x1: int, size: int, labels: Sequence[str], pairs: int = 3) -> None:
        self.page, self.x0, self.x1, self.size, self.pairs = page, x0, x1, size, pairs
        self.pad = max(8, size // 2)
        self.label_w = round(max(page.text_width(lbl, size) for lbl in labels) + 2 * self.pad)
        self.slot = (x1 - x0) / pairs
        self.value_w = self.slot - self.label_w

    def _span(self, value: str) -> int:
        need = self.page.text_width(value, self.size) + 2 * self.pad + 4
        for k in range(1, self.pairs + 1):
            if self.value_w + (k - 1) * self.slot >= need:
                return k
        raise ValueError(f"value {value!r} does not fit a row")

    def band(self, y: int, row_h: int, title: str) -> int:
        """A full-width section heading row."""
        self.page.rect((self.x0, y, self.x1, y + row_h), 1, fill=(236, 236, 236))
        self.page.text_in((self.x0, y, self.x1, y + row_h), title, self.size, bold=True, tracking=0.3)
        return y + row_h

    def rows(self, y: int, row_h: int, cells: Sequence[_Cell], doc: SynthDocument) -> tuple[int, dict[str, Box]]:
        """Pack the cells into rows, draw them, record the fields; returns the y below and boxes."""
        packed: list[list[list]] = [[]]
        used = 0
        for cell in cells:
            span = self._span(cell.value)
            if used + span > self.pairs:
                packed[-1][-1][1] += self.pairs - used
                packed.append([])
                used = 0
            packed[-1].append([cell, span])
            used += span
        if packed[-1]:
            packed[-1][-1][1] += self.pairs - used
        boxes: dict[str, Box] = {}
        for row in packed:
            x = float(self.x0)
            for cell, span in row:
                lx1 = round(x + self.label_w)
                vx1 = round(x + span * self.slot)
                self.page.text_in((round(x), y, lx1, y + row_h), cell.label, self.size)
                self.page.line(lx1, y, lx1, y + row_h)
                box = self.page.text_in((lx1, y, vx1, y + row_h), cell.value, self.size, align=cell.align, pad=self.pad)
                if vx1 < self.x1:
                    self.page.line(vx1, y, vx1, y + row_h)
                if cell.key:
                    boxes[cell.key] = box
                    doc.field(cell.key, cell.truth, self.page, box, cell.value)
                x += span * self.slot
            y += row_h
            self.page.line(self.x0, y, self.x1, y)
        return y, boxes


def _money_cell(label: str, amount: Decimal, style: Style, key: str | None = None) -> _Cell:
    return _Cell(label, money(amount, style), key, format_money(amount) if key else None, align="right")


def _seal(
    doc: SynthDocument,
    page: Page,
    case: Case,
    style: Style,
    rng: random.Random,
    cx: float,
    cy: float,
    purpose: str,
) -> None:
    """The hospital's round seal with its purpose (医保结算专用章) under the star."""
    if not style.seal:
        doc.seal_field(page, None, None)
        return
    diameter = round(rng.randint(200, 230) * style.scale)
    img = seals.round_seal(case.hospital, diameter, rng, bottom_text=purpose)
    sbox = page.stamp(img, int(cx), int(cy), case.hospital, "round")
    doc.seal_field(page, sbox, case.hospital)
    under = [
        d.box
        for d in page.drawn
        if d.box[0] < sbox[2] and sbox[0] < d.box[2] and d.box[1] < sbox[3] and sbox[1] < d.box[3]
    ]
    if under:
        doc.notes["sealed_over"] = list(union(*under))


def _scheme(case: Case) -> str:
    return "城乡居民" if "居民" in case.insurance_type else "职工"


# ---------------------------------------------------------------------------------------------
@register("settlement_inpatient", DocType.SETTLEMENT, "医保住院(门诊)费用结算单: ruled label|value table")
def render_inpatient(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    doc = SynthDocument(DocType.SETTLEMENT, "settlement_inpatient", style.family)
    W = 1240
    page = doc.new_page(W, 1500)
    s = style.scale
    body = round(18 * s)
    small = round(16 * s)
    bill = case.bill
    kind = "住院" if case.inpatient else rng.choice(("门诊", "门诊特殊病种"))
    x0, x1 = 70, W - 70

    title = rng.choice(
        (
            f"{case.region.city}基本医疗保险{kind}费用结算单",
            f"医疗保险{kind}结算单",
            f"{case.region.province}{_scheme(case)}基本医疗保险{kind}结算单",
        )
    )
    y = 70
    if title.startswith("医疗保险"):
        # The scheme's own form names the hospital above it instead of the city.
        page.text(W / 2, y, case.hospital, round(26 * s), bold=True, anchor="mm", tracking=0.1)
        y += round(44 * s)
    tbox = page.text(W / 2, y, title, round(30 * s), bold=True, anchor="mm", tracking=0.08)
    y = tbox[3] + round(30 * s)
    settled = case.issue_date
    clock = f"{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    printed_at = f"{_date(settled, style)} {clock}"
    page.text(x0, y, f"结算编号{style.colon}{case.serial_number}", small, anchor="lm")
    page.text(x1, y, f"打印时间{style.colon}{printed_at}", small, anchor="rm")
    y += round(22 * s)

    id_label = rng.choice(("社会保障号", "医保编号", "个人编号"))
    id_value = case.person.id_number if id_label == "社会保障号" else case.insurance_number
    category = rng.choice(("在职", "退休", "灵活就业")) if _scheme(case) == "职工" else "城乡居民"
    head = [
        _Cell("姓名", case.person.name, "patient_name", case.person.name),
        _Cell("性别", case.person.sex),
        _Cell("年龄", f"{case.age}岁"),
        _Cell(id_label, id_value),
        _Cell(rng.choice(("参保类别", "人员类别")), category),
        _Cell("险种类型", case.insurance_type),
        _Cell(rng.choice(("医疗机构", "定点医疗机构")), case.hospital, "hospital_name", case.hospital),
        _Cell("医院等级", rng.choice(("三级甲等", "三级乙等", "二级甲等"))),
    ]
    if case.inpatient:
        adm, dis = _date(case.admission, style), _date(case.discharge, style)
        head += [
            _Cell("住院号", case.inpatient_number),
            _Cell("科室", case.department),
            _Cell("入院日期", adm, "admission_date", case.admission.isoformat()),
            _Cell("出院日期", dis, "discharge_date", case.discharge.isoformat()),
            _Cell("住院天数", str(case.stay_days)),
        ]
    else:
        head += [
            _Cell("门诊号", case.inpatient_number),
            _Cell("科室", case.department),
            _Cell("就诊日期", _date(case.discharge, style)),
        ]
    dx = case.diagnoses[0]
    dx_label = rng.choice(("出院诊断", "主要诊断")) if case.inpatient else "诊断"
    head.append(_Cell(dx_label, f"{dx.name}（{dx.printed_code}）" if rng.random() < 0.5 else dx.name))

    split = [
        _Cell("医疗类别", "普通住院" if case.inpatient else kind),
        _Cell("结算方式", rng.choice(("联网结算", "直接结算", "即时结算"))),
        _money_cell(rng.choice(("医疗总费用", "医疗费用总额")), bill.total, style, "total_amount"),
        _money_cell(rng.choice(("统筹基金支付", "基本医疗统筹支付")), bill.insurance_paid, style, "insurance_paid"),
        _money_cell(rng.choice(("大病保险支付", "大病保险")), bill.other_paid, style),
        _money_cell(
            rng.choice(("个人账户支付", "个人帐户支付")),
            bill.personal_account_paid,
            style,
            "personal_account_paid",
        ),
        _money_cell("个人自付", bill.personal_copay, style, "personal_copay"),
        _money_cell("个人自费", bill.personal_selfpay, style, "personal_selfpay"),
        _money_cell(rng.choice(("现金支付", "个人现金支付")), bill.personal_cash_paid, style),
    ]
    items = [_money_cell(name, amount, style) for name, amount in bill.items]
    labels = [c.label for c in (*head, *split, *items)]
    # Some schemes print two label|value pairs a row, most three.
    grid = _Grid(page, x0, x1, body, labels, pairs=2 if rng.random() < 0.3 else 3)
    row = round(40 * s)
    top = y
    y = grid.band(y, row, "参保人员信息")
    y, _ = grid.rows(y, row, head, doc)
    y = grid.band(y, row, "费用结算信息")
    y, money_boxes = grid.rows(y, row, split, doc)
    y = grid.band(y, row, "费用分类明细")
    y, _ = grid.rows(y, row, items, doc)
    page.rect((x0, top, x1, y), 2)

    y += round(40 * s)
    lb = page.text(x0, y, f"结算日期{style.colon}", body, anchor="lm")
    issued = _date(settled, style)
    dbox = page.text(lb[2] + 6, y, issued, body, anchor="lm")
    doc.field("issue_date", settled.isoformat(), page, dbox, issued)
    clerk = page.text(W * 0.42, y, f"经办人{style.colon}{case.cashier}", body, anchor="lm")
    page.text(max(W * 0.66, clerk[2] + 40), y, f"医疗机构（盖章）{style.colon}", body, anchor="lm")
    y += round(44 * s)
    note = (
        "注：本结算单作为参保人员医疗费用结算凭证，请妥善保管；"
        "如对结算结果有异议，请于结算之日起三十日内向医保经办机构咨询。"
    )
    y, _ = page.paragraph(x0, y, x1 - x0, note, small, leading=1.5, indent=0)

    cx, cy = x1 - rng.randint(120, 220), dbox[1] - rng.randint(20, 70)
    _seal(doc, page, case, style, rng, cx, cy, "医保结算专用章")
    doc.notes.setdefault("sealed_over", list(union(*money_boxes.values())))
    page.trim_bottom(y + rng.randint(30, 80))
    return doc


# ---------------------------------------------------------------------------------------------
# The itemised list: a small catalogue of what each fee category is made of. Each entry is
# (name, specification, unit, low price, high price, 自付比例). SELF_PAID lists charges that
# insurance does not cover at all (自付比例 100%): (name, specification, unit).
Entry = tuple[str, str, str, float, float, str]
CATALOGUE: dict[str, tuple[Entry, ...]] = {
    "床位费": (
        ("床位费（三人间）", "", "日", 30, 60, "0%"),
        ("床位费（双人间）", "", "日", 50, 90, "0%"),
        ("空调费", "", "日", 5, 10, "0%"),
        ("层流病房床位费", "", "日", 150, 260, "10%"),
    ),
    "诊查费": (
        ("住院诊查费", "", "日", 15, 25, "0%"),
        ("副主任医师诊查费", "", "次", 25, 40, "0%"),
        ("院内会诊", "", "次", 30, 80, "0%"),
        ("多学科联合会诊", "", "次", 200, 500, "10%"),
    ),
    "挂号费": (("普通门诊挂号费", "", "次", 1, 5, "0%"), ("专家门诊挂号费", "", "次", 10, 30, "0%")),
    "一般诊疗费": (("一般诊疗费", "", "次", 10, 15, "0%"),),
    "检查费": (
        ("彩色多普勒超声常规检查", "", "部位", 80, 160, "0%"),
        ("X线计算机体层（CT）平扫", "", "部位", 150, 300, "10%"),
        ("磁共振平扫（1.5T）", "", "部位", 400, 700, "10%"),
        ("心电图检查（十二通道）", "", "次", 15, 30, "0%"),
        ("胸部正位X线摄影（DR）", "", "次", 60, 100, "0%"),
        ("CT增强扫描", "", "部位", 500, 900, "10%"),
    ),
    "化验费": (
        ("血细胞分析（五分类）", "", "项", 15, 30, "0%"),
        ("肝功能常规检测", "", "项", 40, 90, "0%"),
        ("肾功能检测", "", "项", 20, 50, "0%"),
        ("C反应蛋白测定", "", "项", 15, 30, "0%"),
        ("凝血功能四项", "", "项", 50, 90, "0%"),
        ("肿瘤标志物组合", "", "项", 150, 300, "10%"),
    ),
    "治疗费": (
        ("静脉输液", "", "次", 6, 12, "0%"),
        ("肌肉注射", "", "次", 3, 6, "0%"),
        ("雾化吸入", "", "次", 8, 15, "0%"),
        ("换药（中）", "", "次", 20, 40, "0%"),
        ("持续吸氧", "", "小时", 2, 4, "0%"),
        ("静脉化疗", "", "次", 80, 160, "10%"),
    ),
    "手术费": (
        ("手术费（三级）", "", "次", 1500, 3000, "10%"),
        ("手术费（二级）", "", "次", 600, 1500, "10%"),
        ("手术附加费", "", "次", 100, 400, "0%"),
    ),
    "护理费": (
        ("一级护理", "", "日", 20, 35, "0%"),
        ("二级护理", "", "日", 12, 20, "0%"),
        ("静脉留置针护理", "", "日", 5, 10, "0%"),
        ("特级护理", "", "小时", 8, 15, "0%"),
    ),
    "卫生材料费": (
        ("一次性使用输液器", "带针", "支", 3, 8, "10%"),
        ("一次性使用无菌注射器", "5ml", "支", 1, 2, "10%"),
        ("医用敷贴", "10cm×12cm", "片", 2, 6, "10%"),
        ("静脉留置针", "22G", "支", 15, 40, "10%"),
        ("中心静脉导管套件", "双腔", "套", 300, 600, "20%"),
    ),
    "西药费": (
        ("0.9%氯化钠注射液", "100ml", "瓶", 3, 6, "0%"),
        ("注射用头孢呋辛钠", "0.75g", "支", 8, 20, "10%"),
        ("奥美拉唑肠溶胶囊", "20mg*14粒", "盒", 10, 30, "0%"),
        ("盐酸左氧氟沙星注射液", "0.5g/100ml", "瓶", 20, 45, "10%"),
        ("5%葡萄糖注射液", "250ml", "袋", 3, 7, "0%"),
        ("注射用泮托拉唑钠", "40mg", "支", 15, 35, "10%"),
        ("注射用紫杉醇（白蛋白结合型）", "100mg", "瓶", 800, 1500, "20%"),
    ),
    "中成药费": (
        ("血塞通注射液", "5ml:250mg", "支", 10, 25, "15%"),
        ("复方丹参滴丸", "27mg*180丸", "瓶", 25, 45, "10%"),
        ("参麦注射液", "50ml", "瓶", 30, 60, "15%"),
    ),
    "中草药费": (("中药饮片", "", "剂", 20, 80, "10%"), ("中药配方颗粒", "", "剂", 30, 90, "10%")),
    "输血费": (("悬浮红细胞", "1U", "U", 200, 260, "0%"), ("新鲜冰冻血浆", "100ml", "袋", 80, 130, "0%")),
    "麻醉费": (("全身麻醉", "", "小时", 300, 600, "0%"), ("麻醉中监测", "", "小时", 20, 40, "0%")),
    "其他费": (
        ("病历工本费", "", "份", 1, 3, "0%"),
        ("取暖费", "", "日", 2, 6, "0%"),
        ("救护车费", "", "次", 50, 150, "0%"),
    ),
}
SELF_PAID: dict[str, tuple[tuple[str, str, str], ...]] = {
    "西药费": (("人血白蛋白", "10g", "瓶"), ("胸腺法新注射液", "1.6mg", "支")),
    "卫生材料费": (("可吸收缝线（进口）", "", "根"), ("医用防粘连膜", "", "片")),
    "检查费": (("PET-CT检查", "", "次"), ("胶囊内镜检查", "", "次")),
    "床位费": (("单人间床位费（超标准部分）", "", "日"),),
    "中成药费": (("康莱特注射液", "100ml", "瓶"),),
    "治疗费": (("臭氧治疗", "", "次"), ("中医定向透药治疗", "", "次")),
    "护理费": (("陪护费", "", "日"), ("特需护理", "", "日")),
    "输血费": (("血液辐照费", "", "袋"),),
    "诊查费": (("特需门诊诊查费", "", "次"), ("知名专家诊查费", "", "次")),
    "中草药费": (("西洋参饮片", "", "克"), ("灵芝孢子粉", "", "克")),
    "其他费": (("陪护床", "", "日"), ("生活用品包", "", "套")),
    "麻醉费": (("术后镇痛泵", "", "套"),),
    "化验费": (("基因检测", "", "项"), ("HPV分型检测", "", "项")),
    "手术费": (("超声刀使用费", "", "次"),),
    "挂号费": (("特需挂号费", "", "次"),),
    "一般诊疗费": (("特需门诊服务费", "", "次"),),
}
CODE_PREFIX = {
    "床位费": "1101",
    "诊查费": "1102",
    "挂号费": "1101",
    "一般诊疗费": "1102",
    "检查费": "2201",
    "化验费": "2501",
    "治疗费": "3101",
    "手术费": "3301",
    "护理费": "1202",
    "麻醉费": "3303",
    "输血费": "2602",
    "其他费": "1199",
}


@dataclass
class _Line:
    code: str
    name: str
    spec: str
    qty: int
    price: Decimal
    amount: Decimal
    ratio: str


def _code(category: str, rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(7))
    if category in ("西药费", "中成药费", "中草药费"):
        return "YP" + digits
    if category == "卫生材料费":
        return "CL" + digits
    return CODE_PREFIX.get(category, "1200") + digits[:5]


def _exact_qty(amount: Decimal, lo: float, hi: float, qmax: int, rng: random.Random) -> int:
    """A quantity that divides the amount into whole cents at a unit price in [lo, hi]; 0 if none."""
    cents = int(amount * 100)
    fits = [q for q in range(1, min(qmax, cents) + 1) if cents % q == 0 and lo <= cents / q / 100 <= hi]
    return rng.choice(fits) if fits else 0


def _charges(category: str, budget: Decimal, days: int, rng: random.Random) -> list[_Line]:
    """Charges of one category adding up to budget: each a quantity at a unit price near the
    catalogue's, the next taking part of what is left, the last whatever remains."""
    entries = list(CATALOGUE.get(category, ((category, "", "项", 10, 100, "0%"),)))
    rng.shuffle(entries)
    lines: list[_Line] = []
    for k, (name, spec, unit, lo, hi, ratio) in enumerate(entries):
        if budget <= 0:
            break
        qmax = days if unit == "日" else 99
        last = k == len(entries) - 1
        qty = _exact_qty(budget, lo, hi, qmax, rng) if last or rng.random() < 0.25 else 0
        if qty:
            price = budget / qty
        else:
            price = Decimal(str(round(rng.uniform(lo, hi), 2)))
            share = Decimal(1) if last else Decimal(str(round(rng.uniform(0.2, 0.7), 2)))
            qty = min(qmax, int(budget * share / price))
            if qty < 1:
                continue
        lines.append(_Line(_code(category, rng), name, spec, qty, price, price * qty, ratio))
        budget -= price * qty
    if budget > 0:
        # What the catalogue prices could not make up: one more charge of an unused kind if any.
        used = {ln.name for ln in lines}
        unused = [e for e in entries if e[0] not in used]
        if unused:
            name, spec, _unit, lo, hi, ratio = unused[0]
            qty = _exact_qty(budget, lo / 3, hi * 3, 99, rng) or 1
            lines.append(_Line(_code(category, rng), name, spec, qty, budget / qty, budget, ratio))
        else:
            # Every kind is already listed: the remainder goes into the last charge, re-divided,
            # rather than a second line of the same name.
            ln = lines[-1]
            ln.amount += budget
            cents = int(ln.amount * 100)
            ln.qty = max(q for q in range(1, ln.qty + 1) if cents % q == 0)
            ln.price = ln.amount / ln.qty
    return lines


def _split_selfpay(bill: Bill) -> list[Decimal]:
    """Share the 自费 total among the categories in proportion to their amounts, to the cent."""
    if bill.total <= 0 or bill.personal_selfpay <= 0:
        return [Decimal("0")] * len(bill.items)
    shares = [(bill.personal_selfpay * a / bill.total).quantize(CENT, ROUND_DOWN) for _, a in bill.items]
    biggest = max(range(len(shares)), key=lambda i: bill.items[i][1])
    shares[biggest] += bill.personal_selfpay - sum(shares)
    return shares


def _lines(case: Case, rng: random.Random) -> list[tuple[str, Decimal, list[_Line]]]:
    """Every category of the bill broken into charges that add up to its amount exactly; the
    100% lines of all categories add up to the bill's 个人自费."""
    days = max(case.stay_days, 1)
    out = []
    for (category, amount), selfpay in zip(case.bill.items, _split_selfpay(case.bill), strict=True):
        lines = _charges(category, amount - selfpay, days, rng)
        if selfpay > 0:
            fallback = ((f"{category[:-1]}（自费）", "", "项"),)
            name, spec, unit = rng.choice(SELF_PAID.get(category, fallback))
            qmax = days if unit == "日" else 99
            qty = _exact_qty(selfpay, 20, 2000, qmax, rng) or 1
            lines.append(_Line(_code(category, rng), name, spec, qty, selfpay / qty, selfpay, "100%"))
        rng.shuffle(lines)
        out.append((category, amount, lines))
    return out


@register("settlement_list", DocType.SETTLEMENT, "费用结算清单: itemised A4 list over one or more pages")
def render_list(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    doc = SynthDocument(DocType.SETTLEMENT, "settlement_list", style.family)
    W, H = 1240, 1754
    s = style.scale
    body, small = round(18 * s), round(16 * s)
    x0, x1 = 70, W - 70
    bill = case.bill
    kind = "住院" if case.inpatient else "门诊"
    groups = _lines(case, rng)
    price_digits = rng.choice((2, 4))

    # Table columns: widths from what they hold, the spare room to the item name.
    heads = ("项目编码", "项目名称", "规格", "数量", "单价", "金额", "自付比例")
    cols: list[list[str]] = [[h] for h in heads]
    for _, _, lines in groups:
        for ln in lines:
            row = (
                ln.code,
                ln.name,
                ln.spec,
                str(ln.qty),
                f"{ln.price:.{price_digits}f}",
                money(ln.amount, style),
                ln.ratio,
            )
            for c, v in zip(cols, row, strict=True):
                c.append(v)
    page = doc.new_page(W, H)
    pages: list[Page] = [page]
    probe = page
    size = body
    while True:
        widths = [max(probe.text_width(v, size) for v in c) + 2 * max(8, size // 2) for c in cols]
        if sum(widths) <= x1 - x0 or size <= 12:
            break
        size -= 1
    spare = (x1 - x0) - sum(widths)
    widths[1] += spare
    edges = [x0]
    for w_ in widths:
        edges.append(round(edges[-1] + w_))
    edges[-1] = x1
    rh = round(size * 1.75)

    # Page 1 header: hospital, title, then the patient block.
    hbox = page.text(W / 2, 80, case.hospital, round(30 * s), bold=True, anchor="mm", tracking=0.1)
    doc.field("hospital_name", case.hospital, page, hbox, case.hospital)
    title = rng.choice(
        (f"{kind}费用结算清单", f"{kind}病人费用清单", "费用结算清单" if case.inpatient else "门诊费用清单")
    )
    tbox = page.text(W / 2, hbox[3] + round(36 * s), title, round(26 * s), bold=True, anchor="mm", tracking=0.2)
    y = tbox[3] + round(36 * s)
    c = style.colon
    issued = _date(case.issue_date, style)
    block: list[tuple[str, str, str | None, object]] = [
        ("姓名", case.person.name, "patient_name", case.person.name),
        ("性别", case.person.sex, None, None),
        ("年龄", f"{case.age}岁", None, None),
        ("住院号" if case.inpatient else "门诊号", case.inpatient_number, None, None),
        ("科室", case.department, None, None),
    ]
    if case.inpatient:
        block += [
            ("床号", case.bed, None, None),
            ("入院日期", _date(case.admission, style), "admission_date", case.admission.isoformat()),
            ("出院日期", _date(case.discharge, style), "discharge_date", case.discharge.isoformat()),
            ("住院天数", f"{case.stay_days}天", None, None),
        ]
    block += [
        ("医保类别", case.insurance_type, None, None),
        ("结算日期", issued, "issue_date", case.issue_date.isoformat()),
    ]
    colw = (x1 - x0) / 3
    slot = 0
    for label, value, key, truth in block:
        need = probe.text_width(label + c, body) + probe.text_width(value, body) + 16
        span = 1 if need <= colw - 20 else 2 if need <= 2 * colw - 20 else 3
        if slot + span > 3:
            y += round(body * 1.9)
            slot = 0
        lb = page.text(x0 + slot * colw, y, label + c, body, anchor="lm")
        vbox = page.text(lb[2] + 8, y, value, body, anchor="lm")
        if key:
            doc.field(key, truth, page, vbox, value)
        slot += span
        if slot >= 3:
            y += round(body * 1.9)
            slot = 0
    if slot:
        y += round(body * 1.9)
    y += round(6 * s)

    def table_head(pg: Page, ty: int) -> int:
        pg.rect((x0, ty, x1, ty + rh), 1, fill=(232, 232, 232))
        for k, h in enumerate(heads):
            pg.text_in((edges[k], ty, edges[k + 1], ty + rh), h, size, bold=True)
        pg.line(x0, ty, x1, ty, 2)
        pg.line(x0, ty + rh, x1, ty + rh, 1)
        return ty + rh

    def next_page() -> tuple[Page, int]:
        """A continuation sheet: who it belongs to on top, as hospital systems print it."""
        pg = doc.new_page(W, H)
        pages.append(pg)
        number = "住院号" if case.inpatient else "门诊号"
        who = f"姓名{c}{case.person.name}    {number}{c}{case.inpatient_number}    （续）"
        return pg, pg.text(x0, 60, who, small, anchor="lm")[3] + 20

    limit = H - 110
    y = table_head(page, y)
    for category, amount, lines in groups:
        for k, ln in enumerate([None, *lines]):
            if y + rh > limit or (k == 0 and y + 2 * rh > limit):
                page, y = next_page()
                y = table_head(page, y)
            ym = y + rh / 2
            if ln is None:
                # The category heading carries its 小计; the lines under it add up to it.
                page.text(edges[0] + 8, ym, f"【{category}】", size, bold=True, anchor="lm")
                page.text(edges[5] - 8, ym, f"小计{c}", size, anchor="rm")
                page.text(edges[6] - 8, ym, money(amount, style), size, anchor="rm")
            else:
                vals = (
                    ln.code,
                    ln.name,
                    ln.spec,
                    str(ln.qty),
                    f"{ln.price:.{price_digits}f}",
                    money(ln.amount, style),
                    ln.ratio,
                )
                for j, v in enumerate(vals):
                    if v:
                        align = "left" if j in (0, 1, 2) else "right" if j in (3, 4, 5) else "center"
                        page.text_in((edges[j], y, edges[j + 1], y + rh), v, size, align=align)
            y += rh
            page.line(x0, y, x1, y, 1, fill=(150, 150, 150))

    # Totals: the 合计 line, then the fund split as a label-over-value band, then sign-off.
    if y + round(260 * s) > H - 80:
        page, y = next_page()
    y += round(16 * s)
    lb = page.text(x0, y + 16, f"费用合计{c}", round(20 * s), bold=True, anchor="lm")
    total_printed = money(bill.total, style)
    tb = page.text(lb[2] + 10, y + 16, total_printed, round(20 * s), bold=True, anchor="lm")
    doc.field("total_amount", format_money(bill.total), page, tb, total_printed)
    y += round(48 * s)
    split: list[tuple[str, Decimal, str | None]] = [
        (rng.choice(("统筹基金支付", "医保统筹支付")), bill.insurance_paid, "insurance_paid"),
        (rng.choice(("大病保险", "其他支付")), bill.other_paid, None),
        (rng.choice(("个人账户支付", "个人帐户支付")), bill.personal_account_paid, "personal_account_paid"),
        ("个人自付", bill.personal_copay, "personal_copay"),
        ("个人自费", bill.personal_selfpay, "personal_selfpay"),
        ("现金支付", bill.personal_cash_paid, None),
    ]
    sw = (x1 - x0) / len(split)
    band = round(36 * s)
    page.rect((x0, y, x1, y + 2 * band), 1)
    page.line(x0, y + band, x1, y + band)
    money_boxes = []
    for k, (label, amount, key) in enumerate(split):
        cx0, cx1 = round(x0 + sw * k), round(x0 + sw * (k + 1))
        if k:
            page.line(cx0, y, cx0, y + 2 * band)
        page.text_in((cx0, y, cx1, y + band), label, small)
        printed = money(amount, style)
        mb = page.text_in((cx0, y + band, cx1, y + 2 * band), printed, body)
        money_boxes.append(mb)
        if key:
            doc.field(key, format_money(amount), page, mb, printed)
    y += 2 * band + round(44 * s)
    page.text(x0, y, f"收费员{c}{case.cashier}", body, anchor="lm")
    stamp_at = page.text(W * 0.45, y, f"结算单位（盖章）{c}", body, anchor="lm")
    printed_on = case.issue_date + timedelta(days=rng.choice((0, 0, 1, 3)))
    page.text(x0, y + round(44 * s), f"打印日期{c}{_date(printed_on, style)}", small, anchor="lm")
    purpose = rng.choice(("住院结算专用章", "收费专用章", "医保结算专用章"))
    _seal(doc, page, case, style, rng, stamp_at[2] + rng.randint(20, 120), y - rng.randint(0, 60), purpose)
    doc.notes.setdefault("sealed_over", list(union(*money_boxes)))

    # Page numbers last, when the count is known; every page is a whole A4 sheet.
    for n, pg in enumerate(pages, 1):
        pg.text(W / 2, H - 50, f"第 {n} 页 / 共 {len(pages)} 页", small, anchor="mm")
    return doc
