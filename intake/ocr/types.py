"""Plain data passed out of the OCR stage."""

from dataclasses import dataclass, field

import numpy as np

Box = tuple[int, int, int, int]


@dataclass
class OcrLine:
    text: str
    box: Box
    confidence: float
    polygon: list[tuple[int, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "box": list(self.box), "confidence": round(self.confidence, 4)}

    @classmethod
    def from_polygon(cls, text: str, polygon: np.ndarray, confidence: float) -> "OcrLine":
        """A recognised line from its detected quadrilateral; the box is clipped to the page's top left."""
        pts = np.asarray(polygon, dtype=np.float32)
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        box = (max(int(x0), 0), max(int(y0), 0), int(np.ceil(x1)), int(np.ceil(y1)))
        return cls(str(text), box, float(confidence), [(int(x), int(y)) for x, y in pts])


@dataclass
class Seal:
    """A red seal found on the page: where, what shape, and its ring text if it could be read."""

    box: Box
    shape: str  # round | oval | rect
    text: str = ""
    confidence: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {"box": list(self.box), "shape": self.shape, "text": self.text, "confidence": round(self.confidence, 4)}


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

    def to_json(self) -> dict[str, object]:
        return {
            "page": self.page,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "lines": [line.to_json() for line in self.lines],
            "seals": [s.to_json() for s in self.seals],
        }


@dataclass
class OcrResult:
    filename: str
    media_type: str
    pages: list[OcrPage]

    def to_json(self) -> dict[str, object]:
        return {"pages": [p.to_json() for p in self.pages]}
