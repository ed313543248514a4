"""How a label and its value stand to each other on a form: the five arrangements, drawn generically.

Every renderer of this package lays out its fields through these functions, so that which
arrangement a field gets is a choice of the form spec, not of the renderer:

- right: the value right of its label on one baseline, in even columns or flowing along the line;
- below: the label small on top, the value under it, in cells of a strip (boxed or open);
- table: labels as the column headers of a ruled table, the values in the row under them;
- grid: a ruled key–value grid, label cell then value cell, several pairs a row;
- sentence: the values as fill-ins of running text (see sentence()).

A value is always its own text call, so its box is the value's box; the fields it carries are
recorded on the document as it is drawn, with the arrangement and the label it was printed under
(doc.notes["arrangement"], doc.notes["label"]), which the corpus writes into truth.json.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from intake_lab.synth.canvas import RGB, Box, Page, SynthDocument
from intake_lab.synth.clinical import PEN, Piece, running_text

ARRANGEMENTS: tuple[str, ...] = ("right", "below", "table", "grid", "sentence")


@dataclass(frozen=True)
class Typo:
    """The typography of one form: sizes, the colon after labels, inks, spacing."""

    size: int  # values and running text
    label_size: int  # labels; header cells of tables and the small labels over values
    colon: str  # after a label that its value follows on the line: ：, :, or nothing
    leading: float  # line pitch as a multiple of size
    label_fill: RGB | None = None  # a pre-printed form's tint; None is the page's ink
    value_fill: RGB | None = None
    rule_fill: RGB | None = None
    shade: RGB | None = None  # label cells of ruled grids and table headers, when tinted
    label_bold: bool = False
    offset: tuple[int, int] = (0, 0)  # how far a printer's values land from the pre-printed form
    value_family: str | None = None  # a face of their own for values (a dot-matrix printer, a pen)
    hand: bool = False  # values written by pen: Kai face, blue-black ink

    @property
    def step(self) -> int:
        return int(self.size * self.leading)


@dataclass
class Item:
    """A label and its printed value; field names the contract field the value is, if any.

    also: further fields the same printed value carries (a stay printed as one range is both dates).
    keep: items with the same non-empty keep share one row (入院日期 … 出院日期 … on one line).
    """

    label: str
    value: str
    field: str | None = None
    truth: Any = None
    also: dict[str, Any] = dataclasses.field(default_factory=dict)
    align: str = "left"
    keep: str = ""
    how: str = ""  # the arrangement to record instead of the one drawn (a visit type inferred from it)
    distractor: bool = False  # a value of a field's kind that is not the field (a hire date, 预交金)


class Sheet:
    """A page being filled in: draws labels and values in the form's typography, records fields."""

    def __init__(self, doc: SynthDocument, page: Page, typo: Typo) -> None:
        self.doc = doc
        self.page = page
        self.t = typo
        self.value_boxes: list[Box] = []  # every value drawn, for a printer's effects laid over them

    # -- drawing ------------------------------------------------------------------------------------
    def label(self, x: float, y: float, text: str, *, size: int | None = None, anchor: str = "la") -> Box:
        return self.page.text(
            x, y, text, size or self.t.label_size, fill=self.t.label_fill, bold=self.t.label_bold, anchor=anchor
        )

    def label_in(self, cell: Box, text: str, *, size: int | None = None, align: str = "center") -> Box:
        return self.page.text_in(
            cell, text, size or self.t.label_size, align=align, fill=self.t.label_fill, bold=self.t.label_bold
        )

    def value(self, x: float, y: float, text: str, *, size: int | None = None, anchor: str = "la") -> Box:
        dx, dy = self.t.offset
        if self.t.hand:
            box = self.page.text(
                x + dx, y + dy, text, size or self.t.size, family="ukai", fill=PEN, anchor=anchor, kind="hand"
            )
        else:
            box = self.page.text(
                x + dx,
                y + dy,
                text,
                size or self.t.size,
                family=self.t.value_family,
                fill=self.t.value_fill,
                anchor=anchor,
            )
        self.value_boxes.append(box)
        return box

    def value_in(self, cell: Box, text: str, *, align: str = "left", pad: int | None = None) -> Box:
        x0, y0, x1, y1 = cell
        pad = int(self.t.size * 0.45) if pad is None else pad
        ym = (y0 + y1) / 2
        dx = self.t.offset[0]
        if align == "right":
            # A printer's offset pushes values towards one rule; the program still keeps them inside.
            return self.value(x1 - pad - max(dx, 0), ym, text, anchor="rm")
        if align == "center":
            return self.value((x0 + x1) / 2, ym, text, anchor="mm")
        return self.value(x0 + pad + max(-dx, 0), ym, text, anchor="lm")

    def rule(self, x0: float, y0: float, x1: float, y1: float, width: int = 1) -> None:
        self.page.line(x0, y0, x1, y1, width, self.t.rule_fill)

    def frame(self, box: Box, width: int = 1) -> None:
        self.page.rect(box, width, self.t.rule_fill)

    def shade(self, box: Box) -> None:
        if self.t.shade:
            self.page.rect(box, 1, self.t.rule_fill, fill=self.t.shade)

    def width(self, text: str, size: int | None = None, *, value: bool = False) -> float:
        family = ("ukai" if self.t.hand else self.t.value_family) if value else None
        return self.page.text_width(text, size or (self.t.size if value else self.t.label_size), family=family)

    # -- the truth -----------------------------------------------------------------------------------
    def put(self, item: Item, box: Box, how: str) -> None:
        """Record the fields an item's value carries, if its value was printed; a distractor is
        listed apart (doc.notes["distractors"]), so that a reader of the truth can check it is not
        what was read."""
        if not item.value:
            return
        if item.distractor:
            self.doc.notes.setdefault("distractors", []).append({"label": item.label, "text": item.value})
        carried = ({item.field: item.truth} if item.field else {}) | item.also
        for name, truth in carried.items():
            self.record(name, truth, box, item.value, item.how or how, item.label)

    def record(self, name: str, truth: Any, box: Box, printed: str, how: str, label: str = "") -> None:
        self.doc.field(name, truth, self.page, box, printed)
        self.doc.notes.setdefault("arrangement", {})[name] = how
        self.doc.notes.setdefault("label", {})[name] = label


