"""The page-type model: character n-grams of the OCR text plus layout facts, a logistic
regression, and calibration so that a probability of 0.9 is right nine times in ten.

Chinese has no spaces, so a word tokenizer would see each line as one token; character 1–3-grams
catch the words that matter (票据, 出院, 诊断, 证明, 结算) whatever the segmentation.

Trained with scikit-learn (`fit`), but kept and run as plain arrays: the n-gram vocabularies and
their idf weights, the layout scaler, and each calibration fold's coefficients and temperature,
in one `.npz` read with allow_pickle=False, beside a JSON card that holds the file's sha256. The
skops file this replaced was a zip of about 24,000 entries read twice (once to list its types,
once to load them): 9 s of a 15 s one-page `intake process`; the arrays load in a fraction of a
second and give the fitted pipeline's probabilities (tests/test_classify.py holds the two equal),
and scikit-learn is no longer imported to classify a page.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from intake.classify.features import PageFeatures
from intake.vocabulary import DocType

MODEL_FILE = "doc_type.npz"
CARD_FILE = "doc_type.json"
MODEL_VERSION = "2"  # 2: body and title text apart, more layout facts
ARRAYS_FORMAT = 1  # the layout of the .npz below; the card names it
# The arrays the file must hold, and their kinds: (f)loat, (U)nicode, (i)nt.
_ARRAYS = {
    "classes": "U",
    "text_ngrams": "U",
    "text_idf": "f",
    "text_range": "i",
    "head_ngrams": "U",
    "head_idf": "f",
    "head_range": "i",
    "layout_mean": "f",
    "layout_scale": "f",
    "weights": "f",  # text, head, layout
    "coef": "f",  # (folds, classes, features)
    "intercept": "f",  # (folds, classes)
    "beta": "f",  # (folds,): each fold's inverse temperature
}
# scikit-learn's char analyzer folds runs of whitespace to one space before cutting n-grams.
_WHITE_SPACES = re.compile(r"\s\s+")


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


def build_pipeline(options: ModelOptions | None = None, cv: Any = None) -> Any:
    """The scikit-learn pipeline that training fits (imported here only: the runtime never needs it)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

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


def _arrays_of_pipeline(pipeline: Any) -> dict[str, np.ndarray]:
    """The fitted pipeline's parameters as plain arrays (what `DocTypeModel` computes with)."""
    features = pipeline.named_steps["features"]
    weights = features.transformer_weights or {}
    out: dict[str, np.ndarray] = {}
    for name in ("text", "head"):
        vec = features.named_transformers_[name]
        if not (vec.analyzer == "char" and vec.lowercase and vec.strip_accents is None and vec.sublinear_tf):
            raise ValueError(f"the {name} vectorizer is not the char n-gram tf-idf this model computes")
        if not (vec.norm == "l2" and vec.use_idf and vec.preprocessor is None):
            raise ValueError(f"the {name} vectorizer is not l2-normed idf-weighted, as this model computes")
        ngrams = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        out[f"{name}_ngrams"] = np.array(ngrams, dtype=str)
        out[f"{name}_idf"] = np.asarray(vec.idf_, dtype=np.float64)
        out[f"{name}_range"] = np.array(vec.ngram_range, dtype=np.int64)
    scaler = features.named_transformers_["layout"]
    out["layout_mean"] = np.asarray(scaler.mean_, dtype=np.float64)
    out["layout_scale"] = np.asarray(scaler.scale_, dtype=np.float64)
    out["weights"] = np.array([weights.get(n, 1.0) for n in ("text", "head", "layout")], dtype=np.float64)
    cal = pipeline.named_steps["clf"]
    if cal.method != "temperature":
        raise ValueError(f"calibration {cal.method!r}: only temperature scaling is kept as arrays")
    folds = cal.calibrated_classifiers_
    out["coef"] = np.stack([np.asarray(f.estimator.coef_, dtype=np.float64) for f in folds])
    out["intercept"] = np.stack([np.asarray(f.estimator.intercept_, dtype=np.float64) for f in folds])
    out["beta"] = np.array([float(f.calibrators[0].beta_) for f in folds], dtype=np.float64)
    out["classes"] = np.array([str(c) for c in cal.classes_], dtype=str)
    return out


def _check_arrays(arrays: dict[str, np.ndarray], where: str) -> None:
    missing = sorted(set(_ARRAYS) - set(arrays))
    if missing:
        raise ValueError(f"{where} lacks the arrays {', '.join(missing)}")
    for name, kind in _ARRAYS.items():
        if arrays[name].dtype.kind != kind:
            raise ValueError(f"{where}: {name} is of kind {arrays[name].dtype.kind!r}, expected {kind!r}")
    n_text, n_head, n_layout = len(arrays["text_ngrams"]), len(arrays["head_ngrams"]), len(arrays["layout_mean"])
    folds, classes = len(arrays["beta"]), len(arrays["classes"])
    shapes = {
        "text_idf": (n_text,),
        "head_idf": (n_head,),
        "layout_scale": (n_layout,),
        "text_range": (2,),
        "head_range": (2,),
        "weights": (3,),
        "coef": (folds, classes, n_text + n_head + n_layout),
        "intercept": (folds, classes),
    }
    for name, shape in shapes.items():
        if arrays[name].shape != shape:
            raise ValueError(f"{where}: {name} has shape {arrays[name].shape}, expected {shape}")
    if n_layout != len(PageFeatures.NUMERIC):
        raise ValueError(f"{where}: {n_layout} layout facts, this intake computes {len(PageFeatures.NUMERIC)}")


