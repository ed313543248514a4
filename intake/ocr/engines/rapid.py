"""PP-OCRv6 through the rapidocr package, on ONNX Runtime, with the weights its wheel ships."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from intake.elements.page import OcrLine, Reading
from intake.ocr.config import OcrConfig
from intake.ocr.crops import crop_line
from intake.ocr.engines import EngineError
from intake.ocr.engines.ctc import CtcRecognizer

MODEL_FILES = {
    "det": "PP-OCRv6_det_small.onnx",
    "rec": "PP-OCRv6_rec_small.onnx",
    "cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}


def model_paths() -> dict[str, Path]:
    import rapidocr

    folder = Path(rapidocr.__file__).parent / "models"
    paths = {k: folder / v for k, v in MODEL_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise EngineError(f"rapidocr model files missing: {', '.join(missing)}; reinstall the rapidocr wheel")
    return paths


def _forbid_downloads() -> None:
    """rapidocr fetches models or dictionaries it cannot find; here that must fail loudly instead."""
    from rapidocr.utils import download_file

    def refuse(cls: object, url: str, logger: object) -> None:
        raise EngineError(f"rapidocr tried to download {url}; every model must be local")

    download_file.DownloadFile._make_http_request = classmethod(refuse)  # type: ignore[method-assign,assignment]


class RapidEngine:
    name = "rapidocr"

    def __init__(self, config: OcrConfig) -> None:
        from rapidocr import RapidOCR

        _forbid_downloads()
        paths = model_paths()
        ort = {
            "EngineConfig.onnxruntime.intra_op_num_threads": config.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        self._ocr = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.text_score": config.text_score,
                "Global.max_side_len": 4000,  # the pipeline already bounds page size
                "Det.model_path": str(paths["det"]),
                "Rec.model_path": str(paths["rec"]),
                "Cls.model_path": str(paths["cls"]),
                "Det.limit_type": "max",
                "Det.limit_side_len": config.det_max_side,
                "Det.box_thresh": config.det_box_thresh,
                "Det.unclip_ratio": config.det_unclip_ratio,
                **ort,
            }
        )
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        # Detection and the orientation classifier run through rapidocr; recognition runs on our
        # own sessions (see ctc.py for why).
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
        out = self._ocr(image, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(out, "boxes", None)
        return [] if boxes is None else [np.asarray(b, dtype=np.float32) for b in boxes]

    def upside_down(self, crops: list[np.ndarray]) -> list[tuple[bool, float]]:
        res = []
        for crop in crops:
            out = self._ocr(crop, use_det=False, use_cls=True, use_rec=False)
            label, score = out.cls_res[0]  # type: ignore[union-attr,index]
            res.append((label == "180", float(score)))
        return res

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        return self._rec(crops)

    def recognize_probs(self, crops: list[np.ndarray]) -> tuple[list[str], list[np.ndarray]]:
        """The recogniser's alphabet and each crop's (T, C) CTC softmax (seal verification)."""
        return self._rec.alphabet, self._rec.probs(crops)
