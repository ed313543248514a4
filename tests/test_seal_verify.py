"""Seal verification: does the ring say the expected name? On hand-made lattices, on seals read by
the recogniser, and through the claim check from a page image to the finding and its actor."""

from __future__ import annotations

import random
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from intake.check.checks import check_claim
from intake.check.claim_rules import load_rules
from intake.codes import Actor, Reason
from intake.elements.document import Document, Field, SealValue, value_from_json
from intake.elements.page import OcrPage
from intake.extract.config import settings
from intake.extract.unlabelled import seal as seal_field
from intake.ocr import preprocess
from intake.ocr.config import default_config
from intake.ocr.engines import Engine
from intake.ocr.seal_verify import Lattice, ctc_cost, decide, verify
from intake.ocr.seals import read_seals
from intake.vocabulary import DocType
from intake_lab.synth import seals as synth

RULES = load_rules()
EMPLOYER = "宁波华信科技有限公司"


def lattice(frames: list[dict[str, float]]) -> Lattice:
    """A lattice from per-frame probabilities of a few symbols ("" the blank); the rest shares what is left."""
    alphabet = ["", *sorted({c for f in frames for c in f if c}), *"甲乙丙丁戊己"]
    probs = np.full((len(frames), len(alphabet)), 1e-4, np.float32)
    for t, f in enumerate(frames):
        for c, p in f.items():
            probs[t, alphabet.index(c)] = p
        probs[t] /= probs[t].sum()
    return Lattice.from_probs(probs, alphabet)


def spelled(text: str, second: dict[int, str] | None = None) -> Lattice:
    """Each character over two frames with a blank between, optionally a runner-up at position i."""
    frames: list[dict[str, float]] = [{"": 0.95}]
    for i, ch in enumerate(text):
        alt = (second or {}).get(i)
        f = {ch: 0.55, alt: 0.4} if alt else {ch: 0.95}
        frames += [f, f, {"": 0.95}]
    return lattice(frames)


def test_ctc_cost_is_zero_for_the_free_reading_and_grows_with_each_wrong_character() -> None:
    lat = spelled("华信科技有限公司")
    assert lat.greedy() == "华信科技有限公司"
    assert ctc_cost(lat, "华信科技有限公司", free_ends=False) == pytest.approx(0, abs=1e-3)
    one = ctc_cost(lat, "华新科技有限公司", free_ends=False)
    two = ctc_cost(lat, "中新科技有限公司", free_ends=False)
    assert 0 < one < two


def test_repeated_characters_need_their_blank() -> None:
    lat = spelled("公公司")
    assert ctc_cost(lat, "公公司", free_ends=False) == pytest.approx(0, abs=1e-3)
    assert ctc_cost(lat, "公司", free_ends=False) > 1


def test_extra_text_around_the_name_costs_only_when_the_strip_must_say_the_name_alone() -> None:
    lat = spelled("华信科技有限公司宁波分公司")
    name = "华信科技有限公司"
    assert ctc_cost(lat, name, free_ends=True) == pytest.approx(0, abs=1e-3)
    assert ctc_cost(lat, name, free_ends=False) > 5


def test_a_runner_up_character_in_the_lattice_verifies_a_name_the_reading_got_wrong() -> None:
    # The seal font's 信 came out as 言 by a little: the text misreads, the lattice knows better.
    lat = spelled("华言科技有限公司", {1: "信"})
    assert lat.greedy() == "华言科技有限公司"
    assert verify([lat], "华信科技有限公司").probability > verify([lat], "华通科技有限公司").probability
    assert verify([lat], "华信科技有限公司").probability >= 0.5


def test_a_name_whose_characters_the_ring_never_suggested_is_not_accepted() -> None:
    """A misread keeps the right character among a frame's top k; another city's branch brings
    characters the ring never had: even when the rest costs little, two of them are no match."""
    lat = spelled("华言科技有限公司", {1: "信"})
    assert verify([lat], "华信科技有限公司").features["absent"] == 0
    near = verify([lat], "华信科技有限公司江东")
    assert near.features["absent"] == 2 and near.probability < 0.6


def smudged(text: str, lost: set[int]) -> Lattice:
    """text spelled, but at the positions in lost a smudge: six other characters about equally
    likely and the right one not among them (a stroke lost on a grey or photographed ring)."""
    frames: list[dict[str, float]] = [{"": 0.95}]
    for i, ch in enumerate(text):
        f = {c: 0.15 for c in "甲乙丙丁戊己"} if i in lost else {ch: 0.95}
        frames += [f, f, {"": 0.95}]
    return lattice(frames)


