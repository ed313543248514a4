"""Name and institution candidates where no label cuts them: a letter's form of address after a
name, a role label run into the institution after it."""

from __future__ import annotations

from intake.elements.page import OcrLine, OcrPage, blank_image
from intake.extract.candidates import View, candidates

H = 24


def page(*lines: tuple[str, int, int]) -> OcrPage:
    """A page of OCR lines, each (text, x, y): about 24 px a CJK character, 13 px a digit."""
    out = []
    for text, x, y in lines:
        w = sum(24 if ord(c) > 0x2E80 else 13 for c in text)
        out.append(OcrLine(text, (x, y, x + w, y + H), 0.99))
    return OcrPage(1, blank_image(1400, 1000), out)


def test_a_form_of_address_is_no_part_of_a_name() -> None:
    got = {
        c.value for c in candidates(View.of([page(("兹证明我单位职工邹宁同志，范晶同志与王先生", 100, 200))]))["name"]
    }
    assert {"邹宁", "范晶"} <= got
    assert not {"邹宁同志", "宁同志", "范晶同志", "范晶同", "王先生", "王先"} & got


def test_an_institution_never_starts_with_the_label_of_its_role() -> None:
    got = {c.value for c in candidates(View.of([page(("工作单位宁波市总工会", 100, 200))]))["org"]}
    assert "宁波市总工会" in got
    assert "工作单位宁波市总工会" not in got
