"""Diagnosis lists on the form families, without OCR: how often the list read is exactly the list
printed (names in order), per family and clean/noisy (the simulated OCR noise of
intake_lab/train/fields_data.py).

    PYTHONPATH=. .venv/bin/python intake_lab/bench/diagnoses.py --split train      # tune here
    PYTHONPATH=. .venv/bin/python intake_lab/bench/diagnoses.py --split heldout    # report only
    PYTHONPATH=. .venv/bin/python intake_lab/bench/diagnoses.py --split train --show 10

--show prints the misread documents' lines; it refuses on held-out families, whose pages are
measured and never looked at.

--vary redraws the training families' diagnosis blocks the way other hospitals print them: the
list's label, the table's column heads and columns, the list style, numbering and joiner drawn from
the world's wordings below (written from how Chinese hospitals word these forms, not from any
held-out page), so that a reader fitted to the training families' few wordings shows it on train.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from dataclasses import replace
from typing import Any

from intake.extract.extractor import Extractor
from intake_lab.train.fields_data import Sample, forms_samples


def _squeeze(names: list[str]) -> list[str]:
    return [n.replace(" ", "") for n in names]


# Wordings of the world for a diagnosis block (see --vary).
DX_LABELS = [
    "诊断", "临床诊断", "诊断意见", "诊断结果", "疾病诊断", "最后诊断", "确定诊断", "主要诊断", "诊断结论",
    "西医诊断", "医师诊断", "诊断名称", "疾病名称", "病名", "诊断情况", "出院时诊断", "目前诊断", "确诊",
]  # fmt: skip
DX_NAME_HEADS = ["诊断名称", "疾病名称", "诊断", "病名", "诊断内容", "疾病诊断", "出院诊断", "名称"]
DX_CODE_HEADS = ["ICD-10", "ICD编码", "疾病编码", "诊断编码", "编码", "ICD10", "疾病代码", "ICD-10编码"]
DX_OUTCOME_HEADS = ["转归", "治疗结果", "疗效", "出院情况"]
DX_CONDITION_HEADS = ["入院病情", "病情"]
DX_TYPE_HEADS = ["诊断类型", "类别", "诊断类别"]
DX_STYLES = ["code_after", "coded", "inline", "lines", "table", "table_caption"]


def _vary(spec: Any, rng: random.Random) -> Any:
    """The copy's diagnosis block reworded and rearranged (clinical documents only)."""
    if spec.family.doc_type.value not in ("discharge", "diagnosis"):
        return spec
    labels, choice = dict(spec.labels), dict(spec.choice)
    for key in ("dx", "dis_dx"):
        if key in labels and (key == "dx" or rng.random() < 0.5):
            labels[key] = rng.choice(DX_LABELS)
    labels["dx_name"] = rng.choice(DX_NAME_HEADS)
    labels["dx_code"] = rng.choice(DX_CODE_HEADS)
    labels["dx_outcome"] = rng.choice(DX_OUTCOME_HEADS)
    labels["dx_condition"] = rng.choice(DX_CONDITION_HEADS)
    labels["dx_type"] = rng.choice(DX_TYPE_HEADS)
    labels.setdefault("dx_no", "序号")
    styles = DX_STYLES if spec.family.doc_type.value == "discharge" else [s for s in DX_STYLES if s != "code_after"]
    choice["dx"] = rng.choice(styles)
    extra = [c for c in ("dx_outcome", "dx_condition", "dx_type") if rng.random() < 0.35]
    cols = ["dx_name", "dx_code", *extra]
    rng.shuffle(cols)
    if rng.random() < 0.4:
        cols.insert(0, "dx_no")
    choice["dx_columns"] = cols
    choice["dx_numbering"] = rng.choice(["1.", "1、", "（1）", "(1)", "1)"])
    choice["dx_joiner"] = rng.choice(["；", "，", "、", ";"])
    choice["dx_brackets"] = rng.choice(["()", "[]", "（）"])
    choice["dx_own_line"] = rng.random() < 0.5
    return replace(spec, labels=labels, choice=choice)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("train", "heldout"), default="train")
    ap.add_argument("--documents", type=int, default=300, help="documents drawn (about 2 in 5 carry diagnoses)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--vary", action="store_true", help="reword and rearrange the diagnosis blocks (train only)")
    args = ap.parse_args(argv)
    if args.vary:
        if args.split == "heldout":
            print("--vary redraws the training families", file=sys.stderr)
            return 2
        from intake_lab.synth.forms import render as render_module
        from intake_lab.synth.forms.spec import sample as plain

        def varied(family: Any, rng: random.Random) -> Any:
            return _vary(plain(family, rng), rng)

        setattr(render_module, "sample", varied)  # noqa: B010 (the renderer's own name for it)
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
        got = [str(getattr(d, "text", d)) for d in f.value] if f is not None and isinstance(f.value, list) else []
        row = rows[(s.doc_type.value, s.family, s.noisy)]
        row[0] += 1
        row[1] += _squeeze(got) == _squeeze(want)
        row[2] += f is None
        if _squeeze(got) != _squeeze(want):
            wrong.append((s, want, got))
    total = sum(r[0] for r in rows.values())
    exact = sum(r[1] for r in rows.values())
    note = " (varied)" if args.vary else ""
    print(f"diagnosis lists, {args.split} form families{note}, seed {args.seed}:", end=" ")
    print(f"exact {exact}/{total} ({exact / total:.1%})")
    print(f"{'document':10} {'family':22} {'copy':6} {'docs':>5} {'exact':>6} {'none':>5}")
    for (doc_type, family, noisy), (n, ok, none) in sorted(rows.items()):
        print(f"{doc_type:10} {family:22} {'noisy' if noisy else 'clean':6} {n:5d} {ok:6d} {none:5d}")
    for s, want, got in wrong[: args.show]:
        print(f"---- {s.doc_type.value} {s.family} {'noisy' if s.noisy else 'clean'}\nwant {want}\ngot  {got}")
        print("\n".join("   | " + line.text for p in s.pages for line in p.lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