class _NgramTfidf:
    """scikit-learn's TfidfVectorizer(analyzer="char", sublinear_tf=True, norm="l2"), transform only."""

    def __init__(self, ngrams: np.ndarray, idf: np.ndarray, ngram_range: np.ndarray) -> None:
        self.index = {g: i for i, g in enumerate(ngrams.tolist())}
        self.idf = idf
        self.lo, self.hi = int(ngram_range[0]), int(ngram_range[1])

    def add_to(self, row: np.ndarray, text: str, weight: float) -> None:
        text = _WHITE_SPACES.sub(" ", text.lower())
        counts: dict[int, int] = {}
        for n in range(self.lo, min(self.hi, len(text)) + 1):
            for i in range(len(text) - n + 1):
                j = self.index.get(text[i : i + n])
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
        if not counts:
            return
        idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (np.log(tf) + 1.0) * self.idf[idx]
        row[idx] = weight * values / np.sqrt(np.dot(values, values))


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class DocTypeModel:
    arrays: dict[str, np.ndarray]
    card: dict[str, Any]

    def __post_init__(self) -> None:
        _check_arrays(self.arrays, "the document-type model")
        a = self.arrays
        self._text = _NgramTfidf(a["text_ngrams"], a["text_idf"], a["text_range"])
        self._head = _NgramTfidf(a["head_ngrams"], a["head_idf"], a["head_range"])
        self._n_text, self._n_head = len(a["text_ngrams"]), len(a["head_ngrams"])

    @classmethod
    def from_pipeline(cls, pipeline: Any, card: dict[str, Any]) -> DocTypeModel:
        return cls(_arrays_of_pipeline(pipeline), card)

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.arrays["classes"]]

    def transform(self, pages: list[PageFeatures]) -> np.ndarray:
        """The pages as the pipeline's feature rows: text n-grams, title n-grams, scaled layout facts."""
        a = self.arrays
        w_text, w_head, w_layout = (float(w) for w in a["weights"])
        x = np.zeros((len(pages), a["coef"].shape[2]))
        for row, page in zip(x, pages, strict=True):
            text, head, *numbers = page.row()
            self._text.add_to(row[: self._n_text], str(text), w_text)
            self._head.add_to(row[self._n_text : self._n_text + self._n_head], str(head), w_head)
            layout = (np.asarray(numbers, dtype=np.float64) - a["layout_mean"]) / a["layout_scale"]
            row[self._n_text + self._n_head :] = w_layout * layout
        return x

    def predict_proba(self, pages: list[PageFeatures]) -> np.ndarray:
        if not pages:
            return np.zeros((0, len(self.classes)))
        x = self.transform(pages)
        a = self.arrays
        total = np.zeros((len(pages), len(self.classes)))
        # Each calibration fold's logistic regression, its logits scaled by the fold's inverse
        # temperature and turned into probabilities; the folds' probabilities averaged.
        for coef, intercept, beta in zip(a["coef"], a["intercept"], a["beta"], strict=True):
            z = beta * (x @ coef.T + intercept)
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            total += e / e.sum(axis=1, keepdims=True)
        proba = total / len(a["beta"])
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        np.savez_compressed(buf, allow_pickle=False, **self.arrays)
        (folder / MODEL_FILE).write_bytes(buf.getvalue())
        card = {
            **self.card,
            "version": self.card.get("version", MODEL_VERSION),
            "arrays": {"file": MODEL_FILE, "format": ARRAYS_FORMAT, "sha256": _file_sha256(folder / MODEL_FILE)},
        }
        self.card = card
        (folder / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> DocTypeModel:
        path, card_path = folder / MODEL_FILE, folder / CARD_FILE
        if not path.is_file() or not card_path.is_file():
            raise FileNotFoundError(
                f"{path if not path.is_file() else card_path} is missing: rebuild it with `intake classify train`"
            )
        card = json.loads(card_path.read_text(encoding="utf-8"))
        if card.get("version") != MODEL_VERSION:
            raise ValueError(f"{path} is model version {card.get('version')}, this intake reads {MODEL_VERSION}")
        meta = card.get("arrays") or {}
        if meta.get("format") != ARRAYS_FORMAT:
            raise ValueError(f"{path} is array format {meta.get('format')}, this intake reads {ARRAYS_FORMAT}")
        # The card vouches for the arrays: a file that is not the one it describes is refused.
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            raise ValueError(f"{path} is not the file its card {card_path.name} describes (sha256 differs)")
        # allow_pickle=False: numbers and strings only, never code.
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        return cls(arrays, card)


def fit(
    pages: list[PageFeatures],
    labels: list[str],
    card: dict[str, Any],
    options: ModelOptions | None = None,
    fonts: list[str] | None = None,
) -> DocTypeModel:
    """Fit on pages and their labels; `fonts` (each page's font family) for calibrate_across_fonts."""
    return DocTypeModel.from_pipeline(fit_pipeline(pages, labels, options, fonts), {"version": MODEL_VERSION, **card})


def fit_pipeline(
    pages: list[PageFeatures],
    labels: list[str],
    options: ModelOptions | None = None,
    fonts: list[str] | None = None,
) -> Any:
    """The fitted scikit-learn pipeline (for `fit`, and for tests that hold the arrays to it)."""
    from sklearn.model_selection import GroupKFold
    from threadpoolctl import threadpool_limits

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
    return pipeline
