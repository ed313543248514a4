"""The seal step alone: a grey scan's seal is found by shape, a clean seal's ring text is read,
and a page without a seal has none."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image

from intake.ocr import preprocess
from intake.ocr.config import default_config
from intake.ocr.engines import Engine, create_engine
from intake.ocr.seals import is_grey, read_seals
from intake_lab.synth import seals as synth

NAME = "成都立信建设工程股份有限公司"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return create_engine(default_config())


def _page(with_seal: bool, seed: int = 3) -> np.ndarray:
    """A white A4 page at 150 dpi with a few lines of black print and, maybe, a round seal."""
    page = Image.new("RGB", (1240, 1754), "white")
    rng = random.Random(seed)
    img = np.array(page)
    for i in range(12):
        y = 200 + i * 60
        text = "Certificate of employment 2024-02-16"
        cv2.putText(img, text, (150, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (20, 20, 20), 2)
    page = Image.fromarray(img)
    if with_seal:
        ink = synth.round_seal(NAME, 230, rng)
        page.paste(Image.new("RGB", ink.size, synth.SEAL_RED), (800, 900), ink)
    return cv2.cvtColor(np.array(page), cv2.COLOR_RGB2BGR)


def _grey(bgr: np.ndarray) -> np.ndarray:
    """A greyscale scan of the page: every channel the same, the red gone."""
    return cv2.cvtColor(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)


def test_clean_seal_ring_text_is_read(engine: Engine) -> None:
    page = _page(True)
    seals = read_seals(engine, preprocess.red_mask(page), 60, image=page)
    rounds = [s for s in seals if s.shape == "round"]
    assert len(rounds) == 1, seals
    assert rounds[0].colour
    assert rounds[0].text == NAME


def test_clean_seal_is_read_from_the_mask_alone(engine: Engine) -> None:
    page = _page(True)
    rounds = [s for s in read_seals(engine, preprocess.red_mask(page), 60) if s.shape == "round"]
    assert len(rounds) == 1 and rounds[0].text, rounds


def test_grey_scan_seal_is_found_by_shape(engine: Engine) -> None:
    page = _grey(_page(True))
    assert is_grey(page)
    mask = preprocess.red_mask(page)
    assert not mask.any(), "no red is left on a grey scan"
    seals = read_seals(engine, mask, 60, image=page)
    assert [s.shape for s in seals] == ["round"], seals
    seal = seals[0]
    assert not seal.colour
    x0, y0, x1, y1 = seal.box
    assert abs((x0 + x1) / 2 - (800 + 121)) < 25 and abs((y0 + y1) / 2 - (900 + 121)) < 25, seal.box


@pytest.mark.parametrize("grey", [False, True])
def test_page_without_seal_has_none(engine: Engine, grey: bool) -> None:
    page = _page(False)
    if grey:
        page = _grey(page)
    assert read_seals(engine, preprocess.red_mask(page), 60, image=page) == []


def test_seal_json_round_trip_keeps_colour() -> None:
    from intake.elements.page import Seal

    seal = Seal((1, 2, 3, 4), "round", "某某公司", 0.9, colour=False)
    assert Seal.from_json(seal.to_json()) == seal
    assert "colour" not in Seal((1, 2, 3, 4), "round").to_json(), "colour seals keep the old JSON"
