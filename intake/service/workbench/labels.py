"""The workbench's Chinese words: statuses, reasons, field kinds, dates. Document and field names
come from the claim rules (rules.yaml `document_names`, `field_names`), as in the claimants' messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from intake.codes import Reason
from intake.vocabulary import DATE_FIELDS, MONEY_FIELDS

CHINA = timezone(timedelta(hours=8), "CST")  # China keeps one zone and no summer time

CLAIM_STATUS = {
    "processing": "识别中",
    "incomplete": "材料不全",
    "ready_for_review": "待审核",
    "reviewed": "已审核",
}

FILE_STATUS = {"queued": "排队中", "processing": "识别中", "done": "已识别", "failed": "识别失败"}

REASONS: dict[Reason, str] = {
    Reason.PARTIAL_DATE: "日期只印了年月",
    Reason.UPPER_MISMATCH: "大写金额与小写不一致",
    Reason.UPPER_UNREADABLE: "大写金额无法识别",
    Reason.PARTS_SUM: "各项支付之和与合计不符",
    Reason.PARTS_EXCEED_TOTAL: "各项支付之和超过合计",
    Reason.ACCOUNT_EXCEEDS_OWN_SHARE: "个人账户支付超过自付与自费之和",
    Reason.DISCHARGE_BEFORE_ADMISSION: "出院日期早于入院日期",
    Reason.STAY_DAYS: "住院天数与入出院日期不符",
    Reason.CHECK_DIGIT: "校验位不对",
    Reason.DIGIT_COUNT: "位数不对",
    Reason.LENGTH: "长度不对",
    Reason.OUT_OF_RANGE: "数值超出常见范围",
    Reason.GREY_COPY: "黑白复印件，无法确认红色公章",
}

ACTORS = {"member": "需申请人补正", "reviewer": "需审核人员核对"}

INT_FIELDS = ("age", "length_of_stay")
CHOICES: dict[str, list[tuple[str, str]]] = {
    "sex": [("男", "男"), ("女", "女")],
    "visit_type": [("inpatient", "住院"), ("outpatient", "门诊")],
}


def field_kind(name: str) -> str:
    """How a field is edited and checked as it is typed (review.js); intake.review.values decides."""
    if name in MONEY_FIELDS:
        return "money"
    if name in DATE_FIELDS:
        return "date"
    if name in INT_FIELDS:
        return "int"
    if name in CHOICES:
        return "choice"
    if name in ("id_number", "diagnoses", "seal"):
        return {"id_number": "id", "diagnoses": "diagnoses", "seal": "seal"}[name]
    return "text"


def actor_of(problem: dict[str, Any]) -> str:
    """Who must act on a problem: its `actor` where the checks say, else by severity (an error
    blocks the claim until the member acts; a warning is the reviewer's to look at)."""
    actor = problem.get("actor")
    if actor in ACTORS:
        return str(actor)
    return "member" if problem.get("severity") == "error" else "reviewer"


def when(at: datetime | None) -> str:
    """2026年11月23日 09:31 (China time)."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    local = at.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def age(at: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in the largest unit that fits: 刚刚, 5分钟, 3小时, 2天."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    seconds = max(((now or datetime.now(UTC)) - at).total_seconds(), 0)
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{int(seconds // 60)}分钟"
    if seconds < 86400:
        return f"{int(seconds // 3600)}小时"
    return f"{int(seconds // 86400)}天"


def percent(confidence: float | None) -> str:
    return "" if confidence is None else f"{round(float(confidence) * 100)}%"


def value_text(value: Any, name: str = "") -> str:
    """A field value as a reviewer reads it (review.js shows values the same way)."""
    if value is None:
        return ""
    if isinstance(value, dict):  # the seal
        present = "有公章" if value.get("present") else "无公章"
        return f"{present}：{value['text']}" if value.get("text") else present
    if isinstance(value, list):  # diagnoses
        parts = []
        for d in value:
            if isinstance(d, dict):
                parts.append(f"{d.get('text', '')}（{d['icd10']}）" if d.get("icd10") else str(d.get("text", "")))
            else:
                parts.append(str(d))
        return "；".join(parts)
    if name in CHOICES:
        return dict(CHOICES[name]).get(str(value), str(value))
    return str(value)
