"""单位证明 / 在职证明: the employer's letter that the member is on its staff, with its red seal.

A short letter on A4, in the upper half of the page: sometimes a letterhead with the employer's
name over a red rule, the title (证明, 在职证明, 单位证明), an addressee, the body "兹证明 NAME
（身份证号：…）系我单位在职职工，自YYYY年MM月起在我单位工作至今……特此证明。", then the
employer's full name at the bottom right with the date, and the round seal (star in the middle,
name around the ring) pressed over both. Forms filled in by hand carry the values in pen.
"""

from __future__ import annotations

import random
from datetime import timedelta

from intake.normalize.dates import print_date
from intake.vocabulary import DocType
from intake_lab.synth import seals, values
from intake_lab.synth.canvas import RED, SynthDocument
from intake_lab.synth.case import Case
from intake_lab.synth.clinical import PEN, Piece, fit_size, running_text, title_family

from . import register
from .base import Style

W, H = 1240, 1754
ADDRESSEES = (
    "{city}总工会：",
    "{city}职工互助保障会：",
    "{city}总工会职工互助保障办公室：",
    "致：{city}职工医疗互助保障管理中心",
    "",
)
POSTS = ("生产部", "行政部", "财务部", "销售部", "技术部", "后勤保障部", "质检部", "仓储物流部")
JOBS = ("操作工", "技术员", "会计", "业务员", "工程师", "办事员", "主管", "司机")


