"""Employer certificates from a form spec: a letter of the family's phrasings, or a fill-in form.

letter: an optional letterhead (the employer in red over a double rule, or in plain type with an
address), the title, an addressee, the body template and extra sentences as running text (the
member's name and ID number are fill-ins; a hire date, post or salary sit beside them), the
closing, a contact line, then at the bottom right the signature template and the date, and the
employer's round seal pressed over both.
form: title, the member's facts in any label arrangement, a statement, signature, date, seal.

The employer's name may print in the letterhead, in the body and in the signature; the truth
points at the signature's when there is one, else the body's, else the letterhead's (the last one
drawn), so that it is where a reader of the letter looks for who signed it.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from intake.vocabulary import DocType
from intake_lab.synth import seals, values
from intake_lab.synth.canvas import RED, Box, SynthDocument
from intake_lab.synth.case import Case
from intake_lab.synth.clinical import fit_size

from . import facts
from .arrange import Item, Sheet, sentence
from .common import block, compose, distractors, field_item, new_document, title_face, typo
from .spec import FormSpec

W, H = 1240, 1754
NUMERALS = "〇一二三四五六七八九"


def numeral_date(d: date) -> str:
    """二〇二三年五月八日: how letters written in a word processor often date themselves."""

    def small(n: int) -> str:
        tens, ones = divmod(n, 10)
        return ("" if tens < 2 else NUMERALS[tens]) + ("十" if tens else "") + (NUMERALS[ones] if ones else "")

    return "".join(NUMERALS[int(c)] for c in str(d.year)) + f"年{small(d.month)}月{small(d.day)}日"


def _issued(case: Case, rng: random.Random) -> date:
    return case.discharge + timedelta(days=rng.randint(1, 30))


def _issue_text(spec: FormSpec, d: date) -> str:
    style = spec.pick("issue_style", "own")
    if style == "numeral":
        return numeral_date(d)
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    return spec.date(d)


def _slots(spec: FormSpec, case: Case, rng: random.Random) -> dict[str, Item]:
    """Every slot a letter's templates may use: the three fields and what else letters say."""
    female = case.person.sex == "女"
    return {
        "employee_name": Item("", case.person.name, "employee_name", case.person.name),
        "id_number": Item("", case.person.id_number, "id_number", case.person.id_number),
        "employer_name": Item("", case.employer, "employer_name", case.employer),
        "hire_date": Item("hire_date", facts.make("hire_date", case, spec, rng), distractor=True),
        "hire_month": Item("hire_month", facts.make("hire_month", case, spec, rng), distractor=True),
        "post": Item("", facts.make("post", case, spec, rng)),
        "job": Item("", facts.make("job", case, spec, rng)),
        "salary": Item("salary", facts.make("salary", case, spec, rng).removesuffix("元"), distractor=True),
        "sex": Item("", case.person.sex),
        "honorific": Item("", "女士" if female else "先生"),
        "honorific_pronoun": Item("", "她" if female else "他"),
        "birth_date": Item("birth_date", spec.date(case.person.birth), distractor=True),
        "diagnosis": Item("", case.diagnoses[0].name),
        "hospital": Item("", case.hospital),
        "admission_month": Item("", f"{case.admission.year}年{case.admission.month}月"),
        "city": Item("", case.region.city),
    }


def _text(template: str, slots: dict[str, Item]) -> str:
    """A template with only context slots, as plain text (an addressee, a title)."""
    return template.format(**{k: it.value for k, it in slots.items()})


