"""The production path measured: `intake serve` with a broker, N `intake worker` processes, on
PostgreSQL + Redis + an S3 server (moto, in this process), over real HTTP on loopback.

    .venv/bin/python -m intake_lab.bench.service cluster [--workers 1,2,4] [--pages 12]
        [--uploads 50] [--reader real|fake] [--lease 10] [--outage 20] [--bundle 24]

Prints, for each worker count: pages per minute on a burst of single-page uploads (and the ratio
to one worker), each worker's peak resident memory (VmHWM of its pool process plus its main
process); with --bundle N, the time one N-page PDF takes (read as per-page tasks shared by the
workers when N is over INTAKE_PAGES_PER_TASK, taken from the environment); with the largest
count: upload-to-result p50/p95 under --uploads concurrent uploads;
with two workers: the time from `kill -9` of the worker process reading a file until the file is
taken again and until it is done; the time from the S3 server's return after an --outage-second
stop until every file queued meanwhile is done, and how uploads were answered during it.

`--reader fake` replaces OCR by 0.2 s of sleep a page: what the queue itself costs. PostgreSQL is
INTAKE_TEST_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432/test; a database of its
own is created and dropped), the broker INTAKE_TEST_BROKER (default redis://127.0.0.1:6379/0,
on a queue of its own).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "fixtures" / "sample"
PAGES = sorted(p for p in SAMPLE.iterdir() if p.suffix in (".png", ".jpg") and "-clean" in p.name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the worker process (python -m intake_lab.bench.service worker --reader fake) -----------------


def _worker(argv: list[str]) -> None:
    from intake.claim_reader import ClaimReader, ReadFile
    from intake.service.logs import configure_logging
    from intake.service.queue.celery import run_worker
    from intake.settings import Settings

    ap = argparse.ArgumentParser()
    ap.add_argument("--reader", choices=("real", "fake"), default="real")
    args = ap.parse_args(argv)

    class SleepReader(ClaimReader):
        """The real decoding and checks, no OCR: 0.2 s a page (a page task's page too)."""

        def load(self) -> None:
            pass

        def read_file(self, data: bytes, filename: str) -> ReadFile:
            from intake.elements.page import OcrPage, OcrResult
            from intake.upload.files import open_file

            opened = open_file(data, filename, self.limits)
            pages = [OcrPage(p.number, p.image, []) for p in opened.pages()]
            time.sleep(0.2 * len(pages))
            ocr = OcrResult(filename, opened.media_type, pages)
            return ReadFile(ocr, self.documents_of(ocr))

        def read_page(self, opened: Any, number: int) -> Any:
            from intake.elements.page import OcrPage

            (p,) = opened.pages(only=number)
            time.sleep(0.2)
            return OcrPage(p.number, p.image, [])

        def documents_of(self, ocr: Any, features: Any = None) -> list[Any]:
            from intake.elements.document import Document
            from intake.vocabulary import DocType

            return [Document(ocr.filename, DocType.OTHER, 0.5, [p.page for p in ocr.pages], {})]

    settings = Settings.load()
    configure_logging("WARNING")
    factory: Callable[[Settings], ClaimReader] = SleepReader if args.reader == "fake" else ClaimReader
    run_worker(
        settings,
        concurrency=1,
        queues=[settings.queue_name],
        max_memory_mb=None,
        reader_factory=factory,
        loglevel="WARNING",
    )


# -- the bench ---------------------------------------------------------------------------------------


class Cluster:
    def __init__(self, args: argparse.Namespace) -> None:
        from moto.server import ThreadedMotoServer
        from sqlalchemy import create_engine, text

        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="intake-cluster-"))
        base = os.environ.get("INTAKE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
        self.admin = create_engine(base, isolation_level="AUTOCOMMIT")
        self.dbname = f"intake_bench_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.dbname}"'))
        self.db_url = self.admin.url.set(database=self.dbname).render_as_string(hide_password=False)
        self.engine = create_engine(self.db_url)
        self.s3_port = free_port()
        self.s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=self.s3_port, verbose=False)
        self.s3.start()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "INTAKE_DATA_DIR": str(self.tmp / "data"),
            "INTAKE_DATABASE_URL": self.db_url,
            "INTAKE_S3_ENDPOINT": f"127.0.0.1:{self.s3_port}",
            "INTAKE_S3_ACCESS_KEY": "bench",
            "INTAKE_S3_SECRET_KEY": "bench",
            "INTAKE_S3_BUCKET": "intake-bench",
            "INTAKE_S3_SECURE": "false",
            "INTAKE_BROKER_URL": os.environ.get("INTAKE_TEST_BROKER", "redis://127.0.0.1:6379/0"),
            "INTAKE_QUEUE_NAME": f"intake-bench-{uuid.uuid4().hex[:8]}",
            "INTAKE_LEASE_SECONDS": str(args.lease),
            "INTAKE_RETRY_BASE_SECONDS": "1",
            "INTAKE_RETRY_MAX_SECONDS": "5",
            "INTAKE_SWEEP_SECONDS": "2",
            "INTAKE_SESSION_SECRET": "bench-session-secret-0123456789",
            "INTAKE_LOG_LEVEL": "WARNING",
        }
        self.api_proc: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.base = ""
        self.headers: dict[str, str] = {}

    def _popen(self, args: list[str], name: str) -> subprocess.Popen[bytes]:
        out = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        cmd = ["nice", "-n", "10", sys.executable, *args]
        return subprocess.Popen(cmd, cwd=REPO, env=self.env, stdout=out, stderr=out)

    def start_api(self) -> None:
        from intake.service.auth import create_key
        from intake.store.database import migrate, session_factory, transaction

        migrate(self.engine)
        with transaction(session_factory(self.engine)) as s:
            self.headers = {"Authorization": f"Bearer {create_key(s, 'portal', 'bench')[1]}"}
        port = free_port()
        self.api_proc = self._popen(["-c", "from intake.cli import app; app()", "serve", "--port", str(port)], "api")
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=3).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the API did not become ready; see {self.tmp / 'api.log'}")
            time.sleep(0.5)

    def start_workers(self, n: int) -> None:
        for i in range(n):
            self.workers.append(
                self._popen(["-m", "intake_lab.bench.service", "worker", "--reader", self.args.reader], f"worker-{i}")
            )

    def stop_workers(self) -> None:
        for w in self.workers:
            w.send_signal(signal.SIGTERM)
        for w in self.workers:
            try:
                w.wait(60)
            except subprocess.TimeoutExpired:
                w.kill()
        self.workers.clear()

    def close(self) -> None:
        from sqlalchemy import text

        self.stop_workers()
        if self.api_proc is not None:
            self.api_proc.terminate()
            self.api_proc.wait(30)
        self.engine.dispose()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)'))
        self.admin.dispose()
        self.s3.stop()

    # -- calls ------------------------------------------------------------------------------------
    def claim(self) -> str:
        r = httpx.post(f"{self.base}/v1/claims", json={"claim_type": "inpatient"}, headers=self.headers, timeout=60)
        return str(r.json()["id"])

    def upload(self, claim: str, path: Path, name: str | None = None) -> httpx.Response:
        files = {"file": (name or path.name, path.read_bytes())}
        return httpx.post(f"{self.base}/v1/claims/{claim}/documents", files=files, headers=self.headers, timeout=120)

    def done_times(self, doc_ids: list[str], timeout: float) -> dict[str, float]:
        """When each document was first seen done (monotonic)."""
        seen: dict[str, float] = {}
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=30, headers=self.headers) as c:
            while len(seen) < len(doc_ids):
                for d in doc_ids:
                    if d not in seen and c.get(f"{self.base}/v1/documents/{d}").json()["status"] in ("done", "failed"):
                        seen[d] = time.monotonic()
                if time.monotonic() > deadline:
                    raise SystemExit(f"{len(doc_ids) - len(seen)} documents not done after {timeout:.0f} s")
                time.sleep(0.1)
        return seen

    def burst(self, n: int, concurrency: int) -> tuple[float, list[float]]:
        """n single-page uploads, concurrency at a time: (seconds until all done, upload-to-result latencies)."""
        claim = self.claim()
        files = [PAGES[i % len(PAGES)] for i in range(n)]
        sent: dict[str, float] = {}
        t0 = time.monotonic()

        def one(i: int) -> None:
            t = time.monotonic()
            r = self.upload(claim, files[i], f"p{i}-{files[i].name}")
            assert r.status_code == 202, r.text
            sent[r.json()["id"]] = t

        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, range(n)))
        done = self.done_times(list(sent), timeout=3600)
        return max(done.values()) - t0, [done[d] - sent[d] for d in sent]

    def bundle(self, pages: int) -> float:
        """Seconds from the upload of one PDF of `pages` sample pages until it is done."""
        from PIL import Image

        path = self.tmp / f"bundle-{pages}.pdf"
        if not path.exists():
            images = [Image.open(PAGES[i % len(PAGES)]).convert("RGB") for i in range(pages)]
            images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=150)
        claim = self.claim()
        t0 = time.monotonic()
        r = self.upload(claim, path, "bundle.pdf")
        assert r.status_code == 202, r.text
        return self.done_times([r.json()["id"]], timeout=3600)[r.json()["id"]] - t0

    def peak_memory(self) -> list[float]:
        """MB of VmHWM per worker: its main process plus its pool processes."""
        out = []
        for w in self.workers:
            pids = [w.pid, *_children(w.pid)]
            out.append(sum(_vmhwm(p) for p in pids) / 1024)
        return out

    def holder_pid(self, file_id: str, timeout: float = 600) -> int:
        from sqlalchemy import select

        from intake.store.tables import FileRow

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.engine.connect() as conn:
                owner = conn.scalar(select(FileRow.lease_owner).where(FileRow.id == file_id))
            if owner:
                return int(owner.split(":")[1])
            time.sleep(0.05)
        raise SystemExit("the file was never taken")

    def attempts(self, file_id: str) -> int:
        from sqlalchemy import select

        from intake.store.tables import FileRow

        with self.engine.connect() as conn:
            return int(conn.scalar(select(FileRow.attempts).where(FileRow.id == file_id)) or 0)


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            kids += [int(x) for x in (task / "children").read_text().split()]
    # `nice` execs python in place, so the worker's pid is python's; Celery's pool processes are its children.
    return kids + [g for k in kids for g in _children(k)]


