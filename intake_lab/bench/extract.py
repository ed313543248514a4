"""Field extraction benchmark: per-field precision, recall and F1, clean and degraded, and silent errors.

    .venv/bin/python intake_lab/bench/extract.py [--corpus DIR] [--threshold 0.85] [--route truth|classifier]

The corpus defaults to a held-out one generated with a seed the extractor was never tuned on
(var/extract-heldout, seed 4242, 96 files); OCR results are cached (intake_lab/bench/ocr_cache.py). Each truth
document is extracted from its own pages (`--route truth`, so that the figures are the extractor's)
or from the classifier's split (`--route classifier`, end to end).

  precision  correct values / values returned      recall  correct values / values on the page
  silent     values returned with confidence >= threshold that are wrong: the figure that matters,
             because a reviewer is told to trust every field not flagged.
A document counts as degraded when any of its pages is.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from typing import Any

from intake.elements.document import Field, value_to_json
from intake.extract.extractor import Extractor
from intake.vocabulary import FIELDS, DocType
from intake_lab.bench.ocr_cache import ocr_corpus
from intake_lab.synth.corpus import generate, load_truth

REPO = Path(__file__).resolve().parents[2]
HELD_OUT = REPO / "var" / "extract-heldout"


def same(name: str, got: Any, want: Any) -> bool:
    if name == "seal":
        return bool(got.get("present")) == bool(want.get("present"))
    if name == "seal.text":
        return got == want
    if name == "diagnoses":
        return [d["text"] for d in got] == [d["text"] for d in want]
    return got == want


def evaluate(corpus: Path, threshold: float, route: str, show: int, silent_only: bool = False) -> dict[str, Any]:
    truth = load_truth(corpus)
    ocr = ocr_corpus(corpus)
    extractor = Extractor()
    classifier = None
    if route == "classifier":
        from intake.classify.classifier import Classifier

        classifier = Classifier.load()
    # counts[(field, clean|degraded)] = [returned, correct, on_page, silent]
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    icd = [0, 0]
    flagged_right = [0, 0]  # right values below the threshold (review work that was not needed), right values
    wrong: list[str] = []
    for f in truth["files"]:
        result = ocr[f["file"]]
        by_page = {p.page: p for p in result.pages}
        predicted: dict[tuple[int, ...], tuple[DocType, dict[str, Field]]] = {}
        if classifier is not None:
            for d in classifier.classify(result.pages):
                predicted[tuple(d.pages)] = (d.doc_type, extractor.extract(d.doc_type, [by_page[n] for n in d.pages]))
        degraded_pages = {p["page"] for p in f["pages"] if p["degradations"]}
        for doc in f["documents"]:
            dt = DocType(doc["doc_type"])
            key = tuple(doc["pages"])
            if classifier is not None:
                got_type, fields = predicted.get(key, (None, {}))
                if got_type != dt:
                    fields = {}
            else:
                fields = extractor.extract(dt, [by_page[n] for n in doc["pages"]])
            kind = "degraded" if degraded_pages & set(doc["pages"]) else "clean"
            for name in (*FIELDS[dt], "seal.text"):
                if name == "seal.text":
                    # The ring text, scored apart from whether a seal was found at all.
                    w, g = doc["fields"].get("seal"), fields.get("seal")
                    want = {"value": w["value"]["text"]} if w and w["value"].get("text") else None
                    ring = g.seal.text if g is not None and g.seal is not None else None
                    got = Field(ring, g.confidence, g.page) if g is not None and ring else None
                else:
                    want = doc["fields"].get(name)
                    got = fields.get(name)
                c = counts[(name, kind)]
                if want is not None:
                    c[2] += 1
                if got is None:
                    continue
                c[0] += 1
                got_value = value_to_json(got.value)
                ok = want is not None and same(name, got_value, want["value"])
                if ok:
                    c[1] += 1
                    flagged_right[1] += 1
                    flagged_right[0] += got.confidence < threshold
                    if name == "diagnoses":
                        for g, w in zip(got_value, want["value"], strict=True):
                            icd[0] += 1
                            icd[1] += g.get("icd10") == w.get("icd10")
                elif got.confidence >= threshold:
                    c[3] += 1
                if not ok and len(wrong) < show and (not silent_only or got.confidence >= threshold):
                    w = want["value"] if want else "(absent)"
                    wrong.append(
                        f"{f['file']} p{doc['pages']} {name}: got {got_value!r} ({got.confidence:.2f} {got.reasons}) "
                        f"want {w!r} [{got.source_text}]"
                    )
    return {"counts": counts, "icd": icd, "wrong": wrong, "flagged_right": flagged_right}


def _prf(c: list[int]) -> tuple[float, float, float]:
    p = c[1] / c[0] if c[0] else 1.0
    r = c[1] / c[2] if c[2] else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def report(res: dict[str, Any], threshold: float) -> None:
    counts = res["counts"]
    names = sorted({n for n, _ in counts}, key=lambda n: n)
    print(f"{'field':24} | clean: P     R     F1   n  | degraded: P     R     F1   n  | silent (conf >= {threshold})")
    totals = {k: [0, 0, 0, 0] for k in ("clean", "degraded")}
    for n in names:
        cells = []
        silent = 0
        for kind in ("clean", "degraded"):
            c = counts.get((n, kind), [0, 0, 0, 0])
            totals[kind] = [a + b for a, b in zip(totals[kind], c, strict=True)]
            p, r, f = _prf(c)
            cells.append(f"{p:.3f} {r:.3f} {f:.3f} {c[2]:3d}")
            silent += c[3]
        print(f"{n:24} |   {cells[0]}  |   {cells[1]}    | {silent}")
    cells = []
    for kind in ("clean", "degraded"):
        p, r, f = _prf(totals[kind])
        cells.append(f"{p:.3f} {r:.3f} {f:.3f} {totals[kind][2]:3d}")
    silent = totals["clean"][3] + totals["degraded"][3]
    returned = totals["clean"][0] + totals["degraded"][0]
    print(f"{'all fields':24} |   {cells[0]}  |   {cells[1]}    | {silent} of {returned} values returned")
    fr = res["flagged_right"]
    if fr[1]:
        print(f"right values flagged for review anyway: {fr[0]}/{fr[1]} ({fr[0] / fr[1]:.3f})")
    icd = res["icd"]
    if icd[0]:
        print(f"ICD-10 codes right on correctly read diagnoses: {icd[1]}/{icd[0]} ({icd[1] / icd[0]:.3f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--threshold", type=float, default=None, help="review threshold (default: the claim rules')")
    ap.add_argument("--route", choices=("truth", "classifier"), default="truth")
    ap.add_argument("--show", type=int, default=0, help="print this many wrong values")
    ap.add_argument("--silent", action="store_true", help="print only the wrong values at or above the threshold")
    args = ap.parse_args()
    corpus = args.corpus
    if corpus is None:
        corpus = HELD_OUT
        if not (corpus / "truth.json").exists():
            generate(corpus, count=96, seed=4242)
    threshold = args.threshold
    if threshold is None:
        try:
            from intake.check.claim_rules import load_rules

            threshold = min(rule.review_threshold for rule in load_rules().claim_types.values())
        except (ImportError, AttributeError):
            threshold = 0.85
    res = evaluate(corpus, threshold, args.route, args.show, args.silent)
    print(f"corpus {corpus} ({args.route} routing), review threshold {threshold}")
    report(res, threshold)
    for line in res["wrong"]:
        print("  ", line)


if __name__ == "__main__":
    main()
