"""The page-quality gate against what the reader actually read: precision and recall of rejection.

    nice -n 10 .venv/bin/python intake_lab/bench/quality.py                  # held-out families
    nice -n 10 .venv/bin/python intake_lab/bench/quality.py --split train --seed 7 --sweep   # tuning

Pages come from the forms corpus's families of one split (intake_lab/synth/forms; the gate's
thresholds are tuned on `train` with another seed, and reported on `heldout`). Each document's first
page is rendered once, pristine, and then uploaded as:
  - good copies, one per document in turn: the pristine PNG, a phone photo, a grey scan, a 1-bit
    scan, a JPEG, an electronic invoice PDF (a PDF for the others);
  - poor copies: each kind of intake_lab.synth.degrade.POOR_KINDS in turn, at several severities,
    on a clean page, a phone photo or a grey scan in turn.
Every copy is read by the real reader (OcrPipeline, then the Extractor told the document's type),
and its key fields (KEY_FIELDS) compared with the truth. Truth "too poor to read": of the key
fields the pristine page is read right on, the copy loses any (also shown: loses at least half).
Pages whose pristine copy reads no key field say nothing of the copy and are left out. The gate
runs on the decoded image as ClaimReader runs it; its time is CPU time per page.

OCR results are cached under var/quality-cache/ by the sha256 of the file's bytes (the generator is
deterministic, so a second run reads no page again).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from intake.elements.document import value_to_json
from intake.elements.page import OcrPage
from intake.upload.files import open_file
from intake.vocabulary import DocType
from intake_lab.synth import degrade, files
from intake_lab.synth.case import make_case
from intake_lab.synth.corpus import _assemble
from intake_lab.synth.forms.corpus import INPATIENT_SHARE, _distinct_diagnoses, plan
from intake_lab.synth.forms.render import render

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "var" / "quality-cache"

# The fields a claim cannot go on without, per doc type: what "readable" means for this benchmark.
KEY_FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.INVOICE: ("total_amount", "issue_date", "hospital_name", "patient_name"),
    DocType.SETTLEMENT: ("total_amount", "hospital_name", "patient_name"),
    DocType.DISCHARGE: ("admission_date", "discharge_date", "patient_name"),
    DocType.DIAGNOSIS: ("patient_name", "hospital_name"),
    DocType.UNIT_CERTIFICATE: ("employee_name", "employer_name"),
}
GOOD = ("pristine", "photo", "scan_grey", "bilevel", "jpeg", "pdf")
BASES = ("clean", "photo", "scan")
SEVERITIES = (0.3, 0.6, 1.0)
# Kinds that happen to the paper, before it is photographed or scanned.
ON_PAPER = frozenset({"blank"})


@dataclass
class Copy:
    doc: str
    family: str
    doc_type: DocType
    kind: str  # a GOOD name, or a POOR_KINDS kind
    severity: float  # 0 for good copies
    base: str
    filename: str
    data: bytes

    @property
    def good(self) -> bool:
        return self.severity == 0


@dataclass
class Sample:
    copy: Copy
    wanted: dict[str, Any]  # key fields of the truth on the first page
    pristine: Copy


def _encode(img: Image.Image, fmt: str) -> bytes:
    return files.encode_image(img, fmt, quality=85)


def _base(img: Image.Image, base: str, rng: random.Random) -> Image.Image:
    if base == "photo":
        return degrade.apply(img, ["photo", "shadow"], rng).image
    if base == "scan":
        return degrade.apply(img, ["scan_grey", "noise"], rng).image
    return img


def samples(split: str, docs: int, seed: int, poor_per_doc: int) -> Iterator[Sample]:
    for n, p in enumerate(plan(docs, seed, split)):
        rng = random.Random(f"quality:{seed}:{split}:{n}")
        fam = p.family
        share = float(fam.get("inpatient", INPATIENT_SHARE[fam.doc_type]))
        case = _distinct_diagnoses(make_case(rng, inpatient=rng.random() < share))
        doc = render(fam, case, rng)
        images, _, documents = _assemble([doc], case, (), rng, f"q{seed}-{n}")
        page = images[0]
        wanted = {
            k: f["value"]
            for k, f in documents[0]["fields"].items()
            if k in KEY_FIELDS.get(fam.doc_type, ()) and f.get("page") == 1
        }
        if not wanted:
            continue  # a later page of the document holds its key fields
        name = f"{n:04d}-{fam.doc_type}-{fam.name}"

        def copy(kind: str, sev: float, base: str, data: bytes, ext: str, _n: str = name, _f: Any = fam) -> Copy:
            return Copy(_n, _f.name, _f.doc_type, kind, sev, base, f"{_n}-{kind}-{sev}-{base}{ext}", data)

        pristine = copy("pristine", 0, "clean", _encode(page, "png"), ".png")
        yield Sample(pristine, wanted, pristine)
        good = GOOD[1 + n % (len(GOOD) - 1)]
        if good == "photo":
            c = copy(good, 0, "photo", _encode(_base(page, "photo", rng), "jpeg"), ".jpg")
        elif good == "scan_grey":
            c = copy(good, 0, "scan", _encode(_base(page, "scan", rng), "jpeg"), ".jpg")
        elif good == "bilevel":
            grey = degrade.apply(page, ["scan_grey"], rng).image
            c = copy(good, 0, "scan", _encode(grey.point(lambda v: 255 if v > 150 else 0).convert("1"), "tiff"), ".tif")
        elif good == "jpeg":
            c = copy(good, 0, "clean", _encode(page, "jpeg"), ".jpg")
        else:
            c = copy(good, 0, "clean", files.encode_pdf([page]), ".pdf")
        yield Sample(c, wanted, pristine)
        for j in range(poor_per_doc):
            k = n * poor_per_doc + j
            kind = degrade.POOR_KINDS[k % len(degrade.POOR_KINDS)]
            sev = SEVERITIES[(k // len(degrade.POOR_KINDS)) % len(SEVERITIES)]
            base = BASES[(k // (len(degrade.POOR_KINDS) * len(SEVERITIES)) + n) % len(BASES)]
            img = page
            if kind in ON_PAPER:
                img = degrade.spoil(img, kind, sev, rng).image
            img = _base(img, base, rng)
            if kind not in ON_PAPER:
                img = degrade.spoil(img, kind, sev, rng).image
            yield Sample(copy(kind, sev, base, _encode(img, "jpeg"), ".jpg"), wanted, pristine)


def read(c: Copy, pipeline: Any, extractor: Any) -> dict[str, Any]:
    """The key fields the reader returns for a copy (values as JSON), from the cache or read now."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{hashlib.sha256(c.data).hexdigest()[:32]}.json"
    if path.exists():
        pages = [OcrPage.from_json(p) for p in json.loads(path.read_text(encoding="utf-8"))["pages"]]
    else:
        result = pipeline().read_file(c.data, c.filename)
        pages = result.pages
        path.write_text(json.dumps(result.to_json(), ensure_ascii=False), encoding="utf-8")
    fields = extractor().extract(c.doc_type, pages[:1])
    return {k: value_to_json(f.value) for k, f in fields.items() if k in KEY_FIELDS[c.doc_type]}


