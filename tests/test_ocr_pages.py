"""A file's pages read at once within the memory budget, and pages read before not read again.

An engine that reads each page's grey level as its text stands in for the models, so that what is
asserted is the pipeline's own handling: the order of pages, the budget, the cache.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from intake.elements.page import OcrLine, Reading
from intake.ocr.config import default_config
from intake.ocr.pipeline import PAGE_BYTES_PER_PIXEL, OcrPipeline
from intake.upload.files import PageImage

CONFIG = default_config().with_overrides(
    perspective=False, orientation=False, deskew=False, seals=False, red_suppression=False
)
SIDE = 200  # pixels: a page of SIDE × SIDE needs SIDE² × PAGE_BYTES_PER_PIXEL of the budget
PAGE_MB = SIDE * SIDE * PAGE_BYTES_PER_PIXEL / 2**20


class GreyEngine:
    """Detects one line over the page and reads it as the page's grey level; counts its calls."""

    name = "grey"

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.detected = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        with self._lock:
            self.detected += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(self.delay)
        with self._lock:
            self.in_flight -= 1
        h, w = image.shape[:2]
        return [np.array([[0, 0], [w - 1, 0], [w - 1, h // 4], [0, h // 4]], np.float32)]

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        return [Reading(f"灰度{int(c.mean())}", 0.99, (0.99,)) for c in crops]

    def upside_down(self, crops: list[np.ndarray]) -> list[tuple[bool, float]]:
        return [(False, 1.0) for _ in crops]

    def read(self, image: np.ndarray) -> list[OcrLine]:
        raise NotImplementedError


def pages(levels: list[int]) -> list[PageImage]:
    return [PageImage(i + 1, np.full((SIDE, SIDE, 3), v, np.uint8), colour=True) for i, v in enumerate(levels)]


def texts(pipe: OcrPipeline, levels: list[int]) -> list[tuple[int, str]]:
    return [(p.page, p.text) for p in pipe.read_pages(pages(levels))]


def test_pages_read_at_once_come_back_in_order_as_read_one_by_one() -> None:
    levels = [10, 200, 60, 120, 250]
    alone = texts(OcrPipeline(CONFIG, GreyEngine()), levels)
    engine = GreyEngine(delay=0.05)
    together = texts(OcrPipeline(CONFIG, engine, page_workers=3, memory_budget_mb=1024), levels)
    assert together == alone == [(i + 1, f"灰度{v}") for i, v in enumerate(levels)]
    assert engine.most_in_flight > 1  # they did overlap


@pytest.mark.parametrize(("budget_pages", "most"), [(1.5, 1), (2.5, 2)])
def test_pages_in_reading_stay_within_the_memory_budget(budget_pages: float, most: int) -> None:
    engine = GreyEngine(delay=0.05)
    budget = max(1, round(budget_pages * PAGE_MB))
    pipe = OcrPipeline(CONFIG, engine, page_workers=4, memory_budget_mb=budget)
    assert len(texts(pipe, [1, 2, 3, 4, 5, 6])) == 6
    assert engine.most_in_flight == most


def test_a_page_read_before_is_not_read_again() -> None:
    engine = GreyEngine()
    pipe = OcrPipeline(CONFIG, engine, cache_pages=8)
    first = texts(pipe, [30, 90])
    assert engine.detected == 2
    # The same pages again, in another file and order: the same readings, numbered as they now stand.
    assert texts(pipe, [90, 30, 150]) == [(1, "灰度90"), (2, "灰度30"), (3, "灰度150")]
    assert engine.detected == 3
    assert first == [(1, "灰度30"), (2, "灰度90")]


def test_without_a_cache_every_page_is_read() -> None:
    engine = GreyEngine()
    pipe = OcrPipeline(CONFIG, engine, cache_pages=0)
    texts(pipe, [30, 30])
    assert engine.detected == 2
