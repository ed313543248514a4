"""The completeness check of a claim: one small function per check, each returning Problems.

The checks read only the contract's fields (Document.fields), so that the CLI, the service and a
reviewer's corrected document are judged the same way. Severity follows rules.yaml's header: an
error when the claimant must act, a warning when the difference could be our own misreading and a
reviewer should look; that is why a check that compares values read with low confidence downgrades
its finding to a warning instead of blaming the claimant for an OCR slip.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rapidfuzz.distance import Levenshtein

from intake.check import glyphs
from intake.check.claim_rules import ClaimRule, DiseaseList, DocumentGroup, Rules, SealRule, load_rules
from intake.check.invoice_registry import InvoiceRegistry, invoice_keys, parse_image_key
from intake.codes import Actor, ProblemCode, QualityIssue, Reason
from intake.elements.document import Diagnosis, Document, Field, PageIssue, SealValue
from intake.elements.findings import Completeness, Missing, Problem
from intake.normalize import idcard
from intake.normalize.money import MoneyError, parse_upper, upper_tail_of
from intake.normalize.text import fold, normalize_name, substring_distance, to_halfwidth
from intake.ocr import fingerprint
from intake.ocr.seal_verify import Lattice, decide
from intake.reference import diagnoses
from intake.vocabulary import FIELDS, DocType

CLINICAL = (DocType.DISCHARGE, DocType.DIAGNOSIS)
BILLS = (DocType.INVOICE, DocType.SETTLEMENT)
# The extractor lowers the confidence of a value that fails one of its cross-checks and says why
# (intake/extract/crosschecks.py). Where a check here judges the same inconsistency, that low
# confidence is the finding itself, not doubt about the reading, and must not soften the verdict.
DATE_REASONS = frozenset({Reason.DISCHARGE_BEFORE_ADMISSION})
STAY_REASONS = frozenset({Reason.STAY_DAYS})
UPPER_REASONS = frozenset({Reason.UPPER_MISMATCH})
PARTS_REASONS = frozenset({Reason.PARTS_SUM, Reason.PARTS_EXCEED_TOTAL, Reason.ACCOUNT_EXCEEDS_OWN_SHARE})
SEAL_REASONS = frozenset({Reason.GREY_COPY})
CHECKED_HERE = DATE_REASONS | STAY_REASONS | UPPER_REASONS | PARTS_REASONS | SEAL_REASONS
# A state of the page rather than a failure: a date with its day blanked for privacy.
BENIGN_REASONS = frozenset({Reason.PARTIAL_DATE})


@dataclass
class ClaimUnderCheck:
    """What every check sees: the rules of this claim type and the claim's documents."""

    rules: Rules
    rule: ClaimRule
    documents: list[Document]
    registry: InvoiceRegistry | None
    claim_id: str

    @property
    def threshold(self) -> float:
        return self.rule.review_threshold

    def of(self, *types: DocType) -> list[Document]:
        return [d for d in self.documents if d.doc_type in types]

    def confident(self, *fields: Field | None, explained: frozenset[Reason] = frozenset()) -> bool:
        """Every field read well enough to blame the claimant rather than our reading.

        A field whose confidence is low only for reasons in `explained` (the very inconsistency the
        caller is judging) or for benign ones counts as confident.
        """
        ok = explained | BENIGN_REASONS
        return all(
            f is not None and (f.confidence >= self.threshold or (bool(f.reasons) and set(f.reasons) <= ok))
            for f in fields
        )

    def problem(
        self, code: ProblemCode, actor: Actor, doc: Document | None, field: str | None, **values: object
    ) -> Problem:
        doc_name = self.rules.doc_name(doc.doc_type.value) if doc is not None else ""
        field_name = self.rules.field_name(field, doc.doc_type.value if doc else None) if field else ""
        message = self.rules.message(code, actor, doc=doc_name, field=field_name, **values)
        return Problem(code, actor, message, doc.id if doc is not None and doc.id else None, field)


# -- missing documents and unreadable fields -----------------------------------------------------


def _unplaced(claim: ClaimUnderCheck) -> list[tuple[DocumentGroup, Document | None]]:
    """Each required group no document satisfies, with the document the classifier could not call
    (`other`) that is likeliest one of the group's types, if it is likely enough to ask the reviewer.

    A page of a layout the classifier never saw can come out `other` although the member uploaded
    exactly the document asked for (train-family claims: a 单位证明 form grid, a 诊断证明书 pad). To
    tell that member "missing, please upload" is the one message a complete claim must never get."""
    present = {d.doc_type for d in claim.documents}
    least = claim.rules.checks.unsure_type_min
    out: list[tuple[DocumentGroup, Document | None]] = []
    taken: set[int] = set()  # one uncalled page stands in for one missing document, not two
    for group in claim.rule.required_documents:
        if present.intersection(group.any_of):
            continue
        scored = [
            (max(d.type_scores.get(t.value, 0.0) for t in group.any_of), n, d)
            for n, d in enumerate(claim.documents)
            if d.doc_type == DocType.OTHER and n not in taken
        ]
        best = max((c for c in scored if c[0] >= least), key=lambda c: c[0], default=None)
        if best is not None:
            taken.add(best[1])
        out.append((group, best[2] if best else None))
    return out


def check_documents(claim: ClaimUnderCheck) -> list[Missing]:
    return [Missing(g.any_of[0].value, g.message or "") for g, maybe in _unplaced(claim) if maybe is None]


def check_unsure_types(claim: ClaimUnderCheck) -> list[Problem]:
    """A required document that is not missing but uncalled: the reviewer sets its type."""
    out = []
    for group, maybe in _unplaced(claim):
        if maybe is not None:
            likeliest = max(group.any_of, key=lambda t: maybe.type_scores.get(t.value, 0.0))
            expected = claim.rules.doc_name(likeliest)
            out.append(claim.problem(ProblemCode.DOCUMENT_TYPE_UNSURE, Actor.REVIEWER, maybe, None, other=expected))
    return out


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _all_required_read(claim: ClaimUnderCheck, doc: Document, surely: bool = True) -> bool:
    """Every field the claim type requires of this document was read at the review threshold or
    above; with surely=False, read at all but no mere guess (checks.unread_below). A document with
    no required field proves nothing by its reading."""
    names = claim.rule.required_fields.get(doc.doc_type, ())
    fields = [doc.fields.get(n) for n in names]
    return bool(names) and all(
        f is not None
        and not _empty(f.value)
        and (f.confidence >= claim.threshold if surely else not _guessed(claim, f))
        for f in fields
    )


def _seal_lost(claim: ClaimUnderCheck, doc: Document) -> bool:
    """Whether the claim type wants a seal on this document and none was found: on a poor page (cut
    off, glare, blur) it may lie beyond the frame or under the flaw, which a new photo shows and a
    reviewer cannot see past."""
    if not any(rule.doc_type == doc.doc_type for rule in claim.rule.seals):
        return False
    seal_f = doc.fields.get("seal")
    return seal_f is None or seal_f.seal is None or not seal_f.seal.present


def _stay_lost(doc: Document) -> bool:
    """Whether a field the claim's documents are compared by (the hospital, an inpatient stay's
    dates) is not on this document though its type carries it: a cut page lost it beyond the frame
    (train seed lead1211, poor_page: an invoice cut at its top lost its hospital and stay, its
    required fields read, and went to the reviewer, who cannot compare what is not there)."""
    names = ["hospital_name"]
    if doc.value("visit_type") != "outpatient":
        names += ["admission_date", "discharge_date"]
    return any(n in FIELDS[doc.doc_type] and doc.fields.get(n) is None for n in names)


def _poor_page_actor(claim: ClaimUnderCheck, doc: Document, issue: PageIssue) -> Actor:
    """Who acts on a page the quality gate finds poor: the member, who photographs it again, unless
    its reading shows nothing was lost (checks.poor_page_read_actor has the evidence)."""
    if claim.rules.checks.poor_page_read_actor is Actor.MEMBER:
        return Actor.MEMBER
    if issue.issue == QualityIssue.BLANK and len(doc.pages) > 1:
        return Actor.REVIEWER  # the document's other pages carry its text
    if _seal_lost(claim, doc):
        return Actor.MEMBER
    if issue.issue == QualityIssue.CUT_OFF:
        if _stay_lost(doc):
            return Actor.MEMBER
        if _all_required_read(claim, doc, surely=False):
            # What a cut page loses lies beyond the frame: a field read at all was not lost, however
            # unsurely read, and an unsure one is the reviewer's like any other (train seed lead1207,
            # a complete claim: a skewed photo of an invoice whose corner and a seal at the top ran
            # out of the frame, every field read, its 票据号码 rightly at 0.5, was sent back as 票据未拍全).
            return Actor.REVIEWER
    return Actor.REVIEWER if _all_required_read(claim, doc) else Actor.MEMBER


def _symptom(advice: str) -> str:
    """The advice's first part, what is wrong (quality.yaml writes each as 症状，请 + what to do)."""
    return advice.split("，请", 1)[0]


def check_page_quality(claim: ClaimUnderCheck) -> list[Problem]:
    """A page too poor to read (the OCR stage's quality gate says why): the member photographs it
    again, unless the page's reading shows nothing was lost, when the reviewer looks at it."""
    out = []
    for doc in claim.documents:
        for issue in doc.page_issues:
            actor = _poor_page_actor(claim, doc, issue)
            text = issue.advice if actor is Actor.MEMBER else _symptom(issue.advice)
            out.append(claim.problem(ProblemCode.PAGE_UNREADABLE, actor, doc, None, page=issue.page, issue=text))
    return out


def _asks_for_page(claim: ClaimUnderCheck, doc: Document) -> bool:
    """The member is asked to photograph a page of this document again."""
    return any(_poor_page_actor(claim, doc, issue) is Actor.MEMBER for issue in doc.page_issues)


