"""Values a form prints besides its contract fields, all drawn from the claim's Case.

A distractor in the family data names its label and a value kind of MAKERS: a date of another
kind (birth, hire, surgery, print), another amount (预交金, 起付线, an item's sum), another name
(the doctor, 经办人, a relative), another number. Values come from the case where the case knows
them, so that a distractor is never a contract value by accident and always plausible beside it:
a 预交金 covers the cash part of the bill, a surgery falls inside the stay, a relative shares the
patient's surname.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from intake_lab.synth import values
from intake_lab.synth.case import Case

from .spec import FormSpec

Maker = Callable[[Case, FormSpec, random.Random], str]

POSTS = ("生产部", "行政部", "财务部", "销售部", "技术部", "后勤保障部", "质检部", "仓储物流部", "人力资源部", "车间")
JOBS = ("操作工", "技术员", "会计", "业务员", "工程师", "办事员", "主管", "司机", "质检员", "班组长")
RELATIONS = ("配偶", "儿子", "女儿", "父亲", "母亲")


def stamp_time(rng: random.Random, *, seconds: bool = True) -> str:
    clock = f"{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}"
    return clock + (f":{rng.randint(0, 59):02d}" if seconds else "")


def later(case: Case, rng: random.Random, lo: int = 1, hi: int = 15) -> date:
    return case.discharge + timedelta(days=rng.randint(lo, hi))


def surgery_day(case: Case, rng: random.Random) -> date:
    """A day inside the stay that is neither admission nor discharge when the stay allows it."""
    if case.stay_days >= 2:
        return case.admission + timedelta(days=rng.randint(1, case.stay_days - 1))
    return case.admission


def relative(case: Case, rng: random.Random) -> str:
    """A family member: the patient's surname, another given name."""
    surname = case.person.name[:2] if case.person.name[:2] in values.COMPOUND_SURNAMES else case.person.name[0]
    while True:
        name = surname + values.person_name(rng, rng.choice("男女"))[1:]
        if name != case.person.name:
            return name


