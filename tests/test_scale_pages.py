"""Large files read as per-page tasks (INTAKE_PAGES_PER_TASK, with a broker): each page is taken
under a lease of its own and read once, a re-delivered task changes nothing, a page the file cannot
be read for fails the whole file with the member's reason, a transient fault queues only that page
again, and the file is assembled into the documents a whole reading gives, settling the claim once.

These tests drive the steps the Celery tasks run (intake.service.processing) in this process, on
SQLite; tests/test_scale_celery.py runs them in two Celery workers on real servers.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from intake.service import writes
from intake.service.auth import Principal
from intake.service.context import ServiceContext, make_context
from intake.service.processing import process, process_page
from intake.service.schemas import ClaimCreate
from intake.settings import Settings
from intake.store.tables import ClaimRow, FilePageRow, FileRow, OutboxRow
from intake.upload.files import InputError, open_file

from .conftest import FakeReader
from .test_service_api import pdf

PORTAL = Principal("key-1", "portal-pages", "portal")


class PageFaults(FakeReader):
    """The fake reader, with a page that cannot be read (an input error) or that fails once for
    a reason not its own (a transient fault), and a count of the pages it read."""

    def __init__(self, bad_page: int | None = None, flaky_page: int | None = None) -> None:
        super().__init__()
        self.bad_page, self.flaky_page = bad_page, flaky_page
        self.read: Counter[int] = Counter()

    def read_page(self, opened: Any, number: int) -> Any:
        self.read[number] += 1
        if number == self.bad_page:
            raise InputError(opened.filename, "broken_pdf", f"page {number} cannot be rendered")
        if number == self.flaky_page and self.read[number] == 1:
            raise ConnectionError("the store went away")
        return super().read_page(opened, number)


def _context(tmp_path: Path, reader: FakeReader) -> ServiceContext:
    settings = Settings(
        data_dir=tmp_path / "data",
        webhook_secret="pages-secret",
        webhook_allow_hosts="127.0.0.1",
        retry_base_seconds=0.01,
        retry_max_seconds=0.02,
    )
    return make_context(settings, reader)


def _upload(ctx: ServiceContext, name: str, data: bytes) -> tuple[str, str]:
    body = ClaimCreate.model_validate({"claim_type": "inpatient", "webhook_url": "http://127.0.0.1:9/hook"})
    claim, _ = writes.create_claim(ctx, PORTAL, body, None)
    key = ctx.blobs.put(data, "application/pdf")
    up, _ = writes.add_upload(ctx, claim.id, PORTAL, key, len(data), "application/pdf", name)
    return claim.id, up.file_id


def _documents(ctx: ServiceContext, claim_id: str) -> list[tuple[Any, ...]]:
    with ctx.sessions() as s:
        claim = s.get(ClaimRow, claim_id)
        assert claim is not None
        return [(d.position, d.doc_type, d.pages, d.fields) for d in claim.documents]


def _pages_of(ocr: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in p.items() if k != "image"} for p in ocr["pages"]]


def test_a_large_file_is_read_page_by_page_and_settles_its_claim_once(tmp_path: Path) -> None:
    reader = PageFaults()
    ctx = _context(tmp_path, reader)
    claim_id, file_id = _upload(ctx, "bundle.pdf", pdf(6))

    split = process(ctx, file_id, split_above=2)
    assert split is not None and split.state == "split" and split.pages == (1, 2, 3, 4, 5, 6)
    assert reader.read == Counter() and reader.calls == 0  # splitting decodes no page
    again = process(ctx, file_id, split_above=2)  # the file task, delivered again
    assert again is not None and again.state == "skipped" and again.retry_in is None
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(FilePageRow)) == 6
        assert s.get(ClaimRow, claim_id).status == "processing"  # type: ignore[union-attr]

    outcomes = [process_page(ctx, file_id, n, owner=f"worker-{n % 2}").state for n in range(1, 7)]
    assert outcomes == ["done"] * 5 + ["last"]
    assert process_page(ctx, file_id, 3).state == "skipped"  # a page task delivered again
    assert reader.read == Counter({n: 1 for n in range(1, 7)})
    with ctx.sessions() as s:
        f = s.get(FileRow, file_id)
        assert f is not None and f.status == "queued" and f.pages_done == 6
        assert s.get(ClaimRow, claim_id).status == "processing"  # type: ignore[union-attr]

    assert process(ctx, file_id, split_above=2).state == "done"  # type: ignore[union-attr]  # assembled
    assert process_page(ctx, file_id, 6).state == "skipped"  # the last page's task, delivered again
    assert process(ctx, file_id, split_above=2).state == "skipped"  # type: ignore[union-attr]

    # What reading the same file whole gives, in a claim of its own.
    whole_claim, whole_file = _upload(ctx, "bundle.pdf", pdf(6))
    assert process(ctx, whole_file).state == "done"  # type: ignore[union-attr]
    assert _documents(ctx, claim_id) == _documents(ctx, whole_claim)
    with ctx.sessions() as s:
        paged, whole = s.get(FileRow, file_id), s.get(FileRow, whole_file)
        assert paged is not None and whole is not None
        assert paged.status == "done" and _pages_of(paged.ocr or {}) == _pages_of(whole.ocr or {})
        assert all(ctx.blobs.get(p["image"]) for p in (paged.ocr or {})["pages"])  # every page image stored
        assert s.scalar(select(func.count()).select_from(FilePageRow)) == 0  # the pages are the file's now
        events = s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.claim_id == claim_id))
        assert events == 1
        claim = s.get(ClaimRow, claim_id)
        assert claim is not None and claim.status != "processing"


def test_a_page_that_cannot_be_read_fails_the_whole_file_with_its_reason(tmp_path: Path) -> None:
    reader = PageFaults(bad_page=3)
    ctx = _context(tmp_path, reader)
    claim_id, file_id = _upload(ctx, "bundle.pdf", pdf(5))
    assert process(ctx, file_id, split_above=2).state == "split"  # type: ignore[union-attr]
    assert [process_page(ctx, file_id, n).state for n in (1, 2, 3)] == ["done", "done", "failed"]
    assert [process_page(ctx, file_id, n).state for n in (4, 5)] == ["skipped", "skipped"]  # not read
    assert reader.read == Counter({1: 1, 2: 1, 3: 1})
    with ctx.sessions() as s:
        f = s.get(FileRow, file_id)
        assert f is not None and (f.status, f.reason_code, f.reason) == (
            "failed",
            "broken_pdf",
            "page 3 cannot be rendered",
        )
        claim = s.get(ClaimRow, claim_id)
        assert claim is not None and claim.status != "processing"
        assert s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.claim_id == claim_id)) == 1


def test_a_transient_fault_queues_only_that_page_again(tmp_path: Path) -> None:
    reader = PageFaults(flaky_page=2)
    ctx = _context(tmp_path, reader)
    claim_id, file_id = _upload(ctx, "invoice.pdf", pdf(3))
    assert process(ctx, file_id, split_above=1).state == "split"  # type: ignore[union-attr]
    first = [process_page(ctx, file_id, n) for n in (1, 2, 3)]
    assert [o.state for o in first] == ["done", "retry", "done"] and first[1].retry_in is not None
    with ctx.sessions() as s:
        page = s.get(FilePageRow, (file_id, 2))
        assert page is not None and page.status == "queued" and page.attempts == 0  # an outage costs no attempt
    time.sleep(first[1].retry_in)
    assert process_page(ctx, file_id, 2).state == "last"
    assert process(ctx, file_id, split_above=1).state == "done"  # type: ignore[union-attr]
    assert reader.read == Counter({1: 1, 2: 2, 3: 1})
    assert [d[1] for d in _documents(ctx, claim_id)] == ["invoice"]


def test_a_page_is_decoded_alone(tmp_path: Path) -> None:
    from PIL import Image

    frames = [Image.new("RGB", (100 + 10 * i, 140), "white") for i in range(3)]
    tiff = tmp_path / "three.tif"
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    for data in (tiff.read_bytes(), pdf(3)):
        opened = open_file(data, "three")
        every = list(opened.pages())
        for n in (1, 2, 3):
            (alone,) = opened.pages(only=n)
            assert alone.number == n and (alone.image == every[n - 1].image).all()
        with pytest.raises(ValueError):
            list(opened.pages(only=4))


def test_the_sweeper_finds_lost_page_tasks_and_the_heartbeat_keeps_live_ones(tmp_path: Path) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from intake.store.database import transaction
    from intake.store.tables import utcnow

    ctx = _context(tmp_path, PageFaults())
    _, file_id = _upload(ctx, "bundle.pdf", pdf(6))
    assert process(ctx, file_id, split_above=2).state == "split"  # type: ignore[union-attr]
    assert writes.lost_pages(ctx, 300) == [(file_id, n) for n in range(1, 7)]  # no task sent yet
    writes.mark_pages_dispatched(ctx, [(file_id, n) for n in range(1, 7)])
    assert writes.lost_pages(ctx, 300) == []  # sent, and not long ago
    assert writes.take_page(ctx, "dead-worker", file_id, 1) is not None
    assert writes.take_page(ctx, "live-worker", file_id, 2) is not None
    assert writes.take_page(ctx, "other-worker", file_id, 2) is None  # held
    with transaction(ctx.sessions) as s:  # both leases about to run out; only the live one is renewed
        s.execute(update(FilePageRow).where(FilePageRow.page <= 2).values(lease_expires=utcnow()))
    assert writes.renew_leases(ctx, "live-worker") == 1
    assert writes.lost_pages(ctx, 300) == [(file_id, 1)]  # its worker died: sent again
    with ctx.sessions() as s:
        live = s.get(FilePageRow, (file_id, 2))
        assert live is not None and live.lease_expires is not None
        assert live.lease_expires > utcnow() + timedelta(seconds=ctx.settings.lease_seconds / 2)


def test_a_page_whose_readers_keep_dying_fails_its_file(tmp_path: Path) -> None:
    from sqlalchemy import update

    from intake.store.database import transaction
    from intake.store.tables import utcnow

    ctx = _context(tmp_path, PageFaults())
    claim_id, file_id = _upload(ctx, "bundle.pdf", pdf(3))
    assert process(ctx, file_id, split_above=1).state == "split"  # type: ignore[union-attr]
    for _ in range(ctx.settings.max_attempts):
        assert writes.take_page(ctx, "dying-worker", file_id, 2) is not None
        with transaction(ctx.sessions) as s:  # killed: its lease runs out unrenewed
            s.execute(update(FilePageRow).where(FilePageRow.page == 2).values(lease_expires=utcnow()))
    assert process_page(ctx, file_id, 2).state == "skipped"
    with ctx.sessions() as s:
        f = s.get(FileRow, file_id)
        assert f is not None and (f.status, f.reason_code) == ("failed", "interrupted")
        assert s.get(ClaimRow, claim_id).status != "processing"  # type: ignore[union-attr]


def test_the_embedded_service_finishes_a_file_split_by_workers(tmp_path: Path) -> None:
    """A service started without a broker on a database where workers had split a file (the
    broker was taken away): its threads read the remaining pages and assemble the file."""
    from intake.service.queue.embedded import EmbeddedRunner

    reader = PageFaults()
    ctx = _context(tmp_path, reader)
    claim_id, file_id = _upload(ctx, "bundle.pdf", pdf(5))
    assert process(ctx, file_id, split_above=2).state == "split"  # type: ignore[union-attr]
    assert process_page(ctx, file_id, 1).state == "done"
    runner = EmbeddedRunner(ctx)
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while (status := writes.file_state(ctx, file_id)) is None or status[0] != "done":
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
    finally:
        runner.stop()
    assert reader.read == Counter({n: 1 for n in range(1, 6)}) and reader.calls == 0  # never read whole
    assert [d[1] for d in _documents(ctx, claim_id)] == ["invoice", "discharge"]


@pytest.mark.slow
def test_read_page_by_page_the_real_pipeline_finds_what_it_finds_reading_the_file_whole(
    tmp_path: Path, real_reader: Any
) -> None:
    """The sample bundle through the real OCR, classifier and extractor: assembled from its pages
    read one by one (what OCR read and each page's features, read back from the database), it has
    the documents, types, confidences and fields that reading it whole gives."""
    from .conftest import SAMPLE

    data = (SAMPLE / "0071-bundle-pdf_bundle.pdf").read_bytes()
    assert open_file(data, "bundle.pdf").page_count > 1
    ctx = _context(tmp_path, real_reader)
    paged_claim, paged = _upload(ctx, "bundle.pdf", data)
    whole_claim, whole = _upload(ctx, "bundle.pdf", data)
    split = process(ctx, paged, split_above=1)
    assert split is not None and split.state == "split"
    assert [process_page(ctx, paged, n).state for n in split.pages][-1] == "last"
    assert process(ctx, paged, split_above=1).state == "done"  # type: ignore[union-attr]
    assert process(ctx, whole).state == "done"  # type: ignore[union-attr]
    assert _documents(ctx, paged_claim) == _documents(ctx, whole_claim)
    with ctx.sessions() as s:
        a, b = s.get(FileRow, paged), s.get(FileRow, whole)
        assert a is not None and b is not None and _pages_of(a.ocr or {}) == _pages_of(b.ocr or {})