def right(got: dict[str, Any], wanted: dict[str, Any]) -> set[str]:
    return {k for k, v in wanted.items() if got.get(k) == v}


@dataclass
class Row:
    copy: Copy
    poor: bool  # the truth: a key field the pristine copy gives is lost
    lost_half: bool
    rejected: bool  # the gate
    issues: list[str]
    measures: dict[str, float]
    cpu_ms: float


def run(args: argparse.Namespace) -> list[Row]:
    from intake.extract.extractor import Extractor
    from intake.ocr.pipeline import OcrPipeline
    from intake.ocr.quality import QualityGate, load_thresholds

    loaded: dict[str, Any] = {}

    def pipeline() -> OcrPipeline:
        if "ocr" not in loaded:
            loaded["ocr"] = OcrPipeline()
        return loaded["ocr"]  # type: ignore[no-any-return]

    def extractor() -> Extractor:
        if "ex" not in loaded:
            loaded["ex"] = Extractor()
        return loaded["ex"]  # type: ignore[no-any-return]

    gate = QualityGate(load_thresholds(Path(args.thresholds)) if args.thresholds else None)
    reference: dict[str, set[str]] = {}
    rows = []
    left_out = 0
    for s in samples(args.split, args.docs, args.seed, args.poor):
        if s.copy is not s.pristine and not reference[s.copy.doc]:
            left_out += 1
            continue  # not read even pristine: its copies say nothing of the gate (and cost OCR)
        got = right(read(s.copy, pipeline, extractor), s.wanted)
        if s.copy is s.pristine:
            reference[s.copy.doc] = got
        ref = reference[s.copy.doc]
        opened = open_file(s.copy.data, s.copy.filename)
        page = next(iter(opened.pages()))
        t = time.process_time()
        quality = gate.assess(page.image)
        cpu = (time.process_time() - t) * 1000
        if not ref:
            left_out += 1
            continue
        kept = len(got & ref)
        rows.append(
            Row(
                s.copy,
                kept < len(ref),
                2 * kept <= len(ref),
                not quality.passed,
                [f.issue.value for f in quality.findings],
                gate.measure(page.image).as_dict(),
                cpu,
            )
        )
        if args.verbose:
            c = s.copy
            print(
                f"{c.filename:60s} kept {kept}/{len(ref)} gate {','.join(rows[-1].issues) or '-':20s} "
                + " ".join(f"{k}={v:.3g}" for k, v in rows[-1].measures.items()),
                file=sys.stderr,
            )
    print(f"pages whose pristine copy reads no key field (left out): {left_out}")
    return rows


def _pr(rows: list[Row], truth: str) -> str:
    tp = sum(r.rejected and getattr(r, truth) for r in rows)
    fp = sum(r.rejected and not getattr(r, truth) for r in rows)
    fn = sum(not r.rejected and getattr(r, truth) for r in rows)
    p = tp / (tp + fp) if tp + fp else float("nan")
    rc = tp / (tp + fn) if tp + fn else float("nan")
    return f"precision {p:.3f} ({tp}/{tp + fp})  recall {rc:.3f} ({tp}/{tp + fn})"


