"""Drawing idioms shared by the hospital documents: dates, wrapped prose across pages, diagnosis
lists, running text with fill-in values, signatures.

Hospital records are printed by EMR systems: wrapped paragraphs that flow over pages with a
running header, diagnosis lists numbered or coded, dates in the hospital's own style. These
helpers keep each printed value its own text call so its box is the value's box.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from intake.normalize.dates import print_date
from intake_lab.synth.canvas import Box, Page, SynthDocument, union
from intake_lab.synth.case import Case, Diagnosis
from intake_lab.synth.layouts.base import Style

PEN: tuple[int, int, int] = (32, 42, 96)  # blue-black ballpoint of handwritten entries

# Latin runs (lab values, doses, codes) stay whole on a line, as word processors keep them.
_TOKENS = re.compile(r"[A-Za-z0-9.+\-/%×^()\[\]~:<>=μ]+|.", re.S)

# Characters that a CJK typesetter never puts at the start of a line (禁则): they hang instead.
NO_LINE_START = "，。、；：？！）》」』”’%℃,.;:)]"


@dataclass(frozen=True)
class Dated:
    """A printed date and its contract value (YYYY-MM-DD, or YYYY-MM when the day is blanked)."""

    text: str
    value: str


def print_stay_date(d: date, style: str, *, clock: str | None, partial: bool) -> Dated:
    if partial:
        text = f"{d.year}年{d.month:02d}月" if style != "iso" else f"{d.year}-{d.month:02d}"
        return Dated(text, f"{d.year:04d}-{d.month:02d}")
    text = print_date(d, style)
    if clock:
        text += " " + clock
    return Dated(text, d.isoformat())


def stay_dates(
    case: Case, style: Style, rng: random.Random, *, times: float = 0.35, partial: float = 0.12
) -> tuple[Dated, Dated, bool]:
    """The admission and discharge dates as one document prints them; the flag says day blanked.

    Times of day appear on EMR printouts (入院时间 2021-03-01 09:12); privacy-blanked copies keep
    only the month (2019年12月), and then the day must not be guessed.
    """
    blank = rng.random() < partial
    ds = style.date_style
    with_time = not blank and rng.random() < times
    adm_clock = dis_clock = None
    if with_time:
        if ds.startswith("cn") and rng.random() < 0.5:
            adm_clock = f"{rng.randint(7, 20):02d}时{rng.randint(0, 59):02d}分"
            dis_clock = f"{rng.randint(8, 11):02d}时{rng.randint(0, 59):02d}分"
        else:
            adm_clock = f"{rng.randint(7, 20):02d}:{rng.randint(0, 59):02d}"
            dis_clock = f"{rng.randint(8, 11):02d}:{rng.randint(0, 59):02d}"
    adm = print_stay_date(case.admission, ds, clock=adm_clock, partial=blank)
    dis = print_stay_date(case.discharge, ds, clock=dis_clock, partial=blank)
    return adm, dis, blank


def prose_date_format(style: Style, rng: random.Random) -> Callable[[date], str]:
    """How dates inside paragraphs print: often the record's own style, often month-day only."""
    choice = rng.choice(("own", "own", "md", "iso"))
    if choice == "md":
        return lambda d: f"{d.month}月{d.day}日"
    if choice == "iso":
        return lambda d: d.isoformat()
    return lambda d: print_date(d, style.date_style)


def title_family(style: Style, rng: random.Random) -> tuple[str | None, bool]:
    """(family, bold) for a hospital title: bold Song or Hei regardless of the body face."""
    return rng.choice(((None, True), ("noto_serif_bold", False), ("noto_sans_bold", False), (None, True)))


def wrap(
    page: Page, text: str, size: int, width: float, *, first: float | None = None, family: str | None = None
) -> list[str]:
    """Break text into lines of at most width pixels (the first line may be narrower).

    Closing punctuation hangs at the end of a line rather than start the next, as CJK typesetting
    does; the hang is at most one character, well inside the page margins.
    """
    lines: list[str] = []
    line = ""
    limit = first if first is not None else width
    for tok in _TOKENS.findall(text):
        # An overlong Latin run (a URL, a list of codes) breaks anywhere.
        pieces = list(tok) if len(tok) > 1 and page.text_width(tok, size, family=family) > width * 0.5 else [tok]
        for piece in pieces:
            if line and piece[0] not in NO_LINE_START and page.text_width(line + piece, size, family=family) > limit:
                lines.append(line)
                line = ""
                limit = width
            line += piece
    if line:
        lines.append(line)
    return lines


