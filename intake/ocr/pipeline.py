"""The OCR stage: an uploaded file in, upright pages with their text lines and seals out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from intake.ocr import preprocess
from intake.ocr.config import OcrConfig, default_config
from intake.ocr.engines import Engine, create_engine
from intake.ocr.loader import Limits, load_pages
from intake.ocr.order import reading_order
from intake.ocr.seals import read_seals
from intake.ocr.types import OcrPage, OcrResult


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    t = time.perf_counter()
    yield
    timings[step] = timings.get(step, 0.0) + time.perf_counter() - t


class OcrPipeline:
    """Holds the loaded models; create once and reuse (model loading costs about a second)."""

    def __init__(self, config: OcrConfig | None = None, engine: Engine | None = None) -> None:
        self.config = config or default_config()
        self.engine = engine or create_engine(self.config)

    def read_file(self, data: bytes, filename: str, limits: Limits | None = None) -> OcrResult:
        media, images = load_pages(data, filename, limits)
        return OcrResult(filename, media, [self.read_page(img, i + 1) for i, img in enumerate(images)])

    def read_page(self, image: np.ndarray, page: int = 1) -> OcrPage:
        cfg = self.config
        t: dict[str, float] = {}
        rotation = 0
        if cfg.perspective:
            with _timed(t, "perspective"):
                quad = preprocess.find_page(image, cfg.perspective_min_area)
                if quad is not None:
                    image = preprocess.flatten(image, quad)
        if cfg.orientation or cfg.deskew:
            with _timed(t, "orientation"):
                turn, skew = preprocess.probe_orientation(self.engine, image, cfg.probe_max_side)
                if cfg.orientation and turn:
                    image = preprocess.rotate_quarter(image, turn)
                    rotation = turn
                if cfg.deskew and abs(skew) >= cfg.deskew_min_degrees:
                    image = preprocess.deskew(image, skew)
        with _timed(t, "red_mask"):
            mask = preprocess.red_mask(image)
        seals = []
        if cfg.seals:
            with _timed(t, "seals"):
                seals = read_seals(self.engine, mask, cfg.seal_min_diameter)
        ocr_input = image
        if cfg.red_suppression:
            with _timed(t, "red_suppression"):
                ocr_input = preprocess.suppress_red(image, mask)
        with _timed(t, "ocr"):
            lines = reading_order(self.engine.read(ocr_input))
        return OcrPage(page=page, image=image, lines=lines, seals=seals, rotation=rotation, timings=t)