def check_required_fields(claim: ClaimUnderCheck) -> list[Problem]:
    """A required field that was not read: on a page too poor to read, that page's finding says what
    to do; on a good page the reading failed, which is the reviewer's (unless the operator made the
    field strict)."""
    out = []
    for doc in claim.documents:
        strict = claim.rule.strict_fields.get(doc.doc_type, ())
        for name in claim.rule.required_fields.get(doc.doc_type, ()):
            f = doc.fields.get(name)
            if f is None or _empty(f.value) or _guessed(claim, f):
                if _asks_for_page(claim, doc) and name not in strict:
                    continue  # check_page_quality asks for the page again
                actor = Actor.MEMBER if name in strict else claim.rules.checks.unread_field_actor
                out.append(claim.problem(ProblemCode.FIELD_MISSING, actor, doc, name))
            elif f.confidence < claim.threshold and not (f.reasons and set(f.reasons) <= CHECKED_HERE | BENIGN_REASONS):
                out.append(claim.problem(ProblemCode.FIELD_LOW_CONFIDENCE, Actor.REVIEWER, doc, name))
    return out


def _guessed(claim: ClaimUnderCheck, f: Field) -> bool:
    """A value read so unsurely, with no cross-check to explain the doubt, that it is a guess: the
    field was not read (checks.unread_below has the evidence)."""
    return f.confidence < claim.rules.checks.unread_below and not f.reasons


def check_field_validations(claim: ClaimUnderCheck) -> list[Problem]:
    """A value the extractor kept as read although it failed a validation: the reviewer looks at it."""
    out = []
    for doc in claim.documents:
        for name, f in doc.fields.items():
            if set(f.reasons) - CHECKED_HERE - BENIGN_REASONS:
                out.append(claim.problem(ProblemCode.FIELD_INVALID, Actor.REVIEWER, doc, name))
    return out


# -- the member's name --------------------------------------------------------------------------


def edit_distance(a: str, b: str) -> int:
    return int(Levenshtein.distance(a, b))


Reading = tuple[Document, str, Field, str]  # document, field name, field, the value compared


def _readings(claim: ClaimUnderCheck, names: Iterable[str], key: Callable[[str], str]) -> list[Reading]:
    out = []
    for doc in claim.documents:
        for name in names:
            f = doc.fields.get(name)
            if f is not None and f.text and key(f.text):
                out.append((doc, name, f, key(f.text)))
    return out


def _reference(read: list[Reading]) -> tuple[str, float]:
    """The value most documents agree on, and how surely it was read; a tie goes to the surer
    reading, then to the first document."""
    counts = Counter(r[3] for r in read)
    best = {n: max(f.confidence for _, _, f, m in read if m == n) for n in counts}
    first = {n: next(i for i, r in enumerate(read) if r[3] == n) for n in counts}
    reference = max(counts, key=lambda n: (counts[n], best[n], -first[n]))
    return reference, best[reference]


def _page_shows(f: Field, value: str, key: Callable[[str], str]) -> bool:
    """Whether the page the field was read from also offered this value: among the candidates the
    reader passed over, or in the very line it read. Then the documents do not disagree; we chose
    the wrong one of two names on the page (a doctor's, the 经办人's, a family member's)."""
    offered = [a.value for a in f.alternatives if isinstance(a.value, str)]
    return any(key(v) == value for v in offered) or (len(value) >= 2 and value in normalize_name(f.source_text))


def _disagreements(
    claim: ClaimUnderCheck,
    read: list[Reading],
    near: Callable[[str, str], bool],
    codes: tuple[ProblemCode, ProblemCode],
    key: Callable[[str], str],
    far: Callable[[str, str], bool] = lambda a, b: False,
    misplaced: Callable[[Field], bool] = lambda f: False,
) -> list[Problem]:
    """Each reading that is not the reference value: the member's when both were read surely, they
    are not near and the page did not also offer the reference (codes[0]), else the reviewer's
    (codes[1]). Two values too far apart to be one misread (far) need only
    checks.far_mismatch_min: their doubt is which value on the page was chosen, not its letters,
    and a page that offered the reference value is the reviewer's anyway."""
    if len(read) < 2:
        return []
    # A reading taken from another role's line (misplaced) is no evidence of what the documents
    # say: the reference is what the others agree on, and it is compared for the reviewer only.
    placed = [r for r in read if not misplaced(r[2])]
    reference, ref_conf = _reference(placed or read)
    # Documents that read the reference surely: two of them agreeing is no misreading of ours.
    backing = {id(d) for d, _, f, v in placed if v == reference and f.confidence >= claim.threshold}
    settings = claim.rules.checks
    out = []
    for doc, name, f, value in read:
        if value == reference:
            continue
        least = claim.threshold
        if far(value, reference):
            # A name read only off a seal's ring is capped under far_mismatch_min on purpose
            # (extract.unlabelled.SEAL_NAME_CAP): never the member's on its own.
            corroborated = len(backing) >= 2 and "from_seal" not in f.doubts
            least = settings.corroborated_mismatch_min if corroborated else settings.far_mismatch_min
        sure = (
            f.confidence >= least
            and ref_conf >= least
            and not _page_shows(f, reference, key)
            and not misplaced(f)
            and len(placed) == len(read)
        )
        code, actor = (codes[1], Actor.REVIEWER) if near(value, reference) or not sure else (codes[0], Actor.MEMBER)
        out.append(claim.problem(code, actor, doc, name, value=f.value, other=reference))
    return out


# A Han name is two to four characters (a compound surname and a two-character given name at most);
# a transcribed minority or foreign name joins its parts with a middle dot.
_PERSON_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,10}(?:·[\u4e00-\u9fff]{1,10})+")


# Words of a form's labels that no person's name contains: a reading holding one is a label read as
# the value (性别男 and 住院号 were read as patient names on train-family claims, at 0.75 and 0.22).
_LABEL_WORDS = re.compile(
    "性别|姓名|年龄|住院|门诊|科室|床号|病区|日期|诊断|医院|单位|职工|患者|病人|身份|证号|编号|号码|出生|民族|籍贯|职业"
)


def looks_like_name(value: str) -> bool:
    """Whether a reading has the shape of a person's name. A reading that does not (我单位员工, a
    label read as the value, a name run into the next word) is our misreading, never evidence that
    the member's documents name someone else."""
    return _PERSON_NAME.fullmatch(value) is not None and _LABEL_WORDS.search(value) is None


def check_names(claim: ClaimUnderCheck) -> list[Problem]:
    read = _readings(claim, claim.rules.checks.name_fields, normalize_name)
    codes = (ProblemCode.NAME_MISMATCH, ProblemCode.NAME_NEAR_MISMATCH)

    def near(a: str, b: str) -> bool:
        # One name inside the other is a reading cut at a cell's edge or a compound surname lost
        # (慕容兰琴 read 兰琴 at 0.75 on a train-family complete claim), not another person.
        # Characters that each look like their counterpart (汪红晶 and 江红品) are a misreading
        # however surely read: held-out complete accident claims were told their documents name
        # someone else for names read wrongly with confidence.
        return (
            edit_distance(a, b) <= 1
            or a in b
            or b in a
            or not (looks_like_name(a) and looks_like_name(b))
            or glyphs.misread_alike(a, b)
        )

    def far(a: str, b: str) -> bool:
        # OCR slips a character or two; it does not turn 韩浩成 into 罗强国 (train-family claims:
        # two such names, each read at 0.75, went to the reviewer as near misses), nor, sharing a
        # character, 陶红秀 into 汪红晶, none of whose differing characters looks like the other
        # (train claims trainA: that name_mismatch, read at 0.75, went to the reviewer).
        return (not set(a) & set(b) or glyphs.unlike(a, b)) and looks_like_name(a) and looks_like_name(b)

    return _disagreements(claim, read, near, codes, normalize_name, far, _another_role)


# Labels of the other people a medical document or certificate names: a name read from a line so
# labelled is theirs, whatever the reader called it (train trainB, a complete claim: the patient
# name read 董俊韩 off 治医师：董俊韩, the doctor's line, and the member was told their documents
# name someone else).
_ROLE_LABELS = re.compile("医师|医生|大夫|护士|经办|负责人|联系人|家属|审核|复核|收款|开票|院长|主任")


def _another_role(f: Field) -> bool:
    """Whether the line a name was read from labels someone else (a doctor, the 经办人)."""
    text = normalize_name(f.source_text)
    value = normalize_name(f.text or "")
    if value:
        text = text.replace(value, " ")
    return _ROLE_LABELS.search(text) is not None


_BRANCH = re.compile(r"[(（][^)）]*[)）]$")
# What names the same institution in a longer or shorter form: 苏州大学附属第一医院 is 苏州大学第一
# 医院, and a 分院 or 院区 is a campus of the hospital it is named after.
_AFFIX = re.compile(r"附属|(?:分院|院区|本部)$")
# The words that tell two hospitals of one city apart by a single character (第一 and 第二医院,
# 市一院 and 市二院): a one-character difference there is another hospital, not an OCR slip.
_ORDINAL = frozenset("一二三四五六七八九十")


def hospital_key(name: str) -> str:
    """A hospital's name compared without what only locates it (a campus in brackets: 本部, 东院)
    or only lengthens it (附属, a 分院 suffix)."""
    return _AFFIX.sub("", _BRANCH.sub("", normalize_name(name)))


