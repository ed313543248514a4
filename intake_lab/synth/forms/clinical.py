"""Discharge documents and diagnosis certificates from a form spec.

record (出院记录): title, the patient header, 入院诊断 and 出院诊断, long paragraphs flowing over
up to three pages under a running header, orders, the doctor's signature, page numbers.
summary (出院小结): the same parts under numbered or bracketed headings, shorter prose.
certificate (出院证明书; and the 诊断证明书 of DocType.DIAGNOSIS): a short page, the header as a
grid, lines or a 兹证明 sentence, the diagnoses, brief advice, doctor, date, the hospital's seal.

The patient header takes any arrangement; a sentence header is a family template whose slots are
the fields (fields it leaves out go on label lines under it). Diagnoses print as numbered lines,
joined on a line, coded in brackets, or as a table with code, admission-condition and outcome
columns; only the discharge list (or a certificate's 诊断) is the truth, never the admission list,
and an outcome such as 好转 stands in a column of its own, never in the diagnosis.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date

from PIL import Image, ImageDraw

from intake.vocabulary import DocType
from intake_lab.synth import fonts, prose, values
from intake_lab.synth.canvas import Box, Page, SynthDocument, union
from intake_lab.synth.case import Case, Diagnosis
from intake_lab.synth.clinical import Dated, Flow, dx_lines, fit_size, print_stay_date, wrap

from . import facts
from .arrange import Item, Sheet, Typo, data_table, right, sentence, slots_of
from .common import (
    age_item,
    block,
    compose,
    distractors,
    field_item,
    hospital_seal,
    new_document,
    stay_days_item,
    stay_items,
    title_face,
    trim,
    typo,
)
from .spec import FormSpec

A4 = (1240, 1754)
A5 = (874, 1240)
MAX_PAGES = 3
OUTCOMES = ("好转", "好转", "治愈", "未愈", "其他")
CONDITIONS = ("有", "有", "临床未确定", "情况不明", "无")


# -- dates ---------------------------------------------------------------------------------------------


def stay_dates(spec: FormSpec, case: Case, rng: random.Random) -> tuple[Dated, Dated, bool]:
    """The stay as this copy prints it: the family's date style, a time of day when its labels say
    时间, and now and then only the month (a privacy-blanked copy, whose day must not be guessed)."""
    blank = rng.random() < float(spec.family.get("blank", 0.06))
    timed = spec.clock and not blank and "时间" in spec.labels.get("admission_date", "")
    clocks = (
        f"{rng.randint(7, 20):02d}:{rng.randint(0, 59):02d}",
        f"{rng.randint(8, 11):02d}:{rng.randint(0, 59):02d}",
    )
    adm = print_stay_date(case.admission, spec.date_style, clock=clocks[0] if timed else None, partial=blank)
    dis = print_stay_date(case.discharge, spec.date_style, clock=clocks[1] if timed else None, partial=blank)
    return adm, dis, blank


def prose_dates(spec: FormSpec, rng: random.Random) -> Callable[[date], str]:
    """Dates inside paragraphs: the record's own style, or month and day only."""
    if rng.random() < 0.4:
        return lambda d: f"{d.month}月{d.day}日"
    return spec.date


# -- parts -----------------------------------------------------------------------------------------------


