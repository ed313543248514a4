"""Fields that no label introduces: read from where the page puts them.

The hospital of a discharge record is its title; an invoice says 住院 or 门诊 in its title; an
employer signs its letter at the bottom right above the date; the seal is what the OCR stage found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from intake.codes import Reason
from intake.elements.document import Field, SealValue
from intake.elements.page import OcrPage, Seal
from intake.extract.config import ExtractSettings
from intake.extract.layout import Row
from intake.extract.parsers import date as parse_date_value
from intake.normalize.dates import DATE_SPAN, find_dates
from intake.normalize.text import fold, normalize_name
from intake.ocr.seal_verify import Lattice, decide

Rule = Callable[[list[Row], list[OcrPage], ExtractSettings], dict[str, Field]]

_TOP = 0.22  # titles sit in the top fifth of the first page


def _top_rows(rows: list[Row], pages: list[OcrPage]) -> list[Row]:
    first = pages[0]
    return [r for r in rows if r.page == first.page and r.bottom <= first.height * _TOP + 40]


def visit_type_from_title(rows: list[Row], pages: list[OcrPage], s: ExtractSettings) -> dict[str, Field]:
    for r in _top_rows(rows, pages):
        if not re.search("票据|发票|收据", r.text):
            continue
        kind = "inpatient" if "住院" in r.text else "outpatient" if re.search("门诊|门急诊", r.text) else None
        if kind:
            conf = r.confidence(0, len(r.text)) * s.confidence.rule
            return {"visit_type": Field(kind, conf, r.page, r.box(0, len(r.text)), r.source(0, len(r.text)))}
    return {}


def _institution(text: str, suffixes: Sequence[str]) -> tuple[int, int] | None:
    """Span of the longest institution name in text: up to the last of its name endings."""
    ends = [m.end() for suf in suffixes for m in re.finditer(re.escape(suf), text)]
    if not ends:
        return None
    end = max(ends)
    start = 0
    m = re.search(r"[^\u3400-\u9fff()（）]+", text[:end][::-1])
    if m:  # start after the last non-CJK character before the name (a colon, a label's bracket)
        start = end - m.start()
    return (start, end) if end - start >= 4 else None


def hospital_from_title(rows: list[Row], pages: list[OcrPage], s: ExtractSettings) -> dict[str, Field]:
    for r in _top_rows(rows, pages):
        for i, p in enumerate(r.pieces):
            text = p.text
            for suffix in s.title_suffixes:
                text = text.removesuffix(fold(suffix))
            span = _institution(text, s.hospital_suffixes)
            if span is None:
                continue
            base = r.owner.index(i)
            a, b = base + span[0], base + span[1]
            conf = r.confidence(a, b) * s.confidence.rule
            return {"hospital_name": Field(r.text[a:b], conf, r.page, r.box(a, b), r.source(a, b))}
    return {}


def _last_date_row(rows: list[Row]) -> tuple[int, Field] | None:
    """The last date on the page; a full one first, since a partial date further up is more
    likely a start of employment than the letter's own date."""
    partial: tuple[int, Field] | None = None
    for ri in range(len(rows) - 1, -1, -1):
        r = rows[ri]
        parsed = parse_date_value(r.text, {"within": 10**6})
        if not parsed:
            continue
        conf = r.confidence(parsed.start, parsed.end)
        f = Field(parsed.value, conf, r.page, r.box(parsed.start, parsed.end), r.source(parsed.start, parsed.end))
        f.reasons = list(parsed.reasons)
        if not f.reasons:
            return ri, f
        partial = partial or (ri, f)
    return partial


def issue_date_last(rows: list[Row], pages: list[OcrPage], s: ExtractSettings) -> dict[str, Field]:
    """A letter is dated under its signature: the last date on the page."""
    found = _last_date_row(rows)
    if not found:
        return {}
    found[1].confidence *= s.confidence.rule
    return {"issue_date": found[1]}


