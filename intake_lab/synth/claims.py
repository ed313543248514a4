"""Whole claims for measuring the completeness check: complete ones, and ones with exactly one defect.

A claim is the documents of one Case (case.py), rendered by the fixed layouts (layouts/) or by the
form families (forms/, named "form:<family>"; form_layouts(split) lists a split's) and degraded like
uploads, one file per document. Claims drawn only from held-out families measure the checks on
documents whose layouts and wordings neither the reader nor its models were built on.

A defect is introduced at the source, the way it happens on real paper, so that the pipeline has to
read it off the page: a document rendered from a Case that prints different facts (another name,
swapped dates, a wrong 住院天数), a certificate without its seal or with another company's, a page with
the 票据号码 blanked out. Nothing here edits the generator: the few facts a layout computes itself
(住院天数, the issue date, the 大写 total) are changed by rendering it from a Case whose properties say
otherwise.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from PIL import Image

from intake.check.checks import edit_distance
from intake.check.claim_rules import PolicyPeriod, Rules, load_rules
from intake.check.invoice_registry import invoice_keys
from intake.codes import Actor, Reason
from intake.elements.document import Document, Field, PageIssue, value_from_json
from intake.vocabulary import ClaimType, DocType
from intake_lab.synth import degrade, files, fonts, seals, values
from intake_lab.synth.canvas import SynthDocument
from intake_lab.synth.case import Case, make_case
from intake_lab.synth.corpus import RECIPES, SENSITIVE
from intake_lab.synth.forms.corpus import _distinct_diagnoses
from intake_lab.synth.forms.render import render as render_form
from intake_lab.synth.forms.spec import all_families, families
from intake_lab.synth.layouts import LAYOUTS, Style, load_all


@dataclass(frozen=True)
class Expect:
    """How a defect must be reported: by its own code, to the one who must act on it."""

    code: str  # a ProblemCode, or "missing" for a missing document
    actor: Actor


M, R = Actor.MEMBER, Actor.REVIEWER
# The defect kinds a claim can have. A member's defect makes the claim incomplete; a reviewer's
# leaves it complete with a task on the review's list.
DEFECTS: dict[str, Expect | None] = {
    "none": None,
    "missing_document": Expect("missing", M),
    "name_mismatch": Expect("name_mismatch", M),
    "hospital_mismatch": Expect("hospital_mismatch", M),
    "other_stay": Expect("dates_disagree", M),
    "discharge_before_admission": Expect("discharge_before_admission", M),
    "invoice_outside_stay": Expect("invoice_outside_stay", M),
    "stay_days_wrong": Expect("stay_days_mismatch", M),
    "stay_outside_policy": Expect("stay_outside_policy", M),
    "upper_mismatch": Expect("amount_upper_mismatch", M),
    "parts_mismatch": Expect("amount_parts_mismatch", M),
    "certificate_no_seal": Expect("seal_missing", M),
    "seal_not_employer": Expect("seal_mismatch", M),
    "grey_certificate": Expect("seal_unverifiable", R),
    "duplicate_invoice": Expect("invoice_duplicate", M),
    "invoice_used_before": Expect("invoice_claimed_before", M),
    "invoice_rephotographed": Expect("invoice_claimed_before", M),
    "diagnosis_not_listed": Expect("diagnosis_not_listed", M),
    "sex_excluded": Expect("sex_not_eligible", M),
    "unreadable_field": Expect("field_missing", R),
    "poor_page": Expect("page_unreadable", M),
}
# How a poor_page claim's page was spoiled: the kinds of photograph a member is asked to retake.
POOR_PAGE_KINDS = ("motion_blur", "focus_blur", "cut_off", "glare", "screen")
POOR_PAGE_SEVERITY = 0.9
# The policy period a stay_outside_policy claim is judged against: it ended before the stay began.
POLICY_ENDS_BEFORE_STAY = timedelta(days=30)

# Claim types a defect can be shown on: those whose rules involve the documents it needs.
_WITH_INVOICE = ("inpatient", "special_disease", "accident")
_WITH_DATES = ("inpatient", "accident")
_WITH_CERT = ("special_disease", "critical_illness")
DEFECT_CLAIM_TYPES: dict[str, tuple[str, ...]] = {
    "none": tuple(c.value for c in ClaimType),
    "missing_document": tuple(c.value for c in ClaimType),
    "name_mismatch": ("inpatient", "special_disease", "critical_illness", "accident"),
    "discharge_before_admission": _WITH_DATES,
    "invoice_outside_stay": _WITH_INVOICE,
    "stay_days_wrong": _WITH_DATES,
    "upper_mismatch": _WITH_INVOICE,
    "parts_mismatch": _WITH_INVOICE,
    "certificate_no_seal": _WITH_CERT,
    "seal_not_employer": _WITH_CERT,
    "duplicate_invoice": _WITH_INVOICE,
    "invoice_used_before": _WITH_INVOICE,
    "diagnosis_not_listed": ("critical_illness", "special_disease", "accident"),
    "sex_excluded": ("female_special",),
    "unreadable_field": _WITH_INVOICE,
    "hospital_mismatch": _WITH_INVOICE,
    "other_stay": _WITH_DATES,
    "stay_outside_policy": tuple(c.value for c in ClaimType),
    "grey_certificate": _WITH_CERT,
    "invoice_rephotographed": _WITH_INVOICE,
    "poor_page": tuple(c.value for c in ClaimType),
}
THEMES = {
    "inpatient": None,
    "critical_illness": "critical_illness",
    "special_disease": "special_disease",
    "female_special": "female_special",
    "accident": "accident",
}
# Layouts a claim may draw from; e2e tests pass SINGLE_PAGE to keep OCR time down.
SINGLE_PAGE = (
    "invoice_electronic",
    "invoice_paper_zhejiang",
    "invoice_paper_jiangsu",
    "invoice_paper_guangdong",
    "invoice_paper_shanghai",
    "discharge_certificate",
    "diagnosis_certificate",
    "unit_certificate",
)
_TRIES = 40


@dataclass
class SynthClaim:
    claim_type: str
    defect: str
    files: list[tuple[str, bytes]]
    documents: list[Document]  # the truth, as the extractor would report a perfect reading
    prior_keys: list[str] = field(default_factory=list)  # invoice keys an earlier claim recorded
    # Files of an earlier claim to read first (the same invoice, photographed for that claim).
    prior_files: list[tuple[str, bytes]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def expect(self) -> Expect | None:
        return DEFECTS[self.defect]

    @property
    def expect_complete(self) -> bool:
        """Complete: no defect, or one that is the reviewer's."""
        return self.expect is None or self.expect.actor == Actor.REVIEWER

    def rules_for(self, rules: Rules) -> Rules:
        """The rules to judge it by: the shipped ones, with the policy period this claim is about."""
        period = self.notes.get("policy_period")
        if period is None:
            return rules
        rule = rules.claim(self.claim_type).model_copy(
            update={"policy_period": PolicyPeriod.model_validate({"from": period[0], "to": period[1]})}
        )
        return rules.model_copy(update={"claim_types": {**rules.claim_types, self.claim_type: rule}})


