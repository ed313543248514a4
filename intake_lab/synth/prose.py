"""Clinical prose for discharge records and certificates, themed by the case's main diagnosis.

Real 出院记录 paragraphs are dense with numbers that are not the contract's fields: vital signs,
lab values, drug doses, tumour sizes, operation and follow-up dates. Extractors must learn to
ignore them, so the synthetic prose carries plenty, drawn from one rng so a page is reproducible.

Templates are small functions of a Ctx (numbers and dates for this case), grouped by a clinical
"kind" derived from the ICD-10 code of the main diagnosis, so a fracture never gets chemotherapy.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from intake_lab.synth.case import Case, Diagnosis

Tpl = Callable[["Ctx"], str]

# ICD-10 categories grouped into the kinds the templates below are written for.
_BREAST = {"C50", "D05"}
_GYN = {"C51", "C52", "C53", "C54", "C55", "C56", "C57", "D06", "D25", "N80", "N83"}
_GI_CA = {"C15", "C16", "C18", "C20", "C22", "C23", "C25"}
_CARDIAC = {"I20", "I21", "I25", "I27", "I48", "I50", "I71"}
_RENAL = {"N18", "N19", "T86"}
_SURGICAL_GI = {"K35", "K40", "K64", "K80", "K81"}


def kind_of(d: Diagnosis) -> str:
    """The clinical kind of a diagnosis, from its ICD-10 category."""
    c = d.icd10[:3].upper()
    if c in _BREAST:
        return "breast"
    if c in ("C73", "E04"):
        return "thyroid"
    if c in _GYN:
        return "gyn"
    if c == "C34":
        return "lung_ca"
    if c in _GI_CA:
        return "gi_ca"
    if (c[0] == "C" and c[1:] >= "81") or c in ("D61", "D66", "D67"):
        return "heme"
    if c[0] == "C" or c in ("D32", "D33"):
        return "tumor"
    if c in _CARDIAC:
        return "cardiac"
    if ("I60" <= c <= "I69") or c == "G45":
        return "stroke"
    if c in _RENAL:
        return "renal"
    if c in ("K72", "K74"):
        return "liver"
    if c[0] == "F":
        return "psych"
    if c[0] == "G" or c == "H54":
        return "neuro"
    if c[0] in "ST":
        return "trauma"
    if c[0] == "J" or c == "A16":
        return "resp"
    if c in _SURGICAL_GI:
        return "gi_surg"
    if c[0] == "K":
        return "gi_med"
    if c[0] == "E" or c == "I10":
        return "metabolic"
    if c[0] == "M":
        return "msk"
    if c[0] == "H":
        return "eye"
    if c[0] == "N":
        return "uro"
    return "general"


class Ctx:
    """Numbers and dates for one document's prose; every draw comes from the document's rng."""

    def __init__(self, case: Case, rng: random.Random, fmt: Callable[[date], str], *, blank_dates: bool) -> None:
        self.case = case
        self.rng = rng
        self.fmt = fmt
        # When the header blanks the day for privacy, prose must not give the dates away.
        self.blank = blank_dates
        self.main = case.diagnoses[0]
        self.dname = self.main.name
        name = self.main.name
        self.side = "左" if "左" in name else "右" if "右" in name else rng.choice("左右")
        self.others = case.diagnoses[1:]
        self._op_day: int | None = None
        code = self.main.icd10.upper()
        self.insitu = code.startswith("D0")
        self.malignant = code.startswith("C") or self.insitu

    # -- numbers ---------------------------------------------------------------------------------
    def f(self, lo: float, hi: float, nd: int = 1) -> str:
        return f"{self.rng.uniform(lo, hi):.{nd}f}"

    def i(self, lo: int, hi: int) -> str:
        return str(self.rng.randint(lo, hi))

    def pick(self, *options: str) -> str:
        return self.rng.choice(options)

    # -- dates -----------------------------------------------------------------------------------
    def day(self, k: int | None = None) -> str:
        """A day inside the stay (k days after admission), printed as the prose prints dates."""
        stay = max(self.case.stay_days, 1)
        if k is None:
            k = self.rng.randint(1, max(1, stay - 1))
        k = max(0, min(k, stay))
        if self.blank:
            return f"入院第{k + 1}天"
        return self.fmt(self.case.admission + timedelta(days=k))

    def op_day(self) -> str:
        """The day of the operation: early in the stay, the same in every sentence that names it."""
        if self._op_day is None:
            stay = max(self.case.stay_days, 1)
            self._op_day = self.rng.randint(1, max(1, min(stay - 1, 4)))
        return self.day(self._op_day)

    def after_op(self, n: int) -> str:
        k = (self._op_day or 1) + n
        return self.day(min(k, max(self.case.stay_days - 1, 1)))

    def before(self, lo_days: int, hi_days: int) -> str:
        """A date before admission (history), never blanked: it is not a stay date."""
        d = self.case.admission - timedelta(days=self.rng.randint(lo_days, hi_days))
        if self.blank:
            return f"{d.year}年{d.month}月"
        return self.fmt(d)

    def follow(self, days: int) -> str:
        """A parenthesised follow-up date after discharge, or nothing when dates are blanked."""
        if self.blank:
            return ""
        return f"（{self.fmt(self.case.discharge + timedelta(days=days))}）"

    # -- shared phrases --------------------------------------------------------------------------
    def vitals(self) -> str:
        t = self.f(36.2, 37.3)
        return f"T {t}℃，P {self.i(64, 96)}次/分，R {self.i(16, 21)}次/分，BP {self.i(102, 148)}/{self.i(60, 92)}mmHg"

    def general_exam(self) -> str:
        return self.pick(
            "神志清，精神可，全身皮肤黏膜无黄染，浅表淋巴结未触及肿大，双肺呼吸音清，未闻及干湿性啰音，"
            "心律齐，各瓣膜听诊区未闻及病理性杂音，腹平软，无压痛及反跳痛，肝脾肋下未触及，双下肢无水肿。",
            "神志清楚，查体合作，皮肤巩膜无黄染，颈软，气管居中，双肺呼吸音清，心律齐，未闻及杂音，"
            "腹软，无压痛，移动性浊音阴性，双下肢不肿，生理反射存在，病理反射未引出。",
        )

    def cbc(self) -> str:
        return (
            f"血常规：WBC {self.f(3.6, 11.5, 2)}×10^9/L，N {self.f(48, 82)}%，"
            f"Hb {self.i(92, 152)}g/L，PLT {self.i(110, 360)}×10^9/L"
        )

    def chem(self) -> str:
        return (
            f"肝肾功能：ALT {self.i(9, 68)}U/L，AST {self.i(12, 55)}U/L，ALB {self.f(32, 46)}g/L，"
            f"TBil {self.f(5, 24)}μmol/L，Cr {self.i(48, 110)}μmol/L，BUN {self.f(2.8, 7.6, 2)}mmol/L"
        )

    def lytes(self) -> str:
        return f"电解质：K {self.f(3.3, 4.9, 2)}mmol/L，Na {self.i(133, 145)}mmol/L，Cl {self.i(96, 108)}mmol/L"

    def coag(self) -> str:
        return f"凝血功能：PT {self.f(10.5, 13.8)}s，APTT {self.f(24, 38)}s，D-二聚体 {self.f(0.1, 1.2, 2)}mg/L"

    def labs(self, n: int = 2) -> str:
        parts = self.rng.sample([self.cbc(), self.chem(), self.lytes(), self.coag()], k=n)
        return "；".join(parts) + "。"

    def past(self) -> str:
        if self.others:
            d = self.rng.choice(self.others)
            head = f"既往有“{d.name}”病史{self.i(2, 15)}年，{self.pick('规律服药', '口服药物治疗', '未规律治疗')}"
            head += self.pick("，控制尚可；", "，具体不详；", "；")
        else:
            head = "既往体健，"
        return head + self.pick(
            "否认肝炎、结核等传染病史，否认重大外伤史，否认输血史，否认药物、食物过敏史。",
            "否认糖尿病、冠心病病史，否认手术外伤史，否认药物过敏史，预防接种史随当地进行。",
            "否认其他慢性病史，否认传染病史，否认药物及食物过敏史。",
        )


@dataclass(frozen=True)
class Profile:
    """What one kind of illness reads like: complaint, findings, work-up, treatment, orders."""

    complaint: tuple[Tpl, ...]
    exam: tuple[Tpl, ...]
    workup: tuple[Tpl, ...]
    treat: tuple[Tpl, ...]
    result: tuple[Tpl, ...]
    meds: tuple[str, ...]
    orders: tuple[Tpl, ...]
    advice: tuple[str, ...]


def _p(
    complaint: tuple[Tpl, ...],
    exam: tuple[Tpl, ...],
    workup: tuple[Tpl, ...],
    treat: tuple[Tpl, ...],
    result: tuple[Tpl, ...],
    meds: tuple[str, ...],
    orders: tuple[Tpl, ...],
    advice: tuple[str, ...],
) -> Profile:
    return Profile(complaint, exam, workup, treat, result, meds, orders, advice)


def _gyn_pathology(c: Ctx) -> str:
    code = c.main.icd10[:3].upper()
    benign = {
        "D25": "子宫平滑肌瘤，部分玻璃样变性",
        "N80": "子宫腺肌病",
        "N83": f"（{c.side}侧卵巢）单纯性囊肿",
        "D06": "宫颈高级别鳞状上皮内病变（CIN III级），累及腺体，切缘未见病变",
    }
    if code in benign:
        return f"术后病理示：{benign[code]}。"
    kind = {"C53": "宫颈鳞状细胞癌，中分化", "C54": "子宫内膜样腺癌，高分化", "C56": "高级别浆液性癌"}.get(
        code, "腺癌，中分化"
    )
    return f"术后病理示：{kind}，浸润深度约{c.f(0.3, 1.5)}cm，淋巴结{c.i(0, 2)}/{c.i(18, 32)}枚见转移，切缘阴性。"


# Treatments only a malignancy gets; a benign or in-situ lesion never reads like this.
_MALIGNANT_ONLY = ("癌", "根治", "广泛", "化疗", "放疗", "TACE", "清扫", "靶向")


# What an operation, a scope or a complaint reads like for each ICD-10 category: the record names
# the organ of the diagnosis, never a different one. {n} {m} are durations, {x} a size, {side} a side.
GI_CA_COMPLAINTS = {
    "C15": "进行性吞咽困难{n}月",
    "C16": "上腹部隐痛{n}月，加重伴纳差{m}周",
    "C18": "大便带血伴排便习惯改变{n}月",
    "C20": "大便带血伴排便次数增多{n}月",
    "C22": "体检发现肝占位{m}周",
    "C23": "右上腹隐痛{n}月",
    "C25": "上腹痛伴皮肤巩膜黄染{m}周",
}
GI_CA_SCOPES = {
    "C15": "胃镜示：距门齿约{y}cm见溃疡型肿物，活检病理：（食管）鳞状细胞癌",
    "C16": "胃镜示：胃窦见一溃疡型肿物，大小约{x}cm，活检病理：（胃）腺癌",
    "C18": "肠镜示：升结肠见环周生长肿物，活检病理：腺癌",
    "C20": "肠镜示：距肛缘约{y}cm见菜花样肿物，活检病理：（直肠）腺癌",
    "C22": "上腹部增强CT示：肝右叶占位，大小约{x}cm，考虑原发性肝癌",
    "C23": "上腹部增强CT示：胆囊壁不规则增厚，考虑胆囊癌",
    "C25": "上腹部增强CT示：胰头占位，大小约{x}cm，伴胆总管扩张",
}
GI_CA_OPS = {
    "C15": "胸腹腔镜联合食管癌根治术",
    "C16": "腹腔镜下根治性远端胃大部切除术（D2）",
    "C18": "腹腔镜下根治性结肠切除术",
    "C20": "腹腔镜下直肠癌根治术（Dixon术）",
    "C22": "腹腔镜下肝部分切除术",
    "C23": "胆囊癌根治术",
    "C25": "胰十二指肠切除术（Whipple术）",
}
GI_SURG_COMPLAINTS = {
    "K35": "转移性右下腹痛{h}小时",
    "K40": "发现{side}侧腹股沟区可复性包块{n}年",
    "K64": "便血伴肛门肿物脱出{n}年",
    "K80": "反复右上腹痛{n}年，再发{m}天",
    "K81": "右上腹痛伴发热{m}天",
}
GI_SURG_SIGNS = {
    "K35": "右下腹麦氏点压痛（+），反跳痛（+）",
    "K40": "{side}侧腹股沟区可扪及一约{x}cm包块，平卧可回纳",
    "K64": "肛门视诊：截石位3、7、11点见痔核脱出",
    "K80": "右上腹压痛（+），Murphy征阳性",
    "K81": "右上腹压痛（+），Murphy征阳性，无反跳痛",
}
GI_SURG_IMAGING = {
    "K35": "腹部彩超示：阑尾区探及条状低回声，直径约{z}cm",
    "K40": "腹股沟区彩超示：{side}侧腹股沟区可见肠管疝出",
    "K64": "肛门镜检查：齿状线上下见痔核隆起，表面充血",
    "K80": "腹部彩超示：胆囊多发结石，最大约{z}cm，胆囊壁增厚毛糙",
    "K81": "腹部彩超示：胆囊增大，胆囊壁增厚毛糙呈双边征",
}
GI_SURG_OPS = {
    "K35": "腹腔镜下阑尾切除术",
    "K40": "腹腔镜下腹股沟疝无张力修补术（TAPP）",
    "K64": "混合痔外剥内扎术",
    "K80": "腹腔镜下胆囊切除术",
    "K81": "腹腔镜下胆囊切除术",
}
GI_SURG_PATHOLOGY = {
    "K35": "急性化脓性阑尾炎",
    "K40": "（疝囊）纤维结缔组织",
    "K64": "混合痔",
    "K80": "慢性胆囊炎伴胆囊结石",
    "K81": "急性胆囊炎",
}


def _by_code(c: Ctx, table: dict[str, str], default: str) -> str:
    """The entry for the main diagnosis' ICD-10 category, its blanks filled with this case's numbers."""
    text = table.get(c.main.icd10[:3].upper(), default)
    return text.format(
        n=c.i(1, 6),
        m=c.i(1, 4),
        h=c.i(8, 48),
        x=f"{c.f(1.5, 5)}×{c.f(1.2, 4)}",
        y=c.i(8, 35),
        z=c.f(0.6, 2.4),
        side=c.side,
    )


NEURO_SIGNS = ("面具脸，四肢肌张力齿轮样增高", "四肢肌力IV级，腱反射减弱", "神经系统查体未见明显阳性体征")


def _cervix(c: Ctx) -> str:
    if c.main.icd10.startswith("C53"):
        return f"肥大，见菜花样赘生物，直径约{c.f(1.5, 3.5)}cm，触之易出血"
    return c.pick("光滑", "中度糜烂样改变", "轻度糜烂样改变")


def _bleed(c: Ctx) -> bool:
    return c.main.icd10[:3] in ("I60", "I61", "I62", "I69") and "梗" not in c.dname


def _stroke_ct(c: Ctx) -> str:
    if _bleed(c):
        return f"高密度影，出血量约{c.i(8, 30)}ml"
    return "低密度灶"


class _Blanks(dict[str, str]):
    """Placeholders of a template, drawn only when the template uses them (so op_day stays unset)."""

    def __init__(self, c: Ctx) -> None:
        super().__init__()
        self.c = c

    def __missing__(self, key: str) -> str:
        c = self.c
        makers: dict[str, Callable[[], str]] = {
            "n": lambda: c.i(1, 6),
            "m": lambda: c.i(1, 4),
            "h": lambda: c.i(8, 48),
            "a": lambda: c.i(2, 20),
            "x": lambda: f"{c.f(1.5, 5)}×{c.f(1.2, 4)}",
            "y": lambda: c.i(8, 35),
            "z": lambda: c.f(0.6, 2.4),
            "side": lambda: c.side,
            "day": lambda: c.day(),
            "op": c.op_day,
            "f14": lambda: c.follow(14),
            "f30": lambda: c.follow(30),
        }
        return makers[key]()


def _fill(c: Ctx, text: str) -> str:
    return text.format_map(_Blanks(c))


# Kinds whose ICD-10 categories differ too much for one story: each category names its group,
# each group its own complaint, findings, work-up, treatment, result, orders and drugs.
SUBGROUP_OF = {
    "E10": "dm", "E11": "dm", "E13": "dm", "E14": "dm", "I10": "htn", "E78": "htn",
    "M47": "spine", "M48": "spine", "M50": "spine", "M51": "spine", "M17": "knee", "M16": "knee",
    "M05": "rheum", "M06": "rheum", "M32": "rheum", "M10": "gout", "M81": "osteo",
    "N20": "stone", "N40": "bph", "N39": "uti",
}  # fmt: skip
SUBGROUPS: dict[str, dict[str, str]] = {
    "dm": {
        "complaint": "口干、多饮、多尿{n}月，血糖控制不佳{m}周",
        "exam": "BMI 26.{m}kg/m²，甲状腺未触及肿大，双足背动脉搏动减弱，双足10g尼龙丝试验阴性。",
        "workup": "空腹血糖 1{m}.{n}mmol/L，餐后2小时血糖 1{n}.{m}mmol/L，HbA1c {a}.{m}%；尿酮体阴性。",
        "treat": "予胰岛素强化降糖治疗，门冬胰岛素三餐前{n}U+甘精胰岛素睡前1{m}U皮下注射，并行糖尿病健康教育。",
        "result": "空腹血糖控制在6.{n}mmol/L左右，餐后2小时血糖9.{m}mmol/L左右。",
        "order1": "糖尿病饮食，适量运动，每日监测血糖并记录",
        "order2": "出院后2周内分泌科门诊复诊{f14}，调整降糖方案",
        "meds": "二甲双胍片0.5g tid|达格列净片10mg qd|甘精胰岛素注射液 睡前皮下注射",
    },
    "htn": {
        "complaint": "头晕、头痛{a}天，血压升高{n}年",
        "exam": "BP 16{n}/10{m}mmHg，心界不大，心率8{n}次/分，律齐，双下肢无水肿。",
        "workup": "24小时动态血压：平均15{n}/9{m}mmHg；TC 5.{n}mmol/L，LDL-C 3.{m}mmol/L；心脏彩超示左室壁增厚。",
        "treat": "予调整降压方案、调脂、改善循环等治疗，血压波动于12{n}-14{m}/7{m}-8{n}mmHg。",
        "result": "头晕、头痛症状缓解，血压控制平稳。",
        "order1": "低盐低脂饮食，每日监测血压并记录",
        "order2": "出院后2周心内科门诊复诊{f14}",
        "meds": "氨氯地平片5mg qd|缬沙坦胶囊80mg qd|阿托伐他汀钙片20mg qn",
    },
    "spine": {
        "complaint": "腰痛伴{side}下肢放射痛{n}月",
        "exam": "腰椎生理曲度变直，L4/5棘突旁压痛（+），{side}直腿抬高试验4{n}°阳性，{side}足背伸肌力IV级。",
        "workup": "腰椎MRI示：L4/5椎间盘向{side}后方突出，相应神经根受压。",
        "treat": "于{op}在局麻下行“经皮椎间孔镜下髓核摘除术”，术后{side}下肢放射痛明显缓解。",
        "result": "出院时疼痛VAS评分{m}分，可下地行走。",
        "order1": "佩戴腰围下地活动3个月，避免久坐、弯腰及提重物",
        "order2": "术后1月门诊复查{f30}",
        "meds": "塞来昔布胶囊0.2g qd|甲钴胺片0.5mg tid|乙哌立松片50mg tid",
    },
    "knee": {
        "complaint": "双膝关节疼痛{n}年，加重{m}月",
        "exam": "{side}膝关节内翻畸形，内侧关节间隙压痛（+），浮髌试验阴性，活动度0-1{n}0°。",
        "workup": "双膝关节X线示：{side}膝关节间隙变窄，髁间棘变尖，骨赘形成，K-L分级IV级。",
        "treat": "于{op}在腰硬联合麻醉下行“{side}膝人工全膝关节置换术”，术后予抗感染、抗凝、镇痛及功能锻炼。",
        "result": "出院时{side}膝屈曲达9{n}°，可扶助行器行走。",
        "order1": "继续膝关节功能锻炼，扶助行器行走6周",
        "order2": "术后2周门诊拆线{f14}，术后1月复查X线",
        "meds": "塞来昔布胶囊0.2g qd|利伐沙班片10mg qd",
    },
    "rheum": {
        "complaint": "多关节肿痛{n}年，加重伴乏力{m}周",
        "exam": "双手近端指间关节及掌指关节肿胀、压痛，双腕关节活动受限，面部{side}侧颊部可见淡红斑。",
        "workup": "ESR {a}mm/h，CRP 1{n}.{m}mg/L，RF阳性，抗CCP抗体阳性，ANA 1:320，补体C3降低。",
        "treat": "予甲泼尼龙{a}mg qd静滴控制病情，联合羟氯喹、甲氨蝶呤免疫调节，辅以护胃、补钙等治疗。",
        "result": "关节肿痛较前减轻，复查ESR、CRP较前下降。",
        "order1": "激素按医嘱逐渐减量，不可自行停药",
        "order2": "出院后2周风湿免疫科门诊复查血常规、肝肾功能{f14}",
        "meds": "醋酸泼尼松片10mg qd|硫酸羟氯喹片0.2g bid|甲氨蝶呤片10mg 每周1次",
    },
    "gout": {
        "complaint": "{side}第一跖趾关节红肿热痛{m}天",
        "exam": "{side}第一跖趾关节红肿，皮温升高，压痛明显，活动受限，耳廓未见痛风石。",
        "workup": "血尿酸 5{n}{m}μmol/L，CRP 2{n}.{m}mg/L；双能CT示{side}第一跖趾关节尿酸盐结晶沉积。",
        "treat": "予秋水仙碱、依托考昔抗炎止痛，局部冷敷，症状缓解后加用非布司他降尿酸。",
        "result": "关节红肿疼痛明显缓解。",
        "order1": "低嘌呤饮食，多饮水，戒酒",
        "order2": "1月后复查血尿酸、肝肾功能{f30}",
        "meds": "非布司他片20mg qd|秋水仙碱片0.5mg bid",
    },
    "osteo": {
        "complaint": "腰背部疼痛{n}月",
        "exam": "胸腰段脊柱后凸，棘突叩击痛（+），四肢肌力正常。",
        "workup": "骨密度示：腰椎T值-3.{n}，股骨颈T值-2.{m}；胸腰椎MRI未见新鲜压缩骨折。",
        "treat": "予唑来膦酸5mg静滴抗骨质疏松，补充钙剂及活性维生素D，辅以止痛治疗。",
        "result": "腰背部疼痛较前缓解。",
        "order1": "防跌倒，适当户外活动及日照",
        "order2": "1年后复查骨密度",
        "meds": "碳酸钙D3片600mg qd|骨化三醇胶囊0.25μg qd",
    },
    "stone": {
        "complaint": "{side}侧腰部绞痛{m}天",
        "exam": "{side}肾区叩击痛（+），{side}输尿管走行区轻压痛，膀胱区无隆起。",
        "workup": "泌尿系CT示：{side}输尿管上段结石，大小约0.{n}×0.{m}cm，{side}肾积水。",
        "treat": "于{op}在腰麻下行“{side}输尿管镜下钬激光碎石+双J管置入术”，术后予抗感染、补液治疗。",
        "result": "复查KUB示：双J管位置良好，结石已基本排净。",
        "order1": "多饮水，每日饮水2000-3000ml",
        "order2": "术后4周返院拔除双J管{f30}",
        "meds": "坦索罗辛缓释胶囊0.2mg qn|左氧氟沙星片0.5g qd",
    },
    "bph": {
        "complaint": "排尿困难、夜尿增多{n}年",
        "exam": "直肠指检：前列腺II度增大，质韧，中央沟消失，未触及结节。",
        "workup": "前列腺彩超示：前列腺增大，体积约{a}{m}ml；PSA {m}.{n}ng/ml，残余尿1{n}0ml。",
        "treat": "于{op}在腰麻下行“经尿道前列腺等离子电切术（TURP）”，术后膀胱持续冲洗，于{day}拔除尿管。",
        "result": "拔除尿管后排尿通畅，尿线较前增粗。",
        "order1": "多饮水，避免憋尿及久坐，术后1月内避免骑车",
        "order2": "术后1月泌尿外科门诊复查{f30}",
        "meds": "坦索罗辛缓释胶囊0.2mg qn|非那雄胺片5mg qd",
    },
    "uti": {
        "complaint": "尿频、尿急、尿痛伴发热{m}天",
        "exam": "{side}肾区叩击痛（+），耻骨上区轻压痛。",
        "workup": "尿常规：白细胞{a}0个/μl，亚硝酸盐阳性；血常规WBC 1{m}.{n}×10^9/L；尿培养：大肠埃希菌。",
        "treat": "予头孢曲松2.0g ivgtt qd抗感染，并根据药敏结果调整，辅以补液、碱化尿液等治疗。",
        "result": "体温恢复正常，复查尿常规白细胞转阴。",
        "order1": "多饮水，勤排尿，注意个人卫生",
        "order2": "继续口服抗生素{m}天，1周后复查尿常规",
        "meds": "左氧氟沙星片0.5g qd|头孢克肟分散片0.1g bid",
    },
}


def _sub(c: Ctx, part: str) -> str:
    group = SUBGROUP_OF.get(c.main.icd10[:3].upper(), "dm" if c.main.icd10.startswith("E") else "spine")
    if c.main.icd10.startswith("N") and c.main.icd10[:3].upper() not in SUBGROUP_OF:
        group = "uti"
    return _fill(c, SUBGROUPS[group][part])


def _grouped() -> Profile:
    """A profile whose every part comes from the main diagnosis' subgroup."""
    return _p(
        (lambda c: _sub(c, "complaint"),),
        (lambda c: _sub(c, "exam"),),
        (lambda c: _sub(c, "workup"),),
        (lambda c: _sub(c, "treat"),),
        (lambda c: _sub(c, "result"),),
        (),
        (lambda c: _sub(c, "order1"), lambda c: _sub(c, "order2")),
        ("建议休息一周", "建议休息两周，门诊随诊", "建议休息一个月"),
    )


