"""The page-quality gate: a poor page is told apart by what is wrong with it, good copies of every
kind pass, and a claim with a blurred invoice asks the member to photograph it again.

Pages are rendered from forms-corpus families (train split: the benchmark reports on held-out
ones), uploaded the way members upload them (JPEG, PNG, a PDF, a 1-bit TIFF) and decoded by the
upload stage, so that the gate sees what ClaimReader gives it.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from intake.codes import Actor, ProblemCode, QualityIssue
from intake.datafile import DataFileError
from intake.elements.page import OcrPage, PageQuality, QualityFinding
from intake.ocr.quality import QualityGate, default_thresholds, load_thresholds
from intake.upload.files import open_file
from intake.vocabulary import DocType
from intake_lab.synth import degrade, files
from intake_lab.synth.case import make_case
from intake_lab.synth.corpus import RECIPES
from intake_lab.synth.forms.render import render
from intake_lab.synth.forms.spec import families

GATE = QualityGate()


@cache
def clean_page(doc_type: DocType, index: int = 0) -> Image.Image:
    fam = families(doc_type, "train")[index]
    rng = random.Random(f"quality-test:{doc_type}:{index}")
    return render(fam, make_case(rng, inpatient=True), rng).pages[0].image


@cache
def photo_of(doc_type: DocType, index: int = 0) -> Image.Image:
    return degrade.apply(clean_page(doc_type, index), ["photo", "shadow"], random.Random(1)).image


@cache
def scan_of(doc_type: DocType, index: int = 0, seed: int = 1) -> Image.Image:
    """The claims corpus's `scan` copy: grey, toner faded to 110-150 on 215-235 paper, grain or dust."""
    return degrade.apply(clean_page(doc_type, index), list(RECIPES["scan"][0]), random.Random(seed)).image


def uploaded(img: Image.Image, fmt: str = "jpeg") -> np.ndarray:
    """The page as the upload stage decodes it from a file of this format."""
    data = files.encode_pdf([img]) if fmt == "pdf" else files.encode_image(img, fmt, quality=85)
    return next(iter(open_file(data, f"page.{files.FORMATS[fmt][1]}").pages())).image


def issues(img: Image.Image, fmt: str = "jpeg") -> list[QualityIssue]:
    return [f.issue for f in GATE.assess(uploaded(img, fmt)).findings]


# -- poor pages, each by its own issue ----------------------------------------------------------

POOR = [
    # kind, the page it spoils, its issue
    ("motion_blur", "clean", QualityIssue.MOTION_BLUR),
    ("motion_blur", "photo", QualityIssue.MOTION_BLUR),
    ("focus_blur", "photo", QualityIssue.FOCUS_BLUR),
    ("low_resolution", "clean", QualityIssue.LOW_RESOLUTION),
    ("low_resolution", "photo", QualityIssue.LOW_RESOLUTION),
    # A scanner's lid keeps out the light a glossy page reflects: glare is a photo's.
    ("glare", "photo", QualityIssue.GLARE),
    # On a clean upload the paper is white already, and only the glare's halo (print faded to a
    # grey) shows it (train claims: 18 of 20 such pages passed before the gate looked for it).
    ("glare", "clean", QualityIssue.GLARE),
    ("cut_off", "clean", QualityIssue.CUT_OFF),
    ("cut_off", "photo", QualityIssue.CUT_OFF),
    ("screen", "clean", QualityIssue.SCREEN),
    ("blank", "clean", QualityIssue.BLANK),
    ("blank", "photo", QualityIssue.BLANK),
    # A grainy, faded scan (the claims corpus's `scan`) shrunk to a thumbnail, or the back of one.
    ("low_resolution", "scan", QualityIssue.LOW_RESOLUTION),
    ("blank", "scan", QualityIssue.BLANK),
]


# Known wrong advice (the page is still rejected): a strong defocus on a photo of a discharge record
# shows a streak of 4.2 in its gradients (limit 4.0), and is told as a moving phone.
_WRONG_ADVICE = {("focus_blur", "photo", DocType.DISCHARGE)}