def fit_size(page: Page, text: str, size: int, width: float, *, family: str | None = None, bold: bool = False) -> int:
    """The largest size not above size at which text fits width: templates squeeze long values."""
    while size > 10 and page.text_width(text, size, family=family, bold=bold) > width:
        size -= 1
    return size


@dataclass
class Flow:
    """Text flowing down pages: breaks to a new page (with its running header) when one is full."""

    doc: SynthDocument
    width: int
    height: int
    bottom: int  # the last y a line may reach
    running_header: Callable[[Page, int], int]  # draws the header of page k (1-based); returns y
    page: Page = field(init=False)
    y: int = field(init=False)

    def start(self) -> Page:
        self.page = self.doc.new_page(self.width, self.height)
        self.y = 0
        return self.page

    def ensure(self, h: int) -> None:
        if self.y + h > self.bottom:
            self.break_page()

    def break_page(self) -> None:
        self.page = self.doc.new_page(self.width, self.height)
        self.y = self.running_header(self.page, len(self.doc.pages))

    def lines(
        self,
        x: int,
        width: int,
        text: str,
        size: int,
        *,
        leading: float = 1.65,
        indent: int = 0,
        first_x: int | None = None,
        **kw: object,
    ) -> list[tuple[Page, Box]]:
        """Wrap and draw text, starting at first_x on the current line when given (after a label).

        The caller has made room for the first line when it passes first_x (its label is there).
        """
        fam = kw.get("family")
        lead = self.page.text_width("\u3000" * indent, size, family=fam) if indent else 0.0  # type: ignore[arg-type]
        start = first_x if first_x is not None else x + lead
        step = int(size * leading)
        out: list[tuple[Page, Box]] = []
        for k, ln in enumerate(wrap(self.page, text, size, width, first=x + width - start, family=fam)):  # type: ignore[arg-type]
            if k > 0 or first_x is None:
                self.ensure(step)
            box = self.page.text(start if k == 0 else x, self.y, ln, size, **kw)  # type: ignore[arg-type]
            out.append((self.page, box))
            self.y += step
        return out


# -- diagnosis lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DxScheme:
    """How one document prints its diagnosis lists: numbered, coded in brackets, or plain."""

    coded: bool
    brackets: tuple[str, str]
    numbering: str  # "1." "1、" "（1）" or "" for none
    mode: str  # "lines": one item per line; otherwise the string joining items on a line

    @classmethod
    def pick(cls, rng: random.Random, *, coded: bool | None = None) -> DxScheme:
        if coded is None:
            coded = rng.random() < 0.3
        brackets = rng.choice((("(", ")"), ("（", "）"), ("[", "]")))
        if coded:
            return cls(True, brackets, "", rng.choice(("；", ";", "，")))
        numbering = rng.choice(("1.", "1、", "（1）", "1)", ""))
        if not numbering:
            return cls(False, brackets, "", rng.choice(("；", "，", "、")))
        return cls(False, brackets, numbering, rng.choice(("lines", "lines", "  ", "；")))

    def items(self, diagnoses: Sequence[Diagnosis]) -> tuple[list[str], str]:
        lb, rb = self.brackets
        if self.coded:
            return [f"{lb}{d.printed_code}{rb}{d.name}" for d in diagnoses], self.mode
        if not self.numbering:
            return [d.name for d in diagnoses], self.mode
        items = [self.numbering.replace("1", str(k + 1)) + d.name for k, d in enumerate(diagnoses)]
        return items, self.mode


def dx_items(diagnoses: Sequence[Diagnosis], rng: random.Random, *, coded: bool | None = None) -> tuple[list[str], str]:
    """The printed items of a diagnosis list and how they join (see DxScheme)."""
    return DxScheme.pick(rng, coded=coded).items(diagnoses)


def dx_lines(
    page: Page, items: list[str], mode: str, size: int, width: float, first: float, *, family: str | None = None
) -> list[str]:
    """The lines a diagnosis list prints as: one item per line, or items joined and wrapped.

    Lines break between items, never inside a diagnosis name (EMR lists do, and a name cut in two
    is no longer a name a reader finds); only an item wider than a whole line is broken.
    """
    if mode == "lines":
        out: list[str] = []
        for it in items:
            out.extend(wrap(page, it, size, width, first=first if not out else width, family=family))
        return out
    spaced = mode.strip() == ""
    # Each piece is an item with the joiner that follows it (a spacing joiner is dropped at a break).
    pieces = [it if (k == len(items) - 1 or spaced) else it + mode for k, it in enumerate(items)]
    lines: list[str] = []
    line = ""
    for piece in pieces:
        limit = first if not lines else width
        cand = piece if not line else line + (mode if spaced else "") + piece
        if page.text_width(cand, size, family=family) <= limit:
            line = cand
            continue
        if line:
            lines.append(line)
            limit = width
        if page.text_width(piece, size, family=family) <= limit:
            line = piece
        else:
            parts = wrap(page, piece, size, width, first=limit, family=family)
            lines.extend(parts[:-1])
            line = parts[-1]
    lines.append(line)
    return lines


