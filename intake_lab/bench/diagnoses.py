"""Diagnosis lists on the form families, without OCR: how often the list read is exactly the list
printed (names in order), per family and clean/noisy (the simulated OCR noise of
intake_lab/train/fields_data.py).

    PYTHONPATH=. .venv/bin/python intake_lab/bench/diagnoses.py --split train      # tune here
    PYTHONPATH=. .venv/bin/python intake_lab/bench/diagnoses.py --split heldout    # report only
    PYTHONPATH=. .venv/bin/python intake_lab/bench/diagnoses.py --split train --show 10

--show prints the misread documents' lines; it refuses on held-out families, whose pages are
measured and never looked at.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from intake.extract.extractor import Extractor
from intake_lab.train.fields_data import Sample, forms_samples


def _squeeze(names: list[str]) -> list[str]:
    return [n.replace(" ", "") for n in names]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("train", "heldout"), default="train")
    ap.add_argument("--documents", type=int, default=300, help="documents drawn (about 2 in 5 carry diagnoses)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--show", type=int, default=0)
    args = ap.parse_args(argv)
    if args.show and args.split == "heldout":
        print("--show is for the train families: held-out pages are measured, never looked at", file=sys.stderr)
        return 2
    extractor = Extractor()
    rows: dict[tuple[str, str, bool], list[int]] = defaultdict(lambda: [0, 0, 0])  # documents, exact, none read
    wrong: list[tuple[Sample, list[str], list[str]]] = []
    for s in forms_samples(args.documents, args.seed, args.split):
        if "diagnoses" not in s.truth:
            continue
        want = [d["text"] for d in s.truth["diagnoses"]["value"]]
        f = extractor.extract(s.doc_type, s.pages).get("diagnoses")
        got = [d.text for d in f.value] if f is not None else []
        row = rows[(s.doc_type.value, s.family, s.noisy)]
        row[0] += 1
        row[1] += _squeeze(got) == _squeeze(want)
        row[2] += f is None
        if _squeeze(got) != _squeeze(want):
            wrong.append((s, want, got))
    total = sum(r[0] for r in rows.values())
    exact = sum(r[1] for r in rows.values())
    print(f"diagnosis lists, {args.split} form families, seed {args.seed}: exact {exact}/{total} ({exact / total:.1%})")
    print(f"{'document':10} {'family':22} {'copy':6} {'docs':>5} {'exact':>6} {'none':>5}")
    for (doc_type, family, noisy), (n, ok, none) in sorted(rows.items()):
        print(f"{doc_type:10} {family:22} {'noisy' if noisy else 'clean':6} {n:5d} {ok:6d} {none:5d}")
    for s, want, got in wrong[: args.show]:
        print(f"---- {s.doc_type.value} {s.family} {'noisy' if s.noisy else 'clean'}\nwant {want}\ngot  {got}")
        print("\n".join("   | " + line.text for p in s.pages for line in p.lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