def _ordinal_differs(a: str, b: str, *, lost: bool = False) -> bool:
    """Whether a number word of one name is another number word in the other (第一 and 第二医院),
    or with `lost` also added or dropped. A number dropped alone is a character lost, not another
    hospital: 苏州大学附属第一医院 was read 苏州大学附属第医院 on a train-family complete claim."""
    for op in Levenshtein.editops(a, b):
        old = a[op.src_pos] if op.tag != "insert" else ""
        new = b[op.dest_pos] if op.tag != "delete" else ""
        if op.tag == "replace" and old in _ORDINAL and new in _ORDINAL:
            return True
        if op.tag != "replace" and lost and (old + new) in _ORDINAL:
            return True
    return False


# Words any hospital's seal may carry: a ring read as these alone says no particular hospital.
_GENERIC_HOSPITAL_WORDS = re.compile(
    "收费专用章|财务专用章|专用章|医学院|人民|医院|附属|大学|中心|[省市区县]|第?[一二三四五六七八九十]+"
)


def _seal_says(doc: Document, name: str) -> bool:
    """Whether the document's own seal ring (an invoice's 收费专用章) bears out this name, as
    normalize_name gives it: its CTC lattices accept the name (seal_verify's match), or the ring
    read free is a piece of the name, at least half of it and two characters beyond the words any
    hospital's seal carries (train invoice photos: 州市第一人 read off 广州市第一人民医院's ring)."""
    seal_f = doc.fields.get("seal")
    seal = seal_f.seal if seal_f is not None else None
    if seal is None or not seal.present or not name:
        return False
    text = normalize_name(seal.text or "")
    ring = _GENERIC_HOSPITAL_WORDS.sub("", text)
    if text and len(text) * 2 >= len(name) and len(ring) >= 2 and text in name:
        return True
    return bool(seal.lattices) and seal_verdict(seal, name)[0] == "match"


def _seal_vouched(
    claim: ClaimUnderCheck,
    doc: Document,
    f: Field,
    others: Iterable[str],
    says: Callable[[Document, str], bool] = _seal_says,
) -> Field:
    """The hospital's name as read off the print, as sure as the review threshold at least when the
    page's seal ring bears out that name and none of the other documents' names: two readings of
    the page, by two readers, agree. Train families (seed 9101): an invoice's 广州市第一人民医院,
    read at 0.5 and borne out by its seal, against 中山大学附属第一医院 on the diagnosis went to the
    reviewer as a near miss. A name taken from the seal itself (extract's name_from_seal) is no
    second reading."""
    if "from_seal" in f.doubts or f.confidence >= claim.threshold or not f.text:
        return f
    own = normalize_name(f.text)
    if not says(doc, own) or any(says(doc, n) for n in others if n != own):
        return f
    return replace(f, confidence=claim.threshold)


def check_hospitals(claim: ClaimUnderCheck) -> list[Problem]:
    """The bills and the clinical documents come from one hospital. A name read a character off,
    or one that contains the other (a hospital's full and short name), is the reviewer's; one that
    differs in its number (第一 against 第二医院) or by far more than a slip is another hospital."""
    share = claim.rules.checks.hospital_max_edit_share

    def allowed(a: str, b: str) -> int:
        return max(1, round(max(len(a), len(b)) * share))

    def near(a: str, b: str) -> bool:
        if _ordinal_differs(a, b):
            return False
        return a in b or b in a or edit_distance(a, b) <= allowed(a, b)

    def far(a: str, b: str) -> bool:
        # Three characters changed, among them half the name or its number, is no misreading of
        # one another: like two people's names, it needs checks.far_mismatch_min, not the review
        # threshold (宁波大学第一医院 against 宁波市第二医院; 南京鼓楼医院 against 南京市第一医院).
        edits = edit_distance(a, b)
        return (
            not (a in b or b in a)
            and edits >= 3
            and (2 * edits >= max(len(a), len(b)) or _ordinal_differs(a, b, lost=True))
        )

    read = _readings(claim, ("hospital_name",), hospital_key)
    every = {normalize_name(f.text or "") for _, _, f, _ in read}
    # Each (document, name) is asked twice below, and a lattice decode is the dear part: ask once.
    asked: dict[tuple[int, str], bool] = {}

    def says(doc: Document, name: str) -> bool:
        key = (id(doc), name)
        if key not in asked:
            asked[key] = _seal_says(doc, name)
        return asked[key]

    # A page whose own seal ring bears out another document's hospital and not the name read off
    # its print was misread in its print (or another name on it chosen): like a name read from
    # another role's line, no evidence of what the documents say.
    contradicted = {
        id(f)
        for doc, _, f, _ in read
        if not says(doc, normalize_name(f.text or ""))
        and any(says(doc, n) for n in every if n != normalize_name(f.text or ""))
    }
    read = [(doc, name, _seal_vouched(claim, doc, f, every, says), value) for doc, name, f, value in read]
    codes = (ProblemCode.HOSPITAL_MISMATCH, ProblemCode.HOSPITAL_NEAR_MISMATCH)
    out = _disagreements(claim, read, near, codes, hospital_key, far, lambda f: id(f) in contradicted)
    if read:
        # A bill or clinical document whose hospital was not read cannot be compared: the reviewer
        # reads it off the page rather than the check passing it unseen.
        with_name = {id(r[0]) for r in read}
        for doc in claim.of(*BILLS, *CLINICAL):
            if id(doc) not in with_name and not doc.page_issues:
                out.append(claim.problem(ProblemCode.FIELD_MISSING, Actor.REVIEWER, doc, "hospital_name"))
    return out


# -- dates ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A date as read: a day, or a whole month when the day was blanked ('2019-12')."""

    first: date
    last: date
    text: str

    @property
    def exact(self) -> bool:
        return self.first == self.last


def parse_span(value: Any) -> Span | None:
    if not isinstance(value, str):
        return None
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value.strip())
    if not m:
        return None
    try:
        y, mo = int(m[1]), int(m[2])
        if m[3]:
            d = date(y, mo, int(m[3]))
            return Span(d, d, value)
        first = date(y, mo, 1)
    except ValueError:
        return None
    nxt = date(y + (mo == 12), mo % 12 + 1, 1)
    return Span(first, nxt - timedelta(days=1), value)


def _span(doc: Document, name: str) -> Span | None:
    return parse_span(doc.value(name))


def _stay_of(claim: ClaimUnderCheck) -> tuple[Span, Span, Document] | None:
    """The stay the claim is about: from the clinical documents first, else from a bill; but
    first of all from a document whose two days fit a 住院天数 printed on the claim, when the
    first does not (train seed lead1205, a complete claim: a diagnosis's 入院 read 06-01 for
    06-15 at 0.86, its own 24 days fitting only the invoice's 06-15..07-09, made the invoice's
    dates another stay's)."""
    stays: list[tuple[Span, Span, Document]] = []
    for doc in [*claim.of(*CLINICAL), *claim.of(*BILLS)]:
        adm, dis = _span(doc, "admission_date"), _span(doc, "discharge_date")
        if adm and dis and dis.last >= adm.first:
            stays.append((adm, dis, doc))
    printed = _printed_days(claim)
    fitting = [s for s in stays if any(_fits(s[0], s[1], days, claim) for days in printed)]
    chosen = fitting or stays
    return chosen[0] if chosen else None


def _days_field(doc: Document) -> tuple[Field, int] | None:
    """The document's 住院天数 field and its days, when it was read as a whole number of days."""
    los = doc.fields.get("length_of_stay")
    if los is None or isinstance(los.value, bool) or not isinstance(los.value, int):
        return None
    return los, los.value


def _printed_days(claim: ClaimUnderCheck) -> list[int]:
    """The 住院天数 read on the claim's documents, as sure as the check may lean on (doubted only
    for not fitting the dates, which is what it is asked about)."""
    out = []
    for doc in claim.documents:
        read = _days_field(doc)
        if read is not None and claim.confident(read[0], explained=STAY_REASONS):
            out.append(read[1])
    return out


def _fits(adm: Span, dis: Span, days: int, claim: ClaimUnderCheck) -> bool:
    """Whether a stay of these two exact days is `days` long, as 住院天数 count (stay_days_slack)."""
    if not (adm.exact and dis.exact) or dis.first < adm.first:
        return False
    counted = (dis.first - adm.first).days
    return counted <= days <= counted + claim.rules.checks.stay_days_slack


def _own_days_belie(claim: ClaimUnderCheck, doc: Document, stay: tuple[Span, Span, Document]) -> bool:
    """Whether a document's own 住院天数 fits the claim's stay and not its own two dates: its
    dates were misread (one of them another date of the page), not printed of another stay."""
    read = _days_field(doc)
    adm, dis = _span(doc, "admission_date"), _span(doc, "discharge_date")
    if read is None or not (adm and dis) or not claim.confident(read[0], explained=STAY_REASONS):
        return False
    return _fits(stay[0], stay[1], read[1], claim) and not _fits(adm, dis, read[1], claim)


def _read_alike(claim: ClaimUnderCheck, f: Field, g: Field) -> bool:
    """Whether two readings of one day on two documents, each read at least fairly (not a guess),
    are together as sure as one reading at the review threshold: that both are the same misread
    is the product of their doubts (train-family claims: 0.74 on a discharge record and 0.90 on
    the invoice's 住院日期 for the same admission date)."""
    least = claim.rules.checks.unread_below
    return min(f.confidence, g.confidence) >= least and 1 - (1 - f.confidence) * (1 - g.confidence) >= claim.threshold


def _date_sure(
    claim: ClaimUnderCheck,
    doc: Document,
    name: str,
    explained: frozenset[Reason] = frozenset(),
    *,
    as_: tuple[str, ...] | None = None,
) -> bool:
    """A date read surely enough to blame the member: read at the review threshold (or doubted
    only for the inconsistency judged), or read the same day on another document (as `as_`
    names there: the same field, and for a discharge date the bill's issue date, printed at
    discharge), two independent readings confirming each other."""
    f = doc.fields.get(name)
    if f is None:
        return False
    return claim.confident(f, explained=explained) or _read_elsewhere(claim, doc, name, as_=as_)


