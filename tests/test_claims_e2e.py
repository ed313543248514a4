"""Whole claims from page images to verdict: complete ones and one defect of every kind.

Each claim is generated (intake_lab/synth/claims.py), rendered to image files, read by the same
ClaimReader the CLI and the service use, and judged by check_claim. One reader serves the module:
loading the models costs more than a page. Single-page layouts keep the OCR to about 2–3 pages a
claim.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intake.check.checks import check_claim
from intake.check.claim_rules import load_rules
from intake.check.invoice_registry import LocalInvoiceRegistry
from intake.claim_reader import ClaimReader
from intake.cli import app
from intake.codes import Actor
from intake.elements.document import Document
from intake.elements.findings import Completeness
from intake_lab.synth.claims import DEFECT_CLAIM_TYPES, DEFECTS, SINGLE_PAGE, SynthClaim, make_claim

from .conftest import SAMPLE

pytestmark = pytest.mark.slow

RULES = load_rules()
SEED = "e2e"


@pytest.fixture(scope="module")
def processor() -> ClaimReader:
    return ClaimReader()


def judge(processor: ClaimReader | None, claim: SynthClaim, tmp_path: Path) -> Completeness:
    """The claim's verdict as read from its files, or on its true fields when processor is None."""
    registry = LocalInvoiceRegistry(tmp_path / f"invoices-{processor is None}.json")
    if claim.prior_keys:
        registry.hold(claim.prior_keys, "an-earlier-claim")
    rules = claim.rules_for(RULES)
    if processor is None:
        documents = [Document.from_json(d.to_json()) for d in claim.documents]
        return check_claim(claim.claim_type, documents, rules, registry, claim_id="this-claim")
    reader = ClaimReader(rules=rules, ocr=processor.ocr, classifier=processor.classifier, extractor=processor.extractor)
    if claim.prior_files:
        reader.read_claim(claim.prior_files, claim.claim_type, registry, "an-earlier-claim")
    return reader.read_claim(claim.files, claim.claim_type, registry, "this-claim").completeness


COMPLETE = [("none", t) for t in DEFECT_CLAIM_TYPES["none"]]
DEFECTIVE = [(d, types[0]) for d, types in DEFECT_CLAIM_TYPES.items() if d != "none"]
# Defects only a reading shows: the truth carries no page fingerprint.
READ_ONLY = {"invoice_rephotographed"}


@pytest.mark.parametrize(("defect", "claim_type"), COMPLETE + DEFECTIVE)
def test_verdict_from_page_images(processor: ClaimReader, tmp_path: Path, defect: str, claim_type: str) -> None:
    claim = make_claim(defect, claim_type, SEED, rules=RULES, layouts=SINGLE_PAGE)
    # First the generator: on a perfect reading the claim carries exactly its defect.
    for reader in (None, processor):
        if reader is None and defect in READ_ONLY:
            continue
        result = judge(reader, claim, tmp_path)
        report = ("read: " if reader else "truth: ") + json.dumps(result.to_json(), ensure_ascii=False)
        expect = claim.expect
        if expect is None:
            assert result.complete, report
            assert reader or not result.problems, report
            continue
        assert result.complete == (expect.actor == Actor.REVIEWER), report
        found = [(p.code, p.actor) for p in result.problems] + [("missing", Actor.MEMBER)] * len(result.missing)
        assert (expect.code, expect.actor) in found, report


def test_every_defect_kind_has_a_case() -> None:
    assert {d for d, _ in COMPLETE + DEFECTIVE} == set(DEFECTS)


# -- the generated claims the e2e tests and the benchmark use ------------------------------------