def dx_truth(diagnoses: Sequence[Diagnosis]) -> list[dict[str, str]]:
    return [{"text": d.name, "icd10": d.icd10} for d in diagnoses]


def record_dx(doc: SynthDocument, page: Page, diagnoses: Sequence[Diagnosis], drawn: list[tuple[str, Box]]) -> None:
    """The diagnoses field: box over the list's lines, source text the lines as drawn."""
    doc.field(
        "diagnoses",
        dx_truth(diagnoses),
        page,
        union(*[b for _, b in drawn]),
        "".join(t for t, _ in drawn),
    )


# -- running text with fill-in values --------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A piece of running text; name marks a contract value (kept whole, boxed on its own)."""

    text: str
    name: str | None = None
    family: str | None = None
    underline: bool = False
    hand: bool = False


def _plain(p: Piece) -> bool:
    return not (p.name or p.underline or p.hand)


def running_text(
    page: Page,
    x: int,
    y: int,
    right: int,
    pieces: Sequence[Piece],
    size: int,
    *,
    leading: float = 1.9,
    indent: int = 2,
) -> tuple[int, dict[str, Box]]:
    """Set pieces one after another, wrapping at the right margin; returns next y and value boxes.

    Plain pieces break anywhere (CJK text does); named pieces never break, so a name or an ID
    number stays one string with one box, the way a filled-in blank reads.
    """
    boxes: dict[str, Box] = {}
    cx = x + page.text_width("\u3000" * indent, size)
    step = int(size * leading)
    merged: list[Piece] = []
    for p in pieces:
        # Neighbouring plain pieces print as one string: fewer fragments, no touching glyph boxes.
        plain = not (p.name or p.underline or p.hand)
        if plain and merged and _plain(merged[-1]) and merged[-1].family == p.family:
            merged[-1] = Piece(merged[-1].text + p.text, family=p.family)
            continue
        merged.append(p)
    for p in merged:
        if p.name or p.underline:
            w = page.text_width(p.text, size, family=p.family)
            # A hair of space either side keeps a value's box clear of its neighbours' ink.
            pad = size * 0.3 if p.underline else size * 0.08
            if cx + w + 2 * pad > right and cx > x:
                cx, y = x, y + step
            b = page.text(
                cx + pad,
                y,
                p.text,
                size,
                family=p.family,
                fill=PEN if p.hand else None,
                kind="hand" if p.hand else "print",
            )
            if p.underline:
                page.line(cx, b[3] + 4, cx + w + 2 * pad, b[3] + 4, 1)
            if p.name:
                boxes[p.name] = b
            cx += w + 2 * pad
            continue
        rest = p.text
        while rest:
            room = right - cx
            take = 0
            while take < len(rest) and page.text_width(rest[: take + 1], size, family=p.family) <= room:
                take += 1
            while take < len(rest) and rest[take] in NO_LINE_START:
                take += 1  # hanging punctuation
            if take == 0:
                cx, y = x, y + step
                continue
            chunk = rest[:take]
            page.text(cx, y, chunk, size, family=p.family)
            cx += page.text_width(chunk, size, family=p.family)
            rest = rest[take:]
            if rest:
                cx, y = x, y + step
    return y + step, boxes


@dataclass(frozen=True)
class Pair:
    """A label and its value in a header; name is the contract field the value carries, if any."""

    label: str
    value: str
    name: str | None = None
    family: str | None = None
    hand: bool = False  # filled in by pen: Kai face, blue-black ink


