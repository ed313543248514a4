"""Races and gaps closed: upload idempotency, one file part, webhook addresses and signing, the
durable webhook outbox, request ids in JSON logs, no traceback for a 500, /metrics, admin-only export."""

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

from intake.service.logs import JsonFormatter

from .conftest import _free_port
from .test_service_api import create, png, upload, wait

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SECRET = {"webhook_secret": "hook-secret", "webhook_allow_hosts": "127.0.0.1", "webhook_backoff": 0.2}


@pytest.fixture
def client(service: Any, fake_reader: Any) -> Any:
    return service(reader=fake_reader, **SECRET)


class JsonLines:
    """The service's log as an operator's collector sees it: JSON lines, formatted when emitted."""

    def __init__(self) -> None:
        self.buf = io.StringIO()
        self.handler = logging.StreamHandler(self.buf)
        self.handler.setFormatter(JsonFormatter())

    def __enter__(self) -> JsonLines:
        root = logging.getLogger()
        root.addHandler(self.handler)
        self.level = root.level
        root.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc: Any) -> None:
        logging.getLogger().removeHandler(self.handler)
        logging.getLogger().setLevel(self.level)

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.buf.getvalue().splitlines() if line.strip()]


def test_uploads_with_an_idempotency_key_are_made_once(client: Any, fake_reader: Any) -> None:
    claim = create(client)
    url = f"/v1/claims/{claim['id']}/documents"
    headers = {**client.keys["portal"], "Idempotency-Key": "upload-1"}
    first = client.post(url, files={"file": ("invoice.png", png())}, headers=headers)
    again = client.post(url, files={"file": ("invoice.png", png())}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    other = client.post(url, files={"file": ("invoice.png", png())}, headers={**headers, "Idempotency-Key": "upload-2"})
    assert other.json()["id"] != first.json()["id"]
    done = wait(client, claim["id"])
    assert len(done["documents"]) == 2 and fake_reader.calls == 2


def test_more_than_one_file_part_is_refused(client: Any) -> None:
    claim = create(client)
    files = [("file", ("invoice.png", png())), ("file", ("discharge.png", png(90, 60)))]
    r = client.post(f"/v1/claims/{claim['id']}/documents", files=files, headers=client.keys["portal"])
    assert r.status_code == 422 and "exactly one file" in r.json()["detail"]
    assert client.get(f"/v1/claims/{claim['id']}", headers=client.keys["portal"]).json()["documents"] == []


def test_an_upload_after_the_review_is_refused(client: Any) -> None:
    claim = create(client)
    upload(client, claim["id"], "invoice.png", png())
    wait(client, claim["id"])
    assert client.post(f"/v1/claims/{claim['id']}/review", headers=client.keys["reviewer"]).status_code == 200
    r = upload(client, claim["id"], "discharge.png", png(90, 60))
    assert r.status_code == 409 and "reviewed" in r.json()["detail"]
    assert client.get(f"/v1/claims/{claim['id']}", headers=client.keys["portal"]).json()["status"] == "reviewed"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.2:6379/",
        "http://10.0.0.5/hook",
        "http://192.168.1.1:8080/hook",
        "http://localhost/hook",
        "http://0/hook",
        "http://127.1/hook",
    ],
)
def test_webhooks_to_private_addresses_are_refused(client: Any, url: str) -> None:
    r = client.post("/v1/claims", json={"claim_type": "inpatient", "webhook_url": url}, headers=client.keys["portal"])
    assert r.status_code == 422 and "private, loopback or link-local" in r.json()["detail"]


def test_allowed_hosts_and_the_signing_secret(service: Any, fake_reader: Any) -> None:
    allowed = service(reader=fake_reader, **SECRET)
    body = {"claim_type": "inpatient", "webhook_url": "http://127.0.0.1:9/hook"}
    assert allowed.post("/v1/claims", json=body, headers=allowed.keys["portal"]).status_code == 201
    unsigned = service(
        reader=fake_reader, data_dir=allowed.ctx.settings.data_dir.parent / "u", webhook_allow_hosts="127.0.0.1"
    )
    r = unsigned.post("/v1/claims", json=body, headers=unsigned.keys["portal"])
    assert r.status_code == 422 and "INTAKE_WEBHOOK_SECRET" in r.json()["detail"]
    assert (
        unsigned.post("/v1/claims", json={"claim_type": "inpatient"}, headers=unsigned.keys["portal"]).status_code
        == 201
    )


