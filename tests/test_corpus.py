"""The generated corpus and its truth: self-consistent, deterministic, and drawn on the pages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from intake.normalize import idcard
from intake.normalize.dates import find_dates
from intake.normalize.money import parse_money, parse_upper
from intake.upload.files import load_pages
from intake.vocabulary import FIELDS, DocType
from intake_lab.synth.corpus import generate
from intake_lab.synth.layouts import load_all

from .conftest import SAMPLE

MONEY = ("total_amount", "insurance_paid", "personal_account_paid", "personal_copay", "personal_selfpay")
DATES = ("issue_date", "admission_date", "discharge_date")


def documents(truth: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for f in truth["files"]:
        for d in f["documents"]:
            yield f, d


def check_document(f: dict[str, Any], doc: dict[str, Any]) -> None:
    where = f"{f['file']} {doc['layout']}"
    fields = doc["fields"]
    allowed = set(FIELDS[DocType(doc["doc_type"])])
    assert set(fields) <= allowed, f"{where}: fields outside the contract: {set(fields) - allowed}"
    assert "seal" in fields, f"{where}: every document states whether it is sealed"
    for name, fld in fields.items():
        assert fld["page"] in doc["pages"], f"{where}: {name} on a page not of this document"
        assert fld["value"] not in ("", None, []), f"{where}: {name} is empty; absent fields are omitted"

    bill = doc["case_truth"]["bill"]
    total = Decimal(bill["total"])
    assert sum(Decimal(a) for _, a in bill["items"]) == total
    parts = ("insurance_paid", "other_paid", "personal_copay", "personal_selfpay")
    assert sum(Decimal(bill[p]) for p in parts) == total, f"{where}: parts do not add up to the total"
    assert Decimal(bill["personal_account_paid"]) + Decimal(bill["personal_cash_paid"]) == Decimal(
        bill["personal_copay"]
    ) + Decimal(bill["personal_selfpay"])
    for name in MONEY:
        if name in fields:
            value = fields[name]["value"]
            assert value == f"{Decimal(value):.2f}", f"{where}: {name} not a two-place decimal"
            assert value == bill[name if name != "total_amount" else "total"], f"{where}: {name} differs from bill"
            assert parse_money(fields[name]["source_text"]) == Decimal(value), f"{where}: {name} misprinted"
    if "total_amount_upper" in fields:
        assert parse_upper(fields["total_amount_upper"]["value"]) == total, f"{where}: 大写 is not the total"
    for name in DATES:
        if name in fields:
            value = fields[name]["value"]
            printed = [d.iso() for d in find_dates(fields[name]["source_text"])]
            assert value in printed, f"{where}: {name}={value} not what is printed {printed}"
    if "admission_date" in fields and "discharge_date" in fields:
        a, b = fields["admission_date"]["value"], fields["discharge_date"]["value"]
        if len(a) == len(b) == 10:
            assert a <= b, f"{where}: discharged before admitted"
            if "length_of_stay" in fields:
                days = (date.fromisoformat(b) - date.fromisoformat(a)).days
                assert fields["length_of_stay"]["value"] in (days, days + 1), f"{where}: stay days disagree"
    if "id_number" in fields:
        assert idcard.is_valid(fields["id_number"]["value"]), f"{where}: bad ID check digit"
    if "sex" in fields:
        assert fields["sex"]["value"] in ("男", "女")
        assert fields["sex"]["value"] == doc["case_truth"]["sex"]
    assert idcard.is_valid(doc["case_truth"]["id_number"])
    assert idcard.sex_of(doc["case_truth"]["id_number"]) == doc["case_truth"]["sex"]
    if "diagnoses" in fields:
        source = fields["diagnoses"]["source_text"]
        for dx in fields["diagnoses"]["value"]:
            assert dx["text"] and dx["text"] in source, f"{where}: diagnosis {dx['text']} not printed"
            assert dx.get("icd10"), f"{where}: generated diagnoses carry their code"
    for name in ("patient_name", "employee_name"):
        if name in fields:
            assert fields[name]["value"] == doc["case_truth"]["patient"], f"{where}: {name} is not the patient"


def check_drawn(f: dict[str, Any], doc: dict[str, Any], images: list[np.ndarray]) -> None:
    """Each field's printed text is one of the page's drawn lines, and there is ink in its box."""
    for name, fld in doc["fields"].items():
        if name == "seal" and not fld["value"]["present"]:
            continue
        page = f["pages"][fld["page"] - 1]
        drawn = [ln["text"] for ln in page["lines"]]
        if name == "seal":
            assert any(s["text"] == fld["source_text"] for s in page["seals"]), f"{f['file']}: seal not pressed"
        elif name == "diagnoses":
            assert all(any(dx["text"] in t for t in drawn) for dx in fld["value"]), f"{f['file']}: diagnoses"
        else:
            assert any(fld["source_text"] in t for t in drawn), f"{f['file']}: {name} {fld['source_text']!r} not drawn"
        x0, y0, x1, y1 = fld["box"]
        img = images[fld["page"] - 1]
        assert 0 <= x0 < x1 <= img.shape[1] and 0 <= y0 < y1 <= img.shape[0], f"{f['file']}: {name} box off page"
        # A median filter first, so that sensor noise on a blank (or whited-out) box is not ink.
        region = cv2.medianBlur(np.ascontiguousarray(img[y0:y1, x0:x1].min(axis=2)), 3)
        contrast = float(np.percentile(region, 95)) - float(region.min())
        assert contrast > 25, f"{f['file']}: no ink where {name} should be printed (covered or blank?)"


def _load(folder: Path, f: dict[str, Any]) -> list[np.ndarray]:
    _, images = load_pages((folder / f["file"]).read_bytes(), f["file"])
    return images


def test_fresh_corpus_is_consistent(fresh_corpus: tuple[Path, dict[str, Any]]) -> None:
    _, truth = fresh_corpus
    for f, doc in documents(truth):
        check_document(f, doc)


def test_fresh_corpus_values_are_drawn(fresh_corpus: tuple[Path, dict[str, Any]]) -> None:
    folder, truth = fresh_corpus
    for f in truth["files"]:
        images = _load(folder, f)
        assert len(images) == len(f["pages"]), f"{f['file']}: page count differs from truth"
        for img, page in zip(images, f["pages"], strict=True):
            assert abs(img.shape[1] - page["width"]) <= 2 and abs(img.shape[0] - page["height"]) <= 2
        for doc in f["documents"]:
            check_drawn(f, doc, images)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_generation_is_deterministic(tmp_path: Path) -> None:
    generate(tmp_path / "a", count=8, seed=5)
    generate(tmp_path / "b", count=8, seed=5)
    generate(tmp_path / "c", count=8, seed=6)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_unknown_layout_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown layouts: nope"):
        generate(tmp_path, count=1, seed=1, layouts=["nope"])


# -- the committed sample ------------------------------------------------------------------------


def test_sample_covers_every_type_layout_and_degradation(sample_truth: dict[str, Any]) -> None:
    files = sample_truth["files"]
    assert len(files) >= 60
    total = sum(p.stat().st_size for p in SAMPLE.iterdir())
    assert total < 20 * 2**20, f"sample corpus is {total / 2**20:.1f} MiB"
    layouts_seen: dict[str, set[bool]] = {}
    for f in files:
        degraded = any(p["degradations"] for p in f["pages"])
        for d in f["documents"]:
            layouts_seen.setdefault(d["layout"], set()).add(degraded)
    assert set(layouts_seen) == set(load_all()), "every layout appears in the sample"
    missing = [name for name, kinds in layouts_seen.items() if kinds != {True, False}]
    assert not missing, f"layouts without both a clean and a degraded copy: {missing}"
    assert {d["doc_type"] for _, d in documents(sample_truth)} == {t.value for t in DocType}
    kinds = {k.split(":")[0] for f in files for p in f["pages"] for k in p["degradations"]}
    wanted = {
        "photo",
        "shadow",
        "rotate",
        "rotate90",
        "rotate180",
        "rotate270",
        "blur",
        "jpeg",
        "noise",
        "scan_grey",
        "lowcontrast",
        "privacy",
        "fold",
        "watermark",
    }
    assert wanted <= kinds, f"degradations missing from the sample: {wanted - kinds}"
    formats = {f["format"] for f in files}
    assert {"jpeg", "png", "webp", "tiff", "bmp", "pdf"} <= formats
    lying = [f for f in files if Path(f["file"]).suffix == ".jpg" and f["format"] != "jpeg"]
    assert lying, "some files must carry an extension that lies about their format"
    assert any(len(f["documents"]) >= 3 for f in files), "a PDF bundling several documents"
    assert any(len(d["pages"]) >= 2 for _, d in documents(sample_truth)), "a multi-page document"


def test_sample_is_consistent_and_drawn(sample_truth: dict[str, Any]) -> None:
    for f in sample_truth["files"]:
        images = _load(SAMPLE, f)
        assert len(images) == len(f["pages"])
        for doc in f["documents"]:
            check_document(f, doc)
            check_drawn(f, doc, images)