@dataclass
class _Tampered(Case):
    """A Case whose documents print some facts other than what happened."""

    printed_stay_days: int | None = None
    printed_issue_date: date | None = None
    printed_upper_total: Decimal | None = None

    @property
    def stay_days(self) -> int:
        return self.printed_stay_days if self.printed_stay_days is not None else (self.discharge - self.admission).days

    @property
    def issue_date(self) -> date:
        return self.printed_issue_date or self.discharge

    @property
    def upper_total(self) -> Decimal:
        return self.printed_upper_total if self.printed_upper_total is not None else self.bill.total


def _tampered(case: Case, **changes: Any) -> _Tampered:
    # A tampered case may be tampered again: its own printed_* facts are kept.
    base = {f.name: getattr(case, f.name) for f in fields(case)}
    base.update(changes)
    return _Tampered(**base)


def _style(rng: random.Random, *, seal: bool | None = None) -> Style:
    return Style(
        family=rng.choice(fonts.BODY_FAMILIES),
        seal=rng.random() < 0.9 if seal is None else seal,
        scale=rng.uniform(0.95, 1.1),
        colon=rng.choice(("：", "：", ":")),
        date_style=rng.choice(("iso", "cn", "cn_short", "dot")),
        thousands=rng.random() < 0.3,
        trim_cents=rng.random() < 0.2,
        variant=rng.randrange(4),
    )


