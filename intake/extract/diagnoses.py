"""Diagnosis lists: find the list, split it into diagnoses as printed, map each to ICD-10.

Lists come numbered (1. 1、 (1) 1)), joined by ；，、, or coded in brackets
((C50.801)乳腺恶性肿瘤;(C78.000)肺部继发性恶性肿瘤), and run over several lines. A code printed
on the page wins over the table; otherwise the name is looked up in intake's curated table, then
in the full official table when one is configured (see icd10.py).
"""

from __future__ import annotations

import re

from intake.elements.document import Diagnosis, Field
from intake.extract.config import DiagnosisLists
from intake.extract.dxterms import TermModel
from intake.extract.layout import Row
from intake.normalize.text import fold
from intake.reference.icd10 import IcdTable

# OCR reads the 1 of "1." as l or I as well.
# A number and a space before a name numbers it too (a 序号 cell run into the name's: "1 慢性阻塞性肺病");
# 2型糖尿病 keeps its 2.
_NUMBER = r"(?:(?:\d{1,2}|[lI])[.、)]|\(\d{1,2}\)|[①②③④⑤⑥⑦⑧⑨⑩]|\d{1,2}\s+(?=[\u4e00-\u9fff]))"
# Numbering opens an item; at the start of an item it may be followed by a digit (2.2型糖尿病),
# inside a line only when it follows the end of the previous name (肝恶性肿瘤2.胆囊结石).
_LEADING_NUMBER = re.compile(rf"^[\s:：]*{_NUMBER}")
_INLINE_NUMBER = re.compile(rf"(?<=[\u4e00-\u9fff)）])\s*{_NUMBER}(?!\d)")
_SPLIT = re.compile(r"[；;，,、。]")
# An ICD-10 code as OCR reads it: the letter read as 1 or l, digits as O, B or l, the dot as a
# comma inside brackets, a bracket lost (train-family pages read [I48.900x004] as [I4B.900x004],
# (T30.300) as (T30,300), (K81.100) as KB1.100)). Bracketed, the decimals may be missing (T30);
# bare, they must be there, so that 维生素B12缺乏 keeps its B12.
_CODE_BRACKETED = re.compile(
    r"[\[(（【]\s*([A-Z1l])([0-9OoBIlSb]{2})(?:\s*[.,，·]\s*([0-9A-Za-z×]{1,9}))?\s*[\])）】]?"
)
_CODE_BARE = re.compile(r"(?<![A-Za-z0-9])([A-Z])([0-9OoB]{2})\s*[.·]\s*([0-9A-Za-z×]{1,9})")
_MARK = re.compile(r"\x00(\d+)\x00")
_QUALIFIERS = ("型", "度", "级", "期", "次", "周", "月", "岁")
_NUMBER_HEADS = frozenset({"序号", "编号", "序", "No", "NO", "No."})
_DIGIT = str.maketrans("OoBIlSb", "0081156")
# A label that is part of something else: 诊断证明书, 诊断名称, 入院诊断.
_NOT_A_LIST = re.compile(r"^(?:证明|名称|书|编号|医师)")
_BARE_CODE = re.compile(r"^[A-Z]\d{2}(?:\.[0-9A-Za-z]+)?$")
# What a table's other columns print, run into the name's cell when the detector saw no gap: the
# outcome (转归), the condition on admission (入院病情), the diagnosis type. Closed vocabularies of the
# 病案首页, not of one layout.
_NOT_NAME_WORDS = (
    "临床未确定", "情况不明", "主要诊断", "其他诊断", "次要诊断", "治愈", "好转", "未愈", "死亡", "无效", "转院",
    "其他",
)  # fmt: skip
_NOT_NAME = re.compile("^(?:" + "|".join(_NOT_NAME_WORDS) + ")+|(?:" + "|".join(_NOT_NAME_WORDS) + ")+$")
# A column head of a diagnosis table that is not the names' (the code's, the type's, the outcome's).
_OTHER_HEAD = ("编码", "代码", "ICD", "类型", "类别", "情况", "病情", "日期", "转归", "结果", "序号", "编号")
_NAME_HEAD_WORDS = ("诊断", "疾病", "病名", "名称")
# A row that opens another list ends a table: 出院诊断：, 入院诊断, 门诊诊断.
_LIST_OPENER = re.compile(
    r"^[\s(（\[【一二三四五六七八九十0-9、.]*(?:入院|出院|门诊|初步|最后|术后|术前)[^:：]{0,3}诊断"
)
_JUNK = re.compile(r"^[\s:：.。,，、;；()（）\[\]【】\-]+|[\s:：.。,，、;；(（\[【\-]+$")


