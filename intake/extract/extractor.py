"""One document's pages to the fields of its type: labels, rules, diagnoses, seal, then checks."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from intake.elements.document import Field
from intake.elements.page import OcrPage
from intake.extract.config import settings
from intake.extract.crosschecks import Validator
from intake.extract.diagnoses import DiagnosisReader
from intake.extract.dxterms import TERM_FIELD, TermModel
from intake.extract.labels import DocSpec, LabelReader, load_specs
from intake.extract.layout import Row, rows_of
from intake.extract.scorer import FieldModel, Scorer, learned_fields, model_dir
from intake.extract.unlabelled import RULES, name_from_seal, seal, verify_seal
from intake.reference.icd10 import IcdTable, default_table
from intake.vocabulary import FIELDS, DocType

log = logging.getLogger("intake.extract")


@cache
def _model(folder: Path) -> FieldModel | None:
    if not FieldModel.available(folder):
        return None
    try:
        return FieldModel.load(folder)
    except (OSError, ValueError, KeyError) as exc:
        # A damaged or foreign artifact must not stop extraction: the label rules still read.
        log.warning("field model in %s not loaded (%s): reading by the label rules", folder, type(exc).__name__)
        return None


def scorer_labels(specs: dict[DocType, DocSpec] | None = None) -> dict[DocType, tuple[str, ...]]:
    """The labels of labels.yaml, per document type, as the scorer's candidates read them: words no
    name or institution starts with or runs into. Training (intake_lab/train/fields.py) draws its
    candidates with the same, so that the scorer learns from the candidates it will meet."""
    specs = specs or load_specs()
    # Every type's labels, not only the document's own: 合计 is a settlement's label and was taken
    # for an invoice's patient, whose labels do not list it.
    words = tuple(sorted({x for spec in specs.values() for x in spec.all_labels if len(x) >= 2}))
    return {dt: words for dt in specs}


class Extractor:
    """Fields of one document. With the field model (models/fields.*) present the learned scorer
    reads every field it knows; the label rules remain as the reader of the rest (diagnoses, seal,
    the parts only a cross-check needs), as the fallback when there is no model, and as a
    cross-check: a learned value the rules read otherwise is not trusted above the review line."""

    def __init__(
        self,
        specs: dict[DocType, DocSpec] | None = None,
        icd10: IcdTable | None = None,
        model: FieldModel | bool | None = True,
    ) -> None:
        self.settings = settings()
        self.specs = specs or load_specs()
        if model is True:
            self.model = _model(model_dir())
        else:
            self.model = model or None
        terms = None
        if self.model is not None and TERM_FIELD in self.model.weights:
            terms = TermModel(self.model.weights[TERM_FIELD], self.model.bias[TERM_FIELD])
        table = icd10 or default_table(self.settings.icd10_table)
        self.diagnoses = DiagnosisReader(self.settings.diagnoses, table, terms)
        self.scorer = Scorer(self.model, labels=scorer_labels(self.specs)) if self.model is not None else None

    def extract(self, doc_type: DocType, pages: list[OcrPage]) -> dict[str, Field]:
        if not pages:
            return {}
        fields = self._rules(doc_type, pages)
        if self.scorer is not None:
            learned = self.scorer.extract(doc_type, pages)
            for name in learned_fields(doc_type):
                ruled = fields.pop(name, None)
                got = learned.get(name)
                if got is None:
                    if ruled is not None and self.settings.confidence.fallback_cap > 0:
                        # The scorer found no candidate it believes: the label rules' reading is
                        # kept for the reviewer, never trusted.
                        ruled.confidence = min(ruled.confidence, self.settings.confidence.fallback_cap)
                        ruled.doubts.append("rules_only")
                        fields[name] = ruled
                    continue
                if ruled is not None and ruled.value != got.value:
                    got.doubts.append("rules_disagree")
                    got.confidence = min(got.confidence, self.settings.confidence.disagree_cap)
                fields[name] = got
        Validator(self.settings.confidence).run(fields)
        name_field = self.settings.seal_names.get(doc_type)
        if name_field:
            if name_field == "hospital_name":
                name_from_seal(fields, name_field, self.settings.hospital_suffixes)
            verify_seal(fields, name_field)
        allowed = set(FIELDS[doc_type])
        return {k: v for k, v in fields.items() if k in allowed}

    def _rules(self, doc_type: DocType, pages: list[OcrPage]) -> dict[str, Field]:
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
                    dx = self.diagnoses.read(rows, spec.all_labels)
                    if dx is not None:
                        fields["diagnoses"] = dx
                    continue
                for name, f in RULES[rule](rows, pages, self.settings).items():
                    fields.setdefault(name, f)
        fields["seal"] = seal(pages, self.settings, printed_oval=doc_type is DocType.INVOICE)
        return fields