def colon_label(label: str, colon: str) -> str:
    """A label as printed before its value on the line; a label ending in a bracket keeps its colon."""
    return label + colon if label else ""


# -- packing items into rows of slots ----------------------------------------------------------------


def _groups(items: Sequence[Item]) -> list[list[int]]:
    """Indices of items, consecutive items with the same keep joined into one group."""
    out: list[list[int]] = []
    for k, it in enumerate(items):
        if out and it.keep and items[out[-1][-1]].keep == it.keep:
            out[-1].append(k)
        else:
            out.append([k])
    return out


def _pack(items: Sequence[Item], needs: Sequence[float], slot: float, cols: int) -> list[list[tuple[int, int]]]:
    """Rows of (item index, slots taken); a row left short is closed by widening its last item."""
    rows: list[list[tuple[int, int]]] = [[]]
    used = 0
    for group in _groups(items):
        spans = [min(cols, max(1, math.ceil(needs[k] / slot - 1e-6))) for k in group]
        if sum(spans) > cols:
            # A kept group too wide for even columns shares out the row by need instead.
            spans = _share(cols, [needs[k] for k in group])
        if rows[-1] and used + sum(spans) > cols:
            _close(rows[-1], cols - used)
            rows.append([])
            used = 0
        rows[-1].extend(zip(group, spans, strict=True))
        used += sum(spans)
    _close(rows[-1], cols - used)
    return [r for r in rows if r]


def _share(cols: int, needs: Sequence[float]) -> list[int]:
    if len(needs) > cols:
        raise ValueError(f"{len(needs)} kept items do not fit {cols} columns")
    spans = [1] * len(needs)
    while sum(spans) < cols:
        k = max(range(len(needs)), key=lambda i: needs[i] / spans[i])
        spans[k] += 1
    return spans


def _close(row: list[tuple[int, int]], spare: int) -> None:
    if row and spare > 0:
        k, s = row[-1]
        row[-1] = (k, s + spare)


# -- the arrangements --------------------------------------------------------------------------------


