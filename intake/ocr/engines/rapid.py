"""PP-OCRv6 on ONNX Runtime, with the weights the rapidocr wheel ships."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from intake.elements.page import OcrLine, Reading
from intake.ocr.config import OcrConfig
from intake.ocr.crops import crop_line
from intake.ocr.engines import EngineError
from intake.ocr.engines.ctc import CtcRecognizer
from intake.ocr.engines.ort_models import LineOrientation, TextDetector

MODEL_FILES = {
    "det": "PP-OCRv6_det_small.onnx",
    "rec": "PP-OCRv6_rec_small.onnx",
    "cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}


def model_paths() -> dict[str, Path]:
    import importlib.util

    # Found without importing rapidocr: its import alone costs about a second (see ort_models.py).
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise EngineError("the rapidocr package is not installed; it ships the OCR models")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    paths = {k: folder / v for k, v in MODEL_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise EngineError(f"rapidocr model files missing: {', '.join(missing)}; reinstall the rapidocr wheel")
    return paths


class RapidEngine:
    """The models of the rapidocr wheel, each on its own ONNX Runtime sessions: rapidocr's code is
    not run at all (ort_models.py for detection and line orientation, ctc.py for recognition), so
    nothing can try to download, and a cold start does not pay for rapidocr's import."""

    name = "rapidocr"

    def __init__(self, config: OcrConfig) -> None:
        paths = model_paths()
        self._det = TextDetector(
            paths["det"],
            threads=config.threads,
            max_side=config.det_max_side,
            box_thresh=config.det_box_thresh,
            unclip_ratio=config.det_unclip_ratio,
        )
        self._cls = LineOrientation(paths["cls"], threads=config.threads)
        self._rec = CtcRecognizer(paths["rec"], workers=config.rec_workers, min_width=config.rec_min_width)
        self._text_score = config.text_score

    def read(self, image: np.ndarray) -> list[OcrLine]:
        polys = self.detect(image)
        crops = [crop_line(image, p) for p in polys]
        lines = []
        for poly, r in zip(polys, self._rec(crops), strict=True):
            if r.score < self._text_score or not r.text.strip():
                continue
            lines.append(OcrLine.from_polygon(r.text, poly, r.score, r.chars))
        return lines

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        return self._det(image)

    def upside_down(self, crops: list[np.ndarray]) -> list[tuple[bool, float]]:
        return self._cls(crops)

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        return self._rec(crops)

    def recognize_probs(self, crops: list[np.ndarray]) -> tuple[list[str], list[np.ndarray]]:
        """The recogniser's alphabet and each crop's (T, C) CTC softmax (seal verification)."""
        return self._rec.alphabet, self._rec.probs(crops)
