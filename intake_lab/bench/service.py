"""Throughput and latency of the HTTP service on this machine, over real HTTP (uvicorn on loopback).

    .venv/bin/python intake_lab/bench/service.py [--seconds 10] [--clients 8] [--files 6]
    .venv/bin/python -m intake_lab.bench.service cluster [--workers 1,2,4] [--reader real|fake] …

The second form measures the production path (intake_lab/bench/service_cluster.py): Celery
workers on PostgreSQL + Redis + S3, pages per minute with 1, 2 and 4 workers, upload-to-result
latency under 50 concurrent uploads, recovery after a worker kill and a store outage, and each
worker's peak memory.

Prints requests per second for the cheap calls (reading a claim, creating a claim) and, with the
real pipeline on sample pages, the time from upload to result: one file at a time (latency) and a
burst of files at once (how long the queue takes to drain). Configuration comes from INTAKE_*
like the service's (default: embedded SQLite and blobs in a temporary folder), so the same script
measures a PostgreSQL + MinIO deployment.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import uvicorn

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "fixtures" / "sample"
FILES = [
    "0004-invoice_electronic-clean.png",
    "0001-discharge_certificate-clean.png",
    "0017-unit_certificate-clean.png",
    "0051-settlement_inpatient-photo.jpg",
    "0022-invoice_electronic-sideways.jpg",
    "0000-diagnosis_certificate-clean.png",
    "0014-settlement_inpatient-clean.png",
    "0035-unit_certificate-clean_jpeg.jpg",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(settings: Any) -> tuple[str, dict[str, str], uvicorn.Server]:
    from intake.service.app import create_app
    from intake.service.auth import create_key
    from intake.store.database import transaction

    app = create_app(settings)
    with transaction(app.state.ctx.sessions) as s:
        portal = create_key(s, "portal", "bench-portal")[1]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {portal}"}, server


def rate(name: str, seconds: float, clients: int, call: Any) -> None:
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def run() -> None:
        with httpx.Client(timeout=30) as c:
            while time.monotonic() < stop:
                t = time.perf_counter()
                ok = call(c)
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    errors[0] += not ok

    t0 = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for f in [pool.submit(run) for _ in range(clients)]:
            f.result()
    elapsed = time.monotonic() - t0
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{name:28} {len(latencies) / elapsed:8.1f} req/s   p50 {1000 * q[49]:6.1f} ms   "
        f"p99 {1000 * q[98]:6.1f} ms   ({len(latencies)} requests, {clients} clients, {errors[0]} errors)"
    )


def wait_done(c: httpx.Client, base: str, headers: dict[str, str], doc_id: str, timeout: float = 600) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = c.get(f"{base}/v1/documents/{doc_id}", headers=headers).json()["status"]
        if status in ("done", "failed"):
            return str(status)
        time.sleep(0.02)
    raise TimeoutError(doc_id)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("cluster", "worker"):
        from intake_lab.bench import service_cluster

        service_cluster.main(sys.argv[1:])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10.0, help="How long each request-rate test runs.")
    ap.add_argument("--clients", type=int, default=8, help="Concurrent clients for the request-rate tests.")
    ap.add_argument("--files", type=int, default=6, help="Sample files for the latency tests (max 8).")
    args = ap.parse_args()

    from intake.settings import Settings

    tmp = tempfile.mkdtemp(prefix="intake-bench-")
    overrides: dict[str, Any] = {"poll_seconds": 0.05}
    if "INTAKE_DATA_DIR" not in os.environ:
        overrides["data_dir"] = Path(tmp)
    settings = Settings.load(**overrides)
    base, headers, server = start(settings)
    print(
        f"intake service on {base}: database {settings.db_url.split(':')[0]}, "
        f"blobs {'S3 ' + settings.s3_endpoint if settings.s3_endpoint else 'local'}, "
        f"{settings.workers} worker thread(s), {os.cpu_count()} CPUs"
    )

    with httpx.Client(timeout=60) as c:
        # Load the models before anything is timed (the worker does it at start).
        t = time.perf_counter()
        claim = c.post(f"{base}/v1/claims", json={"claim_type": "inpatient"}, headers=headers).json()
        first = FILES[0]
        r = c.post(
            f"{base}/v1/claims/{claim['id']}/documents",
            files={"file": (first, (SAMPLE / first).read_bytes())},
            headers=headers,
        )
        wait_done(c, base, headers, r.json()["id"])
        print(f"{'warm-up (model load + 1 page)':28} {time.perf_counter() - t:8.2f} s")

    claim_url = f"{base}/v1/claims/{claim['id']}"
    rate("GET /v1/claims/{id}", args.seconds, args.clients, lambda c: c.get(claim_url, headers=headers).is_success)
    rate(
        "POST /v1/claims",
        args.seconds,
        args.clients,
        lambda c: c.post(f"{base}/v1/claims", json={"claim_type": "accident"}, headers=headers).is_success,
    )

    names = FILES[: max(1, min(args.files, len(FILES)))]
    with httpx.Client(timeout=60) as c:
        claim = c.post(f"{base}/v1/claims", json={"claim_type": "inpatient"}, headers=headers).json()
        one: list[float] = []
        for name in names:
            data = (SAMPLE / name).read_bytes()
            t = time.perf_counter()
            r = c.post(f"{base}/v1/claims/{claim['id']}/documents", files={"file": (name, data)}, headers=headers)
            status = wait_done(c, base, headers, r.json()["id"])
            one.append(time.perf_counter() - t)
            assert status == "done", (name, status)
        print(
            f"{'upload→result, one at a time':28} median {statistics.median(one):6.2f} s   "
            f"min {min(one):6.2f} s   max {max(one):6.2f} s   ({len(one)} single-page files)"
        )

        claim = c.post(f"{base}/v1/claims", json={"claim_type": "inpatient"}, headers=headers).json()
        t0 = time.perf_counter()
        ids = []
        for name in names:
            r = c.post(
                f"{base}/v1/claims/{claim['id']}/documents",
                files={"file": (name, (SAMPLE / name).read_bytes())},
                headers=headers,
            )
            ids.append(r.json()["id"])
        accepted = time.perf_counter() - t0
        done_at = []
        for doc_id in ids:
            wait_done(c, base, headers, doc_id)
            done_at.append(time.perf_counter() - t0)
        print(
            f"{'burst of ' + str(len(ids)) + ' uploads':28} all accepted in {accepted:5.2f} s, "
            f"all results in {done_at[-1]:6.2f} s ({len(ids) / done_at[-1]:.2f} files/s; "
            f"first {done_at[0]:.2f} s, median {statistics.median(done_at):.2f} s)"
        )
    server.should_exit = True
    sys.stdout.flush()


if __name__ == "__main__":
    main()