FORM = "form:"


def form_layouts(split: str) -> list[str]:
    """The form families of a split (train, heldout) as layout names a claim may draw from."""
    return [FORM + f.name for f in families(None, split)]


def _layouts_of(doc_type: DocType, allowed: Sequence[str] | None) -> list[str]:
    fixed = sorted(n for n, lay in LAYOUTS.items() if lay.doc_type == doc_type)
    forms = sorted(FORM + f.name for f in families(doc_type))
    chosen = [n for n in fixed + forms if allowed is None or n in allowed]
    # A document type no allowed layout draws (the forms have no 其他 pages) falls back to the fixed ones.
    return chosen or fixed


def _render_once(layout: str, case: Case, rng: random.Random, seal: bool | None) -> SynthDocument:
    if layout.startswith(FORM):
        family = all_families()[layout[len(FORM) :]]
        return render_form(family, _distinct_diagnoses(case), random.Random(rng.getrandbits(64)), seal=seal)
    return LAYOUTS[layout].render(case, _style(rng, seal=seal), random.Random(rng.getrandbits(64)))


def _render_until(
    layout: str, case: Case, rng: random.Random, ok: Callable[[SynthDocument], bool], *, seal: bool | None = None
) -> SynthDocument:
    """Render until the document prints what the claim needs (layouts leave fields out at random)."""
    for _ in range(_TRIES):
        doc = _render_once(layout, case, rng, seal)
        if ok(doc):
            return doc
    raise RuntimeError(f"{layout}: no rendering in {_TRIES} tries prints what the claim needs")


def _full_date(doc: SynthDocument, name: str) -> bool:
    f = doc.fields.get(name)
    return f is not None and len(str(f.value)) == 10


def _truth_document(doc: SynthDocument, filename: str, *, grey: bool = False) -> Document:
    """What a perfect reading reports. On a grey copy that includes that a seal cannot be shown red."""
    fields_ = {n: Field(value_from_json(f.value), 1.0, f.page, f.box, f.source_text) for n, f in doc.fields.items()}
    if grey and "seal" in fields_:
        fields_["seal"].reasons.append(Reason.GREY_COPY)
    return Document(filename, doc.doc_type, 1.0, list(range(1, len(doc.pages) + 1)), fields_)


def _encode(doc: SynthDocument, recipe: str, rng: random.Random, spoil: str | None = None) -> tuple[bytes, str]:
    """The document as a member uploads it; spoil: a poor-page kind its first page is spoiled with."""
    kinds, fmt = RECIPES[recipe]
    images: list[Image.Image] = []
    for n, page in enumerate(doc.pages, 1):
        protect = [f.box for f in doc.fields.values() if f.page == n and f.box[2] > f.box[0]]
        cover = [d.box for d in page.drawn if SENSITIVE.search(d.text) and d.box not in protect]
        image = degrade.apply(page.image, list(kinds), rng, protect=protect, cover=cover).image
        if spoil is not None and n == 1:
            image = degrade.spoil(image, spoil, POOR_PAGE_SEVERITY, rng).image
        images.append(image)
    if len(images) > 1:
        return files.encode_pdf(images), ".pdf"
    return files.encode_image(images[0], fmt, quality=rng.randint(75, 88)), files.FORMATS[fmt][1]


def _other_name(rng: random.Random, name: str, sex: str) -> str:
    # At least two characters apart: one character apart is what OCR noise looks like, and the
    # check rightly only warns about it.
    while True:
        other = values.person_name(rng, sex)
        if edit_distance(other, name) >= 2:
            return other


