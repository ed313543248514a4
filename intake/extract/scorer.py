"""The learned field reader: score every (field, candidate) pair, pick the best consistent
assignment, and say how likely each chosen value is to be right.

The model (models/fields.npz + fields.json, built by `intake train fields`) is one logistic
regression per field over hashed features (features.py), stored as plain arrays: the indices and
weights of the features a field uses, and its bias. A field's raw score ranks its candidates; its
confidence is a second, small logistic model over the winner's score and its lead over the
runner-up, fitted on training families the scorer was not fitted on, so that among values given
0.9 about nine in ten are right. It is capped by OCR's confidence in the characters.

Each field keeps its evidence: page, box, source text, the candidates that lost with their scores,
and the reasons its confidence was lowered.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from intake.codes import Reason
from intake.elements.document import Alternative, Field
from intake.elements.page import OcrPage
from intake.extract.candidates import FIELD_KIND, Candidate, View, candidates
from intake.extract.features import DIM, Context, agreement, features, hashed
from intake.vocabulary import FIELDS, DocType

MODEL_NAME = "fields"
FORMAT = 1


def model_dir() -> Path:
    """Where models live: the same folder the classifier loads from (INTAKE_MODEL_DIR or models/)."""
    from intake.classify.classifier import default_model_dir

    return Path(default_model_dir())


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    if z < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


@dataclass
class Scored:
    cand: Candidate
    score: float  # the field model's probability for this candidate
    known: float = 1.0  # the share of its features the field model has a weight for


def calibration_inputs(p1: float, v1: Any, rivals: list[tuple[float, Any]]) -> tuple[float, int]:
    """The runner-up's score (the best rival of another value: the same value read twice, a total
    printed in two places, is not a doubt) and how many rivals of other values scored at least
    half the winner's. One function for training and scoring, so both read a page alike."""
    others = [p for p, v in rivals if v != v1]
    p2 = max(others, default=1e-4)
    return p2, sum(1 for p in others if p >= 0.5 * p1)


