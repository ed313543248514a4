"""Choose the model's options and the `other` threshold without looking at the held-out pages.

    python -m intake_lab.train.doc_types_choices [--count 400] [--workdir var/classify] [--option c=16 ...]

The held-out test measures layouts and a font the model never saw. The same question is asked of
the training corpus alone: each training layout whose type has three or more training layouts is
left out in turn (trained on the rest, measured on it), and so is each training font. The pooled
out-of-fold predictions give the validation accuracy, Brier score and the `other` threshold;
options are compared on those, and the held-out pages are measured once, by `intake classify train`.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from intake.classify.classifier import settings
from intake.classify.features import nothing_to_read
from intake.classify.model import ModelOptions, fit
from intake.vocabulary import DocType
from intake_lab.synth.layouts import LAYOUTS, load_all
from intake_lab.train.doc_types import LabelledPage, corpus_specs, load_corpus


def folds(pages: list[LabelledPage]) -> list[tuple[str, np.ndarray]]:
    """(name, mask of the pages left out) for every layout and every font that can be left out."""
    load_all()
    layouts = sorted({p.layout for p in pages if p.layout})
    by_type = Counter(LAYOUTS[n].doc_type for n in layouts)
    out = []
    for name in layouts:
        # As the held-out test (settings.yaml): only a type with three or more layouts gives one
        # up, so that two remain to learn the type from. With fewer, the fold measures only that
        # the model cannot know a type from one unlike layout, whatever the options.
        # Nor an `other` layout: nothing teaches that an ID card is `other` but its own pages (a lab
        # report is not like it), and the held-out test keeps every `other` layout in training.
        doc_type = LAYOUTS[name].doc_type
        if by_type[doc_type] >= 3 and doc_type != DocType.OTHER:
            out.append((f"layout:{name}", np.array([p.layout == name for p in pages])))
    for fam in sorted({p.family for p in pages if p.family}):
        out.append((f"font:{fam}", np.array([p.family == fam for p in pages])))
    return out


@dataclass
class OutOfFold:
    """Per kind of fold (layout, font): the left-out pages' indices and their probabilities."""

    classes: list[str]
    index: list[int] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)


def out_of_fold(pages: list[LabelledPage], options: ModelOptions) -> dict[str, OutOfFold]:
    feats = [p.features for p in pages]
    labels = [p.doc_type for p in pages]
    classes = sorted(set(labels))
    got: dict[str, OutOfFold] = {}
    for name, held in folds(pages):
        train_idx, test_idx = np.flatnonzero(~held), np.flatnonzero(held)
        model = fit(
            [feats[i] for i in train_idx],
            [labels[i] for i in train_idx],
            {},
            options,
            [pages[i].family for i in train_idx],
        )
        probs = model.predict_proba([feats[i] for i in test_idx])
        # One class order for all folds, should a fold's training lack a class.
        full = np.zeros((len(test_idx), len(classes)))
        for j, c in enumerate(model.classes):
            full[:, classes.index(c)] = probs[:, j]
        oof = got.setdefault(name.split(":")[0], OutOfFold(classes))
        oof.index.extend(int(i) for i in test_idx)
        oof.rows.append(full)
    return got


def score(pages: list[LabelledPage], oof: OutOfFold, other_below: float) -> dict[str, Any]:
    probs = np.vstack(oof.rows)
    truths = [pages[i].doc_type for i in oof.index]
    calls = []
    for i, row in zip(oof.index, probs, strict=True):
        best = int(row.argmax())
        # As Classifier.predict_pages: nothing read, or too unsure, is `other`.
        unsure = nothing_to_read(pages[i].features) or row[best] < other_below
        calls.append("other" if unsure else oof.classes[best])
    onehot = np.array([[1.0 if t == c else 0.0 for c in oof.classes] for t in truths])
    right = [t == g for t, g in zip(truths, calls, strict=True)]
    errors = [
        f"{pages[i].file}:{pages[i].page} {t}->{g}" for i, t, g in zip(oof.index, truths, calls, strict=True) if t != g
    ]
    return {
        "pages": len(truths),
        "accuracy": float(np.mean(right)),
        "brier": float(((probs - onehot) ** 2).sum(axis=1).mean()),
        "errors": sorted(set(errors)),
    }


def validate(pages: list[LabelledPage], options: ModelOptions, thresholds: list[float]) -> dict[str, Any]:
    t = time.perf_counter()
    oof = out_of_fold(pages, options)
    report: dict[str, Any] = {"options": dataclasses.asdict(options), "pages": len(pages)}
    for thr in thresholds:
        row = {kind: score(pages, o, thr) for kind, o in oof.items()}
        report[f"other_below={thr}"] = {"mean_accuracy": float(np.mean([r["accuracy"] for r in row.values()])), **row}
    report["seconds"] = time.perf_counter() - t
    return report


def _parse_option(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, default=Path("var/classify"))
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--option", action="append", default=[], help="a ModelOptions field, e.g. c=16")
    ap.add_argument("--thresholds", default="", help="comma-separated `other` thresholds to compare")
    args = ap.parse_args()
    spec = corpus_specs(args.count, 10, args.seed)["train"]
    pages = load_corpus(args.workdir / "train", spec)
    options = dataclasses.replace(ModelOptions(), **dict(map(_parse_option, args.option)))
    thresholds = [float(x) for x in args.thresholds.split(",") if x] or [settings().other_below]
    print(json.dumps(validate(pages, options, thresholds), indent=1))


if __name__ == "__main__":
    main()
