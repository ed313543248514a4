"""A stand-in for the held-out gap, on training families only: leave families out.

    PYTHONPATH=. python -m intake_lab.train.fields_lofo [--count 600] [--old-count 100] [--seed 7]
        [--eval 300] [--eval-seed 101] [--brief]

The held-out families may be measured once, at the end; on the training families the shipped
scorer is near saturation (it was fitted on them), so a change that only helps the layouts it saw
looks as good there as one that generalizes. Here the training families are dealt into the same
three folds by family as the calibration's (train/fields.py out_of_fold); for each fold a scorer
is fitted on the other two folds (and intake's own layouts) and the whole extractor (rules,
scorer, cross-checks) reads fresh documents (another seed) of the fold's families, which that
scorer never saw. The figures are those of intake_lab/bench/fields.py: per-field P/R/F1 clean and
degraded, silent errors, the reliability table.

The confidence calibrator is the one fitted on all folds' out-of-family decisions (as shipped):
it saw the left-out fold's decisions, but as scored by the scorers that had not seen the fold, so
only the silent count leans slightly optimistic; F1 is the scorer's and the rules' alone.
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from intake.extract.dxterms import TERM_FIELD
from intake.extract.extractor import Extractor
from intake.extract.scorer import FieldModel
from intake_lab.bench.fields import evaluate, report
from intake_lab.train.fields import (
    FOLDS,
    MIN_RETURN,
    MIN_SCORE,
    REVIEW_LINE,
    build,
    calibrate,
    fit,
    out_of_fold,
    training_documents,
)
from intake_lab.train.fields_data import Sample, cached, forms_samples, old_samples


def fold_of(families: list[str]) -> dict[str, int]:
    """The same deal as out_of_fold's: families sorted, shuffled with seed 1, dealt round-robin."""
    fams = sorted(set(families))
    random.Random(1).shuffle(fams)
    return {f: i % FOLDS for i, f in enumerate(fams)}


def run(
    count: int, old_count: int, seed: int, eval_count: int, eval_seed: int, brief: bool, dump: Path | None = None
) -> dict[str, Any]:
    work = Path("var/fields")
    forms = training_documents(work, count, seed)
    old = cached(work / f"old-{seed}-{old_count}.jsonl", old_samples(old_count, seed))
    rows, docs = build(forms + old, [])
    oof = out_of_fold(rows, docs)
    calib, cut = calibrate(oof, log=lambda s: None)
    fold = fold_of([d["family"] for d in docs.values()])
    path = work / f"forms-train-{eval_seed}-{eval_count}.jsonl"
    evals = cached(path, forms_samples(eval_count, eval_seed, "train"))
    card = {
        "min_return": MIN_RETURN,
        "min_score": MIN_SCORE,
        "review_cut": {"p": cut, "line": REVIEW_LINE} if cut else {},
    }
    shipped = FieldModel.load()
    merged: dict[str, Any] = {"counts": defaultdict(lambda: [0, 0, 0, 0]), "conf": [], "ms": [], "wrong": []}
    for k in range(FOLDS):

        def keep(d: int, k: int = k) -> bool:
            fam = docs[d]["family"]
            return fam.startswith("old:") or fold[fam] != k

        w, b = fit(rows, keep)
        # The disease-name model is the shipped one (fitted on every training family's page
        # pieces as negatives): refitting it per fold costs a minute and diagnoses are read by rules.
        w[TERM_FIELD], b[TERM_FIELD] = shipped.weights[TERM_FIELD], shipped.bias[TERM_FIELD]
        ex = Extractor(model=FieldModel(w, b, calib, card))
        mine = [s for s in evals if fold.get(s.family, -1) == k]
        test = [(s.doc_type, s.pages, s.truth, s.noisy) for s in mine]
        res = evaluate(ex, test, 0.80)
        if dump is not None:
            _dump(ex, mine, dump)
        for key, c in res["counts"].items():
            merged["counts"][key] = [a + x for a, x in zip(merged["counts"][key], c, strict=True)]
        merged["conf"] += res["conf"]
        merged["ms"] += res["ms"]
        merged["wrong"] += res["wrong"]
    title = (
        f"left-out training families ({eval_count} documents, seed {eval_seed};"
        f" scorers of {count}+{old_count}, seed {seed})"
    )
    return report(title, merged, 0.80, not brief, 0)


def _dump(ex: Extractor, docs: list[Sample], path: Path) -> None:
    """Every wrong or missing key field of the left-out documents, one line each (train data only)."""
    from intake.elements.document import value_to_json
    from intake.vocabulary import FIELDS
    from intake_lab.bench.fields import same

    with path.open("a", encoding="utf-8") as fh:
        for s in docs:
            dt, truth, noisy = s.doc_type, s.truth, s.noisy
            got = ex.extract(dt, s.pages)
            for name in FIELDS[dt]:
                if name == "seal":
                    continue
                want = truth.get(name)
                g = got.get(name)
                gv = value_to_json(g.value) if g else None
                if want is None and g is None:
                    continue
                if want is not None and g is not None and same(name, gv, want["value"]):
                    continue
                src = want.get("source_text") if want else None
                conf = f"{g.confidence:.2f}" if g else "-"
                want_v = want["value"] if want else None
                row = [s.family, str(dt), name, "deg" if noisy else "clean", f"got={gv!r} {conf}", f"want={want_v!r}"]
                print("\t".join([*row, f"src={src!r}"]), file=fh)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=600)
    ap.add_argument("--old-count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--eval", type=int, default=300)
    ap.add_argument("--eval-seed", type=int, default=101)
    ap.add_argument("--brief", action="store_true")
    ap.add_argument("--dump", type=Path, help="append every wrong or missing key field here (train data only)")
    a = ap.parse_args()
    if a.dump:
        a.dump.write_text("", encoding="utf-8")
    print(run(a.count, a.old_count, a.seed, a.eval, a.eval_seed, a.brief, a.dump))


if __name__ == "__main__":
    main()
