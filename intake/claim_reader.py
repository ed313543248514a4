"""One claim through the whole pipeline: files → pages → documents → completeness.

`intake process` and the service's worker both read claims through a ClaimReader, so that a claim
read on a laptop and one read by the service come out the same: the CLI reads every file, then
judges the claim; the worker reads each file as it arrives and judges the claim when its last file
is read. The models load on first use (seconds), so that a bad file is refused before they do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intake.check.checks import check_claim
from intake.check.claim_rules import Rules, load_rules
from intake.check.invoice_registry import InvoiceRegistry, image_key, invoice_keys
from intake.check.summary import claim_figures
from intake.elements.document import Document, Field, PageIssue
from intake.elements.findings import ClaimFigures, Completeness
from intake.elements.page import OcrPage, OcrResult, PageQuality
from intake.ocr.quality import QualityGate, default_thresholds
from intake.settings import Settings
from intake.upload.files import Limits, OpenedFile, PageImage, default_limits, open_file
from intake.vocabulary import FIELDS, DocType

if TYPE_CHECKING:
    from intake.classify.classifier import Classifier
    from intake.classify.features import PageFeatures
    from intake.extract.extractor import Extractor
    from intake.ocr.pipeline import OcrPipeline

# A page's type probabilities below this are not kept with it: they say nothing a check would use.
TYPE_SCORE_KEPT = 0.01


def with_page_evidence(document: Document, pages: list[OcrPage]) -> Document:
    """The document with what its pages show of themselves: the first page's fingerprint (to know
    the same paper photographed again) and the pages too poor to read, with the page-quality gate's
    advice for each (the service calls this on pages read back from its store, so that it says what
    `intake process` says)."""
    document.fingerprint = pages[0].fingerprint if pages else None
    advice = default_thresholds().advice
    document.page_issues = [
        PageIssue(p.page, f.issue.value, advice[f.issue])
        for p in pages
        if p.quality is not None
        for f in p.quality.findings
    ]
    scored = [p.type_scores for p in pages if p.type_scores]
    types = {t for scores in scored for t in scores}
    document.type_scores = {t: sum(s.get(t, 0.0) for s in scored) / len(scored) for t in sorted(types)}
    return document


@dataclass
class ReadFile:
    """One uploaded file as read: its pages and the documents found on them."""

    ocr: OcrResult
    documents: list[Document]


@dataclass
class ClaimResult:
    """The contract's object for a claim: its type, its documents and their completeness."""

    claim_type: str
    documents: list[Document]
    completeness: Completeness
    summary: ClaimFigures

    def to_json(self) -> dict[str, Any]:
        return {
            "claim_type": self.claim_type,
            "documents": [d.to_json() for d in self.documents],
            "completeness": self.completeness.to_json(),
            "summary": self.summary.to_json(),
        }


