"""Storage faults never strand work: the S3 store stopped and started again, a full disk freed.

Meanwhile uploads answer 503 with Retry-After (quickly), /readyz says not ready, /healthz stays a
liveness check, and the file that met the fault goes back to the queue instead of ending failed;
once the store or the disk is back, every document finishes without a restart.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from intake.store.tables import FileRow

from .conftest import _free_port
from .test_service_api import create, png, upload, wait

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FAST_RETRY = {"retry_base_seconds": 0.2, "retry_max_seconds": 1.0, "poll_seconds": 0.2, "lease_seconds": 5}


class S3:
    """A moto S3 server that can be stopped and started again on the same port (its data lives
    in the process, so it survives the restart, as a real store's disks would)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.server: Any = None

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def settings(self) -> dict[str, Any]:
        return {
            "s3_endpoint": f"127.0.0.1:{self.port}",
            "s3_access_key": "testing",
            "s3_secret_key": "testing",
            "s3_bucket": "intake-outage",
            "s3_secure": False,
        }


def _file(client: Any, file_id: str) -> FileRow:
    with client.ctx.sessions() as s:
        f = s.get(FileRow, file_id)
        assert f is not None
        s.expunge(f)
        return f


def _until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _assert_unavailable(r: Any) -> None:
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) > 0
    assert r.json()["code"] == "unavailable"


def test_an_s3_outage_strands_nothing(service: Any, fake_reader: Any) -> None:
    s3 = S3()
    s3.start()
    try:
        client = service(reader=fake_reader, **s3.settings(), **FAST_RETRY)
        _until(lambda: client.get("/readyz").status_code == 200, 10, "never ready")  # the models load first
        client.ctx.worker.stop()  # the file is read only once the store is down
        claim = create(client)
        queued = upload(client, claim["id"], "invoice.png", png()).json()
        s3.stop()

        t0 = time.monotonic()
        _assert_unavailable(upload(client, claim["id"], "discharge.png", png(90, 60)))
        assert time.monotonic() - t0 < 8  # not minio's default five retries of a five-minute timeout
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["store"].startswith("unavailable")
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"

        client.ctx.worker.start()
        _until(lambda: _file(client, queued["file_id"]).transient_failures >= 2, 20, "no transient retry")
        f = _file(client, queued["file_id"])
        assert f.status in ("queued", "processing") and f.reason_code is None  # waiting, not failed

        s3.start()
        done = wait(client, claim["id"], timeout=30)
        assert [d["status"] for d in done["documents"]] == ["done"]
        assert client.get("/readyz").status_code == 200
        assert upload(client, claim["id"], "discharge.png", png(90, 60)).status_code == 202
        assert wait(client, claim["id"])["documents"][-1]["status"] == "done"
    finally:
        with contextlib.suppress(Exception):
            s3.stop()


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True)
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)]).returncode == 0


def _fill(path: Path) -> None:
    with open(path, "wb") as out:
        block = b"\0" * (1 << 16)
        try:
            while True:
                out.write(block)
                out.flush()
        except OSError:
            pass


def test_a_full_disk_then_freed(service: Any, fake_reader: Any, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "8m"):
        pytest.skip("needs root to mount a small tmpfs (CI runs as root)")
    try:
        client = service(reader=fake_reader, data_dir=disk / "data", min_free_bytes=1, **FAST_RETRY)
        client.ctx.worker.stop()
        claim = create(client)
        queued = upload(client, claim["id"], "invoice.png", png()).json()
        filler = disk / "filler"
        _fill(filler)

        t0 = time.monotonic()
        _assert_unavailable(upload(client, claim["id"], "discharge.png", png(90, 60)))
        assert time.monotonic() - t0 < 8
        assert client.get("/readyz").json()["checks"]["store"].startswith("unavailable")
        assert client.get("/healthz").status_code == 200

        client.ctx.worker.start()
        time.sleep(2.0)  # a few tries meet the full disk
        with client.ctx.sessions() as s:
            assert s.scalar(select(FileRow.status).where(FileRow.id == queued["file_id"])) != "failed"

        filler.unlink()
        done = wait(client, claim["id"], timeout=30)
        assert [d["status"] for d in done["documents"]] == ["done"]
        assert upload(client, claim["id"], "discharge.png", png(90, 60)).status_code == 202
        assert client.get("/readyz").status_code == 200
    finally:
        client.ctx.worker.stop()
        client.ctx.engine.dispose()
        subprocess.run(["umount", "-l", str(disk)])


def test_the_database_file_is_private(service: Any, fake_reader: Any, tmp_path: Path) -> None:
    client = service(reader=fake_reader, data_dir=tmp_path / "private")
    create(client)
    for f in (tmp_path / "private").glob("intake.db*"):
        assert f.stat().st_mode & 0o077 == 0, f"{f.name} is readable by others"