def report(rows: list[Row], split: str) -> None:
    print(f"\npage-quality gate on {len(rows)} pages of {split} families")
    print("truth 'too poor' = a key field read right on the pristine page is not read right on this copy")
    print(f"  rejection vs truth:                 {_pr(rows, 'poor')}")
    print(f"  rejection vs 'lost half the keys':  {_pr(rows, 'lost_half')}")
    print()
    head = f"{'kind':16s} {'sev':>5s} {'pages':>5s} {'poor':>5s} {'rejected':>8s} {'rej&poor':>8s} {'rej&ok':>6s}"
    head += f" {'missed':>6s}  own issue"
    print(head)
    print("-" * len(head))
    groups: dict[tuple[str, float], list[Row]] = defaultdict(list)
    for r in rows:
        groups[(r.copy.kind, r.copy.severity)].append(r)
    order = {k: i for i, k in enumerate((*GOOD, *degrade.POOR_KINDS))}
    for (kind, sev), rs in sorted(groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        own = sum(kind in r.issues for r in rs) if kind in degrade.POOR_KINDS else None
        print(
            f"{kind:16s} {sev:5.2f} {len(rs):5d} {sum(r.poor for r in rs):5d} {sum(r.rejected for r in rs):8d} "
            f"{sum(r.rejected and r.poor for r in rs):8d} {sum(r.rejected and not r.poor for r in rs):6d} "
            f"{sum(r.poor and not r.rejected for r in rs):6d}  {'' if own is None else own}"
        )
    good = [r for r in rows if r.copy.good]
    wrong = [r for r in good if r.rejected]
    print(f"\nundegraded pages wrongly rejected: {len(wrong)}/{len(good)}")
    for r in wrong:
        print(f"  {r.copy.filename}: {','.join(r.issues)}")
    readable = [r for r in rows if not r.poor]
    wrong_readable = [r for r in readable if r.rejected]
    print(f"readable pages (any copy) wrongly rejected: {len(wrong_readable)}/{len(readable)}")
    for r in wrong_readable:
        if not r.copy.good:
            print(f"  {r.copy.filename}: {','.join(r.issues)}")
    ms = sorted(r.cpu_ms for r in rows)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"gate CPU ms per page: median {statistics.median(ms):.1f}, p95 {p95:.1f} (max {ms[-1]:.1f})")


def sweep(rows: list[Row]) -> None:
    """Per measure, the threshold's effect alone: for tuning on train families only."""
    names = sorted({k for r in rows for k in r.measures})
    for name in names:
        vals = sorted({round(r.measures[name], 4) for r in rows if name in r.measures})
        print(f"\n{name}: poor / ok pages at or beyond each value (low side, high side)")
        qs = [vals[int(i * (len(vals) - 1) / 20)] for i in range(21)] if vals else []
        for v in qs:
            lo = [r for r in rows if r.measures.get(name, float("nan")) <= v]
            hi = [r for r in rows if r.measures.get(name, float("nan")) >= v]
            print(
                f"  {v:10.4g}  <=: poor {sum(r.poor for r in lo):4d} ok {sum(not r.poor for r in lo):4d}"
                f"   >=: poor {sum(r.poor for r in hi):4d} ok {sum(not r.poor for r in hi):4d}"
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="heldout", choices=("train", "heldout"))
    ap.add_argument("--seed", type=int, default=4242, help="train on another seed (7) than the report's")
    ap.add_argument(
        "--seeds",
        default="",
        help="comma-separated seeds whose pages are pooled into one table (tuning on train: 7,11), instead of --seed",
    )
    ap.add_argument("--docs", type=int, default=30, help="documents; each gives 2 good and --poor poor copies")
    ap.add_argument("--poor", type=int, default=3, help="poor copies per document")
    ap.add_argument("--thresholds", default="", help="a thresholds YAML other than the packaged one")
    ap.add_argument("--sweep", action="store_true", help="print each measure's split of poor and ok pages")
    ap.add_argument("--dump", default="", help="write every row as JSON lines here")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    # One sample of 150 pages flips a threshold's verdict on two or three pages: pooled seeds tell a
    # measure's effect from a seed's chance (train seeds 7 and 11 read the same page of the same
    # kind as poor on one seed and readable on the other).
    seeds = [int(x) for x in args.seeds.split(",")] if args.seeds else [args.seed]
    rows: list[Row] = []
    seed_of: list[int] = []
    for seed in seeds:
        args.seed = seed
        got = run(args)
        rows += got
        seed_of += [seed] * len(got)
    report(rows, args.split if len(seeds) == 1 else f"{args.split} (seeds {','.join(map(str, seeds))})")
    if args.sweep:
        sweep(rows)
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as out:
            for r, seed in zip(rows, seed_of, strict=True):
                c = r.copy
                rec = {"seed": seed, "file": c.filename, "kind": c.kind, "sev": c.severity, "base": c.base}
                rec["poor"] = r.poor
                rec |= {"lost_half": r.lost_half, "issues": r.issues, "measures": r.measures}
                out.write(json.dumps(rec) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
