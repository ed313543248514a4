"""OCR lines arranged as a page is read: rows of text, with every character traceable to its box.

Extraction works on rows rather than single OCR lines because OCR splits and merges what the
form prints: a label and its value may be one detected line or two, a label may itself be cut in
two (票据 | 代码). Joining the lines of a row into one string, while remembering which line and
which part of it each character came from, lets a label be found across a cut and a value be
boxed precisely, whichever way the detector split the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intake.elements.page import Box, OcrLine, OcrPage
from intake.normalize.text import LABEL_FOLD, to_halfwidth


def _char_width(ch: str) -> float:
    # CJK glyphs are about twice as wide as digits and Latin letters in these fonts.
    return 0.55 if ord(ch) < 0x2E80 else 1.0


@dataclass
class Piece:
    """One OCR line's share of a row: its folded text and where each character sits."""

    line: OcrLine
    text: str
    lefts: list[float]  # x of each folded character's left edge, in page pixels
    rights: list[float]
    scores: list[float]  # the recogniser's score for each folded character


def _piece(line: OcrLine) -> Piece:
    raw = to_halfwidth(line.text).translate(LABEL_FOLD)
    widths = [_char_width(c) for c in raw]
    total = sum(widths) or 1.0
    x0, _, x1, _ = line.box
    scale = (x1 - x0) / total
    chars = line.char_confidences if len(line.char_confidences) == len(raw) else (line.confidence,) * len(raw)
    text, lefts, rights, scores = [], [], [], []
    pos = float(x0)
    for ch, w, sc in zip(raw, widths, chars, strict=True):
        if not ch.isspace():
            text.append(ch)
            lefts.append(pos)
            rights.append(pos + w * scale)
            scores.append(sc)
        pos += w * scale
    return Piece(line, "".join(text), lefts, rights, scores)


@dataclass
class Row:
    """Lines sharing a baseline band, left to right, joined into one folded string."""

    page: int
    pieces: list[Piece] = field(default_factory=list)
    text: str = ""
    owner: list[int] = field(default_factory=list)  # for each character of text: index into pieces
    offset: list[int] = field(default_factory=list)  # and its index inside that piece

    @property
    def top(self) -> int:
        return min(p.line.box[1] for p in self.pieces)

    @property
    def bottom(self) -> int:
        return max(p.line.box[3] for p in self.pieces)

    @property
    def height(self) -> float:
        return sum(p.line.box[3] - p.line.box[1] for p in self.pieces) / len(self.pieces)

    def finish(self) -> None:
        self.pieces.sort(key=lambda p: p.line.box[0])
        self.text, self.owner, self.offset = "", [], []
        for i, p in enumerate(self.pieces):
            self.text += p.text
            self.owner += [i] * len(p.text)
            self.offset += list(range(len(p.text)))

    def box(self, start: int, end: int) -> Box:
        """Pixel box of the characters text[start:end]."""
        xs0, xs1, ys0, ys1 = [], [], [], []
        for k in range(start, min(end, len(self.text))):
            p = self.pieces[self.owner[k]]
            j = self.offset[k]
            xs0.append(p.lefts[j])
            xs1.append(p.rights[j])
            ys0.append(p.line.box[1])
            ys1.append(p.line.box[3])
        if not xs0:
            return (0, 0, 0, 0)
        return (int(min(xs0)), int(min(ys0)), round(max(xs1)), int(max(ys1)))

    def confidence(self, start: int, end: int) -> float:
        """How sure OCR was of these characters: the line's score, and no more than its least sure one."""
        ks = range(start, min(end, len(self.text)))
        line = min((self.pieces[self.owner[k]].line.confidence for k in ks), default=0.0)
        char = min((self.pieces[self.owner[k]].scores[self.offset[k]] for k in ks), default=0.0)
        return min(line, char)

    def source(self, start: int, end: int) -> str:
        """The OCR text of the lines the characters come from, as OCR read them."""
        owners = sorted({self.owner[k] for k in range(start, min(end, len(self.text)))})
        return " ".join(self.pieces[i].line.text for i in owners)


def rows_of(page: OcrPage) -> list[Row]:
    """Group a page's lines into rows: a line joins a row when their vertical middles are close."""
    rows: list[Row] = []
    for line in sorted(page.lines, key=lambda ln: (ln.box[1] + ln.box[3]) / 2):
        if not line.text.strip():
            continue
        mid = (line.box[1] + line.box[3]) / 2
        h = line.box[3] - line.box[1]
        if rows:
            r = rows[-1]
            rmid = (r.top + r.bottom) / 2
            if abs(mid - rmid) <= 0.45 * min(h, r.height):
                r.pieces.append(_piece(line))
                continue
        rows.append(Row(page.page, [_piece(line)]))
    for r in rows:
        r.finish()
    return rows
