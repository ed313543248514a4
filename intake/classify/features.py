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

from intake.ocr.types import OcrPage

TITLE_LINES = 4
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
    )

    def row(self) -> list[Any]:
        """One row for the model: the text first, then the numbers in NUMERIC order."""
        return [self.title + "\n" + self.title + "\n" + self.text, *(getattr(self, n) for n in self.NUMERIC)]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageFeatures:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


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
    return 1000 * rows / small.shape[0] / 3  # a rule is about 3 rows thick at this scale


def _qr(image: np.ndarray) -> float:
    try:
        found, _ = cv2.QRCodeDetector().detect(image)
    except cv2.error:
        return 0.0
    return float(bool(found))


def page_features(page: OcrPage) -> PageFeatures:
    lines = page.lines
    text = "\n".join(ln.text for ln in lines)
    chars = re.sub(r"\s", "", text)
    n = max(len(chars), 1)
    heights = [ln.box[3] - ln.box[1] for ln in lines]
    median_h = float(np.median(heights)) if heights else 1.0
    top = lines[:TITLE_LINES]
    area = page.width * page.height
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
        qr_code=_qr(page.image),
        landscape=float(page.width > page.height),
        continuation=float(bool(CONTINUATION.search(text))),
    )
