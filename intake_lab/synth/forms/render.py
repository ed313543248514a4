"""One document from a family: sample the copy's spec, draw it with the renderer of its kind."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from intake.vocabulary import DocType
from intake_lab.synth.canvas import SynthDocument
from intake_lab.synth.case import Case

from . import clinical, invoice, letter, settlement
from .spec import Family, FormSpec, sample

Renderer = Callable[[Case, FormSpec, random.Random], SynthDocument]

RENDERERS: dict[tuple[DocType, str], Renderer] = {
    (DocType.INVOICE, "electronic"): invoice.render_electronic,
    (DocType.INVOICE, "paper"): invoice.render_paper,
    (DocType.SETTLEMENT, "statement"): settlement.render,
    (DocType.DISCHARGE, "record"): clinical.render_record,
    (DocType.DISCHARGE, "summary"): clinical.render_summary,
    (DocType.DISCHARGE, "certificate"): clinical.render_certificate,
    (DocType.DIAGNOSIS, "certificate"): clinical.render_diagnosis,
    (DocType.UNIT_CERTIFICATE, "letter"): letter.render_letter,
    (DocType.UNIT_CERTIFICATE, "form"): letter.render_form,
}


def render(family: Family, case: Case, rng: random.Random, *, seal: bool | None = None) -> SynthDocument:
    """seal forces the copy stamped or not (None: the family's chance), for claims that need one."""
    spec = sample(family, rng)
    if seal is not None:
        spec = replace(spec, seal=seal)
    doc = RENDERERS[(family.doc_type, family.kind)](case, spec, rng)
    doc.notes["form_family"] = family.name
    return doc