@pytest.mark.parametrize("doc_type", [DocType.INVOICE, DocType.DISCHARGE, DocType.SETTLEMENT])
@pytest.mark.parametrize(("kind", "base", "issue"), POOR)
def test_poor_page_is_flagged_by_its_own_issue(doc_type: DocType, kind: str, base: str, issue: QualityIssue) -> None:
    if (kind, base, doc_type) in _WRONG_ADVICE:
        pytest.xfail("the streak measure calls a strong defocus on this photo motion (still rejected)")
    page = clean_page(doc_type)
    if kind == "blank":
        # The back of the page: blank paper, then photographed or scanned like any other.
        page = degrade.spoil(page, kind, 1.0, random.Random(2)).image
        if base == "photo":
            spoiled = degrade.apply(page, ["photo", "shadow"], random.Random(1)).image
        elif base == "scan":
            spoiled = degrade.apply(page, list(RECIPES["scan"][0]), random.Random(1)).image
        else:
            spoiled = page
    else:
        based = {"photo": photo_of(doc_type), "scan": scan_of(doc_type), "clean": page}[base]
        spoiled = degrade.spoil(based, kind, 1.0, random.Random(2)).image
    found = issues(spoiled)
    assert issue in found, f"{kind} on a {base} {doc_type}: {found}"


@pytest.mark.parametrize("doc_type", [DocType.INVOICE, DocType.DISCHARGE, DocType.SETTLEMENT])
@pytest.mark.parametrize("kind", ["motion_blur", "low_resolution"])
def test_poor_copy_of_a_faint_grainy_scan_is_rejected(doc_type: DocType, kind: str) -> None:
    """Readable grainy scans pass (below); the same scan spoiled further must still fail, whatever
    it is called (on such faint print a smear may hide every line, and be told blank)."""
    spoiled = degrade.spoil(scan_of(doc_type), kind, 1.0, random.Random(2)).image
    assert issues(spoiled), f"{kind} on a faint scan of {doc_type}"


def test_motion_and_focus_blur_are_told_apart() -> None:
    """The advice differs (hold the phone still / let it focus), so the kind of blur must be right."""
    page = clean_page(DocType.INVOICE)
    for angle_seed in range(3):  # streaks in different directions
        moved = degrade.spoil(page, "motion_blur", 0.8, random.Random(angle_seed)).image
        assert issues(moved)[:1] == [QualityIssue.MOTION_BLUR]
    soft = degrade.spoil(photo_of(DocType.INVOICE), "focus_blur", 0.8, random.Random(0)).image
    assert issues(soft)[:1] == [QualityIssue.FOCUS_BLUR]


@pytest.mark.parametrize("doc_type", [DocType.INVOICE, DocType.SETTLEMENT, DocType.UNIT_CERTIFICATE])
def test_skewed_uploads_pass(doc_type: DocType) -> None:
    """The claims corpus's `skew` upload (turned, slightly blurred, a privacy box): its rotation
    makes one direction's edges up to twice the other's on a sharp page (a train invoice: 1.98 at
    softness 0.110), which must not be told a moving phone."""
    for index in range(len(families(doc_type, "train"))):
        for seed in (1, 2):
            img = degrade.apply(clean_page(doc_type, index), list(RECIPES["skew"][0]), random.Random(seed)).image
            quality = GATE.assess(uploaded(img))
            assert quality.passed, f"skew {seed} of {families(doc_type, 'train')[index].name}: {quality.to_json()}"


@pytest.mark.parametrize(
    ("doc_type", "base"),
    [
        (DocType.INVOICE, "clean"),
        (DocType.INVOICE, "photo"),
        (DocType.DISCHARGE, "clean"),
        (DocType.DISCHARGE, "scan"),
        (DocType.DISCHARGE, "photo"),
    ],
)
def test_moderate_defocus_is_rejected(doc_type: DocType, base: str) -> None:
    """A lens 2.7-4 px out of focus (severity 0.3) lost a key field on 3 of 5 train pages; its
    edges are 5.7-8 px wide on 17-21 px print. Measured whole (0.30-0.38 text heights), such a
    width could not be told from small sharp print, whose edges are 2-3 px on 7-9 px."""
    based = {"photo": photo_of(doc_type), "scan": scan_of(doc_type), "clean": clean_page(doc_type)}[base]
    found = issues(degrade.spoil(based, "focus_blur", 0.3, random.Random(2)).image)
    assert QualityIssue.FOCUS_BLUR in found, f"defocus 0.3 on a {base} {doc_type}: {found}"


