"""Normalizers: the printed forms of the field guide, the hard cases of 大写, and check digits."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from intake.normalize import idcard
from intake.normalize.dates import DATE_SPAN, DateError, find_dates, parse_date, parse_range, print_date
from intake.normalize.money import (
    MoneyError,
    format_money,
    parse_money,
    parse_upper,
    print_money,
    repair_separators,
    to_upper,
)
from intake.normalize.text import squeeze_cjk_spaces, to_halfwidth

UPPER = [
    ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
    ("9037.61", "玖仟零叁拾柒元陆角壹分"),
    ("100500.00", "壹拾万零伍佰元整"),
    ("1409.02", "壹仟肆佰零玖元零贰分"),
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
    ("16.00", "壹拾陆元整"),
    ("0.50", "伍角整"),
    ("0.05", "伍分"),
    ("100000005.00", "壹亿零伍元整"),
    ("30000.40", "叁万元零肆角整"),
    ("1670.00", "壹仟陆佰柒拾元整"),
]


@pytest.mark.parametrize(("value", "upper"), UPPER)
def test_uppercase_is_produced_by_the_bank_rules(value: str, upper: str) -> None:
    assert to_upper(Decimal(value)) == upper


@pytest.mark.parametrize(("value", "upper"), UPPER)
def test_uppercase_parses_back(value: str, upper: str) -> None:
    assert parse_upper(upper) == Decimal(value)


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("⊗玖仟零叁拾柒元陆角壹分", "9037.61"),
        ("¥ 壹万贰仟叁佰肆拾伍元陆角柒分", "12345.67"),
        ("人民币壹仟陆佰捌拾元叁角贰分", "1680.32"),  # the 零 after 元 may be left out
        ("拾伍元整", "15.00"),  # 壹 left out before 拾
        ("壹佰万伍仟元正", "1005000.00"),  # 正 for 整, no 零 where 万位 is zero
        ("壹仟零玖元零贰分", "1009.02"),
        ("贰拾圆整", "20.00"),  # 圆 for 元
    ],
)
def test_uppercase_variants_on_real_forms(printed: str, value: str) -> None:
    assert parse_upper(printed) == Decimal(value)


@pytest.mark.parametrize("bad", ["", "壹贰元", "元整", "123.45", "壹仟佰元", "伍角陆角"])
def test_uppercase_nonsense_is_an_error(bad: str) -> None:
    with pytest.raises(MoneyError):
        parse_upper(bad)


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("11,274.86", "11274.86"),
        ("1670", "1670.00"),
        ("617.5", "617.50"),
        ("¥1,670.00", "1670.00"),
        ("⊗617.5", "617.50"),
        ("１２３．４５", "123.45"),  # full-width digits
        ("0.00", "0.00"),
        ("2,915元", "2915.00"),
    ],
)
def test_lowercase_money_forms(printed: str, value: str) -> None:
    assert format_money(parse_money(printed)) == value


@pytest.mark.parametrize("bad", ["", "12,34.5", "1.234", "abc", "1,2345.00", "12.3.4"])
def test_lowercase_nonsense_is_an_error(bad: str) -> None:
    with pytest.raises(MoneyError):
        parse_money(bad)


def test_money_printing_forms() -> None:
    assert print_money(Decimal("11274.86"), thousands=True) == "11,274.86"
    assert print_money(Decimal("1670.00"), trim=True) == "1670"
    assert print_money(Decimal("617.50"), trim=True) == "617.5"


@pytest.mark.parametrize(
    ("printed", "iso"),
    [
        ("2021-03-06", ["2021-03-06"]),
        ("开票日期：2021年04月26日", ["2021-04-26"]),
        ("2021年4月6日 10:32", ["2021-04-06"]),
        ("2021.03.06", ["2021-03-06"]),
        ("2021/3/6", ["2021-03-06"]),
        ("20210306", ["2021-03-06"]),
        ("2O21-O3-O6", ["2021-03-06"]),  # OCR read 0 as O
        # ... and before 月 or 日, where the month read 1 and the date went partial
        ("住院时间:2022年1O月13日至2022年12月2O日", ["2022-10-13", "2022-12-20"]),
        ("2020年1l月04日", ["2020-11-04"]),  # l for 1
        ("2023-06-1B", ["2023-06-18"]),  # B for 8 as a date's last digit
        ("住院时间：2025一05-05~2025-05-22", ["2025-05-05", "2025-05-22"]),  # a dash read as 一
        ("住院时间：2021-03-01~2021-03-06", ["2021-03-01", "2021-03-06"]),
        ("20240616-20240623", ["2024-06-16", "2024-06-23"]),
        ("2021年3月1日至2021年3月6日", ["2021-03-01", "2021-03-06"]),
        ("入院日期：2019年12月", ["2019-12"]),  # partly blanked: kept partial, never invented
        ("住院日期：2024-06-2024-07", ["2024-06", "2024-07"]),  # a blanked stay: 2024-06-20 is no date
        ("2024.06 - 2024.07", ["2024-06", "2024-07"]),
        ("2021-02-30", []),  # no such day
        ("住院号 123456789", []),
    ],
)
def test_date_forms(printed: str, iso: list[str]) -> None:
    assert [d.iso() for d in find_dates(printed)] == iso


@pytest.mark.parametrize(
    ("row", "spans"),
    [
        # OCR rows lose their spaces: a date runs into what follows it
        ("2024-06-2024-07", ["2024-06", "2024-07"]),
        ("2019-12-2020-01", ["2019-12", "2020-01"]),
        ("2026-07-192026-08-08", ["2026-07-19", "2026-08-08"]),
        ("2024-06-1610:32", ["2024-06-16"]),
        ("2024061610:32", ["20240616"]),
        ("No2021030612", []),  # an invoice number is no compact date
    ],
)
def test_date_span_cuts_a_date_out_of_a_row(row: str, spans: list[str]) -> None:
    assert [m.group(0) for m in re.finditer(DATE_SPAN, row)] == spans


def test_partial_date_has_no_day() -> None:
    d = parse_date("2019年12月")
    assert d.is_partial
    with pytest.raises(DateError):
        d.as_date()


def test_range_and_errors() -> None:
    a, b = parse_range("2021-03-01~2021-03-06")
    assert (a.as_date(), b.as_date()) == (date(2021, 3, 1), date(2021, 3, 6))
    with pytest.raises(DateError):
        parse_range("2021-03-01")
    with pytest.raises(DateError):
        parse_date("no date here")


@pytest.mark.parametrize("style", ["iso", "cn", "cn_short", "dot", "slash", "compact"])
def test_every_printed_style_parses_back(style: str) -> None:
    d = date(2024, 6, 9)
    assert parse_date(print_date(d, style)).as_date() == d


def test_id_check_digit() -> None:
    # GB 11643 example number
    assert idcard.check_digit("11010519491231002") == "X"
    assert idcard.is_valid("11010519491231002X")
    assert idcard.is_valid("11010519491231002x")
    assert not idcard.is_valid("110105194912310021")  # wrong check digit
    assert not idcard.is_valid("110105194913310028")  # month 13
    assert not idcard.is_valid("11010519491231002")
    assert idcard.sex_of("11010519491231002X") == "女"
    assert idcard.birth_date("11010519491231002X") == date(1949, 12, 31)


def test_text_cleanup() -> None:
    assert to_halfwidth("金额：１２３．４５（元）") == "金额:123.45(元)"
    assert squeeze_cjk_spaces(" 张  三 ") == "张三"
    assert squeeze_cjk_spaces("Zhang San") == "Zhang San"


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("1316..46", "1316.46"),  # a point doubled
        ("25689,48", "25689.48"),  # the point read as a comma
        ("11.754.61", "11,754.61"),  # the thousands comma read as a point
        ("617/50", "617.50"),  # a faint point read as a slash
        ("1.975/59", "1,975.59"),  # both at once: the label parser and the candidate reader agree
        ("1,975.59", "1,975.59"),
        ("12,345", "12,345"),  # a thousands group is three digits: not a point
    ],
)
def test_separators_misread_by_ocr_are_put_right(read: str, meant: str) -> None:
    assert repair_separators(read) == meant
    assert parse_money(repair_separators(read)) == parse_money(meant)


def test_an_upper_amount_is_in_bank_form_only_as_the_rules_write_it() -> None:
    from intake.normalize.money import in_bank_form

    assert in_bank_form("⊗叁万零叁佰玖拾伍元捌角陆分", Decimal("30395.86"))
    assert in_bank_form("人民币壹仟陆佰柒拾元正", Decimal("1670.00"))
    assert not in_bank_form("叁万叁佰玖拾伍元捌角陆分", Decimal("30395.86"))  # a 零 lost