def _code(printed: str) -> str:
    # OCR reads the I of I25.103 as 1 or l.
    return "I" + printed[1:] if printed[0] in "1l" else printed


def _read_code(m: re.Match[str]) -> str:
    letter, digits, decimals = m.group(1), m.group(2), m.group(3)
    code = _code(letter) + digits.translate(_DIGIT)
    return f"{code}.{decimals.replace('×', 'x').replace('O', '0')}" if decimals else code


def split_items(text: str) -> list[tuple[str, str | None]]:
    """'(C50.801)乳腺恶性肿瘤;(C78.000)肺部继发性恶性肿瘤' -> [(name, printed code or None), …].

    Codes are found first (a comma inside one is not a separator) and stand in the text as marks;
    a code then belongs to the name on its side: the one after it when the list puts codes first,
    else the one before. So a list whose separator OCR lost (心房颤动[I10.x00]高血压) still splits
    at the code."""
    codes: list[str] = []

    def mark(m: re.Match[str]) -> str:
        codes.append(_read_code(m))
        return f"\x00{len(codes) - 1}\x00"

    text = _CODE_BARE.sub(mark, _CODE_BRACKETED.sub(mark, text))
    codes_first = _LEADING_NUMBER.sub("", _JUNK.sub("", text)).startswith("\x00")
    out: list[tuple[str, str | None]] = []
    for part in _SPLIT.split(text):
        part = _LEADING_NUMBER.sub("", part)
        for piece in _INLINE_NUMBER.split(part):
            tokens = _MARK.split(piece)  # name, code index, name, …, name
            names = [_JUNK.sub("", t) for t in tokens[0::2]]
            marks = [codes[int(i)] for i in tokens[1::2]]
            before = codes_first if names[0] and names[-1] else not names[0]
            pairs: list[tuple[str, str | None]]
            if before:  # a code names the disease after it
                pairs = [(names[0], None), *zip(names[1:], marks, strict=True)]
            else:
                pairs = [*zip(names[:-1], marks, strict=True), (names[-1], None)]
            out.extend((name, code) for name, code in pairs if len(name) >= 2)
    return out


