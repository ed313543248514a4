"""The production path on real servers: two API processes and two Celery workers on one PostgreSQL,
this machine's Redis as the broker and the tests' S3 server. Concurrent uploads are each read
exactly once and every claim settles once; a worker process killed mid-file has its file read
again by another and the claim still settles once. A large file is read as per-page tasks shared
by both workers, each page once; a worker killed mid-page has only that page read again.

The broker is INTAKE_TEST_BROKER (default redis://127.0.0.1:6379/0); each test uses a queue of
its own, so that other users of the same Redis are not disturbed. The broker-restart test starts
brokers of its own instead (a redis-server, a RabbitMQ node on free ports), since it stops them.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from intake.store.tables import FileRow, OutboxRow

from .test_scale_leases import Processes, make_keys, reads, settled, wait_for_a_read
from .test_service_api import pdf, png

pytestmark = pytest.mark.slow

BROKER = os.environ.get("INTAKE_TEST_BROKER", "redis://127.0.0.1:6379/0")


def _broker_answers() -> bool:
    from kombu import Connection

    try:
        with Connection(BROKER, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


class Receiver:
    """A portal's webhook endpoint: counts the events per claim."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        events = self.events

        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                events.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def per_claim(self) -> Counter[str]:
        return Counter(e["claim_id"] for e in self.events)


def _server_env(
    tmp_path: Path, postgres_url: str, s3_server: dict[str, str], bucket: str, broker: str
) -> dict[str, str]:
    """What every process of a test cluster is told: its data folder, the database, the S3 server and
    bucket, the broker."""
    return {
        "INTAKE_DATA_DIR": str(tmp_path / "data"),
        "INTAKE_DATABASE_URL": postgres_url,
        "INTAKE_S3_ENDPOINT": s3_server["endpoint"],
        "INTAKE_S3_ACCESS_KEY": s3_server["access_key"],
        "INTAKE_S3_SECRET_KEY": s3_server["secret_key"],
        "INTAKE_S3_BUCKET": bucket,
        "INTAKE_S3_SECURE": "false",
        "INTAKE_BROKER_URL": broker,
    }


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str, s3_server: dict[str, str]) -> Any:
    if not _broker_answers():
        pytest.skip(f"no broker at {BROKER}")
    env = {
        **_server_env(tmp_path, postgres_url, s3_server, "intake-cluster", BROKER),
        "INTAKE_QUEUE_NAME": f"intake-test-{uuid.uuid4().hex[:8]}",
        "INTAKE_LEASE_SECONDS": "4",
        "INTAKE_SWEEP_SECONDS": "2",
        "INTAKE_POLL_SECONDS": "0.2",
        "INTAKE_WEBHOOK_SECRET": "cluster-secret",
        "INTAKE_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "INTAKE_WEBHOOK_BACKOFF": "0.2",
        "INTAKE_SESSION_SECRET": "one-secret-for-every-process",
        "SCALE_READ_LOG": str(tmp_path / "reads.log"),
        "SCALE_PAGE_SECONDS": "0.1",
    }
    keys = make_keys(env)
    procs = Processes(env, tmp_path)
    receiver = Receiver()
    engine = create_engine(postgres_url)
    try:
        bases = [procs.serve(), procs.serve()]
        yield procs, bases, keys, tmp_path / "reads.log", receiver, engine
    finally:
        procs.close()
        receiver.server.shutdown()
        engine.dispose()


def _claims(bases: list[str], keys: dict[str, Any], n: int, hook: str) -> list[str]:
    body = {"claim_type": "inpatient", "webhook_url": hook}
    return [httpx.post(f"{bases[i % 2]}/v1/claims", json=body, headers=keys["portal"]).json()["id"] for i in range(n)]