def right(
    sheet: Sheet,
    items: Sequence[Item],
    x0: int,
    x1: int,
    y: int,
    *,
    cols: int = 3,
    flow: bool = False,
    rules: tuple[int, int] | None = None,
) -> int:
    """Values right of their labels: in `cols` even columns, or one after another (flow). Returns y below.

    rules: (x0, x1) of a rule drawn under each row, for label:value rows inside a ruled form.
    """
    t = sheet.t
    gap = t.size * 0.3
    needs = [
        sheet.width(colon_label(it.label, t.colon)) + gap + max(sheet.width(it.value, value=True), t.size * 2.5)
        for it in items
    ]
    if flow:
        return _flow(sheet, items, needs, x0, x1, y)
    slot = (x1 - x0) / cols
    pad = int(t.size * 0.35) if rules else 0
    for row in _pack(items, [n + t.size * 1.0 for n in needs], slot, cols):
        taken = 0
        for k, span in row:
            _right_one(sheet, items[k], x0 + taken * slot, y + pad, gap)
            taken += span
        y += t.step
        if rules:
            sheet.rule(rules[0], y - pad, rules[1], y - pad)
    return y


def _right_one(sheet: Sheet, it: Item, x: float, y: float, gap: float) -> Box:
    lab = colon_label(it.label, sheet.t.colon)
    lbox = sheet.label(x, y + (sheet.t.size - sheet.t.label_size) * 0.8, lab) if lab else (int(x), int(y), int(x), 0)
    if not it.value:
        return lbox
    # A printer's offset to the left eats into the gap, never into the label.
    box = sheet.value(lbox[2] + (gap + max(0, -sheet.t.offset[0]) if lab else 0), y, it.value)
    sheet.put(it, box, "right")
    return box


def _flow(sheet: Sheet, items: Sequence[Item], needs: Sequence[float], x0: int, x1: int, y: int) -> int:
    t = sheet.t
    space = t.size * 1.6
    cx = float(x0)
    for group in _groups(items):
        width = sum(needs[k] for k in group) + space * (len(group) - 1)
        if cx > x0 and cx + width > x1:
            cx, y = float(x0), y + t.step
        for k in group:
            _right_one(sheet, items[k], cx, y, t.size * 0.3)
            cx += needs[k] + space
    return y + t.step


def below(sheet: Sheet, items: Sequence[Item], x0: int, x1: int, y: int, *, cols: int = 4, boxed: bool = True) -> int:
    """Each label small on top of its cell and the value under it, `cols` cells a row."""
    t = sheet.t
    pad = int(t.size * 0.45)
    needs = [max(sheet.width(it.label), sheet.width(it.value, value=True)) + 2 * pad + 4 for it in items]
    slot = (x1 - x0) / cols
    head = int(t.label_size * 1.7)
    cell_h = head + int(t.size * 1.8)
    for row in _pack(items, needs, slot, cols):
        x = float(x0)
        for k, span in row:
            it = items[k]
            cell = (round(x), y, round(x + span * slot), y + cell_h)
            sheet.label(cell[0] + pad, y + int(t.label_size * 0.3), it.label)
            if it.value:
                box = sheet.value_in((cell[0], y + head, cell[2], cell[3]), it.value, align=it.align, pad=pad)
                sheet.put(it, box, "below")
            if boxed:
                sheet.frame(cell)
            x += span * slot
        y += cell_h
    return y