def _letterhead(sh: Sheet, spec: FormSpec, case: Case, x0: int, x1: int, y: int, rng: random.Random) -> int:
    style = spec.pick("letterhead", "none")
    page = sh.page
    if style == "none":
        return y + 60
    if style == "red":
        size = fit_size(page, case.employer, int(spec.size * 1.5), x1 - x0, family="noto_serif_bold")
        box = page.text(W / 2, y, case.employer, size, family="noto_serif_bold", fill=RED, anchor="ma", tracking=0.1)
        y = box[3] + 18
        page.line(x0 - 40, y, x1 + 40, y, 4, fill=RED)
        page.line(x0 - 40, y + 8, x1 + 40, y + 8, 1, fill=RED)
        sh.record("employer_name", case.employer, box, case.employer, "title")
        return y + 80
    size = fit_size(page, case.employer, int(spec.size * 1.2), x1 - x0, bold=True)
    box = page.text(x0, y, case.employer, size, bold=True)
    sh.record("employer_name", case.employer, box, case.employer, "title")
    road = rng.choice(("工业路", "科技路", "东海路", "创业路"))
    address = f"地址：{case.region.city}{case.region.district}{road}{rng.randint(1, 300)}号"
    abox = page.text(x0, box[3] + 10, address, int(spec.size * 0.7), fill=(90, 90, 90))
    page.line(x0, abox[3] + 12, x1, abox[3] + 12, 2)
    return abox[3] + 70


def _title(sh: Sheet, spec: FormSpec, y: int) -> int:
    text = spec.pick("title")
    family, bold = title_face(spec)
    box = sh.page.text(
        W / 2,
        y,
        text,
        int(spec.size * 1.7),
        family=family,
        bold=bold,
        anchor="ma",
        tracking=0.6 if len(text) == 2 else 0.2,
    )
    return box[3] + int(spec.size * 2.2)


def render_letter(case: Case, spec: FormSpec, rng: random.Random) -> SynthDocument:
    doc = new_document(DocType.UNIT_CERTIFICATE, spec)
    page = doc.new_page(W, H)
    hand = rng.random() < float(spec.family.get("hand", 0.0))
    t = typo(spec, hand=hand, leading=2.05)
    sh = Sheet(doc, page, t)
    x0, x1 = 150, W - 150
    slots = _slots(spec, case, rng)
    y = _letterhead(sh, spec, case, x0, x1, 110, rng)
    y = _title(sh, spec, y)
    addressee = _text(spec.pick("addressee", ""), slots)
    if addressee:
        page.text(x0, y, addressee, spec.size)
        y += int(spec.size * 2.1)

    body = spec.pick("body")
    for extra, chance in spec.family.get("extras") or []:
        if rng.random() < float(chance):
            body += extra
    closing = spec.pick("closing", "")
    y, _ = sentence(sh, body, slots, x0, x1, y, leading=2.05)
    if closing:
        y, _ = sentence(sh, closing, slots, x0, x1, y + int(spec.size * 0.3))
    contact = distractors(spec, "contact", case, rng)
    if contact:
        line = "　　".join(f"{it.label}：{it.value}" for it in contact)
        page.text(x0 + spec.size * 2, y + int(spec.size * 0.4), line, int(spec.size * 0.85))
        y += int(spec.size * 2.2)
    _sign(sh, spec, case, x1, y + int(spec.size * 2.4), rng)
    return doc


