"""Local model folders for the paddleocr engine, built from the ONNX files the rapidocr wheel ships.

PaddleOCR 3.x (through PaddleX) runs ONNX models with `engine="onnxruntime"` when every model is a folder
holding `inference.onnx` and an `inference.yml`. The yml is not decoration: PaddleX checks that its
`Global.model_name` equals the model name it is asked for, and builds the pre- and post-processing from it
(resize, normalisation, DB thresholds, and the recogniser's character list, without which CTC decoding
falls back to 0-9a-z). The official folders come from model hubs this machine cannot reach, so the ymls
are written here from what the official PP-OCRv6 releases use and from the rec model's own metadata.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

MODEL_FILE = "inference.onnx"
CONFIG_FILE = "inference.yml"

# Subfolder → (PaddleX model name, file in the rapidocr wheel). PaddleX 3.7 registers PP-OCRv6_small_det/rec
# by these names for engine onnxruntime, and the shipped ONNX files are exactly those models.
MODELS: dict[str, tuple[str, str]] = {
    "det": ("PP-OCRv6_small_det", "PP-OCRv6_det_small.onnx"),
    "rec": ("PP-OCRv6_small_rec", "PP-OCRv6_rec_small.onnx"),
    # The 0/180 classifier is not a PaddleX model (its textline models are PP-LCNet at 80×160); the engine
    # runs this one with onnxruntime itself, see intake.ocr.engines.paddle. It lives here so one folder
    # holds every weight the engine uses.
    "textline_ori": ("ch_ppocr_mobile_v2.0_cls", "ch_ppocr_mobile_v2.0_cls_mobile.onnx"),
}

BUILD_COMMAND = "intake ocr-models paddle --out DIR"

_DECODE = {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}}
_SCALE = 1 / 255


def _det_config(name: str) -> dict[str, Any]:
    # Thresholds are PP-OCRv6 defaults; the engine overrides them from OcrConfig at construction anyway.
    return {
        "Global": {"model_name": name},
        "PreProcess": {
            "transform_ops": [
                _DECODE,
                {"DetResizeForTest": {"limit_side_len": 960, "limit_type": "max"}},
                {
                    "NormalizeImage": {
                        "mean": [0.485, 0.456, 0.406],
                        "std": [0.229, 0.224, 0.225],
                        "scale": _SCALE,
                        "order": "hwc",
                    }
                },
                {"ToCHWImage": None},
            ]
        },
        "PostProcess": {
            "name": "DBPostProcess",
            "thresh": 0.3,
            "box_thresh": 0.6,
            "max_candidates": 1000,
            "unclip_ratio": 1.5,
        },
    }


def _rec_config(name: str, characters: list[str]) -> dict[str, Any]:
    return {
        "Global": {"model_name": name},
        "PreProcess": {"transform_ops": [_DECODE, {"RecResizeImg": {"image_shape": [3, 48, 320]}}]},
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": characters},
    }


def _cls_config(name: str) -> dict[str, Any]:
    # Read by intake's own runner, not by PaddleX: records the input the old classifier was trained on.
    return {
        "Global": {"model_name": name},
        "PreProcess": {
            "transform_ops": [
                _DECODE,
                {"ClsResizeImg": {"image_shape": [3, 48, 192]}},
                {"NormalizeImage": {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "scale": _SCALE}},
            ]
        },
        "PostProcess": {"name": "ClsPostProcess", "label_list": ["0", "180"]},
    }


def rec_characters(onnx_path: Path) -> list[str]:
    """The recogniser's alphabet, which the PP-OCRv6 ONNX export carries in its `character` metadata."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    if "character" not in meta:
        raise ValueError(f"{onnx_path} has no 'character' metadata: not a PP-OCR rec export")
    chars: list[str] = str(meta["character"]).split("\n")
    classes = session.get_outputs()[0].shape[-1]
    # CTC output = blank + the list + the space PaddleX appends; a mismatch would shift every character.
    if isinstance(classes, int) and classes != len(chars) + 2:
        raise ValueError(f"{onnx_path}: {len(chars)} characters in metadata but {classes} output classes")
    return chars


def shipped_models() -> dict[str, Path]:
    from intake.ocr.engines.rapid import model_paths

    paths = model_paths()
    return {sub: paths[{"det": "det", "rec": "rec", "textline_ori": "cls"}[sub]] for sub in MODELS}


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _place_model(src: Path, dst: Path) -> None:
    if dst.is_file() and (os.path.samefile(src, dst) or _digest(src) == _digest(dst)):
        return
    tmp = dst.with_name(f".{dst.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)  # 31 MB not duplicated when both live on one filesystem
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def _write_if_changed(path: Path, text: str) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; the service may run as another user
    os.replace(tmp, path)


def _dump(config: dict[str, Any]) -> str:
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    if yaml.safe_load(text) != config:  # the alphabet holds quotes, backslashes and odd Unicode
        raise ValueError("inference.yml does not read back as written")
    return text


def build_model_dir(out: Path, sources: Mapping[str, Path] | None = None) -> Path:
    """Write det/ rec/ textline_ori/ under `out`, each an inference.onnx and its inference.yml.

    Same inputs, same bytes; files already right are left alone, so running it again is cheap.
    `sources` maps subfolder to ONNX file and defaults to the rapidocr wheel's models.
    """
    src = dict(sources) if sources is not None else shipped_models()
    missing = [str(src.get(sub, sub)) for sub in MODELS if sub not in src or not Path(src[sub]).is_file()]
    if missing:
        raise FileNotFoundError(f"ONNX files to build from are missing: {', '.join(missing)}")
    out = Path(out)
    for sub, (name, _) in MODELS.items():
        folder = out / sub
        folder.mkdir(parents=True, exist_ok=True)
        onnx = Path(src[sub])
        if sub == "det":
            config = _det_config(name)
        elif sub == "rec":
            config = _rec_config(name, rec_characters(onnx))
        else:
            config = _cls_config(name)
        _place_model(onnx, folder / MODEL_FILE)
        _write_if_changed(folder / CONFIG_FILE, _dump(config))
    return out


def required_files(model_dir: Path) -> list[Path]:
    return [Path(model_dir) / sub / f for sub in MODELS for f in (MODEL_FILE, CONFIG_FILE)]
