"""The codes one stage hands the next, as enums both sides import.

A reason is attached by extraction to a field whose value is doubtful (it failed a cross-check,
or the page could not show it); a problem code is what a claim check reports. Producers and
consumers spell them from here, and rules.yaml is validated against ProblemCode at start, so a
code one side stops emitting is an import error or a start-up error, never a rule that silently
cannot fire any more.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a field's value is doubtful. Shown to reviewers in `reasons`; read by the claim checks."""

    PARTIAL_DATE = "partial_date"  # the day (or month) was blanked for privacy: 2019-12
    UPPER_MISMATCH = "upper_mismatch"  # 大写 and 小写 totals differ
    UPPER_UNREADABLE = "upper_unreadable"  # a 大写 amount that does not parse
    PARTS_SUM = "parts_sum"  # the paid parts do not add up to the total exactly
    PARTS_EXCEED_TOTAL = "parts_exceed_total"  # the paid parts add up to more than the total
    ACCOUNT_EXCEEDS_OWN_SHARE = "account_exceeds_own_share"  # 个人账户 > 自付 + 自费
    DISCHARGE_BEFORE_ADMISSION = "discharge_before_admission"
    STAY_DAYS = "stay_days"  # 住院天数 against the admission and discharge dates
    CHECK_DIGIT = "check_digit"  # an ID number whose check digit fails
    DIGIT_COUNT = "digit_count"  # a number with more or fewer digits than its kind has
    LENGTH = "length"  # a code of the wrong length
    OUT_OF_RANGE = "out_of_range"  # an age or a count of days no document prints
    # A seal looked for on a grey or black-and-white copy: red cannot be told from black there,
    # so neither its presence nor its absence can be verified.
    GREY_COPY = "grey_copy"


class ProblemCode(StrEnum):
    """What a claim check reports; every code has its Chinese message in rules.yaml."""

    MISSING_DOCUMENT = "missing_document"
    DOCUMENT_TYPE_UNSURE = "document_type_unsure"
    FIELD_MISSING = "field_missing"
    FIELD_LOW_CONFIDENCE = "field_low_confidence"
    FIELD_INVALID = "field_invalid"
    NAME_MISMATCH = "name_mismatch"
    NAME_NEAR_MISMATCH = "name_near_mismatch"
    DISCHARGE_BEFORE_ADMISSION = "discharge_before_admission"
    DATES_DISAGREE = "dates_disagree"
    INVOICE_OUTSIDE_STAY = "invoice_outside_stay"
    STAY_DAYS_MISMATCH = "stay_days_mismatch"
    AMOUNT_UPPER_MISMATCH = "amount_upper_mismatch"
    AMOUNT_UPPER_UNREADABLE = "amount_upper_unreadable"
    AMOUNT_PARTS_MISMATCH = "amount_parts_mismatch"
    AMOUNT_PARTS_FLAGGED = "amount_parts_flagged"
    SEAL_MISSING = "seal_missing"
    SEAL_MISMATCH = "seal_mismatch"
    SEAL_NEAR_MISMATCH = "seal_near_mismatch"
    SEAL_TEXT_UNREADABLE = "seal_text_unreadable"
    SEAL_UNVERIFIABLE = "seal_unverifiable"
    INVOICE_DUPLICATE = "invoice_duplicate"
    INVOICE_CLAIMED_BEFORE = "invoice_claimed_before"
    INVOICE_UNIDENTIFIED = "invoice_unidentified"
    DIAGNOSIS_NOT_LISTED = "diagnosis_not_listed"
    DIAGNOSIS_LOOSE_MATCH = "diagnosis_loose_match"
    SEX_NOT_ELIGIBLE = "sex_not_eligible"
    SEX_UNKNOWN = "sex_unknown"
    HOSPITAL_MISMATCH = "hospital_mismatch"
    HOSPITAL_NEAR_MISMATCH = "hospital_near_mismatch"
    STAY_OUTSIDE_POLICY = "stay_outside_policy"
    PAGE_UNREADABLE = "page_unreadable"
    INVOICE_LOOKS_CLAIMED = "invoice_looks_claimed"


class QualityIssue(StrEnum):
    """Why the page-quality gate (intake.ocr.quality) finds a page too poor to read; each has the
    member's advice in intake/ocr/quality.yaml."""

    LOW_RESOLUTION = "low_resolution"  # too few pixels for its text: a thumbnail, or shot from afar
    MOTION_BLUR = "motion_blur"  # the phone moved: edges smeared along one direction
    FOCUS_BLUR = "focus_blur"  # out of focus: edges soft in every direction
    GLARE = "glare"  # a blown-out reflection over the print
    CUT_OFF = "cut_off"  # the print runs off the edge of the picture
    SCREEN = "screen"  # a photo of a screen: its pixel grid beats into moiré
    BLANK = "blank"  # hardly any print: the back of the page, or nothing in view


class Severity(StrEnum):
    ERROR = "error"  # blocks completeness
    WARNING = "warning"  # for the reviewer; the claim can go on


class Actor(StrEnum):
    """Who must act on a finding. Only the member's findings make a claim incomplete and reach the
    portal as what to do; the reviewer's are the review's task list."""

    MEMBER = "member"  # upload a document, re-photograph a page, explain a contradiction
    REVIEWER = "reviewer"  # a field not read or unsure on a good page, a seal that cannot be verified

    @property
    def severity(self) -> Severity:
        return Severity.ERROR if self is Actor.MEMBER else Severity.WARNING
