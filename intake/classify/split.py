"""Pages to documents: a file holding several documents comes back as several.

A page starts a new document unless it carries on the one before: same type, and either it says
so (第2页, （续）) or it has no title of its own while its type runs over pages (discharge
records, settlement lists). A new title always starts a new document, so two invoices scanned
into one PDF stay two invoices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intake.classify.features import PageFeatures
from intake.vocabulary import DocType

MULTIPAGE_TYPES = {DocType.DISCHARGE, DocType.SETTLEMENT, DocType.DIAGNOSIS}


@dataclass
class PagePrediction:
    page: int
    doc_type: DocType
    confidence: float
    probabilities: dict[str, float]
    readable: bool = True  # False: nothing to read (blank, only 第4页/共4页), its probabilities mean little


@dataclass
class DocumentPrediction:
    doc_type: DocType
    confidence: float
    pages: list[int] = field(default_factory=list)
    page_predictions: list[PagePrediction] = field(default_factory=list)


def _has_own_title(f: PageFeatures) -> bool:
    return f.title_height >= 1.5


def group_pages(
    preds: list[PagePrediction], features: list[PageFeatures], continue_min: float
) -> list[DocumentPrediction]:
    docs: list[DocumentPrediction] = []
    for pred, feat in zip(preds, features, strict=True):
        if docs:
            cur = docs[-1]
            p_same = pred.probabilities.get(cur.doc_type.value, 0.0)
            says_continued = feat.continuation > 0
            untitled = not _has_own_title(feat) and cur.doc_type in MULTIPAGE_TYPES
            if (pred.doc_type == cur.doc_type and (says_continued or untitled)) or (
                says_continued and p_same >= continue_min
            ):
                cur.pages.append(pred.page)
                cur.page_predictions.append(pred)
                continue
        docs.append(DocumentPrediction(pred.doc_type, pred.confidence, [pred.page], [pred]))
    for d in docs:
        # The document's confidence: how likely its type is, averaged over its pages.
        # A page's own confidence where it agrees (it may be capped, as for a blank page); else how
        # likely the model found the document's type on that page.
        d.confidence = sum(
            p.confidence if p.doc_type == d.doc_type else p.probabilities.get(d.doc_type.value, 0.0)
            for p in d.page_predictions
        ) / len(d.page_predictions)
    return docs
