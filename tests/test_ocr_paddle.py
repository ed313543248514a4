"""The paddleocr engine: its model folders, its refusals, and that it reads what rapidocr reads."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from intake.ocr.config import OcrConfig
from intake.ocr.engines import EngineError
from intake.ocr.engines.paddle import PaddleEngine
from intake.ocr.paddle_models import MODELS, build_model_dir, required_files

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
LINES = ["票据代码：33060121", "个人自付：792.16"]

needs_paddleocr = pytest.mark.skipif(
    importlib.util.find_spec("paddleocr") is None,
    reason="paddleocr is not installed in this venv (pip install 'intake[paddle]'); "
    "it pins opencv-contrib-python, numpy<2.4 and PyYAML==6.0.2, so it is kept out of the default venv",
)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model_dir(tmp_path_factory.mktemp("paddle-models"))


def _config(folder: Path | None) -> OcrConfig:
    return OcrConfig(engine="paddleocr", paddle_model_dir=None if folder is None else str(folder))


def render_line(text: str) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    if not FONT.is_file():
        pytest.skip(f"{FONT} is not installed")
    font = ImageFont.truetype(str(FONT), 40, index=2)
    left, top, right, bottom = font.getbbox(text)
    img = Image.new("RGB", (right - left + 60, bottom - top + 40), "white")
    ImageDraw.Draw(img).text((30 - left, 20 - top), text, font=font, fill="black")
    return np.ascontiguousarray(np.asarray(img)[:, :, ::-1])  # engines take BGR, as cv2 loads pages


def test_model_dir_layout(model_dir: Path) -> None:
    assert all(p.is_file() for p in required_files(model_dir))
    for sub, (name, _) in MODELS.items():
        spec = yaml.safe_load((model_dir / sub / "inference.yml").read_text(encoding="utf-8"))
        assert spec["Global"]["model_name"] == name
    rec = yaml.safe_load((model_dir / "rec" / "inference.yml").read_text(encoding="utf-8"))
    chars = rec["PostProcess"]["character_dict"]
    # PP-OCRv6 rec has 18710 output classes: CTC blank + this list + the space PaddleX appends.
    assert len(chars) == 18708
    assert {"票", "据", "：", "7", "."} <= set(chars)


def test_model_dir_is_deterministic_and_idempotent(model_dir: Path, tmp_path: Path) -> None:
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in model_dir.rglob("inference.yml")}
    build_model_dir(model_dir)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in model_dir.rglob("inference.yml")} == before
    other = build_model_dir(tmp_path / "again")
    for p in before:
        assert (other / p.relative_to(model_dir)).read_bytes() == before[p][0]


def test_missing_model_file_is_named(model_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "models"
    shutil.copytree(model_dir, broken)
    gone = broken / "rec" / "inference.onnx"
    gone.unlink()
    with pytest.raises(EngineError) as err:
        PaddleEngine(_config(broken))
    assert str(gone) in str(err.value)
    assert "intake ocr-models paddle --out" in str(err.value)


def test_unset_model_dir_says_how_to_build() -> None:
    with pytest.raises(EngineError, match=r"paddle_model_dir.*intake ocr-models paddle --out DIR"):
        PaddleEngine(_config(None))


def test_missing_package_says_how_to_install(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "paddleocr", None)  # import now raises ImportError, installed or not
    with pytest.raises(EngineError, match=r"pip install 'intake\[paddle\]'"):
        PaddleEngine(_config(model_dir))


@pytest.fixture(scope="module")
def engine(model_dir: Path) -> PaddleEngine:
    return PaddleEngine(_config(model_dir))


@needs_paddleocr
@pytest.mark.parametrize("text", LINES)
def test_reads_a_rendered_line(engine: PaddleEngine, text: str) -> None:
    image = render_line(text)
    lines = engine.read(image)
    assert [ln.text for ln in lines] == [text]
    x0, y0, x1, y1 = lines[0].box
    assert 0 <= x0 < x1 <= image.shape[1] and 0 <= y0 < y1 <= image.shape[0]
    assert engine.recognize([image])[0][0] == text
    assert len(engine.detect(image)) == 1


@needs_paddleocr
def test_tells_upside_down_lines(engine: PaddleEngine) -> None:
    upright = [render_line(t) for t in LINES]
    votes = engine.upside_down(upright + [np.ascontiguousarray(im[::-1, ::-1]) for im in upright])
    assert [up for up, _ in votes] == [False, False, True, True]
    assert all(score > 0.9 for _, score in votes)


@needs_paddleocr
def test_never_fetches_models(engine: PaddleEngine) -> None:
    from paddlex.inference.utils.official_models import official_models
    from paddlex.utils import fonts

    with pytest.raises(EngineError, match="must be local"):
        official_models.get_model_path("PP-OCRv6_medium_det")
    with pytest.raises(EngineError, match="nothing may be downloaded"):
        fonts.download("https://paddle-model-ecology.bj.bcebos.com/x.ttf", "/nonexistent/x.ttf")
