"""A page as read: its text lines (boxes, polygons, per-character scores) and its seals.

`OcrPage.to_json` / `from_json` is the one serializer of a page: the CLI's `intake ocr --json`,
the service's stored OCR, the classifier's training cache and the benchmarks' cache all write and
read it, so that a page read back from any of them is the page that was read. Scores are rounded
when a line is made, not when it is written, so that the JSON holds exactly what the next stage saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from intake.codes import QualityIssue

Box = tuple[int, int, int, int]

LINE_SCORE_DIGITS = 4
CHAR_SCORE_DIGITS = 3


def box_of(values: Any) -> Box:
    x0, y0, x1, y1 = (round(float(v)) for v in values)
    return (x0, y0, x1, y1)


class Reading(NamedTuple):
    """What the recogniser made of one line crop: text, mean score, and each character's score.

    Extraction trusts a value no more than its least certain character: one misread digit in a
    long line barely moves the mean.
    """

    text: str
    score: float
    chars: tuple[float, ...] = ()


@dataclass
class OcrLine:
    text: str
    box: Box
    confidence: float
    polygon: list[tuple[int, int]] = field(default_factory=list)
    char_confidences: tuple[float, ...] = ()  # one per character of text, when the engine gives them

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "box": list(self.box), "confidence": self.confidence}
        if self.char_confidences:
            out["char_confidences"] = list(self.char_confidences)
        if self.polygon:
            out["polygon"] = [list(p) for p in self.polygon]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OcrLine:
        chars = tuple(float(c) for c in data.get("char_confidences", ()))
        polygon = [(int(x), int(y)) for x, y in data.get("polygon", ())]
        return cls(str(data["text"]), box_of(data["box"]), float(data["confidence"]), polygon, chars)

    @classmethod
    def from_polygon(cls, text: str, polygon: np.ndarray, confidence: float, chars: tuple[float, ...] = ()) -> OcrLine:
        """A recognised line from its detected quadrilateral; the box is clipped to the page's top left."""
        pts = np.asarray(polygon, dtype=np.float32)
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        box = (max(int(x0), 0), max(int(y0), 0), int(np.ceil(x1)), int(np.ceil(y1)))
        kept = tuple(round(float(c), CHAR_SCORE_DIGITS) for c in chars) if len(chars) == len(text) else ()
        return cls(
            str(text),
            box,
            round(float(confidence), LINE_SCORE_DIGITS),
            [(int(x), int(y)) for x, y in pts],
            kept,
        )


@dataclass
class Seal:
    """A seal found on the page: where, what shape, and its ring text if it could be read."""

    box: Box
    shape: str  # round | oval | rect
    text: str = ""
    confidence: float = 0.0
    # False when found by its shape on a page without colour (a grey or 1-bit scan): the red that
    # makes a seal official cannot be seen there, so a reviewer may want to look.
    colour: bool = True
    chars: tuple[float, ...] = ()  # per-character probabilities of text
    # Evidence for verifying the seal against a name later (intake.ocr.seal_verify): the unrolled
    # ring strip the text was read from (a grey PNG, base64) for the reviewer to see, and the CTC
    # lattices (Lattice.to_json) of the strips read, so that a check can score any expected name.
    strip: str = ""
    lattices: list[dict[str, Any]] = field(default_factory=list)
    purpose: str = ""  # the straight text under the star: 财务专用章, 收费专用章, 合同专用章

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "box": list(self.box),
            "shape": self.shape,
            "text": self.text,
            "confidence": round(float(self.confidence), LINE_SCORE_DIGITS),
        }
        if not self.colour:  # the usual case keeps the JSON as it always was
            out["colour"] = False
        if self.chars:
            out["chars"] = [round(float(c), CHAR_SCORE_DIGITS) for c in self.chars]
        if self.strip:
            out["strip"] = self.strip
        if self.lattices:
            out["lattices"] = self.lattices
        if self.purpose:
            out["purpose"] = self.purpose
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Seal:
        return cls(
            box_of(data["box"]),
            str(data["shape"]),
            str(data.get("text", "")),
            float(data.get("confidence", 0)),
            bool(data.get("colour", True)),
            tuple(float(c) for c in data.get("chars", ())),
            str(data.get("strip", "")),
            list(data.get("lattices", [])),
            str(data.get("purpose", "")),
        )


