"""The readable form of `intake process`: a table per document, then the verdict and what to do.

Built from the same JSON object that --json prints, so the two outputs cannot say different things.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from intake.check.claim_rules import Rules

_VALUE_WIDTH = 44


def width(s: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def pad(s: str, cols: int) -> str:
    return s + " " * max(0, cols - width(s))


def clip(s: str, cols: int) -> str:
    if width(s) <= cols:
        return s
    out = ""
    for ch in s:
        if width(out + ch) > cols - 1:
            break
        out += ch
    return out + "…"


def show_value(value: Any) -> str:
    if isinstance(value, dict) and "present" in value:
        return ("有" + (f"：{value['text']}" if value.get("text") else "")) if value["present"] else "无"
    if isinstance(value, list):
        parts = []
        for d in value:
            if isinstance(d, dict):
                parts.append(str(d.get("text", "")) + (f"({d['icd10']})" if d.get("icd10") else ""))
            else:
                parts.append(str(d))
        return "；".join(parts)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def render_text(result: dict[str, Any], rules: Rules, claim_id: str = "") -> str:
    lines: list[str] = []
    claim_type = result["claim_type"]
    rule = rules.claim(claim_type)
    head = f"claim {claim_id}  " if claim_id else ""
    lines.append(f"{head}type {claim_type} ({rule.name}), {len(result['documents'])} documents")
    completeness = result["completeness"]
    flagged: dict[tuple[str | None, str | None], str] = {}
    for p in completeness["problems"]:
        mark = "✗" if p["severity"] == "error" else "?"
        key = (p["document_id"], p["field"])
        if flagged.get(key) != "✗":
            flagged[key] = mark
    for doc in result["documents"]:
        doc_id = doc.get("id")
        pages = ", ".join(map(str, doc.get("pages", [])))
        lines.append("")
        lines.append(
            f"[{doc_id}] {doc['filename']}  pages {pages}  {doc['doc_type']} {rules.doc_name(doc['doc_type'])}"
            f"  ({doc['doc_type_confidence']:.2f})"
        )
        if not doc["fields"]:
            lines.append("    (no fields read)")
            continue
        names = {n: f"{n} {rules.field_name(n, doc['doc_type'])}" for n in doc["fields"]}
        label_cols = max(width(label) for label in names.values()) + 2
        for name, f in doc["fields"].items():
            label = pad(names[name], label_cols)
            value = pad(clip(show_value(f["value"]), _VALUE_WIDTH), _VALUE_WIDTH + 2)
            mark = flagged.get((doc_id, name), " ")
            reasons = f"  ({', '.join(f['reasons'])})" if f.get("reasons") else ""
            lines.append(f"  {mark} {label}{value}{f['confidence']:.2f}{reasons}")
    lines.append("")
    verdict = "complete 材料齐全" if completeness["complete"] else "incomplete 材料不完整"
    member = [
        p for p in completeness["problems"] if p.get("actor", "member" if p["severity"] == "error" else "") == "member"
    ]
    reviewer = [p for p in completeness["problems"] if p not in member]
    lines.append(
        f"verdict: {verdict}  ({len(completeness['missing'])} missing, {len(member)} for the member, "
        f"{len(reviewer)} for the reviewer)"
    )
    todo = [f"{m['message']}  (missing {m['doc_type']})" for m in completeness["missing"]]
    todo += [f"{p['message']}  ({p['code']}{_where(p)})" for p in member]
    if todo:
        lines.append("")
        lines.append("the member must 申请人需要:")
        lines += [f"  {n}. {line}" for n, line in enumerate(todo, 1)]
    if reviewer:
        lines.append("")
        lines.append("the reviewer will check 审核人员将核对:")
        lines += [f"  - {p['message']}  ({p['code']}{_where(p)})" for p in reviewer]
    summary = result.get("summary")
    if summary:
        lines.append("")
        lines += _figures(summary, rules)
    return "\n".join(lines)


def _where(p: dict[str, Any]) -> str:
    parts = [f"[{p['document_id']}]" if p.get("document_id") else "", p.get("field") or ""]
    return "".join(f" {x}" for x in parts if x)


def _figures(summary: dict[str, Any], rules: Rules) -> list[str]:
    """The figures adjudication starts from, with the documents each came from."""
    out = ["figures 理赔数据:"]

    def traced(t: dict[str, Any]) -> str:
        return f"{show_value(t['value'])}  [{', '.join(t['documents'])}]"

    for name, t in summary["amounts"].items():
        label = "个人负担（自付+自费）" if name == "self_paid" else rules.field_name(name)
        out.append(f"  {pad(label, 22)}{traced(t)}")
    for name, t in summary["stay"].items():
        out.append(f"  {pad(rules.field_name(name), 22)}{traced(t)}")
    for h in summary["hospitals"]:
        out.append(f"  {pad(rules.field_name('hospital_name'), 22)}{traced(h)}")
    for d in summary["diagnoses"]:
        listed = {True: "在病种范围内", False: "不在病种范围内", None: ""}[d["listed"]]
        code = f"({d['icd10']})" if d.get("icd10") else ""
        out.append(
            f"  {pad(rules.field_name('diagnoses'), 22)}{d['text']}{code}  {listed}  [{', '.join(d['documents'])}]"
        )
    return out
