"""Route a document's pages to the fields of its type (being built: issue #5)."""

from __future__ import annotations

from intake.extract.types import Field
from intake.ocr.types import OcrPage
from intake.vocabulary import DocType


class Extractor:
    def extract(self, doc_type: DocType, pages: list[OcrPage]) -> dict[str, Field]:
        fields: dict[str, Field] = {}
        seals = [(p.page, s) for p in pages for s in p.seals]
        if seals:
            page, seal = max(seals, key=lambda ps: len(ps[1].text))
            value = {"present": True, **({"text": seal.text} if seal.text else {})}
            fields["seal"] = Field(value, 0.9, page, seal.box, seal.text)
        return fields