# A stay told in a sentence (出院小结, 诊断证明 letters): 于2019年12月13日入院，于2020年01月02日出院，
# 共住院20天. No label precedes the dates, the verb follows them (入住我院妇科, 出\n院 across a line
# break); a date followed by a label (出院日期：) is the value of the label before it, and 入院诊断 or
# 出院情况 after a date are headings, not the stay. Only whole dates: 于12月13日入院 in 入院情况
# repeats the first sentence without its year. Leave-families-out claims (fold 0, which holds the
# sentence families): scorers that never saw them left 入院 unread on 4 of 6 such records, though
# OCR read the sentence whole.
_STAY_VERBS = (("admission_date", re.compile(r"入\s*院|入\s*住|收\s*住")), ("discharge_date", re.compile(r"出\s*院")))
_NOT_THE_STAY = re.compile(r"\s*(日期|时间|诊断|情况|记录|科室|医嘱|小结|带药|证明|后|前|时)")
_PROSE_DAYS = re.compile(r"(?:共|合计|实际)住\s*院\s*(\d{1,3})\s*天")
_PROSE_DATE = re.compile(DATE_SPAN)


def stay_from_prose(rows: list[Row], pages: list[OcrPage], s: ExtractSettings) -> dict[str, Field]:
    """Admission, discharge and the days between them, from the sentence that tells the stay."""
    out: dict[str, Field] = {}
    for ri, r in enumerate(rows):
        after = rows[ri + 1].text[:8] if ri + 1 < len(rows) else ""
        for m in _PROSE_DATE.finditer(r.text):
            dates = find_dates(m.group(0))
            if not dates or dates[0].is_partial:
                continue
            follow = re.sub(r"^[，,、\s]+", "", (r.text[m.end() :] + after)[:8])
            for name, verb in _STAY_VERBS:
                v = verb.match(follow)
                if name in out or not v or _NOT_THE_STAY.match(follow, v.end()):
                    continue
                conf = r.confidence(m.start(), m.end()) * s.confidence.rule
                out[name] = Field(dates[0].iso(), conf, r.page, r.box(m.start(), m.end()), r.source(m.start(), m.end()))
        d = _PROSE_DAYS.search(r.text)
        if d and "length_of_stay" not in out and int(d.group(1)) > 0:
            a, b = d.start(1), d.end(1)
            out["length_of_stay"] = Field(
                int(d.group(1)), r.confidence(a, b) * s.confidence.rule, r.page, r.box(a, b), r.source(a, b)
            )
    return out


_LABEL_PREFIX = re.compile(r"^.*?(?:(?:盖章|公章|证明单位|单位名称)\)?[:：]?|单位\)?[:：])")


def employer_from_signature(rows: list[Row], pages: list[OcrPage], s: ExtractSettings) -> dict[str, Field]:
    """The employer signs above the date, at the bottom right of the letter."""
    found = _last_date_row(rows)
    last = found[0] if found else len(rows)
    for ri in range(last, max(-1, last - 4), -1):
        if ri >= len(rows):
            continue
        r = rows[ri]
        if "兹证明" in r.text or "我单位" in r.text:
            continue
        m = _LABEL_PREFIX.match(r.text)
        start = m.end() if m else 0
        text = r.text[start:]
        if not any(text.endswith(fold(x)) for x in s.employer_suffixes) or len(text) < 4:
            continue
        a, b = start, len(r.text)
        conf = r.confidence(a, b) * s.confidence.rule
        return {"employer_name": Field(r.text[a:b], conf, r.page, r.box(a, b), r.source(a, b))}
    return {}


