"""Every plausible value on a document's pages, per kind of value, each with where it stands.

The label-driven reader (labels.py) finds a label it knows and reads what follows; on a layout it
has never seen the label is worded otherwise or the value sits elsewhere, and it misses. Here the
typed value shapes (money, 大写, dates, digit codes, ID numbers, names, institutions, departments)
are looked for everywhere on the page instead, and the scorer (scorer.py) decides from what
surrounds each candidate which one, if any, is a field's value.

A candidate keeps its row and character span, so that the features can read the text around it
and the field built from it keeps its box and source text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date
from decimal import Decimal
from itertools import pairwise

from intake.elements.page import Box, OcrPage
from intake.extract.layout import Row, rows_of
from intake.normalize.dates import DATE_SPAN, find_dates
from intake.normalize.idcard import is_valid
from intake.normalize.money import MoneyError, format_money, parse_money, parse_upper, repair_separators
from intake.normalize.text import OCR_DIGITS

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# The kind of value each learned field takes; diagnoses and the seal keep their own readers.
FIELD_KIND: dict[str, str] = {
    "invoice_code": "digits",
    "invoice_number": "digits",
    "check_code": "code",
    "inpatient_number": "code",
    "issue_date": "date",
    "admission_date": "date",
    "discharge_date": "date",
    "patient_name": "name",
    "employee_name": "name",
    "hospital_name": "org",
    "employer_name": "org",
    "department": "dept",
    "total_amount": "money",
    "insurance_paid": "money",
    "personal_account_paid": "money",
    "personal_copay": "money",
    "personal_selfpay": "money",
    "total_amount_upper": "upper",
    "id_number": "id",
    "sex": "sex",
    "age": "int",
    "length_of_stay": "int",
    "visit_type": "visit",
}

# Common surnames (the most frequent two hundred cover well over 90% of people): a name inside a
# sentence is looked for where one starts, so that a prose letter does not make every pair of
# characters a candidate.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁"
    "任沈姚卢傅钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万钱戴严"
    "覃武莫孔向常汤康易乔赖文施洪牛温芦季俞章鲁葛伍申尤毕聂柴焦安祝庄左舒单涂阮柳翟盛童凌霍兰齐梅"
    "殷蓝詹甘岳骆关包于费宁佟邢饶华纪游丛宫路柏卜欧谷车穆裴滕"
)
# Forms of address printed after a name in a letter (范晶同志, 王先生): never part of the name. A
# left-out train fold read 范晶同志 and 宁同志 (for 邹宁) as the employee, 3 of 9 names it got wrong.
TITLES = ("同志", "先生", "女士")
# A label that names an institution's role (工作单位, 开票单位, 收款单位) is no part of the name after it:
# 工作单位宁波市总工会 was a left-out fold's employer, with no gap between label and name.
ROLE_LABEL_END = "单位"
COMPOUND_SURNAMES = ("欧阳", "诸葛", "司马", "上官", "东方", "慕容", "令狐", "皇甫", "尉迟", "公孙")
ORG_ENDS = (
    "医院", "卫生院", "保健院", "中心", "诊所", "门诊部", "公司", "厂", "局", "办事处", "学校", "大学", "学院",
    "委员会", "银行", "集团", "研究所", "研究院", "社", "站", "所", "处", "馆", "院", "队", "会", "部", "店",
    "场", "街道", "政府",
)  # fmt: skip
DEPT_ENDS = ("科", "病区", "中心", "门诊")

_DIGIT_LIKE = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8", "b": "6"})
# A digit as OCR reads it on these pages. B for 8 and b for 6 inside an amount (116B9.52, 108b.34)
# cut it short without them: the money reader took 116.00 for 11689.52 at 0.82 on a degraded train
# invoice, a wrong value above the review line.
_D = f"[{OCR_DIGITS}]"
# Amounts as OCR reads them on scans: 24.879.35 (its thousands comma read as a point: on the train
# p_band and p_strip scans every grouped amount was read so, and none was a candidate), 1316..46 (a
# point doubled), 25689,48 (the point read as a comma: a thousands group has three digits, never two).
_MONEY = re.compile(
    rf"(?<![0-9A-Za-z.,\-])("
    rf"-?{_D}{{1,3}}(?:[,.]{_D}{{3}})+(?:\.\.|[./]){_D}{{2}}"
    rf"|-?{_D}{{1,3}}(?:,{_D}{{3}})+(?:[./]{_D}{{2}})?"
    rf"|-?[0-9]{_D}*(?:\.\.|,){_D}{{2}}"
    rf"|-?[0-9]{_D}*(?:[./]{_D}{{1,2}})?"
    rf")(?![0-9.,])"
)
_UPPER = re.compile(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整正〇貳參叄陸圓萬億什任百千十]{2,}")
_DATE = re.compile(DATE_SPAN)
_DIGITISH = frozenset(OCR_DIGITS)
# A digit-like letter (O for 0, l for 1, B for 8) only between digits: "No" before a number is a label.
_DIGITS = re.compile(rf"(?<![0-9])[0-9](?:{_D}{{4,10}})[0-9](?![0-9])")
_CODE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{4,14}(?![0-9A-Za-z])")
_ID = re.compile(r"(?<![0-9])[0-9OolI]{17}[0-9Xx×](?![0-9])")
_INT = re.compile(r"(?<![0-9.,\-/:A-Za-z])[0-9]{1,3}(?![0-9.,\-/:%])")
_RUN = re.compile(rf"[{_CJK}·]+")
_ORG_RUN = re.compile(rf"[{_CJK}0-9()·]+")


@dataclass
class Candidate:
    """One plausible value: its kind, normalized value, and the characters it was read from."""

    kind: str
    value: str | int
    row: int  # index into the document's rows
    start: int
    end: int
    page: int
    box: Box
    conf: float  # OCR's confidence in these characters
    text: str  # the characters as read (folded)
    source: str  # the OCR lines they come from, as read
    quality: float = 1.0  # below 1 when the value had to be read past OCR noise (O for 0)
    partial: bool = False  # a date with its day (or month) blanked
    day: Date | None = None
    amount: Decimal | None = None
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.row, self.start, self.end)

    def overlaps(self, other: Candidate) -> bool:
        return self.row == other.row and self.start < other.end and other.start < self.end


@dataclass
class View:
    """A document's rows with the page sizes, as the candidates and features read them."""

    rows: list[Row]
    sizes: dict[int, tuple[int, int]]  # page -> (width, height)
    first_page: int
    breaks: list[set[int]]  # per row: character indices that start a new cell (a gap or a colon)

    @classmethod
    def of(cls, pages: list[OcrPage]) -> View:
        rows = [r for p in pages for r in rows_of(p)]
        return cls(rows, {p.page: (p.width, p.height) for p in pages}, pages[0].page, [_breaks(r) for r in rows])

    def cell(self, ri: int, k: int) -> tuple[int, int]:
        """The cell of row ri holding character k: from the previous break to the next."""
        b = self.breaks[ri]
        n = len(self.rows[ri].text)
        a = max((x for x in b if x <= k), default=0)
        e = min((x for x in b if x > k), default=n)
        return a, e


