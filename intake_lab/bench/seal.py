"""Seal benchmark: only the seal step, on every page of labelled corpora, in seconds.

    .venv/bin/python intake_lab/bench/seal.py [--corpus DIR ...] [--show 20] [--dump /tmp/seals]

The seal step reads the page the pipeline hands it: cut out of a photo, turned upright and
straightened. Getting there costs text detection (1-3 s a page), so the upright pages are made
once with the pipeline's own steps and kept as PNG under var/seal-cache/, keyed by the file's
bytes and the settings those steps use; after that a run only times read_seals.

Scored per page against truth.json, seals of shape "round" (the official seals the extractor
counts; the 财政部监制 oval and rect stamps are not):
  presence   P / R of "this page has a round seal" (a false seal on a seal-less page hurts P)
  count      round seals found vs in the truth, matched per page: P / R
  text       for each truth round seal, the found round seal whose text is closest:
             exact share, and mean character accuracy (1 - edit distance / length, floor 0)
Rows: all pages, clean pages, degraded pages, and one row per degradation kind (a page with
several kinds counts under each); grey = any greyscale scan, colour = the rest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from intake.elements.page import Seal
from intake.ocr import preprocess
from intake.ocr.config import OcrConfig, default_config
from intake.ocr.pipeline import OcrPipeline, _Page, _skew, _tall, _wide
from intake.ocr.seals import read_seals
from intake.upload.files import load_pages
from intake_lab.synth.corpus import load_truth

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "var" / "seal-cache"
CORPORA = [REPO / "fixtures" / "sample", REPO / "var" / "extract-heldout"]
# The settings that decide what the upright page looks like; seal settings are not among them,
# so tuning the seal step never invalidates the cache.
PAGE_SETTINGS = (
    "engine",
    "det_max_side",
    "det_box_thresh",
    "det_unclip_ratio",
    "perspective",
    "perspective_min_area",
    "orientation",
    "deskew",
    "deskew_min_degrees",
    "red_suppression",
)


def _key(data: bytes, cfg: OcrConfig) -> str:
    settings = json.dumps({k: getattr(cfg, k) for k in PAGE_SETTINGS}, sort_keys=True).encode()
    return hashlib.sha256(data + settings).hexdigest()[:24]


def upright(pipe: OcrPipeline, image: np.ndarray) -> np.ndarray:
    """The page as OcrPipeline.read_page has it when it reads the seals (its first half)."""
    cfg = pipe.config
    if cfg.perspective:
        quad = preprocess.find_page(image, cfg.perspective_min_area)
        if quad is not None:
            image = preprocess.flatten(image, quad)
    pg = _Page(image, cfg.red_suppression)
    polys = pipe.engine.detect(pg.ocr)
    if cfg.orientation and polys:
        if sum(map(_tall, polys)) > sum(map(_wide, polys)):
            pg.turn(90)
            polys = pipe.engine.detect(pg.ocr)
        flipped, _ = pipe._upside_down(pg, polys)
        if flipped:
            pg.turn(180)
            h, w = pg.ocr.shape[:2]
            polys = [np.roll(np.array([w, h], np.float32) - p, 2, axis=0) for p in polys]
    if cfg.deskew and polys:
        skew = _skew(polys)
        if abs(skew) >= cfg.deskew_min_degrees:
            pg.straighten(skew)
    return pg.image


@dataclass
class PageCase:
    corpus: str
    file: str
    page: int
    kinds: list[str]
    truth: list[str]  # ring texts of the round seals on the page
    path: Path  # the cached upright page
    found: list[Seal] = field(default_factory=list)
    seconds: float = 0.0


def cases(corpus: Path, pipe_holder: list[OcrPipeline]) -> list[PageCase]:
    truth = load_truth(corpus)
    cfg = default_config()
    CACHE.mkdir(parents=True, exist_ok=True)
    out = []
    for f in truth["files"]:
        data = (corpus / f["file"]).read_bytes()
        key = _key(data, cfg)
        paths = {p["page"]: CACHE / f"{key}-p{p['page']}.png" for p in f["pages"]}
        if not all(p.exists() for p in paths.values()):
            if not pipe_holder:
                pipe_holder.append(OcrPipeline(cfg))
            t = time.perf_counter()
            _, images = load_pages(data, f["file"])
            for i, img in enumerate(images):
                cv2.imwrite(str(paths[i + 1]), upright(pipe_holder[0], img))
            print(f"  cached {f['file']} ({time.perf_counter() - t:.1f} s)", file=sys.stderr)
        for p in f["pages"]:
            kinds = sorted({d.split(":")[0] for d in p["degradations"]})
            rounds = [s["text"] for s in p["seals"] if s["shape"] == "round"]
            out.append(PageCase(corpus.name, f["file"], p["page"], kinds, rounds, paths[p["page"]]))
    return out


def char_accuracy(got: str, want: str) -> float:
    return max(0.0, 1 - Levenshtein.distance(got, want) / max(len(want), 1))


class Tally:
    def __init__(self) -> None:
        self.pages = 0
        self.pp = self.pt = self.ptp = 0  # pages predicted with / truly with / both
        self.sp = self.st = self.stp = 0  # seals predicted / true / matched
        self.texts = 0
        self.exact = 0
        self.chars = 0.0

    def add(self, c: PageCase) -> None:
        rounds = [s for s in c.found if s.shape == "round"]
        self.pages += 1
        self.pp += bool(rounds)
        self.pt += bool(c.truth)
        self.ptp += bool(rounds) and bool(c.truth)
        self.sp += len(rounds)
        self.st += len(c.truth)
        self.stp += min(len(rounds), len(c.truth))
        for want in c.truth:
            self.texts += 1
            best = max((char_accuracy(s.text, want) for s in rounds), default=0.0)
            self.exact += any(s.text == want for s in rounds)
            self.chars += best

    def row(self, name: str) -> str:
        def ratio(a: float, b: float) -> str:
            return f"{a / b:5.2f}" if b else "  -  "

        return (
            f"{name:14} {self.pages:4d} | {ratio(self.ptp, self.pp)} {ratio(self.ptp, self.pt)} {self.pt:3d}"
            f" | {ratio(self.stp, self.sp)} {ratio(self.stp, self.st)}"
            f" | {ratio(self.exact, self.texts)} {ratio(self.chars, self.texts)} {self.texts:3d}"
        )


def report(all_cases: list[PageCase], title: str) -> None:
    rows: dict[str, Tally] = defaultdict(Tally)
    for c in all_cases:
        keys = ["all", "degraded" if c.kinds else "clean", "grey" if "scan_grey" in c.kinds else "colour"]
        keys += [f"  {k}" for k in c.kinds]
        for k in keys:
            rows[k].add(c)
    print(f"\n{title}")
    print(f"{'pages':14} {'n':>4} | presence P R   n | count P R   | text exact chars n")
    order = ["all", "clean", "degraded", "colour", "grey", *sorted(k for k in rows if k.startswith("  "))]
    for k in order:
        if k in rows:
            print(rows[k].row(k))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, action="append", help="default: fixtures/sample and var/extract-heldout")
    ap.add_argument("--show", type=int, default=0, help="print this many pages where the seal step went wrong")
    ap.add_argument("--dump", type=Path, help="write each found seal's crop here as PNG, to look at")
    ap.add_argument("--no-image", action="store_true", help="give read_seals only the red mask, as before")
    args = ap.parse_args()
    cfg = default_config()
    holder: list[OcrPipeline] = []
    everything: list[PageCase] = []
    for corpus in args.corpus or CORPORA:
        everything += cases(corpus, holder)
    engine = holder[0].engine if holder else OcrPipeline(cfg).engine
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
    wall = time.perf_counter()
    for c in everything:
        image = cv2.imread(str(c.path), cv2.IMREAD_COLOR)
        t = time.perf_counter()
        mask = preprocess.red_mask(image)
        kw: dict[str, Any] = {} if args.no_image else {"image": image}
        c.found = read_seals(engine, mask, cfg.seal_min_diameter, **kw)
        c.seconds = time.perf_counter() - t
        if args.dump:
            for i, s in enumerate(c.found):
                x0, y0, x1, y1 = s.box
                name = f"{c.corpus[:6]}-{Path(c.file).stem[:4]}-p{c.page}-{i}-{s.shape}.png"
                cv2.imwrite(str(args.dump / name), image[y0:y1, x0:x1])
    wall = time.perf_counter() - wall
    for corpus in sorted({c.corpus for c in everything}):
        report([c for c in everything if c.corpus == corpus], corpus)
    report(everything, "both corpora")
    secs = sorted(c.seconds for c in everything)
    print(
        f"\nseal step: {wall:.1f} s for {len(everything)} pages, mean {np.mean(secs) * 1000:.0f} ms, "
        f"median {np.median(secs) * 1000:.0f} ms, max {secs[-1] * 1000:.0f} ms a page"
    )
    shown = 0
    for c in everything:
        if shown >= args.show:
            break
        rounds = [s for s in c.found if s.shape == "round"]
        if len(rounds) == len(c.truth) and all(any(s.text == w for s in rounds) for w in c.truth):
            continue
        shown += 1
        got = [(s.shape, s.text, round(s.confidence, 2)) for s in c.found]
        print(f"  {c.corpus[:8]} {c.file} p{c.page} {','.join(c.kinds) or 'clean'}: want {c.truth} got {got}")


if __name__ == "__main__":
    main()
