"""The field scorer's training documents: real OCR's silent failures added to degraded ones."""

from __future__ import annotations

from intake.elements.page import OcrLine, OcrPage, blank_image
from intake.vocabulary import DocType
from intake_lab.train.fields_data import Sample, realistic


def _sample(noisy: bool) -> Sample:
    lines = [OcrLine(f"个人自付：{1000 + i}.{i % 90 + 10}", (10, 30 * i, 300, 30 * i + 24), 0.97) for i in range(400)]
    return Sample(DocType.INVOICE, "p_test", [OcrPage(1, blank_image(800, 12000), lines)], {}, noisy)


def test_degraded_documents_lose_points_and_characters_at_full_confidence() -> None:
    before = _sample(True)
    after = realistic(before, 3)
    old = [ln.text for ln in before.pages[0].lines]
    new = [ln for ln in after.pages[0].lines]
    assert all(len(ln.char_confidences) == len(ln.text) for ln in new)
    lost_point = [ln for o, ln in zip(old, new, strict=True) if "." in o and "." not in ln.text]
    assert lost_point and all(min(ln.char_confidences) >= 0.8 for ln in lost_point)
    assert all(ln.confidence == 0.97 for ln in new)  # the line's score does not fall
    assert realistic(before, 3) == after  # the same document each time


def test_clean_documents_are_left_as_drawn() -> None:
    s = _sample(False)
    assert realistic(s, 3) is s