def _read_elsewhere(claim: ClaimUnderCheck, doc: Document, name: str, *, as_: tuple[str, ...] | None = None) -> bool:
    """Whether another document reads the same day as this one's date (as `as_` names there),
    the two readings together as sure as the review threshold (_read_alike)."""
    f = doc.fields.get(name)
    mine = parse_span(f.value) if f is not None else None
    if f is None or mine is None or not mine.exact:
        return False
    names = as_ or ((name, "issue_date") if name == "discharge_date" else (name,))
    for other in claim.documents:
        if other is doc:
            continue
        for n in names:
            g = other.fields.get(n)
            if n == "issue_date" and other.doc_type not in BILLS:
                continue
            if g is not None and parse_span(g.value) == mine and _read_alike(claim, f, g):
                return True
    return False


def _one_digit_into(span: Span, lo: date, hi: date) -> bool:
    """Whether one digit of the date read, changed, gives a day within lo..hi: a date that far
    from the stay may be a misread (6 read 0, 3 read 8: train-family readings at 0.53-0.80 were
    off so, in one digit); one differing in two or more digits is no OCR slip of a day in it."""
    if not span.exact or lo <= span.first <= hi:
        return True  # a day of the stay itself needs no misread to be in it
    digits = span.first.strftime("%Y%m%d")
    for k in range(len(digits)):
        for d in "0123456789":
            if d == digits[k]:
                continue
            s = digits[:k] + d + digits[k + 1 :]
            try:
                day = date(int(s[:4]), int(s[4:6]), int(s[6:]))
            except ValueError:
                continue
            if lo <= day <= hi:
                return True
    return False


def _offered_within(f: Field, lo: date, hi: date, doc: Document | None = None) -> bool:
    """Whether the page also offered a date within lo..hi (a candidate the reader passed over):
    then the one read may be another date of the page, not what the document says. A candidate
    printed where the document's stay dates were read is that print, not a passed-over reading
    (train seed lead1212, invoice_outside_stay: a bill issued in May, its own 住院日期 of July
    printed beside, went to the reviewer)."""
    taken = [
        g.box
        for n in ("admission_date", "discharge_date")
        if doc is not None and (g := doc.fields.get(n)) is not None and g is not f and g.box is not None
    ]
    for a in f.alternatives:
        span = parse_span(a.value)
        if span is None or span.last < lo or span.first > hi:
            continue
        if a.box is not None and any(_same_print(a.box, box) for box in taken):
            continue
        return True
    return False