def _vmhwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(args: argparse.Namespace) -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request lines
    counts = [int(x) for x in args.workers.split(",")]
    cluster = Cluster(args)
    try:
        cluster.start_api()
        load = os.getloadavg()
        print(
            f"intake cluster: 1 API process, PostgreSQL, Redis ({cluster.env['INTAKE_BROKER_URL']}), S3 (moto); "
            f"reader {args.reader}; {os.cpu_count()} CPUs, load average {load[0]:.1f} at start"
        )
        per_minute: dict[int, float] = {}
        for n in counts:
            cluster.start_workers(n)
            t = time.monotonic()
            cluster.burst(2 * n, 2 * n)  # warm-up: every worker loads its models and reads a page
            warm = time.monotonic() - t
            seconds, _ = cluster.burst(args.pages, args.pages)
            per_minute[n] = args.pages / seconds * 60
            mem = cluster.peak_memory()
            ratio = per_minute[n] / per_minute[counts[0]]
            print(
                f"{n} worker(s): {per_minute[n]:6.1f} pages/min ({args.pages} pages in {seconds:6.1f} s; "
                f"x{ratio:.2f} of {counts[0]}); warm-up {warm:5.1f} s; peak memory per worker "
                f"{', '.join(f'{m:.0f}' for m in mem)} MB; load {os.getloadavg()[0]:.1f}"
            )
            if args.bundle:
                took = cluster.bundle(args.bundle)
                print(
                    f"{n} worker(s): one {args.bundle}-page PDF done in {took:6.1f} s "
                    f"({args.bundle / took * 60:6.1f} pages/min; INTAKE_PAGES_PER_TASK "
                    f"{cluster.env.get('INTAKE_PAGES_PER_TASK', '4')})"
                )
            if n == counts[-1] and args.uploads:
                total, lat = cluster.burst(args.uploads, args.uploads)
                q = statistics.quantiles(lat, n=100)
                print(
                    f"{args.uploads} concurrent uploads, {n} worker(s): upload-to-result p50 {q[49]:6.1f} s, "
                    f"p95 {q[94]:6.1f} s, all done in {total:6.1f} s"
                )
            cluster.stop_workers()

        # Recovery after kill -9 of the worker process reading a file.
        cluster.start_workers(2)
        cluster.burst(4, 4)
        claim = cluster.claim()
        r = cluster.upload(claim, PAGES[0]).json()
        pid = cluster.holder_pid(r["file_id"])
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        while cluster.attempts(r["file_id"]) < 2:
            time.sleep(0.05)
        retaken = time.monotonic() - killed
        done = cluster.done_times([r["id"]], timeout=1800)[r["id"]] - killed
        print(
            f"kill -9 of the reading worker process: file taken again after {retaken:5.1f} s, done after "
            f"{done:5.1f} s (lease {args.lease:.0f} s)"
        )

        # Recovery after a store outage: files queued while the S3 server is down.
        claim = cluster.claim()
        ids = [cluster.upload(claim, PAGES[i % len(PAGES)], f"o{i}.png").json()["id"] for i in range(4)]
        cluster.s3.stop()
        t_down = time.monotonic()
        answers: list[int] = []
        slowest = 0.0
        while time.monotonic() - t_down < args.outage:
            t = time.monotonic()
            answers.append(cluster.upload(claim, PAGES[0], "during.png").status_code)
            slowest = max(slowest, time.monotonic() - t)
            time.sleep(1.0)
        cluster.s3.start()
        back = time.monotonic()
        done_at = cluster.done_times(ids, timeout=1800)
        print(
            f"S3 stopped {args.outage:.0f} s: uploads meanwhile answered {sorted(set(answers))} "
            f"(slowest {slowest:.2f} s); every queued file done {max(done_at.values()) - back:5.1f} s after it "
            f"returned"
        )
        cluster.stop_workers()
    finally:
        cluster.close()


def main(argv: list[str]) -> None:
    if argv[0] == "worker":
        _worker(argv[1:])
        return
    ap = argparse.ArgumentParser(
        prog="intake_lab.bench.service cluster",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--workers", default="1,2,4", help="Worker process counts to measure, comma-separated.")
    ap.add_argument("--pages", type=int, default=12, help="Single-page uploads per throughput burst.")
    ap.add_argument("--bundle", type=int, default=0, help="Pages of one PDF timed per worker count (0: none).")
    ap.add_argument("--uploads", type=int, default=50, help="Concurrent uploads for the latency figure (0: none).")
    ap.add_argument("--reader", choices=("real", "fake"), default="real", help="fake: 0.2 s a page, no OCR.")
    ap.add_argument("--lease", type=float, default=10.0, help="INTAKE_LEASE_SECONDS of the workers.")
    ap.add_argument("--outage", type=float, default=20.0, help="Seconds the S3 server is stopped.")
    run(ap.parse_args(argv[1:]))