def _breaks(row: Row) -> set[int]:
    """Where a printed cell starts: after a visible gap between characters, or after a colon."""
    out: set[int] = set()
    h = max(row.height, 1.0)
    text = row.text
    prev_right = None
    for k in range(len(text)):
        p = row.pieces[row.owner[k]]
        j = row.offset[k]
        left = p.lefts[j]
        if prev_right is not None and left - prev_right > 0.45 * h:
            out.add(k)
        prev_right = p.rights[j]
        if k > 0 and text[k - 1] in ":;":
            out.add(k)
    return out


def _make(view: View, kind: str, ri: int, a: int, b: int, value: str | int, **kw: object) -> Candidate:
    r = view.rows[ri]
    return Candidate(kind, value, ri, a, b, r.page, r.box(a, b), r.confidence(a, b), r.text[a:b], r.source(a, b), **kw)  # type: ignore[arg-type]


def _digitish(s: str) -> str:
    return s.translate(_DIGIT_LIKE)


_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])[OolI|]+(?=[0-9])")


def _letters_between_digits(raw: str) -> str:
    """A code's O, o, l and I between digits read as 0 and 1 (住院号:82O42067 was returned as read
    at 0.90 out of family). Letters a code may print (a 校验码's hex a-f, a prefix such as ZY) are
    not among them, nor is any letter with a letter beside it."""
    return _BETWEEN_DIGITS.sub(lambda m: m.group(0).translate(_DIGIT_LIKE), raw)


def _cells(view: View, ri: int) -> list[tuple[int, int]]:
    n = len(view.rows[ri].text)
    cuts = sorted({0, n, *view.breaks[ri]})
    return [(a, b) for a, b in pairwise(cuts) if b > a]


