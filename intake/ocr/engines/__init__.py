"""OCR engines behind one small interface, so the pipeline does not care whose models run."""

from typing import Protocol

import numpy as np

from intake.elements.page import OcrLine, Reading
from intake.ocr.config import OcrConfig


class EngineError(RuntimeError):
    """The engine cannot run: models missing, or it tried to reach the network."""


class Engine(Protocol):
    name: str

    def read(self, image: np.ndarray) -> list[OcrLine]:
        """Detect and recognise every text line of a BGR page."""

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Text-line polygons only (4×2 arrays), for the cheap orientation probe."""

    def upside_down(self, crops: list[np.ndarray]) -> list[tuple[bool, float]]:
        """For each horizontal line crop: is it upside down, and how sure."""

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        """Recognise already-cropped single lines (seal ring text)."""


def create_engine(config: OcrConfig) -> Engine:
    if config.engine == "rapidocr":
        from intake.ocr.engines.rapid import RapidEngine

        return RapidEngine(config)
    if config.engine == "paddleocr":
        from intake.ocr.engines.paddle import PaddleEngine

        return PaddleEngine(config)
    raise EngineError(f"unknown OCR engine {config.engine!r}: use rapidocr or paddleocr")
