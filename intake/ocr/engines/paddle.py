"""The same PP-OCRv6 ONNX weights as the rapidocr engine, run through the `paddleocr` package itself.

It exists to compare PaddleOCR's own pipeline glue (resize, DB post-processing, crop ordering, CTC
decoding) with rapidocr's on identical weights, and as a fallback should rapidocr go unmaintained.
PaddleOCR 3.x runs ONNX without paddlepaddle (`engine="onnxruntime"`) from local model folders, which
`intake.ocr.paddle_models.build_model_dir` writes from the rapidocr wheel.

The line-orientation classifier is not run by PaddleOCR. Its textline-orientation module can load the
shipped ch_ppocr_mobile_v2.0_cls model, but only with a stretch-to-size resize in RGB, while the model was
trained on BGR lines scaled to 48 px high and right-padded to 192 px. Fed that way, on the 50 lines of an
invoice and the same lines turned over, it missed 6 upside-down lines; with its trained preprocessing it
misses none and flags 4 short upright ones, exactly as RapidEngine does (same labels on all 100). So `read`
runs the pipeline with use_textline_orientation=False (the OCR stage turns whole pages upright before
reading), and `upside_down` runs that ONNX file directly on onnxruntime, preprocessed as it was trained.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from intake.elements.page import OcrLine, Reading
from intake.ocr.config import OcrConfig
from intake.ocr.engines import EngineError
from intake.ocr.paddle_models import BUILD_COMMAND, CONFIG_FILE, MODEL_FILE, MODELS, required_files

INSTALL_HINT = "pip install 'intake[paddle]'"


def _check_model_dir(config: OcrConfig) -> Path:
    if not config.paddle_model_dir:
        raise EngineError(
            "engine paddleocr needs paddle_model_dir (a folder with det/ rec/ textline_ori/): "
            f"build it with `{BUILD_COMMAND}` and set paddle_model_dir to DIR"
        )
    folder = Path(config.paddle_model_dir)
    missing = [str(p) for p in required_files(folder) if not p.is_file()]
    if missing:
        raise EngineError(
            f"paddleocr model files missing: {', '.join(missing)}; build them with "
            f"`{BUILD_COMMAND.replace('DIR', str(folder))}`"
        )
    return folder


def _import_paddleocr() -> Any:
    # PaddleX reads this flag once, at import; without it every start probes four model hubs.
    os.environ["PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK"] = "True"
    try:
        import paddleocr
    except ImportError as exc:
        raise EngineError(f"engine paddleocr needs the paddleocr package: {INSTALL_HINT} ({exc})") from exc
    _forbid_downloads()
    logging.getLogger("paddlex").setLevel(logging.ERROR)
    logging.getLogger("paddleocr").setLevel(logging.ERROR)
    return paddleocr


def _forbid_downloads() -> None:
    """PaddleX fetches official models (and fonts) it cannot find; here that must fail loudly instead."""
    from paddlex.inference.common.batch_sampler import image_batch_sampler
    from paddlex.inference.utils import official_models
    from paddlex.utils import download, fonts

    def refuse_model(self: object, model_name: object, **kw: object) -> None:
        raise EngineError(f"paddleocr tried to fetch model {model_name!r}; every model must be local")

    def refuse_file(url: str, *args: object, **kw: object) -> None:
        raise EngineError(f"paddleocr tried to download {url}; nothing may be downloaded")

    official_models._ModelManager.get_model_path = refuse_model
    # Modules that imported the function itself keep their own reference, so each is patched.
    for module in (download, fonts, image_batch_sampler):
        module.download = refuse_file


class _UpsideDownClassifier:
    """ch_ppocr_mobile_v2.0_cls on onnxruntime, preprocessed as PaddleOCR 2.x trained it."""

    def __init__(self, folder: Path, threads: int) -> None:
        import onnxruntime as ort

        spec = yaml.safe_load((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        ops = {next(iter(op)): op[next(iter(op))] for op in spec["PreProcess"]["transform_ops"]}
        self._c, self._h, self._w = ops["ClsResizeImg"]["image_shape"]
        self._labels: list[str] = spec["PostProcess"]["label_list"]
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.enable_cpu_mem_arena = False
        opts.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(folder / MODEL_FILE), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name

    def _prepare(self, crop: np.ndarray) -> np.ndarray:
        import cv2

        h, w = crop.shape[:2]
        width = min(self._w, math.ceil(self._h * w / h))  # keep the glyphs' shape; pad, never stretch
        resized = cv2.resize(crop, (width, self._h), interpolation=cv2.INTER_LINEAR)
        out = np.zeros((self._c, self._h, self._w), np.float32)
        out[:, :, :width] = (resized.astype(np.float32).transpose(2, 0, 1) / 255 - 0.5) / 0.5
        return out

    def __call__(self, crops: list[np.ndarray], batch: int = 8) -> list[tuple[bool, float]]:
        res: list[tuple[bool, float]] = []
        for start in range(0, len(crops), batch):
            x = np.stack([self._prepare(c) for c in crops[start : start + batch]])
            probs = self._session.run(None, {self._input: x})[0]
            for p in probs:
                k = int(np.argmax(p))
                res.append((self._labels[k] == "180", float(p[k])))
        return res


class PaddleEngine:
    name = "paddleocr"

    def __init__(self, config: OcrConfig) -> None:
        folder = _check_model_dir(config)
        paddleocr = _import_paddleocr()
        det_name, rec_name = MODELS["det"][0], MODELS["rec"][0]
        # Session options as RapidEngine sets them (threads, no memory arena), so a comparison compares
        # the pipelines, not ONNX Runtime settings. With the arena on, pages read 10-20 % faster here but
        # resident memory roughly doubles (1.2 GB against 0.66 GB after an invoice and an A4 page).
        # engine_config, not cpu_threads: PaddleOCR hands cpu_threads to Paddle Inference only.
        common: dict[str, Any] = {
            "engine": "onnxruntime",
            "engine_config": {
                "intra_op_num_threads": config.threads,
                "inter_op_num_threads": 1,
                "enable_cpu_mem_arena": False,
            },
            "device": "cpu",
        }
        det_args = {
            "limit_side_len": config.det_max_side,
            "limit_type": "max",
            "box_thresh": config.det_box_thresh,
            "unclip_ratio": config.det_unclip_ratio,
        }
        try:
            self._ocr = paddleocr.PaddleOCR(
                text_detection_model_name=det_name,
                text_detection_model_dir=str(folder / "det"),
                text_recognition_model_name=rec_name,
                text_recognition_model_dir=str(folder / "rec"),
                text_recognition_batch_size=config.rec_batch,
                use_doc_orientation_classify=False,
                use_doc_unwarping=False,
                use_textline_orientation=False,
                text_det_limit_side_len=det_args["limit_side_len"],
                text_det_limit_type=det_args["limit_type"],
                text_det_box_thresh=det_args["box_thresh"],
                text_det_unclip_ratio=det_args["unclip_ratio"],
                text_rec_score_thresh=config.text_score,
                **common,
            )
            # The pipeline does not expose its detector or recogniser, so the orientation probe and the
            # seal reader get sessions of their own on the same files.
            self._det = paddleocr.TextDetection(
                model_name=det_name, model_dir=str(folder / "det"), **det_args, **common
            )
            self._rec = paddleocr.TextRecognition(model_name=rec_name, model_dir=str(folder / "rec"), **common)
        except EngineError:
            raise
        except Exception as exc:  # PaddleX reports bad folders as ValueError/RuntimeError/KeyError alike
            # Its dependency errors carry the useful part (which package is missing) in the cause.
            cause = f" ({exc.__cause__})" if exc.__cause__ else ""
            raise EngineError(f"paddleocr could not load the models in {folder}: {exc}{cause}") from exc
        self._cls = _UpsideDownClassifier(folder / "textline_ori", config.threads)
        self._rec_batch = config.rec_batch

    def read(self, image: np.ndarray) -> list[OcrLine]:
        res = self._ocr.predict(image)[0]
        lines = []
        for poly, text, score in zip(res["rec_polys"], res["rec_texts"], res["rec_scores"], strict=True):
            if not text:
                continue
            lines.append(OcrLine.from_polygon(text, poly, score))
        return lines

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        res = self._det.predict(image)[0]
        return [np.asarray(p, dtype=np.float32) for p in res["dt_polys"]]

    def upside_down(self, crops: list[np.ndarray]) -> list[tuple[bool, float]]:
        return self._cls(crops) if crops else []

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        if not crops:
            return []
        out = self._rec.predict(list(crops), batch_size=self._rec_batch)
        return [Reading(str(r["rec_text"]), float(r["rec_score"])) for r in out]