def grid(
    sheet: Sheet,
    items: Sequence[Item],
    x0: int,
    x1: int,
    y: int,
    *,
    pairs: int = 3,
    row_h: int | None = None,
    label_w: float | None = None,
    center_labels: bool = True,
) -> int:
    """A ruled key–value grid, `pairs` label|value pairs a row; a long value spans the next pair too."""
    t = sheet.t
    pad = max(8, t.size // 2)
    row_h = row_h or int(t.size * 2.0)
    if label_w is None:
        label_w = max((sheet.width(it.label) for it in items), default=0) + 2 * pad
    slot = (x1 - x0) / pairs
    label_w = min(label_w, slot * 0.6)
    needs = [label_w + sheet.width(it.value, value=True) + 2 * pad + 6 for it in items]
    sheet.rule(x0, y, x1, y, 2)
    top = y
    for row in _pack(items, needs, slot, pairs):
        x = float(x0)
        for k, span in row:
            it = items[k]
            lx1 = round(x + label_w)
            vx1 = round(x + span * slot)
            lcell = (round(x), y, lx1, y + row_h)
            sheet.shade(lcell)
            size = _fit(sheet, it.label, lx1 - round(x) - 4)
            sheet.label_in(lcell, it.label, size=size, align="center" if center_labels else "left")
            sheet.rule(lx1, y, lx1, y + row_h)
            if it.value:
                box = sheet.value_in((lx1, y, vx1, y + row_h), it.value, align=it.align, pad=pad)
                sheet.put(it, box, "grid")
            if vx1 < x1:
                sheet.rule(vx1, y, vx1, y + row_h)
            x += span * slot
        y += row_h
        sheet.rule(x0, y, x1, y)
    sheet.rule(x0, top, x0, y, 2)
    sheet.rule(x1, top, x1, y, 2)
    sheet.rule(x0, y, x1, y, 2)
    return y


def _fit(sheet: Sheet, text: str, width: float) -> int:
    size = sheet.t.label_size
    while size > 11 and sheet.width(text, size) > width:
        size -= 1
    return size


def table(
    sheet: Sheet,
    items: Sequence[Item],
    x0: int,
    x1: int,
    y: int,
    *,
    row_h: int | None = None,
    max_cols: int = 8,
) -> int:
    """Labels as column headers of a ruled table, each value in the cell under its header.

    Columns are as wide as their widest text and share out the spare width; a band that would not
    fit the page width (or holds more than max_cols columns) goes on under the first, as a second
    header row and its values.
    """
    t = sheet.t
    pad = int(t.size * 0.5)
    row_h = row_h or int(t.size * 2.0)
    head_h = int(t.label_size * 2.0)
    needs = [max(sheet.width(it.label), sheet.width(it.value, value=True)) + 2 * pad + 4 for it in items]
    bands = _bands(needs, x1 - x0, max_cols)
    sheet.rule(x0, y, x1, y, 2)
    top = y
    for band in bands:
        spare = (x1 - x0) - sum(needs[k] for k in band)
        xs = [float(x0)]
        for k in band:
            xs.append(xs[-1] + needs[k] + spare * needs[k] / sum(needs[j] for j in band))
        xs[-1] = x1
        for j, k in enumerate(band):
            it = items[k]
            hcell = (round(xs[j]), y, round(xs[j + 1]), y + head_h)
            sheet.shade(hcell)
            sheet.label_in(hcell, it.label, size=_fit(sheet, it.label, hcell[2] - hcell[0] - 4))
            if it.value:
                vcell = (hcell[0], y + head_h, hcell[2], y + head_h + row_h)
                box = sheet.value_in(vcell, it.value, align="center" if it.align == "left" else it.align, pad=pad)
                sheet.put(it, box, "table")
        sheet.rule(x0, y + head_h, x1, y + head_h)
        for x in xs[1:-1]:
            sheet.rule(x, y, x, y + head_h + row_h)
        y += head_h + row_h
        sheet.rule(x0, y, x1, y, 1)
    sheet.rule(x0, top, x0, y, 2)
    sheet.rule(x1, top, x1, y, 2)
    sheet.rule(x0, y, x1, y, 2)
    return y


def _bands(needs: Sequence[float], width: float, max_cols: int) -> list[list[int]]:
    """Split columns into as few bands as fit the width, with as even a count of columns each as fits:
    a last band of one column under a full one would read as a stray banner."""
    n = len(needs)
    for count in range(max(1, math.ceil(n / max_cols)), n + 1):
        per = math.ceil(n / count)
        bands = [list(range(k, min(k + per, n))) for k in range(0, n, per)]
        if all(sum(needs[k] for k in band) <= width for band in bands):
            return bands
    return [[k] for k in range(n)]


def arrange(
    sheet: Sheet, how: str, items: Sequence[Item], x0: int, x1: int, y: int, *, cols: int = 3, **kw: Any
) -> int:
    """Draw items in one of the arrangements that take a list of items (all but sentence)."""
    if not items:
        return y
    if how == "right":
        return right(sheet, items, x0, x1, y, cols=cols, flow=bool(kw.get("flow", False)), rules=kw.get("rules"))
    if how == "below":
        return below(sheet, items, x0, x1, y, cols=max(cols, 2), boxed=bool(kw.get("boxed", True)))
    if how == "grid":
        return grid(sheet, items, x0, x1, y, pairs=cols, row_h=kw.get("row_h"))
    if how == "table":
        return table(sheet, items, x0, x1, y, row_h=kw.get("row_h"), max_cols=int(kw.get("max_cols", 8)))
    raise ValueError(f"arrangement {how!r} takes a template, not a list of items")


def runs(items: Sequence[Item], hows: Sequence[str]) -> list[tuple[str, list[Item]]]:
    """Consecutive items of one arrangement, in order: a block whose fields were arranged apart."""
    out: list[tuple[str, list[Item]]] = []
    for it, how in zip(items, hows, strict=True):
        if out and out[-1][0] == how:
            out[-1][1].append(it)
        else:
            out.append((how, [it]))
    return out


# -- running text ------------------------------------------------------------------------------------

_SLOT = re.compile(r"\{(\w+)\}")


def slots_of(template: str) -> list[str]:
    return _SLOT.findall(template)


def sentence(
    sheet: Sheet,
    template: str,
    slots: dict[str, Item],
    x0: int,
    x1: int,
    y: int,
    *,
    indent: int = 2,
    leading: float | None = None,
) -> tuple[int, dict[str, Box]]:
    """A template such as "兹证明{patient_name}，{sex}，{age}岁……" set as running text.

    Each {slot} prints its item's value as a fill-in kept whole on one line (a name or an ID never
    breaks), and the fields it carries are recorded with arrangement "sentence". Returns the y
    below and the box of every slot.
    """
    t = sheet.t
    pieces: list[Piece] = []
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            pieces.append(Piece(template[pos : m.start()]))
        key = m.group(1)
        it = slots[key]
        if it.value:
            pieces.append(Piece(it.value, key, "ukai" if t.hand else t.value_family, False, t.hand))
        pos = m.end()
    if pos < len(template):
        pieces.append(Piece(template[pos:]))
    y, boxes = running_text(sheet.page, x0, y, x1, pieces, t.size, leading=leading or t.leading, indent=indent)
    for key, box in boxes.items():
        it = slots[key]
        sheet.put(it, box, "sentence")
    return y, boxes


def data_table(
    sheet: Sheet,
    heads: Sequence[str],
    rows: Sequence[Sequence[str]],
    x0: int,
    x1: int,
    y: int,
    *,
    weights: Sequence[float] | None = None,
    aligns: Sequence[str] | None = None,
    row_h: int | None = None,
) -> tuple[int, list[list[Box]]]:
    """A ruled table of rows under a head row (items, diagnoses); returns the y below and the box of
    every cell's text, row by row (an empty cell's box is its cell)."""
    t = sheet.t
    row_h = row_h or int(t.size * 1.8)
    head_h = int(t.label_size * 1.9)
    weights = weights or [1.0] * len(heads)
    aligns = aligns or ["center"] * len(heads)
    xs = [float(x0)]
    for w in weights:
        xs.append(xs[-1] + (x1 - x0) * w / sum(weights))
    cols = [round(v) for v in xs]
    sheet.shade((x0, y, x1, y + head_h))
    for j, head in enumerate(heads):
        cell = (cols[j], y, cols[j + 1], y + head_h)
        sheet.label_in(cell, head, size=_fit(sheet, head, cell[2] - cell[0] - 4))
    ys = [y, y + head_h] + [y + head_h + (k + 1) * row_h for k in range(len(rows))]
    boxes: list[list[Box]] = []
    for r, row in enumerate(rows):
        out = []
        for j, text in enumerate(row):
            cell = (cols[j], ys[r + 1], cols[j + 1], ys[r + 2])
            out.append(sheet.value_in(cell, text, align=aligns[j]) if text else cell)
        boxes.append(out)
    for x in cols:
        sheet.rule(x, ys[0], x, ys[-1], 2 if x in (cols[0], cols[-1]) else 1)
    for k, yy in enumerate(ys):
        sheet.rule(x0, yy, x1, yy, 2 if k in (0, len(ys) - 1) else 1)
    return ys[-1], boxes