def _sign(sh: Sheet, spec: FormSpec, case: Case, x1: int, y: int, rng: random.Random) -> None:
    """The signature template right-aligned, the date under it, the seal over both."""
    page = sh.page
    doc = sh.doc
    template = spec.pick("signature", "{employer_name}")
    size = spec.size
    right_edge = x1
    marks: list[Box] = []
    if template:
        label, _, rest = template.partition("{employer_name}")
        name = case.employer if "{employer_name}" in template else ""
        name_size = fit_size(page, case.employer, size, (x1 - 150) * 0.7)
        if name:
            nbox = sh.value(right_edge, y, name, size=name_size, anchor="ra") if not rest else None
            if nbox is None:
                rbox = page.text(right_edge, y, rest, size, anchor="ra")
                nbox = sh.value(rbox[0] - 4, y, name, size=name_size, anchor="ra")
            sh.record("employer_name", case.employer, nbox, case.employer, "signature", label)
            marks.append(nbox)
            if label:
                marks.append(page.text(nbox[0] - size * 0.3, y, label, size, anchor="ra"))
        else:
            marks.append(page.text(right_edge, y, label, size, anchor="ra"))
        y = max(b[3] for b in marks) + int(size * 1.2)
    if "employer_name" not in doc.fields:
        # A letter that names its employer nowhere but in the seal would leave the field unreadable;
        # real ones print it somewhere, so this family's copy does at the signature.
        nbox = sh.value(right_edge, y, case.employer, anchor="ra")
        sh.record("employer_name", case.employer, nbox, case.employer, "signature", "")
        marks.append(nbox)
        y = nbox[3] + int(size * 1.2)
    issued = _issued(case, rng)
    text = _issue_text(spec, issued)
    date_line = spec.pick("date_line", "{date}")
    before, _, after = date_line.partition("{date}")
    anchor_box = marks[0] if marks else (right_edge - 300, y, right_edge, y)
    if page.text_width(before + text, size) < anchor_box[2] - anchor_box[0] and not after:
        cx = (anchor_box[0] + anchor_box[2]) / 2
        lead = page.text_width(before, size) if before else 0
        start = cx - (lead + sh.width(text, value=True)) / 2
        if before:
            page.text(start, y, before, size)
        dbox = sh.value(start + lead, y, text)
    else:
        dbox = sh.value(right_edge, y, text, anchor="ra")
        if before:
            page.text(dbox[0] - 4, y, before, size, anchor="ra")
    sh.record("issue_date", issued.isoformat(), dbox, text, "signature", before.rstrip("：:"))
    if spec.seal:
        d = int(rng.uniform(215, 245))
        if rng.random() < 0.35:
            ink = seals.company_seal(case.employer, values.digits(rng, 13, leading_zero=False), d, rng)
        else:
            ink = seals.round_seal(case.employer, d, rng)
        top = marks[0] if marks else dbox
        cx = int((top[0] + top[2]) / 2 + rng.randint(-60, 60))
        cy = int((top[1] + dbox[3]) / 2 + rng.randint(-30, 30))
        sbox = page.stamp(ink, cx, cy, case.employer, "round")
        doc.seal_field(page, sbox, case.employer)
        doc.notes.setdefault("arrangement", {})["seal"] = "seal"
    else:
        doc.seal_field(page, None, None)


def render_form(case: Case, spec: FormSpec, rng: random.Random) -> SynthDocument:
    doc = new_document(DocType.UNIT_CERTIFICATE, spec)
    page = doc.new_page(W, H)
    hand = rng.random() < float(spec.family.get("hand", 0.0))
    sh = Sheet(doc, page, typo(spec, hand=hand))
    x0, x1 = 130, W - 130
    slots = _slots(spec, case, rng)
    y = _letterhead(sh, spec, case, x0, x1, 100, rng)
    y = _title(sh, spec, y)
    named: dict[str, list[Item]] = {
        "employee_name": [field_item(spec, "employee_name", case.person.name, case.person.name)],
        "sex": [Item(spec.labels.get("sex", "性别"), case.person.sex)],
        "id_number": [field_item(spec, "id_number", case.person.id_number, case.person.id_number)],
    }
    if spec.pick("employer_in_grid", False):
        named["employer_name"] = [field_item(spec, "employer_name", case.employer, case.employer)]
    items = compose(spec, "person", named, distractors(spec, "person", case, rng))
    y = block(sh, spec, "person", items, x0, x1, y, cols=spec.cols.get("person", 2)) + int(spec.size * 1.4)
    statement = spec.pick("statement", "")
    if statement:
        y, _ = sentence(sh, statement, slots, x0, x1, y)
    _sign(sh, spec, case, x1, y + int(spec.size * 2.4), rng)
    return doc
