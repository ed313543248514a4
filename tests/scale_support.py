"""Processes for the scale tests (tests/test_scale_*.py): an API process or a Celery worker whose
reader is the fake one of conftest.py, slowed down and writing down every read, so that the tests
can tell whether any file was read twice and which process read it.

    python -m tests.scale_support serve PORT      (settings from INTAKE_* as usual)
    python -m tests.scale_support worker CONCURRENCY
    python -m tests.scale_support cli worker --concurrency 1 --metrics-port 9100   (the real CLI)

SCALE_READ_LOG names the file each read is appended to ("START name pid" before, "END name pid"
after; a page read by a per-page task is named "name#page"); SCALE_PAGE_SECONDS is how long each
page takes.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from intake.settings import Settings

from .conftest import FakeReader


class RecordingReader(FakeReader):
    def _note(self, what: str, filename: str) -> None:
        path = os.environ.get("SCALE_READ_LOG")
        if path:
            with open(path, "a", encoding="utf-8") as out:  # one short append per line: atomic enough
                out.write(f"{what} {filename} {os.getpid()}\n")

    def read_file(self, data: bytes, filename: str) -> Any:
        self._note("START", filename)
        result = super().read_file(data, filename)
        time.sleep(float(os.environ.get("SCALE_PAGE_SECONDS", "0.2")) * len(result.ocr.pages))
        self._note("END", filename)
        return result

    def read_page(self, opened: Any, number: int) -> Any:
        # One page of a file read as per-page tasks: noted as NAME#N.
        self._note("START", f"{opened.filename}#{number}")
        page = super().read_page(opened, number)
        time.sleep(float(os.environ.get("SCALE_PAGE_SECONDS", "0.2")))
        self._note("END", f"{opened.filename}#{number}")
        return page


def reader(_: Settings | None = None) -> RecordingReader:
    return RecordingReader()


def main() -> None:
    role = sys.argv[1]
    settings = Settings.load()
    if role == "serve":
        import uvicorn

        from intake.service.app import create_app

        app = create_app(settings, reader=reader())
        uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    elif role == "worker":
        from intake.service.queue.celery import run_worker

        run_worker(
            settings,
            concurrency=int(sys.argv[2]),
            queues=[settings.queue_name],
            max_memory_mb=None,
            reader_factory=reader,
            loglevel="WARNING",
        )
    elif role == "cli":
        # `intake …` itself, its pool processes reading with the fake reader: set in the worker's
        # main process when it starts, before the pool is forked (importing the Celery module
        # here would import prometheus_client before `intake worker --metrics-port` may).
        from celery import signals

        from intake.cli import app as cli

        def fake_reader(**_: Any) -> None:
            sys.modules["intake.service.queue.celery"]._reader_factory = reader  # type: ignore[attr-defined]

        signals.worker_init.connect(fake_reader, weak=False)
        cli(sys.argv[2:])
    else:  # pragma: no cover
        raise SystemExit(f"unknown role {role}")


if __name__ == "__main__":
    main()
