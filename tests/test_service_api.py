"""The HTTP service's API: shapes, auth, bad requests, corrections, webhooks, durability.

These use a fake processor (tests/conftest.py) so that they test the service, not OCR; the
end-to-end tests in test_service_e2e.py run the real pipeline.
"""

from __future__ import annotations

import http.server
import io
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select, update

from intake.store.tables import FileRow

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def png(w: int = 120, h: int = 80) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), "white").save(buf, "PNG")
    return buf.getvalue()


def jpeg(w: int = 400, h: int = 300) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((w, h), 60).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def pdf(pages: int) -> bytes:
    buf = io.BytesIO()
    imgs = [Image.new("RGB", (200, 280), "white") for _ in range(pages)]
    imgs[0].save(buf, "PDF", save_all=True, append_images=imgs[1:])
    return buf.getvalue()


def create(client: Any, key: str = "portal", **body: Any) -> dict[str, Any]:
    r = client.post("/v1/claims", json={"claim_type": "inpatient", **body}, headers=client.keys[key])
    assert r.status_code == 201, r.text
    return r.json()


def upload(client: Any, claim_id: str, name: str, data: bytes, key: str = "portal") -> Any:
    return client.post(f"/v1/claims/{claim_id}/documents", files={"file": (name, data)}, headers=client.keys[key])