def pairs_lines(
    page: Page, x0: int, x1: int, y: int, pairs: Sequence[Pair], size: int, style: Style, *, leading: float = 1.8
) -> tuple[int, dict[str, Box]]:
    """Label:value pairs across the page in even columns, wrapping to more lines when crowded."""
    boxes: dict[str, Box] = {}
    gap = size * 0.25
    widths = [
        page.text_width(p.label + style.colon, size)
        + gap
        + max(page.text_width(p.value, size, family=p.family), size * 2)
        for p in pairs
    ]
    rows: list[list[int]] = [[]]
    used = 0.0
    min_gap = size * 1.2
    for k, w in enumerate(widths):
        if rows[-1] and used + min_gap + w > x1 - x0:
            rows.append([])
            used = 0.0
        used += (min_gap if rows[-1] else 0) + w
        rows[-1].append(k)
    step = int(size * leading)
    for row in rows:
        slot = (x1 - x0) / len(row)
        even = all(widths[k] <= slot - size * 0.8 for k in row)
        spare = (x1 - x0) - sum(widths[k] for k in row)
        cx = float(x0)
        for k in row:
            p = pairs[k]
            lbox = page.text(cx, y, p.label + style.colon, size)
            vbox = (
                page.text(lbox[2] + gap, y, p.value, size, family=p.family, fill=PEN if p.hand else None)
                if p.value
                else lbox
            )
            if p.name and p.value:
                boxes[p.name] = vbox
            cx += slot if even else widths[k] + (spare / (len(row) - 1) if len(row) > 1 else 0)
        y += step
    return y, boxes


def grid_rows(
    page: Page, x0: int, x1: int, y: int, rows: Sequence[Sequence[Pair]], size: int, row_h: int, *, center: bool = False
) -> tuple[int, dict[str, Box]]:
    """A boxed header: each row its own cells (label cell, value cell), widths set by the content."""
    boxes: dict[str, Box] = {}
    pad = int(size * 0.45)
    page.line(x0, y, x1, y, 2)
    for row in rows:
        fs = size
        while True:
            lw = [page.text_width(p.label, fs) + 2 * pad for p in row]
            vw = [page.text_width(p.value, fs, family=p.family) + 2 * pad for p in row]
            extra = (x1 - x0) - sum(lw) - sum(vw)
            if extra >= 0 or fs <= 12:
                break
            fs -= 1
        share = max(extra, 0) / len(row)
        xs = [x0]
        for a, b in zip(lw, vw, strict=True):
            xs.append(int(xs[-1] + a))
            xs.append(int(xs[-1] + b + share))
        xs[-1] = x1
        for k, p in enumerate(row):
            page.text_in((xs[2 * k], y, xs[2 * k + 1], y + row_h), p.label, fs)
            if p.value:
                b = page.text_in(
                    (xs[2 * k + 1], y, xs[2 * k + 2], y + row_h),
                    p.value,
                    fs,
                    align="center" if center else "left",
                    pad=pad,
                    family=p.family,
                    fill=PEN if p.hand else None,
                    kind="hand" if p.hand else "print",
                )
                if p.name:
                    boxes[p.name] = b
        for x in xs:
            page.line(x, y, x, y + row_h, 2 if x in (x0, x1) else 1)
        y += row_h
        page.line(x0, y, x1, y, 2 if row is rows[-1] else 1)
    return y, boxes


def rule_below(page: Page, mark: int, x0: int, x1: int, gap: int, width: int = 1) -> int:
    """A rule under what was drawn since mark (an index into page.drawn), clear of its glyphs."""
    bottom = max((d.box[3] for d in page.drawn[mark:]), default=0)
    y = bottom + gap
    page.line(x0, y, x1, y, width)
    return y


def signature(page: Page, x: float, y: float, label: str, name: str, size: int, style: Style, *, hand: bool) -> Box:
    """A signature line: the printed label, then the name printed or signed in pen."""
    lbox = page.text(x, y, label + style.colon, size)
    if hand:
        return page.text(
            lbox[2] + size * 0.5, y - size * 0.15, name, int(size * 1.25), family="ukai", fill=PEN, kind="hand"
        )
    return page.text(lbox[2] + size * 0.3, y, name, size)


def after_discharge(case: Case, rng: random.Random, lo: int = 0, hi: int = 10) -> date:
    """An issue date on or after discharge: certificates are written when the patient leaves or later."""
    return case.discharge + timedelta(days=rng.randint(lo, hi))


def record_person(doc: SynthDocument, page: Page, boxes: dict[str, Box], case: Case, texts: dict[str, str]) -> None:
    """Record the header values that were printed (a blank cell records nothing)."""
    values_of = {
        "patient_name": case.person.name,
        "sex": case.person.sex,
        "age": case.age,
        "department": case.department,
        "inpatient_number": case.inpatient_number,
        "length_of_stay": case.stay_days,
    }
    for name, value in values_of.items():
        if name in boxes:
            doc.field(name, value, page, boxes[name], texts[name])