def _finditer(pattern: re.Pattern[str], view: View, ri: int, group: int = 0) -> list[tuple[int, int, str]]:
    """Matches of pattern inside each cell of the row: a table's amounts printed side by side are
    one row of text, but never one value."""
    text = view.rows[ri].text
    out = []
    for a, b in _cells(view, ri):
        for m in pattern.finditer(text[a:b]):
            out.append((a + m.start(group), a + m.end(group), m.group(group)))
    return out


def _money(view: View, ri: int, taken: list[tuple[int, int]]) -> list[Candidate]:
    out = []
    for a, b, raw in _finditer(_MONEY, view, ri, 1):
        if any(a < y and x < b for x, y in taken):
            continue  # inside a date or an ID number
        digits = sum(c.isdigit() for c in raw)
        if digits == 0 or digits > 10:
            continue
        fixed = repair_separators(_digitish(raw))
        try:
            amount = parse_money(fixed)
        except (MoneyError, ValueError, ArithmeticError):
            continue
        quality = 1.0 if fixed == raw else 0.85
        out.append(_make(view, "money", ri, a, b, format_money(amount), quality=quality, amount=amount))
    return out


_CELL_MARK = "\x1f"  # a character regex \s matches: a date's spaces absorb it, digits do not


def _dates(view: View, ri: int) -> list[Candidate]:
    """Dates in the row; a day must end where its digits do or at a cell's edge (a stay's dates in
    a table's columns run together in the row's text), never inside a longer run of digits."""
    text = view.rows[ri].text
    breaks = view.breaks[ri]
    marked: list[str] = []
    where: list[int] = []  # for each character of marked, its index in text
    for k, ch in enumerate(text):
        if k in breaks and k > 0:
            marked.append(_CELL_MARK)
            where.append(k)
        marked.append(ch)
        where.append(k)
    where.append(len(text))
    out = []
    for m in _DATE.finditer("".join(marked)):
        a, b = where[m.start()], where[m.end()]
        if a > 0 and a not in breaks and text[a - 1] in _DIGITISH:
            # Inside a longer run of digits, as in an ID number (37010219720901028X gave the date
            # 2090-10-28, returned as a diagnosis certificate's discharge date at 0.90 out of family).
            continue
        ds = find_dates(text[a:b])
        if not ds:
            continue
        d = ds[0]
        day = None
        if not d.is_partial:
            try:
                day = Date.fromisoformat(d.iso())
            except ValueError:
                continue
        out.append(_make(view, "date", ri, a, b, d.iso(), partial=d.is_partial, day=day))
    return out


def _label_starts(text: str, labels: tuple[str, ...]) -> list[bool]:
    """For each character of text, whether one of the printed labels starts there."""
    return [any(text.startswith(lab, k) for lab in labels) for k in range(len(text))] if labels else []


def _names(view: View, ri: int, starts_label: list[bool]) -> list[Candidate]:
    """Whole runs of two to four CJK characters in a cell, and inside longer runs the two to four
    characters from each surname on; never one that runs into a printed label (交款人李四开票日期:
    李四开 is no name, whatever the scorer thinks), nor one that starts with a label."""
    text = view.rows[ri].text
    out: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    for m in _RUN.finditer(text):
        a0, b0 = m.span()
        # A run may cross cells (a label and its value with no colon, OCR having merged them).
        cuts = sorted({a0, b0, *(x for x in view.breaks[ri] if a0 < x < b0)})
        # A name printed letter-spaced (张 三) has a gap after every character: single characters
        # in a row are one cell, or the name is no candidate at all (交款人：张 三 left only the
        # labels, and 合计 was taken for the patient).
        cuts = [
            x for i, x in enumerate(cuts) if not (0 < i < len(cuts) - 1 and x - cuts[i - 1] == 1 == cuts[i + 1] - x)
        ]
        for a, b in pairwise(cuts):
            if 2 <= b - a <= 4:
                seen.add((a, b))
            for k in range(a, b - 1):
                two = text[k : k + 2]
                if text[k] in SURNAMES or two in COMPOUND_SURNAMES:
                    for n in (2, 3, 4):
                        if k + n <= b:
                            seen.add((k, k + n))
    for a, b in sorted(seen):
        # A label at the name's first character too: a strip of labels (住院天数, 医保类型, 科室)
        # was a paper invoice's patient_name at 0.87-0.90 out of family, five times in 900 documents.
        if starts_label and any(starts_label[a:b]):
            continue
        if a > 0 and text[a - 1 : a + 1] in COMPOUND_SURNAMES:
            continue  # 葛琴琴 out of 诸葛琴琴: a name never starts inside its compound surname
        if any(t in text[a : b + 1] for t in TITLES):
            continue  # 范晶同志, 宁同志, and 范晶同 (a title's first character) are no names
        out.append(_make(view, "name", ri, a, b, text[a:b]))
    return out