def _other_employer(rng: random.Random, employer: str) -> str:
    # Clearly another company: more edits than the check forgives an OCR'd seal ring.
    while True:
        other = values.employer_name(rng)
        if edit_distance(other, employer) >= max(4, len(employer) // 2):
            return other


def make_claim(
    defect: str,
    claim_type: str,
    seed: int | str,
    *,
    rules: Rules | None = None,
    recipes: Sequence[str] = ("clean",),
    layouts: Sequence[str] | None = None,
) -> SynthClaim:
    """One claim of this type carrying this defect ("none": a complete claim). Same seed, same bytes."""
    if defect not in DEFECTS:
        raise ValueError(f"unknown defect {defect!r} (known: {', '.join(DEFECTS)})")
    if claim_type not in DEFECT_CLAIM_TYPES[defect]:
        raise ValueError(f"defect {defect} is not shown on a {claim_type} claim")
    load_all()
    rules = rules or load_rules()
    rule = rules.claim(claim_type)
    rng = random.Random(f"claim:{seed}:{claim_type}:{defect}")
    theme = THEMES[claim_type]
    if defect == "diagnosis_not_listed":
        theme = "common"
    case = make_case(rng, theme=theme, inpatient=True)
    if defect == "sex_excluded":
        case = replace(case, person=values.person(rng, sex="男", region=case.region))

    # One document type for each required group; the unit certificate rides along for name checks.
    doc_types = [rng.choice(g.any_of) for g in rule.required_documents]
    if defect in ("discharge_before_admission", "stay_days_wrong"):
        doc_types = [DocType.DISCHARGE if t in (DocType.DISCHARGE, DocType.DIAGNOSIS) else t for t in doc_types]
    dropped: DocType | None = None
    if defect == "missing_document":
        dropped = rng.choice(doc_types)
        if len(doc_types) == 1:
            # The member sent something, only not what this claim type needs.
            doc_types.append(DocType.INVOICE if dropped != DocType.INVOICE else DocType.DISCHARGE)
    if defect == "name_mismatch" and len(doc_types) < 2:
        raise ValueError("name_mismatch needs two documents")

    def needs(doc_type: DocType) -> Callable[[SynthDocument], bool]:
        required = rule.required_fields.get(doc_type, ())

        def ok(doc: SynthDocument) -> bool:
            if not all(n in doc.fields for n in required):
                return False
            if doc_type in (DocType.DISCHARGE, DocType.DIAGNOSIS):
                # other_stay: a diagnosis certificate that prints no stay cannot show the other one;
                # stay_outside_policy: nor a stay outside the policy period (a critical_illness or
                # female_special claim has no bill to show the stay instead, and drawn on a
                # certificate without dates the defect could not be seen on any page).
                if defect in (
                    "discharge_before_admission",
                    "invoice_outside_stay",
                    "stay_days_wrong",
                    "other_stay",
                    "stay_outside_policy",
                ) and not (_full_date(doc, "admission_date") and _full_date(doc, "discharge_date")):
                    return False
                if defect == "stay_days_wrong" and "length_of_stay" not in doc.fields:
                    return False
                if defect in ("sex_excluded", "diagnosis_not_listed") and not {"sex", "diagnoses"} <= set(doc.fields):
                    return False
            if doc_type == DocType.INVOICE:
                if defect == "other_stay" and not (
                    _full_date(doc, "admission_date") and _full_date(doc, "discharge_date")
                ):
                    return False
                wanted = {"issue_date", "total_amount", "invoice_number"}
                if defect == "upper_mismatch":
                    wanted |= {"total_amount_upper"}
                if defect == "parts_mismatch":
                    wanted |= {"insurance_paid", "personal_copay", "personal_selfpay"}
                if not wanted <= set(doc.fields):
                    return False
            return True

        return ok

    # The document that carries the defect, and how its Case differs.
    target = {
        "name_mismatch": rng.choice([t for t in doc_types if t != DocType.OTHER]),
        "discharge_before_admission": DocType.DISCHARGE,
        "stay_days_wrong": DocType.DISCHARGE,
        "invoice_outside_stay": DocType.INVOICE,
        "upper_mismatch": DocType.INVOICE,
        "parts_mismatch": DocType.INVOICE,
        "unreadable_field": DocType.INVOICE,
        "hospital_mismatch": next((t for t in doc_types if t in (DocType.DISCHARGE, DocType.DIAGNOSIS)), None),
        "other_stay": DocType.INVOICE,
    }.get(defect)
    if defect == "hospital_mismatch" and target is None:
        raise ValueError(f"{defect} needs a discharge or diagnosis document on a {claim_type} claim")
    if target is not None and target not in doc_types:
        raise ValueError(f"{defect} needs a {target.value} on a {claim_type} claim")
    odd = case
    if defect == "name_mismatch":
        odd = replace(case, person=replace(case.person, name=_other_name(rng, case.person.name, case.person.sex)))
    elif defect == "discharge_before_admission":
        odd = _tampered(case, admission=case.discharge, discharge=case.admission, printed_stay_days=case.stay_days)
    elif defect == "stay_days_wrong":
        wrong = case.stay_days + rng.choice([d for d in (-2, -1, 2, 3, 5, 7, 10) if case.stay_days + d >= 1])
        odd = _tampered(case, printed_stay_days=wrong)
    elif defect == "invoice_outside_stay":
        if rng.random() < 0.5:
            when = case.admission - timedelta(days=rng.randint(20, 120))
        else:
            when = case.discharge + timedelta(days=rng.randint(45, 200))
        odd = _tampered(case, printed_issue_date=when)
    elif defect == "hospital_mismatch":
        others = [h for h in case.region.hospitals if h != case.hospital]
        odd = replace(case, hospital=rng.choice(others))
    elif defect == "other_stay":
        # The bill of another stay, weeks before this one, and dated as such.
        shift = timedelta(days=rng.randint(40, 120))
        odd = _tampered(case, admission=case.admission - shift, discharge=case.discharge - shift)
    elif defect == "parts_mismatch":
        bill = case.bill
        extra = (bill.total * Decimal(str(round(rng.uniform(0.2, 0.4), 2)))).quantize(Decimal("0.01"))
        odd = replace(case, bill=replace(bill, insurance_paid=bill.insurance_paid + extra))

    recipe_rng = random.Random(rng.getrandbits(64))
    out_files: list[tuple[str, bytes]] = []
    truth: list[Document] = []
    notes: dict[str, Any] = {"patient": case.person.name}

    prior_files: list[tuple[str, bytes]] = []

    # poor_page: the first document's first page photographed too poorly to read.
    spoil = rng.choice(POOR_PAGE_KINDS) if defect == "poor_page" else None

    def add(doc: SynthDocument, stem: str, recipe: str | None = None) -> None:
        recipe = recipe or recipe_rng.choice(list(recipes))
        data, ext = _encode(doc, recipe, recipe_rng, spoil if not out_files else None)
        name = f"{len(out_files) + 1:02d}-{stem.replace(FORM, 'form-')}-{recipe}{ext}"
        out_files.append((name, data))
        truth.append(_truth_document(doc, name, grey="scan_grey" in RECIPES[recipe][0]))
        if spoil is not None and len(truth) == 1:
            # What a perfect quality gate reports: the spoiled page, by the kind of its spoiling.
            truth[0].page_issues.append(PageIssue(1, spoil, ""))
            # and what can be read off a page too poor to read: nothing surely (a page whose every
            # required field reads surely is the reviewer's, not the member's, checks.py).
            for f in truth[0].fields.values():
                f.confidence = min(f.confidence, 0.5)

    for doc_type in doc_types:
        if doc_type == dropped:
            continue
        layout = rng.choice(_layouts_of(doc_type, layouts))
        use = odd if doc_type == target else case
        seal = True if doc_type == DocType.UNIT_CERTIFICATE else None
        if doc_type == DocType.UNIT_CERTIFICATE and defect in ("certificate_no_seal", "seal_not_employer"):
            seal = False
        grey = defect == "grey_certificate" and doc_type == DocType.UNIT_CERTIFICATE
        if defect == "upper_mismatch" and doc_type == DocType.INVOICE:
            shift = Decimal(rng.choice((100, 1000, 10, 500))) + Decimal(rng.randint(1, 9))
            use = _tampered(use, printed_upper_total=case.bill.total + shift)
        doc = _render_until(layout, use, rng, needs(doc_type), seal=seal)
        if defect == "seal_not_employer" and doc_type == DocType.UNIT_CERTIFICATE:
            _stamp_foreign_seal(doc, _other_employer(rng, case.employer), rng)
        if defect == "unreadable_field" and doc_type == DocType.INVOICE:
            _blank_field(doc, "invoice_number")
        if defect == "invoice_rephotographed" and doc_type == DocType.INVOICE:
            # The same invoice, photographed for an earlier claim with its numbers readable, and now
            # again with 票据代码, 票据号码 and 校验码 covered: only its printed values tell it.
            prior_data, prior_ext = _encode(doc, "photo", recipe_rng)
            prior_files.append((f"earlier-{layout}{prior_ext}", prior_data))
            for name in ("invoice_code", "invoice_number", "check_code"):
                if name in doc.fields:
                    _blank_field(doc, name)
        recipe = "scan" if grey else None
        if defect in ("seal_not_employer", "certificate_no_seal") and doc_type == DocType.UNIT_CERTIFICATE:
            # Another company's seal, or none, on a colour upload: on a grey copy no seal can be
            # verified (that is grey_certificate, the reviewer's: a faded red seal and no seal look
            # alike there), so drawn grey either would measure that defect again. Seen on train:
            # every oracle miss of certificate_no_seal (3 of 6, seed o4411) was a grey scan.
            recipe = recipe_rng.choice([r for r in recipes if "scan_grey" not in RECIPES[r][0]] or list(recipes))
        add(doc, layout, recipe=recipe)
        if defect == "duplicate_invoice" and doc_type == DocType.INVOICE:
            add(doc, layout + "-again")  # the same paper photographed a second time
    prior: list[str] = []
    if defect == "invoice_used_before":
        prior = sorted({k for d in truth for k in invoice_keys(d)})
    if dropped is not None:
        notes["dropped"] = dropped.value
    if defect == "stay_outside_policy":
        end = case.admission - POLICY_ENDS_BEFORE_STAY
        notes["policy_period"] = ((end - timedelta(days=364)).isoformat(), end.isoformat())
    return SynthClaim(claim_type, defect, out_files, truth, prior, prior_files, notes)


def _stamp_foreign_seal(doc: SynthDocument, employer: str, rng: random.Random) -> None:
    """Another company's round seal over the signature block: a borrowed or forged certificate."""
    name, when = doc.fields.get("employer_name"), doc.fields.get("issue_date")
    page = doc.pages[(name or when).page - 1 if (name or when) else 0]
    ink = seals.round_seal(employer, int(rng.uniform(215, 245)), rng)
    if name is not None and when is not None and name.page == when.page:
        cx = int((name.box[0] + name.box[2]) / 2 + rng.randint(-40, 40))
        cy = int((name.box[1] + when.box[3]) / 2 + rng.randint(-20, 20))
    else:  # the employer named only in prose: the lower right, where a signature block stands
        w, h = page.image.size
        cx, cy = int(w * rng.uniform(0.62, 0.75)), int(h * rng.uniform(0.55, 0.7))
    sbox = page.stamp(ink, cx, cy, employer, "round")
    doc.seal_field(page, sbox, employer)


def _blank_field(doc: SynthDocument, name: str) -> None:
    """A white privacy box over the field, as members blank what they think is private."""
    f = doc.fields.pop(name)
    page = doc.pages[f.page - 1]
    x0, y0, x1, y1 = f.box
    page.rect((x0 - 6, y0 - 6, x1 + 6, y1 + 6), outline=(255, 255, 255), fill=(255, 255, 255))


def claim_plan(
    per_kind: int, defects: Sequence[str] | None = None, *, complete_per_type: int | None = None
) -> list[tuple[str, str, int]]:
    """(defect, claim_type, index): each defect on its claim types in turn; complete ones on every
    type, complete_per_type of each (default per_kind)."""
    plan = []
    for defect in defects or list(DEFECTS):
        types = DEFECT_CLAIM_TYPES[defect]
        count = (complete_per_type or per_kind) * len(types) if defect == "none" else per_kind
        for i in range(count):
            plan.append((defect, types[i % len(types)], i))
    return plan
