"""Plain data passed out of the OCR stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

Box = tuple[int, int, int, int]


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

    def to_json(self, detail: bool = False) -> dict[str, object]:
        out: dict[str, object] = {"text": self.text, "box": list(self.box), "confidence": round(self.confidence, 4)}
        if detail and self.char_confidences:
            out["char_confidences"] = [round(c, 3) for c in self.char_confidences]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OcrLine:
        x0, y0, x1, y1 = (int(v) for v in data["box"])
        chars = tuple(float(c) for c in data.get("char_confidences", ()))
        return cls(str(data["text"]), (x0, y0, x1, y1), float(data["confidence"]), char_confidences=chars)

    @classmethod
    def from_polygon(cls, text: str, polygon: np.ndarray, confidence: float, chars: tuple[float, ...] = ()) -> OcrLine:
        """A recognised line from its detected quadrilateral; the box is clipped to the page's top left."""
        pts = np.asarray(polygon, dtype=np.float32)
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        box = (max(int(x0), 0), max(int(y0), 0), int(np.ceil(x1)), int(np.ceil(y1)))
        chars = tuple(chars) if len(chars) == len(text) else ()
        return cls(str(text), box, float(confidence), [(int(x), int(y)) for x, y in pts], chars)


@dataclass
class Seal:
    """A red seal found on the page: where, what shape, and its ring text if it could be read."""

    box: Box
    shape: str  # round | oval | rect
    text: str = ""
    confidence: float = 0.0
    # False when found by its shape on a page without colour (a grey or 1-bit scan): the red that
    # makes a seal official cannot be seen there, so a reviewer may want to look.
    colour: bool = True

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "box": list(self.box),
            "shape": self.shape,
            "text": self.text,
            "confidence": round(self.confidence, 4),
        }
        if not self.colour:
            out["colour"] = False
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Seal:
        x0, y0, x1, y1 = (int(v) for v in data["box"])
        return cls(
            (x0, y0, x1, y1),
            str(data["shape"]),
            str(data.get("text", "")),
            float(data.get("confidence", 0)),
            bool(data.get("colour", True)),
        )


@dataclass
class OcrPage:
    page: int
    image: np.ndarray  # BGR, the page as stored (after orientation fix and cropping)
    lines: list[OcrLine] = field(default_factory=list)
    seals: list[Seal] = field(default_factory=list)
    rotation: int = 0  # degrees the upload was turned to make it upright
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

    def to_json(self, detail: bool = False) -> dict[str, object]:
        return {
            "page": self.page,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "lines": [line.to_json(detail) for line in self.lines],
            "seals": [s.to_json() for s in self.seals],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], image: np.ndarray | None = None) -> OcrPage:
        """A page read back from its JSON. Without the stored image, a blank stand-in of the right
        size (zero-strided, so it costs no memory) keeps width and height answering."""
        if image is None:
            image = np.broadcast_to(np.full((1, 1, 3), 255, np.uint8), (int(data["height"]), int(data["width"]), 3))
        return cls(
            page=int(data["page"]),
            image=image,
            lines=[OcrLine.from_json(x) for x in data.get("lines", [])],
            seals=[Seal.from_json(x) for x in data.get("seals", [])],
            rotation=int(data.get("rotation", 0)),
        )


@dataclass
class OcrResult:
    filename: str
    media_type: str
    pages: list[OcrPage]

    def to_json(self, detail: bool = False) -> dict[str, object]:
        return {"pages": [p.to_json(detail) for p in self.pages]}
