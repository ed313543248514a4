"""Training and measuring pages for the field scorer, drawn without paying for OCR.

OCR costs seconds a page on the shared cores, so the scorer learns mostly from what the generator
printed: each drawn string with its box, grouped into lines the way a text detector groups them
(neighbours on one baseline whose gap is small are one detected line), with simulated OCR noise on
a share of the pages (confusable characters swapped, their scores lowered, boxes jittered). A
modest OCR'd sample is measured apart (intake_lab/bench/fields.py).

Documents come from the form families of one split (intake_lab/synth/forms) and from intake's
own layouts (intake_lab/synth/corpus.py), each with its truth: value, page and box per field.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from intake.elements.page import OcrLine, OcrPage, blank_image
from intake.vocabulary import DocType
from intake_lab.synth.canvas import DrawnText, SynthDocument
from intake_lab.synth.forms.corpus import INPATIENT_SHARE, _distinct_diagnoses
from intake_lab.synth.forms.render import render
from intake_lab.synth.forms.spec import DOC_TYPES, families

# What OCR confuses on these pages (read from the OCR'd sample corpus's misreads).
CONFUSIONS = {
    "0": "O", "1": "l", "5": "S", "8": "B", "6": "b", "日": "曰", "元": "兀", "入": "人", "天": "夭",
    "己": "已", "未": "末", "王": "玉", "大": "太", "-": "一", ".": ",", ":": ";", "(": "C",
}  # fmt: skip


@dataclass
class Sample:
    doc_type: DocType
    family: str  # the form family, or "old:<layout>" for intake's own layouts
    pages: list[OcrPage]
    truth: dict[str, dict[str, Any]]  # field -> {"value", "page", "box"}
    noisy: bool = False
    distractors: list[dict[str, Any]] = field(default_factory=list)


def _lines(drawn: list[DrawnText], rng: random.Random, noise: bool) -> list[OcrLine]:
    """Drawn strings as a detector returns them: neighbours on one baseline joined into a line."""
    items = sorted(
        (d for d in drawn if d.kind != "seal" and d.text.strip()), key=lambda d: ((d.box[1] + d.box[3]) / 2, d.box[0])
    )
    # In line heights: how far apart two strings on one baseline may be for the detector to see one
    # line. On the OCR'd sample, a label and its value a colon apart are often one line, two table
    # cells with a rule or a column's gap between them almost never.
    join_gap = rng.uniform(0.15, 0.9)
    rows: list[list[DrawnText]] = []
    for d in items:
        mid = (d.box[1] + d.box[3]) / 2
        h = max(d.box[3] - d.box[1], 1)
        for row in rows:
            r = row[-1]
            rmid = (r.box[1] + r.box[3]) / 2
            if abs(mid - rmid) <= 0.35 * min(h, max(r.box[3] - r.box[1], 1)):
                row.append(d)
                break
        else:
            rows.append([d])
    out: list[OcrLine] = []
    for row in rows:
        row.sort(key=lambda d: d.box[0])
        group: list[DrawnText] = [row[0]]
        for d in row[1:]:
            prev = group[-1]
            h = max(prev.box[3] - prev.box[1], 1)
            gap = d.box[0] - prev.box[2]
            numbers = prev.text[-1:].isdigit() and d.text[:1].isdigit()
            if 0 <= gap <= (min(join_gap, 0.3) if numbers else join_gap) * h:
                group.append(d)
            else:
                out.append(_line(group, rng, noise))
                group = [d]
        out.append(_line(group, rng, noise))
    return out


def _line(group: list[DrawnText], rng: random.Random, noise: bool) -> OcrLine:
    text = "".join(d.text for d in group).replace(" ", " ")
    x0 = min(d.box[0] for d in group)
    y0 = min(d.box[1] for d in group)
    x1 = max(d.box[2] for d in group)
    y1 = max(d.box[3] for d in group)
    chars = [0.99] * len(text)
    if noise:
        rate = rng.uniform(0.005, 0.04)
        out = []
        scores = []
        for ch in text:
            r = rng.random()
            if r < rate and ch in CONFUSIONS:
                out.append(CONFUSIONS[ch])
                scores.append(rng.uniform(0.4, 0.95))
            elif r < rate * 0.3:
                scores.append(0.5)
                continue  # a character lost
            else:
                out.append(ch)
                scores.append(rng.uniform(0.9, 1.0))
        text, chars = "".join(out), scores
        jit = max(1, (y1 - y0) // 6)
        x0, x1 = x0 + rng.randint(-jit, jit), x1 + rng.randint(-jit, jit)
        y0, y1 = y0 + rng.randint(-jit, jit), y1 + rng.randint(-jit, jit)
    conf = round(min(chars) if chars else 0.99, 4)
    return OcrLine(
        text,
        (max(x0, 0), max(y0, 0), max(x1, x0 + 1), max(y1, y0 + 1)),
        max(conf, 0.3),
        [],
        tuple(round(c, 3) for c in chars),
    )


# What real OCR does that the noise above does not: it loses a character, a decimal point above all,
# and reads one digit for another at full confidence (a train p_strip scan read 合作金额：3504869 for
# 35048.69 at 0.96), where the simulation always lowers the line's score. Pairs of digits OCR
# confuses on the sample scans' misreads.
DIGIT_SWAPS = {"0": "8", "8": "0", "6": "8", "1": "7", "7": "1", "3": "8", "5": "6"}
_CENTS = re.compile(r"(?<=[0-9])\.(?=[0-9]{2}(?![0-9]))")


def _real_line(line: OcrLine, rng: random.Random) -> OcrLine:
    text = line.text
    scores = list(line.char_confidences) if len(line.char_confidences) == len(text) else [line.confidence] * len(text)
    if rng.random() < 0.15:
        points = [m.start() for m in _CENTS.finditer(text)]
        if points:
            k = rng.choice(points)
            text, scores = text[:k] + text[k + 1 :], scores[:k] + scores[k + 1 :]
    out, sc = [], []
    for ch, c in zip(text, scores, strict=True):
        r = rng.random()
        if r < 0.006 and ch in DIGIT_SWAPS:
            out.append(DIGIT_SWAPS[ch])
            sc.append(rng.uniform(0.8, 0.99))
        elif r < 0.009:
            continue  # a character lost, its neighbours as sure as before
        else:
            out.append(ch)
            sc.append(c)
    new = "".join(out)
    if not new:
        return line
    # The line's score stays: a recogniser's line score hardly moves for one character.
    return replace(line, text=new, char_confidences=tuple(round(c, 3) for c in sc))


def realistic(sample: Sample, index: int) -> Sample:
    """A degraded training document with real OCR's silent failures added (DIGIT_SWAPS, lost points
    and characters at full confidence); a clean one as it is. Training only: the benchmarks keep
    the simulated noise they have always measured, so their figures stay comparable."""
    if not sample.noisy:
        return sample
    rng = random.Random(f"fields-real:{sample.family}:{index}")
    pages = [replace(p, lines=[_real_line(ln, rng) for ln in p.lines]) for p in sample.pages]
    return replace(sample, pages=pages)


def pages_of(doc: SynthDocument, rng: random.Random, noise: bool, first: int = 1) -> list[OcrPage]:
    out = []
    for i, p in enumerate(doc.pages):
        out.append(OcrPage(first + i, blank_image(p.width, p.height), _lines(p.drawn, rng, noise)))
    return out


def _truth(doc: SynthDocument, first: int = 1) -> dict[str, dict[str, Any]]:
    return {
        name: {"value": f.value, "page": first + f.page - 1, "box": list(f.box), "source_text": f.source_text}
        for name, f in doc.fields.items()
    }


def forms_samples(count: int, seed: int, split: str, noise_share: float = 0.5, start: int = 0) -> Iterator[Sample]:
    """Documents start..start+count of the split's form families, dealt round-robin over types and
    families; document i depends only on (seed, split, i)."""
    from intake_lab.synth.case import make_case

    pools = {dt: families(dt, split) for dt in DOC_TYPES}
    for i in range(start, start + count):
        dt = DOC_TYPES[i % len(DOC_TYPES)]
        pool = pools[dt]
        fam = pool[(i // len(DOC_TYPES)) % len(pool)]
        rng = random.Random(f"fields:{seed}:{split}:{i}")
        share = float(fam.get("inpatient", INPATIENT_SHARE[fam.doc_type]))
        case = _distinct_diagnoses(make_case(rng, inpatient=rng.random() < share))
        doc = render(fam, case, rng)
        noisy = rng.random() < noise_share
        yield Sample(
            dt, fam.name, pages_of(doc, rng, noisy), _truth(doc), noisy, list(doc.notes.get("distractors", []))
        )


def old_samples(count: int, seed: int, noise_share: float = 0.5) -> Iterator[Sample]:
    """count documents of intake's own layouts (intake_lab/synth/layouts), one layout after another."""
    from intake_lab.synth import fonts
    from intake_lab.synth.corpus import _case_for, _render
    from intake_lab.synth.layouts import load_all

    layouts = sorted(n for n, lay in load_all().items() if lay.doc_type in DOC_TYPES)
    for i in range(count):
        name = layouts[i % len(layouts)]
        rng = random.Random(f"fields-old:{seed}:{i}")
        case = _case_for(name, rng)
        doc = _render(name, case, rng, fonts.BODY_FAMILIES)
        noisy = rng.random() < noise_share
        yield Sample(doc.doc_type, f"old:{name}", pages_of(doc, rng, noisy), _truth(doc), noisy)


def sample_to_json(s: Sample) -> dict[str, Any]:
    return {
        "doc_type": str(s.doc_type),
        "family": s.family,
        "pages": [p.to_json() for p in s.pages],
        "truth": s.truth,
        "noisy": s.noisy,
        "distractors": s.distractors,
    }


def sample_from_json(d: dict[str, Any]) -> Sample:
    return Sample(
        DocType(d["doc_type"]),
        d["family"],
        [OcrPage.from_json(p) for p in d["pages"]],
        d["truth"],
        bool(d.get("noisy")),
        list(d.get("distractors", [])),
    )


def cached(path: Any, make: Iterator[Sample]) -> list[Sample]:
    """The samples stored at path (JSON lines), drawn and stored first if it is not there."""
    import json
    from pathlib import Path

    path = Path(path)
    if path.exists():
        return [sample_from_json(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]
    path.parent.mkdir(parents=True, exist_ok=True)
    out = list(make)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(sample_to_json(s), ensure_ascii=False) + "\n" for s in out), encoding="utf-8")
    tmp.replace(path)
    return out
