"""Train the field scorer (models/fields.npz + fields.json) from training form families only.

    intake train fields [--count 900] [--old-count 150] [--seed 7] [--workdir var/fields] [--corrections FILE]

Training documents are drawn from the training form families (intake_lab/synth/forms) and from
intake's own layouts (intake_lab/synth/corpus.py), printed text grouped into detector lines with
simulated OCR noise on half of them (fields_data.py). The held-out families are never drawn here.

Per field, a logistic regression scores the candidates of its kind (candidates.py) from hashed
features (features.py). A candidate is a positive when its value is the field's and it stands
where the truth says; one with the right value elsewhere (the total printed twice) is left out of
training, neither right nor wrong.

Confidence: the training families are split in two by family; the scorer fitted on one half ranks
the other half's candidates, and a small logistic model maps the winner's score and its lead over
the runner-up to the probability that the winner is right. The shipped scorer is then fitted on all
training families. Reviewer corrections (`--corrections`, the service's
/v1/review/field-corrections.jsonl) add their documents' pages with the corrected value as truth,
weighted up, since they show the layouts the service really sees.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from intake.elements.page import OcrPage
from intake.extract.candidates import FIELD_KIND, Candidate
from intake.extract.extractor import scorer_labels
from intake.extract.features import DIM
from intake.extract.scorer import FieldModel, Scorer, calibration_inputs, featurize, learned_fields
from intake.vocabulary import DocType
from intake_lab.train.fields_data import Sample, cached, forms_samples, old_samples, realistic

VERSION = "fields-1"
C = 0.5
CORRECTION_WEIGHT = 5.0
# Folds by family for the calibration's out-of-family scores: with two, each scorer saw half the
# families and the calibration came out pessimistic for the scorer fitted on all (on held-out
# training families, values given 0.3 were right 72% of the time); three is the cost compromise.
FOLDS = 3
# The least calibrated confidence at which a value is returned rather than left absent: a value
# right more often than not is worth a reviewer's look; the review line (0.80) is far above it.
MIN_RETURN = 0.2
# The least raw scorer score at which the best candidate is a reading at all: below it the scorer
# believed no candidate, and the calibrator, which never saw a field absent from its page (training
# pages print every field), can still put it at 0.6 (an invoice whose number was blanked returned
# another number of the page, score 0.013, at a reported 0.49). Train families, seed 101, 200
# documents: the 7 values scored under 0.1 were all wrong, 4 of the 5 between 0.1 and 0.2 right.
MIN_SCORE = 0.1


def _norm(name: str, value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(" ", "")
    return value


def _overlap(box: list[int] | tuple[int, ...] | None, c: Candidate) -> bool:
    if not box or box[2] <= box[0]:
        return True  # no box in the truth: the value alone decides
    x0, y0, x1, y1 = box
    a0, b0, a1, b1 = c.box
    return min(x1, a1) > max(x0, a0) and min(y1, b1) > max(y0, b0)


@dataclass
class FieldRows:
    """One field's training rows: hashed features, labels, weights, and which document each is of."""

    idx: list[list[int]] = field(default_factory=list)
    y: list[int] = field(default_factory=list)
    w: list[float] = field(default_factory=list)
    doc: list[int] = field(default_factory=list)
    v: list[Any] = field(default_factory=list)  # the candidate's value
    ocr: list[float] = field(default_factory=list)  # OCR's confidence in its characters
    quality: list[float] = field(default_factory=list)  # below 1 when read past OCR noise


def _matrix(idx: list[list[int]]) -> sparse.csr_matrix:
    indptr = np.zeros(len(idx) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(i) for i in idx])
    cols = np.fromiter((j for i in idx for j in i), dtype=np.int32, count=int(indptr[-1]))
    data = np.ones(len(cols), dtype=np.float32)
    return sparse.csr_matrix((data, cols, indptr), shape=(len(idx), DIM))