def title_block(
    sh: Sheet, spec: FormSpec, case: Case, doc_name: str, x0: int, x1: int, y: int, rng: random.Random
) -> int:
    """The hospital and the document's name, as the family's header style sets them; records the
    hospital name (arrangement "title")."""
    page = sh.page
    style = spec.pick("header", "centered")
    family, bold = title_face(spec)
    w = page.width
    hsize = fit_size(page, case.hospital, int(spec.size * 1.65), (x1 - x0) * 0.8, family=family, bold=bold)
    if style == "inline":
        # One title line: the hospital and the document name side by side, two strings.
        name_w = page.text_width(doc_name, hsize, family=family, bold=bold)
        total = page.text_width(case.hospital, hsize, family=family, bold=bold) + hsize * 0.4 + name_w
        hx = w / 2 - total / 2
        hbox = page.text(hx, y, case.hospital, hsize, family=family, bold=bold)
        page.text(hbox[2] + hsize * 0.4, y, doc_name, hsize, family=family, bold=bold)
        y = hbox[3] + int(spec.size * 1.2)
    elif style == "left_logo":
        r = int(hsize * 1.1)
        page.paste(_logo(case.hospital[0], 2 * r), x0, y - 4)
        hbox = page.text(x0 + 2 * r + hsize * 0.5, y, case.hospital, hsize, family=family, bold=bold)
        if rng.random() < 0.6:
            page.text(hbox[0], hbox[3] + 6, _address(case, rng), int(spec.size * 0.75), fill=(80, 80, 80))
        y = max(hbox[3] + int(spec.size * 1.5), y + 2 * r + 10)
        page.line(x0, y - 8, x1, y - 8, 2)
        nbox = page.text(w / 2, y + 6, doc_name, int(spec.size * 1.45), bold=True, anchor="ma", tracking=0.35)
        y = nbox[3] + int(spec.size * 1.2)
    else:
        hbox = page.text(w / 2, y, case.hospital, hsize, family=family, bold=bold, anchor="ma", tracking=0.05)
        nbox = page.text(
            w / 2, hbox[3] + int(spec.size * 0.7), doc_name, int(spec.size * 1.4), bold=True, anchor="ma", tracking=0.3
        )
        y = nbox[3] + int(spec.size * 1.1)
        if style == "centered_rule":
            page.line(x0, y - int(spec.size * 0.4), x1, y - int(spec.size * 0.4), 2)
            y += int(spec.size * 0.4)
    sh.record("hospital_name", case.hospital, hbox, case.hospital, "title")
    return y