class DiagnosisReader:
    def __init__(self, settings: DiagnosisLists, table: IcdTable, terms: TermModel | None = None) -> None:
        self.settings = settings
        self.table = table
        self.terms = terms

    def looks_dx(self, name: str, code: str | None = None) -> bool:
        """Whether an item reads as a disease name: a code printed with it, a name the ICD table
        knows, or the disease-name model's judgment (dxterms.py). Without the model every item
        passes, as before it."""
        if code or self.table.lookup(name):
            return True
        if self.terms is None:
            return True
        return self.terms.score(name) >= 0.5

    def _keep(self, items: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
        """The items of a list up to where it stops reading as diagnoses: a leading piece that is
        not one (a column head, the rest of a label) is dropped, the first one after a diagnosis
        ends the list (the prose of 入院情况 run on after the last item)."""
        out: list[tuple[str, str | None]] = []
        for k, (name, code) in enumerate(items):
            if self.looks_dx(name, code):
                out.append((name, code))
            elif out or k >= 2:
                break
        return out

    def _column_by_content(
        self, first: Row, geo: list[tuple[int, int, int, int]], code_col: int, texts: list[str], left: float
    ) -> int | None:
        bounds = _column_bounds(geo, left)
        for a, b, t in _cells(first):
            x0, _, x1, _ = first.box(a, b)
            col = _column_of(bounds, (x0 + x1) / 2)
            name = _JUNK.sub("", _LEADING_NUMBER.sub("", t))
            if col != code_col and texts[col] not in _NUMBER_HEADS and len(name) >= 2 and self.looks_dx(name):
                return col
        return None

    def _head_is_name(self, t: str, name_heads: list[str]) -> bool:
        if len(t) > 8 or t.startswith(("入院", "门诊")):
            return False
        if any(t == h or t.endswith(h) for h in name_heads):
            return True
        return len(t) <= 6 and any(w in t for w in _NAME_HEAD_WORDS) and not any(o in t for o in _OTHER_HEAD)

    def _is_header(self, text: str) -> bool:
        # Section heads come bare, numbered or bracketed: 出院情况, 三、出院情况, 【出院情况】.
        bare = re.sub(r"^[\s(（\[【一二三四五六七八九十0-9、.]+", "", text)
        return any(bare.startswith(h) or text.startswith(h) for h in self.settings.stop_headers)

    def read(self, rows: list[Row], field_labels: tuple[str, ...] = ()) -> Field | None:
        """The discharge diagnoses; field_labels (the document's other labels) end a list that runs
        into the next field of a key-value grid (诊断：胃癌 科室：肿瘤科)."""
        ends = [fold(x) + ":" for x in field_labels if "诊断" not in x and len(x) >= 2]
        return self._from_table(rows) or self._from_list(rows, ends)

    def _item(self, name: str, code: str | None) -> tuple[Diagnosis, float]:
        if code:
            return Diagnosis(name, code), 0.97
        found = self.table.lookup(name)
        if found:
            return Diagnosis(name, found), 0.95
        # A name in no table is as likely a misread as a rare disease: keep it, flag it.
        return Diagnosis(name), 0.7

    def _field(self, items: list[tuple[str, str | None]], spans: list[tuple[Row, int, int]]) -> Field | None:
        if not items or not spans:
            return None
        values, confs = [], []
        for name, code in items:
            v, c = self._item(name, code)
            values.append(v)
            confs.append(c)
        line_conf = min(r.confidence(a, b) for r, a, b in spans)
        boxes = [r.box(a, b) for r, a, b in spans]
        box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        source = "".join(r.source(a, b) for r, a, b in spans)
        return Field(values, line_conf * min(confs), spans[0][0].page, box, source)

    def _from_list(self, rows: list[Row], ends: list[str]) -> Field | None:
        labels = [fold(x) for x in self.settings.labels]
        for label in labels:
            for ri, row in enumerate(rows):
                at = row.text.find(label)
                after = row.text[at + len(label) :]
                if at < 0 or row.text[max(0, at - 2) : at] == "入院":
                    continue
                # 诊断名称 heads a table (read above), but 诊断名称： with its colon opens a list.
                if _NOT_A_LIST.match(after) and not re.match(r"名称[:：]", after):
                    continue
                start = at + len(label)
                # A label longer than the one matched (诊断情况：, 诊断结论：) ends at its colon.
                rest = re.match(r"[^:：\d(（\[]{1,4}[:：]", row.text[start:])
                if rest and not self.looks_dx(row.text[start : start + rest.end() - 1]):
                    start += rest.end()
                spans = []
                end = _cut(row.text, ends, start)
                if row.text[start:end].strip(":： "):
                    spans.append((row, start, end))
                item_x = row.box(start, start + 1)[0] if spans else None
                prev = row
                line = _line_height(rows, row.page)
                for nxt in rows[ri + 1 :]:
                    if nxt.page != row.page or nxt.top - prev.bottom > 1.6 * max(prev.height, line):
                        break
                    if self._is_header(nxt.text) or any(lab in nxt.text for lab in labels):
                        break
                    x0 = nxt.box(0, 1)[0]
                    # A continuation line starts under the first item, not at the margin of a paragraph.
                    if item_x is not None and x0 < item_x - 2.5 * nxt.height and not _LEADING_NUMBER.match(nxt.text):
                        break
                    first = split_items(nxt.text[: _cut(nxt.text, ends)])[:1]
                    if spans and first and not self.looks_dx(*first[0]):
                        break  # the list has turned into prose or another block
                    if item_x is None:
                        item_x = x0
                    spans.append((nxt, 0, _cut(nxt.text, ends)))
                    prev = nxt
                text = "；".join(r.text[a:b] for r, a, b in spans)
                items = self._keep(split_items(text))
                if items:
                    return self._field(items, spans)
        return None

    def _from_table(self, rows: list[Row]) -> Field | None:
        """出院诊断 as a table: the names under the diagnosis column's header, the codes under the
        code column's; any other column (转归, 入院病情, 序号) is not part of a diagnosis.

        Cells are the row's runs of characters with a gap between them; a cell belongs to the header
        whose column it sits in (the nearest header by centre, or by left edge for the left-aligned
        names), so that `D64.9 好转` beside a name never joins it."""
        name_heads = [fold(h) for h in (*self.settings.table_labels, *self.settings.labels)]
        code_heads = [fold(h) for h in self.settings.code_headers] + ["ICD", "编码", "代码"]
        for ri, row in enumerate(rows):
            heads = _cells(row)
            if len(heads) < 2 or any(re.search(r"\d", t) and "ICD" not in t for _, _, t in heads):
                continue
            texts = [t.strip(":") for _, _, t in heads]
            name_col = next((i for i, t in enumerate(texts) if self._head_is_name(t, name_heads)), None)
            code_col = next((i for i, t in enumerate(texts) if any(h in t for h in code_heads)), None)
            geo = [row.box(a, b) for a, b, _ in heads]
            # The table spans the text block: its left edge is the margin the nearby rows start at
            # (a centred 序号 in the first column says little of where the column starts).
            near = [r for r in rows[max(0, ri - 3) : ri + 5] if r.page == row.page]
            left = min(r.box(0, 1)[0] for r in near)
            if name_col is None and code_col is not None and ri + 1 < len(rows):
                # A code column says this is a diagnosis table whatever its names' head says (确诊,
                # 疾病): the names' column is the one whose first cell reads as a disease.
                name_col = self._column_by_content(rows[ri + 1], geo, code_col, texts, left)
            if name_col is None or _under_admission(rows, ri):
                continue
            items: list[tuple[str, str | None]] = []
            spans = []
            bounds: list[float] | None = None
            for nxt in rows[ri + 1 : ri + 12]:
                if nxt.page != row.page or self._is_header(nxt.text) or nxt.top - row.bottom > 14 * row.height:
                    break
                if _LIST_OPENER.match(nxt.text) or any(nxt.text.startswith(h + ":") for h in name_heads):
                    break  # the next list's label or header (出院诊断 after 入院诊断's table)
                if bounds is None:
                    bounds = _column_bounds(geo, left)
                name, code, span = "", None, None
                for a, b, t in _split_at_codes(_cells(nxt)):
                    m = _CODE_BARE.fullmatch(t) or _CODE_BRACKETED.fullmatch(t) or _BARE_CODE.fullmatch(t)
                    if m is not None:
                        code = _read_code(m) if m.re is not _BARE_CODE else _code(t)
                        continue
                    if t.strip(" .、").isdigit():
                        continue  # a 序号 cell
                    # A cell goes to the column most of its characters stand in (column edges
                    # from the heads are estimates; a name cut at one lost its first characters);
                    # an outcome the detector ran into the name (好转急性胆囊炎) is stripped below.
                    votes = [0] * len(geo)
                    for k in range(a, b):
                        x0, _, x1, _ = nxt.box(k, k + 1)
                        votes[_column_of(bounds, (x0 + x1) / 2)] += 1
                    if votes.index(max(votes)) == name_col:
                        name += t
                        span = (a, b) if span is None else (span[0], b)
                name = _JUNK.sub("", _LEADING_NUMBER.sub("", name))
                bare = _JUNK.sub("", _NOT_NAME.sub("", name))
                if bare != name and len(bare) >= 2 and not self.table.lookup(name) and self.looks_dx(bare):
                    name = bare
                # The row's number run into its name's cell (1慢性阻塞性肺病 in row 1), but not the
                # 2 of 2型糖尿病.
                number = f"{len(items) + 1}"
                if name.startswith(number) and name[len(number) : len(number) + 1] not in ("", *_QUALIFIERS):
                    name = name[len(number) :]
                if len(name) < 2 or span is None or not self.looks_dx(name, code):
                    break
                items.append((name, code))
                spans.append((nxt, span[0], span[1]))
            if items:
                return self._field(items, spans)
        return None


def _split_at_codes(cells: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Cells the detector ran together (主要诊断临床未确定S82.800x082踝关节骨折) cut around the codes
    in them: the code is a cell of its own, and the pieces either side go to their own columns."""
    out = []
    for a, b, t in cells:
        at = a
        for m in _CODE_BARE.finditer(t):
            s0, s1 = a + m.start(), a + m.end()
            if s0 > at:
                out.append((at, s0, t[at - a : s0 - a]))
            out.append((s0, s1, m.group(0)))
            at = s1
        if at < b:
            out.append((at, b, t[at - a :]))
    return out


def _column_bounds(heads: list[tuple[int, int, int, int]], left: float) -> list[float]:
    """The right edges of a table's columns from its header cells: heads are centred in their
    columns, so each column ends as far right of its head's centre as it starts left of it;
    clamped so that a column holds its whole head and stops where the next head begins (a
    left-aligned head). left is where the table starts (its first row's first character)."""
    out: list[float] = []
    start = min(left, heads[0][0])
    for i, (x0, _, x1, _) in enumerate(heads):
        right = 2 * (x0 + x1) / 2 - start
        right = max(right, x1)
        if i + 1 < len(heads):
            right = min(right, heads[i + 1][0])
        out.append(right)
        start = right
    return out


def _column_of(bounds: list[float], x: float) -> int:
    return next((i for i, r in enumerate(bounds) if x < r), len(bounds) - 1)


def _cut(text: str, ends: list[str], start: int = 0) -> int:
    """Where a list running from text[start:] meets another field's label and its colon."""
    return min((i for e in ends if (i := text.find(e, start)) >= 0), default=len(text))


def _line_height(rows: list[Row], page: int) -> float:
    """The page's usual line height: one row's own box can be thin (a noisy detector box 14 px
    tall among 24 px lines cut a train-family list off after its label)."""
    heights = sorted(r.height for r in rows if r.page == page)
    return heights[len(heights) // 2] if heights else 0.0


def _under_admission(rows: list[Row], at: int) -> bool:
    """Whether the table whose header is rows[at] is the admission diagnoses': the nearest list
    label on the header row or the two rows above is 入院诊断 (only discharge diagnoses count)."""
    for r in (rows[i] for i in range(at, max(-1, at - 3), -1)):
        if "出院诊断" in r.text:
            return False
        if "入院诊断" in r.text or "门诊诊断" in r.text:
            return True
    return False


def _cells(row: Row) -> list[tuple[int, int, str]]:
    """The row's runs of characters separated by a visible gap (a table's cells)."""
    out = []
    start = 0
    h = max(row.height, 1.0)
    for k in range(1, len(row.text) + 1):
        if k == len(row.text) or row.box(k, k + 1)[0] - row.box(k - 1, k)[2] > 0.8 * h:
            out.append((start, k, row.text[start:k]))
            start = k
    return out
