"""The claim rules file: the shipped one is valid, and a broken one fails naming its key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from intake.check.claim_rules import PROBLEM_CODES, RulesError, default_path, load_rules, parse_rules
from intake.vocabulary import ClaimType, DocType


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(default_path().read_text(encoding="utf-8"))


def broken(raw: dict[str, Any], edit: Any) -> str:
    data = copy.deepcopy(raw)
    edit(data)
    with pytest.raises(RulesError) as info:
        parse_rules(data, "test.yaml")
    return str(info.value)


def test_shipped_rules_cover_every_contract_claim_type() -> None:
    rules = load_rules()
    assert {c.value for c in ClaimType} <= set(rules.claim_types)
    assert rules.default_claim_type == "inpatient"
    assert set(rules.messages) == set(PROBLEM_CODES)
    inpatient = rules.claim("inpatient")
    assert [g.any_of for g in inpatient.required_documents] == [
        (DocType.INVOICE,),
        (DocType.DISCHARGE, DocType.DIAGNOSIS),
    ]
    special = rules.claim("special_disease")
    assert any(s.doc_type == DocType.UNIT_CERTIFICATE and s.match_field == "employer_name" for s in special.seals)
    female = rules.claim("female_special")
    assert female.allowed_sex == ("女",)
    assert female.diseases is not None and "female_special" in female.diseases.groups
    assert 0 < inpatient.review_threshold <= 1


def test_group_without_message_gets_one_from_document_names(raw: dict[str, Any]) -> None:
    rules = parse_rules(raw)
    assert rules.claim("inpatient").required_documents[0].message == "缺少医疗收费票据，请上传"


def test_messages_fill_placeholders_and_leave_unknown_values_empty() -> None:
    rules = load_rules()
    msg = rules.message("name_mismatch", doc="医疗收费票据", value="张三", other="李四")
    assert "张三" in msg and "李四" in msg and "{" not in msg
    assert "{" not in rules.message("seal_mismatch")
    assert rules.field_name("issue_date", "unit_certificate") == "证明日期"
    assert rules.field_name("issue_date", "invoice") == "开票日期"


def test_env_var_points_at_an_operator_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["review_threshold"] = 0.5
    data["claim_types"]["inpatient"].pop("review_threshold", None)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("INTAKE_CLAIM_RULES", str(path))
    assert load_rules().claim("inpatient").review_threshold == 0.5
    assert load_rules().source == str(path)


@pytest.mark.parametrize(
    ("edit", "where", "what"),
    [
        (
            lambda d: d["claim_types"]["inpatient"]["required_documents"].append(["dischage"]),
            "claim_types.inpatient.required_documents[2].any_of[0]",
            "unknown document type 'dischage'",
        ),
        (
            lambda d: d["claim_types"]["inpatient"]["required_fields"].update(invoice=["total"]),
            "claim_types.inpatient.required_fields.invoice[0]",
            "invoice has no field 'total'",
        ),
        (lambda d: d["claim_types"]["accident"].update(speed=1), "claim_types.accident.speed", "unknown key"),
        (lambda d: d.update(review_threshold=1.5), "review_threshold", "expected a number from 0.0 to 1.0"),
        (
            lambda d: d["claim_types"]["female_special"].update(allowed_sex=["F"]),
            "claim_types.female_special.allowed_sex[0]",
            "expected 男 or 女",
        ),
        (
            lambda d: d["claim_types"]["critical_illness"]["diseases"].update(groups=["cancer"]),
            "claim_types.critical_illness.diseases.groups[0]",
            "no group 'cancer' in diagnoses.csv",
        ),
        (
            lambda d: d["claim_types"]["critical_illness"]["diseases"].update(icd10_prefixes=["50"]),
            "claim_types.critical_illness.diseases.icd10_prefixes[0]",
            "not the start of an ICD-10 code",
        ),
        (lambda d: d["claim_types"].pop("accident"), "claim_types.accident", "required key is missing"),
        (lambda d: d["messages"].pop("seal_missing"), "messages.seal_missing", "required key is missing"),
        (lambda d: d["messages"].update(seal_missing="{unit}未盖章"), "messages.seal_missing", "unknown placeholder"),
        (lambda d: d["checks"].update(stay_days_slack="one"), "checks.stay_days_slack", "expected a whole number"),
        (
            lambda d: d["claim_types"]["special_disease"]["seals"][0].update(match_field="boss"),
            "claim_types.special_disease.seals[0].match_field",
            "unit_certificate has no field 'boss'",
        ),
        (lambda d: d.update(default_claim_type="dental"), "default_claim_type", "'dental' is not one of"),
        (lambda d: d.update(version=2), "version", "reads version 1"),
    ],
)
def test_broken_rules_name_the_key(raw: dict[str, Any], edit: Any, where: str, what: str) -> None:
    message = broken(raw, edit)
    assert message.startswith(f"rules file test.yaml: {where}: "), message
    assert what in message, message


def test_unreadable_and_invalid_yaml_files(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read it"):
        load_rules(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("claim_types: [unclosed\n", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(bad)
    with pytest.raises(RulesError, match=r"\(top level\): expected a mapping"):
        parse_rules(["a list"], "x")
    with pytest.raises(RulesError, match=r"rules file x: claim_types: required key is missing"):
        parse_rules({"version": 1, "review_threshold": 0.8, "messages": {}}, "x")


def test_an_operator_may_add_a_claim_type(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["claim_types"]["outpatient_chronic"] = {
        "name": "门诊慢病",
        "required_documents": [["invoice"], {"any_of": ["diagnosis"], "message": "缺少诊断证明书"}],
    }
    rule = parse_rules(data).claim("outpatient_chronic")
    assert rule.required_documents[1].message == "缺少诊断证明书"
    assert rule.diseases is None and rule.allowed_sex is None
    with pytest.raises(KeyError, match="unknown claim type 'dental'"):
        parse_rules(data).claim("dental")