class ClaimReader:
    """Holds the claim rules and, once loaded, the models; create once per process and reuse.

    Thread-safe: the service's worker threads share one reader."""

    def __init__(
        self,
        settings: Settings | None = None,
        rules: Rules | None = None,
        *,
        ocr: OcrPipeline | None = None,
        classifier: Classifier | None = None,
        extractor: Extractor | None = None,
    ) -> None:
        self.settings = settings or Settings.load()
        # Read at start: a broken rules file stops the CLI or the service here, not claim by claim.
        self.rules = rules or load_rules(self.settings.claim_rules)
        limits = default_limits()
        self.limits: Limits = limits.with_max_bytes(self.settings.max_upload_bytes or limits.max_file_bytes)
        self._ocr, self._classifier, self._extractor = ocr, classifier, extractor
        # Read at start too: a broken quality.yaml stops the CLI or the service here.
        self.gate = QualityGate()
        self._lock = threading.Lock()

    # -- the models, loaded on first use ----------------------------------------------------------
    @property
    def ocr(self) -> OcrPipeline:
        with self._lock:
            if self._ocr is None:
                from intake.ocr.config import default_config
                from intake.ocr.pipeline import OcrPipeline

                s = self.settings
                overrides: dict[str, Any] = {}
                if s.ocr_engine:
                    overrides["engine"] = s.ocr_engine
                if s.ocr_threads:
                    overrides["threads"] = s.ocr_threads
                if s.ocr_paddle_model_dir:
                    overrides["paddle_model_dir"] = str(s.ocr_paddle_model_dir)
                self._ocr = OcrPipeline(
                    default_config().with_overrides(**overrides),
                    page_workers=s.page_workers,
                    memory_budget_mb=s.memory_budget_mb,
                    cache_pages=s.ocr_cache_pages,
                )
            return self._ocr

    @property
    def classifier(self) -> Classifier:
        with self._lock:
            if self._classifier is None:
                from intake.classify.classifier import Classifier

                self._classifier = Classifier.load(self.settings.model_dir)
            return self._classifier

    @property
    def extractor(self) -> Extractor:
        with self._lock:
            if self._extractor is None:
                from intake.extract.extractor import Extractor
                from intake.reference.icd10 import default_table

                configured = self.settings.icd10_table
                self._extractor = Extractor(icd10=default_table(str(configured)) if configured else None)
            return self._extractor

    def load(self) -> None:
        """Load every model now (the service does, before it takes work)."""
        _ = self.ocr, self.classifier, self.extractor

    # -- reading -----------------------------------------------------------------------------------
    def open(self, data: bytes, filename: str) -> OpenedFile:
        """The cheap look at a file: InputError for one that cannot be a claim's pages."""
        return open_file(data, filename, self.limits)

    def decode(self, data: bytes, filename: str) -> list[PageImage]:
        """Every page of the file decoded, without any model: InputError for a damaged one too
        (a truncated JPEG passes open(), whose checks do not decode the pixels)."""
        return list(self.open(data, filename).pages())

    def read_file(self, data: bytes, filename: str, pages: list[PageImage] | None = None) -> ReadFile:
        """Raises intake.upload.files.InputError for a file that is not a readable image or PDF.
        pages: the file's pages as decode() gave them, so as not to decode them again.

        Each page goes through the page-quality gate as decoded, before the OCR stage turns or
        crops it (a page cut off at the frame is seen at the frame), and is read whatever the gate
        says: a reviewer may still use what can be read of it."""
        opened = self.open(data, filename)
        read = self._read_pages(opened.pages() if pages is None else pages)
        ocr = OcrResult(filename, opened.media_type, read)
        return ReadFile(ocr, self.documents_of(ocr))

    def read_page(self, opened: OpenedFile, number: int) -> OcrPage:
        """Page `number` of an opened file, decoded alone, through the page-quality gate and OCR
        as read_file reads each page: a worker's share of a large file (the service's per-page
        tasks). documents_of then finds the documents once every page is read."""
        (page,) = self._read_pages(opened.pages(only=number))
        return page

    def _read_pages(self, source: Iterable[PageImage]) -> list[OcrPage]:
        quality: dict[int, PageQuality] = {}

        def gated(source: Iterable[PageImage]) -> Iterator[PageImage]:
            for p in source:
                quality[p.number] = self.gate.assess(p.image)
                yield p

        read = self.ocr.read_pages(gated(source))
        for page in read:
            page.quality = quality.get(page.page)
        return read

    def documents_of(self, ocr: OcrResult, features: list[PageFeatures] | None = None) -> list[Document]:
        """The documents on a file's pages. features: each page's classifier features, computed
        when the page was read (pages read back from the store have no image to compute them
        from; intake.service.processing keeps them with each page)."""
        by_number = {p.page: p for p in ocr.pages}
        documents = []
        if features is None:
            predictions = self.classifier.classify(ocr.pages)
        else:
            predictions = self.classifier.classify_features(features, ocr.pages[0].page if ocr.pages else 1)
        for pred in predictions:
            for page_pred in pred.page_predictions:
                if page_pred.readable:
                    by_number[page_pred.page].type_scores = {
                        t: p for t, p in page_pred.probabilities.items() if p >= TYPE_SCORE_KEPT
                    }
            pages = [by_number[n] for n in pred.pages]
            doc = Document(
                ocr.filename, pred.doc_type, pred.confidence, list(pred.pages), self.fields_of(pred.doc_type, pages)
            )
            documents.append(with_page_evidence(doc, pages))
        if not documents and ocr.pages:
            # No page could be called anything: one `other` document of all pages.
            doc = Document(ocr.filename, DocType.OTHER, 0.0, [p.page for p in ocr.pages])
            documents.append(with_page_evidence(doc, ocr.pages))
        return documents

    def fields_of(self, doc_type: DocType, pages: list[OcrPage]) -> dict[str, Field]:
        """The fields of pages read as doc_type: on first reading, and again after a reviewer
        changes a document's type (from the stored pages, which hold what was first read)."""
        allowed = set(FIELDS[doc_type])
        return {k: v for k, v in self.extractor.extract(doc_type, pages).items() if k in allowed}

    # -- judging -----------------------------------------------------------------------------------
    def judge(
        self,
        claim_type: str,
        documents: list[Document],
        registry: InvoiceRegistry | None = None,
        claim_id: str = "",
        *,
        record: bool = True,
    ) -> Completeness:
        """The claim's completeness. With a registry (and record), the claim then holds its
        invoices, so that a later claim with one of them is caught."""
        completeness = check_claim(claim_type, documents, self.rules, registry, claim_id)
        if registry is not None and record:
            images = [key for d in documents if (key := image_key(d)) is not None]
            registry.hold([k for d in documents for k in invoice_keys(d)] + images, claim_id)
        return completeness

    def read_claim(
        self,
        files: Sequence[tuple[str, bytes]],
        claim_type: str,
        registry: InvoiceRegistry | None = None,
        claim_id: str = "",
        *,
        record: bool = True,
        progress: Callable[[str], None] | None = None,
        decoded: Sequence[list[PageImage]] | None = None,
    ) -> ClaimResult:
        """Every file, then the verdict; documents are numbered from 1 in upload order.
        progress(filename) is called as each file is started; decoded: each file's decode()."""
        documents = []
        for i, (name, data) in enumerate(files):
            if progress is not None:
                progress(name)
            documents.extend(self.read_file(data, name, decoded[i] if decoded is not None else None).documents)
        for n, doc in enumerate(documents, 1):
            doc.id = str(n)
        completeness = self.judge(claim_type, documents, registry, claim_id, record=record)
        return ClaimResult(claim_type, documents, completeness, self.figures(claim_type, documents))

    def figures(self, claim_type: str, documents: list[Document]) -> ClaimFigures:
        """What adjudication starts from: totals, the stay, hospitals, diagnoses, each traced."""
        return claim_figures(documents, self.rules.claim(claim_type))
