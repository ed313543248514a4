"""The page-type model: character n-grams of the OCR text plus layout facts, a logistic
regression, and calibration so that a probability of 0.9 is right nine times in ten.

Chinese has no spaces, so a word tokenizer would see each line as one token; character 1–3-grams
catch the words that matter (票据, 出院, 诊断, 证明, 结算) whatever the segmentation. Persisted
with skops (no pickle), next to a JSON card with its version, training data and metrics.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from intake.classify.features import PageFeatures
from intake.vocabulary import DocType

MODEL_FILE = "doc_type.skops"
CARD_FILE = "doc_type.json"
MODEL_VERSION = "2"  # 2: body and title text apart, more layout facts


@dataclass(frozen=True)
class ModelOptions:
    """The choices of the model, measured by `python -m intake_lab.train.doc_types_choices` on training layouts
    and fonts left out in turn (never on the held-out test pages)."""

    # Validation, out of fold over the training layouts and fonts (330 training files): with the
    # title apart and weighted 8, accuracy 1.000 on layouts and fonts left out, against 0.76 and
    # 0.92 with it weighted 1; Brier 0.0078 (fonts) with C 4, 0.0175 with C 16. Temperature scaling
    # halved the Brier score of sigmoid calibration at the same accuracy.
    c: float = 4.0
    text_ngrams: tuple[int, int] = (1, 3)
    head_ngrams: tuple[int, int] = (1, 3)
    # The title-like lines' n-grams against the whole page's: a new layout of a known type keeps
    # its title words (收费票据, 出院) while its body, its form and its labels are new.
    head_weight: float = 8.0
    max_features: int = 30000
    calibration: str = "temperature"
    calibration_folds: int = 3
    # Calibrate on folds that each leave out whole fonts, so that the probabilities are learnt on
    # pages of a font the fold's model has not seen (measured no better: off by default).
    calibrate_across_fonts: bool = False


def build_pipeline(options: ModelOptions | None = None, cv: Any = None) -> Pipeline:
    o = options or ModelOptions()
    numeric = list(range(2, 2 + len(PageFeatures.NUMERIC)))
    features = ColumnTransformer(
        [
            (
                "text",
                TfidfVectorizer(
                    analyzer="char", ngram_range=o.text_ngrams, min_df=2, sublinear_tf=True, max_features=o.max_features
                ),
                0,
            ),
            # The title apart from the body: 出院 in a title says 出院记录, in a body it may be a date label.
            (
                "head",
                TfidfVectorizer(analyzer="char", ngram_range=o.head_ngrams, min_df=2, sublinear_tf=True),
                1,
            ),
            ("layout", StandardScaler(), numeric),
        ],
        transformer_weights={"text": 1.0, "head": o.head_weight, "layout": 1.0},
    )
    clf = LogisticRegression(C=o.c, max_iter=3000)
    # Calibrated on held-back folds, so that a probability means what it says. Temperature scaling
    # (one parameter for all classes) rather than per-class sigmoids, whose renormalised outputs
    # came out under-confident; isotonic needs more pages than a few hundred.
    return Pipeline(
        [
            ("features", features),
            ("clf", CalibratedClassifierCV(clf, method=o.calibration, cv=cv or o.calibration_folds)),
        ]
    )


def as_matrix(pages: list[PageFeatures]) -> np.ndarray:
    return np.array([p.row() for p in pages], dtype=object)


@dataclass
class DocTypeModel:
    pipeline: Pipeline
    card: dict[str, Any]

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def predict_proba(self, pages: list[PageFeatures]) -> np.ndarray:
        if not pages:
            return np.zeros((0, len(self.classes)))
        return np.asarray(self.pipeline.predict_proba(as_matrix(pages)))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        # Deflate: skops writes the n-gram vocabulary as JSON, which compresses about tenfold.
        sio.dump(self.pipeline, folder / MODEL_FILE, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        (folder / CARD_FILE).write_text(json.dumps(self.card, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> DocTypeModel:
        path = folder / MODEL_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: rebuild it with `intake classify train`")
        # Only scikit-learn and numpy types are trusted; anything else in the file is refused.
        untrusted = sio.get_untrusted_types(file=path)
        allowed = [t for t in untrusted if t.startswith(("sklearn.", "numpy.", "scipy.", "builtins."))]
        refused = sorted(set(untrusted) - set(allowed))
        if refused:
            raise ValueError(f"{path} holds types intake does not trust: {', '.join(refused)}")
        pipeline = sio.load(path, trusted=allowed)
        card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
        if card.get("version") != MODEL_VERSION:
            raise ValueError(f"{path} is model version {card.get('version')}, this intake reads {MODEL_VERSION}")
        return cls(pipeline, card)


def fit(
    pages: list[PageFeatures],
    labels: list[str],
    card: dict[str, Any],
    options: ModelOptions | None = None,
    fonts: list[str] | None = None,
) -> DocTypeModel:
    """Fit on pages and their labels; `fonts` (each page's font family) for calibrate_across_fonts."""
    unknown = set(labels) - {t.value for t in DocType}
    if unknown:
        raise ValueError(f"labels outside the contract: {sorted(unknown)}")
    o = options or ModelOptions()
    cv = None
    if o.calibrate_across_fonts and fonts and len(set(fonts)) >= o.calibration_folds:
        cv = list(GroupKFold(n_splits=o.calibration_folds).split(pages, labels, fonts))
    pipeline = build_pipeline(o, cv)
    # One BLAS thread: the problem is small, and on a shared machine extra threads only wait on
    # each other (a fit measured eight times slower with them).
    with threadpool_limits(1):
        pipeline.fit(as_matrix(pages), np.array(labels))
    # The vectorizer keeps every n-gram it dropped, for introspection only: most of the file's size.
    for name in ("text", "head"):
        pipeline.named_steps["features"].named_transformers_[name].stop_words_ = None
    return DocTypeModel(pipeline, {"version": MODEL_VERSION, **card})
