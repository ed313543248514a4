"""Bounded work per file: small files that would decode to gigabytes, and pages no member could
have meant, are refused at upload with a reason the member can act on (nothing is decoded)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from .test_service_api import create, upload

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def client(service: Any, fake_reader: Any) -> Any:
    return service(reader=fake_reader)


def many_huge_tiff_pages(pages: int = 40, side: int = 6000) -> bytes:
    """40 pages of 36 MP each, bilevel and blank: about a hundred KB on disk, 4 GB decoded as BGR."""
    page = Image.new("1", (side, side), 1)
    buf = io.BytesIO()
    page.save(buf, "TIFF", compression="group4", save_all=True, append_images=[page] * (pages - 1))
    return buf.getvalue()


def huge_pdf_page_boxes(pages: int = 40, points: float = 3000) -> bytes:
    """40 blank pages of 3000×3000 pt: a few KB, ~39 MP each when rendered at 150 dpi."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=points, height=points)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_a_tiny_tiff_of_many_huge_pages_is_refused(client: Any) -> None:
    data = many_huge_tiff_pages()
    assert len(data) < 1 << 20
    claim = create(client)
    r = upload(client, claim["id"], "scan.tif", data)
    assert r.status_code == 422, r.text
    assert "megapixels" in r.json()["detail"] and "lower resolution or in several files" in r.json()["detail"]


def test_a_tiny_pdf_with_huge_page_boxes_is_refused(client: Any) -> None:
    data = huge_pdf_page_boxes()
    assert len(data) < 64 << 10
    claim = create(client)
    r = upload(client, claim["id"], "bundle.pdf", data)
    assert r.status_code == 422, r.text
    assert "megapixels" in r.json()["detail"]


@pytest.mark.parametrize("size", [(20000, 100), (100, 3000)])
def test_an_extreme_aspect_ratio_is_refused_with_a_reason(client: Any, size: tuple[int, int]) -> None:
    buf = io.BytesIO()
    Image.new("RGB", size, "white").save(buf, "PNG")
    claim = create(client)
    r = upload(client, claim["id"], "strip.png", buf.getvalue())
    assert r.status_code == 422, r.text
    assert "too long and narrow" in r.json()["detail"] and "strip.png" not in r.json()["detail"]


def test_a_long_receipt_and_a_normal_bundle_still_pass(client: Any) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (600, 3000), "white").save(buf, "PNG")  # a till receipt, 1:5
    claim = create(client)
    assert upload(client, claim["id"], "receipt.png", buf.getvalue()).status_code == 202
    assert upload(client, claim["id"], "bundle.pdf", huge_pdf_page_boxes(pages=20, points=842)).status_code == 202


def test_the_worker_refuses_them_too_before_decoding(service: Any, fake_reader: Any) -> None:
    """A file that reached the queue some other way (stored before these limits) is failed by the
    worker with the same reason: the real reader refuses it before any page is decoded or any model
    loaded, and the worker records the reason."""
    from intake.claim_reader import ClaimReader
    from intake.service import writes
    from intake.service.auth import Principal
    from intake.service.processing import process
    from intake.settings import Settings
    from intake.upload.files import InputError

    reader = ClaimReader(Settings())
    with pytest.raises(InputError) as refused:
        reader.read_file(many_huge_tiff_pages(), "scan.tif")
    assert refused.value.code == "too_many_pixels"
    assert reader._ocr is None  # no model was loaded for it

    client = service(reader=fake_reader)
    client.ctx.worker.stop()
    claim = create(client)
    data = huge_pdf_page_boxes()
    key = client.ctx.blobs.put(data, "application/pdf")
    portal = Principal(key_id="k", name="portal-a", role="portal")
    writes.add_upload(client.ctx, claim["id"], portal, key, len(data), "application/pdf", "bundle.pdf")
    outcome = process(client.ctx)
    assert outcome is not None and outcome.state == "failed"
    doc = client.get(f"/v1/claims/{claim['id']}", headers=client.keys["portal"]).json()["documents"][0]
    assert doc["status"] == "failed" and doc["reason_code"] == "too_many_pixels" and "megapixels" in doc["reason"]