def test_generated_claims_are_deterministic() -> None:
    a = make_claim("seal_not_employer", "special_disease", 7, rules=RULES, layouts=SINGLE_PAGE)
    b = make_claim("seal_not_employer", "special_disease", 7, rules=RULES, layouts=SINGLE_PAGE)
    assert [(n, hashlib.sha256(d).hexdigest()) for n, d in a.files] == [
        (n, hashlib.sha256(d).hexdigest()) for n, d in b.files
    ]
    with pytest.raises(ValueError, match="not shown on"):
        make_claim("sex_excluded", "inpatient", 1)


# -- the command line ----------------------------------------------------------------------------

BUNDLE = SAMPLE / "0071-bundle-pdf_bundle.pdf"  # invoice + discharge record + unsealed certificate, grey scan


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_process_json_follows_the_contract(tmp_path: Path) -> None:
    registry = str(tmp_path / "invoices.json")
    code, out, _ = invoke("process", str(BUNDLE), "--claim-type", "special_disease", "--json", "--registry", registry)
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"claim_type", "documents", "completeness"} and data["claim_type"] == "special_disease"
    assert [d["doc_type"] for d in data["documents"]] == ["invoice", "discharge", "unit_certificate"]
    assert [d["id"] for d in data["documents"]] == ["1", "2", "3"]
    for d in data["documents"]:
        assert d["filename"].endswith(BUNDLE.name) and set(d) >= {"doc_type_confidence", "fields", "pages"}
    completeness = data["completeness"]
    # A grey scan cannot show a red seal, so the certificate's missing seal cannot be verified:
    # the reviewer looks at it, rather than the member being told that the letter is unsealed.
    seal = [p for p in completeness["problems"] if p["code"] == "seal_unverifiable"]
    assert seal and seal[0]["document_id"] == "3" and (seal[0]["severity"], seal[0]["actor"]) == ("warning", "reviewer")
    assert not [p for p in completeness["problems"] if p["code"] == "seal_missing"]
    assert completeness["complete"] is True  # nothing for the member to do: the claim goes to review
    summary = data["summary"]
    assert summary["amounts"]["total_amount"]["documents"] == ["1"]
    assert summary["stay"]["admission_date"]["value"] == "2025-12-02"
    assert any(d["listed"] for d in summary["diagnoses"])


def test_process_records_complete_claims_and_finds_reuse(tmp_path: Path) -> None:
    registry = str(tmp_path / "invoices.json")
    args = ("process", str(BUNDLE), "--claim-type", "inpatient", "--json", "--registry", registry)
    code, out, _ = invoke(*args)
    assert code == 0 and json.loads(out)["completeness"]["complete"], out
    assert Path(registry).exists()
    # The same files again are the same claim, not a duplicate of itself.
    code, out, _ = invoke(*args)
    assert json.loads(out)["completeness"]["complete"], out
    # The same invoice in another claim is.
    other = SAMPLE / "0000-diagnosis_certificate-clean.png"
    code, out, _ = invoke(*args[:2], str(other), *args[2:])
    problems = json.loads(out)["completeness"]["problems"]
    assert any(p["code"] == "invoice_claimed_before" for p in problems), out


def test_process_readable_output_and_bad_input(tmp_path: Path) -> None:
    registry = str(tmp_path / "invoices.json")
    code, out, _ = invoke("process", str(BUNDLE), "--claim-type", "special_disease", "--registry", registry)
    assert code == 0
    assert "[3]" in out and "verdict: complete" in out and "seal_unverifiable" in out
    assert "the reviewer will check" in out and "figures" in out

    junk = tmp_path / "notes.txt"
    junk.write_text("not a page", encoding="utf-8")
    code, out, err = invoke("process", str(junk), "--registry", registry)
    assert code == 2 and err.startswith(f"intake: {junk}: ") and "Traceback" not in err

    code, _, err = invoke("process", str(tmp_path / "absent.png"), "--registry", registry)
    assert code == 2 and "cannot read the file" in err

    code, _, err = invoke("process", str(BUNDLE), "--claim-type", "dental", "--registry", registry)
    assert code == 2 and "unknown claim type" in err
