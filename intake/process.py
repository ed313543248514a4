"""One file through the whole reading pipeline: OCR → classify and split → extract.

The CLI's `intake process` and the service's workers both go through `Processor`, so that a claim
read on a laptop and one read by the service come out the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.classify.classifier import Classifier
from intake.elements.document import Document
from intake.elements.page import OcrResult
from intake.extract.extractor import Extractor
from intake.ocr.pipeline import OcrPipeline
from intake.upload.files import Limits


@dataclass
class ProcessedFile:
    ocr: OcrResult
    documents: list[Document]


class Processor:
    """Holds the loaded models; create once per process and reuse."""

    def __init__(
        self,
        ocr: OcrPipeline | None = None,
        classifier: Classifier | None = None,
        extractor: Extractor | None = None,
    ) -> None:
        self.ocr = ocr or OcrPipeline()
        self.classifier = classifier or Classifier.load()
        self.extractor = extractor or Extractor()

    def process_file(self, data: bytes, filename: str, limits: Limits | None = None) -> ProcessedFile:
        """Raises intake.upload.files.InputError for a file that is not a readable image or PDF."""
        ocr = self.ocr.read_file(data, filename, limits)
        return ProcessedFile(ocr, self.documents_of(ocr))

    def documents_of(self, ocr: OcrResult) -> list[Document]:
        by_number = {p.page: p for p in ocr.pages}
        documents = []
        for pred in self.classifier.classify(ocr.pages):
            pages = [by_number[n] for n in pred.pages]
            fields = self.extractor.extract(pred.doc_type, pages)
            documents.append(Document(ocr.filename, pred.doc_type, pred.confidence, list(pred.pages), fields))
        return documents