@register("unit_certificate", DocType.UNIT_CERTIFICATE, "employer certificate (单位证明/在职证明) with round seal")
def render(case: Case, style: Style, rng: random.Random) -> SynthDocument:
    doc = SynthDocument(DocType.UNIT_CERTIFICATE, "unit_certificate", style.family)
    page = doc.new_page(W, H)
    s = style.scale
    body = int(27 * s)
    left, right = 150, W - 150
    hand = rng.random() < 0.25  # a printed form whose blanks are filled in by pen
    fam = "ukai" if hand else None
    tfam, tbold = title_family(style, rng)

    y = 110
    if rng.random() < 0.35:
        # Letterhead: the employer's name in red over a thick-thin red rule.
        size = fit_size(page, case.employer, int(40 * s), right - left, family="noto_serif_bold")
        lh = page.text(W / 2, y, case.employer, size, family="noto_serif_bold", fill=RED, anchor="ma", tracking=0.1)
        y = lh[3] + 18
        page.line(left - 40, y, right + 40, y, 4, fill=RED)
        page.line(left - 40, y + 8, right + 40, y + 8, 1, fill=RED)
        y += 90
    else:
        y += 60
    title = rng.choice(("证明", "证　明", "在职证明", "单位证明", "在职证明"))
    tsize = int(46 * s)
    tbox = page.text(
        W / 2, y, title, tsize, anchor="ma", family=tfam, bold=tbold, tracking=0.6 if len(title) == 2 else 0.2
    )
    y = tbox[3] + int(70 * s)

    addressee = rng.choice(ADDRESSEES).format(city=case.region.city)
    if addressee:
        page.text(left, y, addressee, body)
        y += int(body * 2.1)

    start = case.employment_start
    start_text = rng.choice((f"{start.year}年{start.month:02d}月", f"{start.year}年{start.month}月", f"{start.year}年"))
    pronoun = rng.choice(("该同志", "该职工", "该员工"))
    pieces = [
        Piece(rng.choice(("兹证明", "兹有", "兹证明我单位职工"))),
        Piece(case.person.name, "employee_name", fam, hand, hand),
    ]
    if rng.random() < 0.4:
        pieces += [Piece("，性别"), Piece(case.person.sex, None, fam, hand, hand)]
    pieces += [
        Piece(rng.choice(("（身份证号：", "，身份证号码：", "（身份证号码："))),
        Piece(case.person.id_number, "id_number", fam, hand, hand),
    ]
    closing = "）" if pieces[-2].text.startswith("（") else ""
    pieces.append(Piece(closing + "，系我单位在职职工，自"))
    pieces += [Piece(start_text, None, fam, hand, hand), Piece("起在我单位工作至今")]
    if rng.random() < 0.5:
        pieces += [Piece(f"，现任{rng.choice(POSTS)}"), Piece(rng.choice(JOBS), None, fam, hand, hand)]
    pieces.append(Piece("。"))
    if rng.random() < 0.6:
        pieces.append(Piece(f"{pronoun}系我单位工会会员，已参加职工医疗互助保障。"))
    if rng.random() < 0.6:
        dx = case.diagnoses[0].name
        when = f"{case.admission.year}年{case.admission.month}月"
        if case.inpatient:
            pieces.append(Piece(f"{pronoun}因患“{dx}”于{when}在{case.hospital}住院治疗，"))
        else:
            pieces.append(Piece(f"{pronoun}因患“{dx}”于{when}在{case.hospital}就诊，"))
        pieces.append(Piece(rng.choice(("期间工资照发。", "现申请职工互助保障金。", "情况属实。"))))
    y, boxes = running_text(page, left, y, right, pieces, body, leading=2.05)
    y = running_text(page, left, y + int(body * 0.3), right, [Piece("特此证明。")], body)[0]
    if rng.random() < 0.4:
        contact = values.person_name(rng, rng.choice("男女"))
        phone = (
            rng.choice(("0574", "0571", "025", "020", "021", "0755")) + f"-{values.digits(rng, 8, leading_zero=False)}"
        )
        page.text(left, y + int(body * 0.5), f"联系人：{contact}　　联系电话：{phone}", int(body * 0.85))
        y += int(body * 2.2)

    doc.field("employee_name", case.person.name, page, boxes["employee_name"], case.person.name)
    doc.field("id_number", case.person.id_number, page, boxes["id_number"], case.person.id_number)

    # Signature block: the employer's name and the date, right-aligned under the letter.
    y += int(body * 2.2)
    name_size = fit_size(page, case.employer, body, right - left - body * 6, family=fam)
    label = rng.choice(("", "", "单位（盖章）：", "证明单位："))
    nbox = page.text(right, y, case.employer, name_size, anchor="ra", family=fam, fill=PEN if hand else None)
    if label:
        page.text(nbox[0] - body * 0.4, y, label, body, anchor="ra")
    doc.field("employer_name", case.employer, page, nbox, case.employer)
    y = nbox[3] + int(body * 1.2)
    issued = case.discharge + timedelta(days=rng.randint(1, 30))
    dstyle = style.date_style if rng.random() < 0.4 else rng.choice(("cn", "cn_short"))
    dtext = print_date(issued, dstyle)
    ink = PEN if hand else None
    if page.text_width(dtext, body, family=fam) < nbox[2] - nbox[0]:
        dbox = page.text((nbox[0] + nbox[2]) / 2, y, dtext, body, anchor="ma", family=fam, fill=ink)
    else:
        dbox = page.text(right, y, dtext, body, anchor="ra", family=fam, fill=ink)
    doc.field("issue_date", issued.isoformat(), page, dbox, dtext)

    if style.seal:
        d = int(rng.uniform(215, 245) * s)
        if rng.random() < 0.35:
            ink = seals.company_seal(case.employer, values.digits(rng, 13, leading_zero=False), d, rng)
        else:
            ink = seals.round_seal(case.employer, d, rng)
        cx = int((nbox[0] + nbox[2]) / 2 + rng.randint(-60, 60))
        cy = int((nbox[1] + dbox[3]) / 2 + rng.randint(-30, 30))
        sbox = page.stamp(ink, cx, cy, case.employer, "round")
        doc.seal_field(page, sbox, case.employer)
    else:
        doc.seal_field(page, None, None)
    return doc
