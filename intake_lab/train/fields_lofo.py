"""A stand-in for the held-out gap, on training families only: leave families out.

    PYTHONPATH=. python -m intake_lab.train.fields_lofo [--count 600] [--old-count 100] [--seed 7]
        [--eval 300] [--eval-seed 101] [--brief] [--save DIR [--skip-eval]]

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

`--save DIR` also writes each fold's model as DIR/fold-K/, a whole model folder for
INTAKE_MODEL_DIR: a copy of the shipped one (intake.models.model_dir: classifier, seal verifier)
with fields.npz/fields.json replaced by fold K's scorer and calibrator, and the card naming the
families left out ("left_out"). intake_lab/bench/claims.py --forms train --fold K draws claims
only from those families, so that whole claims are read by a fields scorer that never saw their
layouts (the held-out gap of the CLAIMS benchmark, on training families). `--skip-eval` only fits
and saves.
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from intake.extract.dxterms import TERM_FIELD
from intake.extract.extractor import Extractor
from intake.extract.scorer import MODEL_NAME, FieldModel
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


def training_families() -> list[str]:
    """Every family the training draws deal into folds: the train form families and intake's own
    layouts ("old:<layout>"). forms_samples and old_samples go round-robin over them, so the
    default draw (600 + 100) holds each (27 + 12 at the time of writing) and fold_of over this
    list is the deal run() makes; claims.py --fold uses it to pick a fold's layouts."""
    from intake_lab.synth.forms.spec import DOC_TYPES, families
    from intake_lab.synth.layouts import load_all

    forms = [f.name for dt in DOC_TYPES for f in families(dt, "train")]
    old = [f"old:{n}" for n, lay in load_all().items() if lay.doc_type in DOC_TYPES]
    return sorted({*forms, *old})


def left_out(k: int) -> list[str]:
    """The train form families of fold k (not intake's own layouts: claims do not draw those)."""
    return sorted(f for f, i in fold_of(training_families()).items() if i == k and not f.startswith("old:"))


def save_fold(out: Path, k: int, model: FieldModel, kept: list[str]) -> None:
    """out: a copy of the runtime's model folder with fold k's field model in place of its own."""
    from intake.models import model_dir

    src = model_dir()
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(src, out, ignore=shutil.ignore_patterns(f"{MODEL_NAME}.npz", f"{MODEL_NAME}.json"))
    shipped = FieldModel.load(src).card
    card = {
        **shipped,
        **model.card,
        "command": "python -m intake_lab.train.fields_lofo --save",
        "training_families": kept,
        # The shipped card's held-out figures are the shipped scorer's, not this one's.
        "held_out": {},
        "left_out": {"fold": k, "folds": FOLDS, "families": left_out(k)},
    }
    FieldModel(model.weights, model.bias, model.calib, card).save(out)


def run(
    count: int,
    old_count: int,
    seed: int,
    eval_count: int,
    eval_seed: int,
    brief: bool,
    dump: Path | None = None,
    save: Path | None = None,
    skip_eval: bool = False,
) -> dict[str, Any] | str:
    t0 = time.time()
    work = Path("var/fields")
    forms = training_documents(work, count, seed)
    old = cached(work / f"old-{seed}-{old_count}.jsonl", old_samples(old_count, seed))
    rows, docs = build(forms + old, [])
    oof = out_of_fold(rows, docs)
    calib, cut = calibrate(oof, log=lambda s: None)
    fold = fold_of([d["family"] for d in docs.values()])
    if save is not None and fold != fold_of(training_families()):
        # claims.py --fold deals training_families(): a draw missing a family deals them otherwise.
        raise SystemExit(f"--save: the draw ({count}+{old_count}) does not hold every training family")
    if save is not None:
        print(f"documents, features, calibration: {time.time() - t0:.0f}s")
    evals: list[Sample] = []
    if not skip_eval:
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
        model = FieldModel(w, b, calib, card)
        if save is not None:
            save_fold(save / f"fold-{k}", k, model, sorted({docs[d]["family"] for d in docs if keep(d)}))
            print(f"fold {k}: saved {save / f'fold-{k}'} ({time.time() - t0:.0f}s)")
        if skip_eval:
            continue
        ex = Extractor(model=model)
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
    if skip_eval:
        return f"saved {FOLDS} fold model folders under {save} ({time.time() - t0:.0f}s)"
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
    ap.add_argument("--save", type=Path, help="write each fold's whole model folder as DIR/fold-K (INTAKE_MODEL_DIR)")
    ap.add_argument("--skip-eval", action="store_true", help="with --save: only fit and save, read no documents")
    a = ap.parse_args()
    if a.skip_eval and a.save is None:
        ap.error("--skip-eval only makes sense with --save")
    if a.dump:
        a.dump.write_text("", encoding="utf-8")
    print(run(a.count, a.old_count, a.seed, a.eval, a.eval_seed, a.brief, a.dump, a.save, a.skip_eval))


if __name__ == "__main__":
    main()