@pytest.mark.parametrize(
    "doc_type", [DocType.INVOICE, DocType.SETTLEMENT, DocType.DISCHARGE, DocType.DIAGNOSIS, DocType.UNIT_CERTIFICATE]
)
def test_strong_defocus_of_a_faint_scan_is_told_blurred(doc_type: DocType) -> None:
    """Defocused by 6 px, a faint grainy scan's print merges into soft blobs: too little ink is left
    for a tile to hold 1% of it, and no edge is steep enough to measure. Such pages passed, or were
    told blank (the member then photographs the empty back of the page). At 10 px some hold no
    more ink than the grain of a blank scan, and are told blank: still rejected."""
    for index in (0, 1):
        if (doc_type, index) in _LOOK_LARGE:
            continue
        spoiled = degrade.spoil(scan_of(doc_type, index), "focus_blur", 0.6, random.Random(2)).image
        found = issues(spoiled)
        assert {QualityIssue.FOCUS_BLUR, QualityIssue.MOTION_BLUR} & set(found), (doc_type, index, found)
        assert QualityIssue.BLANK not in found, (doc_type, index, found)
        assert issues(degrade.spoil(scan_of(doc_type, index), "focus_blur", 1.0, random.Random(2)).image)


# Known misses: the blurred blobs of these faint scans measure as 32-33 px print (16-18 px sharp),
# and their 6 px edges are then 0.12-0.13 text heights too many.
_LOOK_LARGE = {(DocType.INVOICE, 1), (DocType.DIAGNOSIS, 0)}


@pytest.mark.xfail(strict=True, reason="blurred blobs of a faint scan measure as large print")
def test_defocused_faint_scan_whose_blobs_look_like_large_print() -> None:
    for doc_type, index in sorted(_LOOK_LARGE):
        spoiled = degrade.spoil(scan_of(doc_type, index), "focus_blur", 0.6, random.Random(2)).image
        assert QualityIssue.FOCUS_BLUR in issues(spoiled), (doc_type, index)


def test_strong_defocus_without_a_steep_edge_is_rejected() -> None:
    """A sparse discharge summary defocused by 10 px: its gentlest edges are all it has (15 px
    wide on 19 px print), and they were not measured."""
    index = [f.name for f in families(DocType.DISCHARGE, "train")].index("dc_summary_sentence")
    spoiled = degrade.spoil(clean_page(DocType.DISCHARGE, index), "focus_blur", 1.0, random.Random(2)).image
    assert QualityIssue.FOCUS_BLUR in issues(spoiled)


@pytest.mark.parametrize(
    "doc_type", [DocType.INVOICE, DocType.SETTLEMENT, DocType.DISCHARGE, DocType.DIAGNOSIS, DocType.UNIT_CERTIFICATE]
)
def test_slight_defocus_and_small_sharp_print_pass(doc_type: DocType) -> None:
    """A lens under 1 px out of focus reads like a sharp page; and a smaller picture's print, 8-12
    px, is sharp, though its 2-3 px edges are a third of its height: neither is told blurred."""
    for base in ("clean", "scan", "photo"):
        based = {"photo": photo_of(doc_type), "scan": scan_of(doc_type), "clean": clean_page(doc_type)}[base]
        quality = GATE.assess(uploaded(degrade.spoil(based, "focus_blur", 0.1, random.Random(2)).image))
        assert quality.passed, f"defocus 0.1 on a {base} {doc_type}: {quality.to_json()}"
    for base in ("clean", "photo"):
        based = {"photo": photo_of(doc_type), "clean": clean_page(doc_type)}[base]
        found = issues(degrade.spoil(based, "low_resolution", 0.3, random.Random(2)).image)
        assert not {QualityIssue.FOCUS_BLUR, QualityIssue.MOTION_BLUR} & set(found), (base, found)


