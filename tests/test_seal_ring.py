"""Ring text of seals that are not quite round: a photographed page keeps some perspective, and
its round seal comes out an ellipse a few per cent out of round."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image

from intake.ocr import preprocess
from intake.ocr.config import default_config
from intake.ocr.engines import Engine, create_engine
from intake.ocr.seals import read_seals
from intake_lab.synth import seals as synth

NAME = "成都立信建设工程股份有限公司"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return create_engine(default_config())


def _page(squeeze: float, seed: int = 3) -> np.ndarray:
    """A white A4 page at 150 dpi with a round seal squeezed to `squeeze` of its height."""
    page = Image.new("RGB", (1240, 1754), "white")
    ink = synth.round_seal(NAME, 230, random.Random(seed))
    ink = ink.resize((ink.width, round(ink.height * squeeze)), Image.Resampling.BICUBIC)
    page.paste(Image.new("RGB", ink.size, synth.SEAL_RED), (700, 900), ink)
    return cv2.cvtColor(np.array(page), cv2.COLOR_RGB2BGR)


@pytest.mark.parametrize("squeeze", [0.88, 0.92])
def test_squeezed_seal_ring_text_is_read(engine: Engine, squeeze: float) -> None:
    page = _page(squeeze)
    rounds = [s for s in read_seals(engine, preprocess.red_mask(page), 60, image=page) if s.shape == "round"]
    assert len(rounds) == 1, rounds
    assert rounds[0].text == NAME