def test_fifty_concurrent_uploads_are_each_read_once(cluster: Any) -> None:
    procs, bases, keys, log, receiver, _ = cluster
    claim_ids = _claims(bases, keys, 10, receiver.url)

    def send(i: int) -> int:
        base, claim = bases[i % 2], claim_ids[i % 10]
        files = {"file": (f"invoice-{i}.png", png(100 + i, 80))}
        r = httpx.post(f"{base}/v1/claims/{claim}/documents", files=files, headers=keys["portal"], timeout=60)
        return r.status_code

    with ThreadPoolExecutor(50) as pool:
        assert list(pool.map(send, range(50))) == [202] * 50
    procs.start("worker", "1")
    procs.start("worker", "1")
    claims = settled(bases[1], keys, claim_ids, timeout=240)
    assert all(len(c["documents"]) == 5 and all(d["status"] == "done" for d in c["documents"]) for c in claims)
    started = Counter(n for w, n, _ in reads(log) if w == "START")
    assert sorted(started) == sorted(f"invoice-{i}.png" for i in range(50))
    assert set(started.values()) == {1}, {n: k for n, k in started.items() if k > 1}
    assert len({pid for _, _, pid in reads(log)}) == 2  # both workers read
    deadline = time.monotonic() + 30
    while sum(receiver.per_claim().values()) < 10 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert receiver.per_claim() == Counter({c: 1 for c in claim_ids})  # each claim settled once


def test_a_worker_killed_mid_file_has_it_read_again_and_the_claim_settles_once(cluster: Any) -> None:
    procs, bases, keys, log, receiver, engine = cluster
    procs.env["INTAKE_PAGES_PER_TASK"] = "100"  # the file read whole, by one task (per page: below)
    procs.start("worker", "1")
    procs.start("worker", "1")
    (claim,) = _claims(bases, keys, 1, receiver.url)
    r = httpx.post(
        f"{bases[0]}/v1/claims/{claim}/documents", files={"file": ("bundle.pdf", pdf(40))}, headers=keys["portal"]
    )
    assert r.status_code == 202
    deadline = time.monotonic() + 90
    while not (first := [pid for w, _, pid in reads(log) if w == "START"]):
        assert time.monotonic() < deadline, procs.tail()
        time.sleep(0.05)
    os.kill(first[0], signal.SIGKILL)  # a pool process, mid-file: 40 pages take 4 s
    (done,) = settled(bases[1], keys, [claim], timeout=120)
    assert [d["status"] for d in done["documents"]] == ["done", "done"]
    lines = reads(log)
    assert [w for w, _, _ in lines] == ["START", "START", "END"]
    assert lines[1][2] != first[0] and lines[2][2] == lines[1][2]
    with engine.connect() as conn:
        attempts = conn.scalar(select(FileRow.attempts).where(FileRow.claim_id == claim))
        events = conn.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.claim_id == claim))
    assert attempts == 2 and events == 1
    deadline = time.monotonic() + 20
    while not receiver.events and time.monotonic() < deadline:
        time.sleep(0.2)
    assert receiver.per_claim() == Counter({claim: 1})


# -- on real servers: two Celery workers sharing one bundle ------------------------------------------


def _page_reads(log: Path) -> list[tuple[str, int, int]]:
    """(START or END, page, pid) of every page a per-page task read."""
    return [(w, int(name.rsplit("#", 1)[1]), pid) for w, name, pid in reads(log) if "#" in name]


def _bundle(cluster: Any, pages: int) -> tuple[str, Any]:
    _, bases, keys, _, receiver, _ = cluster
    (claim,) = _claims(bases, keys, 1, receiver.url)
    files = {"file": ("bundle.pdf", pdf(pages))}
    r = httpx.post(f"{bases[0]}/v1/claims/{claim}/documents", files=files, headers=keys["portal"], timeout=30)
    assert r.status_code == 202, r.text
    return claim, r.json()


def _until(what: Any, timeout: float, why: Any) -> Any:
    deadline = time.monotonic() + timeout
    while not (got := what()):
        assert time.monotonic() < deadline, why()
        time.sleep(0.05)
    return got


def _settled_once(cluster: Any, claim: str) -> dict[str, Any]:
    _, bases, keys, _, receiver, engine = cluster
    (done,) = settled(bases[1], keys, [claim], timeout=180)
    with engine.connect() as conn:
        events = conn.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.claim_id == claim))
    assert events == 1
    _until(lambda: receiver.events, 30, lambda: "no webhook event")
    assert receiver.per_claim() == Counter({claim: 1})
    return done


