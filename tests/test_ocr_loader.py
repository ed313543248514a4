"""Every format a member can upload, and every way an upload can be bad."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from intake.upload.files import InputError, default_limits, load_pages, sniff
from intake_lab.synth.files import encode_image, encode_pdf


def page(w: int = 300, h: int = 200, color: tuple[int, int, int] = (250, 250, 250)) -> Image.Image:
    img = Image.new("RGB", (w, h), color)
    img.paste((0, 0, 0), (10, 10, 60, 30))  # a dark mark top-left, to see orientation
    return img


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp", "tiff", "bmp"])
def test_each_image_format_loads_as_one_page(fmt: str) -> None:
    data = encode_image(page(), fmt)
    media, pages = load_pages(data, f"x.{fmt}")
    assert media.startswith("image/")
    assert len(pages) == 1
    assert pages[0].shape == (200, 300, 3)
    assert pages[0][20, 30].max() < 60  # the dark mark is where it was drawn


def test_pdf_pages_render_at_the_stored_resolution() -> None:
    data = encode_pdf([page(300, 200), page(400, 250), page(300, 200)], dpi=150)
    media, pages = load_pages(data, "bundle.pdf")
    assert media == "application/pdf"
    assert [p.shape[:2] for p in pages] == [(200, 300), (250, 400), (200, 300)]


def test_multipage_tiff_gives_every_page() -> None:
    buf = io.BytesIO()
    page().save(buf, "TIFF", save_all=True, append_images=[page(), page()], compression="tiff_deflate")
    _, pages = load_pages(buf.getvalue(), "scan.tif")
    assert len(pages) == 3


@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_the_bytes_decide_the_type_not_the_name(fmt: str) -> None:
    data = encode_image(page(), fmt)
    media, pages = load_pages(data, "photo.jpg")
    assert media == f"image/{fmt}"
    assert len(pages) == 1


def test_exif_orientation_is_honoured() -> None:
    img = page(300, 200)
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: display rotated 90° clockwise
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    _, pages = load_pages(buf.getvalue(), "phone.jpg")
    assert pages[0].shape[:2] == (300, 200)
    assert pages[0][20:40, 160:190].max(axis=2).min() < 60  # the mark moved to the top right


def test_transparent_screenshot_gets_white_paper() -> None:
    img = Image.new("RGBA", (100, 50), (0, 0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    _, pages = load_pages(buf.getvalue(), "shot.png")
    assert pages[0].min() == 255


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge image, with a token amount of data: a pixel bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(encode_pdf([page()]))))
    writer.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


BAD = {
    "empty": (b"", "empty"),
    "text": (b"just some words, not a picture\n" * 10, "unsupported_type"),
    "zip": (b"PK\x03\x04" + b"\0" * 100, "unsupported_type"),
    "truncated_jpeg": (encode_image(page(600, 400), "jpeg")[:1500], "truncated"),
    "truncated_png": (encode_image(page(600, 400), "png")[:200], "truncated"),
    "pixel_bomb": (_png_header_only(30000, 30000), "too_many_pixels"),
    "broken_pdf": (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF", "broken_pdf"),
    "truncated_pdf": (encode_pdf([page()])[:300], "broken_pdf"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_a_typed_error_naming_the_file(name: str) -> None:
    data, code = BAD[name]
    with pytest.raises(InputError) as err:
        load_pages(data, f"upload-{name}.bin")
    assert err.value.code == code
    assert str(err.value).startswith(f"upload-{name}.bin: ")


def test_encrypted_pdf_asks_for_it_without_a_password() -> None:
    with pytest.raises(InputError, match="password") as err:
        load_pages(_encrypted_pdf(), "locked.pdf")
    assert err.value.code == "encrypted"


def test_too_many_pages_and_too_large_are_refused() -> None:
    limits = default_limits().model_copy(update={"max_pages": 2})
    with pytest.raises(InputError) as err:
        load_pages(encode_pdf([page()] * 3), "long.pdf", limits)
    assert err.value.code == "too_many_pages"
    small = default_limits().with_max_bytes(1000)
    with pytest.raises(InputError) as err:
        load_pages(encode_image(page(600, 400), "png"), "big.png", small)
    assert err.value.code == "too_large"


def test_sniff_recognises_the_supported_types(tmp_path: Path) -> None:
    assert sniff(encode_pdf([page()])) == "application/pdf"
    assert sniff(encode_image(page(), "bmp")) == "image/bmp"
    assert sniff(b"hello") is None
    assert isinstance(load_pages(encode_image(page(), "png"), "a.png")[1][0], np.ndarray)
