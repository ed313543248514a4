"""A claim case: one member's illness, from which every document of the claim is drawn.

Documents of one claim agree with each other (same patient, hospital, stay and diagnoses)
because they are rendered from one Case, the way real paperwork comes from one hospital stay.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from intake.reference.diagnoses import CuratedDiagnosis as Diagnosis
from intake.reference.diagnoses import curated as diagnosis_table
from intake_lab.synth import values
from intake_lab.synth.values import Person, Region

INPATIENT_ITEMS = (
    "床位费",
    "诊查费",
    "检查费",
    "化验费",
    "治疗费",
    "手术费",
    "护理费",
    "卫生材料费",
    "西药费",
    "中成药费",
    "中草药费",
    "其他费",
    "输血费",
    "麻醉费",
)
OUTPATIENT_ITEMS = ("挂号费", "诊查费", "检查费", "化验费", "治疗费", "西药费", "中成药费", "卫生材料费", "一般诊疗费")

# Which departments see which kind of illness, so a record never puts 乳腺癌 in 骨科.
THEME_DEPARTMENTS = {
    "critical_illness": ("肿瘤内科", "胸外科", "心血管内科", "神经内科", "肝胆外科", "血液内科", "肾内科"),
    "female_special": ("乳腺外科", "妇科", "肿瘤内科"),
    "special_disease": ("肾内科", "肿瘤内科", "血液内科"),
    "accident": ("骨科", "创伤外科", "神经外科"),
    "common": ("心血管内科", "呼吸与危重症医学科", "消化内科", "普外科", "内分泌科", "泌尿外科", "眼科", "骨科"),
}


@dataclass
class Bill:
    """An invoice's money. total = insurance + other + copay + selfpay; account + cash = copay + selfpay."""

    items: list[tuple[str, Decimal]]
    total: Decimal
    insurance_paid: Decimal
    other_paid: Decimal
    personal_account_paid: Decimal
    personal_cash_paid: Decimal
    personal_copay: Decimal
    personal_selfpay: Decimal


@dataclass
class Case:
    person: Person
    region: Region
    hospital: str
    department: str
    ward: str
    bed: str
    inpatient: bool
    admission: date
    discharge: date
    diagnoses: list[Diagnosis]
    admission_diagnoses: list[Diagnosis]
    bill: Bill
    theme: str
    inpatient_number: str
    insurance_type: str
    insurance_number: str
    employer: str
    employment_start: date
    invoice_code: str
    invoice_number: str
    check_code: str
    serial_number: str
    doctor: str
    cashier: str
    reviewer: str
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def stay_days(self) -> int:
        return (self.discharge - self.admission).days

    @property
    def issue_date(self) -> date:
        return self.discharge

    @property
    def upper_total(self) -> Decimal:
        """The amount the 大写 total spells: the bill's total, on an honest invoice."""
        return self.bill.total

    @property
    def age(self) -> int:
        return self.person.age_on(self.admission)


def _cents(rng: random.Random, lo: float, hi: float, *, whole: float = 0.15) -> Decimal:
    v = Decimal(str(round(rng.uniform(lo, hi), 2)))
    return v.quantize(Decimal("1")) if rng.random() < whole else v


def make_bill(rng: random.Random, inpatient: bool) -> Bill:
    names = INPATIENT_ITEMS if inpatient else OUTPATIENT_ITEMS
    chosen = rng.sample(names, k=rng.randint(5 if inpatient else 3, min(len(names), 12 if inpatient else 6)))
    scale = (200, 9000) if inpatient else (8, 600)
    items = [(n, _cents(rng, *scale)) for n in chosen]
    total = sum((a for _, a in items), Decimal("0"))
    selfpay = (total * Decimal(str(rng.uniform(0.0, 0.15)))).quantize(Decimal("0.01"))
    insured_share = Decimal(str(rng.uniform(0.45, 0.8) if inpatient else rng.uniform(0.0, 0.6)))
    insurance = ((total - selfpay) * insured_share).quantize(Decimal("0.01"))
    other = (
        (total * Decimal(str(rng.uniform(0.02, 0.1)))).quantize(Decimal("0.01"))
        if rng.random() < 0.25
        else Decimal("0.00")
    )
    copay = total - selfpay - insurance - other
    personal = copay + selfpay
    account = (personal * Decimal(str(rng.choice((0, 0, 0.3, 0.6, 1.0))))).quantize(Decimal("0.01"))
    return Bill(items, total, insurance, other, account, personal - account, copay, selfpay)


def pick_diagnoses(rng: random.Random, theme: str, sex: str, n: int) -> list[Diagnosis]:
    table = diagnosis_table()
    main = [d for d in table if theme in d.groups and d.sex in ("", sex)]
    extra = [d for d in table if "common" in d.groups and d.sex in ("", sex)]
    first = rng.choice(main)
    rest = rng.sample([d for d in extra if d.icd10[:3] != first.icd10[:3]], k=n - 1) if n > 1 else []
    return [first, *rest]


def make_case(rng: random.Random, *, theme: str | None = None, inpatient: bool | None = None) -> Case:
    theme = theme or rng.choice(tuple(THEME_DEPARTMENTS))
    sex = "女" if theme == "female_special" else rng.choice("男女")
    region = rng.choice(values.REGIONS)
    who = values.person(rng, sex=sex, region=region)
    inpatient = rng.random() < 0.8 if inpatient is None else inpatient
    admission = values.day_between(rng, date(2019, 6, 1), date(2026, 9, 30))
    stay = rng.randint(2, 28) if inpatient else 0
    diagnoses = pick_diagnoses(rng, theme, sex, rng.choice((1, 1, 2, 2, 3, 4)))
    admission_dx = diagnoses[: max(1, len(diagnoses) - 1)] if rng.random() < 0.5 else diagnoses[:1]
    bed = f"{rng.randint(1, 60)}床"
    return Case(
        person=who,
        region=region,
        hospital=rng.choice(region.hospitals),
        department=rng.choice(THEME_DEPARTMENTS[theme]),
        ward=rng.choice(values.WARDS),
        bed=bed,
        inpatient=inpatient,
        admission=admission,
        discharge=admission + timedelta(days=stay),
        diagnoses=diagnoses,
        admission_diagnoses=admission_dx,
        bill=make_bill(rng, inpatient),
        theme=theme,
        inpatient_number=values.digits(rng, rng.choice((6, 7, 8, 10)), leading_zero=False),
        insurance_type=rng.choice(values.INSURANCE_TYPES),
        insurance_number=values.digits(rng, 10),
        employer=values.employer_name(rng),
        employment_start=values.day_between(rng, date(2003, 1, 1), admission - timedelta(days=400)),
        invoice_code=values.digits(rng, 8),
        invoice_number=values.digits(rng, 10),
        check_code=values.check_code(rng),
        serial_number=values.digits(rng, 10, leading_zero=False),
        doctor=values.person_name(rng, rng.choice("男女")),
        cashier=values.person_name(rng, rng.choice("男女")),
        reviewer=values.person_name(rng, rng.choice("男女")),
    )
