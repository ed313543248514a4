"""Settlement statements from a form spec: title, person and stay, fees by category, the payment
split (grid, column table, label lines, label over value, or a sentence), settlement date and seal.

The fee categories are the invoice's items: amounts of the same kind as the total that are not the
total. The split comes from the case's bill, so that total = 统筹 + 其他 + 自付 + 自费 on every page.
"""

from __future__ import annotations

import random
from decimal import Decimal

from intake.normalize.money import print_money
from intake.vocabulary import DocType
from intake_lab.synth.canvas import SynthDocument
from intake_lab.synth.case import Case

from . import facts
from .arrange import Item, Sheet, data_table, right, sentence
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
    title,
    trim,
    typo,
)
from .spec import FormSpec

W = 1240


def _visit(case: Case) -> str:
    return "住院" if case.inpatient else "门诊特殊病种"


def render(case: Case, spec: FormSpec, rng: random.Random) -> SynthDocument:
    doc = new_document(DocType.SETTLEMENT, spec)
    page = doc.new_page(W, 1754)
    t = typo(spec, label_size=spec.size)
    sh = Sheet(doc, page, t)
    x0, x1 = int(spec.margin * 0.7), W - int(spec.margin * 0.7)
    bill = case.bill

    y = 64
    if spec.pick("hospital_line"):
        hbox = title(page, spec, W / 2, y, case.hospital, int(spec.size * 1.45), width=x1 - x0, anchor="ma")
        sh.record("hospital_name", case.hospital, hbox, case.hospital, "title")
        y = hbox[3] + int(spec.size * 0.7)
    text = spec.pick("title").format(
        city=case.region.city, province=case.region.province, hospital=case.hospital, visit=_visit(case)
    )
    tbox = title(page, spec, W / 2, y, text, int(spec.size * 1.6), width=x1 - x0, anchor="ma", tracking=0.06)
    y = tbox[3] + int(spec.size * 1.2)

    issue = field_item(spec, "issue_date", _settled(spec, case, rng), case.issue_date.isoformat())
    top = distractors(spec, "top", case, rng)
    if spec.pick("date_at") == "top":
        top.insert(0, issue)
    if top:
        y = right(sh, top, x0, x1, y, cols=max(2, len(top)), flow=len(top) > 2)

    named: dict[str, list[Item]] = {
        "patient_name": [field_item(spec, "patient_name", case.person.name, case.person.name)]
    }
    if "hospital_name" not in doc.fields:
        named["hospital_name"] = [field_item(spec, "hospital_name", case.hospital, case.hospital)]
    if case.inpatient:
        adm, dis = plain_dates(spec, case)
        named["stay"] = stay_items(spec, adm, dis, rng)
    bands = bool(spec.pick("bands"))
    frame_top = y
    if bands:
        y = _band(sh, x0, x1, y, spec.label("person_head"))
    y = block(sh, spec, "person", compose(spec, "person", named, distractors(spec, "person", case, rng)), x0, x1, y)
    y += int(spec.size * (0 if bands else 0.8))

    y = _fees(sh, spec, case, x0, x1, y, bands)

    money = {
        "total_amount": [money_item(spec, "total_amount", bill.total, "total_amount", total=True)],
        "insurance_paid": [money_item(spec, "insurance_paid", bill.insurance_paid, "insurance_paid")],
        "personal_account_paid": [
            money_item(spec, "personal_account_paid", bill.personal_account_paid, "personal_account_paid")
        ],
        "personal_copay": [money_item(spec, "personal_copay", bill.personal_copay, "personal_copay")],
        "personal_selfpay": [money_item(spec, "personal_selfpay", bill.personal_selfpay, "personal_selfpay")],
    }
    if bands:
        y = _band(sh, x0, x1, y, spec.label("money_head"))
    elif spec.has("money_head"):
        sh.label(x0, y, spec.label("money_head"), size=int(spec.size * 1.05))
        y += int(spec.size * 1.8)
    extra = distractors(spec, "money", case, rng)
    if spec.how("money") == "sentence":
        if extra:
            y = right(sh, extra, x0, x1, y, cols=3) + int(spec.size * 0.3)
        y = _money_sentence(sh, spec, case, money, x0, x1, y)
    else:
        y = block(sh, spec, "money", compose(spec, "money", money, extra), x0, x1, y)
    if bands:
        sh.frame((x0, frame_top, x1, y), 2)
    y += int(spec.size * 1.6)

    footer = distractors(spec, "footer", case, rng)
    if spec.pick("date_at") != "top":
        footer.insert(0, issue)
    yf = y
    y = right(sh, footer, x0, x1, y, cols=3)
    stamp_label = page.text(x1 - int(spec.size * 9), yf, "（盖章）", spec.size) if rng.random() < 0.4 else None
    note = spec.pick("note", "")
    if note:
        y += int(spec.size * 0.4)
        y, _ = page.paragraph(x0, y, x1 - x0, note, int(spec.size * 0.85), leading=1.5, indent=0)
    anchor = stamp_label or (x1 - 200, yf, x1 - 100, yf + spec.size)
    hospital_seal(
        doc,
        page,
        spec,
        case,
        rng,
        anchor[0] + rng.randint(-40, 60),
        anchor[1] - rng.randint(0, 60),
        spec.pick("seal_text", "医保结算专用章"),
    )
    trim(page, rng, 40, 120)
    return doc