def test_characters_lost_apart_are_a_degraded_ring_and_lost_together_a_swapped_word() -> None:
    """Two characters the ring never offered, one here and one there, are strokes a poor copy lost:
    the name is still verified. Two side by side are a word another unit's name has instead
    (another city's branch): capped below acceptance however little the rest costs."""
    name = "华信科技有限公司"
    apart = verify([smudged(name, {1, 5})], name)
    assert apart.features["absent"] == 2 and apart.features["absent_run"] == 1
    assert apart.probability >= 0.6
    together = verify([smudged(name, {1, 2})], name)
    assert together.features["absent"] == 2 and together.features["absent_run"] == 2
    assert together.probability < 0.6


def test_a_character_read_clearly_as_another_in_its_place_is_no_match() -> None:
    """Another city's branch sharing all but one character (杭州 read sharp, 苏州 asked): every
    other character is there, but the ring plainly says something else in that place."""
    name = "苏州华信科技有限公司"
    frames: list[dict[str, float]] = [{"": 0.95}]
    for i, ch in enumerate("杭州华信科技有限公司"):  # the first one narrow: one frame
        frames += [{ch: 0.97}] * (1 if i == 0 else 2) + [{"": 0.95}]
    lat = lattice(frames)
    # The lattice spells the name at a single character's cost, which alone is a match.
    assert verify([lat], name).features["name_cost"] == pytest.approx(1.0, abs=0.01)
    near = verify([lat], name)
    assert near.features["contradicted"] == 1
    assert near.probability < 0.6
    assert verify([lat], "杭州华信科技有限公司").probability >= 0.6


def test_a_smudged_character_is_not_read_as_another_unit_s() -> None:
    """A stroke lost on a poor copy leaves a smudge, no other character sure: the name verifies."""
    name = "苏州华信科技有限公司"
    v = verify([smudged(name, {0})], name)
    assert v.features["contradicted"] == 0
    assert v.probability >= 0.6


def test_a_covered_ring_read_from_the_wrong_start_is_not_another_unit_s() -> None:
    """A cover hides the end of the name and the text start is taken at it: the ring reads the
    name's last character, noise, then the name's first half, sharply. Far from the name by edits,
    it still holds the name's own trade name: a reviewer's question, never the member's error."""
    name = "宁波凯达电子集团有限公司"
    verdict, v = decide([spelled("司出重宁波凯达电子集")], name)
    assert v.features["confidence"] > 0.85 and v.features["name_cost"] >= 2
    assert verdict != "other"
    assert decide([spelled("杭州金桥港务有限公司")], name)[0] == "other"


def test_lattice_json_round_trip() -> None:
    lat = spelled("华信科技")
    back = Lattice.from_json(lat.to_json())
    assert back.greedy() == lat.greedy()
    assert ctc_cost(back, "华信科技", free_ends=False) == pytest.approx(0, abs=0.05)


# -- seals read by the recogniser ---------------------------------------------------------------------


