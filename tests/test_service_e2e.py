"""End to end through HTTP, as a portal and a reviewer use it, with the real pipeline on sample pages:
once on the embedded defaults (SQLite, local blobs), once on PostgreSQL and an S3 server."""

from __future__ import annotations

import io
import time
import uuid
from typing import Any

import pytest
from PIL import Image

from .conftest import SAMPLE

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

BUNDLE = "0007-bundle-pdf_bundle.pdf"  # one member's invoice, discharge record (2 pages), unit certificate
INVOICE = "0004-invoice_electronic-clean.png"  # another member's invoice: the check must notice


@pytest.fixture(params=["embedded", "postgres_s3"])
def backend(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "embedded":
        return {}
    s3 = request.getfixturevalue("s3_server")
    return {
        "database_url": request.getfixturevalue("postgres_url"),
        "s3_endpoint": s3["endpoint"],
        "s3_access_key": s3["access_key"],
        "s3_secret_key": s3["secret_key"],
        "s3_bucket": f"intake-e2e-{uuid.uuid4().hex[:8]}",
        "s3_secure": False,
    }


def test_portal_and_reviewer(service: Any, real_reader: Any, backend: dict[str, Any]) -> None:
    api = service(reader=real_reader, **backend)
    portal, reviewer = api.keys["portal"], api.keys["reviewer"]
    if backend:
        from intake.store.blobs import MinioBlobStore

        assert isinstance(api.ctx.blobs, MinioBlobStore) and api.ctx.engine.dialect.name == "postgresql"

    # The portal opens a claim and uploads the member's files.
    r = api.post(
        "/v1/claims",
        json={"claim_type": "inpatient", "external_ref": "GH-2025-0007"},
        headers={**portal, "Idempotency-Key": "open-0007"},
    )
    assert r.status_code == 201, r.text
    claim_id = r.json()["id"]
    uploaded = {}
    for name in (BUNDLE, INVOICE):
        r = api.post(
            f"/v1/claims/{claim_id}/documents", files={"file": (name, (SAMPLE / name).read_bytes())}, headers=portal
        )
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "queued"
        uploaded[name] = r.json()["id"]

    deadline = time.monotonic() + 300
    while (claim := api.get(f"/v1/claims/{claim_id}", headers=portal).json())["status"] == "processing":
        assert time.monotonic() < deadline, "still processing after 5 minutes"
        time.sleep(0.25)

    # What the portal reads back: the bundle split into its documents, fields with confidence and box.
    docs = claim["documents"]
    assert all(d["status"] == "done" for d in docs), docs
    bundle = [d for d in docs if d["filename"] == BUNDLE]
    assert bundle[0]["id"] == uploaded[BUNDLE]
    assert [d["doc_type"] for d in bundle] == ["invoice", "discharge", "unit_certificate"]
    assert [d["pages"] for d in bundle] == [[1], [2, 3], [4]]
    invoice = bundle[0]
    assert 0.5 < invoice["doc_type_confidence"] <= 1
    total = invoice["fields"]["total_amount"]
    assert total["value"] == truth_total()
    assert 0 < total["confidence"] <= 1 and total["page"] == 1 and len(total["box"]) == 4
    comp = claim["completeness"]
    assert set(comp) == {"complete", "missing", "problems"}
    assert comp["missing"] == []  # an invoice and a discharge record are there
    # Two members' invoices in one claim: the names disagree.
    assert any(p["code"].startswith("name") for p in comp["problems"]), comp["problems"]

    # The document with its OCR lines; the page image its boxes refer to.
    doc = api.get(f"/v1/documents/{invoice['id']}", headers=portal).json()
    page = doc["ocr"]["pages"][0]
    assert len(page["lines"]) > 10 and any("票据" in line["text"] for line in page["lines"])
    img = api.get(page["image_url"], headers=portal)
    assert img.status_code == 200
    assert Image.open(io.BytesIO(img.content)).size == (page["width"], page["height"])
    x0, y0, x1, y1 = total["box"]
    assert 0 <= x0 < x1 <= page["width"] and 0 <= y0 < y1 <= page["height"]

    # Another portal is told the claim does not exist.
    assert api.get(f"/v1/claims/{claim_id}", headers=api.keys["other_portal"]).status_code == 404
    assert api.get(f"/v1/documents/{invoice['id']}", headers=api.keys["other_portal"]).status_code == 404

    # The reviewer corrects the amount; the check runs again, and the history says who and when.
    r = api.patch(f"/v1/documents/{invoice['id']}", json={"fields": {"total_amount": "1.00"}}, headers=reviewer)
    assert r.status_code == 200, r.text
    assert r.json()["fields"]["total_amount"]["value"] == "1.00"
    hist = api.get(f"/v1/documents/{invoice['id']}/history", headers=reviewer).json()
    assert [(h["field"], h["old"], h["new"], h["by"]) for h in hist] == [
        ("total_amount", total["value"], "1.00", "reviewer-1")
    ]
    after = api.get(f"/v1/claims/{claim_id}", headers=portal).json()
    assert after["updated_at"] > claim["updated_at"]
    if "total_amount_upper" in invoice["fields"]:
        # 大写 no longer matches 小写 on that invoice.
        assert any(
            p["code"] == "amount_upper_mismatch" and p["document_id"] == invoice["id"]
            for p in after["completeness"]["problems"]
        ), after["completeness"]

    # The other member's invoice was misfiled: the reviewer calls it `other`, and it leaves the check.
    stray = uploaded[INVOICE]
    r = api.patch(f"/v1/documents/{stray}", json={"doc_type": "other"}, headers=reviewer)
    assert r.status_code == 200 and r.json()["doc_type"] == "other"
    export = api.get("/v1/review/corrections.jsonl", headers=api.keys["admin"]).text.splitlines()
    assert len(export) == 1 and '"doc_type": "other"' in export[0]

    r = api.post(f"/v1/claims/{claim_id}/review", headers=reviewer)
    assert r.status_code == 200 and r.json()["status"] == "reviewed"
    assert api.get(f"/v1/claims/{claim_id}", headers=portal).json()["status"] == "reviewed"


def truth_total() -> str:
    import json

    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))
    bundle = next(f for f in truth["files"] if f["file"] == BUNDLE)
    return str(bundle["documents"][0]["fields"]["total_amount"]["value"])