def fit(
    rows: dict[str, FieldRows], keep: Callable[[int], bool] = lambda d: True
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Per value kind, one logistic regression over all its fields at once: every feature has a
    weight shared by the kind's fields and one of its own per field (multi-task, Evgeniou and Pontil
    2004). What one field teaches of its kind carries to the others: a name under 姓名 is as much an
    employee's on a form as a patient's on a record, though only records train patient_name's 姓名.
    A field's weights are stored as the sum, so scoring is one dot product per field."""
    weights: dict[str, np.ndarray] = {}
    bias: dict[str, float] = {}
    kinds: dict[str, list[str]] = defaultdict(list)
    for name in sorted(rows):
        kinds[FIELD_KIND[name]].append(name)
    for names in kinds.values():
        parts = []
        for name in names:
            fr = rows[name]
            sel = [i for i, d in enumerate(fr.doc) if keep(d)]
            if sel:
                parts.append((name, _matrix([fr.idx[i] for i in sel]), [fr.y[i] for i in sel], [fr.w[i] for i in sel]))
        if not parts:
            continue
        y = np.concatenate([np.array(p[2]) for p in parts])
        if y.sum() == 0:
            continue
        used = np.unique(np.concatenate([p[1].indices for p in parts]))
        u = len(used)
        if y.sum() == len(y):
            # Every candidate of the kind was right (one ID number a page): nothing to rank.
            for name, *_ in parts:
                weights[name] = np.zeros(DIM, dtype=np.float32)
                bias[name] = 4.0
            continue
        blocks = []
        for i, (_, X, _, _) in enumerate(parts):
            Xu = X[:, used]
            row = [Xu] + [
                Xu if j == i else sparse.csr_matrix((Xu.shape[0], u), dtype=np.float32) for j in range(len(parts))
            ]
            blocks.append(sparse.hstack(row, format="csr"))
        big = sparse.vstack(blocks, format="csr")
        model = LogisticRegression(C=C, solver="liblinear", max_iter=300)
        model.fit(big, y, sample_weight=np.concatenate([np.array(p[3]) for p in parts]))
        coef = model.coef_[0]
        for i, (name, *_) in enumerate(parts):
            w = np.zeros(DIM, dtype=np.float32)
            w[used] = coef[:u] + coef[u * (i + 1) : u * (i + 2)]
            weights[name] = w
            bias[name] = float(model.intercept_[0])
    return weights, bias


def _top2(scores: list[tuple[float, Any]]) -> tuple[float, Any, float]:
    scores = sorted(scores, key=lambda s: -s[0])
    p1, v1 = scores[0]
    p2 = next((p for p, v in scores[1:] if v != v1), 1e-4)
    return p1, v1, p2


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@dataclass
class Decision:
    """One out-of-family (document, field) decision, with what the calibration reads of it."""

    name: str
    p1: float  # the winner's score
    p2: float  # the best rival's of another value
    known: float  # the share of the winner's features the model knows
    close: int  # rivals of another value scoring at least half the winner's
    ocr: float  # OCR's confidence in the winner's characters
    quality: float  # below 1 when they were read past OCR noise
    family: str
    ok: int  # whether the winner was right


def out_of_fold(rows: dict[str, FieldRows], docs: dict[int, dict[str, Any]]) -> list[Decision]:
    """Per document and field, the decision of a model fitted on the other folds of the training
    families, with what the calibration reads of it (scorer.calibration_inputs)."""
    fams = sorted({d["family"] for d in docs.values()})
    random.Random(1).shuffle(fams)
    fold_of = {f: i % FOLDS for i, f in enumerate(fams)}
    out: list[Decision] = []
    for fold in range(FOLDS):

        def keep(d: int, fold: int = fold) -> bool:
            return fold_of[docs[d]["family"]] != fold

        w, b = fit(rows, keep)
        for name, fr in rows.items():
            if name not in w:
                continue
            by_doc: dict[int, list[tuple[float, Any, float, int]]] = defaultdict(list)
            for i, d in enumerate(fr.doc):
                if fold_of[docs[d]["family"]] != fold:
                    continue
                ws = w[name][fr.idx[i]]
                z = float(ws.sum()) + b[name]
                known = float(np.count_nonzero(ws)) / max(len(ws), 1)
                by_doc[d].append((1 / (1 + math.exp(-max(min(z, 30), -30))), fr.v[i], known, i))
            for d, sc in by_doc.items():
                if docs[d]["family"].startswith("old:"):
                    # intake's own layouts train the scorer but do not calibrate it: the documents
                    # the service has not seen are like the form families. Measured out of family
                    # (2026-12-01): with them 127 of 8548 winners given >= 0.80 were wrong (1.5%),
                    # on the form families alone 112 of 7021 (1.6%).
                    continue
                sc.sort(key=lambda t: -t[0])
                p1, v1, known, i = sc[0]
                p2, close = calibration_inputs(p1, v1, [(p, v) for p, v, _, _ in sc[1:]])
                ok = int(v1 == docs[d]["truth"].get(name))
                fam = docs[d]["family"]
                out.append(Decision(name, p1, p2, known, close, fr.ocr[i], fr.quality[i], fam, ok))
    return out


