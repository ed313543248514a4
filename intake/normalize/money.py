"""Money: the lowercase figures (小写) and the Chinese uppercase amount (大写).

Lowercase amounts print as 11,274.86, 1670, 617.5, ¥1,670.00 or ⊗617.5; the contract wants a
decimal string with two places. The uppercase form follows the bank rules for 大写金额
(中国人民银行《支付结算办法》 附件一): 零 stands once for a run of zeros inside the number, 整 closes
an amount with no 分, and 壹拾 keeps its 壹.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from intake.normalize.text import to_halfwidth

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
# Variant spellings seen on forms and in OCR output, mapped to the canonical character.
_UPPER_VARIANTS = str.maketrans(
    {
        "〇": "零",
        "○": "零",
        "O": "零",
        "貳": "贰",
        "參": "叁",
        "叄": "叁",
        "陸": "陆",
        "圆": "元",
        "圓": "元",
        "萬": "万",
        "億": "亿",
        "正": "整",
        "什": "仟",
        "任": "仟",
        "百": "佰",
        "千": "仟",
        "十": "拾",
    }
)
_MONEY_MARKS = re.compile(r"[¥￥⊗⊕Ⓧ×Xx元\s]|人民币|RMB|CNY", re.IGNORECASE)
_UPPER_MARKS = re.compile(r"[¥￥⊗⊕Ⓧ\s:：()（）]|人民币|大写", re.IGNORECASE)
_LOWER_RE = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d{1,2})?$|^-?\d+(\.\d{1,2})?$")

CENT = Decimal("0.01")


class MoneyError(ValueError):
    """A printed amount that cannot be read as money."""


def parse_money(printed: str) -> Decimal:
    """Parse a lowercase amount as printed: '11,274.86', '1670', '¥617.5', '⊗1,670.00'."""
    s = _MONEY_MARKS.sub("", to_halfwidth(printed)).replace("，", ",")
    if not _LOWER_RE.match(s):
        raise MoneyError(f"not an amount: {printed!r}")
    try:
        return Decimal(s.replace(",", "")).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise MoneyError(f"not an amount: {printed!r}") from exc


_COMMA_POINT = re.compile(r"-?[0-9]+,[0-9]{2}")


def repair_separators(digits: str) -> str:
    """An amount's separators as OCR misreads them, put right: a slash for a faint point, a doubled
    point (1316..46), a comma for the point before two decimals (25689,48: a thousands group has
    three digits), and thousands commas read as points (11.754.61: only the last point is the
    decimal one). `digits` has its digit-like letters already read as digits."""
    s = digits.replace("/", ".").replace("..", ".")
    if _COMMA_POINT.fullmatch(s):
        s = s.replace(",", ".")
    if s.count(".") > 1:
        head, _, cents = s.rpartition(".")
        s = head.replace(".", ",") + "." + cents
    return s


def format_money(value: Decimal) -> str:
    """The contract's form: a plain decimal string with two places, no separators."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def print_money(value: Decimal, *, thousands: bool = False, trim: bool = False) -> str:
    """How a form might print the amount: with separators, or without trailing zero cents."""
    s = f"{value:,.2f}" if thousands else f"{value:.2f}"
    if trim:
        if s.endswith(".00"):
            s = s[:-3]
        elif s.endswith("0"):
            s = s[:-1]
    return s


def _group_to_upper(n: int) -> str:
    """0 < n < 10000 in uppercase digits, with interior zeros collapsed to one 零."""
    digits = f"{n:04d}"
    out: list[str] = []
    pending_zero = False
    started = False
    for i, ch in enumerate(digits):
        d = int(ch)
        unit = _SMALL_UNITS[3 - i]
        if d == 0:
            if started:
                pending_zero = True
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(DIGITS[d] + unit)
        started = True
    return "".join(out)


def to_upper(value: Decimal) -> str:
    """12345.67 -> 壹万贰仟叁佰肆拾伍元陆角柒分; 9037.61 -> 玖仟零叁拾柒元陆角壹分."""
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if value < 0:
        raise MoneyError("negative amounts have no 大写 form on an invoice")
    if value >= 10**12:
        raise MoneyError("amounts of a 万亿 or more have no 大写 form here")  # big_units ends at 亿
    cents = int(value * 100)
    yuan, jiao, fen = cents // 100, (cents // 10) % 10, cents % 10
    if cents == 0:
        return "零元整"
    parts: list[str] = []
    if yuan:
        groups = []
        rest = yuan
        while rest:
            groups.append(rest % 10000)
            rest //= 10000
        # groups[0] is units, [1] is 万, [2] is 亿
        big_units = ("", "万", "亿")
        need_zero = False
        for idx in range(len(groups) - 1, -1, -1):
            g = groups[idx]
            if g == 0:
                need_zero = True
                continue
            if parts and (need_zero or g < 1000):
                parts.append("零")
            parts.append(_group_to_upper(g) + big_units[idx])
            need_zero = False
        parts.append("元")
    if jiao == 0 and fen == 0:
        parts.append("整")
        return "".join(parts)
    if jiao:
        # 元位 zero with 角 following: the rules allow 零 or nothing; write it when yuan ends in 0.
        if yuan and yuan % 10 == 0:
            parts.append("零")
        parts.append(DIGITS[jiao] + "角")
    elif yuan:
        parts.append("零")
    if fen:
        parts.append(DIGITS[fen] + "分")
    else:
        parts.append("整")
    return "".join(parts)