def test_mild_degradation_passes() -> None:
    """A hand that barely moved, or a slightly small picture, still reads: it is not rejected."""
    page = clean_page(DocType.INVOICE)
    assert issues(degrade.spoil(page, "motion_blur", 0.05, random.Random(0)).image) == []
    assert issues(degrade.spoil(page, "low_resolution", 0.05, random.Random(0)).image) == []
    assert issues(degrade.spoil(page, "cut_off", 0.02, random.Random(0)).image) == []


# -- good copies pass ---------------------------------------------------------------------------

COPIES = ["png", "jpeg", "pdf", "photo", "scan_grey", "bilevel", "sideways"]


def good_copy(doc_type: DocType, index: int, copy: str) -> np.ndarray:
    page = clean_page(doc_type, index)
    if copy in ("png", "jpeg", "pdf"):
        return uploaded(page, copy)
    if copy == "photo":
        return uploaded(photo_of(doc_type, index))
    if copy == "sideways":
        # The gate sees the page as uploaded, before the OCR stage turns it upright.
        return uploaded(page.transpose(Image.Transpose.ROTATE_90))
    grey = degrade.apply(page, ["scan_grey", "noise"], random.Random(3)).image
    if copy == "scan_grey":
        return uploaded(grey)
    return uploaded(grey.point(lambda v: 255 if v > 150 else 0).convert("1"), "tiff")


@pytest.mark.parametrize(
    "doc_type", [DocType.INVOICE, DocType.SETTLEMENT, DocType.DISCHARGE, DocType.DIAGNOSIS, DocType.UNIT_CERTIFICATE]
)
@pytest.mark.parametrize("copy", COPIES)
def test_good_copies_pass(doc_type: DocType, copy: str) -> None:
    for index in (0, 1):
        quality = GATE.assess(good_copy(doc_type, index, copy))
        assert quality.passed, f"{copy} of {families(doc_type, 'train')[index].name}: {quality.to_json()}"


@pytest.mark.parametrize(
    "doc_type", [DocType.INVOICE, DocType.SETTLEMENT, DocType.DISCHARGE, DocType.DIAGNOSIS, DocType.UNIT_CERTIFICATE]
)
def test_grainy_low_contrast_scan_passes(doc_type: DocType) -> None:
    """The claims corpus's `scan` copies read, but grain broke their faded table rules into dashes
    that were measured as lines of print 4-6 px high, and the member was told the page was too
    small to read (4 of 25 complete claims on held-out families stopped so)."""
    for index in range(min(4, len(families(doc_type, "train")))):
        for seed in (1, 2):
            name = families(doc_type, "train")[index].name
            if (name, seed) in _FAINTEST:
                continue
            quality = GATE.assess(uploaded(scan_of(doc_type, index, seed)))
            assert quality.passed, f"scan {seed} of {name}: {quality.to_json()}"


# Known false rejection: print so faint (strokes 30 grey levels under the paper) that no ink is
# found, and the page is told blank.
_FAINTEST = {("dc_summary_sentence", 2)}


@pytest.mark.xfail(strict=True, reason="ink is found only 40 grey levels under the paper (INK_CONTRAST)")
def test_faintest_grainy_scan_passes() -> None:
    index = [f.name for f in families(DocType.DISCHARGE, "train")].index("dc_summary_sentence")
    assert GATE.assess(uploaded(scan_of(DocType.DISCHARGE, index, 2))).passed


