"""Document type per page and per document (intake/classify)."""

from intake.classify.classifier import Classifier, default_model_dir
from intake.classify.split import DocumentPrediction, PagePrediction

__all__ = ["Classifier", "DocumentPrediction", "PagePrediction", "default_model_dir"]
