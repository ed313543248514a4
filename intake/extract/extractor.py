"""One document's pages to the fields of its type: labels, rules, diagnoses, seal, then checks."""

from __future__ import annotations

from intake.elements.document import Field
from intake.elements.page import OcrPage
from intake.extract.config import settings
from intake.extract.crosschecks import Validator
from intake.extract.diagnoses import DiagnosisReader
from intake.extract.labels import DocSpec, LabelReader, load_specs
from intake.extract.layout import Row, rows_of
from intake.extract.unlabelled import RULES, seal
from intake.reference.icd10 import IcdTable, default_table
from intake.vocabulary import FIELDS, DocType


class Extractor:
    def __init__(self, specs: dict[DocType, DocSpec] | None = None, icd10: IcdTable | None = None) -> None:
        self.settings = settings()
        self.specs = specs or load_specs()
        self.diagnoses = DiagnosisReader(self.settings.diagnoses, icd10 or default_table(self.settings.icd10_table))

    def extract(self, doc_type: DocType, pages: list[OcrPage]) -> dict[str, Field]:
        if not pages:
            return {}
        rows: list[Row] = [r for p in pages for r in rows_of(p)]
        fields: dict[str, Field] = {}
        spec = self.specs.get(doc_type)
        if spec is not None:
            reader = LabelReader(rows, spec)
            for fs in spec.fields:
                found = reader.read(fs)
                if found is not None:
                    fields[fs.name] = found
            for rule in spec.rules:
                if rule == "diagnoses":
                    dx = self.diagnoses.read(rows)
                    if dx is not None:
                        fields["diagnoses"] = dx
                    continue
                for name, f in RULES[rule](rows, pages, self.settings).items():
                    fields.setdefault(name, f)
        fields["seal"] = seal(pages, self.settings)
        Validator(self.settings.confidence).run(fields)
        allowed = set(FIELDS[doc_type])
        return {k: v for k, v in fields.items() if k in allowed}
