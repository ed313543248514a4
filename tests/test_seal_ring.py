"""Ring text of seals that are not quite round: a photographed page keeps some perspective, and
its round seal comes out an ellipse a few per cent out of round."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image

from intake.ocr import preprocess
from intake.ocr.engines import Engine
from intake.ocr.seals import read_seals
from intake_lab.synth import seals as synth

NAME = "成都立信建设工程股份有限公司"


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


def _probs(frames: list[dict[int, float]], size: int) -> np.ndarray:
    """A CTC output: per frame the given symbols' probabilities, the rest of the mass on blank."""
    out = np.full((len(frames), size), 1e-6, np.float32)
    for t, f in enumerate(frames):
        for i, p in f.items():
            out[t, i] = p
        out[t, 0] = max(1e-6, 1 - sum(f.values()))
    return out


def test_the_reading_both_bands_agree_on_wins() -> None:
    """One band reads a stray mark after the name confidently (the other seal of an overlapping
    pair), the other band reads the name alone: the name is kept, though the longer reading
    scores higher, because the first band's lattice also allows the mark to be paper."""
    from intake.elements.page import Reading
    from intake.ocr.seal_verify import Lattice
    from intake.ocr.seals import _consensus

    alphabet = ["", "宁", "波", "市", "乙"]
    name = [{1: 0.97}, {}, {2: 0.97}, {}, {3: 0.97}, {}]
    band_a = Lattice.from_probs(_probs([*name, {4: 0.7}, {}], 5), alphabet, k=4)
    band_b = Lattice.from_probs(_probs([*name, {}, {}], 5), alphabet, k=4)
    readings = [Reading("宁波市乙", 0.95), Reading("宁波市", 0.9)]
    assert readings[_consensus(readings, [band_a, band_b])].text == "宁波市"


def test_a_grey_ring_text_arc_through_print_is_cut_to_a_name_span() -> None:
    """Print crossing a grey seal's gap inks both text bands all round: the walk from the bottom
    stops at once and the arc came out 300-370 degrees (train grey, seed 21: 31 of 46 rings). Cut
    to GREY_MAX_ARC around the top, the strip holds the name and not the print beside it."""
    from intake.ocr.seals import ARC_MARGIN, GREY_MAX_ARC, _text_arc

    size, r = 260, 120.0
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    dist = np.hypot(xx - size / 2, yy - size / 2)
    angle = np.degrees(np.arctan2(yy - size / 2, xx - size / 2)) % 360
    band = (dist > 0.6 * r) & (dist < 0.92 * r)
    # Characters every 20 degrees all round (print in the gap as well), a gap quieter only faintly.
    ink = (band & ((angle % 20) < 12)).astype(np.float32)
    ink[band & (angle > 60) & (angle < 120)] *= 0.5
    circle = (size / 2, size / 2, r)
    free = _text_arc(ink, circle)
    cut = _text_arc(ink, circle, None, GREY_MAX_ARC)
    assert np.degrees(free[1] - free[0]) > GREY_MAX_ARC + 2 * ARC_MARGIN
    assert np.degrees(cut[1] - cut[0]) == pytest.approx(GREY_MAX_ARC + 2 * ARC_MARGIN, abs=1)
    middle = np.degrees((cut[0] + cut[1]) / 2) % 360
    assert abs(middle - 270) < 20  # centred on the top, opposite the quieter gap