def test_two_workers_share_one_bundle_and_its_claim_settles_once(cluster: Any) -> None:
    procs, _, _, log, _, _ = cluster
    procs.env["SCALE_PAGE_SECONDS"] = "0.5"
    claim, _ = _bundle(cluster, 16)
    procs.start("worker", "1")
    _until(lambda: _page_reads(log), 90, procs.tail)  # split, and its pages being read
    procs.start("worker", "1")
    done = _settled_once(cluster, claim)
    assert [(d["status"], d["doc_type"], d["pages"]) for d in done["documents"]] == [
        ("done", "invoice", [1]),
        ("done", "discharge", list(range(2, 17))),
    ]
    lines = _page_reads(log)
    assert sorted(n for w, n, _ in lines if w == "START") == list(range(1, 17))  # each page read once
    assert sorted(n for w, n, _ in lines if w == "END") == list(range(1, 17))
    assert len({pid for _, _, pid in lines}) == 2  # by both workers
    assert not [n for _, n, _ in reads(log) if "#" not in n]  # and the file was never read whole


def test_a_worker_killed_mid_page_has_only_that_page_read_again(cluster: Any) -> None:
    procs, _, _, log, _, engine = cluster
    procs.env["SCALE_PAGE_SECONDS"] = "0.5"
    procs.start("worker", "1")
    procs.start("worker", "1")
    claim, _ = _bundle(cluster, 12)
    (_, page, pid), *_ = _until(lambda: _page_reads(log), 90, procs.tail)
    os.kill(pid, signal.SIGKILL)  # a pool process, mid-page (a page takes 0.5 s)
    done = _settled_once(cluster, claim)
    assert all(d["status"] == "done" for d in done["documents"])
    lines = _page_reads(log)
    started = Counter(n for w, n, _ in lines if w == "START")
    assert started == Counter({n: 2 if n == page else 1 for n in range(1, 13)}), started
    assert Counter(n for w, n, _ in lines if w == "END") == Counter(range(1, 13))  # the killed one never ended
    assert [p for w, n, p in lines if n == page and w == "START"][1] != pid  # read again by a live process
    with engine.connect() as conn:
        f = conn.execute(select(FileRow.status, FileRow.pages_total).where(FileRow.claim_id == claim)).one()
    assert tuple(f) == ("done", 12)


def test_a_redelivered_last_page_task_changes_nothing(cluster: Any) -> None:
    from intake.service.queue.celery import PAGE_TASK, TASK, celery_app
    from intake.settings import Settings

    procs, bases, keys, log, receiver, _ = cluster
    procs.start("worker", "1")
    procs.start("worker", "1")
    claim, up = _bundle(cluster, 6)
    before = _settled_once(cluster, claim)
    seen = reads(log)
    app = celery_app(Settings(broker_url=procs.env["INTAKE_BROKER_URL"], queue_name=procs.env["INTAKE_QUEUE_NAME"]))
    queue = procs.env["INTAKE_QUEUE_NAME"]
    for n in (6, 6, 1):
        app.send_task(PAGE_TASK, args=[up["file_id"], n], queue=queue)
    app.send_task(TASK, args=[up["file_id"]], queue=queue)
    # Sent after them on the same queue: once this claim has settled, the tasks above were taken.
    (later,) = _claims(bases, keys, 1, receiver.url)
    r = httpx.post(
        f"{bases[0]}/v1/claims/{later}/documents", files={"file": ("discharge.pdf", pdf(1))}, headers=keys["portal"]
    )
    assert r.status_code == 202
    settled(bases[0], keys, [later], timeout=120)
    _until(lambda: len(receiver.events) == 2, 30, lambda: receiver.events)
    assert httpx.get(f"{bases[0]}/v1/claims/{claim}", headers=keys["reviewer"]).json() == before
    assert [(w, n) for w, n, _ in reads(log)[len(seen) :]] == [("START", "discharge.pdf"), ("END", "discharge.pdf")]
    assert receiver.per_claim() == Counter({claim: 1, later: 1})
    app.close()


