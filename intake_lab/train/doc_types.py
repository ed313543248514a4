"""Rebuild the document-type model: generate corpora, OCR them, fit, measure, write models/.

    intake classify train [--count 400] [--test-count 120] [--seed 7] [--workdir var/classify] [--corrections FILE]

Training pages come from generated layouts and fonts minus the held-out ones (settings.yaml);
the model is measured on pages of the held-out layouts and of the held-out fonts, never seen in
training. What OCR found is cached per corpus (ocr.jsonl and the shrunk pages in pages/), so a
rebuild after a change to the features or the model takes about a minute. The options of the
model are chosen with intake_lab.train.doc_types_choices, on training pages only. Reviewer corrections
(exported by the service, one JSON page per line with `features` and `doc_type`) are added to the
training pages.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from intake.classify.classifier import Classifier, settings
from intake.classify.features import PageFacts, PageFeatures, facts_features, page_facts
from intake.classify.model import DocTypeModel, ModelOptions, fit
from intake.classify.split import group_pages
from intake.elements.page import OcrLine, OcrPage, Seal
from intake.vocabulary import DocType
from intake_lab.synth import corpus as synth
from intake_lab.synth import fonts
from intake_lab.synth.forms import corpus as forms_corpus
from intake_lab.synth.layouts import load_all

OCR_FILE = "ocr.jsonl"
IMAGES_DIR = "pages"


@dataclass
class LabelledPage:
    file: str
    page: int
    doc_type: str
    document: int  # index of the document within its file, for measuring splitting
    features: PageFeatures
    layout: str = ""
    family: str = ""
    degradations: list[str] = field(default_factory=list)


def _labels(file_truth: dict[str, Any]) -> dict[int, tuple[str, int]]:
    out = {}
    for i, d in enumerate(file_truth["documents"]):
        for p in d["pages"]:
            out[p] = (d["doc_type"], i)
    return out


def _page_row(f: dict[str, Any], page: int, facts: PageFacts, image_file: str) -> dict[str, Any]:
    doc_type, doc = _labels(f)[page]
    d = f["documents"][doc]
    return {
        "file": f["file"],
        "page": page,
        "doc_type": doc_type,
        "document": doc,
        # Which layout, font and degradations made the page: for validation grouped by layout or
        # font, and for reading the errors.
        "layout": d.get("layout", ""),
        "family": d.get("family", ""),
        "degradations": f["pages"][page - 1].get("degradations", []),
        "width": facts.width,
        "height": facts.height,
        "qr_code": facts.qr_code,
        "lines": [ln.to_json() for ln in facts.lines],
        "seals": [s.to_json() for s in facts.seals],
        "image": image_file,
    }


def _row_facts(folder: Path, r: dict[str, Any]) -> PageFacts:
    image = cv2.imread(str(folder / r["image"]), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{folder / r['image']} is missing or unreadable: delete {folder / OCR_FILE} to OCR again")
    return PageFacts(
        r["width"],
        r["height"],
        [OcrLine(ln["text"], tuple(ln["box"]), ln["confidence"]) for ln in r["lines"]],
        [Seal(tuple(s["box"]), s["shape"], s["text"], s["confidence"]) for s in r["seals"]],
        r["qr_code"],
        image,
    )


def ocr_corpus(
    folder: Path,
    progress: Callable[[int], None] | None = None,
    limit: int | None = None,
    truth: dict[str, Any] | None = None,
) -> list[LabelledPage]:
    """OCR every page of a generated corpus once; later calls read the cache.

    The cache keeps what OCR found (lines, seals, QR) and the page shrunk to FEATURE_SIDE, not the
    features: a change to the features then costs seconds, not the hour of OCR. Pages are appended
    file by file, so an interrupted run carries on where it stopped.
    """
    cache = folder / OCR_FILE
    truth = truth or synth.load_truth(folder)
    rows: list[dict[str, Any]] = []
    if cache.is_file():
        seen = set()
        for line in cache.read_text(encoding="utf-8").splitlines():
            try:
                r = json.loads(line)
            except ValueError:
                continue  # a line cut short when a run was stopped: that file is read again
            if (r["file"], r["page"]) not in seen:
                seen.add((r["file"], r["page"]))
                rows.append(r)
    wanted = truth["files"][:limit]
    names = {f["file"] for f in wanted}
    rows = [r for r in rows if r["file"] in names]
    have = Counter(r["file"] for r in rows)
    todo = [f for f in wanted if have[f["file"]] < len(f["pages"])]
    rows = [r for r in rows if r["file"] not in {f["file"] for f in todo}]
    done = {r["file"] for r in rows}
    if progress and done:
        progress(len(done))
    if todo:
        from intake.ocr.pipeline import OcrPipeline

        pipe = OcrPipeline()
        (folder / IMAGES_DIR).mkdir(exist_ok=True)
        with cache.open("a", encoding="utf-8") as out:
            for f in todo:
                result = pipe.read_file((folder / f["file"]).read_bytes(), f["file"])
                new = []
                for page in result.pages:
                    facts = page_facts(page)
                    name = f"{IMAGES_DIR}/{Path(f['file']).stem}-p{page.page}.png"
                    cv2.imwrite(str(folder / name), facts.image)
                    new.append(_page_row(f, page.page, facts, name))
                # A file's pages go in together, so a half-written file is never taken as done.
                out.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in new))
                out.flush()
                rows.extend(new)
                if progress:
                    progress(1)
    # In the corpus's order whatever order the pages were read in, so that a fit is reproducible.
    order = {f["file"]: i for i, f in enumerate(wanted)}
    rows.sort(key=lambda r: (order[r["file"]], r["page"]))
    return [
        LabelledPage(
            r["file"], r["page"], r["doc_type"], r["document"], facts_features(_row_facts(folder, r)),
            r["layout"], r["family"], r["degradations"],
        )
        for r in rows
    ]  # fmt: skip


def load_corrections(path: Path) -> list[tuple[PageFeatures, str]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append((PageFeatures.from_json(row["features"]), DocType(row["doc_type"]).value))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a correction record ({exc})") from exc
    return out


def reliability(probs: np.ndarray, correct: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Per confidence bin: how many predictions, their mean confidence, and how many were right."""
    table = []
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in itertools.pairwise(edges):
        sel = (probs > lo) & (probs <= hi)
        if sel.any():
            table.append(
                {
                    "bin": f"{lo:.1f}-{hi:.1f}",
                    "n": int(sel.sum()),
                    "confidence": float(probs[sel].mean()),
                    "accuracy": float(correct[sel].mean()),
                }
            )
    return table


