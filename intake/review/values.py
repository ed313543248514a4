"""Field values between the pipeline, the database and reviewers: JSON-safe, and normalized the
way ../shared/CONTRACT.md spells them, so that a correction is held to the same form as a read."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from intake.elements.document import Field
from intake.normalize.idcard import ID_RE, normalize_id
from intake.normalize.money import MoneyError, format_money, parse_money
from intake.normalize.text import squeeze_cjk_spaces
from intake.vocabulary import DATE_FIELDS, FIELDS, MONEY_FIELDS, DocType

_PARTIAL_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_INT_FIELDS = ("age", "length_of_stay")
_CHOICES = {"sex": ("男", "女"), "visit_type": ("inpatient", "outpatient")}


class CorrectionError(ValueError):
    pass


def plain(value: Any) -> Any:
    """numpy scalars, tuples and Decimals as plain JSON values (the database stores JSON)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return format_money(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return value.item()
    return value


def box(value: Any) -> list[int] | None:
    if not value or len(value) != 4:
        return None
    return [round(float(v)) for v in value]


def field_json(f: Field) -> dict[str, Any]:
    out = plain(f.to_json())
    out["box"] = box(f.box)
    out["page"] = max(int(out.get("page") or 1), 1)
    out["confidence"] = min(max(float(out.get("confidence") or 0.0), 0.0), 1.0)
    return out


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


def _diagnoses(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise CorrectionError('a list like [{"text": "甲状腺乳头状癌", "icd10": "C73"}]')
    out = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or set(item) - {"text", "icd10"}:
            raise CorrectionError('a list like [{"text": "甲状腺乳头状癌", "icd10": "C73"}]')
        d = {"text": _text(item["text"])}
        if item.get("icd10") is not None:
            d["icd10"] = _text(item["icd10"])
        out.append(d)
    return out


def _seal(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("present"), bool) or set(value) - {"present", "text"}:
        raise CorrectionError('an object like {"present": true, "text": "宁波市某某有限公司"}')
    out: dict[str, Any] = {"present": value["present"]}
    if value.get("text") is not None:
        out["text"] = _text(value["text"])
    return out


def normalize_value(doc_type: DocType, name: str, value: Any) -> Any:
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
        return value
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
