"""Classify OCR'd pages and group them into documents."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import Field

from intake.classify.features import PageFeatures, nothing_to_read, page_features
from intake.classify.model import DocTypeModel
from intake.classify.split import DocumentPrediction, PagePrediction, group_pages
from intake.datafile import Strict, load, packaged
from intake.elements.page import OcrPage
from intake.models import model_dir
from intake.vocabulary import DocType


def default_model_dir() -> Path:
    """The folder of trained models (intake/models.py holds the one lookup)."""
    return model_dir()


class ClassifierSettings(Strict):
    """classify/settings.yaml: thresholds on the calibrated model's probabilities."""

    other_below: float = Field(ge=0, le=1)
    continue_min: float = Field(ge=0, le=1)


@cache
def settings() -> ClassifierSettings:
    return load(ClassifierSettings, packaged("intake.classify", "settings.yaml"), "classifier settings")


@dataclass
class Classifier:
    model: DocTypeModel
    other_below: float
    continue_min: float

    @classmethod
    def load(cls, folder: Path | None = None) -> Classifier:
        s = settings()
        return cls(DocTypeModel.load(model_dir(folder)), s.other_below, s.continue_min)

    def predict_pages(self, features: list[PageFeatures], first_page: int = 1) -> list[PagePrediction]:
        probs = self.model.predict_proba(features)
        classes = self.model.classes
        out = []
        for i, (row, feat) in enumerate(zip(probs, features, strict=True)):
            best = int(row.argmax())
            doc_type, conf = DocType(classes[best]), float(row[best])
            if nothing_to_read(feat) or conf < self.other_below:
                # Nothing to read, or too unsure to call: say so instead of guessing.
                other = float(row[classes.index(DocType.OTHER.value)]) if DocType.OTHER.value in classes else 0.0
                doc_type, conf = DocType.OTHER, min(other, conf, 0.5)
            probabilities = {c: float(p) for c, p in zip(classes, row, strict=True)}
            out.append(PagePrediction(first_page + i, doc_type, conf, probabilities, not nothing_to_read(feat)))
        return out

    def classify(self, pages: list[OcrPage]) -> list[DocumentPrediction]:
        features = [page_features(p) for p in pages]
        return self.classify_features(features, first_page=pages[0].page if pages else 1)

    def classify_features(self, features: list[PageFeatures], first_page: int = 1) -> list[DocumentPrediction]:
        preds = self.predict_pages(features, first_page)
        return group_pages(preds, features, self.continue_min)