def _trauma(c: Ctx, fracture: str, head: str, wound: str) -> str:
    """The text that fits the injury: a fracture, a head injury, or a wound, burn or sprain."""
    if "骨折" in c.dname:
        return fracture
    if c.main.icd10[:3] in ("S06", "S02") or "颅" in c.dname or "脑" in c.dname:
        return head
    return wound


def _fracture_op(c: Ctx) -> str:
    if "股骨颈" in c.dname:
        return f"{c.side}侧人工股骨头置换术"
    if c.main.icd10[:3] in ("S22", "S32") and "骨盆" not in c.dname:
        return f"{c.dname}经皮椎体成形术" if "椎" in c.dname else f"{c.dname}切开复位内固定术"
    return f"{c.side}侧{c.dname}切开复位内固定术"


def _chemo(c: Ctx, regimen: str) -> str:
    return (
        f"于{c.day()}行第{c.i(1, 6)}周期化疗，方案：{regimen}，过程顺利，化疗后出现"
        f"{c.pick('轻度恶心、呕吐', '乏力、食欲下降', 'I度骨髓抑制')}，予止吐、护胃、升白等对症处理后好转。"
    )


_TUMOR_ADVICE = (
    "建议休息三个月，定期复查",
    "建议全休，门诊随访，按期返院治疗",
    "建议休息六个月，继续综合治疗",
)

