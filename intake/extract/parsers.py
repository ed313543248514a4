"""Value parsers, one per kind of value: find the value at the start of the text after a label.

Each parser gets the folded text that follows a label (up to the next label) and returns the
normalized value with the span of the characters it came from, or None. The span lets the
extractor box exactly the printed value. Parsers read what OCR makes of these pages (O for 0,
l for 1, a lost decimal point is not guessed back) but never invent a value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from intake.codes import Reason
from intake.normalize.dates import DATE_SPAN, find_dates
from intake.normalize.idcard import is_valid
from intake.normalize.money import MoneyError, format_money, parse_money, parse_upper, repair_separators

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"


@dataclass
class Parsed:
    value: Any
    start: int
    end: int
    reasons: list[Reason] = field(default_factory=list)
    quality: float = 1.0  # below 1 when the parser had to read past OCR noise


Parser = Callable[[str, dict[str, Any]], Parsed | None]

# Between digits OCR writes O/o for 0, l/I/| for 1, and S for 5 on dot-matrix print.
_DIGIT_LIKE = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5"})


def _digitish(s: str) -> str:
    return s.translate(_DIGIT_LIKE)


_LEAD = re.compile(r"^[:：.,，、;；\-~_=|/\s()（）]*")


def _skip_lead(text: str) -> int:
    m = _LEAD.match(text)
    return m.end() if m else 0


# -- money ---------------------------------------------------------------------------------------
_D = "[0-9OolIS]"
# An amount with its two decimals ends there even when OCR ran the next amount on (1,516.4418,914.65);
# without them it must end at a non-digit.
# 1316..46 and 25689,48 are OCR's readings of a point, doubled or read as a comma (a thousands group
# has three digits).
_MONEY_CENTS = re.compile(
    rf"(?:[¥￥⊗⊕Ⓧ]|人民币|RMB)?\s*(-?{_D}{{1,3}}(?:[,.]{_D}{{3}})+(?:\.\.|[./]){_D}{{2}}|-?{_D}+(?:\.\.|[./]){_D}{{2}}|-?{_D}+,{_D}{{2}}(?![0-9,]))"
)
_MONEY_PLAIN = re.compile(
    rf"(?:[¥￥⊗⊕Ⓧ]|人民币|RMB)?\s*(-?{_D}{{1,3}}(?:,{_D}{{3}})+(?:\.{_D})?|-?{_D}+(?:\.{_D})?)(?![0-9.,])"
)


def money(text: str, params: dict[str, Any]) -> Parsed | None:
    i = _skip_lead(text)
    m = _MONEY_CENTS.match(text, i) or _MONEY_PLAIN.match(text, i)
    if not m or not any(c.isdigit() for c in m.group(1)):
        return None
    # A repaired separator (a slash for a faint dot, 11.754.61) is read, but trusted less.
    fixed = repair_separators(_digitish(m.group(1)))
    try:
        value = parse_money(fixed)
    except MoneyError:
        return None
    quality = 1.0 if fixed == m.group(1) else 0.85
    if m.end(1) < len(text) and text[m.end(1)].isdigit():
        quality *= 0.9  # ran into the next amount: the cut is a guess from the two decimals
    return Parsed(format_money(value), m.start(1), m.end(1), quality=quality)


_UPPER_CHARS = "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整正〇貳參叄陸圓萬億什任百千十"
_UPPER = re.compile(rf"[{_UPPER_CHARS}]{{2,}}")


def upper_money(text: str, params: dict[str, Any]) -> Parsed | None:
    """The 大写 amount as printed (the contract keeps it verbatim); unparseable is a reason, not a miss."""
    m = _UPPER.search(text)
    if not m:
        return None
    reasons: list[Reason] = []
    try:
        parse_upper(m.group(0))
    except ValueError:
        reasons.append(Reason.UPPER_UNREADABLE)
    return Parsed(m.group(0), m.start(), m.end(), reasons)


# -- dates ---------------------------------------------------------------------------------------
_DATE_SPAN = re.compile(DATE_SPAN)


def date(text: str, params: dict[str, Any]) -> Parsed | None:
    """The first date after the label; `which: 2` takes the second (the end of a printed range)."""
    which = int(params.get("which", 1))
    limit = int(params.get("within", 40))
    spans = list(_DATE_SPAN.finditer(text[:limit]))
    found = []
    for m in spans:
        ds = find_dates(m.group(0))
        if ds:
            found.append((m, ds[0]))
    if len(found) < which:
        return None
    m, d = found[which - 1]
    reasons = [Reason.PARTIAL_DATE] if d.is_partial else []
    return Parsed(d.iso(), m.start(), m.end(), reasons, quality=0.9 if d.is_partial else 1.0)


# -- codes and numbers ---------------------------------------------------------------------------
def digits(text: str, params: dict[str, Any]) -> Parsed | None:
    i = _skip_lead(text)
    m = re.compile(r"[0-9OolIS|]+").match(text, i)
    if not m or not any(c.isdigit() for c in m.group(0)):
        return None
    raw = m.group(0)
    value = _digitish(raw)
    lo, hi = int(params.get("min", 1)), int(params.get("max", 30))
    reasons = [] if lo <= len(value) <= hi else [Reason.DIGIT_COUNT]
    return Parsed(value, m.start(), m.end(), reasons, quality=1.0 if value == raw else 0.85)


def code(text: str, params: dict[str, Any]) -> Parsed | None:
    """Letters and digits, such as a 校验码 or a 住院号 with a letter prefix."""
    i = _skip_lead(text)
    m = re.compile(r"[0-9A-Za-z]+").match(text, i)
    if not m:
        return None
    value = m.group(0)
    lo, hi = int(params.get("min", 1)), int(params.get("max", 30))
    reasons = [] if lo <= len(value) <= hi else [Reason.LENGTH]
    return Parsed(value, m.start(), m.end(), reasons)


def integer(text: str, params: dict[str, Any]) -> Parsed | None:
    """An age (44岁) or a count of days (12天, 共住院 12 天)."""
    i = _skip_lead(text)
    m = re.compile(r"([0-9OolI]{1,3})\s*" + params.get("unit", "") + "?").match(text, i)
    if not m or not any(c.isdigit() for c in m.group(1)):
        return None
    n = int(_digitish(m.group(1)))
    hi = int(params.get("max", 150))
    reasons = [] if 0 <= n <= hi else [Reason.OUT_OF_RANGE]
    return Parsed(n, m.start(1), m.end(1), reasons)


def id_number(text: str, params: dict[str, Any]) -> Parsed | None:
    m = re.compile(r"[0-9OolI]{17}[0-9Xx×]").search(text)
    if not m:
        return None
    value = _digitish(m.group(0)[:17]) + m.group(0)[17].upper().replace("×", "X")
    return Parsed(value, m.start(), m.end(), [] if is_valid(value) else [Reason.CHECK_DIGIT])


# -- words ---------------------------------------------------------------------------------------
def sex(text: str, params: dict[str, Any]) -> Parsed | None:
    i = _skip_lead(text)
    m = re.compile("[男女]").match(text, i)
    return Parsed(m.group(0), m.start(), m.end()) if m else None


def name(text: str, params: dict[str, Any]) -> Parsed | None:
    """A person's name: two to four CJK characters (a compound surname may make five), ending at
    punctuation, a bracket or anything not CJK."""
    i = _skip_lead(text)
    m = re.compile(rf"[{_CJK}·]{{2,5}}").match(text, i)
    if not m:
        return None
    value = m.group(0)
    for tail in params.get("strip_suffix", []):
        if value.endswith(tail) and len(value) - len(tail) >= 2:
            value = value[: -len(tail)]
    return Parsed(value, m.start(), m.start() + len(value))


def words(text: str, params: dict[str, Any]) -> Parsed | None:
    """Free text such as a department or an institution's name: a run of CJK, letters and digits."""
    i = _skip_lead(text)
    chars = rf"[{_CJK}]+" if params.get("cjk_only") else rf"[{_CJK}0-9A-Za-z()（）·]+"
    m = re.compile(chars).match(text, i)
    if not m:
        return None
    value = m.group(0).rstrip("(（")
    for tail in params.get("strip_suffix", []):
        if value.endswith(tail) and len(value) > len(tail):
            value = value[: -len(tail)]
    lo = int(params.get("min", 2))
    if len(value) < lo:
        return None
    ends = params.get("must_end")
    if ends:
        # An institution's name ends with what it is (…医院); cut what OCR ran on after it.
        cut = max((value.rfind(e) + len(e) for e in ends if e in value), default=-1)
        if cut < lo:
            return None
        value = value[:cut]
    return Parsed(value, m.start(), m.start() + len(value))


PARSERS: dict[str, Parser] = {
    "money": money,
    "upper_money": upper_money,
    "date": date,
    "digits": digits,
    "code": code,
    "integer": integer,
    "id_number": id_number,
    "sex": sex,
    "name": name,
    "words": words,
}