def evaluate(clf: Classifier, pages: list[LabelledPage]) -> dict[str, Any]:
    classes = clf.model.classes
    t = time.perf_counter()
    feats = [p.features for p in pages]
    preds = clf.predict_pages(feats)
    per_page = (time.perf_counter() - t) / max(len(pages), 1)
    truth = [p.doc_type for p in pages]
    got = [p.doc_type.value for p in preds]
    confusion: dict[str, Counter[str]] = {c: Counter() for c in sorted(set(truth) | set(got))}
    for a, b in zip(truth, got, strict=True):
        confusion[a][b] += 1
    probs = np.array([[p.probabilities[c] for c in classes] for p in preds])
    onehot = np.array([[1.0 if t == c else 0.0 for c in classes] for t in truth])
    brier = float(((probs - onehot) ** 2).sum(axis=1).mean())
    conf = np.array([p.confidence for p in preds])
    correct = np.array([a == b for a, b in zip(truth, got, strict=True)])
    return {
        "pages": len(pages),
        "accuracy": float(correct.mean()),
        "brier": brier,
        "confusion": {a: dict(row) for a, row in confusion.items()},
        "reliability": reliability(conf, correct.astype(float)),
        "model_seconds_per_page": per_page,
        "errors": [
            {"file": p.file, "page": p.page, "truth": a, "predicted": b}
            for p, a, b in zip(pages, truth, got, strict=True)
            if a != b
        ][:30],
    }


def seconds_beyond_ocr(clf: Classifier, folder: Path, files: int = 30) -> float:
    """Per page, what classifying costs once OCR is done: the layout facts (shrinking the page, the
    QR search, rulings, red ink) from the full page image, the model, and grouping pages.

    The cache has no full page images, so the files are decoded again and given the cached lines.
    """
    from intake.upload.files import load_pages

    rows: dict[str, list[dict[str, Any]]] = {}
    for line in (folder / OCR_FILE).read_text(encoding="utf-8").splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        rows.setdefault(r["file"], []).append(r)
    spent, pages = 0.0, 0
    for name in sorted(rows)[:files]:
        _, images = load_pages((folder / name).read_bytes(), name)
        ocr = []
        for r in sorted(rows[name], key=lambda r: r["page"]):
            if r["page"] <= len(images):
                facts = _row_facts(folder, r)
                ocr.append(OcrPage(r["page"], images[r["page"] - 1], facts.lines, facts.seals))
        t = time.perf_counter()
        clf.classify(ocr)
        spent += time.perf_counter() - t
        pages += len(ocr)
    return spent / max(pages, 1)