def _settled(spec: FormSpec, case: Case, rng: random.Random) -> str:
    printed = spec.date(case.issue_date)
    return printed + (" " + facts.stamp_time(rng) if spec.clock else "")


def _band(sh: Sheet, x0: int, x1: int, y: int, text: str) -> int:
    """A full-width section heading row, shaded, as scheme forms print between their sections."""
    h = int(sh.t.size * 2.0)
    sh.page.rect((x0, y, x1, y + h), 1, fill=(236, 236, 236))
    sh.page.text_in((x0, y, x1, y + h), text, sh.t.size, bold=True, tracking=0.3)
    return y + h


def _fees(sh: Sheet, spec: FormSpec, case: Case, x0: int, x1: int, y: int, bands: bool) -> int:
    """Amounts per fee category: label|amount pairs, a column table, or a band of heads and amounts."""
    style = spec.pick("fees", "none")
    if style == "none":
        return y
    items = [Item(name, spec.money(amount), align="right", distractor=True) for name, amount in case.bill.items]
    if bands:
        y = _band(sh, x0, x1, y, spec.label("fees_head"))
    elif spec.has("fees_head"):
        sh.label(x0, y, spec.label("fees_head"), size=int(spec.size * 1.05))
        y += int(spec.size * 1.8)
    how = spec.how("fees")
    if style == "columns":
        # 项目名称 | 金额 | 项目名称 | 金额: a ruled table whose rows are the categories, two a row.
        heads = [spec.label("fee_name"), spec.label("fee_amount")] * 2
        pairs = [items[k : k + 2] for k in range(0, len(items), 2)]
        rows = [[cell for it in pair for cell in (it.label, it.value)] + ["", ""] * (2 - len(pair)) for pair in pairs]
        aligns = ["left", "right", "left", "right"]
        y, _ = data_table(sh, heads, rows, x0, x1, y, weights=(1.2, 1.0, 1.2, 1.0), aligns=aligns)
        return y + int(spec.size * 0.8)
    if style == "band":
        return block(sh, spec, "fees", items, x0, x1, y, cols=len(items)) + int(spec.size * 0.8)
    if how == "grid":
        return block(sh, spec, "fees", items, x0, x1, y)
    return block(sh, spec, "fees", items, x0, x1, y) + int(spec.size * 0.6)


def _money_sentence(
    sh: Sheet, spec: FormSpec, case: Case, money: dict[str, list[Item]], x0: int, x1: int, y: int
) -> int:
    """The split as one sentence; amounts print bare there, the sentence says 元 after each."""
    slots = {name: items[0] for name, items in money.items()}
    for it in slots.values():
        it.value = print_money(Decimal(it.truth), thousands=spec.money.thousands, trim=spec.money.trim)
    slots["visit"] = Item("", "住院" if case.inpatient else "门诊")
    y, _ = sentence(sh, spec.pick("money_sentence"), slots, x0, x1, y)
    return y
