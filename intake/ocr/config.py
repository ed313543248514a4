"""How the OCR stage runs: ocr.yaml, overridable per call and by INTAKE_OCR_* (intake.settings)."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import Field

from intake.datafile import DataFileError, Strict, load, packaged, parse


class OcrConfig(Strict):
    engine: Literal["rapidocr", "paddleocr"] = "rapidocr"
    threads: int = Field(2, ge=1, le=64)
    det_max_side: int = Field(960, ge=160, le=8192)
    det_box_thresh: float = Field(0.5, ge=0, le=1)
    det_unclip_ratio: float = Field(1.6, gt=0, le=10)
    text_score: float = Field(0.5, ge=0, le=1)
    rec_batch: int = Field(8, ge=1, le=256)
    rec_workers: int = Field(2, ge=1, le=64)
    rec_min_width: int = Field(0, ge=0, le=4096)
    deskew_min_degrees: float = Field(0.6, ge=0, le=45)
    perspective_min_area: float = Field(0.25, ge=0, le=1)
    perspective: bool = True
    orientation: bool = True
    deskew: bool = True
    deskew_redetect: bool = False
    red_suppression: bool = True
    seals: bool = True
    seal_min_diameter: int = Field(60, ge=1)
    paddle_model_dir: str | None = None

    def with_overrides(self, **kw: Any) -> OcrConfig:
        """A copy with these settings changed, validated like the file (ValueError names the key)."""
        try:
            return parse(OcrConfig, {**self.model_dump(), **kw}, "OCR settings")
        except DataFileError as exc:
            raise ValueError(str(exc)) from None


@cache
def default_config() -> OcrConfig:
    return load(OcrConfig, packaged("intake.ocr", "ocr.yaml"), "OCR settings")