def _calibration_matrix(oof: list[Decision], names: list[str], kinds: list[str]) -> np.ndarray:
    col = {n: i for i, n in enumerate(names)}
    kcol = {k: i for i, k in enumerate(kinds)}
    base = 6 + len(kinds)
    X = np.zeros((len(oof), base + len(names)))
    for r, d in enumerate(oof):
        z1 = _logit(d.p1)
        X[r, 0] = z1
        X[r, 1] = z1 - _logit(d.p2)
        X[r, 2] = d.known
        X[r, 3] = math.log1p(d.close)
        X[r, 4] = _logit(min(d.ocr, 0.999))
        X[r, 5] = float(d.quality < 1)
        X[r, 6 + kcol[FIELD_KIND[d.name]]] = z1
        X[r, base + col[d.name]] = 1.0
    return X


def calibrate(oof: list[Decision], log: Callable[[str], None] = print) -> tuple[dict[str, np.ndarray], float]:
    """confidence = sigmoid(a_kind z1 + b (z1 - z2) + c_field + d known + e log(1 + close)
    + f logit(ocr) + g repaired), z the logits of the winner's and the runner-up's scores, known
    the share of the winner's features the model has a weight for (a label the training never
    printed leaves it low), close the rivals of another value scoring at least half the winner's,
    ocr OCR's confidence in the winner's characters and repaired whether they were read past OCR
    noise: slopes shared by the fields of a value kind, an intercept of each field's own (a
    patient's name scored 0.9 is right more often than an admission date scored 0.9, which may be
    absent). Per-field slopes were tried and dropped: with a few dozen documents a field, one
    unlucky fold taught invoice_number that 0.98 meant 0.4. Per-kind slopes and OCR's confidence
    were added (2026-12-01) because, out of family, a low winner was given 0.90 whatever its kind
    (patient_name's intercept lifted a score of 0.13 to 0.90) and OCR's confidence was only a cap:
    on the pseudo-held-out records of 900 training documents, at the same share of values kept
    above the line (80%), 13 wrong values instead of 34. Stored per field as (a_kind, b, c_field,
    d, e, f, g), and as `_all` (shared slopes and intercept) for a field without its own.

    Also returns the review cut (review_cut)."""
    names = sorted({d.name for d in oof})
    kinds = sorted({FIELD_KIND[n] for n in names})
    X = _calibration_matrix(oof, names, kinds)
    y = np.array([d.ok for d in oof])
    if len(y) < 20 or y.sum() in (0, len(y)):
        return {}, 0.0
    m = LogisticRegression(C=1.0, max_iter=2000).fit(X, y)
    shared = LogisticRegression(C=1.0, max_iter=2000).fit(X[:, :6], y)
    eps = 1e-9
    for label, model, cols in (("shared slopes and intercept", shared, 6), ("per kind and field", m, X.shape[1])):
        p = model.predict_proba(X[:, :cols])[:, 1]
        loss = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
        log(f"calibration on out-of-family scores, {label}: log loss {loss:.4f} over {len(y)} (document, field) pairs")
    cut = review_cut(oof, X, y, log)
    coef = m.coef_[0]
    sc = shared.coef_[0]
    out = {"_all": np.array([sc[0], sc[1], shared.intercept_[0], sc[2], sc[3], sc[4], sc[5]])}
    for n in names:
        k = kinds.index(FIELD_KIND[n])
        out[n] = np.array(
            [coef[0] + coef[6 + k], coef[1], m.intercept_[0] + coef[6 + len(kinds) + names.index(n)], *coef[2:6]]
        )
    return out, cut