class OwnRedis:
    """A Redis of this test's own (no persistence), so that it can be stopped and started again
    without disturbing anyone else's; what was queued in it is lost with it."""

    name = "redis"

    def __init__(self, tmp: Path) -> None:
        from .conftest import _free_port

        self.port = _free_port()
        self.tmp = tmp
        self.proc: Any = None

    @staticmethod
    def missing() -> str | None:
        return None if shutil.which("redis-server") else "needs redis-server"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
        )
        _wait_until_it_answers(self.url, 10, self.proc, "redis-server")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def _rabbitmq_server() -> str | None:
    """The rabbitmq-server script itself: Debian's /usr/sbin/rabbitmq-server is a wrapper that,
    run as root, switches to the rabbitmq user, who could not write this test's temp dir."""
    found = os.environ.get("INTAKE_TEST_RABBITMQ_SERVER") or shutil.which("rabbitmq-server")
    if not found:
        return None
    direct = Path(found).resolve().parent / "rabbitmq-server"
    return str(direct if direct.exists() else found)


class OwnRabbit:
    """A RabbitMQ node of this test's own: its own node name, ports, database and logs in the temp
    dir, and none of /etc/rabbitmq's settings, so that the machine's shared node (5672) is not
    touched when this one is stopped. Unlike OwnRedis it keeps its durable queues across the
    restart, as a production RabbitMQ does; messages that were in a worker's hand come back."""

    name = "rabbitmq"

    def __init__(self, tmp: Path) -> None:
        from .conftest import _free_port

        self.port, self.dist_port = _free_port(), _free_port()
        self.tmp = tmp / "rabbitmq"
        self.tmp.mkdir()
        (self.tmp / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        (self.tmp / "enabled_plugins").write_text("[].\n")
        (self.tmp / "rabbitmq-env.conf").write_text("")
        self.env = {
            **os.environ,
            "HOME": str(self.tmp),  # its Erlang cookie goes here, not into the caller's home
            "RABBITMQ_CONF_ENV_FILE": str(self.tmp / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(self.tmp / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.tmp / "enabled_plugins"),
            "RABBITMQ_NODENAME": f"intake-test-{uuid.uuid4().hex[:8]}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.tmp / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.tmp / "log"),
            "RABBITMQ_PID_FILE": str(self.tmp / "node.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }
        self.proc: Any = None

    @staticmethod
    def missing() -> str | None:
        return None if _rabbitmq_server() else "needs rabbitmq-server (a private node is started on free ports)"

    def start(self) -> None:
        out = open(self.tmp / "server.log", "ab")  # noqa: SIM115 - kept open for the child
        # A session of its own: stop() ends the node's whole process group (beam and its helpers).
        self.proc = subprocess.Popen(
            [str(_rabbitmq_server())], env=self.env, stdout=out, stderr=out, start_new_session=True
        )
        _wait_until_it_answers(self.url, 90, self.proc, "rabbitmq-server", self.tmp / "server.log")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # RabbitMQ shuts down cleanly on SIGTERM
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"


def _answers(url: str) -> bool:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=0)
        return True
    except Exception:
        return False


def _wait_until_it_answers(url: str, timeout: float, proc: Any, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not _answers(url):
        why = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        assert proc.poll() is None, f"{what} exited: {why}"
        assert time.monotonic() < deadline, f"{what} did not start: {why}"
        time.sleep(0.2)


@pytest.mark.parametrize("broker_kind", [OwnRedis, OwnRabbit], ids=["redis", "rabbitmq"])
def test_a_broker_restart_loses_nothing(
    broker_kind: Any, tmp_path: Path, postgres_url: str, s3_server: dict[str, str]
) -> None:
    """The broker stopped while a worker reads and the API takes uploads, then started again:
    every upload, before, during and after the outage, is read exactly once and ends done, and
    the claim settles once (one webhook event)."""
    if reason := broker_kind.missing():
        pytest.skip(reason)
    broker = broker_kind(tmp_path)
    broker.start()
    env = {
        **_server_env(tmp_path, postgres_url, s3_server, f"intake-broker-restart-{broker.name}", broker.url),
        "INTAKE_LEASE_SECONDS": "4",
        "INTAKE_SWEEP_SECONDS": "1",
        "INTAKE_RESEND_SECONDS": "5",
        "INTAKE_WEBHOOK_SECRET": "broker-restart-secret",
        "INTAKE_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "INTAKE_WEBHOOK_BACKOFF": "0.2",
        "INTAKE_SESSION_SECRET": "one-secret-for-every-process",
        "SCALE_READ_LOG": str(tmp_path / "reads.log"),
        "SCALE_PAGE_SECONDS": "0.3",
    }
    keys = make_keys(env)
    procs = Processes(env, tmp_path)
    receiver = Receiver()
    engine = create_engine(postgres_url)
    try:
        base = procs.serve()
        # Two workers on one host: on RabbitMQ each needs a node name of its own (see run_worker).
        procs.start("worker", "1")
        procs.start("worker", "1")
        body = {"claim_type": "inpatient", "webhook_url": receiver.url}
        claim = httpx.post(f"{base}/v1/claims", json=body, headers=keys["portal"]).json()["id"]

        def send(i: int) -> int:
            files = {"file": (f"invoice-{i}.png", png(100 + i, 80))}
            return httpx.post(
                f"{base}/v1/claims/{claim}/documents", files=files, headers=keys["portal"], timeout=30
            ).status_code

        assert [send(i) for i in range(8)] == [202] * 8
        wait_for_a_read(log := tmp_path / "reads.log", 60, procs.tail)
        # Mid-run: a file is in a worker's hand (one page takes 0.3 s, eight are queued), so the
        # claim cannot have settled before the uploads below join it.
        broker.stop()
        assert [send(i) for i in range(8, 12)] == [202] * 4  # the database and store take uploads still
        time.sleep(2)
        broker.start()
        # Straight after: at least the four uploads above are still queued (the sweeper re-sends
        # them after INTAKE_RESEND_SECONDS), so these join the same unsettled claim.
        assert [send(i) for i in range(12, 14)] == [202] * 2
        (done,) = settled(base, keys, [claim], timeout=180)
        assert len(done["documents"]) == 14 and all(d["status"] == "done" for d in done["documents"])
        started = Counter(n for w, n, _ in reads(log) if w == "START")
        assert sorted(started) == sorted(f"invoice-{i}.png" for i in range(14))
        assert set(started.values()) == {1}, {n: k for n, k in started.items() if k > 1}  # none read twice
        with engine.connect() as conn:
            events = conn.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.claim_id == claim))
        assert events == 1
        deadline = time.monotonic() + 20
        while not receiver.events and time.monotonic() < deadline:
            time.sleep(0.2)
        assert receiver.per_claim() == Counter({claim: 1})
        assert [p.poll() for p in procs.procs] == [None] * 3, procs.tail()  # the API and both workers still up
    finally:
        procs.close()
        broker.stop()
        receiver.server.shutdown()
        engine.dispose()


def test_an_s3_outage_on_the_production_path(tmp_path: Path, postgres_url: str) -> None:
    """The S3 server stopped and started again under running workers: uploads meanwhile get 503,
    the files queued before it end done, none stuck."""
    from .test_scale_faults import S3

    if not _broker_answers():
        pytest.skip(f"no broker at {BROKER}")
    s3 = S3()
    s3.start()
    env = {
        "INTAKE_DATA_DIR": str(tmp_path / "data"),
        "INTAKE_DATABASE_URL": postgres_url,
        "INTAKE_S3_ENDPOINT": f"127.0.0.1:{s3.port}",
        "INTAKE_S3_ACCESS_KEY": "testing",
        "INTAKE_S3_SECRET_KEY": "testing",
        "INTAKE_S3_BUCKET": "intake-cluster-outage",
        "INTAKE_S3_SECURE": "false",
        "INTAKE_BROKER_URL": BROKER,
        "INTAKE_QUEUE_NAME": f"intake-test-{uuid.uuid4().hex[:8]}",
        "INTAKE_LEASE_SECONDS": "4",
        "INTAKE_RETRY_BASE_SECONDS": "0.5",
        "INTAKE_RETRY_MAX_SECONDS": "2",
        "INTAKE_SESSION_SECRET": "one-secret-for-every-process",
        "SCALE_READ_LOG": str(tmp_path / "reads.log"),
        "SCALE_PAGE_SECONDS": "0.5",
    }
    keys = make_keys(env)
    procs = Processes(env, tmp_path)
    try:
        base = procs.serve()
        procs.start("worker", "1")
        claim = httpx.post(f"{base}/v1/claims", json={"claim_type": "inpatient"}, headers=keys["portal"]).json()["id"]

        def send(i: int) -> httpx.Response:
            files = {"file": (f"invoice-{i}.png", png(100 + i, 80))}
            return httpx.post(f"{base}/v1/claims/{claim}/documents", files=files, headers=keys["portal"], timeout=30)

        assert [send(i).status_code for i in range(6)] == [202] * 6
        wait_for_a_read(tmp_path / "reads.log", 60, procs.tail)
        s3.stop()
        during = [send(100 + i) for i in range(3)]
        assert [r.status_code for r in during] == [503] * 3 and all(r.headers["Retry-After"] for r in during)
        assert httpx.get(f"{base}/readyz").status_code == 503
        time.sleep(8)
        s3.start()
        (done,) = settled(base, keys, [claim], timeout=120)
        assert len(done["documents"]) == 6 and all(d["status"] == "done" for d in done["documents"])
    finally:
        procs.close()
        with contextlib.suppress(Exception):
            s3.stop()


def _listening(port: int) -> set[str]:
    """The IPv4 addresses a TCP port of this machine listens on (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))  # little-endian
    return found


def _samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(url, timeout=5).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_intake_worker_serves_its_pools_task_metrics_on_loopback(
    tmp_path: Path, postgres_url: str, s3_server: dict[str, str]
) -> None:
    """`intake worker --metrics-port`: what its pool processes read shows at /metrics of the
    worker's main process, and the port (which asks for no credentials) listens on loopback only
    unless --metrics-host says otherwise."""
    from .conftest import _free_port

    if not _broker_answers():
        pytest.skip(f"no broker at {BROKER}")
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs /proc/net/tcp to see where the port listens")
    env = {
        **_server_env(tmp_path, postgres_url, s3_server, "intake-worker-metrics", BROKER),
        "INTAKE_QUEUE_NAME": f"intake-test-{uuid.uuid4().hex[:8]}",
        "INTAKE_SESSION_SECRET": "one-secret-for-every-process",
        "SCALE_PAGE_SECONDS": "0.05",
    }
    keys = make_keys(env)
    procs = Processes(env, tmp_path)
    port = _free_port()
    try:
        base = procs.serve()
        procs.start("cli", "worker", "--concurrency", "1", "--metrics-port", str(port))
        claim = httpx.post(f"{base}/v1/claims", json={"claim_type": "inpatient"}, headers=keys["portal"]).json()["id"]
        r = httpx.post(
            f"{base}/v1/claims/{claim}/documents", files={"file": ("two.pdf", pdf(2))}, headers=keys["portal"]
        )
        assert r.status_code == 202
        (done,) = settled(base, keys, [claim], timeout=120)
        assert done["documents"] and all(d["status"] == "done" for d in done["documents"])
        # The pool process counts just after its write, which the claim's settling shows first.
        deadline = time.monotonic() + 20
        while (samples := _samples(f"http://127.0.0.1:{port}/metrics")).get(
            ("intake_files_total", (("outcome", "done"),))
        ) != 1:
            assert time.monotonic() < deadline, (samples, procs.tail())
            time.sleep(0.2)
        assert samples[("intake_pages_total", ())] == 2
        assert samples[("intake_task_seconds_count", (("stage", "read"),))] == 1
        assert _listening(port) == {"127.0.0.1"}
    finally:
        procs.close()