def certificate_page(seal_name: str | None, *, grey: bool = False, faint: bool = False, seed: int = 4) -> np.ndarray:
    """A certificate page: the employer printed at the bottom, the seal (of seal_name) pressed over it."""
    from intake_lab.synth import fonts

    page = Image.new("RGB", (1240, 1754), "white")
    from PIL import ImageDraw

    draw = ImageDraw.Draw(page)
    face = fonts.font("noto_serif", 32)
    draw.text((200, 300), "兹证明张晓明系我单位在职职工。特此证明。", font=face, fill=(20, 20, 20))
    draw.text((760, 1000), EMPLOYER, font=face, fill=(20, 20, 20))
    if seal_name:
        ink = synth.round_seal(seal_name, 240, random.Random(seed), opacity=0.4 if faint else 0.85)
        page.paste(Image.new("RGB", ink.size, synth.SEAL_RED), (790, 880), ink)
    bgr = cv2.cvtColor(np.array(page), cv2.COLOR_RGB2BGR)
    if grey:
        bgr = cv2.cvtColor(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    return bgr


def read(engine: Engine, image: np.ndarray, *, colour: bool = True) -> OcrPage:
    """The page as the OCR stage leaves it; colour is what the upload's file says (a colour JPEG or
    a one-channel scan), as the pipeline decides it."""
    seals = read_seals(engine, preprocess.red_mask(image), default_config().seal_min_diameter, image=image)
    return OcrPage(1, image, [], seals, colour=colour)


@pytest.mark.parametrize(
    ("asked", "accepted"),
    [
        (EMPLOYER, True),
        ("宁波华信科技有限公司江东分公司", False),
        ("杭州华信科技有限公司", False),
        ("武汉大学人民医院", False),
    ],
)
def test_verification_of_the_right_a_near_and_an_unrelated_name(engine: Engine, asked: str, accepted: bool) -> None:
    page = read(engine, certificate_page(EMPLOYER))
    (seal,) = [s for s in page.seals if s.shape == "round"]
    assert seal.strip and seal.lattices and len(seal.chars) == len(seal.text)
    v = verify([Lattice.from_json(x) for x in seal.lattices], asked)
    assert (v.probability >= 0.5) == accepted, v


def test_another_companys_ring_read_confidently_is_someone_elses_seal(engine: Engine) -> None:
    page = read(engine, certificate_page("宁波东海物流有限公司"))
    (seal,) = [s for s in page.seals if s.shape == "round"]
    verdict, v = decide([Lattice.from_json(x) for x in seal.lattices], EMPLOYER)
    assert verdict == "other", v


# -- from the page image to the claim's finding ---------------------------------------------------


def claim_with(page: OcrPage, employer: str = EMPLOYER) -> list[Any]:
    """A complete special-disease claim whose certificate carries the page's seal."""
    cert_seal = seal_field([page], settings())
    if not page.colour:
        assert Reason.GREY_COPY in cert_seal.reasons
    return claim_with_seal(cert_seal, employer)


def claim_with_seal(cert_seal: Field, employer: str = EMPLOYER) -> list[Any]:
    """The seal findings of a complete special-disease claim whose certificate has this seal field."""

    def doc(doc_type: DocType, id: str, **values: Any) -> Document:
        fields = {k: Field(value_from_json(v), 0.95, 1, None, str(v)) for k, v in values.items()}
        return Document(f"{id}.png", doc_type, 0.97, [1], fields, id=id)

    invoice = doc(
        DocType.INVOICE,
        "1",
        invoice_code="33010121",
        invoice_number="0012345678",
        issue_date="2024-03-10",
        patient_name="张晓明",
        visit_type="inpatient",
        admission_date="2024-03-01",
        discharge_date="2024-03-10",
        total_amount="12345.67",
        seal={"present": True, "text": "杭州市第一人民医院"},
    )
    discharge = doc(
        DocType.DISCHARGE,
        "2",
        patient_name="张晓明",
        admission_date="2024-03-01",
        discharge_date="2024-03-10",
        diagnoses=[{"text": "乳腺恶性肿瘤", "icd10": "C50.900"}],
    )
    cert = doc(DocType.UNIT_CERTIFICATE, "3", employee_name="张晓明", employer_name=employer, issue_date="2024-03-20")
    cert.fields["seal"] = cert_seal
    c = check_claim("special_disease", [invoice, discharge, cert], RULES)
    return [p for p in c.problems if p.field == "seal"]


def test_the_employers_own_seal_gives_no_finding_and_records_its_verification(engine: Engine) -> None:
    page = read(engine, certificate_page(EMPLOYER))
    cert_seal = seal_field([page], settings())
    assert claim_with(page) == []
    # The evidence survives the document's JSON: strip, lattices, and (once checked) the answer.
    value = cert_seal.value
    assert isinstance(value, SealValue) and value.strip and value.lattices
    assert SealValue.from_json(value.to_json()) == value


def test_another_employers_seal_is_the_members_error(engine: Engine) -> None:
    found = claim_with(read(engine, certificate_page("宁波东海物流有限公司")))
    assert [(p.code, p.actor) for p in found] == [("seal_mismatch", Actor.MEMBER)]


def test_a_branch_of_the_employer_is_for_the_reviewer_not_the_member(engine: Engine) -> None:
    found = claim_with(read(engine, certificate_page("宁波华信科技有限公司江东分公司")))
    assert found and all(p.actor == Actor.REVIEWER for p in found), found


def test_a_faint_seal_is_never_the_members_error(engine: Engine) -> None:
    found = claim_with(read(engine, certificate_page(EMPLOYER, faint=True)))
    assert all(p.actor == Actor.REVIEWER for p in found), found


def test_a_grey_copy_of_the_right_seal_is_the_reviewers_to_confirm(engine: Engine) -> None:
    found = claim_with(read(engine, certificate_page(EMPLOYER, grey=True), colour=False))
    assert [(p.code, p.actor) for p in found] == [("seal_unverifiable", Actor.REVIEWER)]


def test_a_seal_found_by_shape_in_a_colour_file_is_the_reviewers_to_confirm(engine: Engine) -> None:
    """A colour file of a grey copy (a scanner's grey JPEG): red cannot be seen, the seal is found
    by its shape, and whether it is red and the employer's is for the reviewer, not the member."""
    page = read(engine, certificate_page(EMPLOYER, grey=True), colour=True)
    assert [s.colour for s in page.seals if s.shape == "round"] == [False]
    assert Reason.GREY_COPY in seal_field([page], settings()).reasons
    found = claim_with(page)
    assert found and all(p.actor == Actor.REVIEWER for p in found), found


def _train_seal_page(engine: Engine, copy: str, index: int) -> tuple[OcrPage, str]:
    """A generated page of the TRAIN seal families (bench/seal.py --split train --seed 11) as the
    OCR stage leaves it, and the name its official seal bears."""
    page = synth.seal_page("train", copy, random.Random(f"11-train-{copy}-{index}"))
    (name,) = [str(t["text"]) for t in page.seals if t["official"]]
    return read(engine, page.image), name


def test_a_faint_seal_on_a_photo_is_found_and_never_missing(engine: Engine) -> None:
    """A seal pressed lightly (opacity 0.35-0.5), photographed: the red mask keeps only specks of
    it, so it was not found and a complete claim was told seal_missing, the member's error."""
    page, name = _train_seal_page(engine, "photo", 40)
    assert [s.shape for s in page.seals if s.shape == "round"] == ["round"], page.seals
    found = claim_with(page, name)
    assert all(p.actor == Actor.REVIEWER for p in found), found


def test_a_round_mass_of_red_whose_ring_is_not_found_is_the_reviewers(engine: Engine) -> None:
    """A seal with a side covered, photographed: its rim is not found, but a mass of red of a
    seal's size, its corners bare, is a seal. Not read, it is a reviewer's task, never missing."""
    page, name = _train_seal_page(engine, "photo", 33)
    (seal,) = [s for s in page.seals if s.shape == "round"]
    assert seal.colour and not seal.text and not seal.lattices
    found = claim_with(page, name)
    assert [(p.code, p.actor) for p in found] == [("seal_text_unreadable", Actor.REVIEWER)]


@pytest.mark.parametrize(("grey", "finding"), [(False, "seal_mismatch"), (True, "seal_near_mismatch")])
def test_another_name_read_without_lattices_is_the_members_only_on_a_colour_copy(grey: bool, finding: str) -> None:
    """An engine without CTC output gives ring text only; on a grey copy that text may be print
    read through the seal, so someone else's name there is the reviewer's, as with lattices."""
    value = SealValue(True, "宁波东海物流有限公司")
    cert_seal = Field(value, 0.9, 1, None, value.text or "", reasons=[Reason.GREY_COPY] if grey else [])
    found = claim_with_seal(cert_seal)
    actor = Actor.REVIEWER if grey else Actor.MEMBER
    assert [(p.code, p.actor) for p in found] == [(finding, actor)]


def test_no_seal_on_a_colour_page_is_missing(engine: Engine) -> None:
    found = claim_with(read(engine, certificate_page(None)))
    assert [(p.code, p.actor) for p in found] == [("seal_missing", Actor.MEMBER)]


@pytest.mark.parametrize(("stamped", "finding"), [("宁波市第一医院", None), ("浙江省人民医院", "seal_near_mismatch")])
def test_an_invoices_seal_of_another_hospital_is_for_the_reviewer(
    engine: Engine, stamped: str, finding: str | None
) -> None:
    page = Image.new("RGB", (1240, 1754), "white")
    ink = synth.round_seal(stamped, 230, random.Random(8), bottom_text="收费专用章")
    page.paste(Image.new("RGB", ink.size, synth.SEAL_RED), (700, 900), ink)
    ocr = read(engine, cv2.cvtColor(np.array(page), cv2.COLOR_RGB2BGR))
    assert [s.purpose for s in ocr.seals if s.shape == "round"] == ["收费专用章"]
    fields = {
        k: Field(value_from_json(v), 0.95, 1, None, str(v))
        for k, v in {
            "invoice_number": "0012345678",
            "issue_date": "2024-03-10",
            "patient_name": "张晓明",
            "hospital_name": "宁波市第一医院",
            "total_amount": "12345.67",
        }.items()
    }
    fields["seal"] = seal_field([ocr], settings())
    invoice = Document("1.png", DocType.INVOICE, 0.97, [1], fields, id="1")
    found = [p for p in check_claim("inpatient", [invoice], RULES).problems if p.field == "seal"]
    assert [(p.code, p.actor) for p in found] == ([(finding, Actor.REVIEWER)] if finding else [])


def test_decide_sends_only_a_confident_other_name_to_the_member() -> None:
    employer = "宁波华信科技有限公司"
    assert decide([spelled(employer)], employer)[0] == "match"
    assert decide([spelled("杭州东海物流有限公司")], employer)[0] == "other"
    # A branch of the employer, and a ring that lost its characters, are the reviewer's.
    assert decide([spelled(employer + "江东分公司")], employer)[0] in ("near", "unsure")
    assert decide([spelled("有限公司")], employer)[0] in ("near", "unsure")
    assert decide([lattice([{"": 0.9}] * 30)], employer)[0] == "unsure"


def test_the_shipped_calibration_is_plain_json_of_the_verifiers_features() -> None:
    import json

    from intake.ocr.seal_verify import FEATURES, MODEL

    data = json.loads(MODEL.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES) and len(data["weights"]) == len(FEATURES)
    assert data["fitted_on"]["split"] == "train", "calibrated on train seal families, never held-out ones"
