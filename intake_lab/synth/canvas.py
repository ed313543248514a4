"""A page being drawn, which remembers every string it prints and where.

Layouts draw through Page so that the truth (the text of each line, its box, and the boxes of
the contract fields) is a by-product of drawing rather than a second description of the layout
that could drift from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from intake.vocabulary import DocType
from intake_lab.synth import fonts

Box = tuple[int, int, int, int]
RGB = tuple[int, int, int]

INK: RGB = (28, 28, 30)
GRID: RGB = (70, 70, 70)
RED: RGB = (205, 38, 40)


def union(*boxes: Box) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@dataclass
class DrawnText:
    """One printed line as a reader would see it. kind: print | seal | stamp | hand."""

    text: str
    box: Box
    kind: str = "print"


@dataclass
class SealMark:
    """A red seal on the page: its ring text (what OCR of the seal should read) and box."""

    box: Box
    text: str
    shape: str  # round | oval | rect


@dataclass
class Page:
    width: int
    height: int
    family: str = "noto_serif"
    paper: RGB = (255, 255, 255)
    ink: RGB = INK
    image: Image.Image = field(init=False)
    drawn: list[DrawnText] = field(default_factory=list)
    seals: list[SealMark] = field(default_factory=list)
    # Filled in by degradations, so that a reader of the truth knows what was done to the page.
    degradations: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.image = Image.new("RGB", (self.width, self.height), self.paper)
        self._draw = ImageDraw.Draw(self.image)

    def trim_bottom(self, y: int) -> None:
        """Cut the page just below its content: a form's length follows what it has to print."""
        y = max(1, min(int(y), self.height))
        self.image = self.image.crop((0, 0, self.width, y))
        self.height = y
        self._draw = ImageDraw.Draw(self.image)

    # -- text --------------------------------------------------------------------------------
    def _face(self, text: str, size: int, family: str | None, bold: bool) -> Any:
        key = family or self.family
        if bold and key in ("noto_serif", "noto_sans"):
            key += "_bold"
        if fonts.missing_glyphs(key, text):
            # AR PL faces lack a few simplified characters; a printer's driver would substitute.
            key = "noto_sans" if fonts.FAMILIES[key].style == "hei" else "noto_serif"
        return fonts.font(key, size)

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: int,
        *,
        family: str | None = None,
        bold: bool = False,
        fill: RGB | None = None,
        anchor: str = "la",
        tracking: float = 0.0,
        kind: str = "print",
        record: bool = True,
    ) -> Box:
        """Draw s with its anchor at (x, y); tracking adds space between characters (em units)."""
        face = self._face(s, size, family, bold)
        color = fill or self.ink
        if tracking and len(s) > 1:
            box = self._tracked(x, y, s, face, size, tracking, anchor, color)
        else:
            self._draw.text((x, y), s, font=face, fill=color, anchor=anchor)
            box = tuple(round(v) for v in self._draw.textbbox((x, y), s, font=face, anchor=anchor))
        if record and s.strip():
            self.drawn.append(DrawnText(s, box, kind))  # type: ignore[arg-type]
        return box  # type: ignore[return-value]

    def _tracked(
        self, x: float, y: float, s: str, face: Any, size: int, tracking: float, anchor: str, color: RGB
    ) -> Box:
        gap = tracking * size
        widths = [face.getlength(ch) for ch in s]
        total = sum(widths) + gap * (len(s) - 1)
        h, v = anchor[0], anchor[1]
        start = x - (total / 2 if h == "m" else total if h == "r" else 0)
        boxes = []
        cx = start
        for ch, w in zip(s, widths, strict=True):
            if not ch.isspace():
                self._draw.text((cx, y), ch, font=face, fill=color, anchor="l" + v)
                boxes.append(self._draw.textbbox((cx, y), ch, font=face, anchor="l" + v))
            cx += w + gap
        b = union(*[tuple(round(t) for t in bb) for bb in boxes])  # type: ignore[misc]
        return b

    def text_in(self, box: Box, s: str, size: int, *, align: str = "center", pad: int = 6, **kw: Any) -> Box:
        """Text vertically centred in a table cell, aligned left, centre or right."""
        x0, y0, x1, y1 = box
        ymid = (y0 + y1) / 2
        if align == "left":
            return self.text(x0 + pad, ymid, s, size, anchor="lm", **kw)
        if align == "right":
            return self.text(x1 - pad, ymid, s, size, anchor="rm", **kw)
        return self.text((x0 + x1) / 2, ymid, s, size, anchor="mm", **kw)

    def text_width(self, s: str, size: int, *, family: str | None = None, bold: bool = False) -> float:
        return float(self._face(s, size, family, bold).getlength(s))

    def paragraph(
        self, x: int, y: int, width: int, s: str, size: int, *, leading: float = 1.6, indent: int = 2, **kw: Any
    ) -> tuple[int, list[Box]]:
        """Wrap free text into lines of at most width pixels; returns the y after it and line boxes.

        CJK text wraps at any character, which is how hospital systems print their paragraphs.
        """
        boxes: list[Box] = []
        line = "\u3000" * indent if indent else ""
        lines: list[str] = []
        for ch in s:
            if self.text_width(line + ch, size, **{k: v for k, v in kw.items() if k in ("family", "bold")}) > width:
                lines.append(line)
                line = ""
            line += ch
        if line:
            lines.append(line)
        for ln in lines:
            text = ln.replace("\u3000", "")
            lead = self.text_width(ln[: len(ln) - len(ln.lstrip("\u3000"))], size) if ln.startswith("\u3000") else 0
            boxes.append(self.text(x + lead, y, text, size, **kw))
            y += int(size * leading)
        return y, boxes

    # -- lines and shapes -----------------------------------------------------------------------
    def line(self, x0: float, y0: float, x1: float, y1: float, width: int = 1, fill: RGB | None = None) -> None:
        self._draw.line([(x0, y0), (x1, y1)], fill=fill or GRID, width=width)

    def rect(self, box: Box, width: int = 1, outline: RGB | None = None, fill: RGB | None = None) -> None:
        self._draw.rectangle(box, outline=outline or GRID, width=width, fill=fill)

    def grid(self, xs: list[int], ys: list[int], width: int = 1, fill: RGB | None = None) -> None:
        """A full table: vertical rules at xs, horizontal rules at ys."""
        for x in xs:
            self.line(x, ys[0], x, ys[-1], width, fill)
        for y in ys:
            self.line(xs[0], y, xs[-1], y, width, fill)

    def paste(self, img: Image.Image, x: int, y: int) -> Box:
        """Paste an RGB(A) picture (a QR code, a photo) as printed ink: it darkens, never lightens."""
        rgba = img.convert("RGBA")
        region = self.image.crop((x, y, x + rgba.width, y + rgba.height)).convert("RGB")
        base = np.asarray(region, dtype=np.float32)
        top = np.asarray(rgba, dtype=np.float32)
        alpha = top[..., 3:4] / 255.0
        blended = base * (1 - alpha) + np.minimum(base, top[..., :3]) * alpha
        self.image.paste(Image.fromarray(blended.astype(np.uint8)), (x, y))
        return (x, y, x + rgba.width, y + rgba.height)

    def stamp(self, ink: Image.Image, cx: int, cy: int, text: str, shape: str) -> Box:
        """Press an ink stamp (RGBA, see seals.py) centred at (cx, cy) by multiplying its colour in.

        Stamp ink is translucent: the black print under it stays visible, tinted red, which is
        what makes text under seals hard for OCR and still readable to a person.
        """
        x = int(cx - ink.width / 2)
        y = int(cy - ink.height / 2)
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + ink.width, self.width), min(y + ink.height, self.height)
        if x1 <= x0 or y1 <= y0:
            return (x0, y0, x0, y0)
        crop = ink.crop((x0 - x, y0 - y, x1 - x, y1 - y))
        base = np.asarray(self.image.crop((x0, y0, x1, y1)), dtype=np.float32) / 255.0
        top = np.asarray(crop, dtype=np.float32) / 255.0
        alpha = top[..., 3:4]
        mixed = base * (1 - alpha) + base * top[..., :3] * alpha
        self.image.paste(Image.fromarray((mixed * 255).astype(np.uint8)), (x0, y0))
        box = (x0, y0, x1, y1)
        self.seals.append(SealMark(box, text, shape))
        return box


@dataclass
class TruthField:
    """A contract field as it is printed: its normalized value and where it stands."""

    value: Any
    page: int
    box: Box
    source_text: str


@dataclass
class SynthDocument:
    """One document (one or more pages) and the truth of its fields."""

    doc_type: DocType
    layout: str
    family: str
    pages: list[Page] = field(default_factory=list)
    fields: dict[str, TruthField] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def new_page(self, width: int, height: int, **kw: Any) -> Page:
        kw.setdefault("family", self.family)
        page = Page(width, height, **kw)
        self.pages.append(page)
        return page

    def field(self, name: str, value: Any, page: Page, box: Box, source_text: str) -> None:
        self.fields[name] = TruthField(value, self.pages.index(page) + 1, box, source_text)

    def seal_field(self, page: Page, box: Box | None, text: str | None) -> None:
        """Every document states whether it carries an official seal; text is the ring text."""
        if box is None:
            self.fields["seal"] = TruthField({"present": False}, 1, (0, 0, 0, 0), "")
        else:
            value: dict[str, Any] = {"present": True}
            if text:
                value["text"] = text
            self.fields["seal"] = TruthField(value, self.pages.index(page) + 1, box, text or "")
