"""Calibrate the seal verifier: a logistic on right / near / unrelated names of TRAIN seal families.

    nice -n 10 .venv/bin/python -m intake_lab.train.seal_verify [--pages 60] [--seed 11]

Seal pages of the train families (intake_lab.synth.seals) are read as clean, photo, grey and
1-bit copies; every round seal read gives three pairs, its own name (1), a near name of another
branch or city (0) and an unrelated one (0); the features of intake.ocr.seal_verify go through a
class-balanced logistic regression, written as plain JSON to models/seal_verify.json (no pickle).
Missed seals give no pair: they are the presence benchmark's, not the calibration's. Measure on
the heldout families with intake_lab/bench/seal.py --pages N.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from sklearn.linear_model import LogisticRegression

from intake.ocr.config import default_config
from intake.ocr.engines import create_engine
from intake.ocr.seal_verify import FEATURES, MODEL, Lattice, features
from intake_lab.bench.seal import pairs, read_seal_pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=60, help="pages per copy kind")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    cases = read_seal_pages(
        "train", ["clean", "photo", "grey", "bilevel"], args.pages, args.seed, create_engine(default_config())
    )
    xs, ys = [], []
    for _, rel, seal, name in pairs(cases, args.seed):
        if seal is None or not seal.lattices:
            continue
        # Features only: the model being fitted must not be asked (an old one may not fit them).
        feats, _ = features(
            [Lattice.from_json(x) for x in seal.lattices], name, [(seal.text, seal.confidence)] if seal.text else None
        )
        xs.append([feats[k] for k in FEATURES])
        ys.append(int(rel == "right"))
    x, y = np.asarray(xs), np.asarray(ys)
    # The pairs' own mix (one right name to two wrong ones) is the prior the probability is
    # calibrated to; balancing the classes pushed unreadable rings, equally bad for every name,
    # over p = 0.5.
    model = LogisticRegression(C=10.0, max_iter=1000).fit(x, y)
    pred = model.predict_proba(x)[:, 1] >= 0.5
    fa = float(pred[y == 0].mean()) if (y == 0).any() else 0.0
    fr = float((~pred[y == 1]).mean()) if (y == 1).any() else 0.0
    MODEL.write_text(
        json.dumps(
            {
                "about": "intake.ocr.seal_verify logistic; rebuilt by python -m intake_lab.train.seal_verify",
                "features": list(FEATURES),
                "weights": [round(float(w), 5) for w in model.coef_[0]],
                "intercept": round(float(model.intercept_[0]), 5),
                "fitted_on": {"split": "train", "pages_per_copy": args.pages, "seed": args.seed, "pairs": len(y)},
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(
        f"{len(y)} pairs ({int(y.sum())} right); on them: false-accept {fa:.3f}, false-reject {fr:.3f}; wrote {MODEL}"
    )


if __name__ == "__main__":
    main()
