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
from intake.ocr.engines import EngineError
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


def test_a_download_attempt_is_an_error(pipeline: OcrPipeline, tmp_path: Path) -> None:
    from rapidocr.utils.download_file import DownloadFile, DownloadFileInput

    with pytest.raises(EngineError, match="download"):
        DownloadFile.run(
            DownloadFileInput(
                file_url="https://example.invalid/model.onnx",
                sha256=None,
                save_path=tmp_path / "model.onnx",
                logger=None,
            )
        )  # type: ignore[arg-type]


def test_dotted_leaders_do_not_turn_an_upright_page(pipeline: OcrPipeline) -> None:
    path = REPO / "fixtures" / "regressions" / "invoice-dotted-leaders-upright.jpg"
    result = pipeline.read_file(path.read_bytes(), path.name)
    page = result.pages[0]
    assert page.rotation == 0
    assert "票据代码" in page.text.replace(" ", "")