PROFILES: dict[str, Profile] = {
    "breast": _p(
        (
            lambda c: f"发现{c.side}乳肿物{c.i(1, 6)}月余",
            lambda c: f"体检发现{c.side}乳结节{c.i(1, 4)}周",
            lambda c: f"{c.side}乳癌术后{c.i(1, 5)}月，拟行化疗",
        ),
        (
            lambda c: (
                f"{c.side}乳{c.pick('外上', '内上', '外下')}象限可触及一大小约{c.f(1.2, 4.5)}×{c.f(1.0, 3.5)}cm"
                f"肿物，质硬，边界欠清，活动度差，与皮肤无粘连，乳头无凹陷，{c.side}腋下未触及明显肿大淋巴结。"
            ),
        ),
        (
            lambda c: (
                f"{c.before(7, 40)}乳腺彩超示：{c.side}乳低回声结节，大小约{c.f(12, 38)}×{c.f(8, 25)}mm，"
                f"BI-RADS {c.pick('4B', '4C', '5')}类；空心针穿刺病理示：浸润性癌。"
            ),
            lambda c: (
                f"乳腺钼靶示：{c.side}乳{c.pick('外上', '内上')}象限见簇状细小钙化，BI-RADS {c.pick('4C', '5')}类。"
            ),
        ),
        (
            lambda c: (
                f"入院后完善相关检查，排除手术禁忌，于{c.op_day()}在全麻下行“{c.side}乳腺癌改良根治术”，"
                "手术顺利，术后予抗感染、补液、止痛等对症支持治疗，皮瓣贴合良好，引流通畅。"
            ),
            lambda c: (
                f"于{c.op_day()}在全麻下行“{c.side}乳腺肿物扩大切除+前哨淋巴结活检术”，术中冰冻提示恶性，"
                "遂行保乳手术，术后恢复顺利。"
            ),
            lambda c: _chemo(c, f"多西他赛{c.i(110, 140)}mg d1+环磷酰胺{c.i(800, 1000)}mg d1"),
        ),
        (
            lambda c: (
                f"术后病理示：（{c.side}乳）导管原位癌，中级别核级，范围约{c.f(0.8, 3)}cm，未见明确浸润，"
                f"切缘阴性，前哨淋巴结0/{c.i(2, 5)}枚。"
                if c.insitu
                else f"术后病理示：（{c.side}乳）浸润性导管癌，II级，肿块大小{c.f(1.2, 4)}×{c.f(1, 3)}"
                f"×{c.f(0.8, 2.5)}cm，"
                f"脉管内癌栓（-），腋窝淋巴结{c.i(0, 3)}/{c.i(12, 22)}枚见癌转移。免疫组化：ER（+，约{c.i(60, 95)}"
                "%），"
                f"PR（+，约{c.i(10, 80)}%），HER-2（{c.pick('1+', '2+', '3+', '0')}），Ki-67（约{c.i(10, 45)}%+）。"
            ),
        ),
        ("他莫昔芬片10mg bid", "来曲唑片2.5mg qd", "阿那曲唑片1mg qd"),
        (
            lambda c: f"注意{c.side}上肢功能锻炼，避免患侧上肢提重物、测血压及静脉穿刺",
            lambda c: f"出院后{c.i(2, 3)}周返院行辅助化疗{c.follow(c.rng.randint(14, 21))}，化疗前复查血常规、肝肾功能",
            lambda c: f"出院后1周门诊复查{c.follow(7)}，切口换药，视情况拆线",
        ),
        _TUMOR_ADVICE,
    ),
    "thyroid": _p(
        (
            lambda c: f"发现颈部肿物{c.i(1, 12)}月",
            lambda c: f"体检发现甲状腺结节{c.i(1, 3)}年",
        ),
        (
            lambda c: (
                f"颈软，气管居中，甲状腺{c.side}叶可触及一大小约{c.f(0.8, 2.5)}×{c.f(0.6, 2)}cm结节，质中偏硬，"
                "边界尚清，随吞咽上下活动，无压痛，颈部未触及明显肿大淋巴结。"
            ),
        ),
        (
            lambda c: (
                f"{c.before(10, 60)}甲状腺彩超示：甲状腺{c.side}叶实性低回声结节，大小约{c.f(6, 22)}×{c.f(5, 16)}m"
                "m，"
                f"纵横比>1，内见点状强回声，TI-RADS {c.pick('4a', '4b', '4c', '5')}类。"
            ),
            lambda c: (
                f"甲状腺功能：FT3 {c.f(3.2, 6.2, 2)}pmol/L，FT4 {c.f(10, 20, 2)}pmol/L，"
                f"TSH {c.f(0.6, 4.2, 3)}mIU/L；细针穿刺细胞学：Bethesda {c.pick('V', 'VI')}类。"
            ),
        ),
        (
            lambda c: (
                f"完善术前检查，于{c.op_day()}在全麻下行“甲状腺{c.side}叶及峡部切除+{c.side}侧中央区淋巴结清扫术”，"
                "术中冰冻病理提示乳头状癌，术后予补钙、止血、雾化吸入等治疗，无声音嘶哑、饮水呛咳及手足麻木。"
            ),
            lambda c: (
                f"于{c.op_day()}在全麻下行“甲状腺全切除+双侧中央区淋巴结清扫术”，手术顺利，"
                f"术后第1天查PTH {c.f(8, 45)}pg/ml，血钙 {c.f(1.98, 2.35, 2)}mmol/L，予口服碳酸钙D3片补钙。"
            ),
            lambda c: f"于{c.op_day()}在全麻下行“甲状腺{c.side}叶切除术”，术中冰冻病理提示良性病变，术后恢复顺利。",
        ),
        (
            lambda c: (
                f"术后病理：（甲状腺{c.side}叶）结节性甲状腺肿，伴腺瘤样增生，未见恶性证据。"
                if not c.malignant
                else f"术后病理：（甲状腺{c.side}叶）乳头状癌，经典型，大小约{c.f(0.4, 1.8)}cm，未累及被膜；"
                f"中央区淋巴结{c.i(0, 3)}/{c.i(4, 11)}枚见癌转移。"
            ),
        ),
        ("左甲状腺素钠片50μg qd", "左甲状腺素钠片75μg qd", "左甲状腺素钠片100μg qd", "碳酸钙D3片600mg bid"),
        (
            lambda c: "左甲状腺素钠片每日晨起空腹服用，不可随意停药",
            lambda c: f"出院后1月复查甲状腺功能、甲状旁腺激素及血钙{c.follow(30)}，根据结果调整药量",
            lambda c: "颈部切口保持清洁干燥，术后1周内避免剧烈转颈",
        ),
        ("建议休息一个月", "建议休息两周，定期复查甲状腺功能", "建议全休一个月，门诊随访"),
    ),
    "gyn": _p(
        (
            lambda c: f"接触性阴道出血{c.i(1, 6)}月",
            lambda c: f"绝经后阴道不规则流血{c.i(1, 8)}月",
            lambda c: f"体检发现盆腔包块{c.i(1, 10)}周",
            lambda c: f"月经量增多伴经期延长{c.i(3, 24)}月",
        ),
        (
            lambda c: (
                f"妇科检查：外阴已婚已产式，阴道通畅，宫颈{_cervix(c)}，"
                f"子宫{c.pick('前位', '后位')}，{c.pick('正常大小', '增大如孕' + c.i(8, 12) + '周')}，双附件区未触"
                "及明显异常。"
            ),
        ),
        (
            lambda c: (
                f"{c.before(10, 50)}TCT示：{c.pick('HSIL', 'ASC-H', 'LSIL')}；HPV {c.pick('16型', '18型', '52型')}"
                "阳性；"
                f"阴道镜下宫颈活检病理：{c.pick('鳞状细胞癌', '高级别鳞状上皮内病变（CIN III级）')}。"
            ),
            lambda c: (
                f"盆腔彩超示：子宫{c.pick('前壁', '后壁')}见一低回声团，大小约{c.f(3, 8)}×{c.f(2.5, 7)}cm；"
                f"CA125 {c.f(8, 180)}U/ml，HE4 {c.f(30, 160)}pmol/L。"
            ),
            lambda c: (
                f"盆腔MRI示：宫颈占位，大小约{c.f(1.8, 4.2)}×{c.f(1.5, 3.6)}cm，考虑宫颈癌（FIGO"
                f" {c.pick('IB1', 'IB2', 'IIA1')}期）。"
            ),
        ),
        (
            lambda c: (
                f"于{c.op_day()}在全麻下行“腹腔镜下广泛全子宫切除+双侧附件切除+盆腔淋巴结清扫术”，"
                f"手术顺利，术中出血约{c.i(50, 300)}ml，术后予抗感染、补液、预防血栓等治疗，留置尿管{c.i(7, 14)}天"
                "。"
            ),
            lambda c: (
                f"于{c.op_day()}在全麻下行“腹腔镜下全子宫+双侧输卵管切除术”，术后恢复顺利，肛门已排气，切口愈合好。"
            ),
            lambda c: _chemo(c, f"紫杉醇{c.i(210, 270)}mg d1+卡铂{c.i(400, 600)}mg d1"),
            lambda c: f"于{c.op_day()}在静脉麻醉下行“宫颈环形电切术（LEEP）”，术后予止血、抗感染治疗，阴道少量流血。",
        ),
        (lambda c: _gyn_pathology(c),),
        ("头孢克肟分散片0.1g bid", "铁剂口服", "云南白药胶囊0.5g tid"),
        (
            lambda c: "术后3个月内禁性生活及盆浴，避免重体力劳动",
            lambda c: f"术后1个月门诊复查{c.follow(30)}，如有阴道流血、发热、腹痛等不适及时就诊",
            lambda c: f"出院后{c.i(2, 3)}周返院行辅助治疗，治疗前复查血常规",
        ),
        ("建议休息一个月", "建议全休两个月", "建议休息六周，门诊随诊"),
    ),
    "lung_ca": _p(
        (
            lambda c: f"咳嗽、痰中带血{c.i(1, 8)}周",
            lambda c: f"体检发现肺部结节{c.i(1, 12)}月",
            lambda c: f"反复咳嗽伴胸闷{c.i(1, 4)}月",
        ),
        (lambda c: f"胸廓对称，{c.side}肺呼吸音稍低，未闻及明显干湿性啰音，锁骨上淋巴结未触及肿大。",),
        (
            lambda c: (
                f"{c.before(7, 45)}胸部CT示：{c.side}肺{c.pick('上叶', '下叶')}见一大小约{c.f(1.2, 4.8)}"
                f"×{c.f(1, 3.9)}cm"
                f"{c.pick('分叶状软组织肿块影', '混杂磨玻璃结节', '实性结节')}，边缘见毛刺，考虑肺癌可能大。"
            ),
            lambda c: f"肿瘤标志物：CEA {c.f(2, 35)}ng/ml，CYFRA21-1 {c.f(1.5, 9.5)}ng/ml，NSE {c.f(8, 25)}ng/ml。",
        ),
        (
            lambda c: (
                f"于{c.op_day()}在全麻下行“胸腔镜下{c.side}肺{c.pick('上叶', '下叶')}切除+纵隔淋巴结清扫术”，"
                f"术后予抗感染、化痰、镇痛及呼吸功能锻炼，胸管引流量逐日减少，于{c.after_op(3)}拔除胸腔引流管。"
            ),
            lambda c: _chemo(c, f"培美曲塞{c.i(700, 900)}mg d1+卡铂{c.i(450, 600)}mg d1"),
        ),
        (
            lambda c: (
                f"术后病理示：浸润性腺癌，{c.pick('腺泡为主型', '贴壁为主型', '实体型')}，大小{c.f(1.2, 4)}"
                f"×{c.f(1, 3)}cm，"
                f"支气管切缘阴性，淋巴结0/{c.i(8, 18)}枚见转移；基因检测：EGFR"
                f" {c.pick('19外显子缺失', '21外显子L858R突变', '野生型')}。"
            ),
        ),
        ("吉非替尼片250mg qd", "奥希替尼片80mg qd", "氨溴索片30mg tid"),
        (
            lambda c: "坚持深呼吸及有效咳嗽锻炼，避免受凉感冒",
            lambda c: f"出院后2周门诊复查胸片{c.follow(14)}",
            lambda c: f"{c.i(3, 4)}周后返院行下一周期治疗{c.follow(c.rng.randint(21, 28))}",
        ),
        _TUMOR_ADVICE,
    ),
    "gi_ca": _p(
        (lambda c: _by_code(c, GI_CA_COMPLAINTS, "上腹部隐痛{n}月，加重伴纳差{m}周"),),
        (
            lambda c: (
                f"腹平软，{c.pick('上腹部', '右下腹', '中下腹')}轻压痛，无反跳痛，未触及明显包块，"
                f"肠鸣音{c.i(3, 5)}次/分。直肠指检：{c.pick('未及明显肿物', '指套无染血')}。"
            ),
        ),
        (
            lambda c: f"{c.before(7, 30)}{_by_code(c, GI_CA_SCOPES, '上腹部增强CT示：占位性病变，考虑恶性肿瘤')}。",
            lambda c: (
                f"肿瘤标志物：AFP {c.f(2, 1200)}ng/ml，CEA {c.f(1.2, 30)}ng/ml，CA19-9 {c.f(5, 210)}U/ml，"
                f"CA72-4 {c.f(1, 25)}U/ml。"
            ),
        ),
        (
            lambda c: (
                f"于{c.op_day()}在全麻下行“{_by_code(c, GI_CA_OPS, '腹腔镜下肿瘤根治术')}”，手术顺利，"
                f"术后予禁食、胃肠减压、抗感染、营养支持等治疗，于{c.after_op(3)}肛门排气，逐步恢复饮食。"
            ),
            lambda c: _chemo(c, f"奥沙利铂{c.i(180, 230)}mg d1+卡培他滨{c.i(1000, 1500)}mg bid d1-14"),
            lambda c: (
                f"于{c.op_day()}行“肝动脉化疗栓塞术（TACE）”，术后出现发热，最高体温{c.f(37.8, 38.9)}℃，"
                "予保肝、止吐、退热等处理后好转。"
                if c.main.icd10.startswith("C22")
                else f"于{c.op_day()}在全麻下行“{_by_code(c, GI_CA_OPS, '腹腔镜下肿瘤根治术')}”，术后恢复顺利。"
            ),
        ),
        (
            lambda c: (
                f"术后病理示：{c.pick('中分化腺癌', '低分化腺癌', '溃疡型中-低分化腺癌')}，"
                f"浸润至{c.pick('固有肌层', '浆膜下层', '浆膜层')}，淋巴结{c.i(0, 4)}/{c.i(12, 30)}枚见癌转移，"
                f"上下切缘未见癌累及，pTNM：{c.pick('T2N0M0', 'T3N1M0', 'T3N0M0')}。"
                if not c.main.icd10.startswith("C22")
                else f"术后病理示：肝细胞癌，{c.pick('中分化', '中-低分化')}，MVI分级：M{c.i(0, 1)}，切缘阴性。"
            ),
        ),
        ("卡培他滨片1.5g bid（d1-14）", "奥美拉唑肠溶胶囊20mg qd", "双环醇片25mg tid"),
        (
            lambda c: "少量多餐，进食易消化半流质饮食，逐步过渡至普食",
            lambda c: f"出院后3周返院行辅助化疗{c.follow(21)}，化疗前复查血常规、肝肾功能及肿瘤标志物",
            lambda c: "注意观察大便颜色及腹痛情况，如有不适及时就诊",
        ),
        _TUMOR_ADVICE,
    ),
    "tumor": _p(
        (
            lambda c: (
                f"{c.pick('无痛性肉眼血尿', '涕中带血伴耳闷', '声音嘶哑', '头痛伴呕吐', '体检发现占位')}{c.i(1, 6)}月"
            ),
        ),
        (lambda c: "专科检查：局部未见明显异常隆起，颈部及锁骨上未触及肿大淋巴结。",),
        (
            lambda c: (
                f"{c.before(7, 40)}增强CT/MRI示：{c.dname}可能，病灶大小约{c.f(1.5, 5)}×{c.f(1.2, 4)}cm，"
                "周围未见明确淋巴结转移。"
            ),
            lambda c: f"肿瘤标志物：CEA {c.f(1, 12)}ng/ml，PSA {c.f(0.5, 40)}ng/ml，SCC {c.f(0.5, 4)}ng/ml。",
        ),
        (
            lambda c: (
                f"完善术前准备后，于{c.op_day()}在全麻下行手术治疗，术程顺利，术后予抗感染、止血、营养支持等治疗。"
            ),
            lambda c: (
                f"予调强放疗（IMRT），DT {c.i(50, 70)}Gy/{c.i(25, 33)}F，同步顺铂{c.i(30, 40)}mg/m²每周方案化疗，"
                "放疗期间出现II度放射性皮炎，予对症处理。"
            ),
        ),
        (lambda c: f"术后病理示：{c.dname}，{c.pick('高分化', '中分化', '低分化')}，切缘阴性。",),
        ("醋酸阿比特龙片1000mg qd", "替莫唑胺胶囊", "止吐对症口服药"),
        (
            lambda c: f"出院后{c.i(2, 4)}周门诊复查{c.follow(c.rng.randint(14, 28))}，按期返院继续治疗",
            lambda c: "注意休息，加强营养，预防感染",
        ),
        _TUMOR_ADVICE,
    ),
    "heme": _p(
        (
            lambda c: f"乏力、面色苍白{c.i(1, 3)}月",
            lambda c: f"发热伴皮肤瘀斑{c.i(3, 14)}天",
            lambda c: f"确诊{c.dname}{c.i(2, 10)}月，拟行下一疗程化疗",
        ),
        (
            lambda c: (
                f"贫血貌，{c.pick('双下肢散在瘀点、瘀斑', '皮肤黏膜未见出血点')}，胸"
                f"骨{c.pick('压痛阳性', '无压痛')}，肝脾肋下未触及。"
            ),
        ),
        (
            lambda c: (
                f"血常规：WBC {c.f(0.8, 46, 2)}×10^9/L，Hb {c.i(58, 102)}g/L，PLT {c.i(9, 96)}×10^9/L；"
                f"外周血涂片见原始细胞约{c.i(5, 80)}%。"
            ),
            lambda c: (
                f"{c.before(20, 200)}骨髓穿刺示：骨髓增生{c.pick('明显活跃', '极度活跃', '减低')}，"
                f"原始细胞占{c.f(2, 85)}%；流式细胞术及融合基因检测支持诊断。"
            ),
        ),
        (
            lambda c: (
                f"于{c.day()}开始行第{c.i(1, 6)}疗程化疗，方案"
                f"：{c.pick('IA方案', 'DA方案', 'R-CHOP方案', 'VRD方案')}，"
                f"化疗后骨髓抑制期最低WBC {c.f(0.3, 1.5, 2)}×10^9/L，PLT {c.i(5, 30)}×10^9/L，予升白、输注血小板"
                f"{c.i(1, 4)}次、抗感染等支持治疗后血象逐渐恢复。"
            ),
        ),
        (lambda c: f"疗效评估：{c.pick('完全缓解（CR）', '部分缓解（PR）', '疾病稳定')}。",),
        ("复方磺胺甲噁唑片0.96g bid（每周一、三、五）", "阿昔洛韦片0.4g bid", "叶酸片5mg tid"),
        (
            lambda c: f"每周复查血常规{c.i(1, 2)}次，如WBC<2.0×10^9/L或PLT<20×10^9/L及时就诊",
            lambda c: "注意个人卫生，避免去人群密集场所，预防感染",
            lambda c: f"{c.i(3, 4)}周后返院行下一疗程治疗{c.follow(c.rng.randint(21, 28))}",
        ),
        ("建议全休，定期返院化疗", "建议休息三个月"),
    ),
    "cardiac": _p(
        (
            lambda c: f"突发胸痛{c.i(2, 12)}小时",
            lambda c: f"反复胸闷、气促{c.i(1, 6)}年，加重{c.i(2, 10)}天",
            lambda c: f"阵发性心悸{c.i(1, 3)}年，再发{c.i(1, 5)}天",
        ),
        (
            lambda c: (
                f"双肺底可闻及少量湿性啰音，心界{c.pick('不大', '向左下扩大')}，心率{c.i(52, 118)}次/分"
                f"，{c.pick('律齐', '心律绝对不齐')}。"
            ),
        ),
        (
            lambda c: (
                "心电图示"
                f"：{c.pick('V1-V4导联ST段抬高', 'II、III、aVF导联ST段抬高', '心房颤动，快心室率', 'ST-T改变')}；"
                f"肌钙蛋白I {c.f(0.05, 28, 2)}ng/ml，NT-proBNP {c.i(120, 6800)}pg/ml。"
            ),
            lambda c: (
                f"心脏彩超示：左室射血分数{c.i(35, 62)}%"
                f"，{c.pick('节段性室壁运动异常', '左房增大', '二尖瓣轻度反流')}。"
            ),
        ),
        (
            lambda c: (
                f"急诊行冠状动脉造影示：{c.pick('前降支近段', '右冠中段', '回旋支')}狭窄约{c.i(80, 99)}%，"
                f"于{c.op_day()}行PCI术，植入支架{c.i(1, 3)}枚，术后予双联抗血小板、调脂稳定斑块、抑制心室重构等治"
                "疗。"
            ),
            lambda c: (
                f"予利尿、扩血管、改善心肌重构及控制心室率等治疗，于{c.day()}复查NT-proBNP降至{c.i(300, 1500)}pg/ml。"
            ),
        ),
        (lambda c: f"复查心电图：{c.pick('ST段回落', '窦性心律', '心房颤动，心室率控制可')}，胸闷胸痛症状缓解。",),
        (
            "阿司匹林肠溶片100mg qd",
            "替格瑞洛片90mg bid",
            "阿托伐他汀钙片20mg qn",
            "美托洛尔缓释片47.5mg qd",
            "利伐沙班片20mg qd",
        ),
        (
            lambda c: "坚持双联抗血小板治疗12个月，勿擅自停药，注意观察有无出血倾向",
            lambda c: f"出院后1月心内科门诊复查血脂、肝功能{c.follow(30)}",
            lambda c: "低盐低脂饮食，戒烟限酒，控制血压、血糖",
        ),
        ("建议休息一个月", "建议全休三个月，避免劳累"),
    ),
    "stroke": _p(
        (
            lambda c: f"突发{c.side}侧肢体无力{c.i(2, 20)}小时",
            lambda c: f"言语不清伴{c.side}侧肢体麻木{c.i(1, 5)}天",
            lambda c: f"突发头痛伴呕吐{c.i(2, 12)}小时",
        ),
        (
            lambda c: (
                f"神经系统：神志{c.pick('清', '嗜睡')}，{c.pick('构音障碍', '言语流利')}，{c.side}侧肢体肌"
                f"力{c.i(0, 4)}级，"
                f"{c.side}侧巴氏征阳性，NIHSS评分{c.i(2, 18)}分。"
            ),
        ),
        (
            lambda c: (
                f"头颅CT示：{c.side}侧{c.pick('基底节区', '额顶叶', '丘脑')}{_stroke_ct(c)}；"
                f"头颅MRI+MRA示：{c.side}侧{c.pick('大脑中动脉', '颈内动脉')}{c.pick('重度狭窄', '闭塞')}。"
            ),
            lambda c: f"颈部血管彩超示：双侧颈动脉粥样硬化斑块形成；同型半胱氨酸 {c.f(8, 28)}μmol/L。",
        ),
        (
            lambda c: (
                f"予脱水降颅压、控制血压、止血、营养神经等治疗，于{c.day()}复查头颅CT示血肿较前吸收，中线结构居中。"
                if _bleed(c)
                else "予抗血小板聚集、调脂稳定斑块、改善脑循环、营养神经等治疗，病情平稳后早期行康复训练。"
            ),
        ),
        (lambda c: f"出院时{c.side}侧肢体肌力恢复至{c.i(3, 5)}级，可{c.pick('搀扶行走', '独立行走', '床边坐起')}。",),
        ("阿司匹林肠溶片100mg qd", "阿托伐他汀钙片20mg qn", "硝苯地平控释片30mg qd", "甲钴胺片0.5mg tid"),
        (
            lambda c: "继续肢体功能康复锻炼，防跌倒、防误吸",
            lambda c: f"监测血压，控制在{c.pick('130/80', '140/90')}mmHg以下",
            lambda c: f"出院后2周神经内科门诊复诊{c.follow(14)}",
        ),
        ("建议休息三个月，继续康复治疗", "建议全休，康复科随诊"),
    ),
    "renal": _p(
        (
            lambda c: f"乏力、纳差{c.i(1, 6)}月，发现肌酐升高{c.i(1, 8)}年",
            lambda c: f"双下肢水肿伴尿量减少{c.i(1, 4)}月",
            lambda c: f"规律血液透析{c.i(1, 5)}年，内瘘功能不良{c.i(2, 10)}天",
        ),
        (
            lambda c: (
                f"慢性病容，贫血貌，双下肢{c.pick('轻度', '中度')}凹陷性水肿，{c.side}前臂内"
                f"瘘{c.pick('震颤减弱', '杂音清晰')}。"
            ),
        ),
        (
            lambda c: (
                f"肾功能：Cr {c.i(560, 1280)}μmol/L，BUN {c.f(18, 42)}mmol/L，eGFR {c.f(3, 12)}ml/min/1.73m²；"
                f"Hb {c.i(62, 98)}g/L，K {c.f(4.6, 6.4, 2)}mmol/L，iPTH {c.i(180, 900)}pg/ml。"
            ),
            lambda c: f"泌尿系彩超示：双肾缩小，皮质变薄，双肾弥漫性病变；24小时尿蛋白定量{c.f(0.8, 4.5, 2)}g。",
        ),
        (
            lambda c: f"于{c.op_day()}在局麻下行“{c.side}前臂自体动静脉内瘘成形术”，术后内瘘震颤良好。",
            lambda c: (
                f"于{c.op_day()}行右颈内静脉临时透析导管置入术，住院期间行血液透析{c.i(3, 8)}次，"
                f"超滤量{c.f(1.5, 3.2)}L/次。"
            ),
            lambda c: "予纠正贫血、降磷、降压、纠正酸中毒及电解质紊乱等治疗。",
        ),
        (lambda c: f"复查Cr {c.i(420, 900)}μmol/L，K {c.f(3.8, 5.2, 2)}mmol/L，水肿较前消退。",),
        (
            "重组人促红素注射液10000IU 皮下注射 每周1次",
            "碳酸镧咀嚼片0.5g tid",
            "骨化三醇胶囊0.25μg qd",
            "硝苯地平控释片30mg qd",
        ),
        (
            lambda c: "规律血液透析，每周3次，保护内瘘侧肢体，勿测血压及抽血",
            lambda c: "低盐低磷优质蛋白饮食，控制每日饮水量",
            lambda c: f"每月复查血常规、肾功能、电解质及iPTH{c.follow(30)}",
        ),
        ("建议休息，规律透析", "建议长期休养，定期透析治疗"),
    ),
    "liver": _p(
        (lambda c: f"腹胀、乏力{c.i(1, 6)}月，加重伴尿黄{c.i(3, 14)}天",),
        (
            lambda c: (
                f"皮肤巩膜{c.pick('轻度', '中度')}黄染，可见肝掌、蜘蛛痣，腹部膨隆，移动性浊"
                f"音{c.pick('阳性', '阴性')}。"
            ),
        ),
        (
            lambda c: (
                f"肝功能：ALT {c.i(45, 680)}U/L，TBil {c.f(40, 380)}μmol/L，ALB {c.f(24, 33)}g/L；"
                f"PT {c.f(15, 26)}s，INR {c.f(1.3, 2.6, 2)}；HBV-DNA {c.pick('3.2×10^5', '1.8×10^4', '<500')}IU/ml"
                "。"
            ),
            lambda c: f"腹部彩超示：肝硬化，脾大（厚约{c.f(4.5, 6.5)}cm），腹腔积液{c.pick('少量', '中等量')}。",
        ),
        (
            lambda c: (
                "予恩替卡韦抗病毒、保肝退黄、补充白蛋白、利尿及预防感染等治疗，"
                f"于{c.day()}复查TBil降至{c.f(25, 120)}μmol/L。"
            ),
            lambda c: f"于{c.day()}行腹腔穿刺置管引流，共引流腹水约{c.i(2000, 6000)}ml，腹水常规未见感染征象。",
        ),
        (lambda c: "腹胀、乏力症状较前减轻，尿色转淡。",),
        ("恩替卡韦片0.5mg qd（空腹）", "螺内酯片40mg bid", "呋塞米片20mg qd", "水飞蓟宾胶囊140mg tid"),
        (
            lambda c: "严格禁酒，进食软食，避免粗糙坚硬食物",
            lambda c: "恩替卡韦需长期服用，不可自行停药",
            lambda c: f"出院后2周复查肝功能、凝血功能{c.follow(14)}",
        ),
        ("建议休息一个月", "建议全休，定期复查"),
    ),
    "psych": _p(
        (
            lambda c: f"言行异常{c.i(1, 10)}年，加重{c.i(1, 3)}月",
            lambda c: f"情绪低落与兴奋交替{c.i(1, 5)}年，再发{c.i(2, 8)}周",
        ),
        (
            lambda c: (
                f"精神检查：意识清，接触{c.pick('被动', '尚可')}"
                f"，{c.pick('可引出关系妄想、被害妄想', '情绪高涨，言语增多', '情绪低落，兴趣减退')}，自知"
                f"力{c.pick('缺乏', '部分')}。"
            ),
        ),
        (lambda c: f"PANSS评分{c.i(60, 110)}分；头颅MRI未见明显异常；甲状腺功能正常。",),
        (
            lambda c: (
                f"予{c.pick('利培酮', '奥氮平', '阿立哌唑')}口服抗精神病治疗，逐渐加量，辅以心理治疗及工娱治疗，住"
                "院期间无冲动伤人行为。"
            ),
        ),
        (lambda c: f"出院前PANSS评分降至{c.i(35, 58)}分，情绪平稳，自知力部分恢复。",),
        ("利培酮片2mg bid", "奥氮平片10mg qn", "丙戊酸钠缓释片500mg bid"),
        (
            lambda c: "坚持服药，家属监护服药，不可擅自减停药物",
            lambda c: f"出院后2周门诊复诊{c.follow(14)}，复查血常规、肝功能及血脂",
        ),
        ("建议休息一个月，门诊随诊",),
    ),
    "neuro": _p(
        (
            lambda c: (
                f"{c.pick('肢体抖动', '行动迟缓', '发作性意识丧失伴四肢抽搐', '双下肢无力')}{c.i(1, 6)}年，加"
                f"重{c.i(1, 3)}月"
            ),
        ),
        (lambda c: f"神经系统：{c.pick(*NEURO_SIGNS)}。",),
        (
            lambda c: (
                f"头颅MRI示：{c.pick('未见明显异常', '双侧额叶少许缺血灶', '脑萎缩')}；脑电图示"
                f"：{c.pick('正常范围', '可见散在尖慢波')}。"
            ),
        ),
        (lambda c: "予调整口服药物剂量、营养神经、康复训练等综合治疗，症状较前改善。",),
        (lambda c: "出院时症状较入院时好转，生活基本自理。",),
        ("多巴丝肼片125mg tid", "左乙拉西坦片0.5g bid", "甲钴胺片0.5mg tid"),
        (lambda c: "规律服药，防跌倒", lambda c: f"出院后1月神经内科门诊复诊{c.follow(30)}"),
        ("建议休息一个月",),
    ),
    "trauma": _p(
        (
            lambda c: (
                f"{c.pick('摔倒', '骑电动车摔伤', '车祸', '高处坠落', '工作时被重物砸伤')}致"
                f"{_trauma(c, '局部疼痛、活动受限', '头痛、头晕伴呕吐', '局部疼痛、出血')}{c.i(2, 20)}小时"
            ),
        ),
        (
            lambda c: _trauma(
                c,
                f"专科检查：{c.side}侧伤处肿胀明显，压痛（+），可触及骨擦感，"
                f"{c.pick('肢端血运、感觉及活动可', '末梢循环好')}，{c.pick('未见明显畸形', '可见畸形')}。",
                f"专科检查：GCS评分{c.i(13, 15)}分，{c.side}侧颞顶部头皮血肿，双侧瞳孔等大等圆，对光反射灵敏。",
                f"专科检查：{c.side}侧伤处见一长约{c.f(2, 9)}cm创面，边缘不齐，少量渗血，周围软组织肿胀。",
            ),
        ),
        (
            lambda c: _trauma(
                c,
                f"急诊X线/CT示：{c.dname}，断端{c.pick('移位', '轻度移位', '对位可')}；胸片未见明显异常。",
                f"急诊头颅CT示：{c.pick('少量硬膜下积液', '局部头皮血肿', '额叶少许挫伤灶')}；颈椎CT未见明显骨折。",
                "急诊X线示：未见明显骨折征象；胸片未见明显异常。",
            ),
        ),
        (
            lambda c: _trauma(
                c,
                f"入院后予制动、消肿、止痛等处理，完善术前检查，于{c.op_day()}在"
                f"{c.pick('腰硬联合麻醉', '全麻', '臂丛神经阻滞麻醉')}下行“{_fracture_op(c)}”，"
                "术后予抗感染、消肿、抗凝预防血栓等治疗。",
                f"予止血、脱水降颅压、营养神经、止痛等对症治疗，于{c.day()}复查头颅CT示病灶较前吸收。",
                f"于{c.op_day()}在{c.pick('局麻', '全麻')}下行清创{c.pick('缝合术', '换药术', '植皮术')}，"
                "术后予抗感染、破伤风抗毒素注射、换药等治疗。",
            ),
        ),
        (
            lambda c: _trauma(
                c,
                "术后复查X线示：骨折对位对线良好，内固定在位；"
                f"切口{c.pick('甲级愈合', '愈合良好，已拆线', '干燥，未拆线')}。",
                f"头痛、头晕症状较前明显缓解，GCS评分{c.i(14, 15)}分。",
                f"创面{c.pick('愈合良好', '肉芽生长良好', '已大部分愈合')}，无红肿渗出。",
            ),
        ),
        ("塞来昔布胶囊0.2g qd", "利伐沙班片10mg qd", "骨肽片0.6g tid"),
        (
            lambda c: _trauma(c, "患肢避免负重，循序渐进行功能锻炼", "避免剧烈活动，注意休息", "保持创面清洁干燥"),
            lambda c: f"术后2周门诊拆线{c.follow(c.rng.randint(10, 14))}，1月后门诊复查",
            lambda c: _trauma(
                c, "内固定取出时间视骨折愈合情况而定，一般为术后1年", "如有头痛加剧、呕吐及时就诊", "定期门诊换药"
            ),
        ),
        ("建议休息三个月", "建议全休两个月，患肢避免负重", "建议休息六周，定期复查"),
    ),
    "resp": _p(
        (
            lambda c: f"咳嗽、咳痰伴发热{c.i(2, 10)}天",
            lambda c: f"反复咳嗽、咳痰{c.i(3, 20)}年，加重伴气促{c.i(2, 10)}天",
            lambda c: f"发作性喘息{c.i(1, 10)}年，再发{c.i(1, 5)}天",
        ),
        (
            lambda c: (
                f"口唇{c.pick('无发绀', '轻度发绀')}，双肺呼吸音粗，{c.side}下肺可闻"
                f"及{c.pick('湿性啰音', '散在哮鸣音')}。"
            ),
        ),
        (
            lambda c: (
                f"胸部CT示：{c.side}下肺{c.pick('斑片状渗出影', '炎性病变', '感染性病灶')}"
                f"，{c.pick('双肺气肿', '少量胸腔积液', '纵隔未见肿大淋巴结')}。"
            ),
            lambda c: (
                f"WBC {c.f(8, 17, 2)}×10^9/L，N {c.f(72, 90)}%，CRP {c.f(12, 160)}mg/L，PCT {c.f(0.05, 2.5, 2)}ng/"
                "ml；"
                f"血气分析：pH {c.f(7.35, 7.46, 2)}，PaO2 {c.i(58, 90)}mmHg，PaCO2 {c.i(35, 56)}mmHg。"
            ),
        ),
        (
            lambda c: (
                f"予{c.pick('头孢曲松2.0g ivgtt qd', '哌拉西林他唑巴坦4.5g ivgtt q8h', '莫西沙星0.4g ivgtt qd')}抗"
                "感染，"
                "辅以化痰、平喘、雾化吸入等治疗，"
                f"于{c.day()}复查血常规：WBC {c.f(4.5, 9.5, 2)}×10^9/L，CRP {c.f(2, 12)}mg/L，体温恢复正常。"
            ),
        ),
        (lambda c: f"于{c.day()}复查胸部CT示病灶较前吸收。",),
        ("阿莫西林克拉维酸钾片0.457g bid", "氨溴索片30mg tid", "布地格福吸入气雾剂2吸 bid", "孟鲁司特钠片10mg qn"),
        (
            lambda c: f"继续口服抗感染药物{c.i(3, 7)}天，注意保暖，预防感冒",
            lambda c: f"出院后1月复查胸部CT{c.follow(30)}",
            lambda c: "戒烟，坚持规律吸入药物治疗",
        ),
        ("建议休息一周", "建议休息两周", "建议休息十天，门诊随访"),
    ),
    "gi_surg": _p(
        (lambda c: _by_code(c, GI_SURG_COMPLAINTS, "腹痛{n}天"),),
        (lambda c: f"腹平软，{_by_code(c, GI_SURG_SIGNS, '腹部轻压痛')}，肠鸣音{c.i(2, 5)}次/分，移动性浊音阴性。",),
        (
            lambda c: f"{_by_code(c, GI_SURG_IMAGING, '腹部彩超未见明显异常')}。",
            lambda c: c.cbc() + "。",
        ),
        (
            lambda c: (
                f"于{c.op_day()}在{c.pick('全麻', '腰硬联合麻醉')}下行“{_by_code(c, GI_SURG_OPS, '手术治疗')}”，"
                "手术顺利，术后予抗感染、补液、止痛等治疗，恢复顺利。"
            ),
        ),
        (lambda c: f"术后病理示：{_by_code(c, GI_SURG_PATHOLOGY, '慢性炎症')}。",),
        ("头孢克洛缓释片0.375g bid", "熊去氧胆酸胶囊250mg bid", "地奥司明片0.9g bid"),
        (
            lambda c: "清淡低脂饮食，术后1月内避免剧烈运动及重体力劳动",
            lambda c: f"术后7-10天门诊拆线{c.follow(c.rng.randint(7, 10))}",
        ),
        ("建议休息两周", "建议休息一个月"),
    ),
    "gi_med": _p(
        (lambda c: f"{c.pick('中上腹痛', '上腹部饱胀不适', '反酸、嗳气', '黑便')}{c.i(2, 30)}天",),
        (lambda c: f"腹平软，{c.pick('中上腹', '剑突下', '左上腹')}轻压痛，无反跳痛，肝脾肋下未及，肠鸣音正常。",),
        (
            lambda c: (
                f"胃镜示：{c.pick('慢性非萎缩性胃炎伴糜烂', '胃角溃疡（A1期）', '十二指肠球部溃疡（H1期）')}；"
                f"C14呼气试验{c.pick('阳性', '阴性')}。"
            ),
            lambda c: (
                f"血淀粉酶 {c.i(80, 1800)}U/L，脂肪酶 {c.i(60, 2400)}U/L；上腹部CT示"
                f"：{c.pick('胰腺周围渗出', '脂肪肝')}。"
            ),
        ),
        (lambda c: "予抑酸护胃、补液、营养支持等治疗，症状逐渐缓解，于" + c.day() + "恢复流质饮食。",),
        (lambda c: f"复查血常规：Hb {c.i(100, 140)}g/L，大便隐血{c.pick('阴性', '弱阳性')}。",),
        ("雷贝拉唑钠肠溶片20mg qd", "铝碳酸镁咀嚼片1.0g tid", "枸橼酸铋钾胶囊0.3g qid"),
        (
            lambda c: "规律饮食，忌辛辣刺激及烟酒",
            lambda c: f"服药8周后复查胃镜{c.follow(56)}",
        ),
        ("建议休息一周", "建议休息两周"),
    ),
    "metabolic": _grouped(),
    "msk": _grouped(),
    "eye": _p(
        (lambda c: f"{c.side}眼视物模糊{c.i(1, 5)}年",),
        (
            lambda c: (
                f"视力：右眼{c.f(0.1, 0.6)}，左眼{c.f(0.1, 0.8)}；{c.side}眼晶状体{c.pick('皮质', '核性')}混浊，眼"
                f"压{c.i(12, 20)}mmHg。"
            ),
        ),
        (
            lambda c: (
                f"眼部B超示：玻璃体轻度混浊；角膜内皮计数{c.i(2100, 2900)}个/mm²；人工晶体度数测量+{c.f(18, 23)}D。"
            ),
        ),
        (
            lambda c: (
                f"于{c.op_day()}在表面麻醉下行“{c.side}眼白内障超声乳化摘除+人工晶体植入术”，术后予抗炎滴眼液点眼。"
            ),
        ),
        (lambda c: f"术后第1天{c.side}眼视力{c.f(0.5, 1.0)}，角膜透明，人工晶体位正。",),
        ("妥布霉素地塞米松滴眼液 qid", "普拉洛芬滴眼液 qid"),
        (lambda c: "术眼避免揉搓及进水，按时点眼", lambda c: f"术后1周眼科门诊复查{c.follow(7)}"),
        ("建议休息一周", "建议休息两周"),
    ),
    "uro": _grouped(),
    "general": _p(
        (lambda c: f"{c.pick('乏力', '不适', '发热')}{c.i(2, 30)}天",),
        (lambda c: "专科检查未见明显异常。",),
        (lambda c: c.labs(2),),
        (lambda c: "入院后完善相关检查，予对症支持治疗，病情好转。",),
        (lambda c: "症状较前缓解。",),
        ("对症口服药物",),
        (lambda c: f"出院后1周门诊复查{c.follow(7)}",),
        ("建议休息一周",),
    ),
}


@dataclass(frozen=True)
class Story:
    """The free-text sections of a discharge document, one string each (orders as a list)."""

    chief: str
    admission: str  # 入院情况
    course: str  # 诊疗经过
    discharge: str  # 出院情况
    orders: list[str]  # 出院医嘱, one item each
    advice: str  # a certificate's one-line 建议


def _one(rng: random.Random, tpls: tuple[Tpl, ...], c: Ctx) -> str:
    return rng.choice(tpls)(c)


INPATIENT_DRUGS = (
    "注射用头孢呋辛钠1.5g ivgtt bid",
    "0.9%氯化钠注射液100ml+注射用泮托拉唑钠40mg ivgtt qd",
    "复方氨基酸注射液250ml ivgtt qd",
    "低分子肝素钙注射液4100IU ih qd",
    "盐酸氨溴索注射液30mg iv bid",
    "注射用还原型谷胱甘肽1.8g ivgtt qd",
    "氯化钾缓释片1.0g po tid",
    "5%葡萄糖注射液250ml+维生素C 2.0g ivgtt qd",
    "地佐辛注射液5mg im prn",
    "盐酸昂丹司琼注射液8mg iv qd",
)
CONSULTS = (
    ("心内科", "建议监测血压，继续口服降压药物"),
    ("内分泌科", "建议加强血糖监测，调整胰岛素用量"),
    ("营养科", "建议高蛋白饮食，必要时肠内营养支持"),
    ("康复医学科", "建议早期床边康复训练"),
    ("呼吸内科", "建议加强雾化排痰，监测血氧饱和度"),
    ("麻醉科", "评估可耐受麻醉"),
)


def _history(c: Ctx, chief: str, rng: random.Random) -> str:
    """现病史 and the personal/family history paragraphs of a longer record."""
    where = rng.choice(("当地医院", "外院", "我院门诊", "社区医院"))
    fever = rng.choice(("无发热、畏寒", "无明显发热", "偶有低热")) if "热" not in chief else "无寒战"
    text = (
        f"患者自述{chief}，{fever}，"
        f"{rng.choice(('无恶心、呕吐', '无胸闷、气促', '无腹痛、腹泻', '无头痛、头晕'))}。"
        f"曾于{c.before(5, 60)}至{where}就诊，{rng.choice(('予对症治疗', '建议住院治疗', '完善相关检查'))}，"
        f"{rng.choice(('效果欠佳', '症状未见明显好转', '未予重视'))}。为求进一步诊治，门诊拟“{c.dname}”收住入院。"
        f"病程中，患者神志清，精神{rng.choice(('可', '一般', '稍差'))}，饮食{rng.choice(('可', '欠佳', '一般'))}，"
        f"睡眠{rng.choice(('可', '差', '一般'))}，大小便{rng.choice(('无殊', '正常', '如常'))}，"
        f"近期体重{rng.choice(('无明显变化', '下降约' + c.i(2, 6) + 'kg'))}。"
    )
    smoke = rng.choice(("无烟酒嗜好", f"吸烟史{c.i(5, 30)}年，约{c.i(5, 20)}支/日，未戒", "偶有饮酒"))
    text += f"个人史：生长于原籍，否认疫区、疫水接触史，{smoke}。"
    married = rng.random() < 0.85 or c.case.age > 40
    kids = rng.choice(("育有1子", "育有1女", "育有1子1女", "未育")) if married else "未育"
    text += f"婚育史：{'已婚' if married else '未婚'}，{kids}，家人体健。"
    if c.case.person.sex == "女":
        if c.case.age >= 52 and rng.random() < 0.7:
            text += f"月经史：初潮{c.i(12, 15)}岁，已绝经{max(1, c.case.age - 50)}年。"
        else:
            text += f"月经史：初潮{c.i(12, 15)}岁，{c.i(4, 7)}/{c.i(26, 32)}天，经量中等，无痛经。"
    text += "家族史：否认家族性遗传病及肿瘤病史。"
    return text


def _inpatient_meds(c: Ctx, rng: random.Random) -> str:
    drugs = rng.sample(INPATIENT_DRUGS, k=rng.randint(2, 4))
    out = []
    stay = max(c.case.stay_days, 1)
    for d in drugs:
        if c.blank:
            out.append(d)
            continue
        a = rng.randint(0, max(0, stay - 2))
        b = rng.randint(a + 1, max(a + 1, stay - 1))
        out.append(f"{d}（{c.day(a)}—{c.day(b)}）")
    return "住院期间主要用药：" + "；".join(out) + "。"


def _monitor(c: Ctx, rng: random.Random, day: int) -> str:
    """One day-by-day line of the course: what makes real records run to a second and third page."""
    k = rng.randrange(4)
    when = c.day(day)
    if k == 0:
        return f"{when}复查" + c.labs(rng.randint(1, 2))
    if k == 1:
        return (
            f"{when}查房：患者{rng.choice(('精神可', '一般情况可', '诉轻度乏力', '诉切口轻度疼痛'))}，"
            f"{c.vitals()}，{rng.choice(('无特殊不适', '切口无渗出', '饮食睡眠可', '二便正常'))}。"
        )
    if k == 2:
        return (
            f"{when}复查{rng.choice(('胸片', '腹部彩超', '心电图', '双下肢血管彩超'))}示"
            f"{rng.choice(('未见明显异常', '较前好转', '无明显变化', '未见血栓形成'))}。"
        )
    dept, advice_text = rng.choice(CONSULTS)
    return f"{when}请{dept}会诊，{advice_text}，已遵嘱执行。"


def story(
    case: Case, rng: random.Random, fmt: Callable[[date], str], *, blank_dates: bool = False, length: int = 1
) -> Story:
    """Prose for one discharge document; length (0, 1, 2) sets how much detail it carries."""
    c = Ctx(case, rng, fmt, blank_dates=blank_dates)
    prof = PROFILES[kind_of(case.diagnoses[0])]
    # A chemotherapy admission reads differently from an operation: keep complaint and course agreeing.
    treat_texts = [t(c) for t in prof.treat]
    if not c.malignant or c.insitu:
        treat_texts = [t for t in treat_texts if not any(w in t for w in _MALIGNANT_ONLY)] or treat_texts
    else:
        treat_texts = [t for t in treat_texts if "良性" not in t] or treat_texts
    chemo = [t for t in treat_texts if "周期化疗" in t or "疗程化疗" in t]
    other = [t for t in treat_texts if t not in chemo] or treat_texts
    complaints = [t(c) for t in prof.complaint]
    chemo_chief = [t for t in complaints if "化疗" in t or "疗程" in t]
    plain_chief = [t for t in complaints if t not in chemo_chief] or complaints
    if chemo and chemo_chief and rng.random() < 0.35:
        chief, treats = rng.choice(chemo_chief), [rng.choice(chemo)]
    else:
        chief = rng.choice(plain_chief)
        treats = rng.sample(other, k=min(len(other), 1 + (length >= 2)))

    when = c.day(0)
    admitted = "于" + when + "入院" if not blank_dates else "入院"
    history = rng.choice(
        (
            f"患者因“{chief}”{admitted}。",
            f"患者{case.person.sex}，{case.age}岁，因“{chief}”{admitted}。",
            f"主诉：{chief}。",
        )
    )
    workups = rng.sample(prof.workup, k=min(len(prof.workup), 1 + length))
    admission = history
    if length:
        admission += _history(c, chief, rng)
    admission += "".join(w(c) for w in workups[:1])
    admission += c.past()
    admission += f"入院查体：{c.vitals()}，{c.general_exam()}"
    admission += _one(rng, prof.exam, c)
    if len(workups) > 1:
        admission += "辅助检查：" + "".join(w(c) for w in workups[1:])
    if length >= 2:
        admission += "入院后查" + c.labs(2 + (length >= 3) * 2)

    course = rng.choice(("入院后完善相关检查，", "入院后积极完善三大常规、生化、心电图等检查，", ""))
    course += c.labs(rng.randint(1, 2) + (length >= 1))
    course += "".join(treats)
    if length:
        course += _inpatient_meds(c, rng)
    course += _one(rng, prof.result, c)
    n = rng.randint(0, 2) + (0, 3, 6, 15, 40)[min(length, 4)] + rng.randint(0, 2 * length)
    stay = max(case.stay_days, 1)
    for k in sorted(rng.randint(1, max(1, stay - 1)) for _ in range(n)):
        course += _monitor(c, rng, k)
    course += rng.choice(("经治疗，患者病情好转，", "患者恢复可，", "")) + rng.choice(
        ("经上级医师查房同意，予今日出院。", "准予出院。", "现病情稳定，予办理出院。")
    )

    discharge = rng.choice(
        (
            "患者一般情况可，无发热，饮食睡眠可，大小便正常。",
            "患者神志清，精神可，无明显不适主诉，生命体征平稳。",
            "患者诉症状较前明显缓解，无发热、无胸闷气促。",
        )
    )
    discharge += f"查体：{c.vitals()}，" + rng.choice(
        ("心肺听诊无殊，腹软。", "切口愈合良好，无红肿渗出。", "双肺呼吸音清，未闻及啰音。")
    )
    if length:
        discharge += "出院前复查" + c.labs(min(4, length + 1))

    pool = prof.meds or tuple(_sub(c, "meds").split("|"))
    meds = rng.sample(pool, k=min(len(pool), rng.randint(1, 3)))
    orders = [rng.choice(("注意休息，避免劳累，清淡饮食", "注意休息，加强营养，适当活动", "避免劳累，合理饮食"))]
    oral = not any(w in m for m in meds for w in ("滴眼液", "注射", "吸入"))
    orders.append(
        rng.choice(("继续口服药物：", "出院带药：") if oral else ("出院带药：", "继续用药：")) + "，".join(meds)
    )
    orders += [t(c) for t in rng.sample(prof.orders, k=min(len(prof.orders), 1 + length))]
    orders.append(rng.choice(("不适随诊", "如有不适，及时就诊", "如有发热、疼痛加重等不适及时来院就诊")))
    return Story(chief, admission, course, discharge, orders, rng.choice(prof.advice))


def advice(case: Case, rng: random.Random) -> str:
    """A certificate's one-line recommendation, fitting the illness."""
    return rng.choice(PROFILES[kind_of(case.diagnoses[0])].advice)


# -- laboratory panels for lab reports ---------------------------------------------------------------

# (item, abbreviation, unit, low, high, decimals)
LAB_PANELS: dict[str, tuple[tuple[str, str, str, float, float, int], ...]] = {
    "血常规": (
        ("白细胞计数", "WBC", "10^9/L", 3.5, 9.5, 2),
        ("中性粒细胞百分比", "NEUT%", "%", 40, 75, 1),
        ("淋巴细胞百分比", "LYMPH%", "%", 20, 50, 1),
        ("单核细胞百分比", "MONO%", "%", 3, 10, 1),
        ("红细胞计数", "RBC", "10^12/L", 3.8, 5.1, 2),
        ("血红蛋白", "HGB", "g/L", 115, 150, 0),
        ("红细胞压积", "HCT", "%", 35, 45, 1),
        ("平均红细胞体积", "MCV", "fL", 82, 100, 1),
        ("血小板计数", "PLT", "10^9/L", 125, 350, 0),
        ("C反应蛋白", "CRP", "mg/L", 0, 10, 2),
    ),
    "肝功能": (
        ("丙氨酸氨基转移酶", "ALT", "U/L", 7, 40, 0),
        ("天门冬氨酸氨基转移酶", "AST", "U/L", 13, 35, 0),
        ("总蛋白", "TP", "g/L", 65, 85, 1),
        ("白蛋白", "ALB", "g/L", 40, 55, 1),
        ("总胆红素", "TBIL", "μmol/L", 0, 21, 1),
        ("直接胆红素", "DBIL", "μmol/L", 0, 8, 1),
        ("碱性磷酸酶", "ALP", "U/L", 35, 100, 0),
        ("γ-谷氨酰转移酶", "GGT", "U/L", 7, 45, 0),
    ),
    "肾功能+电解质": (
        ("尿素", "UREA", "mmol/L", 2.6, 7.5, 2),
        ("肌酐", "CREA", "μmol/L", 41, 81, 0),
        ("尿酸", "UA", "μmol/L", 155, 357, 0),
        ("钾", "K", "mmol/L", 3.5, 5.3, 2),
        ("钠", "NA", "mmol/L", 137, 147, 1),
        ("氯", "CL", "mmol/L", 99, 110, 1),
        ("钙", "CA", "mmol/L", 2.11, 2.52, 2),
        ("葡萄糖", "GLU", "mmol/L", 3.9, 6.1, 2),
    ),
    "肿瘤标志物": (
        ("癌胚抗原", "CEA", "ng/ml", 0, 5, 2),
        ("甲胎蛋白", "AFP", "ng/ml", 0, 7, 2),
        ("糖类抗原125", "CA125", "U/ml", 0, 35, 2),
        ("糖类抗原153", "CA153", "U/ml", 0, 25, 2),
        ("糖类抗原199", "CA199", "U/ml", 0, 37, 2),
        ("细胞角蛋白19片段", "CYFRA21-1", "ng/ml", 0, 3.3, 2),
    ),
    "凝血功能": (
        ("凝血酶原时间", "PT", "s", 9.8, 12.1, 1),
        ("国际标准化比值", "INR", "", 0.8, 1.2, 2),
        ("活化部分凝血活酶时间", "APTT", "s", 22.7, 31.8, 1),
        ("纤维蛋白原", "FIB", "g/L", 2.0, 4.0, 2),
        ("凝血酶时间", "TT", "s", 14, 21, 1),
        ("D-二聚体", "D-D", "mg/L FEU", 0, 0.55, 2),
    ),
}


def lab_rows(panel: str, rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    """(item, result, flag, unit, reference) rows; about a fifth of results fall outside the range."""
    rows = []
    for name, abbr, unit, lo, hi, nd in LAB_PANELS[panel]:
        span = hi - lo
        r = rng.random()
        if r < 0.1 and lo > 0:
            v, flag = rng.uniform(lo - span * 0.4, lo - span * 0.02), "↓"
        elif r < 0.22:
            v, flag = rng.uniform(hi + span * 0.03, hi + span * 0.9), "↑"
        else:
            v, flag = rng.uniform(lo + span * 0.05, hi - span * 0.05), ""
        v = max(v, 0.01)
        ref = f"{lo:.{nd}f}-{hi:.{nd}f}" if lo > 0 else f"<{hi:.{nd}f}"
        rows.append((f"{name}({abbr})" if rng.random() < 0.5 else name, f"{v:.{nd}f}", flag, unit, ref))
    return rows
