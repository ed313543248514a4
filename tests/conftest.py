"""Shared fixtures: the committed sample corpus and a small freshly generated one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from intake.claim_reader import ClaimReader, ReadFile
from intake.elements.page import OcrLine
from intake.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "fixtures" / "sample"
SHARED_DATA = Path(os.environ.get("INTAKE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def sample_truth() -> dict[str, Any]:
    from intake_lab.synth.corpus import load_truth

    return load_truth(SAMPLE)


@pytest.fixture(scope="session")
def fresh_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A corpus generated in this test run, so the generator itself is what is checked."""
    from intake_lab.synth.corpus import generate

    out = tmp_path_factory.mktemp("corpus")
    return out, generate(out, count=24, seed=11)


# -- the HTTP service (tests/test_service_*.py) ------------------------------------------------


def _title() -> OcrLine:
    return OcrLine("医疗住院收费票据", (10, 10, 200, 40), 0.99)


class FakeReader(ClaimReader):
    """Stands in for the reading pipeline in the API-shape, auth and schemathesis tests only.

    It decodes the upload for real (so bad files fail as they would), reads no text, and calls a
    file's documents by its name: "invoice", "discharge", "bundle" (an invoice then a discharge).
    The claim rules and the checks are the real ones.
    """

    def __init__(self) -> None:
        super().__init__(Settings.load())
        self.calls = 0

    def load(self) -> None:
        pass

    def read_file(self, data: bytes, filename: str) -> ReadFile:
        from intake.elements.page import OcrPage, OcrResult
        from intake.upload.files import open_file

        self.calls += 1
        opened = open_file(data, filename, self.limits)
        pages = [OcrPage(p.number, p.image, [_title()]) for p in opened.pages()]
        ocr = OcrResult(filename, opened.media_type, pages)
        return ReadFile(ocr, self.documents_of(ocr))

    def read_page(self, opened: Any, number: int) -> Any:
        """One page, as read_file reads each (the service's per-page tasks)."""
        from intake.elements.page import OcrPage

        (p,) = opened.pages(only=number)
        return OcrPage(p.number, p.image, [_title()])

    def documents_of(self, ocr: Any, features: Any = None) -> list[Any]:
        from intake.elements.document import Document, Field
        from intake.vocabulary import DocType

        filename, pages = ocr.filename, ocr.pages
        invoice = {
            "invoice_code": Field("33060125", 0.97, 1, (10, 50, 120, 70), "票据代码 33060125"),
            "invoice_number": Field("0012345678", 0.96, 1, (130, 50, 260, 70), "票据号码 0012345678"),
            "total_amount": Field("12345.67", 0.95, 1, (10, 80, 120, 100), "12345.67"),
        }
        discharge = {"patient_name": Field("张三", 0.9, 1, (10, 50, 60, 70), "张三")}
        name = filename.lower()
        if "bundle" in name and len(pages) > 1:
            return [
                Document(filename, DocType.INVOICE, 0.9, [1], invoice),
                Document(filename, DocType.DISCHARGE, 0.8, [p.page for p in pages[1:]], discharge),
            ]
        if "invoice" in name:
            return [Document(filename, DocType.INVOICE, 0.9, [p.page for p in pages], invoice)]
        if "discharge" in name:
            return [Document(filename, DocType.DISCHARGE, 0.85, [p.page for p in pages], discharge)]
        return [Document(filename, DocType.OTHER, 0.6, [p.page for p in pages], {})]


@pytest.fixture
def fake_reader() -> FakeReader:
    return FakeReader()


@pytest.fixture(scope="session")
def engine() -> Any:
    """The OCR engine of the default configuration, loaded once for the seal tests."""
    from intake.ocr.config import default_config
    from intake.ocr.engines import create_engine

    return create_engine(default_config())


@pytest.fixture(scope="session")
def real_reader() -> Any:
    """The real pipeline, loaded once for every end-to-end service test."""
    from intake.claim_reader import ClaimReader

    reader = ClaimReader()
    reader.load()
    return reader


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_server() -> Any:
    """An S3-compatible server (moto) on a free loopback port: {"endpoint", "access_key", "secret_key"}."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield {"endpoint": f"127.0.0.1:{port}", "access_key": "testing", "secret_key": "testing"}
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Any:
    """A database of its own on the local PostgreSQL server, dropped after the session.

    INTAKE_TEST_POSTGRES names the server (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
    """
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    base = os.environ.get("INTAKE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"intake_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {base}: {type(exc).__name__}")
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def service(tmp_path: Path) -> Any:
    """make(settings overrides, processor=...) -> a running app's TestClient with .keys (portal, other_portal,
    reviewer, admin: header dicts) and .ctx; everything is shut down at the end of the test."""
    from contextlib import ExitStack

    from fastapi.testclient import TestClient

    from intake.service.app import create_app
    from intake.service.auth import create_key
    from intake.settings import Settings
    from intake.store.database import transaction

    stack = ExitStack()

    def make(reader: Any = None, **overrides: Any) -> Any:
        overrides.setdefault("data_dir", tmp_path / "data")
        overrides.setdefault("poll_seconds", 0.2)
        settings = Settings(**overrides)
        app = create_app(settings, reader=reader)
        ctx = app.state.ctx
        keys = {}
        with transaction(ctx.sessions) as s:
            for label, role, name in [
                ("portal", "portal", "portal-a"),
                ("other_portal", "portal", "portal-b"),
                ("reviewer", "reviewer", "reviewer-1"),
                ("admin", "admin", "admin-1"),
            ]:
                keys[label] = {"Authorization": f"Bearer {create_key(s, role, name)[1]}"}
        stack.callback(ctx.engine.dispose)  # after the client below has stopped the worker
        client = stack.enter_context(TestClient(app))
        client.keys = keys  # type: ignore[attr-defined]
        client.ctx = ctx  # type: ignore[attr-defined]
        return client

    yield make
    stack.close()


@pytest.fixture(scope="session")
def sample_ocr(sample_truth: dict[str, Any]) -> dict[str, Any]:
    """Every committed sample file read by the OCR pipeline, once per test run (about a minute and a half)."""
    from intake.ocr.pipeline import OcrPipeline

    pipeline = OcrPipeline()
    return {f["file"]: pipeline.read_file((SAMPLE / f["file"]).read_bytes(), f["file"]) for f in sample_truth["files"]}
