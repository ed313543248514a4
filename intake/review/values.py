"""A reviewer's corrected value, held to the form the pipeline reads values in (the contract's:
dates YYYY-MM-DD, money "12345.67", diagnoses and seals as their typed values), so that a
correction and a reading are judged alike."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from intake.elements.document import Diagnosis, FieldValue, SealValue
from intake.normalize.idcard import ID_RE, normalize_id
from intake.normalize.money import MoneyError, format_money, parse_money
from intake.normalize.text import squeeze_cjk_spaces
from intake.vocabulary import DATE_FIELDS, FIELDS, MONEY_FIELDS, DocType

_PARTIAL_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_INT_FIELDS = ("age", "length_of_stay")
_CHOICES = {"sex": ("男", "女"), "visit_type": ("inpatient", "outpatient")}


class CorrectionError(ValueError):
    pass


def _money(value: Any) -> str:
    try:
        return format_money(parse_money(str(value)))
    except MoneyError as exc:
        raise CorrectionError("an amount, like 12345.67") from exc


def _date(value: Any) -> str:
    s = str(value).strip()
    if _PARTIAL_DATE.match(s):
        return s
    try:
        return date.fromisoformat(s).isoformat() if len(s) == 10 else _bad_date()
    except ValueError:
        return _bad_date()


def _bad_date() -> str:
    raise CorrectionError("a date YYYY-MM-DD (or YYYY-MM when the day is not printed)")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise CorrectionError("a whole number")
    try:
        n = int(str(value).strip())
    except ValueError as exc:
        raise CorrectionError("a whole number") from exc
    if not 0 <= n <= 10000:
        raise CorrectionError("a whole number between 0 and 10000")
    return n


def _text(value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise CorrectionError("text")
    s = squeeze_cjk_spaces(str(value))
    if not s:
        raise CorrectionError("non-empty text (null removes a field)")
    if len(s) > 500:
        raise CorrectionError("text of at most 500 characters")
    return s


def _diagnoses(value: Any) -> list[Diagnosis]:
    if not isinstance(value, list) or not value:
        raise CorrectionError('a list like [{"text": "甲状腺乳头状癌", "icd10": "C73"}]')
    out = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or set(item) - {"text", "icd10"}:
            raise CorrectionError('a list like [{"text": "甲状腺乳头状癌", "icd10": "C73"}]')
        code = item.get("icd10")
        out.append(Diagnosis(_text(item["text"]), _text(code) if code is not None else None))
    return out


def _seal(value: Any) -> SealValue:
    if not isinstance(value, dict) or not isinstance(value.get("present"), bool) or set(value) - {"present", "text"}:
        raise CorrectionError('an object like {"present": true, "text": "宁波市某某有限公司"}')
    text = value.get("text")
    return SealValue(value["present"], _text(text) if text is not None else None)


def normalize_value(doc_type: DocType, name: str, value: Any) -> FieldValue:
    """The corrected value in its contract form; CorrectionError says what was expected."""
    if name not in FIELDS[doc_type]:
        raise CorrectionError(f"not a field of a {doc_type.value} document")
    if name in MONEY_FIELDS:
        return _money(value)
    if name in DATE_FIELDS:
        return _date(value)
    if name in _INT_FIELDS:
        return _int(value)
    if name in _CHOICES:
        if value not in _CHOICES[name]:
            raise CorrectionError("one of " + ", ".join(_CHOICES[name]))
        return str(value)
    if name == "id_number":
        s = normalize_id(str(value))
        if not ID_RE.match(s):
            raise CorrectionError("an 18-character ID number")
        return s
    if name == "diagnoses":
        return _diagnoses(value)
    if name == "seal":
        return _seal(value)
    return _text(value)