def _prepay(case: Case) -> Decimal:
    need = case.bill.personal_copay + case.bill.personal_selfpay
    step = Decimal(1000) if need > 2000 else Decimal(500)
    return ((need // step) + 1) * step


def _money(amount: Decimal) -> Maker:
    return lambda c, s, r: s.money(amount)


MAKERS: dict[str, Maker] = {
    # numbers and codes
    "id_number": lambda c, s, r: c.person.id_number,
    "serial": lambda c, s, r: c.serial_number,
    "insurance_number": lambda c, s, r: c.insurance_number,
    "inpatient_number": lambda c, s, r: c.inpatient_number,
    "record_number": lambda c, s, r: values.digits(r, 8, leading_zero=False),
    "outpatient_number": lambda c, s, r: values.digits(r, r.choice((8, 10, 12)), leading_zero=False),
    "card_number": lambda c, s, r: values.digits(r, 12, leading_zero=False),
    "settlement_number": lambda c, s, r: values.digits(r, 16, leading_zero=False),
    "certificate_number": lambda c, s, r: f"{c.discharge.year}{values.digits(r, 6)}",
    "phone": lambda c, s, r: (
        r.choice(("0574", "0571", "025", "020", "021", "0755", "027", "028"))
        + "-"
        + values.digits(r, 8, leading_zero=False)
    ),
    "mobile": lambda c, s, r: "1" + r.choice("358") + values.digits(r, 9),
    # words
    "sex": lambda c, s, r: c.person.sex,
    "age": lambda c, s, r: f"{c.age}岁",
    "department": lambda c, s, r: c.department,
    "ward": lambda c, s, r: c.ward,
    "bed": lambda c, s, r: c.bed,
    "insurance_type": lambda c, s, r: c.insurance_type,
    "institution_type": lambda c, s, r: r.choice(("综合医院", "中医医院", "专科医院")),
    "hospital_grade": lambda c, s, r: r.choice(("三级甲等", "三级乙等", "二级甲等")),
    "person_type": lambda c, s, r: r.choice(("在职", "退休", "在职职工", "灵活就业")),
    "medical_category": lambda c, s, r: (
        "普通住院" if c.inpatient else r.choice(("普通门诊", "门诊特殊病", "门诊慢特病"))
    ),
    "settle_method": lambda c, s, r: r.choice(("联网结算", "直接结算", "即时结算", "医保结算")),
    "payment_method": lambda c, s, r: r.choice(("微信", "支付宝", "现金", "银行卡", "医保卡")),
    "employer": lambda c, s, r: c.employer,
    "post": lambda c, s, r: r.choice(POSTS),
    "job": lambda c, s, r: r.choice(JOBS),
    "nation": lambda c, s, r: r.choice(("汉族", "汉族", "汉族", "回族", "满族")),
    "marital": lambda c, s, r: r.choice(("已婚", "已婚", "未婚", "离异")),
    "occupation": lambda c, s, r: r.choice(("职员", "工人", "公务员", "专业技术人员", "企业管理人员")),
    "address": lambda c, s, r: (
        f"{c.region.city}{c.region.district}{r.choice(('中山', '解放', '人民', '建设', '和平'))}路{r.randint(1, 999)}号"
    ),
    "relation": lambda c, s, r: r.choice(RELATIONS),
    "disease": lambda c, s, r: c.diagnoses[0].name,
    # people other than the patient
    "doctor": lambda c, s, r: c.doctor,
    "cashier": lambda c, s, r: c.cashier,
    "reviewer": lambda c, s, r: c.reviewer,
    "person": lambda c, s, r: values.person_name(r, r.choice("男女")),
    "relative": lambda c, s, r: relative(c, r),
    # dates other than the fields'
    "birth_date": lambda c, s, r: s.date(c.person.birth),
    "hire_date": lambda c, s, r: s.date(c.employment_start),
    "hire_month": lambda c, s, r: f"{c.employment_start.year}年{c.employment_start.month}月",
    "surgery_date": lambda c, s, r: s.date(surgery_day(c, r)),
    "print_date": lambda c, s, r: s.date(later(c, r)),
    "print_datetime": lambda c, s, r: f"{s.date(later(c, r))} {stamp_time(r)}",
    "record_date": lambda c, s, r: s.date(later(c, r, 0, 3)),
    "visit_date": lambda c, s, r: s.date(c.admission),
    "earlier_date": lambda c, s, r: s.date(c.admission - timedelta(days=r.randint(14, 60))),
    "next_visit": lambda c, s, r: s.date(later(c, r, 7, 30)),
    "stay_days": lambda c, s, r: str(c.stay_days),
    # money other than the fields'
    "prepay": lambda c, s, r: s.money(_prepay(c)),
    "refund": lambda c, s, r: s.money(_prepay(c) - c.bill.personal_cash_paid),
    "deductible": lambda c, s, r: s.money(Decimal(r.choice((300, 500, 600, 800, 1000, 1200, 1500)))),
    "other_paid": lambda c, s, r: s.money(c.bill.other_paid),
    "cash_paid": lambda c, s, r: s.money(c.bill.personal_cash_paid),
    "personal_total": lambda c, s, r: s.money(c.bill.personal_copay + c.bill.personal_selfpay),
    "eligible": lambda c, s, r: s.money(c.bill.total - c.bill.personal_selfpay),
    "item_amount": lambda c, s, r: s.money(r.choice(c.bill.items)[1]),
    "ytd_fund": lambda c, s, r: s.money(
        c.bill.insurance_paid + Decimal(str(round(r.uniform(500, 30000), 2))).quantize(Decimal("0.01"))
    ),
    "salary": lambda c, s, r: s.money(Decimal(r.randrange(3800, 16000, 100))),
    "zero": lambda c, s, r: s.money(Decimal("0.00")),
}


# Value kinds that are amounts: they sit right-aligned in a cell, as the fields' amounts do.
MONEY_KINDS = frozenset(
    [
        "prepay",
        "refund",
        "deductible",
        "other_paid",
        "cash_paid",
        "personal_total",
        "eligible",
        "item_amount",
        "ytd_fund",
        "salary",
        "zero",
    ]
)


# What only a stay has: an outpatient's copy of the same form prints the label with nothing after it.
INPATIENT_ONLY = frozenset(("inpatient_number", "stay_days", "ward", "bed", "surgery_date", "prepay", "refund"))


def make(kind: str, case: Case, spec: FormSpec, rng: random.Random) -> str:
    if kind not in MAKERS:
        raise KeyError(f"family {spec.family.name}: unknown distractor value kind {kind!r}")
    value = MAKERS[kind](case, spec, rng)
    return "" if kind in INPATIENT_ONLY and not case.inpatient else value
