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
from intake.extract.layout import Row
from intake.normalize.text import fold
from intake.reference.icd10 import IcdTable

_NUMBER = r"(?:\d{1,2}[.、)]|\(\d{1,2}\)|[①②③④⑤⑥⑦⑧⑨⑩])"
# Numbering opens an item; at the start of an item it may be followed by a digit (2.2型糖尿病),
# inside a line only when it follows the end of the previous name (肝恶性肿瘤2.胆囊结石).
_LEADING_NUMBER = re.compile(rf"^[\s:：]*{_NUMBER}")
_INLINE_NUMBER = re.compile(rf"(?<=[\u4e00-\u9fff)）])\s*{_NUMBER}(?!\d)")
_SPLIT = re.compile(r"[；;，,、。]")
_CODE = re.compile(r"[(\[]([A-Z1l]\d{2}(?:\.[0-9A-Za-z×]+)?)[)\]]|(?<![A-Za-z0-9])([A-Z]\d{2}\.[0-9A-Za-z×]+)")
# A label that is part of something else: 诊断证明书, 诊断名称, 入院诊断.
_NOT_A_LIST = re.compile(r"^(?:证明|名称|书|编号|医师)")
_BARE_CODE = re.compile(r"^[A-Z]\d{2}(?:\.[0-9A-Za-z]+)?$")
_JUNK = re.compile(r"^[\s:：.。,，、;；()（）\[\]\-]+|[\s:：.。,，、;；(（\[\-]+$")


def _code(printed: str) -> str:
    # OCR reads the I of I25.103 as 1 or l.
    return "I" + printed[1:] if printed[0] in "1l" else printed


def split_items(text: str) -> list[tuple[str, str | None]]:
    """'(C50.801)乳腺恶性肿瘤;(C78.000)肺部继发性恶性肿瘤' -> [(name, printed code or None), …]."""
    out: list[tuple[str, str | None]] = []
    for part in _SPLIT.split(text):
        part = _LEADING_NUMBER.sub("", part)
        for piece in _INLINE_NUMBER.split(part):
            code = None
            m = _CODE.search(piece)
            if m:
                code = _code((m.group(1) or m.group(2)).replace("×", "x"))
                piece = piece[: m.start()] + piece[m.end() :]
            name = _JUNK.sub("", piece)
            if len(name) >= 2:
                out.append((name, code))
    return out


class DiagnosisReader:
    def __init__(self, settings: DiagnosisLists, table: IcdTable) -> None:
        self.settings = settings
        self.table = table

    def _is_header(self, text: str) -> bool:
        # Section heads come bare, numbered or bracketed: 出院情况, 三、出院情况, 【出院情况】.
        bare = re.sub(r"^[\s(（\[【一二三四五六七八九十0-9、.]+", "", text)
        return any(bare.startswith(h) or text.startswith(h) for h in self.settings.stop_headers)

    def read(self, rows: list[Row]) -> Field | None:
        return self._from_table(rows) or self._from_list(rows)

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

    def _from_list(self, rows: list[Row]) -> Field | None:
        labels = [fold(x) for x in self.settings.labels]
        for label in labels:
            for ri, row in enumerate(rows):
                at = row.text.find(label)
                if at < 0 or _NOT_A_LIST.match(row.text[at + len(label) :]) or row.text[max(0, at - 2) : at] == "入院":
                    continue
                start = at + len(label)
                spans = []
                if row.text[start:].strip(":： "):
                    spans.append((row, start, len(row.text)))
                item_x = row.box(start, start + 1)[0] if spans else None
                prev = row
                for nxt in rows[ri + 1 :]:
                    if nxt.page != row.page or nxt.top - prev.bottom > 1.6 * prev.height:
                        break
                    if self._is_header(nxt.text) or any(lab in nxt.text for lab in labels):
                        break
                    x0 = nxt.box(0, 1)[0]
                    # A continuation line starts under the first item, not at the margin of a paragraph.
                    if item_x is not None and x0 < item_x - 2.5 * nxt.height and not _LEADING_NUMBER.match(nxt.text):
                        break
                    if item_x is None:
                        item_x = x0
                    spans.append((nxt, 0, len(nxt.text)))
                    prev = nxt
                text = "；".join(r.text[a:b] for r, a, b in spans)
                items = split_items(text)
                if items:
                    return self._field(items, spans)
        return None

    def _from_table(self, rows: list[Row]) -> Field | None:
        """出院诊断 as a table: the names under 诊断名称, codes under 疾病编码."""
        for ri, row in enumerate(rows):
            head = next((fold(h) for h in self.settings.table_labels if fold(h) in row.text), None)
            if head is None:
                continue
            at = row.text.find(head)
            nx0 = row.box(at, at + len(head))[0]
            if at > 0:  # names are left-aligned in their cell, which starts after the previous header
                nx0 = min(nx0, row.box(at - 1, at)[2] + 5)
            code_col = None
            for ch in self.settings.code_headers:
                k = row.text.find(fold(ch))
                if k >= 0:
                    code_col = row.box(k, k + len(fold(ch)))
            items: list[tuple[str, str | None]] = []
            spans = []
            for nxt in rows[ri + 1 : ri + 12]:
                if nxt.page != row.page or self._is_header(nxt.text):
                    break
                name_end = code_col[0] - 5 if code_col else 10**6
                name_chars = [k for k in range(len(nxt.text)) if nx0 - 20 <= nxt.box(k, k + 1)[0] < name_end]
                if not name_chars:
                    break
                a, b = name_chars[0], name_chars[-1] + 1
                name = _JUNK.sub("", nxt.text[a:b])
                code = None
                if code_col is not None:
                    lo, hi = code_col[0] - 30, code_col[2] + 40
                    cchars = [k for k in range(len(nxt.text)) if lo <= nxt.box(k, k + 1)[0] <= hi]
                    if cchars:
                        cand = nxt.text[cchars[0] : cchars[-1] + 1]
                        code = cand if _BARE_CODE.match(cand) else None
                if len(name) < 2:
                    break
                items.append((name, code))
                spans.append((nxt, a, b))
            if items:
                return self._field(items, spans)
        return None