def evaluate_splitting(clf: Classifier, pages: list[LabelledPage]) -> dict[str, Any]:
    """On files of several pages: are the documents (their pages and types) exactly right?"""
    by_file: dict[str, list[LabelledPage]] = {}
    for p in pages:
        by_file.setdefault(p.file, []).append(p)
    files = right = 0
    for file_pages in by_file.values():
        if len(file_pages) < 2:
            continue
        file_pages.sort(key=lambda p: p.page)
        files += 1
        want = {}
        for p in file_pages:
            want.setdefault(p.document, (p.doc_type, []))[1].append(p.page)
        feats = [p.features for p in file_pages]
        docs = group_pages(clf.predict_pages(feats), feats, clf.continue_min)
        got = sorted((d.doc_type.value, d.pages) for d in docs)
        right += got == sorted((t, pg) for t, pg in want.values())
    return {"files": files, "exact": right, "accuracy": right / files if files else None}


@dataclass(frozen=True)
class CorpusSpec:
    """A generated corpus: of intake's own layouts and fonts, or (forms_split set) of the form
    families of that split (intake_lab/synth/forms), whose wordings and arrangements are drawn."""

    count: int
    seed: int
    layouts: list[str]
    families: list[str]
    forms_split: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.forms_split:
            return {"count": self.count, "seed": self.seed, "form_families": self.forms_split}
        return {"count": self.count, "seed": self.seed, "layouts": self.layouts, "families": self.families}


def held_out() -> dict[str, Any]:
    """What is held out of training (doc_types.yaml beside this module)."""
    return yaml.safe_load((Path(__file__).with_name("doc_types.yaml")).read_text(encoding="utf-8"))


