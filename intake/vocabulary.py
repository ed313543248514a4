"""The public vocabulary (docs/contract.md): document types, field names and claim types.

Everything that crosses the service boundary (JSON keys, CLI output, HTTP) is spelled from here,
so that a rename is one edit and a typo is an import error rather than a silent new key.
"""

from enum import StrEnum


class DocType(StrEnum):
    INVOICE = "invoice"
    SETTLEMENT = "settlement"
    DISCHARGE = "discharge"
    DIAGNOSIS = "diagnosis"
    UNIT_CERTIFICATE = "unit_certificate"
    OTHER = "other"


class ClaimType(StrEnum):
    INPATIENT = "inpatient"
    CRITICAL_ILLNESS = "critical_illness"
    SPECIAL_DISEASE = "special_disease"
    FEMALE_SPECIAL = "female_special"
    ACCIDENT = "accident"


MONEY_FIELDS: tuple[str, ...] = (
    "total_amount",
    "insurance_paid",
    "personal_account_paid",
    "personal_copay",
    "personal_selfpay",
)

DATE_FIELDS: tuple[str, ...] = ("issue_date", "admission_date", "discharge_date")

_INVOICE_FIELDS = (
    "invoice_code",
    "invoice_number",
    "check_code",
    "issue_date",
    "patient_name",
    "hospital_name",
    "visit_type",
    "admission_date",
    "discharge_date",
    "total_amount",
    "total_amount_upper",
    "insurance_paid",
    "personal_account_paid",
    "personal_copay",
    "personal_selfpay",
    "seal",
)

_CLINICAL_FIELDS = (
    "patient_name",
    "sex",
    "age",
    "hospital_name",
    "department",
    "inpatient_number",
    "admission_date",
    "discharge_date",
    "length_of_stay",
    "diagnoses",
    "seal",
)

# Which fields each document type can carry; a field not on the page is absent, never "".
FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.INVOICE: _INVOICE_FIELDS,
    DocType.SETTLEMENT: (
        "patient_name",
        "hospital_name",
        "issue_date",
        "admission_date",
        "discharge_date",
        *MONEY_FIELDS,
        "seal",
    ),
    DocType.DISCHARGE: _CLINICAL_FIELDS,
    DocType.DIAGNOSIS: _CLINICAL_FIELDS,
    DocType.UNIT_CERTIFICATE: ("employee_name", "id_number", "employer_name", "issue_date", "seal"),
    DocType.OTHER: ("seal",),
}

DOC_TYPE_NAMES_ZH: dict[DocType, str] = {
    DocType.INVOICE: "医疗收费票据",
    DocType.SETTLEMENT: "医保结算单",
    DocType.DISCHARGE: "出院证明/出院记录/出院小结",
    DocType.DIAGNOSIS: "诊断证明书",
    DocType.UNIT_CERTIFICATE: "单位证明(盖章)",
    DocType.OTHER: "其他",
}
