"""Two embedded service processes on one SQLite database: leases (owner + expiry, renewed while a
file is read) mean that no file is ever read by both, and a process killed with a file in hand
leaves it to the other once its lease runs out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import REPO, _free_port
from .test_service_api import pdf, png

pytestmark = pytest.mark.slow


def make_keys(settings_env: dict[str, str]) -> dict[str, dict[str, str]]:
    from intake.service.auth import create_key
    from intake.settings import Settings
    from intake.store.database import make_engine, migrate, session_factory, transaction

    settings = Settings(
        data_dir=Path(settings_env["INTAKE_DATA_DIR"]), database_url=settings_env.get("INTAKE_DATABASE_URL")
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    migrate(engine)
    keys = {}
    with transaction(session_factory(engine)) as s:
        for role, name in (("portal", "portal-scale"), ("reviewer", "reviewer-scale")):
            keys[role] = {"Authorization": f"Bearer {create_key(s, role, name)[1]}"}
    engine.dispose()
    return keys


class Processes:
    """Child processes of one test, killed (by their own pids) at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = {**os.environ, **env, "PYTHONPATH": str(REPO)}
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        out = open(self.logs / f"proc-{len(self.procs)}.log", "wb")  # noqa: SIM115 - kept open for the child
        p = subprocess.Popen(
            [sys.executable, "-m", "tests.scale_support", *args], cwd=REPO, env=self.env, stdout=out, stderr=out
        )
        self.procs.append(p)
        return p

    def serve(self) -> str:
        port = _free_port()
        self.start("serve", str(port))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    return base
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{base} never became ready: {self.tail()}"
            time.sleep(0.3)

    def tail(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(self.logs.glob("proc-*.log")))

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def reads(log: Path) -> list[tuple[str, str, int]]:
    if not log.exists():
        return []
    return [(w, n, int(pid)) for w, n, pid in (line.split() for line in log.read_text().splitlines() if line)]


def wait_for_a_read(log: Path, timeout: float, why: Callable[[], object] = lambda: None) -> None:
    """Until some worker has started reading a file (the log the fake reader writes); why() says
    what the processes printed, when it times out."""
    deadline = time.monotonic() + timeout
    while not reads(log):
        assert time.monotonic() < deadline, why()
        time.sleep(0.05)


def settled(base: str, keys: dict[str, dict[str, str]], claim_ids: list[str], timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        claims = [httpx.get(f"{base}/v1/claims/{c}", headers=keys["reviewer"], timeout=10).json() for c in claim_ids]
        if all(c["status"] != "processing" for c in claims):
            return claims
        assert time.monotonic() < deadline, [c["status"] for c in claims]
        time.sleep(0.3)


@pytest.fixture
def two_embedded(tmp_path: Path) -> Any:
    env = {
        "INTAKE_DATA_DIR": str(tmp_path / "data"),
        "INTAKE_WORKERS": "2",
        "INTAKE_POLL_SECONDS": "0.2",
        "INTAKE_LEASE_SECONDS": "3",
        "INTAKE_SESSION_SECRET": "one-secret-for-both-processes",
        "SCALE_READ_LOG": str(tmp_path / "reads.log"),
        "SCALE_PAGE_SECONDS": "0.3",
    }
    keys = make_keys(env)
    procs = Processes(env, tmp_path)
    try:
        yield procs, [procs.serve()], keys, tmp_path / "reads.log"
    finally:
        procs.close()


def test_two_embedded_processes_never_read_one_file_twice(two_embedded: Any) -> None:
    procs, bases, keys, log = two_embedded
    claim_ids = [
        httpx.post(f"{bases[0]}/v1/claims", json={"claim_type": "inpatient"}, headers=keys["portal"]).json()["id"]
        for _ in range(2)
    ]
    # The first process is reading when the second starts: the second must not take over its files
    # (before leases, its start re-queued every `processing` row, and both read them).
    for i in range(4):
        files = {"file": (f"invoice-{i}.png", png(100 + i, 80))}
        assert (
            httpx.post(
                f"{bases[0]}/v1/claims/{claim_ids[0]}/documents", files=files, headers=keys["portal"]
            ).status_code
            == 202
        )
    wait_for_a_read(log, 30)
    bases.append(procs.serve())

    def send(i: int) -> int:
        base, claim = bases[i % 2], claim_ids[i % 2]
        files = {"file": (f"invoice-{i}.png", png(100 + i, 80))}
        return httpx.post(
            f"{base}/v1/claims/{claim}/documents", files=files, headers=keys["portal"], timeout=30
        ).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(send, range(4, 24))) == {202}
    claims = settled(bases[0], keys, claim_ids, timeout=120)
    assert all(d["status"] == "done" for c in claims for d in c["documents"])
    started = Counter(n for w, n, _ in reads(log) if w == "START")
    assert sorted(started) == sorted(f"invoice-{i}.png" for i in range(24))
    assert set(started.values()) == {1}, {n: k for n, k in started.items() if k > 1}
    assert len({pid for _, _, pid in reads(log)}) == 2  # both processes did some of the work


def test_a_killed_process_leaves_its_file_to_the_other(two_embedded: Any) -> None:
    procs, bases, keys, log = two_embedded
    bases.append(procs.serve())
    claim = httpx.post(f"{bases[0]}/v1/claims", json={"claim_type": "inpatient"}, headers=keys["portal"]).json()["id"]
    r = httpx.post(
        f"{bases[0]}/v1/claims/{claim}/documents", files={"file": ("bundle.pdf", pdf(8))}, headers=keys["portal"]
    )
    assert r.status_code == 202
    deadline = time.monotonic() + 30
    while not (first := [pid for w, _, pid in reads(log) if w == "START"]):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(first[0], signal.SIGKILL)  # mid-file: 8 pages take 2.4 s
    survivor = next(b for b, p in zip(bases, procs.procs, strict=True) if p.pid != first[0])
    (done,) = settled(survivor, keys, [claim], timeout=60)
    assert [d["status"] for d in done["documents"]] == ["done", "done"]
    lines = reads(log)
    assert [(w, pid != first[0]) for w, _, pid in lines] == [("START", False), ("START", True), ("END", True)]