# The review line (intake's threshold: a value under it goes to a reviewer) and the share of
# wrong values the reported confidence may leave above it, out of family.
REVIEW_LINE = 0.80
REVIEW_WRONG = 0.001


def review_cut(oof: list[Decision], X: np.ndarray, y: np.ndarray, log: Callable[[str], None] = print) -> float:
    """The calibrated probability at which a value is reported at the review line: the lowest at
    which, calibrated on the other families (a second fold by family inside the out-of-family
    decisions), no more than REVIEW_WRONG of the values above it were wrong. A calibrated
    probability says how often values like it are right on average; a reviewer trusts every value
    above the line, so the line must sit where wrong values are rare, not where they are one in
    five (on the form families' pseudo-held-out run, 29 of 6829 values given 0.80 or more were
    wrong, nine in ten of them given 0.80-0.95)."""
    fams = sorted({d.family for d in oof})
    random.Random(2).shuffle(fams)
    fold_of = {f: i % FOLDS for i, f in enumerate(fams)}
    fold = np.array([fold_of[d.family] for d in oof])
    p = np.zeros(len(y))
    for k in range(FOLDS):
        tr = fold != k
        if y[tr].sum() in (0, tr.sum()) or not (~tr).any():
            return 0.0
        p[~tr] = LogisticRegression(C=1.0, max_iter=2000).fit(X[tr], y[tr]).predict_proba(X[~tr])[:, 1]
    order = np.argsort(-p)
    wrong = np.cumsum(1 - y[order])
    kept = np.arange(1, len(y) + 1)
    ok = np.flatnonzero(wrong <= REVIEW_WRONG * kept)
    if len(ok) == 0:
        return 0.0
    n = int(ok[-1])
    cut = max(float(p[order][n]), REVIEW_LINE)
    above = p >= cut
    log(
        f"  review cut: calibrated {cut:.4f} is reported at {REVIEW_LINE:.2f}; above it {int(above.sum())} of"
        f" {len(y)} out-of-family winners ({above.mean():.1%}), wrong {int((above & (y == 0)).sum())}"
        f" (at a calibrated 0.80: {int((p >= 0.8).sum())}, wrong {int(((p >= 0.8) & (y == 0)).sum())})"
    )
    return cut


