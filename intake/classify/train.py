"""Rebuild the document-type model: generate corpora, OCR them, fit, measure, write models/.

    intake classify train [--count 400] [--test-count 120] [--seed 7] [--workdir var/classify] [--corrections FILE]

Training pages come from generated layouts and fonts minus the held-out ones (settings.yaml);
the model is measured on pages of the held-out layouts and of the held-out fonts, never seen in
training. OCR results are cached per corpus (features.jsonl), so a rebuild after a change to the
model alone takes seconds. Reviewer corrections (exported by the service, one JSON page per line
with `features` and `doc_type`) are added to the training pages.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from intake.classify.classifier import Classifier, settings
from intake.classify.features import PageFeatures, page_features
from intake.classify.model import DocTypeModel, fit
from intake.classify.split import group_pages
from intake.synth import corpus as synth
from intake.synth import fonts
from intake.synth.layouts import load_all
from intake.vocabulary import DocType

FEATURES_FILE = "features.jsonl"


@dataclass
class LabelledPage:
    file: str
    page: int
    doc_type: str
    document: int  # index of the document within its file, for measuring splitting
    features: PageFeatures


def _labels(file_truth: dict[str, Any]) -> dict[int, tuple[str, int]]:
    out = {}
    for i, d in enumerate(file_truth["documents"]):
        for p in d["pages"]:
            out[p] = (d["doc_type"], i)
    return out


def ocr_corpus(folder: Path, progress: Callable[[int], None] | None = None) -> list[LabelledPage]:
    """OCR every page of a generated corpus once; later calls read the cache."""
    cache = folder / FEATURES_FILE
    if cache.is_file():
        return [
            LabelledPage(r["file"], r["page"], r["doc_type"], r["document"], PageFeatures.from_json(r["features"]))
            for r in map(json.loads, cache.read_text(encoding="utf-8").splitlines())
        ]
    from intake.ocr.pipeline import OcrPipeline

    pipe = OcrPipeline()
    truth = synth.load_truth(folder)
    pages: list[LabelledPage] = []
    for f in truth["files"]:
        result = pipe.read_file((folder / f["file"]).read_bytes(), f["file"])
        labels = _labels(f)
        for page in result.pages:
            doc_type, doc = labels[page.page]
            pages.append(LabelledPage(f["file"], page.page, doc_type, doc, page_features(page)))
        if progress:
            progress(1)
    with cache.open("w", encoding="utf-8") as out:
        for p in pages:
            row = {"file": p.file, "page": p.page, "doc_type": p.doc_type, "document": p.document}
            out.write(json.dumps({**row, "features": p.features.to_json()}, ensure_ascii=False) + "\n")
    return pages


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
        "seconds_per_page_beyond_ocr": per_page,
        "errors": [
            {"file": p.file, "page": p.page, "truth": a, "predicted": b}
            for p, a, b in zip(pages, truth, got, strict=True)
            if a != b
        ][:30],
    }


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


def _generate(folder: Path, count: int, seed: int, layouts: Iterable[str], families: Iterable[str]) -> None:
    if not (folder / synth.TRUTH_FILE).is_file():
        synth.generate(folder, count, seed, layouts=list(layouts), families=list(families))


def train(
    out: Path,
    workdir: Path,
    *,
    count: int = 400,
    test_count: int = 120,
    seed: int = 7,
    corrections: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    s = settings()
    all_layouts = sorted(load_all())
    held_layouts = [name for name in s["held_out_layouts"] if name in all_layouts]
    held_fams = list(s["held_out_families"])
    train_layouts = [n for n in all_layouts if n not in held_layouts]
    train_fams = [f for f in fonts.BODY_FAMILIES if f not in held_fams]
    corpora = {
        "train": (count, seed, train_layouts, train_fams),
        "test_layouts": (test_count, seed + 1, held_layouts, train_fams),
        "test_fonts": (test_count, seed + 2, all_layouts, held_fams),
    }
    pages: dict[str, list[LabelledPage]] = {}
    for name, (n, sd, lay, fam) in corpora.items():
        folder = workdir / name
        _generate(folder, n, sd, lay, fam)
        done = [0]

        def tick(k: int, name: str = name, n: int = n, done: list[int] = done) -> None:
            done[0] += k
            if progress:
                progress(name, done[0], n)

        pages[name] = ocr_corpus(folder, tick)
    train_pages = pages["train"]
    x = [p.features for p in train_pages]
    y = [p.doc_type for p in train_pages]
    extra = load_corrections(corrections) if corrections else []
    x += [f for f, _ in extra]
    y += [label for _, label in extra]
    card = {
        "trained": {
            "corpus": {k: {"count": v[0], "seed": v[1], "layouts": v[2], "families": v[3]} for k, v in corpora.items()},
            "pages": len(train_pages),
            "corrections": len(extra),
            "labels": dict(Counter(y)),
        },
        "command": "intake classify train",
    }
    model: DocTypeModel = fit(x, y, card)
    clf = Classifier(model, s["other_below"], s["continue_min"])
    held = pages["test_layouts"] + pages["test_fonts"]
    metrics = {
        "held_out": evaluate(clf, held),
        "held_out_layouts": evaluate(clf, pages["test_layouts"]),
        "held_out_fonts": evaluate(clf, pages["test_fonts"]),
        "splitting": evaluate_splitting(clf, held + train_pages),
    }
    model.card["metrics"] = metrics
    model.save(out)
    return model.card


def summary(card: dict[str, Any]) -> str:
    m = card["metrics"]
    lines = []
    for key in ("held_out", "held_out_layouts", "held_out_fonts"):
        e = m[key]
        lines.append(f"{key:17} accuracy {e['accuracy']:.4f} on {e['pages']} pages, Brier {e['brier']:.4f}")
    sp = m["splitting"]
    lines.append(f"splitting         {sp['exact']}/{sp['files']} multi-page files exactly right")
    e = m["held_out"]
    lines.append(f"time per page beyond OCR: {1000 * e['seconds_per_page_beyond_ocr']:.1f} ms")
    lines.append("confusion (truth -> predicted):")
    for a, row in e["confusion"].items():
        lines.append(f"  {a:17} " + ", ".join(f"{b} {n}" for b, n in sorted(row.items())))
    lines.append("reliability (confidence bin: n, mean confidence, accuracy):")
    for r in e["reliability"]:
        lines.append(f"  {r['bin']}: {r['n']:4d}  {r['confidence']:.3f}  {r['accuracy']:.3f}")
    return "\n".join(lines)