@pytest.mark.parametrize(
    "copy",
    [
        "png",
        "scan",
        # On a photo of so sparse a page the few lines' gradients look streaked (4.4-22), and its
        # edges of 0.27 text heights were called motion blur; 2 px of that is any edge's width
        # (softness 0.12, under 0.13).
        "photo",
    ],
)
def test_last_page_with_a_few_lines_is_not_blank(copy: str) -> None:
    """A discharge summary's page 2: a few lines, a signature and a date on a page of paper. It is
    mostly white, but it is the document's page, and the member has nothing better to upload."""
    fam = families(DocType.DISCHARGE, "train")[3]
    rng = random.Random("quality-test:last-page")
    pages = render(fam, make_case(rng, inpatient=True), rng).pages
    assert len(pages) == 2
    # Photos from different distances and angles. (A scan of fainter toner, seed 2, finds no ink
    # at all: test_faintest_grainy_scan_passes.)
    for seed in (1, 2, 3) if copy == "photo" else (1,):
        last = pages[-1].image
        if copy == "photo":
            last = degrade.apply(last, ["photo", "shadow"], random.Random(seed)).image
        elif copy == "scan":
            last = degrade.apply(last, list(RECIPES["scan"][0]), random.Random(seed)).image
        quality = GATE.assess(uploaded(last, "png" if copy == "png" else "jpeg"))
        assert quality.passed, f"{copy} {seed}: {quality.to_json()}"


def test_electronic_invoice_pdf_passes() -> None:
    electronic = [i for i, f in enumerate(families(DocType.INVOICE, "train")) if f.kind == "electronic"]
    assert electronic
    for index in electronic:
        assert GATE.assess(uploaded(clean_page(DocType.INVOICE, index), "pdf")).passed


# -- the data classes and the thresholds file --------------------------------------------------


def test_page_quality_round_trips_json() -> None:
    quality = GATE.assess(uploaded(degrade.spoil(clean_page(DocType.INVOICE), "glare", 1.0, random.Random(0)).image))
    quality = PageQuality([QualityFinding(QualityIssue.GLARE, 0.21, 0.06), *quality.findings], quality.measures)
    back = PageQuality.from_json(quality.to_json())
    assert [f.issue for f in back.findings] == [f.issue for f in quality.findings]
    assert back.findings[0] == QualityFinding(QualityIssue.GLARE, 0.21, 0.06)
    assert back.measures.keys() == quality.measures.keys()
    assert not back.passed
    # And as part of the page the service stores and reads back.
    page = OcrPage(1, np.zeros((20, 30, 3), np.uint8), quality=back)
    again = OcrPage.from_json(page.to_json())
    assert again.quality is not None and again.quality.findings == back.findings
    assert OcrPage.from_json(OcrPage(1, np.zeros((2, 2, 3), np.uint8)).to_json()).quality is None


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "quality.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_thresholds_file_rejects_a_bad_key(tmp_path: Path) -> None:
    shipped = (Path(__file__).parents[1] / "intake" / "ocr" / "quality.yaml").read_text(encoding="utf-8")
    # A misspelt limit beside the real one: an operator's typo is named, not silently ignored.
    path = _write(tmp_path, shipped.replace("blur:\n", "blur:\n  widht_max: 0.3\n"))
    with pytest.raises(DataFileError) as err:
        load_thresholds(path)
    assert str(path) in str(err.value) and "blur.widht_max: unknown key" in str(err.value), err.value
    # And one missing is named too.
    path = _write(tmp_path, shipped.replace("  width_max:", "  widht_max:"))
    with pytest.raises(DataFileError) as err:
        load_thresholds(path)
    assert "blur.width_max" in str(err.value), err.value

    path = _write(tmp_path, shipped.replace("  glare: 有反光", "  glair: 有反光"))
    with pytest.raises(DataFileError) as err:
        load_thresholds(path)
    assert str(path) in str(err.value) and "advice" in str(err.value), err.value

    path = _write(tmp_path, shipped.replace("area_max: 0.", "area_max: -0."))
    with pytest.raises(DataFileError) as err:
        load_thresholds(path)
    assert "glare.area_max" in str(err.value), err.value


def test_every_issue_has_chinese_advice() -> None:
    advice = default_thresholds().advice
    for issue in QualityIssue:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in advice[issue]), issue
    assert "模糊" in advice[QualityIssue.MOTION_BLUR] and "重新拍摄" in advice[QualityIssue.MOTION_BLUR]
    assert "未拍全" in advice[QualityIssue.CUT_OFF]
    assert "反光" in advice[QualityIssue.GLARE]


