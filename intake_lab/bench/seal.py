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
import functools
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
from intake.ocr.seal_verify import ACCEPT  # verify() at or above: the ring says the name
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


# -- seal pages per copy kind: presence, ring text and verification ---------------------------------
#
#     nice -n 10 .venv/bin/python intake_lab/bench/seal.py --pages 60 [--split heldout] [--seed 5]
#
# Pages come from intake_lab.synth.seals.seal_page: seals of the split's families (HELDOUT by
# default: faces and carvings the verifier was not calibrated on) over print and table rules, as
# clean, photo, grey-scan and 1-bit copies. What read_seals found is cached per page under
# var/seal-pages/, keyed by the page and the seal code, so a rerun after a change elsewhere (the
# verifier's calibration) is quick.

PAGES_CACHE = REPO / "var" / "seal-pages"


@functools.cache
def _code_key() -> str:
    """What read_seals' output depends on: the seal modules' source, as imported (read once: an
    edit during a run must not label pages read by the old code with the new code's key)."""
    from intake.ocr import seals

    # seal_verify's Lattice is serialised into the cache, but its scoring is not: a change to the
    # verifier needs no new OCR of the pages.
    return hashlib.sha256(Path(str(seals.__file__)).read_bytes()).hexdigest()[:12]


@dataclass
class SealPageCase:
    copy: str
    truth: list[dict[str, Any]]
    found: list[Seal]
    seconds: float


def official(seal: Seal) -> bool:
    """A found stamp that counts as a unit's seal: round, or an oval that is not the 监制 print."""
    return seal.shape == "round" or (seal.shape == "oval" and not any(w in seal.text for w in ("监制", "财政", "税务")))


def read_seal_pages(split: str, copies: list[str], count: int, seed: int, engine: Any) -> list[SealPageCase]:
    import random

    from intake_lab.synth.seals import seal_page

    PAGES_CACHE.mkdir(parents=True, exist_ok=True)
    code = _code_key()
    out = []
    for copy in copies:
        for i in range(count):
            key = f"{split}-{copy}-{seed}-{i}-{code}"
            path = PAGES_CACHE / f"{key}.json"
            if path.exists():
                data = json.loads(path.read_text())
            else:
                page = seal_page(split, copy, random.Random(f"{seed}-{split}-{copy}-{i}"))
                t = time.perf_counter()
                found = read_seals(
                    engine, preprocess.red_mask(page.image), default_config().seal_min_diameter, image=page.image
                )
                secs = time.perf_counter() - t
                data = {"truth": page.seals, "found": [s.to_json() for s in found], "seconds": secs}
                path.write_text(json.dumps(data, ensure_ascii=False))
            out.append(SealPageCase(copy, data["truth"], [Seal.from_json(s) for s in data["found"]], data["seconds"]))
    return out


def _centre_match(a: list[int] | tuple[int, ...], b: list[int] | tuple[int, ...]) -> bool:
    ax, ay = (a[0] + a[2]) / 2, (a[1] + a[3]) / 2
    bx, by = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    size = max(a[2] - a[0], a[3] - a[1], 1)
    return abs(ax - bx) < 0.3 * size and abs(ay - by) < 0.3 * size


def matched(case: SealPageCase) -> list[tuple[dict[str, Any], Seal | None]]:
    """Each official truth seal with the found official seal at its place, or None."""
    found = [s for s in case.found if official(s)]
    out = []
    for t in case.truth:
        if t["official"]:
            out.append((t, next((s for s in found if _centre_match(t["box"], s.box)), None)))
    return out


def pairs(cases: list[SealPageCase], seed: int) -> list[tuple[str, str, Seal | None, str]]:
    """(copy, relation, found seal, name asked) for right, near and unrelated names of every round
    truth seal with ring text."""
    import random

    from intake_lab.synth.seals import near_name, seal_name

    rng = random.Random(seed)
    out = []
    for c in cases:
        for t, s in matched(c):
            if t["shape"] != "round":
                continue
            name = str(t["text"])
            other = seal_name(rng, hospital=rng.random() < 0.3)
            while other == name:
                other = seal_name(rng)
            out += [
                (c.copy, "right", s, name),
                (c.copy, "near", s, near_name(name, rng)),
                (c.copy, "unrelated", s, other),
            ]
    return out


def verification(seal: Seal | None, name: str) -> tuple[float, dict[str, float]]:
    from intake.ocr.seal_verify import Lattice, verify

    if seal is None or not seal.lattices:
        return 0.0, {}
    v = verify(
        [Lattice.from_json(x) for x in seal.lattices], name, [(seal.text, seal.confidence)] if seal.text else None
    )
    return v.probability, v.features


def verdicts(cases: list[SealPageCase], seed: int) -> None:
    """What the claim check would conclude (seal_verify.decide) per relation of the name asked:
    a right name concluded "other" is a complete claim told seal_mismatch, the member's error."""
    from collections import Counter

    from intake.ocr.seal_verify import Lattice, decide

    print(
        "\nclaim-check verdicts (match: no finding; near/unsure: reviewer; other: member's seal_mismatch;"
        " other on a grey copy counted as near, as the check does)"
    )
    for copy in [*dict.fromkeys(c.copy for c in cases), "all"]:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for _, rel, s, name in pairs([c for c in cases if copy in ("all", c.copy)], seed):
            if s is None or not s.lattices:
                counts[rel]["missed"] += 1
                continue
            verdict = decide([Lattice.from_json(x) for x in s.lattices], name)[0]
            # The claim check sends "other" on a grey or 1-bit copy to the reviewer (checks.py).
            if verdict == "other" and not s.colour:
                verdict = "near"
            counts[rel][verdict] += 1
        cells = []
        for rel in ("right", "near", "unrelated"):
            c = counts[rel]
            cells.append(f"{rel} " + " ".join(f"{k}={c[k]}" for k in ("match", "near", "unsure", "other", "missed")))
        print(f"{copy:8} | " + " | ".join(cells))