def _same_print(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Two boxes of one piece of print: they overlap on most of the smaller."""
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix > 0 and iy > 0 and ix * iy >= 0.5 * max(smaller, 1)


def _best_stay(claim: ClaimUnderCheck) -> tuple[Span, Span, Document] | None:
    """The stay as the document that read both its dates surest gives it (ties: the clinical
    documents first), for a check that needs one where a document's own dates were read unsurely."""
    best: tuple[float, int, tuple[Span, Span, Document]] | None = None
    for n, doc in enumerate([*claim.of(*CLINICAL), *claim.of(*BILLS)]):
        adm, dis = _span(doc, "admission_date"), _span(doc, "discharge_date")
        if not (adm and dis and adm.exact and dis.exact and dis.first >= adm.first):
            continue
        sure = sum(_date_sure(claim, doc, name) for name in ("admission_date", "discharge_date"))
        conf = min(doc.fields["admission_date"].confidence, doc.fields["discharge_date"].confidence)
        key = (sure + conf, -n)
        if best is None or key > (best[0], best[1]):
            best = (key[0], key[1], (adm, dis, doc))
    return best[2] if best else None


def check_stay_order(claim: ClaimUnderCheck) -> list[Problem]:
    out = []
    for doc in claim.documents:
        adm, dis = _span(doc, "admission_date"), _span(doc, "discharge_date")
        if adm and dis and dis.last < adm.first:
            sure = claim.confident(doc.fields["admission_date"], doc.fields["discharge_date"], explained=DATE_REASONS)
            # Another document read the same two days the other way round (its admission is this
            # discharge date and its discharge this admission): both days are read right, and this
            # document prints them reversed.
            swapped = _date_sure(claim, doc, "admission_date", DATE_REASONS, as_=("discharge_date",)) and _date_sure(
                claim, doc, "discharge_date", DATE_REASONS, as_=("admission_date",)
            )
            actor = Actor.MEMBER if sure or swapped else Actor.REVIEWER
            problem = claim.problem(
                ProblemCode.DISCHARGE_BEFORE_ADMISSION, actor, doc, "discharge_date", value=dis.text, other=adm.text
            )
            out.append(problem)
    return out


def check_dates_agree(claim: ClaimUnderCheck) -> list[Problem]:
    """The admission and discharge dates of every document are those of the claim's stay.

    Documents of one stay legitimately differ by a day (an emergency-room night before admission, a
    settlement run after midnight), and a misread date looks the same: that is the reviewer's. Dates
    further apart, both read surely, are of another stay: the member's.
    """
    stay = _stay_of(claim)
    if stay is None:
        return []
    ref_doc = stay[2]
    slack = claim.rules.checks.dates_slack_days
    # The stay's own dates need only be read fairly surely for another document's stay to be
    # another one (_another_stay): that both its dates are misread far from the truth, and this
    # one's too, is no slip either way; whichever document is of another stay, the member explains.
    least = claim.rules.checks.far_mismatch_min
    ref_sure = all(
        _date_sure(claim, ref_doc, n) or ref_doc.fields[n].confidence >= least
        for n in ("admission_date", "discharge_date")
    )
    out = []
    for name, ref in (("admission_date", stay[0]), ("discharge_date", stay[1])):
        for doc in claim.documents:
            if doc is ref_doc:
                continue
            mine = _span(doc, name)
            if mine is None or (mine.first <= ref.last and ref.first <= mine.last):
                continue  # a month-only date agrees with any day of that month
            apart = min(abs((mine.first - ref.last).days), abs((ref.first - mine.last).days))
            slip = _lone_slip(claim, doc, name, mine, ref, stay) or _own_days_belie(claim, doc, stay)
            sure = (not slip and _date_sure(claim, doc, name) and _date_sure(claim, ref_doc, name)) or (
                ref_sure
                and _another_stay(
                    claim, doc, stay[0].first - timedelta(days=slack), stay[1].last + timedelta(days=slack)
                )
            )
            far = apart > slack and sure
            actor = Actor.MEMBER if far else Actor.REVIEWER
            out.append(claim.problem(ProblemCode.DATES_DISAGREE, actor, doc, name, value=mine.text, other=ref.text))
    return out


def _lone_slip(
    claim: ClaimUnderCheck, doc: Document, name: str, mine: Span, ref: Span, stay: tuple[Span, Span, Document]
) -> bool:
    """Whether a date that disagrees with the stay's is as likely one misread digit as another
    day: it is one digit off the stay's date, not both days are read so on a second document,
    and the document's other date of the stay agrees (or was not read as a day). One digit
    misread at 0.9 is what confidence 0.9 allows; another stay moves both dates, and the defects
    a member can make (another stay's bill, a bill outside the stay) move them by weeks (train
    seed lead1203: a diagnosis's 出院 2025-05-03 against the invoice's 2025-05-13, both at 0.9,
    its 入院 printed as 2025-05, told a complete claim's member the documents were of two stays)."""
    if not (mine.exact and ref.exact):
        return False
    a, b = mine.first.strftime("%Y%m%d"), ref.first.strftime("%Y%m%d")
    if sum(x != y for x, y in zip(a, b, strict=True)) != 1:
        return False
    if _read_elsewhere(claim, doc, name) and _read_elsewhere(claim, stay[2], name):
        return False  # each day read alike twice: the documents do say two days
    other_name, other_ref = ("discharge_date", stay[1]) if name == "admission_date" else ("admission_date", stay[0])
    other = _span(doc, other_name)
    return other is None or (other.first <= other_ref.last and other_ref.first <= other.last)


def _another_stay(claim: ClaimUnderCheck, doc: Document, lo: date, hi: date) -> bool:
    """Whether a document's own stay is another one than lo..hi, read fairly surely: both its dates
    read, in order, each at far_mismatch_min at least, neither one digit's misreading from a day of
    the stay, nor offered a day of it by the page. A single date read wrong is one slip; both dates
    of a stay moved out of it, the same way, are the bill of another stay (train-family claims:
    misread dates were off in one digit, or were another date of the same stay)."""
    adm, dis = _span(doc, "admission_date"), _span(doc, "discharge_date")
    if not (adm and dis and adm.exact and dis.exact and adm.first <= dis.first):
        return False
    least = claim.rules.checks.far_mismatch_min
    for name, span in (("admission_date", adm), ("discharge_date", dis)):
        f = doc.fields[name]
        if f.confidence < least or _one_digit_into(span, lo, hi) or _offered_within(f, lo, hi):
            return False
    return True


def check_stay_days(claim: ClaimUnderCheck) -> list[Problem]:
    stay = _stay_of(claim)
    out = []
    for doc in claim.documents:
        read = _days_field(doc)
        if read is None:
            continue
        los, printed = read
        adm, dis = _span(doc, "admission_date"), _span(doc, "discharge_date")
        dated = doc
        if not (adm and dis) and stay is not None:
            adm, dis, dated = stay
        if not (adm and dis and adm.exact and dis.exact) or dis.first < adm.first:
            continue  # partial dates cannot count days; reversed dates are their own problem
        days = (dis.first - adm.first).days
        if not _fits(adm, dis, printed, claim):
            sure = claim.confident(los, explained=STAY_REASONS) and all(
                _date_sure(claim, dated, n, STAY_REASONS) for n in ("admission_date", "discharge_date")
            )
            if sure and stay is not None and stay[2] is not dated and _fits(stay[0], stay[1], printed, claim):
                # The days printed fit the claim's stay as another document reads it: this
                # document's own dates were misread, which dates_disagree puts to the reviewer.
                sure = False
            best = _best_stay(claim)
            if not sure and best is not None and best[2] is not dated and claim.confident(los, explained=STAY_REASONS):
                # This document's dates were read unsurely, another's surely: the stay by that one
                # is the measure (train trainvdA: a discharge record's 出院日期 read 03-10 at 0.53,
                # the invoice's 03-16 at 0.90; the 14 days printed fit neither).
                b_adm, b_dis, b_doc = best
                b_days = (b_dis.first - b_adm.first).days
                if not _fits(b_adm, b_dis, printed, claim) and all(
                    _date_sure(claim, b_doc, n) for n in ("admission_date", "discharge_date")
                ):
                    sure = True
                    adm, dis, days = b_adm, b_dis, b_days
            out.append(
                claim.problem(
                    ProblemCode.STAY_DAYS_MISMATCH,
                    Actor.MEMBER if sure else Actor.REVIEWER,
                    doc,
                    "length_of_stay",
                    value=los.value,
                    other=f"{adm.text}至{dis.text}，{days}天",
                    days=days,
                )
            )
    return out


def check_policy_period(claim: ClaimUnderCheck) -> list[Problem]:
    """The stay begins within the policy period the claim type's rules set (if they set one)."""
    period = claim.rule.policy_period
    stay = _stay_of(claim)
    if period is None or stay is None:
        return []
    adm, dis, doc = stay
    if period.from_ <= adm.first and adm.last <= period.to:
        return []
    sure = _date_sure(claim, doc, "admission_date")
    return [
        claim.problem(
            ProblemCode.STAY_OUTSIDE_POLICY,
            Actor.MEMBER if sure else Actor.REVIEWER,
            doc,
            "admission_date",
            value=f"{adm.text}至{dis.text}",
            other=f"{period.from_.isoformat()}至{period.to.isoformat()}",
        )
    ]


def check_invoice_in_stay(claim: ClaimUnderCheck) -> list[Problem]:
    if not claim.rule.invoice_within_stay:
        return []
    # The stay as read surest: a discharge record whose 出院日期 was read unsurely as its 入院日期
    # (another date of the page) would put a bill of the stay outside it, while the invoice's own
    # 住院日期 read surely hold it (train readings with one such pick: 4 of 220 complete claims
    # told their bill is of another time).
    stay = _best_stay(claim) or _stay_of(claim)
    if stay is None:
        return []
    adm, dis, stay_doc = stay
    stay_sure = all(_date_sure(claim, stay_doc, n) for n in ("admission_date", "discharge_date"))
    grace = timedelta(days=claim.rules.checks.invoice_days_after_discharge)
    out = []
    for doc in claim.of(DocType.INVOICE):
        if doc.value("visit_type") == "outpatient":
            continue  # outpatient bills around a stay (tests before admission) are not this check's
        issued = _span(doc, "issue_date")
        if issued is None or (issued.last >= adm.first and issued.first <= dis.last + grace):
            continue
        f = doc.fields["issue_date"]
        # A date no single digit's misreading brings into the stay, read at least fairly surely,
        # while the page offered no date within the stay: not an OCR slip but a bill of another
        # time (train-family misread dates were off in one digit; outside_stay bills by months).
        far = (
            not _one_digit_into(issued, adm.first, dis.last + grace)
            and not _offered_within(f, adm.first, dis.last + grace, doc)
            and f.confidence >= claim.rules.checks.far_mismatch_min
            and stay_sure
        )
        sure = claim.confident(f) or far
        out.append(
            claim.problem(
                ProblemCode.INVOICE_OUTSIDE_STAY,
                Actor.MEMBER if sure else Actor.REVIEWER,
                doc,
                "issue_date",
                value=issued.text,
                other=f"{adm.text}至{dis.text}",
            )
        )
    return out


# -- money ---------------------------------------------------------------------------------------


def _money(f: Field | None) -> Decimal | None:
    return f.money if f is not None else None


_UPPER_UNIT = re.compile(r"[元圆圓角分]")


def _parts_broken(doc: Document, tol: Decimal) -> tuple[str, Decimal, Decimal, list[str]] | None:
    """The first identity of the bill's parts that the read figures break: (the field to point at,
    its value, the bound it exceeds, the fields involved), or None."""
    f = doc.fields
    total = _money(f.get("total_amount"))
    ins, copay, selfpay, account = (
        _money(f.get(n)) for n in ("insurance_paid", "personal_copay", "personal_selfpay", "personal_account_paid")
    )
    if total is not None and ins is not None and copay is not None and selfpay is not None:
        parts = ins + copay + selfpay
        if parts > total + tol:
            return (
                "insurance_paid",
                parts,
                total,
                ["total_amount", "insurance_paid", "personal_copay", "personal_selfpay"],
            )
    if account is not None and copay is not None and selfpay is not None and account > copay + selfpay + tol:
        return (
            "personal_account_paid",
            account,
            copay + selfpay,
            ["personal_account_paid", "personal_copay", "personal_selfpay"],
        )
    if total is not None:
        for name in ("insurance_paid", "personal_account_paid", "personal_copay", "personal_selfpay"):
            part = _money(f.get(name))
            if part is not None and part > total + tol:
                return (name, part, total, ["total_amount", name])
    return None


def _upper_amount(doc: Document) -> Decimal | None:
    """The bill's upper (大写) amount, when it was read whole; None for nothing, for what does not
    parse, and for a fragment (零叁 parses too; only a whole amount, which names its unit, counts)."""
    upper_f = doc.fields.get("total_amount_upper")
    if upper_f is None or not isinstance(upper_f.value, str) or not _UPPER_UNIT.search(upper_f.value):
        return None
    try:
        return parse_upper(upper_f.value)
    except MoneyError:
        return None


def _digits_lost(a: Decimal, b: Decimal) -> bool:
    """Whether two amounts differ as a misreading does, not as an alteration: the same yuan with the
    jiao and fen lost (41023.61 read 41023.00), or one's digits a run inside the other's (37740.05
    read 5740.05, a leading digit cut off at a cell edge). Seen on train-family claims, where an
    altered invoice's amounts differ by a sum, not by dropped digits. Prefixing a digit is also how a
    lower amount is forged; such a claim still goes to the reviewer, who is the one to judge it."""
    if int(a) == int(b):
        return True
    small, big = sorted((a, b))
    if small <= 0:
        return False
    if f"{small:.2f}".replace(".", "") in f"{big:.2f}".replace(".", ""):
        return True
    # The decimal point lost (43874.83 read 4387483.00, train claims trainN: a complete claim told
    # its invoice was altered), beside a 大写 that may have lost its 分 too (43874.80): the same
    # digits with the point moved. At least four significant digits, so a short amount's digits
    # are not found inside an unrelated one by chance.
    digits = [f"{x:.2f}".replace(".", "").rstrip("0") for x in (small, big)]
    return len(digits[0]) >= 4 and digits[0] in digits[1]


def check_upper_amount(claim: ClaimUnderCheck) -> list[Problem]:
    tol = claim.rules.checks.money_tolerance
    out = []
    for doc in claim.of(*BILLS):
        total_f, upper_f = doc.fields.get("total_amount"), doc.fields.get("total_amount_upper")
        total = _money(total_f)
        flagged = any(Reason.UPPER_MISMATCH in f.reasons for f in (total_f, upper_f) if f is not None)
        if total is None or upper_f is None or not isinstance(upper_f.value, str):
            if flagged:
                # The extractor saw both and they differ, but kept only one: trust its finding.
                shown = f"{total:.2f}" if total is not None else ""
                out.append(
                    claim.problem(
                        ProblemCode.AMOUNT_UPPER_MISMATCH, Actor.MEMBER, doc, "total_amount_upper", other=shown
                    )
                )
            continue
        upper = _upper_amount(doc)
        if upper is None:
            out.append(claim.problem(ProblemCode.AMOUNT_UPPER_UNREADABLE, Actor.REVIEWER, doc, "total_amount_upper"))
            continue
        if abs(upper - total) > tol:
            # Blame the member only when the total is the figure the rest of the bill bears out. A
            # tampered invoice alters one of the two amounts and leaves the parts summing under the
            # printed total; when the read total is also contradicted by its own parts, it is the
            # total that was misread (a train-family claims run: 壹万玖仟…19119.19 printed, the total
            # read as 2744.00 from a neighbouring cell, the parts summing to 19119.19).
            # Parts that would keep to the total with one of them read a digit off still bear it out
            # (a train-family upper_mismatch claim: 统筹 read 60.00 over, the 大写 altered by 1003).
            broken = _parts_broken(doc, tol)
            sure = (
                claim.confident(total_f, upper_f, explained=UPPER_REASONS)
                and (broken is None or _part_one_digit_off(doc, broken))
                and not _digits_lost(upper, total)
                and not upper_tail_of(upper_f.value, total)
            )
            out.append(
                claim.problem(
                    ProblemCode.AMOUNT_UPPER_MISMATCH,
                    Actor.MEMBER if sure else Actor.REVIEWER,
                    doc,
                    "total_amount_upper",
                    value=upper_f.value,
                    other=f"{total:.2f}",
                )
            )
    return out


def _one_digit_apart(a: Decimal, b: Decimal) -> bool:
    x, y = f"{a:.2f}", f"{b:.2f}"
    return len(x) == len(y) and sum(c != d for c, d in zip(x, y, strict=True)) == 1


def _one_digit_misread(doc: Document, broken: tuple[str, Decimal, Decimal, list[str]], tol: Decimal) -> bool:
    """Whether one figure read a digit off would make the bill add up: an OCR slip (6 read as 8),
    not a bill altered by a sum. A train-family claims run read 个人账户 8729.61 against 自付 + 自费
    of 6729.61 on a complete claim; a tampered bill adds a share of the total to one part, which
    changes several digits. A total the 大写 bears out is not the misread one."""
    _, value, other, names = broken
    total, upper = _money(doc.fields.get("total_amount")), _upper_amount(doc)
    total_confirmed = total is not None and upper is not None and abs(upper - total) <= tol
    if not ("total_amount" in names and total_confirmed) and _one_digit_apart(value, other):
        return True
    return _part_one_digit_off(doc, broken)


def _part_one_digit_off(doc: Document, broken: tuple[str, Decimal, Decimal, list[str]]) -> bool:
    """Whether one paid part read a digit off would make the parts keep to their bound."""
    _, value, other, names = broken
    excess = value - other  # by how much the parts side exceeds its bound
    for name in names:
        part = _money(doc.fields.get(name))
        if name in ("total_amount", "total_amount_upper") or part is None:
            continue
        # A part of the side over its bound would have to be smaller; 自付 and 自费, which bound
        # 个人账户, larger.
        bounded = name == "personal_account_paid" or bool({"total_amount", "total_amount_upper"} & set(names))
        needed = part - excess if bounded else part + excess
        if needed >= 0 and _one_digit_apart(part, needed):
            return True
    return False


def _parts_over_upper(doc: Document, tol: Decimal) -> tuple[str, Decimal, Decimal, list[str]] | None:
    """The paid parts against the 大写 amount when the read total is that amount with digits lost
    (its decimal point: 25689.48 read 2568948.00 on a train-family parts_mismatch claim, which the
    parts then stayed under): the 大写 is the bill's figure, and parts over it do not add up."""
    total, upper = _money(doc.fields.get("total_amount")), _upper_amount(doc)
    if total is None or upper is None or abs(upper - total) <= tol or not _digits_lost(upper, total):
        return None
    names = ["insurance_paid", "personal_copay", "personal_selfpay"]
    parts = [_money(doc.fields.get(n)) for n in names]
    if all(p is not None for p in parts):
        value = sum((p for p in parts if p is not None), Decimal(0))
        if value > upper + tol:
            return ("insurance_paid", value, upper, ["total_amount_upper", *names])
    return None


def check_amount_parts(claim: ClaimUnderCheck) -> list[Problem]:
    """Parts of the bill cannot exceed what they are parts of.

    The contract carries no 其他支付 or 个人现金支付, so the identities that hold on the page
    (total = 统筹 + 其他 + 自付 + 自费; 个人账户 + 现金 = 自付 + 自费) become inequalities here; the
    extractor, which sees every line, reports an exact failure as the reason "parts_sum".
    """
    tol = claim.rules.checks.money_tolerance
    out = []
    for doc in claim.of(*BILLS):
        f = doc.fields
        broken = _parts_broken(doc, tol)
        # Against the 大写, the extractor's doubts about the parts were raised against the misread
        # total and explain nothing: the parts must be sure on their own. (A train-family complete
        # claim: the total read 3504869.00, 自付 misread 17000.00 at 0.29 for parts_sum, and the
        # parts went over the 大写 35048.69.)
        explained = PARTS_REASONS
        if broken is None:
            broken, explained = _parts_over_upper(doc, tol), UPPER_REASONS
        if broken is not None:
            field, value, other, names = broken
            sure = claim.confident(*(f.get(n) for n in names), explained=explained)
            if sure and "total_amount" in names:
                # The parts exceed the read total; if the upper amount disagrees with that total and
                # holds the parts, the total is the misread figure (see check_upper_amount).
                upper, total = _upper_amount(doc), _money(f.get("total_amount"))
                sure = upper is None or total is None or abs(upper - total) <= tol or value > upper + tol
            if sure and _one_digit_misread(doc, broken, tol):
                sure = False
            if sure and value >= 10 * other > 0:
                # A part ten times its whole is not a bill that fails to add up but digits of two cells
                # run together (a train-family claims run read 2580409.71 against a total of 34572.26).
                sure = False
            out.append(
                claim.problem(
                    ProblemCode.AMOUNT_PARTS_MISMATCH,
                    Actor.MEMBER if sure else Actor.REVIEWER,
                    doc,
                    field,
                    value=f"{value:.2f}",
                    other=f"{other:.2f}",
                )
            )
        elif any(PARTS_REASONS & set(fld.reasons) for fld in f.values()):
            # The extractor saw the parts fail on the page (it reads lines the contract carries no
            # field for, 其他支付 and 现金), though the parts read here do not show it: the
            # reviewer looks rather than the doubt being dropped (train seed lead1206,
            # parts_mismatch: 统筹 37893.95 doubted for parts_exceed_total against 41935.37, the
            # other parts not read, and the claim passed unflagged).
            name = next(n for n, fld in f.items() if PARTS_REASONS & set(fld.reasons))
            out.append(claim.problem(ProblemCode.AMOUNT_PARTS_FLAGGED, Actor.REVIEWER, doc, name))
    return out


# -- seals ---------------------------------------------------------------------------------------


def check_seals(claim: ClaimUnderCheck) -> list[Problem]:
    out = []
    for rule in claim.rule.seals:
        for doc in claim.of(rule.doc_type):
            finding = _seal_finding(claim, doc, rule)
            if finding is not None:
                out.append(finding)
    for doc in claim.of(DocType.INVOICE):
        finding = _invoice_seal_finding(claim, doc)
        if finding is not None:
            out.append(finding)
    return out


def seal_verdict(seal: SealValue, expected: str) -> tuple[str, str]:
    """Whether the ring says the expected name (match, near, other, unsure) and the reading that
    rests on. Extraction verified the name printed on the same document and kept the answer as the
    reviewer's evidence; when the name compared here is another (a reviewer corrected it), the
    ring is scored again, and the document is left as it was read: a check only reads."""
    ver = seal.verification
    if ver and ver.get("expected") == expected and ver.get("verdict"):
        return str(ver["verdict"]), str(ver.get("reading") or "")
    verdict, v = decide([Lattice.from_json(x) for x in seal.lattices], expected)
    return verdict, v.reading


def _invoice_seal_finding(claim: ClaimUnderCheck, doc: Document) -> Problem | None:
    """An invoice's 收费专用章 read as another hospital's: a reviewer looks. An invoice need carry
    no seal (electronic ones print theirs) and a hospital's seal may bear its registered name
    rather than the printed one, so this is never the member's error and is asked only when read."""
    seal_f, hospital_f = doc.fields.get("seal"), doc.fields.get("hospital_name")
    seal = seal_f.seal if seal_f is not None else None
    if seal is None or not seal.present or not seal.lattices or hospital_f is None or not hospital_f.text:
        return None
    expected = normalize_name(hospital_f.text)
    verdict, reading = seal_verdict(seal, expected)
    if verdict in ("other", "near"):
        value = seal.text or reading
        return claim.problem(ProblemCode.SEAL_NEAR_MISMATCH, Actor.REVIEWER, doc, "seal", value=value, other=expected)
    return None


def _seal_finding(claim: ClaimUnderCheck, doc: Document, rule: SealRule) -> Problem | None:
    seal_f = doc.fields.get("seal")
    seal = seal_f.seal if seal_f is not None else None
    # On a grey or black-and-white copy a red seal cannot be told from print: one not found there
    # may be there, and one found by its shape alone is not known to be red.
    grey = seal_f is not None and Reason.GREY_COPY in seal_f.reasons
    unverifiable = claim.problem(ProblemCode.SEAL_UNVERIFIABLE, claim.rules.checks.unverifiable_seal_actor, doc, "seal")
    expected_f = doc.fields.get(rule.match_field) if rule.match_field else None
    if seal is None or not seal.present:
        if grey:
            return unverifiable
        # A seal is stamped over the unit's name at the signature: a name read poorly (or not at
        # all) where the seal search found none is as likely a seal missed as a seal not there
        # (train seed lead1205, a complete claim: a colour photo's seal not found, its
        # 广州中联电子集团有限公司 read 州中联电子集团有限公司 at 0.4, told the member to have it stamped).
        poorly = rule.match_field is not None and (
            expected_f is None or expected_f.confidence < claim.rules.checks.far_mismatch_min
        )
        actor = Actor.REVIEWER if poorly else Actor.MEMBER
        return claim.problem(ProblemCode.SEAL_MISSING, actor, doc, "seal")
    expected = normalize_name(expected_f.text) if expected_f is not None and expected_f.text else ""
    text = normalize_name(seal.text or "")
    if expected and seal.lattices:
        return _verified_seal(claim, doc, seal_f, expected_f, expected, grey, unverifiable)
    if expected and text:
        edits = substring_distance(expected, text)
        if edits:
            # The seal's own confidence is not asked: the extractor lowers it precisely when the
            # ring does not match the printed name, which is what is judged here.
            # On a grey or 1-bit copy the ring may be read through print: as with the lattices
            # (_verified_seal), someone else's name there is the reviewer's to see.
            allowed = max(1, round(len(expected) * claim.rules.checks.seal_text_max_edit_share))
            if edits <= allowed or not claim.confident(expected_f) or grey:
                code, actor = ProblemCode.SEAL_NEAR_MISMATCH, Actor.REVIEWER
            else:
                code, actor = ProblemCode.SEAL_MISMATCH, Actor.MEMBER  # someone else's seal
            return claim.problem(code, actor, doc, "seal", value=seal.text, other=expected_f and expected_f.text)
    elif expected and not grey:
        # A seal found but not read: a faint or covered ring, or a round mass of red whose ring
        # could not be found (intake.ocr.seals keeps it without text or lattices). Its presence
        # is shown; whose it is, a reviewer sees.
        return claim.problem(ProblemCode.SEAL_TEXT_UNREADABLE, Actor.REVIEWER, doc, "seal")
    # The ring says the name, or there is nothing to compare it with (no match_field, or the name
    # was not read: field_missing says so where it is required).
    return unverifiable if grey else None


def _verified_seal(
    claim: ClaimUnderCheck,
    doc: Document,
    seal_f: Field | None,
    expected_f: Field | None,
    expected: str,
    grey: bool,
    unverifiable: Problem,
) -> Problem | None:
    """The ring scored against the expected name over its CTC lattices (intake.ocr.seal_verify):
    only a confident reading of a clearly different name is the member's error."""
    assert seal_f is not None and seal_f.seal is not None
    seal = seal_f.seal
    verdict, reading = seal_verdict(seal, expected)
    value = seal.text or reading
    if verdict == "match":
        return unverifiable if grey else None
    # On a grey or 1-bit copy print under the seal cannot be told from its ink, and a ring read
    # confidently may be print: someone else's seal is then the reviewer's to see.
    # A ring read whole as another unit's name needs the printed name read only fairly surely
    # (far_mismatch_min), as two people's names do: no misreading of the employer's name gives
    # another company's (train trainA2: 成都长城医药有跟公司 on 宁波宏远电气集团有限公司's certificate,
    # the employer read at 0.75, went to the reviewer).
    other_unit = clearly_another_name(seal.text or "", expected)
    sure = claim.confident(expected_f) or (
        other_unit and expected_f is not None and expected_f.confidence >= claim.rules.checks.far_mismatch_min
    )
    # The lattices' "other" is not enough when the ring, read free, keeps half the name's own
    # characters: a misread photo of the employer's own seal (train seed lead1205, a complete
    # claim: 苏州永盛医药有限公司's ring read 苏州水醫医药有限, verdict other at 0.22, was told the
    # member as another unit's seal).
    if verdict == "other" and sure and not grey and not reads_as_expected(value, expected):
        return claim.problem(ProblemCode.SEAL_MISMATCH, Actor.MEMBER, doc, "seal", value=value, other=expected)
    if verdict in ("other", "near"):
        return claim.problem(ProblemCode.SEAL_NEAR_MISMATCH, Actor.REVIEWER, doc, "seal", value=value, other=expected)
    if not grey and other_unit and sure and not reads_as_expected(value, expected):
        # The lattices were unsure of the expected name, but the ring was read as a whole other
        # one (train trainB: 杭州金桥港务股份有限公司 read exactly on the certificate of 宁波市海曙区
        # 人民政府西门街道办事处, went to the reviewer as unverifiable): someone else's seal.
        return claim.problem(ProblemCode.SEAL_MISMATCH, Actor.MEMBER, doc, "seal", value=seal.text, other=expected)
    if grey:
        return claim.problem(ProblemCode.SEAL_UNVERIFIABLE, Actor.REVIEWER, doc, "seal")
    # A red seal on a colour page whose ring the lattices are unsure of: its text was not read
    # well enough, which the reviewer sees. It is no grey copy (seal_unverifiable's message says
    # 黑白复印件, which train colour photos of faint rings, seed 9101, were told).
    return claim.problem(ProblemCode.SEAL_TEXT_UNREADABLE, Actor.REVIEWER, doc, "seal")


# Words every unit's seal may carry whoever it is: they tell no company from another.
_GENERIC_UNIT_WORDS = re.compile("有限责任公司|股份有限公司|有限公司|集团|公司|专用章|公章|人民政府|办事处")


# A unit's name as a seal prints it: Chinese characters only, ending as units' names end.
# 工会 and 政府 end the names of the unions and offices that employ members too (train seed
# lead1203: 宁波市总工会's ring, read exactly on 成都鼎力纺织股份有限公司's certificate, went to the
# reviewer as unreadable), and so do schools' (lead1211: 宁波市第七中学's ring on 上海凯达服装's).
_UNIT_NAME = re.compile(
    r"[\u4e00-\u9fff]{4,}(公司|厂|院|局|中心|处|委员会|学校|大学|学院|中学|小学|幼儿园|银行|所|站|社|协会|馆|部|店|工会|政府|办公室)"
)

# The characters of the generic words: a ring misread in its 集团有限公司 leaves some of them behind.
_GENERIC_UNIT_CHARS = "有限责任股份集团公司"


_HAN = re.compile(r"[\u4e00-\u9fff]+")


def _trade_names(reading: str, expected: str) -> tuple[str, str] | None:
    """What tells a ring's unit from the expected one: the reading's Chinese characters and the
    expected name's, each without the words every unit's seal carries and their shared region.
    None for a reading that is no unit's name at all."""
    read = normalize_name(reading)
    # Letters and digits among its characters, up to half as many, are the ring's noise, not its
    # name (train uc_staff_tongzhi photo, seed 9101: 宁波恒通服装股份有限公司's ring on the
    # certificate of 深圳鼎力科技集团有限公司, read 办二恒通化IA9G用公司, went to the reviewer as
    # unverifiable).
    whole = "".join(_HAN.findall(read))
    if 2 * (len(read) - len(whole)) > len(whole) or not _UNIT_NAME.fullmatch(whole):
        # A garbled ring (a faint seal on a photo read 《8务限任间) is no name at all: only a
        # reading that is written, and ends, as a unit's name is is someone else's seal.
        return None
    # What is left of the generic words misread (集公限 of 集团有限公司) is no trade name either
    # (train seed lead1203: 杭州新华建设工程集团有限公司's own ring, read 杭州点程集公限公司 on a
    # photo, was concluded another unit's, a member-side error on a complete certificate).
    mine = _GENERIC_UNIT_WORDS.sub("", whole).rstrip(_GENERIC_UNIT_CHARS)
    name = _GENERIC_UNIT_WORDS.sub("", normalize_name(expected))
    # A unit's name runs region, trade name, trade, form (上海 永盛 汽车零部件 股份有限公司): two
    # units of one city share its first characters and nothing of the trade name that tells them
    # apart, so a shared start of up to three characters is no evidence either way (train seed
    # lead1202, seal_not_employer: 上海金桥纺织有限公司's ring on 上海永盛汽车零部件股份有限公司's
    # certificate went to the reviewer, 上海 being a third of what was left).
    region = 0
    while region < min(3, len(mine), len(name)) and mine[region] == name[region]:
        region += 1
    return mine[region:], name[region:]


def clearly_another_name(reading: str, expected: str) -> bool:
    """Whether a ring reading names another unit outright: at least four characters of its own
    (beyond 有限公司 and the like), of which at most one in four is in the expected name. A ring
    misread keeps most of its characters; two companies share few beyond their region."""
    parts = _trade_names(reading, expected)
    if parts is None:
        return False
    mine, theirs = parts
    # Two units of one trade end alike (浙江新华服装 and 宁波恒通服装): the trade is no more theirs
    # than the region is, so a shared end is set aside as a shared start is (train seed lead1207,
    # seal_not_employer: 浙江新华服装有限责任公司's ring read exactly on 宁波恒通服装有限公司's
    # certificate went to the reviewer as a near miss, 服装 being a third of what was left).
    end = 0
    while end < min(len(mine), len(theirs)) and mine[-1 - end] == theirs[-1 - end]:
        end += 1
    mine, theirs = mine[: len(mine) - end], theirs[: len(theirs) - end]
    if len(mine) < 4 or not theirs:
        return False
    shared = sum(c in theirs for c in mine)
    return 4 * shared <= len(mine)


def reads_as_expected(reading: str, expected: str) -> bool:
    """Whether the ring read free keeps more than half of the expected name's own characters
    (beyond the region and 有限公司), a character that looks like one of them (形近字: 水 for 永)
    counting: a misreading of that name, whatever the lattices made of it. Another company of the
    same city and trade (华信港务 for 永盛港务) keeps half at most."""
    parts = _trade_names(reading, expected)
    if parts is None:
        # Not written as a unit's name (cut short: 苏州水醫医药有限): its Chinese characters.
        read = "".join(_HAN.findall(normalize_name(reading)))
        parts = _trade_names(read + "公司", expected)
    if parts is None:
        return False
    mine, theirs = parts

    def kept(c: str) -> bool:
        return c in theirs or any((glyphs.similarity(c, t) or 0.0) >= glyphs.LOOK_ALIKE for t in theirs)

    return bool(mine) and 2 * sum(kept(c) for c in mine) > len(mine)


# -- invoices claimed twice ----------------------------------------------------------------------


def _invoice_label(doc: Document) -> str:
    number = doc.value("invoice_number") or doc.value("check_code") or ""
    code = doc.value("invoice_code")
    return f"票据号码{number}" if not code else f"票据代码{code}，票据号码{number}"


def check_duplicate_invoices(claim: ClaimUnderCheck) -> list[Problem]:
    out = []
    seen: dict[str, Document] = {}
    keyed: list[tuple[Document, list[str]]] = []
    for doc in claim.of(DocType.INVOICE):
        keys = invoice_keys(doc)
        if not keys:
            out.append(claim.problem(ProblemCode.INVOICE_UNIDENTIFIED, Actor.REVIEWER, doc, "invoice_number"))
        twin = next((seen[k] for k in keys if k in seen), None) or _same_paper(claim, doc, [d for d, _ in keyed])
        keyed.append((doc, keys))
        if twin is not None:
            out.append(
                claim.problem(
                    ProblemCode.INVOICE_DUPLICATE, Actor.MEMBER, doc, "invoice_number", value=_invoice_label(doc)
                )
            )
        for k in keys:
            seen.setdefault(k, doc)
    if claim.registry is None:
        return out
    earlier = claim.registry.earlier_claims([k for _, keys in keyed for k in keys], claim.claim_id)
    images = None
    for doc, keys in keyed:
        hit = next((earlier[k] for k in keys if k in earlier), None)
        if hit is not None:
            out.append(_claimed_before(claim, doc, hit, Actor.MEMBER))
            continue
        if doc.fingerprint is None:
            continue
        images = claim.registry.image_keys(claim.claim_id) if images is None else images
        match = _earlier_image(claim, doc, images)
        if match is not None:
            holder, same_total, alike = match
            # So many of the same numbers are one paper whatever its total was read as; or the
            # total read to the cent off two photographs of papers alike in their numbers: the two
            # readings confirm each other, however unsure each was alone (a train-family claim's
            # 39057.74, doubted for a 大写 not read, was the earlier claim's 39057.74).
            if alike >= claim.rules.checks.fingerprint_same_paper or same_total:
                out.append(_claimed_before(claim, doc, holder, Actor.MEMBER))
            else:
                out.append(claim.problem(ProblemCode.INVOICE_LOOKS_CLAIMED, Actor.REVIEWER, doc, "invoice_number"))
    return out


def _claimed_before(claim: ClaimUnderCheck, doc: Document, holder: str, actor: Actor) -> Problem:
    return claim.problem(
        ProblemCode.INVOICE_CLAIMED_BEFORE, actor, doc, "invoice_number", value=_invoice_label(doc), claim=holder
    )


def _same_paper(claim: ClaimUnderCheck, doc: Document, others: Iterable[Document]) -> Document | None:
    """Another invoice of this claim that is this very paper: the same numbers printed on it."""
    if doc.fingerprint is None:
        return None
    least = claim.rules.checks.fingerprint_min_similarity
    for other in others:
        if other.fingerprint is not None and fingerprint.similarity(other.fingerprint, doc.fingerprint) >= least:
            return other
    return None


def _earlier_image(claim: ClaimUnderCheck, doc: Document, images: dict[str, str]) -> tuple[str, bool, float] | None:
    """(the claim holding this paper's fingerprint, whether its total is this one's, how alike) when the
    invoice's numbers did not find it: a re-photographed invoice whose numbers were misread or not read."""
    assert doc.fingerprint is not None
    total = doc.value("total_amount")
    least = claim.rules.checks.fingerprint_min_similarity
    best: tuple[float, str, bool] | None = None
    for key, holder in images.items():
        other_fp, other_total = parse_image_key(key)
        alike = fingerprint.similarity(other_fp, doc.fingerprint)
        if alike < least:
            continue
        same = total is not None and other_total == total
        if best is None or (same, alike) > (best[2], best[0]):
            best = (alike, holder, same)
    return None if best is None else (best[1], best[2], best[0])


# -- diagnosis and sex ---------------------------------------------------------------------------


def _code(s: Any) -> str:
    return re.sub(r"\s", "", to_halfwidth(str(s or ""))).upper()


def _codes_match(read: str, table: str) -> bool:
    """C50.900x005 is a C50.900; a code printed short (C50.9) is the table's C50.900."""
    return len(read) >= 3 and (read.startswith(table) or table.startswith(read))


def diagnosis_match(diagnosis: Diagnosis, diseases: DiseaseList) -> str:
    """'listed' (by code or exact name), 'loose' (a listed name inside the text), or 'no'."""
    text = fold(diagnosis.text)
    code = _code(diagnosis.icd10)
    wanted = set(diseases.groups)
    if code and any(code.startswith(p) for p in diseases.icd10_prefixes):
        return "listed"
    table = diagnoses.curated()
    if code:
        by_code = [e for e in table if _codes_match(code, _code(e.icd10))]
        if by_code:
            return "listed" if any(e.groups & wanted for e in by_code) else "no"
    by_name = diagnoses.by_name(text)
    if by_name:
        return "listed" if any(e.groups & wanted for e in by_name) else "no"
    if text and any(e.key in text for e in table if e.groups & wanted and len(e.key) >= 2):
        return "loose"
    return "no"


def _diagnoses(claim: ClaimUnderCheck) -> Iterator[tuple[Document, Field, list[Diagnosis]]]:
    for doc in claim.of(*CLINICAL):
        f = doc.fields.get("diagnoses")
        if f is not None and f.diagnoses:
            yield doc, f, f.diagnoses


def check_diagnosis_listed(claim: ClaimUnderCheck) -> list[Problem]:
    diseases = claim.rule.diseases
    if diseases is None:
        return []
    read = list(_diagnoses(claim))
    if not read:
        return []  # nothing read: field_missing reports it where diagnoses are required
    verdicts = [(doc, f, d, diagnosis_match(d, diseases)) for doc, f, ds in read for d in ds]
    if any(v == "listed" for *_, v in verdicts):
        return []

    def texts(items: Iterable[tuple[Document, Field, Diagnosis, str]]) -> str:
        return "、".join(d.text for _, _, d, _ in items)

    loose = [v for v in verdicts if v[3] == "loose"]
    if loose:
        return [
            claim.problem(
                ProblemCode.DIAGNOSIS_LOOSE_MATCH, Actor.REVIEWER, loose[0][0], "diagnoses", value=texts(loose)
            )
        ]
    doc = read[0][0]
    # A list is read line by line, so its confidence is its worst line's. When every diagnosis was
    # recognized (it carries an ICD-10 code, or is a name of the table) a low line confidence does
    # not make "not listed" doubtful; an unrecognized one might be a listed disease misread.
    recognized = all(_recognized(d) for _, _, d, _ in verdicts)
    sure = recognized or all(claim.confident(fld) for _, fld, _ in read)
    actor = Actor.MEMBER if sure else Actor.REVIEWER
    return [claim.problem(ProblemCode.DIAGNOSIS_NOT_LISTED, actor, doc, "diagnoses", value=texts(verdicts))]


def _recognized(diagnosis: Diagnosis) -> bool:
    """Whether a diagnosis is known for what it is: it carries an ICD-10 code, is a name of the
    table, or contains one (胆囊结石伴慢性胆囊炎, a line run into the next). check_diagnosis_listed
    asks this only of diagnoses that are not listed, loosely or otherwise, so a name it contains is
    an unlisted disease's, and a low line confidence does not make it a listed one misread."""
    if _code(diagnosis.icd10) or diagnoses.by_name(diagnosis.text):
        return True
    text = fold(diagnosis.text)
    return bool(text) and any(len(e.key) >= 2 and e.key in text for e in diagnoses.curated())


def check_sex(claim: ClaimUnderCheck) -> list[Problem]:
    allowed = claim.rule.allowed_sex
    if not allowed:
        return []
    readings: list[tuple[Document, str, str, bool]] = []
    for doc in claim.documents:
        f = doc.fields.get("sex")
        if f is not None and f.text in ("男", "女"):
            readings.append((doc, "sex", str(f.text), claim.confident(f)))
        idf = doc.fields.get("id_number")
        # The 17th digit of a valid 身份证号 states the sex; an invalid number states nothing.
        if idf is not None and idf.text and idcard.is_valid(idf.text):
            readings.append((doc, "id_number", idcard.sex_of(idf.text), claim.confident(idf)))
    if not readings:
        return [claim.problem(ProblemCode.SEX_UNKNOWN, Actor.REVIEWER, None, "sex")]
    wrong = [r for r in readings if r[2] not in allowed]
    if not wrong:
        return []
    doc, field, sex, sure = next((r for r in wrong if r[3]), wrong[0])
    return [
        claim.problem(
            ProblemCode.SEX_NOT_ELIGIBLE,
            Actor.MEMBER if sure else Actor.REVIEWER,
            doc,
            field,
            value=sex,
            other="、".join(allowed),
        )
    ]


# -- the claim -----------------------------------------------------------------------------------

CHECKS: tuple[Callable[[ClaimUnderCheck], list[Problem]], ...] = (
    check_page_quality,
    check_unsure_types,
    check_required_fields,
    check_names,
    check_hospitals,
    check_policy_period,
    check_stay_order,
    check_dates_agree,
    check_stay_days,
    check_invoice_in_stay,
    check_upper_amount,
    check_amount_parts,
    check_seals,
    check_duplicate_invoices,
    check_diagnosis_listed,
    check_sex,
    check_field_validations,
)
# Generic field warnings that a specific problem on the same field makes redundant.
_GENERIC = frozenset({"field_low_confidence", "field_invalid"})


def _tidy(problems: list[Problem]) -> list[Problem]:
    specific = {(p.document_id, p.field) for p in problems if p.code not in _GENERIC}
    out: list[Problem] = []
    seen = set()
    for p in problems:
        key = (p.code, p.document_id, p.field)
        if key in seen or (p.code in _GENERIC and (p.document_id, p.field) in specific):
            continue
        seen.add(key)
        out.append(p)
    # Errors first: they are what the claimant has to act on.
    return sorted(out, key=lambda p: p.actor != Actor.MEMBER)


def check_claim(
    claim_type: str,
    documents: list[Document],
    rules: Rules | None = None,
    registry: InvoiceRegistry | None = None,
    claim_id: str = "",
) -> Completeness:
    """The completeness of one claim. Raises KeyError for a claim type the rules do not know."""
    rules = rules or load_rules()
    claim = ClaimUnderCheck(rules, rules.claim(claim_type), list(documents), registry, claim_id)
    problems = [p for check in CHECKS for p in check(claim)]
    return Completeness(check_documents(claim), _tidy(problems))
