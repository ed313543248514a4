"""Train the disease-name model (intake/extract/dxterms.py) that the diagnosis list reader asks
whether an item or a line reads as a diagnosis.

Positives: the names of the official 医保版 2.0 diagnosis table, read where the shared data lives
(INTAKE_ICD10_SOURCE, else ../shared/data/icd10/yibao-2.0-diagnoses.csv beside the repository;
the table is read, never copied into the project), and intake's curated table, whose colloquial
names (乳腺癌, 右肺癌) the official wording (乳房恶性肿瘤) lacks: without them the model scored 25 of
the 147 curated names below 0.5, every X癌 among them, since 癌 turns up in training pages' prose
(病理示：浸润性癌) far more than in the official names (with them, 5; 左侧乳腺癌, in no table, 0.46).
Negatives: the text of training-family pages
split at punctuation and at the gaps between cells (labels, column heads, prose, amounts, names,
outcomes such as 好转), minus the pieces that are a diagnosis of the page's truth. Held-out
families are never drawn here.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from intake.extract.dxterms import term_features
from intake.extract.features import DIM, hashed
from intake_lab.train.fields_data import Sample

REPO = Path(__file__).resolve().parents[2]
_SPLIT = re.compile(r"[\s:：;；,，、。()（）\[\]【】]+")
C = 0.5  # the scorer's regularization (fields.py)


def icd_source() -> Path:
    env = os.environ.get("INTAKE_ICD10_SOURCE")
    if env:
        return Path(env)
    return REPO.parent / "shared" / "data" / "icd10" / "yibao-2.0-diagnoses.csv"


def icd_names(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        names = {row["name"].strip() for row in csv.DictReader(fh)}
    # Long descriptive names (…，由于O1群霍乱弧菌所致) are split as a list would print them.
    out: set[str] = set()
    for n in names:
        for part in re.split(r"[，,；;]", n):
            if 2 <= len(part) <= 24:
                out.add(part)
    return sorted(out)


def page_pieces(samples: list[Sample]) -> list[str]:
    """Non-diagnosis text of the samples' pages, as the reader meets it."""
    out: set[str] = set()
    for s in samples:
        dx = s.truth.get("diagnoses")
        names = [d["text"].replace(" ", "") for d in dx["value"]] if dx else []
        for p in s.pages:
            for line in p.lines:
                for piece in _SPLIT.split(line.text):
                    piece = re.sub(r"^\d{1,2}[.、)]", "", piece)
                    if len(piece) < 2 or any(n in piece or piece in n for n in names if len(n) >= 2):
                        continue
                    out.add(piece)
    return sorted(out)


def fit_terms(samples: list[Sample], source: Path | None = None) -> tuple[np.ndarray, float, dict[str, int]]:
    """The model's dense weights and bias, and what it was trained on."""
    from scipy import sparse

    from intake.reference.diagnoses import curated

    pos = sorted(set(icd_names(source or icd_source())) | {d.name for d in curated()})
    neg = page_pieces(samples)
    texts = pos + neg
    y = np.array([1] * len(pos) + [0] * len(neg))
    rows = [hashed(term_features(t)) for t in texts]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    cols = np.fromiter((j for r in rows for j in r), dtype=np.int32, count=int(indptr[-1]))
    X = sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), cols, indptr), shape=(len(rows), DIM))
    # The two sides weigh the same in total: the table has far more names than a page has pieces.
    w = np.where(y == 1, 0.5 / len(pos), 0.5 / len(neg)) * len(y)
    model = LogisticRegression(C=C, solver="liblinear", max_iter=300).fit(X, y, sample_weight=w)
    weights = np.zeros(DIM, dtype=np.float32)
    weights[:] = model.coef_[0]
    return weights, float(model.intercept_[0]), {"icd_names": len(pos), "page_pieces": len(neg)}
