"""What the classifier looks at on a page: its text, and a few facts about its layout.

The text is the OCR text with the top lines repeated, because a page's title (出院记录,
医疗住院收费票据, 证明) says more about its type than anything else on it. The layout facts are
what a clerk sees before reading: a red round seal, an oval over the title, ruled tables, a QR
code, how much of the page is text, and how big the title is.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

from intake.elements.page import OcrLine, OcrPage, Seal
from intake.ocr.preprocess import red_mask

TITLE_LINES = 4
HEAD_PART = 0.35  # of the page's height, from the top, where a title may stand
BIG_LINE = 1.4  # times the median line height: a line set large
# Page counters and end marks stand at the top of pages of any multi-page type, and alone on a
# near-blank page: in the title they would say "discharge record" for a blank page.
NOT_A_TITLE = re.compile(r"第\s*\d+\s*页|共\s*\d+\s*页|以下空白|^\W*$")
CONTINUATION = re.compile(r"第\s*([2-9]|[1-9]\d)\s*页|（续）|\(续\)|续页")


@dataclass
class PageFeatures:
    """Plain data, JSON-able, so OCR'd training pages can be cached and corrections exported."""

    text: str
    title: str
    n_lines: float
    mean_confidence: float
    digit_share: float
    cjk_share: float
    title_height: float  # tallest top line's height over the median line height
    text_cover: float  # share of the page area inside text boxes
    round_seals: float
    oval_seals: float
    rect_stamps: float
    rulings: float  # long horizontal rules per 1000 px of page height
    qr_code: float
    landscape: float
    continuation: float  # 第2页, （续）: a page that carries on a document
    # Added in model version 2; defaults keep older exported corrections readable.
    head: str = ""  # the title-like lines: the first few, and any set large in the top part of the page
    v_rulings: float = 0.0  # long vertical rules per 1000 px of page width: a table's columns
    red_ink: float = 0.0  # per mille of the page in red ink (seals, a form's tint)
    colour: float = 1.0  # 0 for a grey or black-and-white scan, where red seals cannot be seen as red

    NUMERIC = (
        "n_lines",
        "mean_confidence",
        "digit_share",
        "cjk_share",
        "title_height",
        "text_cover",
        "round_seals",
        "oval_seals",
        "rect_stamps",
        "rulings",
        "qr_code",
        "landscape",
        "continuation",
        "v_rulings",
        "red_ink",
        "colour",
    )

    def row(self) -> list[Any]:
        """One row for the model: the body text, the title-like text, then the numbers in NUMERIC order."""
        return [squeeze(self.text), squeeze(self.head or self.title), *(getattr(self, n) for n in self.NUMERIC)]

    def to_json(self) -> dict[str, Any]:
        # Plain floats: the layout facts come out of numpy, and JSON (and the database) want Python's.
        return {k: v if isinstance(v, str) else float(v) for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageFeatures:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


MIN_CHARS = 4  # Chinese characters, page counters and end marks aside, below which a page is unreadable


def nothing_to_read(f: PageFeatures) -> bool:
    """A blank page, one that says only 第4页/共4页 or （以下空白）, or one with no Chinese on it (a
    page in another language): no document type of the contract can be read from it, whatever
    n-grams it shares with one, so it is `other` with a low confidence, for a person to look at."""
    if f.n_lines == 0:
        return True
    lines = (ln for ln in f.text.splitlines() if not NOT_A_TITLE.search(ln))
    return sum("\u4e00" <= c <= "\u9fff" for ln in lines for c in ln) < MIN_CHARS


_SPACE = re.compile(r"[ \t\u3000]+")


def squeeze(text: str) -> str:
    """Spaces out of each line: titles are printed letter-spaced (诊 断 证 明 书) and OCR reads the
    gaps as spaces at random, which would split every character n-gram of the title."""
    return _SPACE.sub("", text)


def _rulings(image: np.ndarray) -> float:
    """Long horizontal dark rules: the lines of a form's table, absent from letters and prose."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    h, w = grey.shape
    scale = 800 / max(h, w)
    small = cv2.resize(grey, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 12)
    length = max(20, small.shape[1] // 4)
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    rows = np.count_nonzero(lines.any(axis=1))
    return float(1000 * rows / small.shape[0] / 3)  # a rule is about 3 rows thick at this scale


def _v_rulings(image: np.ndarray) -> float:
    """Long vertical dark rules: the column lines of a ruled table (invoices, settlement forms)."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 12)
    length = max(20, grey.shape[0] // 12)
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    cols = np.count_nonzero(lines.any(axis=0))
    return float(1000 * cols / grey.shape[1] / 2)


def _colour(image: np.ndarray) -> tuple[float, float]:
    """Red ink per mille of the page, and whether the page has colour at all (a grey scan has none)."""
    if image.ndim < 3:
        return 0.0, 0.0
    sample = image[::3, ::3]  # every ninth pixel measures a share as well, in a ninth of the time
    red = red_mask(sample)
    spread = sample.max(axis=2).astype(np.int16) - sample.min(axis=2)
    return 1000 * float(red.mean()), float(np.count_nonzero(spread > 24) > 0.01 * spread.size)


def _qr(image: np.ndarray) -> float:
    try:
        found, _ = cv2.QRCodeDetector().detect(image)
    except cv2.error:
        return 0.0
    return float(bool(found))


FEATURE_SIDE = 1000  # px, the long side of the image the layout features are measured on


def small_image(image: np.ndarray) -> np.ndarray:
    """The page shrunk to FEATURE_SIDE: layout features are measured on this both in training and in
    service, so that the training cache can keep it (not the full page) and give the same numbers."""
    h, w = image.shape[:2]
    scale = FEATURE_SIDE / max(h, w)
    if scale >= 1:
        return image
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


@dataclass
class PageFacts:
    """What the OCR stage found on a page, with the page shrunk: all the features are computed from
    this, so that a cache of it lets the features change without reading every page again."""

    width: int
    height: int
    lines: list[OcrLine]
    seals: list[Seal]
    qr_code: float  # found on the full page: a QR code's modules blur away at FEATURE_SIDE
    image: np.ndarray  # small_image() of the page, BGR


def page_facts(page: OcrPage) -> PageFacts:
    return PageFacts(page.width, page.height, page.lines, page.seals, _qr(page.image), small_image(page.image))


def page_features(page: OcrPage) -> PageFeatures:
    return facts_features(page_facts(page))


def facts_features(page: PageFacts) -> PageFeatures:
    lines = page.lines
    text = "\n".join(ln.text for ln in lines)
    chars = re.sub(r"\s", "", text)
    n = max(len(chars), 1)
    heights = [ln.box[3] - ln.box[1] for ln in lines]
    median_h = float(np.median(heights)) if heights else 1.0
    top = lines[:TITLE_LINES]
    area = page.width * page.height
    # Large lines in the top part of the page are titles even when a letterhead, a number or a
    # stray watermark comes first in reading order.
    big = [
        ln for ln in lines
        if ln.box[1] < HEAD_PART * page.height and ln.box[3] - ln.box[1] >= BIG_LINE * median_h and ln not in top
    ]  # fmt: skip
    red, colour = _colour(page.image)
    return PageFeatures(
        text=text,
        title="\n".join(ln.text for ln in top),
        n_lines=float(len(lines)),
        mean_confidence=float(np.mean([ln.confidence for ln in lines])) if lines else 0.0,
        digit_share=sum(c.isdigit() for c in chars) / n,
        cjk_share=sum("\u4e00" <= c <= "\u9fff" for c in chars) / n,
        title_height=max((ln.box[3] - ln.box[1] for ln in top), default=0) / max(median_h, 1.0),
        text_cover=sum((ln.box[2] - ln.box[0]) * (ln.box[3] - ln.box[1]) for ln in lines) / max(area, 1),
        round_seals=float(sum(s.shape == "round" for s in page.seals)),
        oval_seals=float(sum(s.shape == "oval" for s in page.seals)),
        rect_stamps=float(sum(s.shape == "rect" for s in page.seals)),
        rulings=_rulings(page.image),
        qr_code=page.qr_code,
        landscape=float(page.width > page.height),
        continuation=float(bool(CONTINUATION.search(text))),
        head="\n".join(ln.text for ln in top + big if not NOT_A_TITLE.search(ln.text)),
        v_rulings=_v_rulings(page.image),
        red_ink=red,
        colour=colour,
    )
