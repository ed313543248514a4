"""OCR settings from ocr.yaml, overridable per call (and by INTAKE_OCR_* in the service)."""

from dataclasses import dataclass, fields, replace
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class OcrConfig:
    engine: str = "rapidocr"
    threads: int = 2
    det_max_side: int = 960
    det_box_thresh: float = 0.5
    det_unclip_ratio: float = 1.6
    text_score: float = 0.5
    rec_batch: int = 8
    rec_workers: int = 2
    rec_min_width: int = 0
    deskew_min_degrees: float = 0.6
    perspective_min_area: float = 0.25
    perspective: bool = True
    orientation: bool = True
    deskew: bool = True
    red_suppression: bool = True
    seals: bool = True
    seal_min_diameter: int = 60
    paddle_model_dir: str | None = None

    def with_overrides(self, **kw: Any) -> "OcrConfig":
        known = {f.name for f in fields(self)}
        unknown = set(kw) - known
        if unknown:
            raise ValueError(f"unknown OCR settings: {', '.join(sorted(unknown))}")
        return replace(self, **kw)


@cache
def default_config() -> OcrConfig:
    data = yaml.safe_load(resources.files("intake.ocr").joinpath("ocr.yaml").read_text())
    return OcrConfig().with_overrides(**data)
