"""Dates as printed on claim pages, to the contract's ISO form.

Forms seen: 2021-03-06, 2021.03.06, 2021/3/6, 20210306, 2021年04月26日, 2021年4月26日 10:32,
ranges 2021-03-01~2021-03-06, 20240616-20240623, 2021年3月1日至2021年3月6日, and dates partly
blanked for privacy (2019年12月). A partial date stays partial ('2019-12'): a day is never invented.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from intake.normalize.text import OCR_DIGITS, to_halfwidth

_SEP = r"\s*[-./年]\s*"
_FULL = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?:"
    + _SEP
    + r"(?P<m>\d{1,2})"
    + _SEP.replace("年", "月")
    + r"(?P<d>\d{1,2})\s*日?|(?P<m8>\d{2})(?P<d8>\d{2}))(?!\d)"
)
_PARTIAL = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[年\-./]\s*(?P<m>\d{1,2})\s*月?(?![\d日])")
# A date as printed, to cut it out of a row before reading it (OCR rows lose their spaces, so a
# date runs into what follows). A day is never the start of the next date's year: in
# "2024-06-2024-07", a stay printed with its days blanked, "2024-06-20" is no date, and reading it so
# invents a day (the claim-check helper saw 2024-06 read 2024-06-20 at 0.83 on a train
# dc_summary_table photo). A compact date (20240616) ends where its digits do, or where a time of
# day (2024061610:32) or the next date starts, so that it is not cut out of an invoice number.
_DL = OCR_DIGITS
_YEAR_AHEAD = rf"(?:19|20)[{_DL}]{{2}}\s*[-./年一]"
_COMPACT_END = rf"(?=[^{_DL}]|$|[{_DL}]{{1,2}}[:：时]|" + _YEAR_AHEAD + ")"
DATE_SPAN = (
    rf"(?:19|20)[{_DL}]{{2}}\s*(?:[-./年一]\s*[{_DL}]{{1,2}}(?:\s*[-./月一]\s*(?!"
    + _YEAR_AHEAD
    + rf")[{_DL}]{{1,2}}\s*日?|\s*月)?|[{_DL}]{{4}}"
    + _COMPACT_END
    + ")"
)
_RANGE_SEP = re.compile(r"\s*(?:~|～|至|到|—|–|--|-)\s*")


class DateError(ValueError):
    """Printed text that holds no readable date."""


@dataclass(frozen=True)
class ParsedDate:
    """A date, possibly partial: day (and month) are None when the page does not print them."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def is_partial(self) -> bool:
        return self.day is None

    def iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def as_date(self) -> date:
        if self.month is None or self.day is None:
            raise DateError(f"partial date {self.iso()} has no day")
        return date(self.year, self.month, self.day)


# Letters OCR reads for a date's digits (the confusions of the OCR'd sample corpus: O for 0, l for 1,
# S for 5, B for 8, b for 6).
_DIGIT_LIKE = {"O": "0", "o": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8", "b": "6"}
_DATE_MARK = "-./年月日"


def _clean(printed: str) -> str:
    """A date's digit-like letters read as digits where a digit or a date's separator stands on
    each side (the text's end counting as one): 2022年1O月13日 and 12月2O日, whose O before 月 or 日
    a rule asking for digits on both sides left, so that the month read 1 and the date went
    partial (train p_band and st_city_grid pages, degraded). find_dates reads the spans DATE_SPAN
    cuts out, so a letter at the text's end is the date's last digit (2023-06-1B)."""
    s = list(to_halfwidth(printed))
    for k, ch in enumerate(s):
        if ch == "一":
            # A dash read as the character for one (2025一05-05), only between digits.
            if 0 < k < len(s) - 1 and s[k - 1].isdigit() and (s[k + 1].isdigit() or s[k + 1] in _DIGIT_LIKE):
                s[k] = "-"
            continue
        if ch not in _DIGIT_LIKE:
            continue
        before = s[k - 1] if k > 0 else ""
        after = s[k + 1] if k + 1 < len(s) else ""
        b_digit, a_digit = before.isdigit(), after.isdigit() or after in _DIGIT_LIKE
        b_mark, a_mark = before != "" and before in _DATE_MARK, after == "" or after in _DATE_MARK
        if (b_digit and (a_digit or a_mark)) or (b_mark and (a_digit or a_mark)):
            s[k] = _DIGIT_LIKE[ch]
    return "".join(s)


def _checked(y: int, m: int, d: int | None) -> ParsedDate:
    if d is None:
        if not 1 <= m <= 12:
            raise DateError(f"month {m} out of range")
        return ParsedDate(y, m, None)
    try:
        date(y, m, d)
    except ValueError as exc:
        raise DateError(str(exc)) from exc
    return ParsedDate(y, m, d)


def find_dates(printed: str) -> list[ParsedDate]:
    """Every full or partial date in the text, in order of appearance."""
    s = _clean(printed)
    found: list[tuple[int, ParsedDate]] = []
    taken: list[tuple[int, int]] = []
    for m in _FULL.finditer(s):
        y = int(m["y"])
        mo, d = (m["m"], m["d"]) if m["m"] else (m["m8"], m["d8"])
        taken.append(m.span())  # an impossible date (02-30) is not a partial one either
        try:
            found.append((m.start(), _checked(y, int(mo), int(d))))
        except DateError:
            continue
    for m in _PARTIAL.finditer(s):
        if any(a <= m.start() < b for a, b in taken):
            continue
        try:
            found.append((m.start(), _checked(int(m["y"]), int(m["m"]), None)))
        except DateError:
            continue
    return [p for _, p in sorted(found, key=lambda t: t[0])]


def parse_date(printed: str) -> ParsedDate:
    """The one date in the text; raises DateError if there is none."""
    dates = find_dates(printed)
    if not dates:
        raise DateError(f"no date in {printed!r}")
    return dates[0]


def parse_range(printed: str) -> tuple[ParsedDate, ParsedDate]:
    """A stay printed as one range: 2021-03-01~2021-03-06, 20240616-20240623, …至…."""
    dates = find_dates(printed)
    if len(dates) >= 2:
        return dates[0], dates[1]
    raise DateError(f"no date range in {printed!r}")


def stay_days(admission: date, discharge: date) -> int:
    """住院天数 as most hospitals count it: the day of admission counts, the day of discharge not."""
    return (discharge - admission).days


def print_date(d: date, style: str) -> str:
    """How a form prints a date; style is one of the keys of DATE_STYLES."""
    return DATE_STYLES[style](d)


DATE_STYLES: dict[str, Callable[[date], str]] = {
    "iso": lambda d: d.isoformat(),
    "cn": lambda d: f"{d.year}年{d.month:02d}月{d.day:02d}日",
    "cn_short": lambda d: f"{d.year}年{d.month}月{d.day}日",
    "dot": lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    "slash": lambda d: f"{d.year}/{d.month}/{d.day}",
    "compact": lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
}
