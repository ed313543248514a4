"""The form-family corpus: deterministic, its truth drawn and self-consistent, every document type,
kind and arrangement drawn, held-out families worded apart from training ones, and readable by the
extraction benchmark. Generation is kept to a few documents; nothing here runs OCR."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from intake.elements.page import OcrLine, OcrPage, OcrResult, Seal, blank_image
from intake.normalize import idcard
from intake.normalize.dates import find_dates
from intake.normalize.money import parse_money, parse_upper
from intake.normalize.text import fold
from intake.vocabulary import FIELDS, DocType
from intake_lab.synth.case import make_case
from intake_lab.synth.forms import corpus as forms_corpus
from intake_lab.synth.forms.arrange import ARRANGEMENTS
from intake_lab.synth.forms.letter import NUMERALS
from intake_lab.synth.forms.render import RENDERERS, render
from intake_lab.synth.forms.spec import DOC_TYPES, families, wordings

from .test_corpus import _load, check_drawn

MONEY = ("total_amount", "insurance_paid", "personal_account_paid", "personal_copay", "personal_selfpay")
DATES = ("issue_date", "admission_date", "discharge_date")
# Fields a document of the type may leave out: only the stay's fields (an outpatient has none).
MAY_LACK = {
    DocType.INVOICE: {"admission_date", "discharge_date", "check_code"},
    DocType.SETTLEMENT: {"admission_date", "discharge_date"},
    DocType.DISCHARGE: {"admission_date", "discharge_date", "length_of_stay"},
    DocType.DIAGNOSIS: {"admission_date", "discharge_date", "length_of_stay", "inpatient_number"},
    DocType.UNIT_CERTIFICATE: set(),
}


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Two files of each document type, from both splits' first families, clean and degraded."""
    out = tmp_path_factory.mktemp("forms")
    return out, forms_corpus.generate(out, count=10, seed=3, split="all")


@pytest.fixture(scope="module")
def one_per_family() -> list[tuple[str, Any]]:
    """One clean document of every family, straight from its renderer (pages not degraded)."""
    docs = []
    for k, fam in enumerate(families()):
        rng = random.Random(f"test:{fam.name}")
        share = float(fam.get("inpatient", forms_corpus.INPATIENT_SHARE[fam.doc_type]))
        case = make_case(rng, inpatient=share >= 1.0 or (share > 0 and k % 2 == 0))
        docs.append((fam.name, render(fam, case, rng)))
    return docs


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_index_and_split_give_the_same_bytes(tmp_path: Path) -> None:
    forms_corpus.generate(tmp_path / "a", count=3, seed=5, split="heldout", doc_types=["invoice", "unit_certificate"])
    forms_corpus.generate(tmp_path / "b", count=3, seed=5, split="heldout", doc_types=["invoice", "unit_certificate"])
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    # A file depends on (seed, split, index) alone: a longer corpus starts with the same files.
    longer = forms_corpus.plan(7, 5, "heldout", [DocType.INVOICE, DocType.UNIT_CERTIFICATE])
    name, data, _ = forms_corpus.render_file(5, "heldout", longer[2])
    assert hashlib.sha256(data).hexdigest() == _digest(tmp_path / "a")[name]
    other = forms_corpus.plan(3, 6, "heldout", [DocType.INVOICE, DocType.UNIT_CERTIFICATE])
    assert forms_corpus.render_file(6, "heldout", other[2])[1] != data


def _numeral_date(text: str) -> str | None:
    """二〇二三年五月八日 -> 2023-05-08, the one date form find_dates does not read."""
    m = re.fullmatch(
        r"([〇一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日", text
    )
    if not m:
        return None

    def small(s: str) -> int:
        if "十" not in s:
            return NUMERALS.index(s)
        tens, _, ones = s.partition("十")
        return (NUMERALS.index(tens) if tens else 1) * 10 + (NUMERALS.index(ones) if ones else 0)

    year = int("".join(str(NUMERALS.index(c)) for c in m[1]))
    return date(year, small(m[2]), small(m[3])).isoformat()