@dataclass(frozen=True)
class QualityFinding:
    """One reason a page is too poor to read, with the measure that showed it and its threshold."""

    issue: QualityIssue
    value: float
    limit: float

    def to_json(self) -> dict[str, Any]:
        return {"issue": self.issue.value, "value": round(self.value, 4), "limit": round(self.limit, 4)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QualityFinding:
        return cls(QualityIssue(data["issue"]), float(data["value"]), float(data["limit"]))


@dataclass
class PageQuality:
    """What the page-quality gate (intake.ocr.quality) found on a page before it was read: its
    findings (none: the page passed) and every measure it took, for a reviewer or a tuning run."""

    findings: list[QualityFinding] = field(default_factory=list)
    measures: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [f.to_json() for f in self.findings],
            "measures": {k: round(v, 4) for k, v in self.measures.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageQuality:
        # A stored page may name an issue this version no longer knows: it cannot be advised on.
        known = {i.value for i in QualityIssue}
        return cls(
            [QualityFinding.from_json(f) for f in data.get("findings", ()) if f.get("issue") in known],
            {str(k): float(v) for k, v in (data.get("measures") or {}).items()},
        )


def blank_image(width: int, height: int) -> np.ndarray:
    """A white stand-in of the right size that costs no memory (zero-strided)."""
    return np.broadcast_to(np.full((1, 1, 3), 255, np.uint8), (height, width, 3))


@dataclass
class OcrPage:
    page: int
    image: np.ndarray  # BGR, the page as stored (after orientation fix and cropping)
    lines: list[OcrLine] = field(default_factory=list)
    seals: list[Seal] = field(default_factory=list)
    rotation: int = 0  # degrees the upload was turned to make it upright
    # False for a grey or 1-bit copy: red ink (a seal) cannot be told from black there. Decided
    # by the OCR stage from the upload, and kept, because a stored page image is re-encoded.
    colour: bool = True
    fingerprint: str | None = None  # intake.ocr.fingerprint: recognises the same paper photographed again
    quality: PageQuality | None = None  # the page-quality gate's verdict on the upload, when it ran
    # The classifier's probability of each document type for this page (only for a page with text
    # to read): a page it could not call may still be the very document a claim lacks.
    type_scores: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "page": self.page,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "colour": self.colour,
            "lines": [line.to_json() for line in self.lines],
            "seals": [s.to_json() for s in self.seals],
        }
        if self.fingerprint:
            out["fingerprint"] = self.fingerprint
        if self.quality is not None:
            out["quality"] = self.quality.to_json()
        if self.type_scores:
            out["type_scores"] = {k: round(float(v), 4) for k, v in self.type_scores.items()}
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], image: np.ndarray | None = None) -> OcrPage:
        """A page read back from its JSON. Without the stored image, a blank stand-in of the right
        size keeps width and height answering."""
        if image is None:
            image = blank_image(int(data["width"]), int(data["height"]))
        return cls(
            page=int(data["page"]),
            image=image,
            lines=[OcrLine.from_json(x) for x in data.get("lines", [])],
            seals=[Seal.from_json(x) for x in data.get("seals", [])],
            rotation=int(data.get("rotation", 0)),
            colour=bool(data.get("colour", True)),
            fingerprint=data.get("fingerprint"),
            quality=PageQuality.from_json(data["quality"]) if data.get("quality") else None,
            type_scores={str(k): float(v) for k, v in (data.get("type_scores") or {}).items()},
        )


@dataclass
class OcrResult:
    """Every page of one uploaded file, as read."""

    filename: str
    media_type: str
    pages: list[OcrPage]

    def to_json(self) -> dict[str, Any]:
        return {"pages": [p.to_json() for p in self.pages]}
