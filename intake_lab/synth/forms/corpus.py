"""A corpus of form-family documents: files as members upload them, and truth.json.

The plan is a pure function of (seed, split, index): file i is of doc type i mod the types chosen,
and of that type's families of the split in turn, so that any count of a few times (types x
families) holds every family; its case, spec, drawing and degradation all come from
random.Random(f"forms:{seed}:{split}:{i}"), so a file never depends on the files before it and a
larger count only adds files. Degradations are dealt in decks of ten (three clean, seven of the
photo / scan / skew / grey / JPEG recipes of corpus.py), shuffled per deck, so that about 30% of
files are clean whatever the doc type. A document of several pages is written as one PDF.

truth.json has corpus.py's format, so that the benchmarks and the classifier's trainer read it,
plus: `split`, `doc_types` and `form_families` (each family of the corpus with its doc type, kind
and split) at the top; per document `form_family`, `form_kind` and `distractors` (label and text of
the labelled values printed that are of a field's kind but are not it: a hire date, 预交金, the
doctor; the item grids' per-item sums aside); per field `arrangement` (right, below, table, grid,
sentence; title, signature, list (a diagnosis list), inferred (a visit type told by the visit
number), seal) and `label` (the wording it was printed under, "" for none).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from intake.vocabulary import DocType
from intake_lab.synth import files, fonts
from intake_lab.synth.case import Case, Diagnosis, make_case
from intake_lab.synth.corpus import PNG_BUDGET, RECIPES, TRUTH_FILE, FileTruth, _assemble

from .render import render
from .spec import DOC_TYPES, Family, families

GENERATOR_VERSION = "forms-1"
DECK: tuple[str, ...] = (
    "clean",
    "clean",
    "clean",
    "photo",
    "scan",
    "skew",
    "photo_fold",
    "sideways",
    "upside",
    "sideways_left",
)
# How often a doc type's case is an inpatient stay when its family does not say (`inpatient`).
INPATIENT_SHARE = {
    DocType.INVOICE: 0.75,
    DocType.SETTLEMENT: 0.85,
    DocType.DISCHARGE: 1.0,
    DocType.DIAGNOSIS: 0.6,
    DocType.UNIT_CERTIFICATE: 0.8,
}
# Electronic invoices are downloaded as often as printed: a clean one is a PDF this often.
E_INVOICE_PDF = 0.3


@dataclass(frozen=True)
class FormPlan:
    index: int
    family: Family
    recipe: str


def plan(count: int, seed: int, split: str, doc_types: Sequence[DocType] | None = None) -> list[FormPlan]:
    types = tuple(doc_types or DOC_TYPES)
    pools = {dt: families(dt, split) for dt in types}
    empty = [str(dt) for dt, pool in pools.items() if not pool]
    if empty:
        raise ValueError(f"no {split} families for {', '.join(empty)}")
    out = []
    for i in range(count):
        dt = types[i % len(types)]
        pool = pools[dt]
        deck = list(DECK)
        random.Random(f"forms:{seed}:{split}:deck:{i // len(DECK)}").shuffle(deck)
        out.append(FormPlan(i, pool[(i // len(types)) % len(pool)], deck[i % len(DECK)]))
    return out


def _document_keys(document: dict[str, Any], notes: dict[str, Any], family: Family) -> None:
    document["form_family"] = family.name
    document["form_kind"] = family.kind
    document["distractors"] = notes.get("distractors", [])
    arrangement = notes.get("arrangement", {})
    label = notes.get("label", {})
    for name, fld in document["fields"].items():
        if name == "seal" and not fld["value"].get("present"):
            continue
        fld["arrangement"] = arrangement.get(name, "")
        fld["label"] = label.get(name, "")


def _distinct_diagnoses(case: Case) -> Case:
    """The case with one diagnosis per ICD-10 category: case.py may draw two names of one disease
    (高血压 and 高血压病) as two diagnoses, which no doctor writes in one list."""

    def distinct(dxs: list[Diagnosis]) -> list[Diagnosis]:
        seen: set[str] = set()
        out = []
        for d in dxs:
            if d.icd10[:3] not in seen:
                seen.add(d.icd10[:3])
                out.append(d)
        return out

    return replace(case, diagnoses=distinct(case.diagnoses), admission_diagnoses=distinct(case.admission_diagnoses))


def render_file(seed: int, split: str, p: FormPlan) -> tuple[str, bytes, dict[str, Any]]:
    """One planned file: its name, bytes and truth entry."""
    rng = random.Random(f"forms:{seed}:{split}:{p.index}")
    fam = p.family
    share = float(fam.get("inpatient", INPATIENT_SHARE[fam.doc_type]))
    case = _distinct_diagnoses(make_case(rng, inpatient=rng.random() < share))
    doc = render(fam, case, rng)
    kinds, fmt = RECIPES[p.recipe]
    images, pages, documents = _assemble([doc], case, kinds, rng, f"f{seed}-{split}-{p.index:04d}")
    _document_keys(documents[0], doc.notes, fam)
    stem = f"{p.index:04d}-{fam.doc_type}-{fam.name}-{p.recipe}"
    if len(images) > 1 or (fam.kind == "electronic" and p.recipe == "clean" and rng.random() < E_INVOICE_PDF):
        fmt = "pdf"
    if fmt == "pdf":
        return stem + ".pdf", files.encode_pdf(images), FileTruth(stem + ".pdf", "pdf", documents, pages).to_json()
    data = files.encode_image(images[0], fmt, quality=rng.randint(70, 85))
    if fmt == "png" and len(data) > PNG_BUDGET:
        # Tinted paper and photographed pages do not compress losslessly; an app saves them as JPEG.
        fmt = "jpeg"
        data = files.encode_image(images[0], fmt, quality=85)
    name = stem + files.FORMATS[fmt][1]
    return name, data, FileTruth(name, fmt, documents, pages).to_json()


def generate(
    out: Path,
    count: int,
    seed: int,
    *,
    split: str = "train",
    doc_types: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write count files and truth.json into out; returns the truth. Same arguments, same bytes."""
    if split not in ("train", "heldout", "all"):
        raise ValueError(f"split must be train, heldout or all, not {split!r}")
    try:
        types = [DocType(t) for t in doc_types] if doc_types else list(DOC_TYPES)
    except ValueError as exc:
        raise ValueError(f"unknown doc type: {exc}") from exc
    bad = [str(t) for t in types if t not in DOC_TYPES]
    if bad:
        raise ValueError(f"no form families for {', '.join(bad)}")
    plans = plan(count, seed, split, types)
    out.mkdir(parents=True, exist_ok=True)
    truth_files = []
    for p in plans:
        name, data, entry = render_file(seed, split, p)
        (out / name).write_bytes(data)
        truth_files.append(entry)
        if progress:
            progress(1)
    used = sorted(
        {p.family.name: p.family for p in plans}.values(), key=lambda f: (DOC_TYPES.index(f.doc_type), f.name)
    )
    truth = {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "count": count,
        "split": split,
        "doc_types": [str(t) for t in types],
        "layouts": sorted({f"forms_{f.kind}" for f in used}),
        "families": list(fonts.BODY_FAMILIES),
        "form_families": {f.name: {"doc_type": str(f.doc_type), "kind": f.kind, "split": f.split} for f in used},
        "files": truth_files,
    }
    (out / TRUTH_FILE).write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth
