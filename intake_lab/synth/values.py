"""Realistic values for the documents: people, places, hospitals, employers, numbers.

Every draw goes through a random.Random passed in by the caller, so a corpus is a pure function
of its seed. Lists are plain data at the top of the file: extend them, never special-case them.
"""

import random
import string
from dataclasses import dataclass
from datetime import date, timedelta

from intake.normalize import idcard

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁"
    "任沈姚卢傅钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万钱戴严"
)
COMPOUND_SURNAMES = ("欧阳", "诸葛", "司马", "上官", "东方", "慕容")
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林建国志文海峰立新成东亮正永"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英华玲萍红燕琳雪梅婷颖倩慧君洁琴云莉兰凤晶佳欣怡悦蕾璐薇妍彤岚月"


@dataclass(frozen=True)
class Region:
    province: str  # as it appears in invoice titles: 浙江省, 上海市
    city: str
    district: str
    code: str  # the six-digit administrative division code that opens an ID number
    hospitals: tuple[str, ...]


REGIONS: tuple[Region, ...] = (
    Region("浙江省", "宁波市", "海曙区", "330203", ("宁波市第一医院", "宁波市医疗中心李惠利医院", "宁波市中医院")),
    Region("浙江省", "宁波市", "鄞州区", "330212", ("宁波大学附属第一医院", "宁波市鄞州区第二医院", "宁波市第二医院")),
    Region(
        "浙江省", "杭州市", "西湖区", "330106", ("浙江大学医学院附属第一医院", "浙江省人民医院", "杭州市第一人民医院")
    ),
    Region("浙江省", "温州市", "鹿城区", "330302", ("温州医科大学附属第一医院", "温州市人民医院")),
    Region("江苏省", "南京市", "玄武区", "320102", ("江苏省人民医院", "南京鼓楼医院", "南京市第一医院")),
    Region("江苏省", "苏州市", "姑苏区", "320508", ("苏州大学附属第一医院", "苏州市立医院")),
    Region("广东省", "广州市", "天河区", "440106", ("中山大学附属第一医院", "广东省人民医院", "广州市第一人民医院")),
    Region("广东省", "深圳市", "福田区", "440304", ("深圳市人民医院", "北京大学深圳医院")),
    Region("上海市", "上海市", "徐汇区", "310104", ("复旦大学附属中山医院", "上海交通大学医学院附属瑞金医院")),
    Region("山东省", "济南市", "历下区", "370102", ("山东大学齐鲁医院", "山东省立医院")),
    Region("湖北省", "武汉市", "武昌区", "420106", ("武汉大学人民医院", "华中科技大学同济医学院附属协和医院")),
    Region("四川省", "成都市", "锦江区", "510104", ("四川大学华西医院", "成都市第三人民医院")),
)

DEPARTMENTS = (
    "心血管内科",
    "呼吸与危重症医学科",
    "消化内科",
    "神经内科",
    "肿瘤内科",
    "普外科",
    "胸外科",
    "乳腺外科",
    "甲状腺外科",
    "妇科",
    "骨科",
    "泌尿外科",
    "肾内科",
    "内分泌科",
    "神经外科",
    "眼科",
    "耳鼻咽喉科",
    "肝胆外科",
    "血液内科",
    "创伤外科",
)
WARDS = ("一病区", "二病区", "三病区", "五病区", "东区", "西区", "A区", "B区")

EMPLOYER_PLACES = ("宁波", "杭州", "浙江", "江苏", "苏州", "广州", "深圳", "上海", "山东", "武汉", "成都")
EMPLOYER_WORDS = (
    "华信",
    "东海",
    "永盛",
    "恒通",
    "明达",
    "宏远",
    "金桥",
    "中联",
    "天成",
    "海博",
    "瑞丰",
    "新华",
    "方圆",
    "鼎力",
    "博远",
    "立信",
    "凯达",
    "泰和",
    "长城",
    "星海",
)
EMPLOYER_TRADES = (
    "科技",
    "机械制造",
    "电子",
    "纺织",
    "物流",
    "建设工程",
    "食品",
    "化工",
    "港务",
    "医药",
    "服装",
    "塑料制品",
    "模具",
    "汽车零部件",
    "印刷",
    "电气",
)
EMPLOYER_FORMS = ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司")
PUBLIC_EMPLOYERS = (
    "宁波市海曙区人民政府西门街道办事处",
    "宁波市第七中学",
    "杭州市西湖区市场监督管理局",
    "宁波市总工会",
)

INSURANCE_TYPES = ("职工基本医疗保险", "城镇职工基本医疗保险", "城乡居民基本医疗保险")
CLERKS = "收费员"  # a role word, not a name; names come from person_name


def person_name(rng: random.Random, sex: str) -> str:
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(SURNAMES)
    pool = GIVEN_MALE if sex == "男" else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return surname + given


@dataclass(frozen=True)
class Person:
    name: str
    sex: str
    birth: date
    id_number: str
    region: Region

    def age_on(self, day: date) -> int:
        return day.year - self.birth.year - ((day.month, day.day) < (self.birth.month, self.birth.day))


def person(rng: random.Random, *, sex: str | None = None, region: Region | None = None) -> Person:
    sex = sex or rng.choice("男女")
    region = region or rng.choice(REGIONS)
    birth = date(1962, 1, 1) + timedelta(days=rng.randrange(0, 365 * 42))
    seq = rng.randrange(0, 99)
    sex_digit = rng.choice("13579" if sex == "男" else "02468")
    first17 = f"{region.code}{birth:%Y%m%d}{seq:02d}{sex_digit}"
    return Person(person_name(rng, sex), sex, birth, first17 + idcard.check_digit(first17), region)


def employer_name(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(PUBLIC_EMPLOYERS)
    return (
        rng.choice(EMPLOYER_PLACES)
        + rng.choice(EMPLOYER_WORDS)
        + rng.choice(EMPLOYER_TRADES)
        + rng.choice(EMPLOYER_FORMS)
    )


def digits(rng: random.Random, n: int, *, leading_zero: bool = True) -> str:
    s = "".join(rng.choice(string.digits) for _ in range(n))
    return s if leading_zero or s[0] != "0" else str(rng.randint(1, 9)) + s[1:]


def check_code(rng: random.Random) -> str:
    """校验码 of an electronic invoice: six characters that look hexadecimal."""
    return "".join(rng.choice("0123456789abcdef") for _ in range(6))


def day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(0, (end - start).days + 1))