# -- from page images to the verdict -----------------------------------------------------------


@pytest.mark.slow
def test_blurred_invoice_asks_the_member_to_photograph_it_again(real_reader: object) -> None:
    from intake.claim_reader import ClaimReader
    from intake_lab.synth.claims import SINGLE_PAGE, make_claim

    reader = real_reader
    assert isinstance(reader, ClaimReader)
    claim = make_claim("none", "inpatient", "quality-gate", rules=reader.rules, layouts=SINGLE_PAGE)
    truth = {d.doc_type: d for d in claim.documents}
    invoice_file = next((name, data) for name, data in claim.files if truth[DocType.INVOICE].filename == name)
    others = [d for d in claim.documents if d.doc_type != DocType.INVOICE]
    name, data = invoice_file
    clean = Image.open(__import__("io").BytesIO(data))
    blurred = degrade.spoil(clean, "motion_blur", 0.6, random.Random(0)).image
    advice = default_thresholds().advice[QualityIssue.MOTION_BLUR]

    verdicts = {}
    for label, upload in (("clean", data), ("blurred", files.encode_image(blurred, "jpeg", quality=85))):
        read = reader.read_file(upload, name)
        # Too blurred a page may not even be told an invoice: whatever it is called, it is the one.
        assert len(read.documents) == 1, read.documents
        docs = read.documents + others
        for n, d in enumerate(docs, 1):
            d.id = str(n)
        verdicts[label] = (read.documents[0], reader.judge("inpatient", docs, record=False))

    doc, verdict = verdicts["blurred"]
    assert [i.issue for i in doc.page_issues] == [QualityIssue.MOTION_BLUR.value]
    unreadable = [p for p in verdict.problems if p.code == ProblemCode.PAGE_UNREADABLE]
    assert len(unreadable) == 1 and unreadable[0].actor == Actor.MEMBER, verdict.to_json()
    assert advice in unreadable[0].message and unreadable[0].document_id == doc.id
    assert not verdict.complete
    # Its unread fields are not the reviewer's task: the member photographs the page again.
    assert not [p for p in verdict.problems if p.code == ProblemCode.FIELD_MISSING and p.document_id == doc.id]

    doc, verdict = verdicts["clean"]
    assert doc.doc_type == DocType.INVOICE and doc.page_issues == []
    assert not [p for p in verdict.problems if p.code == ProblemCode.PAGE_UNREADABLE], verdict.to_json()


@pytest.mark.parametrize("index", [5, 7, 11])
def test_uploads_of_a_complete_claim_are_not_sent_back(index: int) -> None:
    """A skewed upload of a ruled discharge record (the recipe's mild motion blur gives the gradients
    a direction: masking the rules out leaves its streak at 3.7) and a photographed diagnosis letter
    read every key field, yet at the earlier blur limits the member of each of these complete train
    claims was told to photograph the page again."""
    from intake.check.claim_rules import load_rules
    from intake_lab.synth.claims import DEFECT_CLAIM_TYPES, form_layouts, make_claim

    types = DEFECT_CLAIM_TYPES["none"]
    claim = make_claim(
        "none",
        types[index % len(types)],
        f"trainN:{index}",
        rules=load_rules(),
        recipes=("clean", "clean_jpeg", "photo", "scan", "skew"),
        layouts=form_layouts("train"),
    )
    for name, data in claim.files:
        for page in open_file(data, name).pages():
            assert not GATE.assess(page.image).findings, (name, page.number)


# -- what a screen's grid is, and what it is not ---------------------------------------------------


@pytest.mark.parametrize("doc_type", [DocType.SETTLEMENT, DocType.DISCHARGE, DocType.DIAGNOSIS])
def test_screen_photo_is_told_a_screen_and_nothing_else(doc_type: DocType) -> None:
    # The moiré breaks characters into stripes and runs into the frame's edge: "too small" and
    # "cut off" would send the member to photograph the screen again, closer.
    for index in range(2):
        spoiled = degrade.spoil(clean_page(doc_type, index), "screen", 1.0, random.Random(3)).image
        assert issues(spoiled) == [QualityIssue.SCREEN]


