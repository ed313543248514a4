"""Seal presence on grey and 1-bit copies, where the red is gone: faint seals and ovals among
print are found, and a page with no official seal (a cashier's stamp, a name chop) gets none.

The pages are the seal benchmark's (bench/seal.py --split train --seed 21) TRAIN pages that the
search missed before the ring candidates were ranked by a steady rim too (_rim_steady) and an
unbroken grey rim or an oval was let have print outside it (_seal_like).
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from intake.elements.page import Seal
from intake.ocr import preprocess
from intake.ocr.engines import Engine
from intake.ocr.seals import read_seals
from intake_lab.synth import seals as synth


def _page(copy: str, index: int) -> tuple[np.ndarray, list[dict[str, object]]]:
    page = synth.seal_page("train", copy, random.Random(f"21-train-{copy}-{index}"))
    return page.image, [t for t in page.seals if t["official"]]


def _found(engine: Engine, image: np.ndarray) -> list[Seal]:
    """The stamps read_seals takes for a unit's seal: round, or an oval that is not the 监制 print."""
    seals = read_seals(engine, preprocess.red_mask(image), 60, image=image)
    return [s for s in seals if s.shape == "round" or (s.shape == "oval" and "监制" not in s.text)]


def _at(box: tuple[int, int, int, int], want: object) -> bool:
    assert isinstance(want, list | tuple)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return bool(abs(cx - (want[0] + want[2]) / 2) < 40 and abs(cy - (want[1] + want[3]) / 2) < 40)


@pytest.mark.parametrize(
    ("copy", "index", "what"),
    [
        ("grey", 0, "a faint round seal over print and a table"),
        ("grey", 18, "a faint round seal over print"),
        ("grey", 5, "an oval 发票专用章 over print"),
        ("grey", 22, "an oval 发票专用章 over print"),
        ("bilevel", 20, "a company seal with print close round its rim"),
    ],
)
def test_a_seal_among_print_on_a_grey_copy_is_found(engine: Engine, copy: str, index: int, what: str) -> None:
    image, truth = _page(copy, index)
    assert len(truth) == 1, truth
    found = _found(engine, image)
    assert [s.shape for s in found if _at(s.box, truth[0]["box"])] == [truth[0]["shape"]], (what, found)
    assert all(not s.colour for s in found), "a grey copy's seal cannot be told by colour"


@pytest.mark.parametrize(
    ("copy", "index"), [("grey", 7), ("grey", 11), ("grey", 17), ("grey", 28), ("bilevel", 21), ("bilevel", 23)]
)
def test_a_grey_page_without_an_official_seal_has_none(engine: Engine, copy: str, index: int) -> None:
    """Print, table rules, a cashier's 现金收讫 / 收讫 / 已核对 or a name chop: no unit's seal, so the
    claim check must not be told one is there."""
    image, truth = _page(copy, index)
    assert not truth
    assert _found(engine, image) == []


def test_a_fingertip_holding_the_page_is_no_seal() -> None:
    """Train claims lead1209 (certificate_no_seal): a photographed certificate held by a thumb at its
    edge. The fingertip, round and red enough for the faint-seal search, was read as a seal whose
    text could not be read, and the missing seal went to the reviewer instead of the member."""
    from intake.check.claim_rules import load_rules
    from intake.ocr.pipeline import OcrPipeline
    from intake_lab.synth.claims import form_layouts, make_claim

    claim = make_claim(
        "certificate_no_seal",
        "critical_illness",
        "lead1209:1",
        rules=load_rules(),
        recipes=("clean", "clean_jpeg", "photo", "scan", "skew"),
        layouts=form_layouts("train"),
    )
    name, data = claim.files[1]
    assert name == "02-form-uc_staff_tongzhi-photo.jpg"
    (page,) = OcrPipeline().read_file(data, name).pages
    assert page.colour
    assert [s for s in page.seals if s.shape != "rect"] == []