class FieldModel:
    """Per-field weights (dense in memory, sparse on disk) and the confidence calibrators."""

    def __init__(
        self, weights: dict[str, np.ndarray], bias: dict[str, float], calib: dict[str, np.ndarray], card: dict[str, Any]
    ) -> None:
        self.weights = weights
        self.bias = bias
        self.calib = calib
        self.card = card
        self.min_return = float(card.get("min_return", 0.5))
        # The raw score under which the best candidate is no reading (train/fields.py MIN_SCORE).
        self.min_score = float(card.get("min_score", 0.0))
        # The calibrated probability at which a value is reported at the review line (train/fields.py
        # review_cut): below it the reported confidence is scaled down, never up.
        cut = card.get("review_cut") or {}
        self.cut = float(cut.get("p", 0.0))
        self.line = float(cut.get("line", 0.0))

    # -- storage: plain arrays, no pickle ------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {}
        for name, w in self.weights.items():
            nz = np.flatnonzero(np.abs(w) > 1e-6).astype(np.int32)
            arrays[f"{name}.idx"] = nz
            arrays[f"{name}.w"] = w[nz].astype(np.float32)
            arrays[f"{name}.b"] = np.array([self.bias[name]], dtype=np.float32)
        for name, c in self.calib.items():
            arrays[f"{name}.cal"] = np.asarray(c, dtype=np.float32)
        np.savez_compressed(folder / f"{MODEL_NAME}.npz", **arrays)  # type: ignore[arg-type]
        card = {**self.card, "format": FORMAT, "dim": DIM, "fields": sorted(self.weights)}
        (folder / f"{MODEL_NAME}.json").write_text(
            json.dumps(card, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path | None = None) -> FieldModel:
        folder = folder or model_dir()
        card = json.loads((folder / f"{MODEL_NAME}.json").read_text(encoding="utf-8"))
        if card.get("format") != FORMAT or card.get("dim") != DIM:
            raise ValueError(
                f"{folder / MODEL_NAME}.json: format {card.get('format')}, dim {card.get('dim')} is not this intake's"
            )
        weights, bias, calib = {}, {}, {}
        with np.load(folder / f"{MODEL_NAME}.npz", allow_pickle=False) as z:
            for name in card["fields"]:
                w = np.zeros(DIM, dtype=np.float32)
                w[z[f"{name}.idx"]] = z[f"{name}.w"]
                weights[name] = w
                bias[name] = float(z[f"{name}.b"][0])
                if f"{name}.cal" in z:
                    calib[name] = np.asarray(z[f"{name}.cal"], dtype=np.float64)
            # The shared calibrator, for a field without its own (not a field: no weights).
            if "_all.cal" in z:
                calib["_all"] = np.asarray(z["_all.cal"], dtype=np.float64)
        return cls(weights, bias, calib, card)

    @classmethod
    def available(cls, folder: Path | None = None) -> bool:
        folder = folder or model_dir()
        return (folder / f"{MODEL_NAME}.json").exists() and (folder / f"{MODEL_NAME}.npz").exists()

    # -- scoring -------------------------------------------------------------------------------
    def raw(self, name: str, idx: list[int]) -> float:
        return _sigmoid(float(self.weights[name][idx].sum()) + self.bias[name])

    def calibrated(
        self,
        name: str,
        p1: float,
        p2: float,
        known: float = 1.0,
        close: int = 0,
        ocr: float = 1.0,
        quality: float = 1.0,
    ) -> float:
        """The probability that the winner is right (train/fields.py calibrate): from its score,
        its lead over the best rival of another value, the share of its features the model knows,
        how many rivals came close, OCR's confidence in its characters and whether they had to be
        read past OCR noise (O for 0). Calibrators of earlier formats lack the last terms."""
        c = self.calib.get(name, self.calib.get("_all"))
        if c is None:
            return p1
        z1 = _logit(p1)
        z = float(c[0]) * z1 + float(c[1]) * (z1 - _logit(p2)) + float(c[2])
        if len(c) >= 5:
            z += float(c[3]) * known + float(c[4]) * math.log1p(close)
        if len(c) >= 7:
            z += float(c[5]) * _logit(min(ocr, 0.999)) + float(c[6]) * (quality < 1)
        return _sigmoid(z)

    def reported(self, p: float) -> float:
        """The confidence a value is given for its calibrated probability p: p scaled so that the
        review line falls at the cut (a value under the line goes to a reviewer), the values above
        it spread over the rest. Below the cut the confidence says less than p, never more, so a
        value is right at least as often as its confidence says; above it, out of family, wrong
        values were as rare as the training allows (train/fields.py review_cut)."""
        cut, line = self.cut, self.line
        if not 0 < line <= cut < 1:
            return p
        if p < cut:
            return line * p / cut
        return line + (1 - line) * (p - cut) / (1 - cut)


@dataclass
class DocumentCandidates:
    """A document's candidates with their hashed features, computed once for every field."""

    view: View
    by_kind: dict[str, list[Candidate]]
    idx: dict[str, list[list[int]]]


def featurize(
    doc_type: DocType, pages: list[OcrPage], kinds: set[str] | None = None, labels: tuple[str, ...] = ()
) -> DocumentCandidates:
    view = View.of(pages)
    by_kind = candidates(view, labels)
    ctx = Context(view, str(doc_type))
    idx: dict[str, list[list[int]]] = {}
    for kind, cands in by_kind.items():
        if kinds is not None and kind not in kinds:
            continue
        extra = agreement(kind, cands, by_kind)
        idx[kind] = [hashed(features(ctx, c, cands, e)) for c, e in zip(cands, extra, strict=True)]
    return DocumentCandidates(view, by_kind, idx)


def learned_fields(doc_type: DocType) -> list[str]:
    return [n for n in FIELDS[doc_type] if n in FIELD_KIND]


def _same_value(a: Candidate, b: Candidate) -> bool:
    return a.value == b.value


class Scorer:
    def __init__(self, model: FieldModel, keep: int = 3, labels: dict[DocType, tuple[str, ...]] | None = None) -> None:
        self.model = model
        self.keep = keep
        self.labels = labels or {}

    def score(self, doc_type: DocType, doc: DocumentCandidates) -> dict[str, list[Scored]]:
        out: dict[str, list[Scored]] = {}
        flat: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in learned_fields(doc_type):
            if name not in self.model.weights:
                continue
            kind = FIELD_KIND[name]
            cands = doc.by_kind.get(kind, [])
            if not cands:
                out[name] = []
                continue
            if kind not in flat:
                idxs = doc.idx[kind]
                starts = np.cumsum([0] + [len(i) for i in idxs[:-1]])
                flat[kind] = (np.fromiter((j for i in idxs for j in i), dtype=np.int64), starts)
            cols, starts = flat[kind]
            # every candidate's summed weights at once: one gather and one segmented sum per field
            ws = self.model.weights[name][cols]
            z = np.add.reduceat(ws, starts) + self.model.bias[name]
            p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
            lens = np.diff(np.append(starts, len(cols)))
            known = np.add.reduceat((ws != 0).astype(np.float64), starts) / np.maximum(lens, 1)
            scored = [Scored(c, float(v), float(k)) for c, v, k in zip(cands, p, known, strict=True)]
            scored.sort(key=lambda s: -s.score)
            out[name] = scored
        return out

    def extract(self, doc_type: DocType, pages: list[OcrPage]) -> dict[str, Field]:
        if not pages:
            return {}
        names = learned_fields(doc_type)
        doc = featurize(doc_type, pages, {FIELD_KIND[n] for n in names}, self.labels.get(doc_type, ()))
        return self.assign(self.score(doc_type, doc))

    def assign(self, scored: dict[str, list[Scored]]) -> dict[str, Field]:
        """Greedy best-first: the surest field takes its candidate, and no two fields share a span."""
        order = sorted(scored, key=lambda n: -(scored[n][0].score if scored[n] else 0.0))
        used: list[Candidate] = []
        out: dict[str, Field] = {}
        for name in order:
            ranked = scored[name]
            pick = next((s for s in ranked if not any(s.cand.overlaps(u) for u in used)), None)
            if pick is None:
                continue
            rivals = [(s.score, s.cand.value) for s in ranked if s is not pick]
            p2, close = calibration_inputs(pick.score, pick.cand.value, rivals)
            c = pick.cand
            p = self.model.calibrated(name, pick.score, p2, pick.known, close, c.conf, c.quality)
            if p < self.model.min_return or pick.score < self.model.min_score:
                continue
            conf = self.model.reported(p)
            used.append(pick.cand)
            out[name] = self._field(pick, conf, ranked)
        return out

    def _field(self, pick: Scored, conf: float, ranked: list[Scored]) -> Field:
        c = pick.cand
        reasons: list[Reason] = []
        if c.partial:
            reasons.append(Reason.PARTIAL_DATE)
        losers = []
        for s in ranked:
            if s is pick or _same_value(s.cand, c):
                continue
            losers.append(Alternative(s.cand.value, round(s.score, 4), s.cand.page, s.cand.box, s.cand.text))
            if len(losers) >= self.keep:
                break
        notes = []
        if losers and losers[0].score > 0.5 * pick.score:
            notes.append("runner_up_close")
        ocr = c.conf * c.quality
        if ocr < conf:
            notes.append("ocr_unsure")
            conf = ocr
        return Field(
            c.value,
            conf,
            c.page,
            c.box,
            c.source,
            reasons,
            alternatives=losers,
            doubts=notes,
            score=round(pick.score, 4),
        )
