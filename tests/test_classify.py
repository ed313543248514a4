"""Document classification: page grouping, the `other` answer, persistence, and the shipped model."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from intake.classify.classifier import Classifier, default_model_dir
from intake.classify.features import PageFeatures
from intake.classify.model import CARD_FILE, MODEL_FILE, DocTypeModel, as_matrix, fit, fit_pipeline
from intake.classify.split import PagePrediction, group_pages
from intake.vocabulary import DocType

from .conftest import SAMPLE

TITLES = {
    "invoice": "浙江省医疗住院收费票据 票据代码 票据号码 金额合计 大写 统筹 个人自付",
    "settlement": "基本医疗保险住院费用结算单 统筹基金支付 个人账户支付 结算日期",
    "discharge": "出院记录 入院日期 出院日期 出院诊断 诊疗经过 出院医嘱",
    "diagnosis": "诊断证明书 诊断 建议休息 医师签名 门诊号",
    "unit_certificate": "证明 兹证明 身份证号 系我单位在职职工 特此证明 盖章",
    "other": "检验报告单 项目 结果 参考范围 白细胞 红细胞",
}


def feats(text: str, *, title_height: float = 2.0, continuation: float = 0.0, n_lines: float = 20) -> PageFeatures:
    return PageFeatures(
        text=text, title=text[:10], n_lines=n_lines, mean_confidence=0.95, digit_share=0.2, cjk_share=0.7,
        title_height=title_height, text_cover=0.2, round_seals=0, oval_seals=0, rect_stamps=0, rulings=3,
        qr_code=0, landscape=0, continuation=continuation,
    )  # fmt: skip


def pred(page: int, doc_type: str, conf: float = 0.95) -> PagePrediction:
    probs = {t.value: (conf if t.value == doc_type else (1 - conf) / 5) for t in DocType}
    return PagePrediction(page, DocType(doc_type), conf, probs)


def test_a_bundle_splits_into_its_documents() -> None:
    preds = [pred(1, "invoice"), pred(2, "discharge"), pred(3, "discharge"), pred(4, "unit_certificate")]
    f = [feats("票据"), feats("出院记录"), feats("诊疗经过 第2页", title_height=1.0, continuation=1), feats("证明")]
    docs = group_pages(preds, f, continue_min=0.35)
    assert [(d.doc_type.value, d.pages) for d in docs] == [
        ("invoice", [1]),
        ("discharge", [2, 3]),
        ("unit_certificate", [4]),
    ]


def test_two_titled_invoices_stay_two_documents() -> None:
    docs = group_pages([pred(1, "invoice"), pred(2, "invoice")], [feats("票据"), feats("票据")], continue_min=0.35)
    assert [d.pages for d in docs] == [[1], [2]]


def test_an_untitled_page_continues_a_discharge_record() -> None:
    preds = [pred(1, "discharge"), pred(2, "discharge")]
    docs = group_pages(preds, [feats("出院记录"), feats("出院医嘱", title_height=1.0)], continue_min=0.35)
    assert [d.pages for d in docs] == [[1, 2]]


def test_a_continuation_page_joins_even_when_its_own_call_was_unsure() -> None:
    p2 = PagePrediction(2, DocType.OTHER, 0.4, {"discharge": 0.4, "other": 0.45, "invoice": 0.15})
    docs = group_pages([pred(1, "discharge"), p2], [feats("出院记录"), feats("第2页", continuation=1)], 0.35)
    assert [(d.doc_type.value, d.pages) for d in docs] == [("discharge", [1, 2])]
    assert 0.4 < docs[0].confidence < 0.95


@pytest.fixture(scope="module")
def toy_model() -> DocTypeModel:
    rng = np.random.default_rng(0)
    pages, labels = [], []
    for label, words in TITLES.items():
        vocab = words.split()
        for _ in range(8):
            pages.append(feats(" ".join(rng.choice(vocab, size=6))))
            labels.append(label)
    return fit(pages, labels, {"trained": "toy"})


def test_unsure_and_empty_pages_are_other_with_low_confidence(toy_model: DocTypeModel) -> None:
    clf = Classifier(toy_model, other_below=0.55, continue_min=0.35)
    clear, mixed, empty = clf.predict_pages(
        [
            feats(TITLES["discharge"]),
            feats("票据 出院 证明 结算 诊断"),  # a bit of everything: no type stands out
            feats("", n_lines=0),
        ]
    )
    assert clear.doc_type is DocType.DISCHARGE
    assert empty.doc_type is DocType.OTHER and empty.confidence <= 0.5
    assert mixed.doc_type is DocType.OTHER or mixed.confidence >= 0.55


def test_model_round_trips_through_its_arrays(toy_model: DocTypeModel, tmp_path: Path) -> None:
    toy_model.save(tmp_path)
    loaded = DocTypeModel.load(tmp_path)
    x = [feats(TITLES["invoice"]), feats(TITLES["unit_certificate"])]
    assert np.allclose(loaded.predict_proba(x), toy_model.predict_proba(x))
    card = json.loads((tmp_path / CARD_FILE).read_text())
    card["version"] = "0"
    (tmp_path / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ValueError, match="version"):
        DocTypeModel.load(tmp_path)


def test_arrays_other_than_the_cards_are_refused(toy_model: DocTypeModel, tmp_path: Path) -> None:
    toy_model.save(tmp_path)
    arrays = dict(toy_model.arrays)
    arrays["intercept"] = arrays["intercept"] + 1.0
    with (tmp_path / MODEL_FILE).open("wb") as f:
        np.savez_compressed(f, **arrays)
    with pytest.raises(ValueError, match="sha256"):
        DocTypeModel.load(tmp_path)


def test_a_pickled_array_is_refused_even_with_a_matching_card(toy_model: DocTypeModel, tmp_path: Path) -> None:
    toy_model.save(tmp_path)
    with (tmp_path / MODEL_FILE).open("wb") as f:
        np.savez(f, **{**toy_model.arrays, "classes": np.array([object()] * 6, dtype=object)})
    card = json.loads((tmp_path / CARD_FILE).read_text())
    card["arrays"]["sha256"] = hashlib.sha256((tmp_path / MODEL_FILE).read_bytes()).hexdigest()
    (tmp_path / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ValueError, match="pickle"):
        DocTypeModel.load(tmp_path)


def test_the_arrays_give_the_fitted_pipelines_probabilities() -> None:
    """The runtime computes the model from its arrays, not through scikit-learn: on any page, the
    probabilities must be the pipeline's (whitespace runs, Latin capitals, unknown characters,
    empty text, unusual layout figures)."""
    rng = np.random.default_rng(3)
    pages, labels = [], []
    for label, words in TITLES.items():
        vocab = words.split()
        for _ in range(9):
            pages.append(feats(" ".join(rng.choice(vocab, size=5)), n_lines=float(rng.integers(1, 40))))
            labels.append(label)
    pipeline = fit_pipeline(pages, labels)
    model = DocTypeModel.from_pipeline(pipeline, {})
    probe = [
        feats(TITLES["settlement"]),
        feats("出院  记录\n\n  入院日期 ABC 票据"),
        feats("ＱＲ码 龘靐 未见过的字"),
        feats("", n_lines=0),
        feats("诊断证明书", title_height=9.0, n_lines=400),
    ]
    probe[1].head = "出院记录 DISCHARGE"
    want = np.asarray(pipeline.predict_proba(as_matrix(probe)))
    assert model.classes == [str(c) for c in pipeline.classes_]
    assert np.abs(model.predict_proba(probe) - want).max() < 1e-12


def test_fit_refuses_labels_outside_the_contract() -> None:
    with pytest.raises(ValueError, match="outside the contract"):
        fit([feats("x")] * 3, ["receipt"] * 3, {})


def test_a_page_with_only_a_page_counter_or_english_is_other(toy_model: DocTypeModel) -> None:
    clf = Classifier(toy_model, other_below=0.4, continue_min=0.35)
    counter, end_mark, english = clf.predict_pages(
        [feats("第4页/共4页", n_lines=1), feats("（以下空白）", n_lines=1), feats("QUARTERLY REPORT 2024", n_lines=3)]
    )
    for p in (counter, end_mark, english):
        assert p.doc_type is DocType.OTHER and p.confidence <= 0.5


def test_letter_spaced_titles_read_as_one_word() -> None:
    f = feats("诊 断 证 明 书\n兹有")
    assert f.row()[0] == "诊断证明书\n兹有"


def test_corrections_exported_before_version_2_still_load() -> None:
    old = {k: v for k, v in feats("出院记录").to_json().items() if k not in ("head", "v_rulings", "red_ink", "colour")}
    f = PageFeatures.from_json(old)
    assert f.text == "出院记录" and f.head == "" and f.colour == 1.0
    assert f.row()[1] == f.title  # no head: the first lines stand in for it


def test_cached_ocr_gives_the_features_of_the_page_itself(tmp_path: Path) -> None:
    """The training cache keeps OCR's findings and a shrunk page, not the page: the features computed
    from it must be the ones the service computes from the live page."""
    from intake.classify.features import page_facts, page_features
    from intake.elements.page import OcrLine, OcrPage, Seal
    from intake_lab.train.doc_types import _page_row, _row_facts

    img = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(img)
    for y in range(300, 900, 60):
        draw.line((100, y, 1140, y), fill="black", width=3)
    draw.ellipse((800, 1200, 1000, 1400), outline=(220, 30, 30), width=12)
    lines = [
        OcrLine("浙江省医疗住院收费票据", (300, 80, 940, 140), 0.98),
        OcrLine("票据代码 33060122", (100, 200, 500, 230), 0.95),
        OcrLine("合计 1234.50", (100, 930, 400, 960), 0.9),
    ]
    page = OcrPage(1, np.asarray(img)[:, :, ::-1].copy(), lines, [Seal((800, 1200, 1000, 1400), "round", "某医院")])
    facts = page_facts(page)
    (tmp_path / "pages").mkdir()
    import cv2

    cv2.imwrite(str(tmp_path / "pages" / "x.png"), facts.image)
    f = {"file": "x.png", "documents": [{"doc_type": "invoice", "pages": [1], "layout": "l", "family": "f"}],
         "pages": [{"degradations": []}]}  # fmt: skip
    row = json.loads(json.dumps(_page_row(f, 1, facts, "pages/x.png")))
    from intake.classify.features import facts_features

    assert facts_features(_row_facts(tmp_path, row)) == page_features(page)
    assert page_features(page).rulings > 0 and page_features(page).red_ink > 0


# -- the shipped model on the sample corpus --------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Classifier:
    return Classifier.load(default_model_dir())


@pytest.fixture(scope="module")
def ocr():
    from intake.ocr.pipeline import OcrPipeline

    return OcrPipeline()


@pytest.mark.slow
def test_shipped_model_card_carries_its_figures(shipped: Classifier) -> None:
    card = shipped.model.card
    assert card["metrics"]["held_out"]["accuracy"] >= 0.95
    assert card["trained"]["pages"] > 300
    assert card["command"].startswith("intake classify train")


@pytest.mark.slow
def test_sample_bundle_comes_back_as_its_documents(shipped: Classifier, ocr, sample_truth: dict) -> None:
    for f in (f for f in sample_truth["files"] if f["special"] in ("pdf_bundle", "pdf_bundle_settlement")):
        pages = ocr.read_file((SAMPLE / f["file"]).read_bytes(), f["file"]).pages
        docs = shipped.classify(pages)
        want = [(d["doc_type"], d["pages"]) for d in f["documents"]]
        assert [(d.doc_type.value, d.pages) for d in docs] == want, f["file"]


@pytest.mark.slow
def test_clean_sample_pages_are_classified(shipped: Classifier, ocr, sample_truth: dict) -> None:
    right = total = 0
    for f in sample_truth["files"]:
        if any(p["degradations"] for p in f["pages"]) or len(f["documents"]) > 1:
            continue
        pages = ocr.read_file((SAMPLE / f["file"]).read_bytes(), f["file"]).pages
        docs = shipped.classify(pages)
        total += 1
        right += [d.doc_type.value for d in docs] == [f["documents"][0]["doc_type"]]
    assert right / total >= 0.95, f"{right}/{total}"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["blank", "english"])
def test_pages_of_no_known_type_are_other(shipped: Classifier, ocr, kind: str) -> None:
    img = Image.new("RGB", (1240, 1754), "white")
    if kind == "english":
        draw = ImageDraw.Draw(img)
        for i, line in enumerate(["QUARTERLY SALES REPORT", "Region North: 1,204 units", "Region South: 980 units"]):
            draw.text((100, 100 + 60 * i), line, fill="black", font_size=36)
    page = ocr.read_page(np.asarray(img)[:, :, ::-1].copy())
    (doc,) = shipped.classify([page])
    assert doc.doc_type is DocType.OTHER
    assert doc.confidence <= 0.6
