"""One path for a claim: `intake process` and the service say the same thing about the same files,
and a document read again after a reviewer changes its type has the fields a fresh reading of its
pages as that type gives."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from intake.cli import app as cli
from intake.elements.document import Field
from intake.vocabulary import DocType

from .conftest import SAMPLE

pytestmark = pytest.mark.slow

FILES = [SAMPLE / "0071-bundle-pdf_bundle.pdf", SAMPLE / "0004-invoice_electronic-clean.png"]


def _wait(client: Any, claim_id: str, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        claim = client.get(f"/v1/claims/{claim_id}", headers=client.keys["portal"]).json()
        if claim["status"] != "processing":
            return claim  # type: ignore[no-any-return]
        time.sleep(0.5)
    raise AssertionError("the claim was still processing")


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    # The API's schema spells out defaults the CLI leaves out (reasons: [], corrected: false).
    return {name: Field.from_json(f).to_json() for name, f in raw.items()}


def _comparable(documents: list[dict[str, Any]], completeness: dict[str, Any]) -> dict[str, Any]:
    """Documents in order and problems naming documents by their place, not their ids."""
    place = {d["id"]: n for n, d in enumerate(documents, 1)}
    return {
        "documents": [
            {
                "filename": Path(d["filename"]).name,
                "doc_type": d["doc_type"],
                "doc_type_confidence": d["doc_type_confidence"],
                "pages": d["pages"],
                "fields": _fields(d["fields"]),
            }
            for d in documents
        ],
        "completeness": {
            **completeness,
            "problems": [{**p, "document_id": place.get(p["document_id"])} for p in completeness["problems"]],
        },
    }


def test_the_cli_and_the_service_say_the_same(service: Any, real_reader: Any, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["process", *map(str, FILES), "--claim-type", "special_disease", "--json", "--registry", str(tmp_path / "r")],
    )
    assert result.exit_code == 0, result.output
    by_cli = json.loads(result.stdout)

    client = service(reader=real_reader)
    claim = client.post("/v1/claims", json={"claim_type": "special_disease"}, headers=client.keys["portal"]).json()
    for path in FILES:
        r = client.post(
            f"/v1/claims/{claim['id']}/documents",
            files={"file": (path.name, path.read_bytes())},
            headers=client.keys["portal"],
        )
        assert r.status_code == 202
        _wait(client, claim["id"])  # one file after the other, as the CLI reads them
    by_service = _wait(client, claim["id"])

    assert _comparable(by_service["documents"], by_service["completeness"]) == _comparable(
        by_cli["documents"], by_cli["completeness"]
    )


def test_a_type_correction_reads_the_pages_as_a_fresh_reading_would(service: Any, real_reader: Any) -> None:
    client = service(reader=real_reader)
    claim = client.post("/v1/claims", json={"claim_type": "inpatient"}, headers=client.keys["portal"]).json()
    bundle = FILES[0]
    client.post(
        f"/v1/claims/{claim['id']}/documents",
        files={"file": (bundle.name, bundle.read_bytes())},
        headers=client.keys["portal"],
    )
    done = _wait(client, claim["id"])
    discharge = next(d for d in done["documents"] if d["doc_type"] == "discharge")

    r = client.patch(
        f"/v1/documents/{discharge['id']}", json={"doc_type": "diagnosis"}, headers=client.keys["reviewer"]
    )
    assert r.status_code == 200, r.text

    fresh = real_reader.read_file(bundle.read_bytes(), bundle.name).ocr
    pages = [p for p in fresh.pages if p.page in discharge["pages"]]
    expected = {n: f.to_json() for n, f in real_reader.fields_of(DocType.DIAGNOSIS, pages).items()}
    assert _fields(r.json()["fields"]) == expected