@pytest.mark.parametrize("doc_type", [DocType.SETTLEMENT, DocType.DISCHARGE, DocType.DIAGNOSIS])
def test_grainy_blurred_or_shrunk_scan_of_a_tinted_form_is_not_a_screen(doc_type: DocType) -> None:
    # A form's fine printed tint, half washed out by a grainy scan, peaks in some blank tiles at one
    # period: a screen's grid peaks in all of them. Nor is a shrunk photo a screen: no pixel grid.
    for index in range(3):
        for kind, sev, page in (
            ("motion_blur", 0.6, scan_of(doc_type, index)),
            ("blank", 0.6, scan_of(doc_type, index)),
            ("low_resolution", 0.3, photo_of(doc_type, index)),
            ("low_resolution", 0.3, scan_of(doc_type, index)),
        ):
            for seed in range(2):
                spoiled = degrade.spoil(page, kind, sev, random.Random(seed)).image
                assert QualityIssue.SCREEN not in issues(spoiled), (kind, index, seed)


def test_readable_low_resolution_photo_passes() -> None:
    # Shrunk by a third, 20-px print is still 13 px: readable, and no reason to photograph again.
    page = photo_of(DocType.INVOICE)
    small = page.resize((page.width * 2 // 3, page.height * 2 // 3), Image.Resampling.LANCZOS)
    assert GATE.assess(uploaded(small)).passed


def test_skewed_photo_of_a_ruled_table_is_not_a_screen() -> None:
    # A slanted rule crossing a blank tile spreads along a ray of the spectrum, strongest at the
    # band's inner edge: no peak, however far over the median it stands. The pages of complete
    # claims of the train families, uploaded as the claims benchmark uploads them (a skewed photo
    # of a tabular invoice among them was told a screen).
    from intake_lab.bench.claims import DEFAULT_RECIPES
    from intake_lab.synth.claims import form_layouts, make_claim

    recipes = tuple(DEFAULT_RECIPES.split(","))
    for i in range(3):
        claim = make_claim("none", "special_disease", f"train:{i}", recipes=recipes, layouts=form_layouts("train"))
        for name, data in claim.files:
            for page in open_file(data, name).pages():
                assert QualityIssue.SCREEN not in [f.issue for f in GATE.assess(page.image).findings], name


def test_page_cut_through_a_few_characters_is_cut_off() -> None:
    """Two pages of the quality benchmark's train seed 11 that the frame cut through 3 characters
    (0.034 and 0.059 per text height of the side) and that lost key fields: they passed, and the
    member was not told to photograph the whole page."""
    from intake_lab.bench.quality import samples

    wanted = {"0006-settlement-st_his_lines-cut_off-1.0-clean.jpg", "0008-diagnosis-dx_grid-cut_off-0.3-clean.jpg"}
    seen = set()
    for sample in samples("train", 9, 11, 3):
        c = sample.copy
        if c.filename in wanted:
            seen.add(c.filename)
            page = next(iter(open_file(c.data, c.filename).pages())).image
            assert QualityIssue.CUT_OFF in [f.issue for f in GATE.assess(page).findings], c.filename
    assert seen == wanted


def test_whole_page_photographed_on_a_checked_cloth_is_not_cut_off() -> None:
    # A gingham's checks along the picture's edge are the size of characters, but the page does
    # not reach the frame there. A page cut by the same frame still is (POOR above).
    from intake_lab.bench.claims import DEFAULT_RECIPES
    from intake_lab.synth.claims import form_layouts, make_claim

    claim = make_claim(
        "none", "female_special", "trainB:23", recipes=tuple(DEFAULT_RECIPES.split(",")), layouts=form_layouts("train")
    )
    photos = [(name, data) for name, data in claim.files if name.endswith("-photo.jpg")]
    assert photos
    for name, data in photos:
        for page in open_file(data, name).pages():
            assert QualityIssue.CUT_OFF not in [f.issue for f in GATE.assess(page.image).findings], name