def corpus_specs(count: int, test_count: int, seed: int, forms_count: int = 0) -> dict[str, CorpusSpec]:
    """The training corpora and the held-out ones (doc_types.yaml says what is held out). With
    forms_count, the training families of the form corpus train too and its held-out families
    are measured (half as many files): documents of layouts and wordings intake never drew."""
    s = held_out()
    all_layouts = sorted(load_all())
    held_layouts = [name for name in s["held_out_layouts"] if name in all_layouts]
    held_fams = list(s["held_out_families"])
    train_layouts = [n for n in all_layouts if n not in held_layouts]
    train_fams = [f for f in fonts.BODY_FAMILIES if f not in held_fams]
    return {
        "train": CorpusSpec(count, seed, train_layouts, train_fams),
        "test_layouts": CorpusSpec(test_count, seed + 1, held_layouts, train_fams),
        "test_fonts": CorpusSpec(test_count, seed + 2, all_layouts, held_fams),
    } | (
        {
            "forms_train": CorpusSpec(forms_count, seed + 3, [], [], forms_split="train"),
            "test_forms": CorpusSpec(max(10, forms_count // 2), seed + 4, [], [], forms_split="heldout"),
        }
        if forms_count
        else {}
    )


def _generate(folder: Path, spec: CorpusSpec) -> dict[str, Any]:
    """Generate the corpus unless the folder holds it already, or a larger one of the same seed.

    The generator draws every file from (seed, index) alone, so the first N files of a corpus of
    M > N are the corpus of N: a larger --count adds files (and OCRs only those), a smaller one
    reads the first files of the cache.
    """
    if spec.forms_split:
        return _generate_forms(folder, spec)
    if (folder / synth.TRUTH_FILE).is_file():
        truth = synth.load_truth(folder)
        same = (truth["seed"], truth["layouts"], truth["families"]) == (spec.seed, spec.layouts, spec.families)
        if not same:
            raise ValueError(
                f"{folder} holds a corpus of other seed, layouts or fonts; delete it or choose another --workdir"
            )
        if truth["count"] >= spec.count:
            return truth
    return synth.generate(folder, spec.count, spec.seed, layouts=spec.layouts, families=spec.families)


def _generate_forms(folder: Path, spec: CorpusSpec) -> dict[str, Any]:
    """As _generate, for a form-family corpus (also drawn from (seed, split, index) alone)."""
    if (folder / synth.TRUTH_FILE).is_file():
        truth = synth.load_truth(folder)
        if (truth["seed"], truth.get("split")) != (spec.seed, spec.forms_split):
            raise ValueError(f"{folder} holds a corpus of other seed or split; delete it or choose another --workdir")
        if truth["count"] >= spec.count:
            return truth
    return forms_corpus.generate(folder, spec.count, spec.seed, split=spec.forms_split or "train")


def load_corpus(folder: Path, spec: CorpusSpec, progress: Callable[[int], None] | None = None) -> list[LabelledPage]:
    """The corpus's pages with their features: generated and OCR'd on first use, cached after."""
    truth = _generate(folder, spec)
    return ocr_corpus(folder, progress, limit=spec.count, truth=truth)


def load_corpora(
    workdir: Path, corpora: dict[str, CorpusSpec], progress: Callable[[str, int, int], None] | None = None
) -> dict[str, list[LabelledPage]]:
    pages: dict[str, list[LabelledPage]] = {}
    for name, spec in corpora.items():
        done = [0]

        def tick(k: int, name: str = name, n: int = spec.count, done: list[int] = done) -> None:
            done[0] += k
            if progress:
                progress(name, done[0], n)

        pages[name] = load_corpus(workdir / name, spec, tick)
    return pages


def train(
    out: Path,
    workdir: Path,
    *,
    count: int = 400,
    test_count: int = 120,
    seed: int = 7,
    forms_count: int = 0,
    corrections: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    options: ModelOptions | None = None,
) -> dict[str, Any]:
    s = settings()
    corpora = corpus_specs(count, test_count, seed, forms_count)
    pages = load_corpora(workdir, corpora, progress)
    train_pages = pages["train"] + pages.get("forms_train", [])
    x = [p.features for p in train_pages]
    y = [p.doc_type for p in train_pages]
    extra = load_corrections(corrections) if corrections else []
    x += [f for f, _ in extra]
    y += [label for _, label in extra]
    card = {
        "trained": {
            "corpus": {k: v.to_json() for k, v in corpora.items()},
            "pages": len(train_pages),
            "corrections": len(extra),
            "labels": dict(Counter(y)),
        },
        "command": "intake classify train",
    }
    fams = [p.family for p in train_pages] + ["correction"] * len(extra)
    model: DocTypeModel = fit(x, y, card, options, fams)
    clf = Classifier(model, s.other_below, s.continue_min)
    held = pages["test_layouts"] + pages["test_fonts"]
    metrics = {
        "held_out": evaluate(clf, held),
        "held_out_layouts": evaluate(clf, pages["test_layouts"]),
        "held_out_fonts": evaluate(clf, pages["test_fonts"]),
        **({"held_out_forms": evaluate(clf, pages["test_forms"])} if "test_forms" in pages else {}),
        "splitting": evaluate_splitting(clf, held + train_pages),
        "seconds_per_page_beyond_ocr": seconds_beyond_ocr(clf, workdir / "test_fonts"),
    }
    model.card["metrics"] = metrics
    model.save(out)
    return model.card


def summary(card: dict[str, Any]) -> str:
    m = card["metrics"]
    lines = []
    for key in ("held_out", "held_out_layouts", "held_out_fonts", "held_out_forms"):
        if key not in m:
            continue
        e = m[key]
        lines.append(f"{key:17} accuracy {e['accuracy']:.4f} on {e['pages']} pages, Brier {e['brier']:.4f}")
    sp = m["splitting"]
    lines.append(f"splitting         {sp['exact']}/{sp['files']} multi-page files exactly right")
    e = m["held_out"]
    lines.append(
        f"time per page beyond OCR: {1000 * m['seconds_per_page_beyond_ocr']:.1f} ms"
        f" (of which the model {1000 * e['model_seconds_per_page']:.1f} ms)"
    )
    lines.append("confusion (truth -> predicted):")
    for a, row in e["confusion"].items():
        lines.append(f"  {a:17} " + ", ".join(f"{b} {n}" for b, n in sorted(row.items())))
    lines.append("reliability (confidence bin: n, mean confidence, accuracy):")
    for r in e["reliability"]:
        lines.append(f"  {r['bin']}: {r['n']:4d}  {r['confidence']:.3f}  {r['accuracy']:.3f}")
    return "\n".join(lines)
