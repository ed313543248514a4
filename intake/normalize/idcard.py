"""Resident identity numbers (居民身份证号码, GB 11643-1999): 18 characters, the last a check digit."""

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
ID_RE = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError("the check digit is computed over 17 digits")
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id(printed: str) -> str:
    """Strip spaces and fold the lowercase x that OCR and typists produce."""
    return re.sub(r"\s", "", printed).upper()


def is_valid(id_number: str) -> bool:
    """Shape, check digit and a real birth date."""
    s = normalize_id(id_number)
    if not ID_RE.match(s) or check_digit(s[:17]) != s[17]:
        return False
    try:
        date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return True


def sex_of(id_number: str) -> str:
    """The 17th digit is odd for men and even for women."""
    return "男" if int(normalize_id(id_number)[16]) % 2 else "女"


def birth_date(id_number: str) -> date:
    s = normalize_id(id_number)
    return date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
