"""Pages members upload that are not claim documents: an ID card photo, a lab report, an ordinary
VAT invoice for some purchase, a near-blank page.

The classifier must learn to put these in `other` even though they share a lot with the real
documents (a hospital title and patient header on the lab report; 发票, amounts, a red seal on the
VAT invoice). They carry no contract fields but the seal: present on the VAT invoice (its
发票专用章, ring text the seller), absent elsewhere.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from intake.normalize.money import to_upper
from intake.vocabulary import DocType
from intake_lab.synth import fonts, prose, seals, values
from intake_lab.synth.canvas import Box, Page, SynthDocument
from intake_lab.synth.case import Case
from intake_lab.synth.clinical import Pair, fit_size, pairs_lines, rule_below, title_family, wrap

from . import register
from .base import Style, qr_image

# -- ID card photo -------------------------------------------------------------------------------

STREETS = ("中山路", "解放路", "人民路", "建设路", "文化路", "新华路", "江南大道", "环城西路", "和平街", "学府路")
NATIONS = ("汉", "汉", "汉", "汉", "回", "满", "壮", "土家")
TABLES = ((122, 94, 70), (196, 196, 190), (58, 60, 66), (226, 222, 210), (150, 160, 170))
ID_LABEL = (70, 120, 170)


def _address(case: Case, rng: random.Random) -> str:
    r = case.person.region
    head = r.province + ("" if r.city == r.province else r.city) + r.district
    tail = rng.choice(
        (
            f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}幢"
            f"{rng.randint(1, 4)}单元{rng.randint(101, 2604)}室",
            f"{rng.choice(STREETS)}{rng.randint(1, 400)}弄{rng.randint(1, 60)}号{rng.randint(101, 604)}室",
            f"{rng.choice(('东湖', '西岙', '石桥', '新塘', '下应'))}村{rng.randint(1, 12)}组{rng.randint(1, 90)}号",
        )
    )
    return head + tail


def _table_background(page: Page, rng: random.Random) -> None:
    """A plain surface under the card, unevenly lit the way a phone photo is."""
    base = np.array(rng.choice(TABLES), dtype=np.float32)
    h, w = page.height, page.width
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    light = 1.08 - 0.22 * np.sqrt(((xx - cx) / w) ** 2 + ((yy - cy) / h) ** 2)
    nprng = np.random.default_rng(rng.getrandbits(32))
    noise = nprng.normal(0, 3.0, (h, w, 1)).astype(np.float32)
    img = np.clip(base[None, None, :] * light[..., None] + noise, 0, 255).astype(np.uint8)
    page.image.paste(Image.fromarray(img, "RGB"), (0, 0))


def _card_face(w: int, h: int, rng: random.Random) -> tuple[Image.Image, Image.Image]:
    """The printed card: a pale security pattern of fine waves, and its rounded-corner mask."""
    card = Image.new("RGB", (w, h), (236, 240, 238))
    arr = np.asarray(card, dtype=np.float32).copy()
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    tint = np.stack([xx / w * -10, yy / h * 6 + 2, xx / w * 10], axis=-1)
    arr = np.clip(arr + tint, 0, 255)
    card = Image.fromarray(arr.astype(np.uint8))
    d = ImageDraw.Draw(card)
    phase = rng.uniform(0, math.tau)
    for k in range(0, h, 9):
        pts = [(x, k + 5 * math.sin(x / 37 + phase + k / 50)) for x in range(0, w + 10, 10)]
        d.line(pts, fill=(214, 226, 228), width=1)
    # The faint emblem-like rosette in the lower middle of the real card face.
    cx, cy, r = int(w * 0.42), int(h * 0.6), int(h * 0.22)
    for k in range(24):
        a = k * math.tau / 24
        d.ellipse(
            (
                cx + r * 0.45 * math.cos(a) - r * 0.5,
                cy + r * 0.45 * math.sin(a) - r * 0.5,
                cx + r * 0.45 * math.cos(a) + r * 0.5,
                cy + r * 0.45 * math.sin(a) + r * 0.5,
            ),
            outline=(220, 229, 232),
        )
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, w - 1, h - 1), radius=int(w * 0.045), fill=255)
    return card, mask


def _silhouette(w: int, h: int) -> tuple[Image.Image, Image.Image]:
    """A grey head-and-shoulders shape where the photo goes (no face, no person), and its mask."""
    mask = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(mask)
    d.ellipse((w * 0.28, h * 0.12, w * 0.72, h * 0.62), fill=255)
    d.rectangle((w * 0.42, h * 0.55, w * 0.58, h * 0.72), fill=255)
    d.ellipse((w * 0.02, h * 0.66, w * 0.98, h * 1.35), fill=255)
    return Image.new("RGB", (w, h), (150, 154, 158)), mask.filter(ImageFilter.GaussianBlur(1.2))


@register("other_id_card", DocType.OTHER, "photo of a resident ID card front (居民身份证), synthetic data")
def render_id_card(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    doc = SynthDocument(DocType.OTHER, "other_id_card", style.family)
    page = doc.new_page(1400, 1000)
    _table_background(page, rng)
    cw = int(rng.uniform(860, 980))
    ch = int(cw / 1.585)
    x0 = (page.width - cw) // 2 + rng.randint(-60, 60)
    y0 = (page.height - ch) // 2 + rng.randint(-40, 40)
    # Drop shadow first, then the card face.
    shadow = Image.new("L", (cw + 60, ch + 60), 0)
    ImageDraw.Draw(shadow).rounded_rectangle((30, 30, cw + 30, ch + 30), radius=int(cw * 0.045), fill=110)
    shadow = shadow.filter(ImageFilter.GaussianBlur(14))
    page.image.paste((20, 20, 20), (x0 - 22, y0 - 18), shadow)
    card, mask = _card_face(cw, ch, rng)
    page.image.paste(card, (x0, y0), mask)
    sil, sil_mask = _silhouette(int(cw * 0.29), int(ch * 0.62))
    page.image.paste(sil, (x0 + int(cw * 0.63), y0 + int(ch * 0.12)), sil_mask)

    u = cw / 900  # layout unit: sizes scale with the card in the photo
    lab = int(24 * u)
    val = int(30 * u)
    lx = x0 + int(cw * 0.08)
    vx = lx + int(lab * 3.2)
    p = case.person

    def row(y_rel: float, label: str, value: str, x: int = lx, vdx: int | None = None) -> Box:
        y = y0 + int(ch * y_rel)
        page.text(x, y + (val - lab) * 0.6, label, lab, family="noto_sans", fill=ID_LABEL, tracking=0.5)
        return page.text(x + (vdx if vdx is not None else vx - lx), y, value, val, family="noto_sans")

    row(0.11, "姓名", p.name)
    row(0.24, "性别", p.sex)
    row(0.24, "民族", rng.choice(NATIONS), lx + int(cw * 0.22))
    row(0.37, "出生", f"{p.birth.year}  年  {p.birth.month}  月  {p.birth.day}  日")
    addr_lines = wrap(page, _address(case, rng), val, cw * 0.5, family="noto_sans")
    page.text(lx, y0 + int(ch * 0.50) + (val - lab) * 0.6, "住址", lab, family="noto_sans", fill=ID_LABEL, tracking=0.5)
    for k, ln in enumerate(addr_lines[:3]):
        page.text(vx, y0 + int(ch * 0.50) + k * int(val * 1.35), ln, val, family="noto_sans")
    yid = y0 + int(ch * 0.83)
    page.text(lx, yid + 4 * u, "公民身份号码", lab, family="noto_sans", fill=ID_LABEL, tracking=0.2)
    page.text(lx + int(cw * 0.27), yid, p.id_number, int(34 * u), family="noto_sans", tracking=0.12)
    doc.seal_field(page, None, None)
    return doc


# -- lab report ----------------------------------------------------------------------------------


@register("other_lab_report", DocType.OTHER, "laboratory report (检验报告单) with results table")
def render_lab_report(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    doc = SynthDocument(DocType.OTHER, "other_lab_report", style.family)
    w = 1240
    page = doc.new_page(w, 1754)
    s = style.scale
    body = int(20 * s)
    small = int(17 * s)
    left, right = 90, w - 90
    tfam, tbold = title_family(style, rng)
    panels = rng.sample(list(prose.LAB_PANELS), k=rng.choice((1, 1, 2)))

    hs = fit_size(page, case.hospital, int(32 * s), right - left - 300, family=tfam, bold=tbold)
    tbox = page.text(w / 2, 56, case.hospital, hs, anchor="ma", family=tfam, bold=tbold)
    name = rng.choice(("检验报告单", "临床检验报告单", f"{panels[0]}检验报告单"))
    sub = page.text(w / 2, tbox[3] + 14, name, int(26 * s), anchor="ma", bold=True, tracking=0.1)
    sample_no = values.digits(rng, 10, leading_zero=False)
    page.text(right, sub[1], "样本号" + style.colon + sample_no[-4:], small, anchor="ra")
    y = sub[3] + int(22 * s)

    stay = max(case.stay_days, 1)
    when = datetime.combine(case.admission, datetime.min.time()) + timedelta(
        days=rng.randint(0, stay), hours=rng.randint(6, 9), minutes=rng.randint(0, 59)
    )
    inpatient = case.inpatient
    pairs = [
        Pair("姓名", case.person.name),
        Pair("性别", case.person.sex),
        Pair("年龄", f"{case.person.age_on(when.date())}岁"),
        Pair("科别", case.department),
        Pair("床号", case.bed if inpatient else ""),
        Pair("住院号" if inpatient else "门诊号", case.inpatient_number),
        Pair("标本类型", "全血" if panels[0] == "血常规" else rng.choice(("血清", "血浆", "静脉血"))),
        Pair("送检医生", case.doctor),
        Pair("临床诊断", case.diagnoses[0].name),
    ]
    page.line(left, y, right, y, 2)
    mark = len(page.drawn)
    y, _ = pairs_lines(page, left, right, y + int(body * 0.6), pairs, body, style, leading=1.7)
    y = rule_below(page, mark, left, right, int(body * 0.4)) + int(body * 0.6)

    cols = (left, left + 60, left + 420, left + 560, left + 610, left + 780, right)
    heads = ("序号", "检验项目", "结果", "", "单位", "参考区间")
    row_h = int(body * 1.55)
    for p_i, panel in enumerate(panels):
        if p_i:
            y += int(body * 0.8)
            page.text(left, y, f"【{panel}】", body, bold=True)
            y += int(body * 1.6)
        mark = len(page.drawn)
        for x, head in zip(cols, heads, strict=False):
            page.text(x + 6, y, head, body, bold=True)
        y = rule_below(page, mark, left, right, 5) + int(body * 0.35)
        for k, (item, result, flag, unit, ref) in enumerate(prose.lab_rows(panel, rng), start=1):
            page.text(cols[0] + 6, y, str(k), body)
            page.text(cols[1] + 6, y, item, fit_size(page, item, body, cols[2] - cols[1] - 14))
            page.text(cols[2] + 6, y, result, body, bold=bool(flag))
            if flag:
                page.text(
                    cols[3] + 6, y, flag, body, family="noto_sans", fill=(170, 20, 20) if rng.random() < 0.5 else None
                )
            if unit:
                page.text(cols[4] + 6, y, unit, fit_size(page, unit, body, cols[5] - cols[4] - 12))
            page.text(cols[5] + 6, y, ref, body)
            y += row_h
        page.line(left, y + 2, right, y + 2, 2)
        y += int(body * 0.8)

    received = when + timedelta(minutes=rng.randint(20, 90))
    reported = received + timedelta(minutes=rng.randint(40, 240))
    y += int(body * 0.4)
    times = [
        Pair("采样时间", f"{when:%Y-%m-%d %H:%M}"),
        Pair("接收时间", f"{received:%Y-%m-%d %H:%M}"),
        Pair("报告时间", f"{reported:%Y-%m-%d %H:%M}"),
    ]
    y, _ = pairs_lines(page, left, right, y, times, small, style)
    people = [
        Pair("检验者", values.person_name(rng, rng.choice("男女"))),
        Pair("审核者", values.person_name(rng, rng.choice("男女"))),
    ]
    y, _ = pairs_lines(page, left, right, y, people, small, style)
    page.text(left, y, "*本报告仅对所检测标本负责，如有疑问请于三日内与检验科联系。", small - 1, fill=(90, 90, 90))
    y += int(small * 2.4)
    page.trim_bottom(min(page.height, y + rng.randint(30, 140)))
    doc.seal_field(page, None, None)
    return doc


# -- ordinary VAT invoice (增值税普通发票) for something else ---------------------------------------

FORM: tuple[int, int, int] = (150, 82, 52)  # the brown ink the invoice form is printed in
GOODS = {
    "百货商行": (
        ("*日用杂品*保温杯", "个", 39, 128),
        ("*纸制品*抽纸", "提", 18, 45),
        ("*日用杂品*收纳箱", "个", 25, 89),
    ),
    "餐饮管理有限公司": (("*餐饮服务*餐费", "次", 80, 1600),),
    "电器有限公司": (("*家用电器*电饭煲", "台", 199, 899), ("*家用电器*电风扇", "台", 129, 459)),
    "办公用品有限公司": (
        ("*纸制品*A4复印纸", "箱", 110, 190),
        ("*文具*中性笔", "盒", 15, 36),
        ("*文具*文件夹", "个", 3, 12),
    ),
    "电脑科技有限公司": (("*电子计算机*笔记本电脑", "台", 3299, 7999), ("*计算机外部设备*鼠标", "个", 39, 199)),
    "运动用品商店": (("*服装*运动服", "套", 199, 699), ("*鞋*跑步鞋", "双", 259, 899)),
}
TAX_RATES = (Decimal("0.13"), Decimal("0.13"), Decimal("0.06"), Decimal("0.03"), Decimal("0.01"))


def _cipher(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789+-*/<>") for _ in range(n))


def _uscc(rng: random.Random, region_code: str) -> str:
    """A unified social credit code shape: 91 + region + 9 alphanumerics + a check character."""
    alnum = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return "91" + region_code + "".join(rng.choice(alnum) for _ in range(10))


def _money(v: Decimal) -> str:
    return f"{v.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


@register("other_vat_invoice", DocType.OTHER, "ordinary VAT invoice (增值税普通发票) for a non-medical purchase")
def render_vat_invoice(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    doc = SynthDocument(DocType.OTHER, "other_vat_invoice", style.family)
    w, h = 1440, 940
    page = doc.new_page(w, h)
    s = min(style.scale, 1.04)  # the form is fixed; only the printer's font size varies a little
    size = int(19 * s)
    small = int(16 * s)
    region = case.region
    trade = rng.choice(tuple(GOODS))
    seller = f"{region.city}{region.district}{rng.choice(values.EMPLOYER_WORDS)}{trade}"
    seller_id = _uscc(rng, region.code)
    buyer_is_person = rng.random() < 0.6
    buyer = case.person.name if buyer_is_person else case.employer
    buyer_id = "" if buyer_is_person else _uscc(rng, region.code)

    electronic = rng.random() < 0.5
    short = region.province.removesuffix("省").removesuffix("市")
    title = f"{short}增值税电子普通发票" if electronic else f"{short}增值税普通发票"
    tbox = page.text(w / 2, 48, title, int(36 * s), anchor="ma", fill=FORM, tracking=0.12, family="noto_serif")
    page.line(tbox[0], tbox[3] + 8, tbox[2], tbox[3] + 8, 2, fill=FORM)
    page.line(tbox[0], tbox[3] + 13, tbox[2], tbox[3] + 13, 1, fill=FORM)
    oval = seals.oval_seal("全国统一发票监制章", f"{short}税务局" if len(short) <= 3 else "国家税务总局", 190, 120, rng)
    page.stamp(oval, w // 2, 70, "全国统一发票监制章", "oval")

    page.paste(qr_image(f"01,04,{values.digits(rng, 12)},{values.digits(rng, 8)}", 96), 60, 30)
    issued = case.discharge + timedelta(days=rng.randint(-200, 200))
    info = [
        ("发票代码", values.digits(rng, 12)),
        ("发票号码", values.digits(rng, 8)),
        ("开票日期", f"{issued.year}年{issued.month:02d}月{issued.day:02d}日"),
        ("校验码", " ".join(values.digits(rng, 5) for _ in range(4))),
    ]
    for k, (label, value) in enumerate(info):
        yy = 36 + k * int(size * 1.55)
        lb = page.text(w - 420, yy, label + "：", small, fill=FORM)
        page.text(lb[2] + 4, yy, value, small)
    page.text(60, 136, "机器编号：" + values.digits(rng, 12), small, fill=FORM)

    x0, x1 = 50, w - 50
    ys = [170, 300, 560, 610, 740]
    page.rect((x0, ys[0], x1, ys[-1]), width=2, outline=FORM)
    for yy in ys[1:-1]:
        page.line(x0, yy, x1, yy, 1, fill=FORM)

    def block(y_top: int, y_bot: int, side: str, rows: list[tuple[str, str]], right_label: str) -> None:
        page.line(x0 + 40, y_top, x0 + 40, y_bot, 1, fill=FORM)
        for k, ch in enumerate(side):
            page.text(x0 + 20, y_top + 14 + k * (y_bot - y_top - 24) / len(side), ch, small, anchor="ma", fill=FORM)
        xr = x0 + 760
        page.line(xr, y_top, xr, y_bot, 1, fill=FORM)
        page.line(xr + 40, y_top, xr + 40, y_bot, 1, fill=FORM)
        for k, ch in enumerate(right_label):
            page.text(
                xr + 20, y_top + 14 + k * (y_bot - y_top - 24) / len(right_label), ch, small, anchor="ma", fill=FORM
            )
        step = (y_bot - y_top - 12) / len(rows)
        for k, (label, value) in enumerate(rows):
            yy = y_top + 10 + k * step
            lb = page.text(x0 + 52, yy, label + "：", small, fill=FORM)
            if value:
                fs = fit_size(page, value, size, xr - lb[2] - 16)
                page.text(lb[2] + 6, yy - 2, value, fs)

    bank = rng.choice(("中国工商银行", "中国农业银行", "宁波银行", "中国建设银行"))
    addr = f"{region.city}{region.district}{rng.choice(STREETS)}{rng.randint(1, 500)}号"
    phone = f"{rng.choice(('0574', '0571', '025', '020'))}-{values.digits(rng, 8, leading_zero=False)}"
    block(
        ys[0],
        ys[1],
        "购买方",
        [
            ("名　　称", buyer),
            ("纳税人识别号", buyer_id),
            ("地 址、电 话", ""),
            ("开户行及账号", ""),
        ],
        "密码区",
    )
    for k in range(4):
        page.text(x0 + 812, ys[0] + 14 + k * 28, _cipher(rng, 28), small, family="noto_sans")

    # Items grid.
    cols = [x0, x0 + 330, x0 + 470, x0 + 540, x0 + 640, x0 + 800, x0 + 1000, x0 + 1090, x1]
    heads = ("货物或应税劳务、服务名称", "规格型号", "单位", "数量", "单价", "金额", "税率", "税额")
    for c in cols[1:-1]:
        page.line(c, ys[1], c, ys[2], 1, fill=FORM)
    for k, head in enumerate(heads):
        fs = fit_size(page, head, small, cols[k + 1] - cols[k] - 8)
        page.text((cols[k] + cols[k + 1]) / 2, ys[1] + 10, head, fs, anchor="ma", fill=FORM)
    goods = rng.sample(GOODS[trade], k=rng.randint(1, len(GOODS[trade])))
    rate = rng.choice(TAX_RATES)
    total = Decimal("0")
    tax_total = Decimal("0")
    for r, (name, unit, lo, hi) in enumerate(goods):
        qty = rng.randint(1, 5) if unit != "次" else 1
        price = Decimal(str(round(rng.uniform(lo, hi), 2)))
        amount = (price * qty / (1 + rate)).quantize(Decimal("0.01"))
        tax = (amount * rate).quantize(Decimal("0.01"))
        total += amount
        tax_total += tax
        yy = ys[1] + 44 + r * int(size * 1.6)
        page.text(cols[0] + 10, yy, name, fit_size(page, name, size, cols[1] - cols[0] - 16))
        page.text((cols[2] + cols[3]) / 2, yy, unit, size, anchor="ma")
        page.text(cols[4] - 8, yy, str(qty), size, anchor="ra")
        page.text(cols[5] - 8, yy, _money(price / (1 + rate)), size, anchor="ra")
        page.text(cols[6] - 8, yy, _money(amount), size, anchor="ra")
        page.text((cols[6] + cols[7]) / 2, yy, f"{int(rate * 100)}%", size, anchor="ma")
        page.text(cols[8] - 8, yy, _money(tax), size, anchor="ra")
    yt = ys[2] - int(size * 1.7)
    page.text((cols[0] + cols[1]) / 2, yt, "合　　计", size, anchor="ma", fill=FORM)
    page.text(cols[6] - 8, yt, "¥" + _money(total), size, anchor="ra")
    page.text(cols[8] - 8, yt, "¥" + _money(tax_total), size, anchor="ra")

    grand = total + tax_total
    ym = (ys[2] + ys[3]) / 2
    page.line(cols[1], ys[2], cols[1], ys[3], 1, fill=FORM)
    page.text((cols[0] + cols[1]) / 2, ym, "价税合计（大写）", size, anchor="mm", fill=FORM)
    ub = page.text(cols[1] + 20, ym, "⊗", size, anchor="lm", family="noto_sans")
    page.text(ub[2] + 10, ym, to_upper(grand), size, anchor="lm")
    lb = page.text(x0 + 900, ym, "（小写）", size, anchor="lm", fill=FORM)
    page.text(lb[2] + 8, ym, "¥" + _money(grand), size, anchor="lm")

    block(
        ys[3],
        ys[4],
        "销售方",
        [
            ("名　　称", seller),
            ("纳税人识别号", seller_id),
            ("地 址、电 话", f"{addr} {phone}"),
            ("开户行及账号", f"{bank}{region.district}支行 {values.digits(rng, 19)}"),
        ],
        "备注",
    )

    yb = ys[4] + 18
    names = [values.person_name(rng, rng.choice("男女")) for _ in range(3)]
    for k, label in enumerate(("收款人", "复核", "开票人")):
        lb = page.text(x0 + 20 + k * 300, yb, label + "：", small, fill=FORM)
        page.text(lb[2] + 6, yb, names[k], small)
    page.text(x0 + 980, yb, "销售方：（章）", small, fill=FORM)
    if style.seal:
        ink = seals.invoice_seal(seller, seller_id, 250, 166, rng)
        sbox = page.stamp(ink, x0 + 1160 + rng.randint(-30, 30), ys[4] - 30 + rng.randint(-20, 30), seller, "oval")
        doc.seal_field(page, sbox, seller)
    else:
        doc.seal_field(page, None, None)
    return doc


# -- near-blank page -----------------------------------------------------------------------------


@register("other_blank", DocType.OTHER, "near-blank page: paper tint, a few marks, perhaps 以下空白 or a page number")
def render_blank(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    doc = SynthDocument(DocType.OTHER, "other_blank", style.family)
    tint = rng.choice(((255, 255, 255), (250, 248, 242), (246, 244, 236), (243, 243, 240)))
    w, h = 1240, 1754
    page = doc.new_page(w, h, paper=tint)
    nprng = np.random.default_rng(rng.getrandbits(32))
    arr = np.asarray(page.image, dtype=np.float32)
    arr = arr + nprng.normal(0, 1.5, (*arr.shape[:2], 1)).astype(np.float32)
    page.image.paste(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), (0, 0))
    draw = ImageDraw.Draw(page.image)
    for _ in range(rng.randint(3, 25)):
        # Specks of dust and toner.
        x, y = rng.randrange(w), rng.randrange(h)
        r = rng.uniform(0.6, 2.2)
        g = rng.randint(90, 200)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(g, g, g))
    if rng.random() < 0.4:
        _bleed_through(page, case, rng)
    if rng.random() < 0.3:
        # A staple hole pair or a punch mark at the left edge.
        yy = rng.randint(150, 400)
        for dy in (0, 26):
            draw.rectangle((34, yy + dy, 40, yy + dy + 2), fill=(120, 120, 120))
    choice = rng.randrange(4)
    size = int(22 * style.scale)
    if choice == 0:
        page.text(
            w / 2, rng.randint(180, 700), rng.choice(("以下空白", "（以下空白）", "此页无正文")), size, anchor="ma"
        )
    elif choice == 1:
        total = rng.randint(2, 4)
        page.text(w / 2, h - 80, f"第{total}页/共{total}页", int(17 * style.scale), anchor="ma")
    elif choice == 2:
        page.text(w / 2, h - 80, f"- {rng.randint(2, 9)} -", int(18 * style.scale), anchor="ma")
    doc.seal_field(page, None, None)
    return doc


def _bleed_through(page: Page, case: Case, rng: random.Random) -> None:
    """Print on the back of the sheet showing through, mirrored and faint: thin paper does this."""
    ghost = Image.new("RGB", (page.width, page.height), (255, 255, 255))
    d = ImageDraw.Draw(ghost)
    face = fonts.font("noto_serif", 22)
    y = rng.randint(120, 300)
    sentence = f"{case.hospital}出院记录患者因病入院完善相关检查予对症支持治疗病情好转出院后门诊随访定期复查"
    for _ in range(rng.randint(6, 20)):
        start = rng.randrange(len(sentence) - 10)
        d.text((120, y), (sentence[start:] + sentence)[:44], font=face, fill=(0, 0, 0))
        y += 36
    ghost = ghost.transpose(Image.FLIP_LEFT_RIGHT).filter(ImageFilter.GaussianBlur(1.4))
    arr = np.asarray(ghost, dtype=np.float32)
    faint = 255 - (255 - arr) * rng.uniform(0.05, 0.1)
    page.paste(Image.fromarray(faint.astype(np.uint8)), 0, 0)