def _upper_form(printed: str) -> str:
    """An uppercase amount's characters: marks (¥, ⊗, 人民币, 大写) dropped, variants folded
    (_UPPER_VARIANTS), a closing 整/正 left off."""
    return _UPPER_MARKS.sub("", printed).translate(_UPPER_VARIANTS).rstrip("整")


def in_bank_form(printed: str, value: Decimal) -> bool:
    """Whether the printed uppercase amount is value written by the bank rules (to_upper), marks,
    variant characters and a closing 整 aside. An amount that reads right but is not in that form
    has often lost a character to OCR: 叁万叁佰玖拾伍元捌角陆分 for 叁万零叁佰玖拾伍元捌角陆分 (the
    零 dropped) still reads 30395.86."""
    s = _upper_form(printed)
    try:
        return s == to_upper(value).rstrip("整")
    except MoneyError:
        return False


def upper_tail_of(printed: str, value: Decimal) -> bool:
    """Whether the printed uppercase amount is the end of value's bank-form 大写 and no more: its start
    lost to OCR, as a line's first characters are lost under a box's edge or a label (train claims
    lead1208: 肆万贰仟壹佰柒拾伍元玖角叁分 printed, 拾伍元玖角叁分 read; 15.93 against 42175.93)."""
    s = _upper_form(printed)
    try:
        whole = to_upper(value).rstrip("整")
    except MoneyError:
        return False
    return bool(s) and len(s) < len(whole) and whole.endswith(s)


def parse_upper(printed: str) -> Decimal:
    """Read an uppercase amount as printed, tolerating ¥/⊗ marks, 人民币, spaces and 整/正."""
    s = _upper_form(printed)
    if not any(ch in DIGITS[1:] or ch == "拾" for ch in s) or any(ch not in DIGITS + "拾佰仟万亿元角分" for ch in s):
        raise MoneyError(f"not an uppercase amount: {printed!r}")
    if "元" in s:
        int_part, frac_part = s.split("元", 1)
    elif "角" in s or "分" in s:
        int_part, frac_part = "", s
    else:
        int_part, frac_part = s, ""
    yuan = _parse_upper_integer(int_part, printed)
    jiao = fen = 0
    m = re.fullmatch(r"零?(?:([壹贰叁肆伍陆柒捌玖])角)?零?(?:([壹贰叁肆伍陆柒捌玖])分)?", frac_part)
    if not m:
        raise MoneyError(f"bad 角/分 in uppercase amount: {printed!r}")
    if m.group(1):
        jiao = DIGITS.index(m.group(1))
    if m.group(2):
        fen = DIGITS.index(m.group(2))
    return (Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100).quantize(CENT)


def _parse_upper_integer(s: str, printed: str) -> int:
    unit_values = {"拾": 10, "佰": 100, "仟": 1000}
    total = 0
    section = 0
    digit: int | None = None
    last_unit = 10**9
    for ch in s:
        if ch in DIGITS:
            if digit is not None and DIGITS[digit] != "零" and ch != "零":
                raise MoneyError(f"two digits in a row in {printed!r}")
            digit = DIGITS.index(ch)
        elif ch in unit_values:
            u = unit_values[ch]
            if u >= last_unit:
                raise MoneyError(f"units out of order in {printed!r}")
            # Only 拾 may stand without its digit, and only at the head of a section (拾伍元 = 15).
            if digit is None and (u != 10 or section):
                raise MoneyError(f"{ch} without a digit in {printed!r}")
            section += (1 if digit is None else digit) * u
            last_unit = u
            digit = None
        elif ch == "万":
            section += digit or 0
            total += section * 10_000
            section, digit, last_unit = 0, None, 10**9
        elif ch == "亿":
            section += digit or 0
            total = (total + section) * 100_000_000
            section, digit, last_unit = 0, None, 10**9
    section += digit or 0
    return total + section


def upper_equals(printed_upper: str, value: Decimal) -> bool:
    try:
        return parse_upper(printed_upper) == value.quantize(CENT)
    except MoneyError:
        return False