def page_report(cases: list[SealPageCase], seed: int) -> None:
    print(
        f"\n{'copy':8} {'pages':>5} | presence P    R     | seals P    R     "
        "| round R | ring exact chars  n  | verify acc   FA    FR    n   | ms/page"
    )
    for copy in [*dict.fromkeys(c.copy for c in cases), "all"]:
        mine = [c for c in cases if copy in ("all", c.copy)]
        tp = fp = fn = stp = sfp = sfn = 0
        exact = chars = 0.0
        texts = rounds_found = 0
        for c in mine:
            want = any(t["official"] for t in c.truth)
            got = any(official(s) for s in c.found)
            tp += want and got
            fp += got and not want
            fn += want and not got
            m = matched(c)
            hit = sum(s is not None for _, s in m)
            stp += hit
            sfn += len(m) - hit
            sfp += max(0, sum(official(s) for s in c.found) - hit)
            for t, s in m:
                if t["shape"] != "round":
                    continue
                rounds_found += s is not None
                texts += 1
                got_text = s.text if s is not None else ""
                exact += got_text == t["text"]
                chars += char_accuracy(got_text, str(t["text"]))
        acc = fa = fr = 0
        nneg = npos = 0
        for _, rel, s, name in pairs(mine, seed):
            p, _ = verification(s, name)
            ok = p >= ACCEPT
            if rel == "right":
                npos += 1
                fr += not ok
                acc += ok
            else:
                nneg += 1
                fa += ok
                acc += not ok
        n = npos + nneg

        def r(a: float, b: float) -> str:
            return f"{a / b:5.3f}" if b else "  -  "

        ms = 1000 * float(np.mean([c.seconds for c in mine])) if mine else 0.0
        print(
            f"{copy:8} {len(mine):5d} | {r(tp, tp + fp)} {r(tp, tp + fn)} | {r(stp, stp + sfp)} {r(stp, stp + sfn)}"
            f" | {r(rounds_found, texts)}  | {r(exact, texts)} {r(chars, texts)} {texts:3d}"
            f" | {r(acc, n)} {r(fa, nneg)} {r(fr, npos)} {n:4d} | {ms:5.0f}"
        )


def show_pages(cases: list[SealPageCase], count: int, split: str, seed: int, dump: Path | None) -> None:
    """The first `count` generated pages where an official seal was missed or a false one found,
    per copy kind in turn; with dump, each such page's image (made again from its seed) is saved
    there with the truth's boxes in green and the found official seals' in red."""
    import random

    from intake_lab.synth.seals import seal_page

    index: dict[str, int] = defaultdict(int)
    shown = 0
    for c in cases:
        i = index[c.copy]
        index[c.copy] += 1
        m = matched(c)
        missed = [t for t, s in m if s is None]
        false = [s for s in c.found if official(s) and not any(s is f for _, f in m)]
        if not (missed or false) or shown >= count:
            continue
        shown += 1
        print(
            f"  {c.copy} page {i}: missed {[(t['family'], t['box'], 'faint' * bool(t['faint'])) for t in missed]}"
            f" false {[(s.shape, s.box) for s in false]} found {[(s.shape, s.box, s.text) for s in c.found]}"
        )
        if dump is not None:
            dump.mkdir(parents=True, exist_ok=True)
            image = seal_page(split, c.copy, random.Random(f"{seed}-{split}-{c.copy}-{i}")).image.copy()
            for t in c.truth:
                cv2.rectangle(image, tuple(t["box"][:2]), tuple(t["box"][2:]), (0, 160, 0), 2)
            for s in c.found:
                if official(s):
                    cv2.rectangle(image, s.box[:2], s.box[2:], (0, 0, 255), 2)
            cv2.imwrite(str(dump / f"{split}-{c.copy}-{seed}-{i}.png"), image)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, action="append", help="default: fixtures/sample and var/extract-heldout")
    ap.add_argument("--show", type=int, default=0, help="print this many pages where the seal step went wrong")
    ap.add_argument("--dump", type=Path, help="write each found seal's crop here as PNG, to look at")
    ap.add_argument("--no-image", action="store_true", help="give read_seals only the red mask, as before")
    ap.add_argument("--pages", type=int, default=0, help="instead: this many generated seal pages per copy kind")
    ap.add_argument("--split", default="heldout", help="seal families of the generated pages: heldout or train")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--copies", default="clean,photo,grey,bilevel")
    args = ap.parse_args()
    cfg = default_config()
    if args.pages:
        from intake.ocr.engines import create_engine

        cases_ = read_seal_pages(args.split, args.copies.split(","), args.pages, args.seed, create_engine(cfg))
        print(f"seal pages of the {args.split} seal families, seed {args.seed}; verify accepts at p >= {ACCEPT}")
        page_report(cases_, args.seed)
        verdicts(cases_, args.seed)
        show_pages(cases_, args.show, args.split, args.seed, args.dump)
        return
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
