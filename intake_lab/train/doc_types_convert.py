"""Convert a document-type model saved with skops (before array format 1) into the plain arrays
intake now reads, keeping its card and so its held-out figures: the model is the same function.

    python -m intake_lab.train.doc_types_convert [--models models] [--check-pages var/classify/test_fonts]

skops is needed only here (`pip install skops`); the old file is read with the trust check intake
used to apply (scikit-learn, numpy and scipy types only). With --check-pages (a corpus folder that
`intake classify train` has OCR'd), the arrays' probabilities are compared with the pipeline's on
its pages and the largest difference printed; the skops file is deleted only when they agree.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from intake.classify.model import CARD_FILE, DocTypeModel, as_matrix

SKOPS_FILE = "doc_type.skops"


def load_skops(path: Path) -> Any:
    import skops.io as sio

    untrusted = sio.get_untrusted_types(file=path)
    allowed = [t for t in untrusted if t.startswith(("sklearn.", "numpy.", "scipy.", "builtins."))]
    refused = sorted(set(untrusted) - set(allowed))
    if refused:
        raise ValueError(f"{path} holds types intake does not trust: {', '.join(refused)}")
    return sio.load(path, trusted=allowed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=Path("models"))
    ap.add_argument("--check-pages", type=Path, action="append", default=[])
    ap.add_argument("--keep", action="store_true", help="keep the skops file")
    args = ap.parse_args()
    pipeline = load_skops(args.models / SKOPS_FILE)
    card = json.loads((args.models / CARD_FILE).read_text(encoding="utf-8"))
    card.pop("arrays", None)
    model = DocTypeModel.from_pipeline(pipeline, card)
    worst = 0.0
    for folder in args.check_pages:
        from intake_lab.train.doc_types import ocr_corpus

        feats = [p.features for p in ocr_corpus(folder)]
        want = np.asarray(pipeline.predict_proba(as_matrix(feats)))
        got = model.predict_proba(feats)
        diff = float(np.abs(want - got).max())
        same = int((want.argmax(axis=1) == got.argmax(axis=1)).sum())
        print(f"{folder}: {len(feats)} pages, same call on {same}, largest probability difference {diff:.2e}")
        worst = max(worst, diff)
    model.save(args.models)
    print(f"wrote {args.models / model.card['arrays']['file']} (sha256 {model.card['arrays']['sha256'][:16]}…)")
    if worst > 1e-9:
        raise SystemExit(f"the arrays differ from the pipeline by {worst:.2e}: kept {SKOPS_FILE}")
    if not args.keep:
        (args.models / SKOPS_FILE).unlink()
        print(f"deleted {args.models / SKOPS_FILE}")


if __name__ == "__main__":
    main()