def _ends(text: str, a: int, b: int, suffixes: tuple[str, ...]) -> list[int]:
    ends = set()
    for suf in suffixes:
        k = text.find(suf, a, b)
        while k >= 0:
            ends.add(k + len(suf))
            k = text.find(suf, k + 1, b)
    return sorted(ends)


def _orgs(view: View, ri: int, starts_label: list[bool]) -> list[Candidate]:
    """Institution names: from a run's start (or a cell's) to each name ending in it, never from a
    printed label (社会保障号就诊医院 was a settlement's hospital at 0.86 out of family)."""
    text = view.rows[ri].text
    out = []
    for m in _ORG_RUN.finditer(text):
        a0, b0 = m.span()
        cells = sorted({a0, *(x for x in view.breaks[ri] if a0 < x < b0)})
        for e in _ends(text, a0, b0, ORG_ENDS):
            for s in range(max(a0, e - 26), e - 3):
                if not re.match(f"[{_CJK}]", text[s]):
                    continue
                # Starts: a cell's first character, or any character a few before a name ending.
                if starts_label and starts_label[s]:
                    continue
                role = text.find(ROLE_LABEL_END, s, min(s + 5, e))
                if role >= 0 and e - (role + len(ROLE_LABEL_END)) >= 4:
                    continue
                if s in cells or e - s <= 16:
                    out.append(_make(view, "org", ri, s, e, text[s:e]))
    return out


def _depts(view: View, ri: int) -> list[Candidate]:
    text = view.rows[ri].text
    out = []
    for m in _RUN.finditer(text):
        a0, b0 = m.span()
        for e in _ends(text, a0, b0, DEPT_ENDS):
            for s in range(max(a0, e - 9), e - 1):
                out.append(_make(view, "dept", ri, s, e, text[s:e]))
    return out


def candidates(view: View, labels: tuple[str, ...] = ()) -> dict[str, list[Candidate]]:
    """Every candidate of every kind on the document's rows; `labels` (folded) are printed labels
    no value runs into."""
    out: dict[str, list[Candidate]] = {k: [] for k in set(FIELD_KIND.values())}
    for ri, row in enumerate(view.rows):
        text = row.text
        taken: list[tuple[int, int]] = []
        for c in _dates(view, ri):
            out["date"].append(c)
            taken.append((c.start, c.end))
        for m in _ID.finditer(text):
            raw = m.group(0)
            value = _digitish(raw[:17]) + raw[17].upper().replace("×", "X")
            c = _make(view, "id", ri, m.start(), m.end(), value, quality=1.0 if is_valid(value) else 0.5)
            out["id"].append(c)
            taken.append((c.start, c.end))
        for a, b, raw in _finditer(_DIGITS, view, ri):
            if any(a < y and x < b for x, y in taken) or sum(ch.isdigit() for ch in raw) < len(raw) - 2:
                continue
            value = _digitish(raw)
            out["digits"].append(_make(view, "digits", ri, a, b, value, quality=1.0 if value == raw else 0.85))
        for a, b, raw in _finditer(_CODE, view, ri):
            if any(a < y and x < b for x, y in taken) or not any(ch.isdigit() for ch in raw):
                continue
            value = _letters_between_digits(raw)
            out["code"].append(_make(view, "code", ri, a, b, value, quality=1.0 if value == raw else 0.85))
        money = _money(view, ri, taken)
        out["money"] += money
        for m in _UPPER.finditer(text):
            try:
                amount: Decimal | None = parse_upper(m.group(0))
            except (MoneyError, ValueError):
                amount = None
            out["upper"].append(_make(view, "upper", ri, m.start(), m.end(), m.group(0), amount=amount))
        for a, b, raw in _finditer(_INT, view, ri):
            if any(a < y and x < b for x, y in taken):
                continue
            out["int"].append(_make(view, "int", ri, a, b, int(raw)))
        for k, ch in enumerate(text):
            if ch in "男女":
                out["sex"].append(_make(view, "sex", ri, k, k + 1, ch))
        starts = _label_starts(text, labels)
        out["name"] += _names(view, ri, starts)
        out["org"] += _orgs(view, ri, starts)
        out["dept"] += _depts(view, ri)
    if view.rows:
        # The visit type is told by the page as a whole, not by one span: both values compete.
        top = 0
        r = view.rows[top]
        for v in ("inpatient", "outpatient"):
            out["visit"].append(_make(view, "visit", top, 0, len(r.text), v))
    return out
