"""The OCR stage on the sample corpus: upright pages, values read verbatim, seals, the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from intake.cli import app
from intake.elements.page import OcrResult
from intake.ocr.pipeline import OcrPipeline

from .conftest import REPO, SAMPLE

pytestmark = pytest.mark.slow
WS = re.compile(r"\s+")


@pytest.fixture(scope="module")
def pipeline() -> OcrPipeline:
    return OcrPipeline()


def find(truth: dict[str, Any], *, kind: str | None = None, layout: str | None = None, clean: bool = False) -> dict:
    for f in truth["files"]:
        kinds = {k.split(":")[0] for p in f["pages"] for k in p["degradations"]}
        if clean and kinds:
            continue
        if kind and kind not in kinds:
            continue
        if layout and not any(d["layout"] == layout for d in f["documents"]):
            continue
        return f
    raise LookupError(f"no sample file with {kind or ''} {layout or ''}")


def read(pipeline: OcrPipeline, f: dict[str, Any]) -> OcrResult:
    return pipeline.read_file((SAMPLE / f["file"]).read_bytes(), f["file"])


def found_share(f: dict[str, Any], result: OcrResult) -> float:
    """Share of the file's truth values that appear verbatim in the OCR text of their page."""
    hits = total = 0
    for d in f["documents"]:
        for name, fld in d["fields"].items():
            if name == "seal":
                continue
            texts = [dx["text"] for dx in fld["value"]] if name == "diagnoses" else [fld["source_text"]]
            page = WS.sub("", result.pages[fld["page"] - 1].text)
            for t in texts:
                total += 1
                hits += WS.sub("", t) in page
    return hits / max(total, 1)


def test_clean_invoice_values_are_read_verbatim(pipeline: OcrPipeline, sample_truth: dict) -> None:
    f = find(sample_truth, layout="invoice_electronic", clean=True)
    result = read(pipeline, f)
    assert found_share(f, result) >= 0.9
    lines = result.pages[0].lines
    assert all(0 <= ln.confidence <= 1 for ln in lines)
    ys = [ln.box[1] for ln in lines]
    assert ys[0] == min(ys), "reading order starts at the top of the page"


@pytest.mark.parametrize(("kind", "turn"), [("rotate90", 270), ("rotate180", 180), ("rotate270", 90)])
def test_turned_pages_come_back_upright(pipeline: OcrPipeline, sample_truth: dict, kind: str, turn: int) -> None:
    f = find(sample_truth, kind=kind)
    result = read(pipeline, f)
    assert result.pages[0].rotation == turn, f"{f['file']}"
    assert found_share(f, result) >= 0.6, f"{f['file']}: the turned page is not read"


def test_phone_photo_is_cut_out_of_its_background(pipeline: OcrPipeline, sample_truth: dict) -> None:
    f = find(sample_truth, kind="photo")
    result = read(pipeline, f)
    page = result.pages[0]
    photo = f["pages"][0]
    assert page.width * page.height < 0.9 * photo["width"] * photo["height"], "the table around the page is cut off"
    assert found_share(f, result) >= 0.6


def _paper_on_a_desk(corners: list[tuple[int, int]]) -> Any:
    import cv2
    import numpy as np

    image = np.full((1000, 800, 3), (70, 90, 110), np.uint8)  # a brown desk
    cv2.fillPoly(image, [np.array(corners, np.int32)], (245, 245, 245))
    return image


def test_a_page_outline_is_kept_only_when_it_is_page_shaped() -> None:
    from intake.ocr.preprocess import find_page

    # A phone's keystone: the far edge a tenth shorter. The page is found.
    quad = find_page(_paper_on_a_desk([(120, 100), (680, 100), (710, 900), (90, 900)]), 0.2)
    assert quad is not None and abs(quad[0][0] - 120) < 15 and abs(quad[2][0] - 710) < 15
    # What remains of a page when a tinted shadow over its right side is not taken for paper: the
    # bottom edge half the top. Flattening that would cut the page through; it is read as it is.
    assert find_page(_paper_on_a_desk([(100, 100), (700, 100), (400, 900), (100, 900)]), 0.2) is None


def test_hospital_seal_ring_text_is_read(pipeline: OcrPipeline, sample_truth: dict) -> None:
    f = next(
        f
        for f in sample_truth["files"]
        if not any(p["degradations"] for p in f["pages"])
        and f["documents"][0]["layout"] == "invoice_electronic"
        and f["documents"][0]["fields"]["seal"]["value"]["present"]
    )
    result = read(pipeline, f)
    hospital = f["documents"][0]["fields"]["seal"]["value"]["text"]
    rounds = [s for s in result.pages[0].seals if s.shape == "round"]
    assert rounds, "the round hospital seal is found"
    assert any(s.text == hospital for s in rounds), [s.text for s in rounds]
    assert any(s.shape == "oval" for s in result.pages[0].seals), "the 财政部监制 oval is found"