def seal(pages: list[OcrPage], s: ExtractSettings, *, printed_oval: bool = True) -> Field:
    """The official seal: a round stamp (or an oval that is not the 财政部监制 print) on any page.

    printed_oval says whether the document's form carries the 财政部监制 oval in print (invoices):
    there an oval counts only when its ring reads as something else. Elsewhere (a certificate, a
    discharge record) no oval is printed, so an oval whose ring was not read is still a seal, present
    and unread: the reviewer's to read, not a missing seal for the member to fix (the seal helper's
    held-out photos, 2026-12-01, lost faint oval seals this way)."""
    c = s.confidence

    def official(x: Seal) -> bool:
        if x.shape == "round":
            return True
        if x.shape != "oval":
            return False
        if not x.text:
            return not printed_oval
        return not re.search("监制|财政|税务", x.text)

    found = [(p.page, x) for p in pages for x in p.seals if official(x)]
    # On a grey or black-and-white copy red is gone and a seal is looked for by its shape alone:
    # not finding one there does not show that the letter is unsealed, and one found is not known
    # to be red.
    grey = bool(pages) and not any(p.colour for p in pages)
    reasons = [Reason.GREY_COPY] if grey else []
    if not found:
        return Field(SealValue(False), c.seal_absent, pages[0].page if pages else 1, reasons=reasons)
    page, best = max(found, key=lambda ps: (len(ps[1].text), ps[1].confidence))
    if not best.colour and not reasons:
        # Found by its shape on a page that shows no colour though its file could (a colour
        # photo or a colour file of a grey copy): not known to be red either.
        reasons = [Reason.GREY_COPY]
    text = fold(best.text)
    if text:
        conf = c.seal_with_text * max(best.confidence, 0.5)
        value = SealValue(True, text, best.strip, tuple(best.lattices))
        return Field(value, conf, page, best.box, best.text, reasons=reasons)
    # Unread, the lattices still let the check verify the expected name (seal_verify).
    value = SealValue(True, None, best.strip, tuple(best.lattices))
    return Field(value, c.seal_without_text, page, best.box, "", reasons=reasons)


def verify_seal(fields: dict[str, Field], name_field: str) -> None:
    """Record on the seal field whether its ring says the name read in name_field (the employer on
    a certificate, the hospital on an invoice): the verdict and its evidence for the reviewer."""
    seal_f, name_f = fields.get("seal"), fields.get(name_field)
    seal_v = seal_f.seal if seal_f is not None else None
    if seal_f is None or seal_v is None or not seal_v.present or not seal_v.lattices or not name_f or not name_f.text:
        return
    expected = normalize_name(name_f.text)
    verdict, v = decide([Lattice.from_json(x) for x in seal_v.lattices], expected)
    seal_f.value = replace(seal_v, verification={"expected": expected, "verdict": verdict, **v.to_json()})


_SEAL_PURPOSE = re.compile("(?:收费|财务|发票)?专用章$|公章$|章$")
# A name read off a seal's ring only: the ring is read off a curve and is often a character off
# (江苏省人民国院 for 江苏省人民医院 on train e-invoice scans), so the value is the reviewer's to
# confirm, under checks.far_mismatch_min (0.6) so that it never makes a hospital mismatch the
# member's on its own.
SEAL_NAME_CAP = 0.55


def name_from_seal(fields: dict[str, Field], name_field: str, suffixes: Sequence[str]) -> None:
    """The institution's name from its seal when the page's print of it was not read: on an
    e-invoice the 收款单位 line sits under the hospital's red seal, and on photos OCR often reads the
    ring but not the print under it (train e_national and e_kiosk photos lost the name so)."""
    seal_f = fields.get("seal")
    seal_v = seal_f.seal if seal_f is not None else None
    if name_field in fields or seal_f is None or seal_v is None or not seal_v.present or not seal_v.text:
        return
    text = _SEAL_PURPOSE.sub("", fold(seal_v.text))
    if len(text) < 4 or not re.fullmatch(r"[\u3400-\u9fff()]+", text) or not any(text.endswith(x) for x in suffixes):
        return
    conf = min(seal_f.confidence, SEAL_NAME_CAP)
    fields[name_field] = Field(text, conf, seal_f.page, seal_f.box, seal_f.source_text, doubts=["from_seal"])


RULES: dict[str, Rule] = {
    "visit_type_from_title": visit_type_from_title,
    "hospital_from_title": hospital_from_title,
    "issue_date_last": issue_date_last,
    "employer_from_signature": employer_from_signature,
    "stay_from_prose": stay_from_prose,
}