def test_the_webhook_outbox_survives_a_restart(service: Any, fake_reader: Any, tmp_path: Path) -> None:
    from intake.service.webhooks import DELIVERY_HEADER

    port = _free_port()
    first = service(reader=fake_reader, data_dir=tmp_path / "outbox", **SECRET)
    claim = create(first, webhook_url=f"http://127.0.0.1:{port}/hook")
    upload(first, claim["id"], "invoice.png", png())
    wait(first, claim["id"])
    time.sleep(0.5)  # the first delivery meets nobody listening
    first.ctx.worker.stop()
    with first.ctx.sessions() as s:
        from intake.store.tables import OutboxRow

        (row,) = s.query(OutboxRow).all()
        assert row.delivered_at is None and row.attempts >= 1 and row.last_error

    got: list[dict[str, str]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            got.append(dict(self.headers))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        second = service(reader=fake_reader, data_dir=tmp_path / "outbox", **SECRET)  # "after the restart"
        deadline = time.monotonic() + 15
        while not got and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.shutdown()
    assert len(got) == 1 and got[0][DELIVERY_HEADER] == row.id
    with second.ctx.sessions() as s:
        assert s.get(OutboxRow, row.id).delivered_at is not None  # type: ignore[union-attr]


def test_request_ids_are_echoed_and_carried_to_the_worker(client: Any) -> None:
    with JsonLines() as log:
        claim = create(client)
        r = client.post(
            f"/v1/claims/{claim['id']}/documents",
            files={"file": ("invoice.png", png())},
            headers={**client.keys["portal"], "X-Request-ID": "portal-req-42"},
        )
        assert r.headers["X-Request-ID"] == "portal-req-42"
        wait(client, claim["id"])
        made = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"}).headers["X-Request-ID"]
    assert len(made) == 32 and "\n" not in made
    tagged = [line for line in log.lines() if line.get("request_id") == "portal-req-42"]
    assert any(line["logger"] == "intake.service" and "queued" in line["msg"] for line in tagged)
    assert any(line["logger"] == "intake.service.worker" and "done" in line["msg"] for line in tagged)


def test_a_500_logs_no_traceback_and_no_message(
    client: Any, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from intake.service import writes

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("张三 0012345678")  # a message quoting a member's data

    monkeypatch.setattr(writes, "create_claim", broken)
    with JsonLines() as log:
        r = client.post("/v1/claims", json={"claim_type": "inpatient"}, headers=client.keys["portal"])
    assert r.status_code == 500 and r.json() == {"detail": "internal error"} and r.headers["X-Request-ID"]
    text = log.buf.getvalue() + "".join(capfd.readouterr())
    assert "RuntimeError" in text
    assert "张三" not in text and "0012345678" not in text and "Traceback" not in text


def _samples(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client.parser import text_string_to_metric_families

    text = client.get("/metrics").text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics(client: Any) -> None:
    from .test_service_api import pdf

    uploads = (
        "intake_http_requests_total",
        (("method", "POST"), ("route", "/v1/claims/{claim_id}/documents"), ("status", "202")),
    )
    pages = ("intake_pages_total", ())
    before = _samples(client)
    claim = create(client)
    data = pdf(2)
    upload(client, claim["id"], "bundle.pdf", data)
    wait(client, claim["id"])
    after = _samples(client)
    assert after[uploads] - before.get(uploads, 0) == 1
    assert after[pages] - before.get(pages, 0) == 2
    assert after[("intake_upload_bytes_total", ())] - before.get(("intake_upload_bytes_total", ()), 0) == len(data)
    assert after[("intake_queue_depth", (("status", "queued"),))] == 0
    assert ("intake_task_seconds_count", (("stage", "read"),)) in after
    assert after[("intake_webhook_outbox_pending", ())] == 0


def test_corrections_export_is_for_admins(client: Any) -> None:
    assert client.get("/v1/review/corrections.jsonl", headers=client.keys["reviewer"]).status_code == 403
    assert client.get("/v1/review/corrections.jsonl", headers=client.keys["admin"]).status_code == 200


def test_the_worker_command_needs_a_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from intake.cli import app as cli

    monkeypatch.delenv("INTAKE_BROKER_URL", raising=False)
    r = CliRunner().invoke(cli, ["worker", "--data-dir", str(tmp_path)])
    assert r.exit_code == 2 and "INTAKE_BROKER_URL" in r.output
    helped = CliRunner().invoke(cli, ["worker", "--help"])
    assert all(opt in helped.output for opt in ("--concurrency", "--queues", "--max-memory-mb", "--metrics-port"))


def test_readyz_waits_for_the_models_and_healthz_does_not(service: Any, fake_reader: Any) -> None:
    loaded = threading.Event()

    class SlowLoad(type(fake_reader)):  # type: ignore[misc]
        def load(self) -> None:
            loaded.wait(30)

    client = service(reader=SlowLoad())
    try:
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["queue"].startswith("unavailable")
        assert r.json()["checks"]["database"] == "ok" and r.json()["checks"]["store"] == "ok"
        assert client.get("/healthz").status_code == 200 and client.get("/healthz").json()["pipeline"] == "loading"
    finally:
        loaded.set()
    deadline = time.monotonic() + 10
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_an_upload_racing_the_review_never_lands_after_it(service: Any, fake_reader: Any, postgres_url: str) -> None:
    """Before, 2 tries in 6 put an upload into a reviewed claim (the check ran outside the write
    transaction). Now one of the two is refused, whichever comes second."""
    from concurrent.futures import ThreadPoolExecutor

    client = service(reader=fake_reader, database_url=postgres_url)
    for _ in range(8):
        claim = create(client)
        upload(client, claim["id"], "invoice.png", png())
        wait(client, claim["id"])
        with ThreadPoolExecutor(2) as pool:
            up = pool.submit(upload, client, claim["id"], "discharge.png", png(90, 60))
            review = pool.submit(client.post, f"/v1/claims/{claim['id']}/review", headers=client.keys["reviewer"])
            codes = (up.result().status_code, review.result().status_code)
        assert codes in ((202, 409), (409, 200)), codes
        final = wait(client, claim["id"])
        if codes[1] == 200:
            assert final["status"] == "reviewed" and len(final["documents"]) == 1


def test_concurrent_retries_with_one_idempotency_key_make_one_document(
    service: Any, fake_reader: Any, postgres_url: str
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client = service(reader=fake_reader, database_url=postgres_url)
    claim = create(client)
    headers = {**client.keys["portal"], "Idempotency-Key": "retry-storm"}

    def send(_: int) -> Any:
        return client.post(
            f"/v1/claims/{claim['id']}/documents", files={"file": ("invoice.png", png())}, headers=headers
        )

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, range(4)))
    assert {r.status_code for r in answers} == {202}
    assert len({r.json()["id"] for r in answers}) == 1
    assert len(wait(client, claim["id"])["documents"]) == 1
