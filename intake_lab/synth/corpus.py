"""A labelled corpus: files as members upload them, and truth.json describing every page.

The plan is a pure function of (count, seed, layouts, families): single files cycle through the
layouts, first all clean, then dealt the degradation recipes in turn, so any count of about 2×L
covers every layout clean and degraded; every eighth file is a special case (PDF bundles,
multi-page PDFs, other formats, extensions that lie).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from intake.elements.page import OcrLine
from intake.normalize.money import format_money
from intake.ocr.order import reading_order
from intake.vocabulary import DocType
from intake_lab.synth import degrade, files, fonts
from intake_lab.synth.canvas import Box, Page, SynthDocument
from intake_lab.synth.case import Case, make_case
from intake_lab.synth.layouts import LAYOUTS, Style, load_all

TRUTH_FILE = "truth.json"
GENERATOR_VERSION = "1"

# Degradation recipes, in the order rounds take them: round 0 is clean, then what phones and
# scanners do. A recipe names degrade.KINDS; the file format follows how such a file arrives.
RECIPES: dict[str, tuple[tuple[str, ...], str]] = {
    "clean": ((), "png"),
    "photo": (("photo", "shadow", "jpeg"), "jpeg"),
    "scan": (("scan_grey", "lowcontrast", "noise"), "jpeg"),
    "skew": (("rotate", "blur", "privacy"), "jpeg"),
    "photo_fold": (("photo", "fold", "watermark", "privacy"), "jpeg"),
    "sideways": (("rotate90", "jpeg"), "jpeg"),
    "upside": (("rotate180", "scan_grey"), "webp"),
    "sideways_left": (("rotate270", "photo", "jpeg"), "jpeg"),
    "clean_jpeg": ((), "jpeg"),
}
ROUND_ORDER = tuple(RECIPES)
# Each new round shifts every layout's recipe by a step coprime to their number, so one layout
# meets a different degradation every round.
_STRIDE = 3

# Special files, one in every SPECIAL_EVERY: what a portal receives besides single photos.
SPECIALS = (
    "pdf_bundle",  # invoice + discharge record + employer certificate in one PDF
    "pdf_multipage",  # a discharge record of several pages
    "png_named_jpg",
    "pdf_invoice",  # an electronic invoice downloaded as PDF
    "webp_named_jpg",
    "tiff_scan",
    "pdf_bundle_settlement",  # settlement + diagnosis certificate + an unrelated page
    "bmp_scan",
)
SPECIAL_EVERY = 8
MAY_RUN_ONTO_PAGES = frozenset({"discharge_record", "discharge_summary", "settlement_list"})
PNG_BUDGET = 400_000  # bytes; keeps the committed sample small
SENSITIVE = re.compile(r"\d{9,}|[\dX]{18}")


@dataclass
class PageTruth:
    page: int
    width: int
    height: int
    degradations: list[str]
    text: str  # the printed lines in reading order of the upright page: what OCR should read
    lines: list[dict[str, Any]]
    seals: list[dict[str, Any]]


@dataclass
class FileTruth:
    file: str
    format: str
    documents: list[dict[str, Any]] = field(default_factory=list)
    pages: list[PageTruth] = field(default_factory=list)
    special: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "special": self.special,
            "documents": self.documents,
            "pages": [vars(p) for p in self.pages],
        }


def _style(rng: random.Random, layout: str, families: Sequence[str]) -> Style:
    seal_rate = 0.75 if layout == "unit_certificate" else 0.9
    return Style(
        family=rng.choice(families),
        seal=rng.random() < seal_rate,
        scale=rng.uniform(0.92, 1.12),
        colon=rng.choice(("：", "：", ":", "")),
        date_style=rng.choice(("iso", "cn", "cn_short", "dot")),
        thousands=rng.random() < 0.3,
        trim_cents=rng.random() < 0.2,
        variant=rng.randrange(4),
    )


def _render(layout: str, case: Case, rng: random.Random, families: Sequence[str]) -> SynthDocument:
    return LAYOUTS[layout].render(case, _style(rng, layout, families), rng)


def _case_for(layout: str, rng: random.Random) -> Case:
    inpatient = None
    if layout.startswith(("discharge", "settlement_inpatient")):
        inpatient = True
    return make_case(rng, inpatient=inpatient)


def _page_text(page: Page) -> str:
    """Printed text in reading order, ordered on the clean page so rotation cannot scramble it."""
    printed = [OcrLine(d.text, d.box, 1.0) for d in page.drawn if d.kind != "seal"]
    return "\n".join(line.text for line in reading_order(printed))


def _degrade_page(
    page: Page, doc: SynthDocument, kinds: Iterable[str], rng: random.Random
) -> tuple[Image.Image, PageTruth, Callable[[Box], Box]]:
    """Degrade one page; return its image, its truth and the map from drawn to stored pixels."""
    page_no = doc.pages.index(page) + 1
    protect = [f.box for f in doc.fields.values() if f.page == page_no and f.box[2] > f.box[0]]
    cover = [d.box for d in page.drawn if SENSITIVE.search(d.text) and d.box not in protect]
    out = degrade.apply(page.image, list(kinds), rng, protect=protect, cover=cover)
    size = out.image.size

    def mapper(b: Box) -> Box:
        return degrade.map_box(out.matrix, b, size)

    lines = [{"text": d.text, "box": list(mapper(d.box)), "kind": d.kind} for d in page.drawn]
    seals = [{"text": s.text, "box": list(mapper(s.box)), "shape": s.shape} for s in page.seals]
    truth = PageTruth(0, size[0], size[1], out.applied, _page_text(page), lines, seals)
    return out.image, truth, mapper


def _case_truth(case: Case) -> dict[str, Any]:
    """What the case behind a document was, beyond the contract fields: lets tests check sums."""
    b = case.bill
    return {
        "patient": case.person.name,
        "sex": case.person.sex,
        "id_number": case.person.id_number,
        "admission": case.admission.isoformat(),
        "discharge": case.discharge.isoformat(),
        "bill": {
            "items": [[name, format_money(v)] for name, v in b.items],
            "total": format_money(b.total),
            "insurance_paid": format_money(b.insurance_paid),
            "other_paid": format_money(b.other_paid),
            "personal_account_paid": format_money(b.personal_account_paid),
            "personal_cash_paid": format_money(b.personal_cash_paid),
            "personal_copay": format_money(b.personal_copay),
            "personal_selfpay": format_money(b.personal_selfpay),
        },
    }


def _document_truth(
    doc: SynthDocument, first_page: int, mappers: list[Callable[[Box], Box]], case_id: str
) -> dict[str, Any]:
    fields = {}
    for name, f in doc.fields.items():
        box = mappers[f.page - 1](f.box) if f.box[2] > f.box[0] else f.box
        fields[name] = {
            "value": f.value,
            "page": first_page + f.page - 1,
            "box": list(box),
            "source_text": f.source_text,
        }
    return {
        "doc_type": str(doc.doc_type),
        "layout": doc.layout,
        "family": doc.family,
        "pages": [first_page + i for i in range(len(doc.pages))],
        "case": case_id,
        "fields": fields,
    }


def _assemble(
    docs: list[SynthDocument], case: Case, kinds: Sequence[str], rng: random.Random, case_id: str
) -> tuple[list[Image.Image], list[PageTruth], list[dict[str, Any]]]:
    images: list[Image.Image] = []
    pages: list[PageTruth] = []
    documents = []
    for doc in docs:
        mappers = []
        first = len(images) + 1
        for page in doc.pages:
            img, truth, mapper = _degrade_page(page, doc, kinds, rng)
            truth.page = len(images) + 1
            images.append(img)
            pages.append(truth)
            mappers.append(mapper)
        documents.append(_document_truth(doc, first, mappers, case_id))
        documents[-1]["case_truth"] = _case_truth(case)
    return images, pages, documents


@dataclass(frozen=True)
class Plan:
    index: int
    layouts: tuple[str, ...]
    recipe: str
    special: str | None


def plan(count: int, layouts: Sequence[str]) -> list[Plan]:
    out = []
    singles = 0
    for i in range(count):
        if i % SPECIAL_EVERY == SPECIAL_EVERY - 1:
            special = SPECIALS[(i // SPECIAL_EVERY) % len(SPECIALS)]
            out.append(Plan(i, _special_layouts(special, layouts, i), "clean", special))
            continue
        turn, slot = divmod(singles, len(layouts))
        layout = layouts[slot]
        # Round 0 is every layout clean; later rounds deal the other recipes out across layouts,
        # so that a small corpus already holds every degradation.
        recipe = "clean" if turn == 0 else ROUND_ORDER[1 + (slot + (turn - 1) * _STRIDE) % (len(ROUND_ORDER) - 1)]
        out.append(Plan(i, (layout,), recipe, None))
        singles += 1
    return out


def _pick(layouts: Sequence[str], prefix: str, doc_type: DocType) -> list[str]:
    """The first chosen layout with this prefix, else of this type, else none: a corpus restricted to
    some layouts (a held-out test set) must not pull others in through its bundles."""
    for name in layouts:
        if name.startswith(prefix):
            return [name]
    for name in layouts:
        if LAYOUTS[name].doc_type == doc_type:
            return [name]
    return []


def _special_layouts(special: str, layouts: Sequence[str], index: int) -> tuple[str, ...]:
    picked: list[str] = []
    if special == "pdf_bundle":
        picked = [
            *_pick(layouts, "invoice_paper", DocType.INVOICE),
            *_pick(layouts, "discharge_record", DocType.DISCHARGE),
            *_pick(layouts, "unit_certificate", DocType.UNIT_CERTIFICATE),
        ]
    elif special == "pdf_bundle_settlement":
        picked = [
            *_pick(layouts, "settlement", DocType.SETTLEMENT),
            *_pick(layouts, "diagnosis", DocType.DIAGNOSIS),
            *_pick(layouts, "other_lab", DocType.OTHER),
        ]
    elif special == "pdf_multipage":
        picked = _pick(layouts, "discharge_record", DocType.DISCHARGE)
    elif special == "pdf_invoice":
        picked = _pick(layouts, "invoice_electronic", DocType.INVOICE)
    if picked:
        return tuple(picked)
    # Image-format specials hold one page, so they take a layout that never runs onto a second.
    single = [n for n in layouts if n not in MAY_RUN_ONTO_PAGES] or list(layouts)
    return (single[(index // SPECIAL_EVERY) % len(single)],)


def _special_recipe(special: str) -> tuple[tuple[str, ...], str, str]:
    """(degradations, true format, extension written)."""
    return {
        "pdf_bundle": (("scan_grey",), "pdf", ".pdf"),
        "pdf_bundle_settlement": ((), "pdf", ".pdf"),
        "pdf_multipage": (("scan_grey", "noise"), "pdf", ".pdf"),
        "pdf_invoice": ((), "pdf", ".pdf"),
        "png_named_jpg": (("rotate",), "png", ".jpg"),
        "webp_named_jpg": (("photo",), "webp", ".jpg"),
        "tiff_scan": (("scan_grey",), "tiff", ".tif"),
        "bmp_scan": (("scan_grey",), "bmp", ".bmp"),
    }[special]


def generate(
    out: Path,
    count: int,
    seed: int,
    *,
    layouts: Sequence[str] | None = None,
    families: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write count files and truth.json into out; returns the truth. Same arguments, same bytes."""
    load_all()
    chosen = tuple(layouts or sorted(LAYOUTS))
    unknown = set(chosen) - set(LAYOUTS)
    if unknown:
        raise ValueError(f"unknown layouts: {', '.join(sorted(unknown))}")
    fams = tuple(families or fonts.BODY_FAMILIES)
    bad = set(fams) - set(fonts.FAMILIES)
    if bad:
        raise ValueError(f"unknown font families: {', '.join(sorted(bad))}")
    out.mkdir(parents=True, exist_ok=True)
    truth_files = []
    for p in plan(count, chosen):
        rng = random.Random(f"{seed}:{p.index}")
        case_id = f"s{seed}-c{p.index:04d}"
        if p.special:
            kinds, fmt, ext = _special_recipe(p.special)
        else:
            kinds, fmt = RECIPES[p.recipe]
            ext = files.FORMATS[fmt][1]
        case = _case_for(p.layouts[0], rng) if len(p.layouts) == 1 else make_case(rng, inpatient=True)
        docs = [_render(name, case, rng, fams) for name in p.layouts]
        images, pages, documents = _assemble(docs, case, kinds, rng, case_id)
        what = p.layouts[0] if len(p.layouts) == 1 else "bundle"
        stem = f"{p.index:04d}-{what}-{p.special or p.recipe}"
        name = stem + ext
        if len(images) > 1 and fmt != "pdf":
            # A document of several pages arrives as one file: a PDF.
            fmt, ext = "pdf", ".pdf"
            name = stem + ext
        if fmt == "pdf":
            data = files.encode_pdf(images)
        elif fmt == "bmp":
            # Office scanners that write BMP mostly write black-and-white: 1 bit a pixel.
            data = files.encode_image(images[0].convert("L").point(lambda v: 255 if v > 170 else 0, "1"), fmt)
        else:
            data = files.encode_image(images[0], fmt, quality=rng.randint(70, 85))
            if fmt == "png" and len(data) > PNG_BUDGET:
                # Textured paper (ID cards, tinted stock) does not compress losslessly; a phone
                # app would have saved it as JPEG anyway.
                fmt, ext = "jpeg", ".jpg"
                name = stem + ext
                data = files.encode_image(images[0], fmt, quality=85)
        (out / name).write_bytes(data)
        ft = FileTruth(name, fmt, documents, pages, p.special)
        truth_files.append(ft.to_json())
        if progress:
            progress(1)
    truth = {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "count": count,
        "layouts": list(chosen),
        "families": list(fams),
        "files": truth_files,
    }
    (out / TRUTH_FILE).write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth


def load_truth(folder: Path) -> dict[str, Any]:
    return json.loads((folder / TRUTH_FILE).read_text(encoding="utf-8"))