def test_multipage_pdf_gives_every_page(pipeline: OcrPipeline, sample_truth: dict) -> None:
    f = next(f for f in sample_truth["files"] if f["special"] == "pdf_bundle")
    result = read(pipeline, f)
    assert [p.page for p in result.pages] == list(range(1, len(f["pages"]) + 1))
    assert found_share(f, result) >= 0.8


def test_blank_page_gives_few_lines_and_no_error(pipeline: OcrPipeline, sample_truth: dict) -> None:
    f = find(sample_truth, layout="other_blank", clean=True)
    result = read(pipeline, f)
    assert len(result.pages[0].lines) <= 3


def test_cli_prints_the_contract_json(sample_truth: dict) -> None:
    f = find(sample_truth, layout="invoice_electronic", clean=True)
    out = CliRunner().invoke(app, ["ocr", str(SAMPLE / f["file"]), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    page = data["pages"][0]
    assert {"page", "width", "height", "lines"} <= set(page)
    assert page["page"] == 1
    line = page["lines"][0]
    assert set(line) >= {"text", "box", "confidence"}
    assert len(line["box"]) == 4


def test_cli_bad_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "scan.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    out = CliRunner().invoke(app, ["ocr", str(bad)])
    assert out.exit_code == 2
    assert "scan.jpg" in out.output
    assert "Traceback" not in out.output


def test_reading_runs_no_rapidocr_code_so_nothing_can_download() -> None:
    """The engine opens the wheel's ONNX files on its own sessions: rapidocr, which fetches what it
    cannot find, is never imported while a page is read."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from intake.ocr.pipeline import OcrPipeline; "
        f"p = Path({str(SAMPLE / '0000-diagnosis_certificate-clean.png')!r}); "
        "r = OcrPipeline().read_file(p.read_bytes(), p.name); assert r.pages[0].lines; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rapidocr'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_own_detection_and_orientation_give_rapidocrs_results(sample_truth: dict) -> None:
    """Detection and the line classifier run on intake's own sessions with rapidocr's steps
    reproduced; on sample pages (a clean one, a photo, a sideways one) and on the odd shapes that
    take its special paths (a strip under 30 px, a very wide one), the boxes and votes must be
    rapidocr's own."""
    from rapidocr import RapidOCR

    from intake.ocr.config import default_config
    from intake.ocr.crops import crop_line
    from intake.ocr.engines.rapid import RapidEngine, model_paths
    from intake.upload.files import load_pages

    cfg = default_config()
    paths = model_paths()
    theirs = RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.max_side_len": 4000,
            "Det.model_path": str(paths["det"]),
            "Rec.model_path": str(paths["rec"]),
            "Cls.model_path": str(paths["cls"]),
            "Det.limit_type": "max",
            "Det.limit_side_len": cfg.det_max_side,
            "Det.box_thresh": cfg.det_box_thresh,
            "Det.unclip_ratio": cfg.det_unclip_ratio,
        }
    )
    ours = RapidEngine(cfg)
    files = [find(sample_truth, clean=True), find(sample_truth, kind="photo"), find(sample_truth, kind="rotate90")]
    for f in files:
        page = load_pages((SAMPLE / f["file"]).read_bytes(), f["file"])[1][0]
        for image in (page, page[:24], page[:300, :]):
            out = theirs(image, use_det=True, use_cls=False, use_rec=False)
            want = [] if getattr(out, "boxes", None) is None else [b.astype("float32") for b in out.boxes]
            got = ours.detect(image)
            assert len(got) == len(want), f["file"]
            assert all((a == b).all() for a, b in zip(got, want, strict=True)), f["file"]
        crops = [crop_line(page, b) for b in ours.detect(page)[:8]]
        votes = [theirs(c, use_det=False, use_cls=True, use_rec=False).cls_res[0] for c in crops]
        for (up, score), (label, their_score) in zip(ours.upside_down(crops), votes, strict=True):
            assert up == (label == "180") and abs(score - float(their_score)) < 1e-4


def test_dotted_leaders_do_not_turn_an_upright_page(pipeline: OcrPipeline) -> None:
    path = REPO / "fixtures" / "regressions" / "invoice-dotted-leaders-upright.jpg"
    result = pipeline.read_file(path.read_bytes(), path.name)
    page = result.pages[0]
    assert page.rotation == 0
    assert "票据代码" in page.text.replace(" ", "")