def _logo(initial: str, px: int) -> Image.Image:
    """A hospital's round emblem: a double ring round its first character."""
    img = Image.new("RGB", (px, px), "white")
    draw = ImageDraw.Draw(img)
    draw.ellipse((1, 1, px - 2, px - 2), outline=(30, 70, 140), width=max(3, px // 18))
    draw.ellipse((px // 8, px // 8, px - px // 8, px - px // 8), outline=(30, 70, 140), width=1)
    draw.text(
        (px / 2, px / 2), initial, font=fonts.font("noto_sans_bold", int(px * 0.42)), fill=(30, 70, 140), anchor="mm"
    )
    return img


def _address(case: Case, rng: random.Random) -> str:
    road = rng.choice(("中山路", "解放路", "人民路", "建设路", "和平路", "延安路"))
    phone = rng.choice(("0574", "0571", "025", "020", "021", "0755", "027", "028")) + "-" + values.digits(rng, 8)
    return f"地址：{case.region.city}{case.region.district}{road}{rng.randint(1, 400)}号　电话：{phone}"


def header(
    flow: Flow,
    spec: FormSpec,
    case: Case,
    rng: random.Random,
    x0: int,
    x1: int,
    *,
    stay: tuple[Dated, Dated],
    show_stay: bool,
    days: bool,
    number: bool,
    context: dict[str, str],
    t: Typo,
) -> bool:
    """The patient header: label-value arrangements, or the family's sentence with the rest on lines.

    show_stay: whether label arrangements print the stay; a sentence prints what its template says.
    Returns whether the header ends by introducing the diagnoses (…经检查诊断为：), so that the list
    follows without a label of its own.
    """
    sh = Sheet(flow.doc, flow.page, t)
    number_text = facts.make("outpatient_number", case, spec, rng)
    named: dict[str, list[Item]] = {
        "patient_name": [field_item(spec, "patient_name", case.person.name, case.person.name)],
        "sex": [field_item(spec, "sex", case.person.sex, case.person.sex)],
        "age": [age_item(spec, case)],
        "department": [field_item(spec, "department", case.department, case.department)],
    }
    if number:
        named["inpatient_number"] = [field_item(spec, "inpatient_number", case.inpatient_number, case.inpatient_number)]
    elif spec.has("outpatient_no"):
        named["visit_no"] = [Item(spec.label("outpatient_no"), number_text, distractor=True)]
    if show_stay:
        named["stay"] = stay_items(spec, stay[0], stay[1], rng)
        if days:
            named["length_of_stay"] = [stay_days_item(spec, case)]
    extra = distractors(spec, "header", case, rng)
    gong = days and show_stay and spec.pick("days") == "gong"
    if gong:
        named.pop("length_of_stay")
    if spec.how("header") == "sentence":
        template = spec.pick("header_sentence" if case.inpatient else "header_sentence_outpatient")
        slots = _sentence_slots(spec, case, stay if case.inpatient else None, context, number_text)
        used = set(slots_of(template)) | ({"visit_no"} if "outpatient_number" in template else set())
        rest = [it for key, items in named.items() for it in items if not (_keys(key, items) <= used)]
        flow.y, _ = sentence(sh, template, slots, x0, x1, flow.y)
        rest += extra
        if rest:
            flow.y = right(sh, rest, x0, x1, flow.y + int(spec.size * 0.2), cols=spec.cols.get("header", 3))
        return template.endswith("：")
    items = compose(spec, "header", named, extra)
    flow.y = block(sh, spec, "header", items, x0, x1, flow.y, inset=0)
    if gong:
        # "共住院 9 天" after the dates, the number its own string.
        day_slot = {"length_of_stay": Item("", str(case.stay_days), "length_of_stay", case.stay_days)}
        flow.y, _ = sentence(sh, spec.pick("gong_text", "共住院{length_of_stay}天"), day_slot, x0, x1, flow.y, indent=0)
    return False


def _keys(key: str, items: Sequence[Item]) -> set[str]:
    names = {it.field for it in items if it.field} | {n for it in items for n in it.also}
    return names or {key}


def _sentence_slots(
    spec: FormSpec, case: Case, stay: tuple[Dated, Dated] | None, context: dict[str, str], number_text: str
) -> dict[str, Item]:
    """Every slot a header sentence may use: the fields bare (the sentence says 岁 and 天), context."""
    slots = {
        "patient_name": Item("", case.person.name, "patient_name", case.person.name),
        "sex": Item("", case.person.sex, "sex", case.person.sex),
        "age": Item("", str(case.age), "age", case.age),
        "department": Item("", case.department, "department", case.department),
        "inpatient_number": Item("", case.inpatient_number, "inpatient_number", case.inpatient_number),
        "hospital": Item("", case.hospital),
        "visit_date": Item("visit_date", spec.date(case.admission), distractor=True),
        "outpatient_number": Item("outpatient_number", number_text, distractor=True),
        "birth_date": Item("birth_date", spec.date(case.person.birth), distractor=True),
    }
    if stay:
        slots["admission_date"] = Item("", stay[0].text, "admission_date", stay[0].value)
        slots["discharge_date"] = Item("", stay[1].text, "discharge_date", stay[1].value)
        slots["length_of_stay"] = Item("", str(case.stay_days), "length_of_stay", case.stay_days)
    slots.update({k: Item("", v) for k, v in context.items()})
    return slots


def diagnoses(
    flow: Flow,
    spec: FormSpec,
    label_key: str,
    dxs: Sequence[Diagnosis],
    x0: int,
    x1: int,
    rng: random.Random,
    *,
    truth: bool,
    t: Typo | None = None,
    labelled: bool = True,
) -> None:
    """A diagnosis list in the copy's style; the truth (if this is the list that counts) covers the
    diagnosis names only: a code or an outcome printed beside them is not part of them. A list that
    a sentence introduced (…诊断为：) has no label of its own (labelled=False)."""
    t = t or typo(spec)
    style = spec.pick("dx", "lines")
    label = spec.label(label_key)
    size = spec.size
    step = int(size * 1.65)
    if style.startswith("table"):
        columns = spec.pick("dx_columns", ["dx_name", "dx_code"])
        if not truth:
            # The condition on admission and the outcome are the discharge list's columns.
            columns = [c for c in columns if c not in ("dx_outcome", "dx_condition")]
        rows = [[_dx_cell(col, d, k, rng) for col in columns] for k, d in enumerate(dxs)]
        need = int(size * 1.9) + len(rows) * int(size * 1.8) + (step if style == "table_caption" else 0)
        flow.ensure(need + step)
        sh = Sheet(flow.doc, flow.page, t)
        heads = [label if col == "dx_name" and style == "table" else spec.label(col) for col in columns]
        if style == "table_caption" and labelled:
            sh.label(x0, flow.y, label + spec.colon)
            flow.y += step
        weights = [{"dx_name": 3.0, "dx_code": 1.3, "dx_type": 1.2}.get(c, 1.1) for c in columns]
        aligns = ["left" if c == "dx_name" else "center" for c in columns]
        flow.y, boxes = data_table(sh, heads, rows, x0, x1, flow.y, weights=weights, aligns=aligns)
        flow.y += int(size * 0.6)
        if truth:
            j = columns.index("dx_name")
            names = [row[j] for row in boxes]
            _record_dx(sh, dxs, names, "；".join(d.name for d in dxs), "table", label)
        return
    items, joiner = _dx_items(spec, dxs)
    page = flow.page
    lab = label + spec.colon
    lw = page.text_width(lab, size, bold=True) + size * 0.3
    own_line = spec.pick("dx_own_line", False) or not labelled
    item_x = x0 + (int(size * 2) if own_line else int(lw))
    lines = dx_lines(page, items, joiner, size, x1 - item_x, x1 - item_x)
    flow.ensure(step * (len(lines) + (1 if own_line else 0)))
    sh = Sheet(flow.doc, flow.page, t)
    if labelled:
        flow.page.text(x0, flow.y, lab, size, bold=True)
        if own_line:
            flow.y += step
    drawn: list[tuple[str, Box]] = []
    for ln in lines:
        drawn.append((ln, sh.value(item_x, flow.y, ln)))
        flow.y += step
    if truth:
        _record_dx(sh, dxs, [b for _, b in drawn], "".join(t for t, _ in drawn), "list", label)


def _record_dx(sh: Sheet, dxs: Sequence[Diagnosis], boxes: list[Box], source: str, how: str, label: str) -> None:
    value = [{"text": d.name, "icd10": d.icd10} for d in dxs]
    sh.record("diagnoses", value, union(*boxes), source, how, label)


def _dx_cell(col: str, d: Diagnosis, k: int, rng: random.Random) -> str:
    if col == "dx_name":
        return d.name
    if col == "dx_code":
        return d.printed_code
    if col == "dx_outcome":
        return rng.choice(OUTCOMES)
    if col == "dx_condition":
        return rng.choice(CONDITIONS)
    if col == "dx_type":
        return "主要诊断" if k == 0 else "其他诊断"
    if col == "dx_no":
        return str(k + 1)
    raise KeyError(f"unknown diagnosis column {col}")


def _dx_items(spec: FormSpec, dxs: Sequence[Diagnosis]) -> tuple[list[str], str]:
    """The items of a printed list and the string joining them ("lines": one item a line)."""
    style = spec.pick("dx", "lines")
    numbering = spec.pick("dx_numbering", "1.")
    joiner = spec.pick("dx_joiner", "；")
    if style == "coded":
        lb, rb = spec.pick("dx_brackets", "()")
        return [f"{lb}{d.printed_code}{rb}{d.name}" for d in dxs], joiner
    if style == "code_after":
        return [f"{d.name}（{d.printed_code}）" for d in dxs], joiner
    if style == "inline":
        return [d.name for d in dxs], joiner
    items = [numbering.replace("1", str(k + 1)) + d.name for k, d in enumerate(dxs)]
    return items, "lines" if len(dxs) > 1 or style == "lines" else joiner


class Headings:
    """Section headings in the family's style; "{n}" numbers them 一、二、… in the order drawn."""

    NUMERALS = "一二三四五六七八九十"

    def __init__(self, spec: FormSpec) -> None:
        self.style = spec.pick("heading", "{}：")
        self.spec = spec
        self.count = 0

    def __call__(self, key: str) -> str:
        text = self.style.replace("{n}", self.NUMERALS[self.count]).format(self.spec.label(key))
        self.count += 1
        return text

    @property
    def inline(self) -> bool:
        """Whether text may follow the heading on its line (a numbered or bracketed heading stands alone)."""
        return bool(self.spec.pick("section_inline", False)) and "{n}" not in self.style and "【" not in self.style


def section(flow: Flow, heads: Headings, key: str, text: str, x0: int, x1: int) -> None:
    """A headed paragraph: heading inline with the text or on its own line."""
    size = heads.spec.size
    step = int(size * 1.65)
    flow.ensure(step * 2)
    hbox = flow.page.text(x0, flow.y, heads(key), size, bold=True)
    if heads.inline:
        flow.lines(x0, x1 - x0, text, size, first_x=int(hbox[2] + size * 0.3))
    else:
        flow.y += step
        flow.lines(x0, x1 - x0, text, size, indent=2)
    flow.y += int(size * 0.35)


def orders(flow: Flow, heads: Headings, items: list[str], x0: int, x1: int) -> None:
    spec = heads.spec
    size = spec.size
    step = int(size * 1.65)
    flow.ensure(step * 2)
    flow.page.text(x0, flow.y, heads("sec_orders"), size, bold=True)
    flow.y += step
    numbering = spec.pick("dx_numbering", "1.")
    for k, item in enumerate(items):
        text = numbering.replace("1", str(k + 1)) + item + ("。" if k == len(items) - 1 else "；")
        flow.lines(x0 + int(size * 2), x1 - x0 - int(size * 2), text, size)


def signature(
    flow: Flow, spec: FormSpec, case: Case, rng: random.Random, x1: int, *, hand: bool, blank: bool = False
) -> Box:
    """The doctor's signature line and the document's date (not a field of these documents); a copy
    blanked for privacy hides the day here too."""
    size = spec.size
    step = int(size * 1.65)
    flow.ensure(step * 3)
    flow.y += int(step * 0.6)
    sx = x1 - int(size * 14)
    page = flow.page
    lbox = page.text(sx, flow.y, spec.label("doctor") + spec.colon, size)
    if hand:
        sig = page.text(
            lbox[2] + size * 0.5, flow.y - size * 0.15, case.doctor, int(size * 1.25), family="ukai", kind="hand"
        )
    else:
        sig = page.text(lbox[2] + size * 0.3, flow.y, case.doctor, size)
    flow.y += int(step * 1.2)
    when = case.discharge if case.inpatient else case.admission
    when_text = f"{when.year}年{when.month:02d}月" if blank else spec.date(when)
    dbox = page.text(sx, flow.y, spec.pick("date_label", "日期：") + when_text, size)
    flow.y += step
    return union(sig, dbox)


# -- documents ----------------------------------------------------------------------------------------


def _attempts(rng: random.Random, draw: Callable[[random.Random, int], SynthDocument]) -> SynthDocument:
    """Draw with less prose until the document fits MAX_PAGES: real records run one to three pages."""
    length = rng.choice((0, 0, 1, 2, 3, 3, 4))
    seed = rng.getrandbits(64)
    doc = draw(random.Random(seed + length), length)
    for n in range(length - 1, -1, -1):
        if len(doc.pages) <= MAX_PAGES:
            break
        doc = draw(random.Random(seed + n), n)
    return doc


def render_record(case: Case, spec: FormSpec, rng: random.Random) -> SynthDocument:
    return _attempts(rng, lambda r, n: _long(case, spec, r, n, summary=False))


def render_summary(case: Case, spec: FormSpec, rng: random.Random) -> SynthDocument:
    return _attempts(rng, lambda r, n: _long(case, spec, r, min(n, 2), summary=True))


def _long(case: Case, spec: FormSpec, rng: random.Random, length: int, *, summary: bool) -> SynthDocument:
    doc = new_document(DocType.DISCHARGE, spec)
    w, h = A4
    x0, x1 = spec.margin, w - spec.margin
    doc_name = spec.pick("doc_name", "出院小结" if summary else "出院记录")
    adm, dis, blank = stay_dates(spec, case, rng)
    story = prose.story(case, rng, prose_dates(spec, rng), blank_dates=blank, length=length)
    small = int(spec.size * 0.8)
    marks: list[tuple[Page, float, float, str]] = []

    def running(page: Page, k: int) -> int:
        y = 50
        page.text(x0, y, f"{case.hospital}　{doc_name}", small)
        page.text(
            x1,
            y,
            f"{case.person.name}　{spec.label('inpatient_number')}{spec.colon}{case.inpatient_number}",
            small,
            anchor="ra",
        )
        marks.append((page, w / 2, h - 70, "ma"))
        y += int(small * 1.8)
        page.line(x0, y, x1, y, 1)
        return y + int(spec.size * 1.1)

    flow = Flow(doc, w, h, bottom=h - 120, running_header=running)
    page = flow.start()
    marks.append((page, w / 2, h - 70, "ma"))
    sh = Sheet(doc, page, typo(spec))
    flow.y = title_block(sh, spec, case, doc_name, x0, x1, 64, rng)
    days = not blank or rng.random() < 0.4
    header(
        flow,
        spec,
        case,
        rng,
        x0,
        x1,
        stay=(adm, dis),
        show_stay=True,
        days=days,
        number=True,
        context={"chief": story.chief},
        t=typo(spec),
    )
    if spec.how("header") in ("right", "sentence"):
        # Label lines end at a rule; a ruled grid or table has its own bottom edge.
        page.line(x0 - 6, flow.y - int(spec.size * 0.3), x1 + 6, flow.y - int(spec.size * 0.3), 1)
    flow.y += int(spec.size * 0.5)

    def dx_in() -> None:
        if spec.pick("admission_dx", True):
            diagnoses(flow, spec, "adm_dx", case.admission_diagnoses, x0, x1, rng, truth=False)

    def dx_out() -> None:
        diagnoses(flow, spec, "dis_dx", case.diagnoses, x0, x1, rng, truth=True)

    heads = Headings(spec)

    def sec(key: str, text: str) -> Callable[[], None]:
        return lambda: section(flow, heads, key, text, x0, x1)

    parts = [dx_in, sec("sec_admission", story.admission), sec("sec_course", story.course), dx_out]
    if spec.pick("dx_first", True):
        parts = [dx_in, dx_out, sec("sec_admission", story.admission), sec("sec_course", story.course)]
    parts.append(sec("sec_discharge", story.discharge))
    for part in parts:
        part()
    orders(flow, heads, story.orders, x0, x1)
    signature(flow, spec, case, rng, x1, hand=rng.random() < float(spec.family.get("hand", 0.3)), blank=blank)

    total = len(doc.pages)
    fmt = spec.pick("page_numbers", "第{k}页/共{n}页")
    for k, (pg, x, yy, anchor) in enumerate(marks, start=1):
        pg.text(x, yy, fmt.format(k=k, n=total), small, anchor=anchor)
    footer = distractors(spec, "footer", case, rng)
    if footer:
        right(Sheet(doc, doc.pages[0], typo(spec, size=small, label_size=small)), footer, x0, x1, h - 100, cols=2)
    # Records and summaries are rarely stamped (the family's `seal` is low); a stamped copy has the
    # seal over the signature on its last page.
    hospital_seal(doc, doc.pages[-1], spec, case, rng, x1 - 200, flow.y - 60, spec.pick("seal_text", "病案管理专用章"))
    return doc


def render_certificate(case: Case, spec: FormSpec, rng: random.Random) -> SynthDocument:
    return _short(case, spec, rng, DocType.DISCHARGE)


def render_diagnosis(case: Case, spec: FormSpec, rng: random.Random) -> SynthDocument:
    return _short(case, spec, rng, DocType.DIAGNOSIS)


def _short(case: Case, spec: FormSpec, rng: random.Random, doc_type: DocType) -> SynthDocument:
    doc = new_document(doc_type, spec)
    a5 = spec.pick("page", "a4") == "a5"
    w, h = A5 if a5 else A4
    x0, x1 = (int(spec.margin * 0.6), w - int(spec.margin * 0.6)) if a5 else (spec.margin, w - spec.margin)
    flow = Flow(doc, w, h, bottom=h - 60, running_header=lambda p, k: 60)
    page = flow.start()
    hand = rng.random() < float(spec.family.get("hand", 0.0))
    t = typo(spec, hand=hand)
    sh = Sheet(doc, page, t)
    doc_name = spec.pick("doc_name")
    flow.y = title_block(sh, spec, case, doc_name, x0, x1, 60 if a5 else 70, rng)
    top = distractors(spec, "top", case, rng)
    if spec.pick("visit_ticks", False):
        ticks = "门诊（　）　住院（√）" if case.inpatient else "门诊（√）　住院（　）"
        page.text(x0, flow.y, ticks, int(spec.size * 0.85))
        if not top:
            flow.y += int(spec.size * 1.8)
    if top:
        flow.y = right(sh, top, x0 + (w // 3 if spec.pick("visit_ticks", False) else 0), x1, flow.y, cols=len(top))
    flow.y += int(spec.size * 0.4)

    inpatient = case.inpatient
    stay_shown = inpatient and rng.random() < float(spec.family.get("stay", 0.85))
    adm, dis, blank = stay_dates(spec, case, rng)
    story_advice = prose.advice(case, rng)
    leads_list = header(
        flow,
        spec,
        case,
        rng,
        x0,
        x1,
        stay=(adm, dis),
        show_stay=stay_shown,
        days=stay_shown and rng.random() < 0.6,
        number=inpatient,
        context={},
        t=t,
    )
    flow.y += int(spec.size * 0.5)
    label_key = "dis_dx" if doc_type == DocType.DISCHARGE else "dx"
    if doc_type == DocType.DISCHARGE and spec.pick("admission_dx", False):
        diagnoses(flow, spec, "adm_dx", case.admission_diagnoses, x0, x1, rng, truth=False, t=t)
    diagnoses(flow, spec, label_key, case.diagnoses, x0, x1, rng, truth=True, t=t, labelled=not leads_list)
    flow.y += int(spec.size * 0.4)

    more = rng.choice(("", "，门诊随诊", "，定期复查", "，避免劳累"))
    advice = story_advice + (more if more[1:] not in story_advice else "") + "。"
    lab = spec.label("advice") + spec.colon
    lbox = page.text(x0, flow.y, lab, spec.size, bold=True)
    ax = int(lbox[2] + spec.size * 0.4)
    step = int(spec.size * 1.8)
    for k, ln in enumerate(wrap(page, advice, spec.size, x1 - x0 - spec.size * 2, first=x1 - ax)):
        sh.value(ax if k == 0 else x0 + spec.size * 2, flow.y, ln)
        flow.y += step
    flow.y += int(spec.size * 1.2)
    sig = signature(flow, spec, case, rng, x1, hand=True, blank=blank)
    note = spec.pick("note", "")
    if note:
        flow.y += int(spec.size * 0.6)
        for ln in wrap(page, note, int(spec.size * 0.8), x1 - x0):
            page.text(x0, flow.y, ln, int(spec.size * 0.8), fill=(90, 90, 90))
            flow.y += int(spec.size * 1.4)
    d = int(rng.uniform(185, 225) * (0.85 if a5 else 1.0))
    hospital_seal(
        doc,
        page,
        spec,
        case,
        rng,
        (sig[0] + sig[2]) / 2 + rng.randint(-30, 30),
        (sig[1] + sig[3]) / 2 + rng.randint(-20, 20),
        spec.pick("seal_text", "诊断证明专用章"),
        diameter=d,
    )
    if not a5 and rng.random() < 0.6:
        trim(page, rng, 60, 180)
    return doc