def load_field_corrections(path: Path) -> list[Sample]:
    """Reviewer corrections as training documents: the stored pages with the corrected values as truth."""
    by_doc: dict[str, dict[str, Any]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            doc_id = str(row["document_id"])
            entry = by_doc.setdefault(
                doc_id, {"doc_type": DocType(row["doc_type"]), "pages": row["pages"], "truth": {}}
            )
            entry["truth"][row["field"]] = {
                "value": row["value"],
                "page": int(row.get("page") or 1),
                "box": row.get("box"),
            }
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a field correction row ({exc})") from None
    out = []
    for doc_id, e in by_doc.items():
        pages = [OcrPage.from_json(p) for p in e["pages"]]
        out.append(Sample(e["doc_type"], f"correction:{doc_id}", pages, e["truth"]))
    return out


# Real OCR's silent failures (fields_data.realistic) added to the degraded training documents.
REALISTIC_NOISE = False

CHUNK = 50  # documents drawn and cached together, so that an interrupted draw keeps what it drew


def training_documents(workdir: Path, count: int, seed: int) -> list[Sample]:
    out: list[Sample] = []
    for k in range((count + CHUNK - 1) // CHUNK):
        n = min(CHUNK, count - k * CHUNK)
        name = f"forms-train-{seed}-{k:02d}" + ("" if n == CHUNK else f"-{n}")
        out += cached(workdir / "chunks" / f"{name}.jsonl", forms_samples(n, seed, "train", start=k * CHUNK))
    return out


def train(
    out: Path,
    workdir: Path,
    *,
    count: int = 900,
    old_count: int = 150,
    seed: int = 7,
    corrections: Path | None = None,
    realistic_noise: bool = REALISTIC_NOISE,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    t0 = time.time()
    forms = training_documents(workdir, count, seed)
    old = cached(workdir / f"old-{seed}-{old_count}.jsonl", old_samples(old_count, seed))
    if realistic_noise:
        forms = [realistic(s, i) for i, s in enumerate(forms)]
        old = [realistic(s, len(forms) + i) for i, s in enumerate(old)]
    extra = load_field_corrections(corrections) if corrections else []
    took = time.time() - t0
    log(f"{len(forms)} training-family documents, {len(old)} of intake's layouts, {len(extra)} corrected ({took:.0f}s)")
    rows, docs = build(forms + old, extra)
    log(f"features: {sum(len(fr.y) for fr in rows.values())} (field, candidate) rows ({time.time() - t0:.0f}s)")
    oof = out_of_fold(rows, docs)
    calib, cut = calibrate(oof, log)
    weights, bias = fit(rows)
    # The diagnosis reader's disease-name model (dxterms.py) travels in the same artifact.
    from intake.extract.dxterms import TERM_FIELD
    from intake_lab.train.fields_dx import fit_terms, icd_source

    weights[TERM_FIELD], bias[TERM_FIELD], term_info = fit_terms(forms + old)
    log(f"disease-name model: {term_info} from {icd_source().name} ({time.time() - t0:.0f}s)")
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in oof:
        acc[d.name][0] += d.ok
        acc[d.name][1] += 1
    card = {
        "version": VERSION,
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "intake train fields" + (f" --corrections {corrections.name}" if corrections else ""),
        "seed": seed,
        "training_families": sorted({d["family"] for d in docs.values()}),
        "documents": len(docs),
        "corrections": len(extra),
        "min_return": MIN_RETURN,
        "min_score": MIN_SCORE,
        "review_cut": {"p": round(cut, 4), "line": REVIEW_LINE, "wrong_share": REVIEW_WRONG} if cut else {},
        "out_of_fold_top1": {k: round(a / n, 4) for k, (a, n) in sorted(acc.items())},
        "disease_names": {**term_info, "source": icd_source().name},
        "held_out": {},
    }
    model = FieldModel(weights, bias, calib, card)
    model.save(out)
    log(f"wrote {out}/fields.npz and fields.json ({time.time() - t0:.0f}s)")
    return card


def build(samples: list[Sample], corrections: list[Sample]) -> tuple[dict[str, FieldRows], dict[int, dict[str, Any]]]:
    """Rows for every field and the documents' family and truth."""
    rows: dict[str, FieldRows] = defaultdict(FieldRows)
    docs: dict[int, dict[str, Any]] = {}
    labels = scorer_labels()
    for weight, group in ((1.0, samples), (CORRECTION_WEIGHT, corrections)):
        for s in group:
            n = len(docs)
            names = learned_fields(s.doc_type)
            doc = featurize(s.doc_type, s.pages, {FIELD_KIND[x] for x in names}, labels.get(s.doc_type, ()))
            docs[n] = {"family": s.family, "doc_type": str(s.doc_type), "truth": {}, "noisy": s.noisy}
            for name in names:
                kind = FIELD_KIND[name]
                want = s.truth.get(name)
                wv = _norm(name, want["value"]) if want else None
                docs[n]["truth"][name] = wv
                fr = rows[name]
                for c, idx in zip(doc.by_kind.get(kind, []), doc.idx.get(kind, []), strict=True):
                    cv = _norm(name, c.value)
                    right = wv is not None and cv == wv
                    if right and want is not None and not (c.page == want["page"] and _overlap(want.get("box"), c)):
                        continue
                    fr.idx.append(idx)
                    fr.y.append(int(right))
                    fr.w.append(weight)
                    fr.doc.append(n)
                    fr.v.append(cv)
                    fr.ocr.append(c.conf)
                    fr.quality.append(c.quality)
    return rows, docs


def summary(card: dict[str, Any]) -> str:
    lines = [f"{card['version']}: {card['documents']} documents, {len(card['training_families'])} training families"]
    for k, v in card["out_of_fold_top1"].items():
        lines.append(f"  {k:24} out-of-family top-1 {v:.3f}")
    return "\n".join(lines)


__all__ = ["Scorer", "summary", "train"]
