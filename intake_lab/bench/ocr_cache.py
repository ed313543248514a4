"""OCR a labelled corpus once and keep the result on disk, for benchmarks and tuning loops.

Pages are cached by the sha256 of the file's bytes and the OCR settings, under var/ocr-cache/,
so that tuning an extractor or a rule set does not pay for OCR again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tqdm import tqdm

from intake.elements.page import OcrPage, OcrResult
from intake.ocr.config import default_config
from intake.ocr.pipeline import OcrPipeline
from intake_lab.synth.corpus import load_truth

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "var" / "ocr-cache"


def _key(data: bytes) -> str:
    # OcrConfig is a pydantic model: its JSON dump is the settings that change what OCR reads.
    settings = json.dumps({**default_config().model_dump(mode="json"), "format": 3}, sort_keys=True).encode()
    return hashlib.sha256(data + settings).hexdigest()[:32]


def ocr_corpus(corpus: Path, pipeline: OcrPipeline | None = None) -> dict[str, OcrResult]:
    """file name -> OCR result (page images replaced by blank stand-ins of the right size)."""
    truth = load_truth(corpus)
    CACHE.mkdir(parents=True, exist_ok=True)
    out: dict[str, OcrResult] = {}
    for f in tqdm(truth["files"], desc=f"OCR {corpus.name}", unit="file", disable=None):
        data = (corpus / f["file"]).read_bytes()
        path = CACHE / f"{_key(data)}.json"
        if path.exists():
            cached = json.loads(path.read_text(encoding="utf-8"))
        else:
            pipeline = pipeline or OcrPipeline()
            result = pipeline.read_file(data, f["file"])
            cached = {"media_type": result.media_type, **result.to_json()}
            path.write_text(json.dumps(cached, ensure_ascii=False), encoding="utf-8")
        pages = [OcrPage.from_json(p) for p in cached["pages"]]
        out[f["file"]] = OcrResult(f["file"], cached["media_type"], pages)
    return out