def wait(client: Any, claim_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/v1/claims/{claim_id}", headers=client.keys["reviewer"]).json()
        if body["status"] != "processing":
            return body
        assert time.monotonic() < deadline, "claim still processing"
        time.sleep(0.1)


@pytest.fixture
def client(service: Any, fake_reader: Any) -> Any:
    return service(reader=fake_reader)


# -- auth ----------------------------------------------------------------------------------------


def test_every_call_needs_a_valid_key(client: Any) -> None:
    for headers in ({}, {"Authorization": "Bearer ik_not-a-key"}, {"Authorization": "Basic dXNlcjpwdw=="}):
        r = client.post("/v1/claims", json={"claim_type": "inpatient"}, headers=headers)
        assert r.status_code == 401
        assert "key" in r.json()["detail"]
        assert r.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/claims").status_code == 401
    health = client.get("/healthz").json()  # the one open route
    assert health["status"] == "ok" and health["pipeline"] in ("loading", "ready")


def test_roles(client: Any) -> None:
    claim = create(client)
    r = client.post("/v1/claims", json={"claim_type": "inpatient"}, headers=client.keys["reviewer"])
    assert r.status_code == 403 and "portal" in r.json()["detail"]
    assert upload(client, claim["id"], "invoice.png", png(), key="reviewer").status_code == 403
    doc = upload(client, claim["id"], "invoice.png", png()).json()
    wait(client, claim["id"])
    for key in ("portal", "admin"):
        r = client.patch(f"/v1/documents/{doc['id']}", json={"doc_type": "other"}, headers=client.keys[key])
        assert r.status_code == 403
        assert client.get(f"/v1/documents/{doc['id']}/history", headers=client.keys[key]).status_code == 403
    assert client.get("/v1/review/claims", headers=client.keys["portal"]).status_code == 403
    assert client.get("/v1/review/claims", headers=client.keys["admin"]).status_code == 200
    assert client.get(f"/v1/claims/{claim['id']}", headers=client.keys["admin"]).status_code == 200


def test_a_portal_sees_only_its_own_claims(client: Any) -> None:
    mine = create(client, external_ref="A-1")
    doc = upload(client, mine["id"], "invoice.png", png()).json()
    wait(client, mine["id"])
    theirs = create(client, key="other_portal")
    other = client.keys["other_portal"]
    for path in (
        f"/v1/claims/{mine['id']}",
        f"/v1/documents/{doc['id']}",
        f"/v1/documents/{doc['id']}/pages/1/image",
        f"/v1/documents/{doc['id']}/file",
    ):
        r = client.get(path, headers=other)
        assert r.status_code == 404, path
        assert r.json()["detail"].startswith("no such")
    assert upload(client, mine["id"], "invoice.png", png(), key="other_portal").status_code == 404
    listed = client.get("/v1/claims", headers=other).json()["items"]
    assert [c["id"] for c in listed] == [theirs["id"]]
    everything = client.get("/v1/claims", headers=client.keys["reviewer"]).json()["items"]
    assert {c["id"] for c in everything} == {mine["id"], theirs["id"]}


def test_revoked_key_is_refused(client: Any, tmp_path: Path) -> None:
    from intake.store.database import transaction
    from intake.store.tables import ApiKey, utcnow

    with transaction(client.ctx.sessions) as s:
        s.execute(update(ApiKey).where(ApiKey.name == "portal-b").values(revoked_at=utcnow()))
    assert client.get("/v1/claims", headers=client.keys["other_portal"]).status_code == 401


# -- claims ----------------------------------------------------------------------------------------


def test_create_claim_with_idempotency_key(client: Any) -> None:
    body = {"claim_type": "critical_illness", "external_ref": "P-2025-001"}
    h = {**client.keys["portal"], "Idempotency-Key": "req-1"}
    first = client.post("/v1/claims", json=body, headers=h)
    assert first.status_code == 201
    assert first.json()["status"] == "incomplete" and first.json()["claim_type"] == "critical_illness"
    again = client.post("/v1/claims", json=body, headers=h)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    clash = client.post("/v1/claims", json={**body, "external_ref": "P-2025-002"}, headers=h)
    assert clash.status_code == 409 and "Idempotency-Key" in clash.json()["detail"]
    # The key is the portal's own: another portal using the same string gets its own claim.
    other = client.post("/v1/claims", json=body, headers={**client.keys["other_portal"], "Idempotency-Key": "req-1"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    fresh = client.get(f"/v1/claims/{first.json()['id']}", headers=client.keys["portal"]).json()
    assert fresh["documents"] == []
    assert fresh["completeness"]["complete"] is False and fresh["completeness"]["missing"]


@pytest.mark.parametrize(
    ("body", "content_type", "want"),
    [
        ({"claim_type": "dental"}, None, "claim_type"),
        ({}, None, "claim_type: Field required"),
        ({"claim_type": "inpatient", "colour": "red"}, None, "colour"),
        ({"claim_type": "inpatient", "webhook_url": "ftp://x"}, None, "webhook_url"),
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "valid dictionary"),
    ],
)
def test_bad_claim_bodies_get_422_with_a_reason(client: Any, body: Any, content_type: str | None, want: str) -> None:
    h = dict(client.keys["portal"])
    if content_type:
        h["content-type"] = content_type
        r = client.post("/v1/claims", content=body, headers=h)
    else:
        r = client.post("/v1/claims", json=body, headers=h)
    assert r.status_code == 422
    assert want in r.json()["detail"]


def test_unknown_ids_are_404(client: Any) -> None:
    h = client.keys["reviewer"]
    assert client.get("/v1/claims/nope", headers=h).status_code == 404
    assert client.get("/v1/documents/nope", headers=h).status_code == 404
    assert client.patch("/v1/documents/nope", json={"doc_type": "other"}, headers=h).status_code == 404
    assert client.get("/v1/documents/nope/history", headers=h).status_code == 404
    assert client.post("/v1/claims/nope/review", headers=h).status_code == 404
    assert upload(client, "nope", "a.png", png()).status_code == 404


# -- uploads -------------------------------------------------------------------------------------


def test_bad_uploads_get_4xx_with_a_reason(service: Any, fake_reader: Any) -> None:
    client = service(reader=fake_reader, max_upload_bytes=50_000)
    claim = create(client)
    cases: list[tuple[bytes, int, str]] = [
        (b"", 422, "empty"),
        (b"hello, this is text" * 10, 415, "upload JPEG"),
        (b"%PDF-1.7\n broken", 422, "PDF cannot be opened"),
        (png()[:60] + b"\0" * 40 + png()[100:], 422, "cannot be read"),
        (jpeg(800, 600), 413, "limit"),
    ]
    for data, status, words in cases:
        r = upload(client, claim["id"], "x.jpg", data)
        assert r.status_code == status, (status, r.text)
        assert words in r.json()["detail"]
    # Over the limit by its declared length: refused before the body is read.
    big = b"x" * 200_000
    r = client.post(
        f"/v1/claims/{claim['id']}/documents",
        content=big,
        headers={**client.keys["portal"], "content-type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    r = client.post(f"/v1/claims/{claim['id']}/documents", headers=client.keys["portal"], data={"other": "1"})
    assert r.status_code == 422 and "file" in r.json()["detail"]
    r = client.post("/v1/claims", content=b"{" + b" " * (2 << 20) + b"}", headers=client.keys["portal"])
    assert r.status_code == 413
    assert client.get(f"/v1/claims/{claim['id']}", headers=client.keys["portal"]).json()["documents"] == []


def test_upload_process_and_read_results(client: Any) -> None:
    claim = create(client, external_ref="R-9")
    accepted = []
    for name, data in [("invoice.png", png()), ("scan-discharge.jpg", jpeg()), ("bundle.pdf", pdf(3))]:
        r = upload(client, claim["id"], name, data)
        assert r.status_code == 202, r.text
        body = r.json()
        assert body["status"] == "queued" and body["filename"] == name
        assert r.headers["location"] == f"/v1/documents/{body['id']}"
        accepted.append(body)
    done = wait(client, claim["id"])
    assert done["status"] in ("incomplete", "ready_for_review")
    docs = done["documents"]
    assert len(docs) == 4  # the bundle holds an invoice and a two-page discharge record
    assert [d["id"] for d in docs[:3]] == [a["id"] for a in accepted]
    bundle = [d for d in docs if d["filename"] == "bundle.pdf"]
    assert [(d["doc_type"], d["pages"]) for d in bundle] == [("invoice", [1]), ("discharge", [2, 3])]
    assert len({d["file_id"] for d in bundle}) == 1
    assert all(d["status"] == "done" for d in docs)
    amount = docs[0]["fields"]["total_amount"]
    assert amount["value"] == "12345.67" and amount["box"] == [10, 80, 120, 100] and 0 <= amount["confidence"] <= 1
    assert set(done["completeness"]) == {"complete", "missing", "problems"}

    d = client.get(f"/v1/documents/{bundle[1]['id']}", headers=client.keys["portal"]).json()
    assert [p["page"] for p in d["ocr"]["pages"]] == [2, 3]
    assert d["ocr"]["pages"][0]["lines"][0]["text"] == "医疗住院收费票据"
    assert d["media_type"] == "application/pdf"
    img = client.get(d["ocr"]["pages"][0]["image_url"], headers=client.keys["portal"])
    assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(img.content)).size == (d["ocr"]["pages"][0]["width"], d["ocr"]["pages"][0]["height"])
    assert (
        client.get(f"/v1/documents/{bundle[1]['id']}/pages/1/image", headers=client.keys["portal"]).status_code == 404
    )
    original = client.get(f"/v1/documents/{docs[0]['id']}/file", headers=client.keys["portal"])
    assert original.content == png() and original.headers["content-type"] == "image/png"


def test_a_file_that_breaks_in_the_worker_fails_with_a_reason(client: Any) -> None:
    claim = create(client)
    truncated = jpeg()[:3000]  # the header is fine, the pixels stop half way
    doc = upload(client, claim["id"], "invoice.jpg", truncated).json()
    done = wait(client, claim["id"])
    got = next(d for d in done["documents"] if d["id"] == doc["id"])
    assert got["status"] == "failed" and got["reason_code"] == "truncated"
    assert "damaged or truncated" in got["reason"] and "invoice.jpg" not in got["reason"]
    assert got["doc_type"] is None
    r = client.patch(f"/v1/documents/{doc['id']}", json={"doc_type": "invoice"}, headers=client.keys["reviewer"])
    assert r.status_code == 409


# -- reviewers -------------------------------------------------------------------------------------


def test_corrections_history_recheck_and_export(client: Any, tmp_path: Path) -> None:
    from intake_lab.train.doc_types import load_corrections

    claim = create(client)
    inv = upload(client, claim["id"], "invoice.png", png()).json()
    other = upload(client, claim["id"], "photo.png", png()).json()
    before = wait(client, claim["id"])
    assert any(m["doc_type"] == "discharge" for m in before["completeness"]["missing"])
    rv = client.keys["reviewer"]

    r = client.patch(f"/v1/documents/{inv['id']}", json={"fields": {"total_amount": "1,234.5"}}, headers=rv)
    assert r.status_code == 200, r.text
    fixed = r.json()["fields"]["total_amount"]
    assert fixed["value"] == "1234.50" and fixed["corrected"] is True and fixed["confidence"] == 1.0
    assert fixed["box"] == [10, 80, 120, 100]  # still points at where it is printed

    # A page the classifier called `other` is the discharge record: the check runs again.
    r = client.patch(f"/v1/documents/{other['id']}", json={"doc_type": "discharge"}, headers=rv)
    assert r.status_code == 200 and r.json()["doc_type"] == "discharge"
    after = client.get(f"/v1/claims/{claim['id']}", headers=client.keys["portal"]).json()
    assert not any(m["doc_type"] == "discharge" for m in after["completeness"]["missing"])

    bad = [
        ({"fields": {"total_amount": "lots"}}, "fields.total_amount: must be an amount"),
        ({"fields": {"sex": "男"}}, "not a field of a invoice document"),
        ({"fields": {"issue_date": "2025-13-01"}}, "a date"),
        ({}, "nothing to correct"),
        ({"doc_type": "receipt"}, "doc_type"),
        ({"fields": {}}, "fields"),
        ({"fields": {"favourite_colour": "red"}}, "unknown field favourite_colour"),
        ({"fields": {"invoice_number": ""}}, "non-empty"),
    ]
    for body, words in bad:
        r = client.patch(f"/v1/documents/{inv['id']}", json=body, headers=rv)
        assert r.status_code == 422, body
        assert words in r.json()["detail"], r.json()

    r = client.patch(f"/v1/documents/{inv['id']}", json={"fields": {"invoice_code": None}}, headers=rv)
    assert "invoice_code" not in r.json()["fields"]

    hist = client.get(f"/v1/documents/{inv['id']}/history", headers=rv).json()
    assert [(h["field"], h["old"], h["new"], h["by"]) for h in hist] == [
        ("total_amount", "12345.67", "1234.50", "reviewer-1"),
        ("invoice_code", "33060125", None, "reviewer-1"),
    ]
    assert hist[0]["at"] <= hist[1]["at"]
    assert client.get(f"/v1/documents/{other['id']}/history", headers=rv).json()[0]["field"] == "doc_type"

    export = client.get("/v1/review/corrections.jsonl", headers=client.keys["admin"])
    assert export.status_code == 200 and export.headers["content-type"].startswith("application/x-ndjson")
    path = tmp_path / "corrections.jsonl"
    path.write_text(export.text, encoding="utf-8")
    rows = load_corrections(path)  # what `intake classify train --corrections` reads
    assert [label for _, label in rows] == ["discharge"]


def test_review_queue_and_mark_reviewed(client: Any) -> None:
    claim = create(client)
    upload(client, claim["id"], "invoice.png", png())
    wait(client, claim["id"])
    rv = client.keys["reviewer"]
    queue = client.get("/v1/review/claims", params={"status": "incomplete"}, headers=rv).json()
    assert claim["id"] in [c["id"] for c in queue["items"]]
    r = client.post(f"/v1/claims/{claim['id']}/review", headers=rv)
    assert r.status_code == 200
    assert r.json()["status"] == "reviewed" and r.json()["reviewed_by"] == "reviewer-1"
    assert client.post(f"/v1/claims/{claim['id']}/review", headers=client.keys["portal"]).status_code == 403
    late = upload(client, claim["id"], "invoice.png", png())
    assert late.status_code == 409
    queue = client.get("/v1/review/claims", headers=rv).json()
    assert claim["id"] not in [c["id"] for c in queue["items"]]


def test_the_same_invoice_on_two_claims_is_flagged_on_the_later_one(client: Any) -> None:
    first = create(client)
    upload(client, first["id"], "invoice.png", png())
    wait(client, first["id"])
    second = create(client, key="other_portal")
    upload(client, second["id"], "invoice.png", png(), key="other_portal")
    later = wait(client, second["id"])
    codes = [p["code"] for p in later["completeness"]["problems"]]
    assert "invoice_claimed_before" in codes
    # Checking the first claim again (after a correction) does not turn the tables.
    doc = client.get(f"/v1/claims/{first['id']}", headers=client.keys["portal"]).json()["documents"][0]
    client.patch(
        f"/v1/documents/{doc['id']}", json={"fields": {"total_amount": "1.00"}}, headers=client.keys["reviewer"]
    )
    again = client.get(f"/v1/claims/{first['id']}", headers=client.keys["portal"]).json()
    assert "invoice_claimed_before" not in [p["code"] for p in again["completeness"]["problems"]]


# -- webhooks ----------------------------------------------------------------------------------------


def test_webhook_is_signed_and_retried(service: Any, fake_reader: Any) -> None:
    from intake.service.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

    got: list[tuple[dict[str, str], bytes]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((dict(self.headers), body))
            self.send_response(503 if len(got) == 1 else 204)  # the first delivery meets an outage
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = service(
            reader=fake_reader, webhook_secret="s3cret", webhook_backoff=0.05, webhook_allow_hosts="127.0.0.1"
        )
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        claim = create(client, webhook_url=url, external_ref="W-1")
        upload(client, claim["id"], "invoice.png", png())
        wait(client, claim["id"])
        deadline = time.monotonic() + 10
        while len(got) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.shutdown()
    assert len(got) == 2
    (h1, b1), (h2, b2) = got
    assert h1[DELIVERY_HEADER] == h2[DELIVERY_HEADER] and b1 == b2
    assert verify("s3cret", h2[TIMESTAMP_HEADER], b2, h2[SIGNATURE_HEADER])
    assert not verify("wrong", h2[TIMESTAMP_HEADER], b2, h2[SIGNATURE_HEADER])
    payload = json.loads(b2)
    assert payload["event"] == "claim.processed" and payload["claim_id"] == claim["id"]
    assert payload["external_ref"] == "W-1" and payload["status"] in ("incomplete", "ready_for_review")


def test_webhook_is_not_retried_when_the_receiver_refuses_it() -> None:
    from intake.service.webhooks import WebhookSender

    hits: list[int] = []

    class Refuse(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            hits.append(1)
            self.send_response(410)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sender = WebhookSender("k", attempts=4, backoff=0.01)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert sender.send(url, "c1", {"event": "claim.processed"}).result(timeout=10) is False
        assert hits == [1]
        # Nobody listening at all: retried, then given up.
        assert sender.send("http://127.0.0.1:9/", "c1", {}).result(timeout=10) is False
    finally:
        sender.close()
        server.shutdown()


# -- durability ----------------------------------------------------------------------------------------


def test_files_left_processing_by_a_crash_are_processed_at_restart(
    service: Any, fake_reader: Any, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from intake.service.app import create_app
    from intake.settings import Settings
    from intake.store.database import transaction

    first = service(reader=fake_reader, data_dir=tmp_path / "crash")
    first.ctx.worker.stop()  # nothing gets processed by this "process"
    claim = create(first)
    a = upload(first, claim["id"], "invoice.png", png()).json()
    b = upload(first, claim["id"], "discharge.png", png()).json()
    # As a crash leaves them: one taken by a worker, one taken and crashed on too often.
    with transaction(first.ctx.sessions) as s:
        s.execute(update(FileRow).where(FileRow.id == a["file_id"]).values(status="processing", attempts=1))
        s.execute(update(FileRow).where(FileRow.id == b["file_id"]).values(status="processing", attempts=3))
    assert fake_reader.calls == 0

    app = create_app(Settings(data_dir=tmp_path / "crash", poll_seconds=0.2), reader=fake_reader)
    with TestClient(app) as second:
        second.keys = first.keys  # type: ignore[attr-defined]
        done = wait(second, claim["id"])
    app.state.ctx.engine.dispose()
    by_id = {d["id"]: d for d in done["documents"]}
    assert by_id[a["id"]]["status"] == "done" and by_id[a["id"]]["doc_type"] == "invoice"
    assert by_id[b["id"]]["status"] == "failed" and by_id[b["id"]]["reason_code"] == "interrupted"
    assert fake_reader.calls == 1


def test_results_are_all_or_nothing(service: Any, fake_reader: Any) -> None:
    """A failure while writing results leaves no half-written document behind."""

    class Broken(type(fake_reader)):  # type: ignore[misc]
        def read_file(self, data: bytes, filename: str) -> Any:
            result = super().read_file(data, filename)
            result.documents.append(result.documents[0])
            result.documents[1] = type(result.documents[0])(filename, "not-a-doc-type", 0.5, [1], {})  # type: ignore[arg-type]
            return result

    client = service(reader=Broken())
    claim = create(client)
    doc = upload(client, claim["id"], "invoice.png", png()).json()
    done = wait(client, claim["id"])
    assert [d["id"] for d in done["documents"]] == [doc["id"]]
    assert done["documents"][0]["status"] == "failed" and done["documents"][0]["fields"] == {}
    with client.ctx.sessions() as s:
        assert s.scalars(select(FileRow.ocr)).one() is None


# -- configuration, keys, logs -------------------------------------------------------------------


def test_settings_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from intake.settings import Settings, SettingsError

    for name, value in {
        "INTAKE_DATA_DIR": str(tmp_path),
        "INTAKE_DATABASE_URL": "postgresql+psycopg://u@db/intake",
        "INTAKE_S3_ENDPOINT": "minio:9000",
        "INTAKE_S3_SECURE": "false",
        "INTAKE_MAX_UPLOAD_BYTES": "1000",
        "INTAKE_WORKERS": "2",
        "INTAKE_WEBHOOK_SECRET": "x",
    }.items():
        monkeypatch.setenv(name, value)
    s = Settings.load()
    assert (s.data_dir, s.db_url, s.s3_endpoint, s.s3_secure) == (
        tmp_path,
        "postgresql+psycopg://u@db/intake",
        "minio:9000",
        False,
    )
    assert (s.max_upload_bytes, s.workers, s.webhook_secret) == (1000, 2, "x")
    monkeypatch.delenv("INTAKE_DATABASE_URL")
    assert Settings.load().db_url.startswith("sqlite:///")
    monkeypatch.setenv("INTAKE_WORKERS", "many")
    with pytest.raises(SettingsError, match="INTAKE_WORKERS"):
        Settings.load()


def test_keys_command(tmp_path: Path, fake_reader: Any) -> None:
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from intake.cli import app as cli
    from intake.service.app import create_app
    from intake.settings import Settings

    runner = CliRunner()
    data = str(tmp_path / "keys")
    made = runner.invoke(cli, ["keys", "create", "--role", "portal", "--name", "portal-x", "--data-dir", data])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[0]
    assert key.startswith("ik_")
    assert runner.invoke(cli, ["keys", "create", "--role", "root", "--name", "x", "--data-dir", data]).exit_code == 2
    listed = runner.invoke(cli, ["keys", "list", "--data-dir", data])
    assert "portal-x" in listed.stdout and key not in listed.stdout
    app = create_app(Settings(data_dir=Path(data)), reader=fake_reader)
    with TestClient(app) as c:
        assert c.get("/v1/claims", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        key_id = listed.stdout.split()[0]
        assert runner.invoke(cli, ["keys", "revoke", key_id, "--data-dir", data]).exit_code == 0
        assert c.get("/v1/claims", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    app.state.ctx.engine.dispose()


def test_logs_carry_no_personal_data(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="intake")
    claim = create(client, external_ref="张三的申请")
    doc = upload(client, claim["id"], "张三-invoice.png", png()).json()
    upload(client, claim["id"], "李四-invoice.jpg", jpeg()[:3000])
    wait(client, claim["id"])
    client.patch(
        f"/v1/documents/{doc['id']}", json={"fields": {"patient_name": "王五"}}, headers=client.keys["reviewer"]
    )
    text = caplog.text
    assert claim["id"] in text  # ids are logged …
    for personal in ("张三", "李四", "王五", "invoice.png", "12345.67", "33060125"):
        assert personal not in text  # … names, file names and values are not


def test_openapi_serves_the_contract_table(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    table = [
        ("post", "/v1/claims", "201"),
        ("post", "/v1/claims/{claim_id}/documents", "202"),
        ("get", "/v1/claims/{claim_id}", "200"),
        ("get", "/v1/documents/{document_id}", "200"),
        ("patch", "/v1/documents/{document_id}", "200"),
        ("get", "/v1/documents/{document_id}/history", "200"),
    ]
    for method, path, status in table:
        op = spec["paths"][path][method]
        assert status in op["responses"]
        assert {"401", "422"} <= set(op["responses"])
        assert op["security"] == [{"HTTPBearer": []}]
    claim = spec["components"]["schemas"]["ClaimOut"]["properties"]
    assert {"id", "claim_type", "status", "documents", "completeness"} <= set(claim)
    doc = spec["components"]["schemas"]["DocumentSummary"]["properties"]
    assert {"id", "filename", "doc_type", "doc_type_confidence", "status", "fields"} <= set(doc)
    hist = spec["components"]["schemas"]["HistoryEntry"]["properties"]
    assert set(hist) == {"at", "by", "field", "old", "new"}


def test_migrations_match_the_models(tmp_path: Path) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from intake.store.database import alembic_config, make_engine, migrate
    from intake.store.tables import Base

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate(engine)
    migrate(engine)  # a second start finds nothing to do
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata) == []
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    migrate(engine)
    engine.dispose()


def test_postgresql_and_s3_backends(service: Any, fake_reader: Any, postgres_url: str, s3_server: Any) -> None:
    """The production pair: metadata in PostgreSQL (migrated at start), blobs in an S3 bucket."""
    from intake.store.blobs import MinioBlobStore

    client = service(
        reader=fake_reader,
        database_url=postgres_url,
        s3_endpoint=s3_server["endpoint"],
        s3_access_key=s3_server["access_key"],
        s3_secret_key=s3_server["secret_key"],
        s3_bucket="intake-api-test",
        s3_secure=False,
    )
    assert client.ctx.engine.dialect.name == "postgresql" and isinstance(client.ctx.blobs, MinioBlobStore)
    claim = create(client, external_ref="PG-1")
    doc = upload(client, claim["id"], "bundle.pdf", pdf(2)).json()
    done = wait(client, claim["id"])
    assert [d["doc_type"] for d in done["documents"]] == ["invoice", "discharge"]
    r = client.patch(
        f"/v1/documents/{doc['id']}", json={"fields": {"total_amount": "2.00"}}, headers=client.keys["reviewer"]
    )
    assert r.status_code == 200
    hist = client.get(f"/v1/documents/{doc['id']}/history", headers=client.keys["reviewer"]).json()
    assert [(h["old"], h["new"]) for h in hist] == [("12345.67", "2.00")]
    img = client.get(f"/v1/documents/{doc['id']}/pages/1/image", headers=client.keys["portal"])
    assert img.status_code == 200
    assert client.ctx.blobs.client.bucket_exists("intake-api-test")
    assert client.get(f"/v1/claims/{claim['id']}", headers=client.keys["other_portal"]).status_code == 404