def _documents(truth: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for f in truth["files"]:
        for d in f["documents"]:
            yield f, d


def check_values(f: dict[str, Any], doc: dict[str, Any]) -> None:
    """Each value what its printed text says, the money adding up, 大写 = 小写, dates in order."""
    where = f"{f['file']} {doc['form_family']}"
    fields = doc["fields"]
    dt = DocType(doc["doc_type"])
    assert set(fields) <= set(FIELDS[dt]), f"{where}: fields outside the contract"
    assert set(FIELDS[dt]) - set(fields) <= MAY_LACK[dt], f"{where}: missing {set(FIELDS[dt]) - set(fields)}"
    for name, fld in fields.items():
        assert fld["value"] not in ("", None, []), f"{where}: {name} empty"
        if name != "seal" or fld["value"]["present"]:
            assert fld["arrangement"], f"{where}: {name} has no arrangement"
    bill = doc["case_truth"]["bill"]
    total = Decimal(bill["total"])
    assert sum(Decimal(a) for _, a in bill["items"]) == total
    parts = ("insurance_paid", "other_paid", "personal_copay", "personal_selfpay")
    assert sum(Decimal(bill[p]) for p in parts) == total, f"{where}: parts do not add up"
    for name in MONEY:
        if name in fields:
            value = fields[name]["value"]
            assert value == bill[name if name != "total_amount" else "total"], f"{where}: {name} is not the bill's"
            assert parse_money(fields[name]["source_text"]) == Decimal(value), f"{where}: {name} misprinted"
    if "total_amount_upper" in fields:
        assert parse_upper(fields["total_amount_upper"]["value"]) == total, f"{where}: 大写 is not the total"
    for name in DATES:
        if name in fields:
            text = fields[name]["source_text"]
            printed = [d.iso() for d in find_dates(text)] + [_numeral_date(text)]
            assert fields[name]["value"] in printed, f"{where}: {name} not what {text!r} says"
    if "admission_date" in fields and "discharge_date" in fields:
        a, b = fields["admission_date"]["value"], fields["discharge_date"]["value"]
        assert a <= b, f"{where}: discharged before admitted"
        if "length_of_stay" in fields and len(a) == 10:
            days = (date.fromisoformat(b) - date.fromisoformat(a)).days
            assert fields["length_of_stay"]["value"] == days, f"{where}: stay days disagree"
    if dt == DocType.UNIT_CERTIFICATE:
        assert fields["issue_date"]["value"] > doc["case_truth"]["discharge"], f"{where}: letter before discharge"
    if "id_number" in fields:
        assert idcard.is_valid(fields["id_number"]["value"]), f"{where}: bad ID check digit"
    if "sex" in fields:
        assert fields["sex"]["value"] == doc["case_truth"]["sex"]
    for name in ("patient_name", "employee_name"):
        if name in fields:
            assert fields[name]["value"] == doc["case_truth"]["patient"], f"{where}: {name} is not the patient"
    if "diagnoses" in fields:
        for dx in fields["diagnoses"]["value"]:
            assert dx["text"] in fields["diagnoses"]["source_text"] and dx["icd10"], f"{where}: {dx}"


def test_truth_is_consistent_and_drawn(small_corpus: tuple[Path, dict[str, Any]]) -> None:
    folder, truth = small_corpus
    for f in truth["files"]:
        images = _load(folder, f)
        assert len(images) == len(f["pages"]), f"{f['file']}: page count"
        for doc in f["documents"]:
            check_values(f, doc)
            check_drawn(f, doc, images)


def _ink(image: Any, box: tuple[int, int, int, int]) -> float:
    x0, y0, x1, y1 = box
    region = np.asarray(image.convert("L"))[y0:y1, x0:x1]
    return float(region.max()) - float(region.min()) if region.size else 0.0


def test_every_family_draws_its_fields_on_the_clean_page(one_per_family: list[tuple[str, Any]]) -> None:
    """Each field's printed text is one of its page's lines and its box has ink on the clean page;
    the distractors are printed too, and none of them is a field's value."""
    for name, doc in one_per_family:
        sources = set()
        for field_name, fld in doc.fields.items():
            if field_name == "seal" and not fld.value["present"]:
                continue
            page = doc.pages[fld.page - 1]
            if field_name == "seal":
                assert any(s.text == fld.source_text for s in page.seals), f"{name}: seal not pressed"
            elif field_name == "diagnoses":
                drawn = [d.text for d in page.drawn]
                assert all(any(dx["text"] in t for t in drawn) for dx in fld.value), f"{name}: diagnoses"
            else:
                assert any(fld.source_text in d.text for d in page.drawn), f"{name}: {field_name} not drawn"
                sources.add(fld.source_text)
            assert 0 <= fld.box[0] < fld.box[2] <= page.width and 0 <= fld.box[1] < fld.box[3] <= page.height
            assert _ink(page.image, fld.box) > 60, f"{name}: no ink under {field_name}"
        lines = [d.text for p in doc.pages for d in p.drawn]
        for dis in doc.notes.get("distractors", []):
            assert any(dis["text"] in t for t in lines), f"{name}: distractor {dis} not drawn"
            zero = re.fullmatch(r"[¥￥⊗]?0(\.0+)?元?", dis["text"])
            assert zero or dis["text"] not in sources, f"{name}: distractor {dis} is a field's printed value"


def test_every_doc_type_kind_and_arrangement_occurs(one_per_family: list[tuple[str, Any]]) -> None:
    seen_types = {doc.doc_type for _, doc in one_per_family}
    assert seen_types == set(DOC_TYPES)
    kinds = {(fam.doc_type, fam.kind) for fam in families()}
    assert kinds == set(RENDERERS), "a renderer without a family, or a family without a renderer"
    arrangements = {how for _, doc in one_per_family for how in doc.notes.get("arrangement", {}).values()}
    assert set(ARRANGEMENTS) <= arrangements, f"never drawn: {set(ARRANGEMENTS) - arrangements}"
    distractor_types = {doc.doc_type for _, doc in one_per_family if doc.notes.get("distractors")}
    assert distractor_types == set(DOC_TYPES), "every document type prints values that are not its fields"


def test_families_are_split_with_enough_held_out() -> None:
    for dt in DOC_TYPES:
        assert len(families(dt)) >= 6, f"{dt}: fewer than 6 families"
        assert len(families(dt, "heldout")) >= 2, f"{dt}: fewer than 2 held-out families"
    plans = forms_corpus.plan(40, 1, "train")
    assert {p.family.split for p in plans} == {"train"}
    assert {p.family.name for p in plans} == {f.name for f in families(split="train")}
    clean = sum(p.recipe == "clean" for p in plans)
    assert clean == 12, "three in ten files are clean"


def _wordings(dt: DocType, split: str) -> tuple[dict[str, set[str]], set[str]]:
    """(label key -> wordings, phrasings) that the split's families of dt print."""
    words = wordings(dt)
    labels: dict[str, set[str]] = {}
    phrasings: set[str] = set()
    for fam in families(dt, split):
        for key, options in fam.data["labels"].items():
            labels.setdefault(key, set()).update(options)
        for key in words.phrasing_keys:
            phrasings.update((fam.get("choose") or {}).get(key, []))
        phrasings.update(text for text, _ in fam.get("extras") or [])
    return labels, phrasings - {""}


def test_held_out_families_share_no_wording_with_training_ones() -> None:
    """A held-out family prints no label wording and no phrasing of a training family, except what
    the data declares shared (the world has one word for 性别); labels are compared as the reader
    folds them (帐 is 账, full-width brackets are ASCII), so a spelling variant is not a new wording."""
    for dt in DOC_TYPES:
        words = wordings(dt)
        train_labels, train_phrasings = _wordings(dt, "train")
        held_labels, held_phrasings = _wordings(dt, "heldout")
        for key, held in held_labels.items():
            shared = {fold(w) for w in words.shared_labels.get(key, [])}
            trained = {fold(w) for w in train_labels.get(key, set())}
            both = ({fold(w) for w in held} & trained) - shared
            assert not both, f"{dt} {key}: {both} worded alike in training and held-out families"
        both_phrasings = (held_phrasings & train_phrasings) - set(words.shared_templates)
        assert not both_phrasings, f"{dt}: {both_phrasings} phrased alike in training and held-out families"


def _perfect_ocr(corpus: Path) -> dict[str, OcrResult]:
    """What a flawless reader would see: the truth's printed lines and seals."""
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    out = {}
    for f in truth["files"]:
        pages = []
        for p in f["pages"]:
            lines = [OcrLine(ln["text"], tuple(ln["box"]), 1.0) for ln in p["lines"] if ln["kind"] != "seal"]
            seals = [Seal(tuple(s["box"]), s["shape"], s["text"], 0.9) for s in p["seals"]]
            pages.append(OcrPage(p["page"], blank_image(p["width"], p["height"]), lines, seals))
        out[f["file"]] = OcrResult(f["file"], "image/png", pages)
    return out


def test_extraction_benchmark_reads_the_corpus(
    small_corpus: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from intake_lab.bench import extract as bench

    folder, truth = small_corpus
    monkeypatch.setattr(bench, "ocr_corpus", _perfect_ocr)
    res = bench.evaluate(folder, 0.85, "truth", 0)
    on_page = {name for (name, _), c in res["counts"].items() if c[2]}
    wanted = {name for _, d in _documents(truth) for name in d["fields"]}
    assert wanted <= on_page | {"seal"}, f"fields the benchmark did not count: {wanted - on_page}"
    read = sum(c[1] for c in res["counts"].values())
    assert read > 0, "the extractor read nothing right from flawless lines"


def test_cli_lists_families_and_refuses_a_bad_split(tmp_path: Path) -> None:
    from intake.cli import app

    runner = CliRunner()
    listed = runner.invoke(app, ["fixtures", "form-families"])
    assert listed.exit_code == 0
    assert all(fam.name in listed.output for fam in families())
    bad = runner.invoke(app, ["fixtures", "forms", "--out", str(tmp_path), "--count", "1", "--split", "test"])
    assert bad.exit_code != 0
    made = runner.invoke(
        app,
        ["fixtures", "forms", "--out", str(tmp_path), "--count", "1", "--split", "heldout", "--doc-types", "diagnosis"],
    )
    assert made.exit_code == 0, made.output
    assert "1 heldout form families" in made.output
