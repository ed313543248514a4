"""Cross-checks between the fields of one document, which set their confidence.

A value that another printed value confirms (大写 = 小写, the parts add up to the total, the ID
check digit holds, the stay's days match its dates) is trusted; one that fails a check is kept
as read, with a low confidence and the reason, so that a reviewer sees it. Nothing is corrected.
Fields named with a leading underscore are read only to complete a check (其他支付, 现金支付) and
are dropped before the document leaves extraction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from intake.codes import Reason
from intake.elements.document import Alternative, Field
from intake.extract.config import ConfidenceSettings
from intake.normalize.dates import stay_days
from intake.normalize.idcard import is_valid
from intake.normalize.money import MoneyError, format_money, in_bank_form, parse_upper

CENT = Decimal("0.01")


def _money(fields: dict[str, Field], name: str) -> Decimal | None:
    f = fields.get(name)
    return f.money if f is not None else None


def _day(fields: dict[str, Field], name: str) -> date | None:
    f = fields.get(name)
    if f is None or f.text is None or len(f.text) != 10:
        return None
    return date.fromisoformat(f.text)


_PARTS = ("insurance_paid", "_other_paid", "personal_copay", "personal_selfpay")


def _parts_complete(parts: list[Decimal | None]) -> bool:
    """Whether the parts (in _PARTS order) must make the total exactly: every part but 其他支付
    read (with 其他支付 read, or none printed)."""
    return all(p is not None for n, p in zip(_PARTS, parts, strict=True) if n != "_other_paid")


def _hundredth(v: Decimal | None) -> Decimal | None:
    """The amount a reading without its decimal point stands for (3504869 for 35048.69): OCR drops
    the point under a seal or on a faint scan at full confidence (a train p_strip scan read
    合作金额：3504869 at 0.96), and a Chinese invoice prints money with its 分."""
    if v is None or v < 100 or v != v.to_integral_value():
        return None
    return (v / 100).quantize(CENT)


def _restore(f: Field, value: Decimal) -> None:
    f.alternatives.insert(0, Alternative(f.value, f.score or 0.0, f.page, f.box, f.source_text))
    f.value = format_money(value)
    f.doubts.append("point_restored")


def restore_points(fields: dict[str, Field], unproven_cap: float) -> None:
    """Put back a decimal point OCR lost, only where another printed value proves it: the 大写
    says the total is a hundredth of what was read, or the parts add up exactly with one of them a
    hundredth of its reading. A part read above its total is impossible as read; a hundredth of it
    is kept, unconfirmed, for the reviewer. Nothing else is changed."""
    total_f, upper_f = fields.get("total_amount"), fields.get("total_amount_upper")
    total = _money(fields, "total_amount")
    upper: Decimal | None = None
    if upper_f is not None:
        try:
            upper = parse_upper(str(upper_f.value))
        except (MoneyError, ValueError):
            upper = None
    read = [_money(fields, n) for n in _PARTS]
    parts = {n: v for n, v in zip(_PARTS, read, strict=True) if v is not None}
    complete = _parts_complete(read)
    if total_f is not None and total is not None and upper != total:
        small = _hundredth(total)
        if small is not None and (small == upper or (complete and sum(parts.values(), Decimal(0)) == small)):
            _restore(total_f, small)
            total = small
    if total is None:
        return
    for n, v in parts.items():
        small = _hundredth(v)
        if small is None or small > total:
            continue
        rest = sum((p for m, p in parts.items() if m != n), Decimal(0))
        if complete and rest + v != total and rest + small == total:
            _restore(fields[n], small)
            parts[n] = small
        elif v > total:
            _restore(fields[n], small)
            fields[n].confidence = min(fields[n].confidence, unproven_cap)
            parts[n] = small
    account_f = fields.get("personal_account_paid")
    copay, selfpay = parts.get("personal_copay"), parts.get("personal_selfpay")
    account = _money(fields, "personal_account_paid")
    small = _hundredth(account)
    if account_f is None or account is None or small is None or copay is None or selfpay is None:
        return
    # 个人账户 pays out of the member's own share (自付 + 自费), with 现金 the rest of it.
    own = copay + selfpay
    cash = _money(fields, "_cash_paid")
    if cash is not None and account + cash != own and small + cash == own:
        _restore(account_f, small)
    elif account > own and small <= own:
        _restore(account_f, small)
        account_f.confidence = min(account_f.confidence, unproven_cap)


class Validator:
    def __init__(self, confidence: ConfidenceSettings) -> None:
        self.c = confidence
        self.confirmed: set[str] = set()

    def confirm(self, fields: dict[str, Field], *names: str) -> None:
        for n in names:
            f = fields.get(n)
            if f is not None and not f.reasons:
                f.confidence = max(f.confidence, self.c.confirmed)
                self.confirmed.add(n)

    def fail(self, fields: dict[str, Field], reason: Reason, *names: str) -> None:
        for n in names:
            f = fields.get(n)
            if f is not None and reason not in f.reasons:
                f.reasons.append(reason)

    def run(self, fields: dict[str, Field]) -> None:
        self.money(fields)
        self.dates(fields)
        self.identity(fields)
        self.seal(fields)
        caps = self.c.unconfirmed_cap
        for name, f in fields.items():
            if f.reasons:
                f.confidence = min(f.confidence, self.c.failed)
            elif name not in self.confirmed:
                f.confidence = min(f.confidence, caps.get(name, caps["default"]))

    def money(self, fields: dict[str, Field]) -> None:
        restore_points(fields, self.c.point_restored_cap)
        total = _money(fields, "total_amount")
        upper = fields.get("total_amount_upper")
        if total is not None and upper is not None:
            try:
                same = parse_upper(str(upper.value)) == total
            except (MoneyError, ValueError):
                same = False
            if same and not in_bank_form(str(upper.value), total):
                # The amount is proven, the 大写's characters are not: out of family its value was
                # returned at 0.99 with a 零 OCR had dropped (a reviewer would not have looked).
                self.confirm(fields, "total_amount")
                upper.confidence = min(upper.confidence, self.c.upper_form_cap)
                upper.doubts.append("upper_form")
            elif same:
                self.confirm(fields, "total_amount", "total_amount_upper")
            else:
                self.fail(fields, Reason.UPPER_MISMATCH, "total_amount", "total_amount_upper")

        parts = [_money(fields, n) for n in _PARTS]
        if total is not None:
            known = [p for p in parts if p is not None]
            if sum(known, Decimal(0)) > total + CENT:
                read = [n for n, p in zip(_PARTS, parts, strict=True) if p is not None]
                self.fail(fields, Reason.PARTS_EXCEED_TOTAL, *read)
            elif _parts_complete(parts):
                if sum(known, Decimal(0)) == total:
                    self.confirm(fields, *_PARTS)
                elif parts[1] is not None:
                    self.fail(fields, Reason.PARTS_SUM, *_PARTS)
        account, cash = _money(fields, "personal_account_paid"), _money(fields, "_cash_paid")
        copay, selfpay = _money(fields, "personal_copay"), _money(fields, "personal_selfpay")
        if account is not None and copay is not None and selfpay is not None:
            own = copay + selfpay
            if account > own + CENT:
                self.fail(fields, Reason.ACCOUNT_EXCEEDS_OWN_SHARE, "personal_account_paid")
            elif cash is not None and account + cash == own:
                self.confirm(fields, "personal_account_paid", "_cash_paid")

    def dates(self, fields: dict[str, Field]) -> None:
        adm, dis = _day(fields, "admission_date"), _day(fields, "discharge_date")
        if adm and dis:
            if dis < adm:
                self.fail(fields, Reason.DISCHARGE_BEFORE_ADMISSION, "admission_date", "discharge_date")
                return
            los = fields.get("length_of_stay")
            if los is not None:
                if los.value == stay_days(adm, dis):
                    self.confirm(fields, "admission_date", "discharge_date", "length_of_stay")
                else:
                    self.fail(fields, Reason.STAY_DAYS, "length_of_stay")

    def seal(self, fields: dict[str, Field]) -> None:
        """Ring text is read off a curve and often garbled: trust it when it matches the printed name."""
        f = fields.get("seal")
        seal = f.seal if f is not None else None
        if f is None or seal is None or not seal.text:
            return
        names = {fields[n].value for n in ("hospital_name", "employer_name") if n in fields}
        if seal.text in names:
            self.confirm(fields, "seal")
        else:
            f.confidence = min(f.confidence, self.c.seal_text_unconfirmed)

    def identity(self, fields: dict[str, Field]) -> None:
        f = fields.get("id_number")
        if f is not None:
            if is_valid(str(f.value)):
                self.confirm(fields, "id_number")
            else:
                self.fail(fields, Reason.CHECK_DIGIT, "id_number")
