"""Uploaded bytes to page images: the real type sniffed from the bytes, EXIF orientation honoured,
PDFs rendered page by page, and every way a file can be bad turned into an InputError."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import filetype
import numpy as np
import yaml
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/tiff": "TIFF",
    "image/bmp": "BMP",
    "image/x-ms-bmp": "BMP",
}
PDF = "application/pdf"


class InputError(ValueError):
    """A file that cannot be read as claim pages. code is for machines, str() for people."""

    def __init__(self, filename: str, code: str, reason: str) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_pages: int
    max_page_pixels: int
    pdf_dpi: int
    max_pdf_page_points: int


@cache
def default_limits() -> Limits:
    data: dict[str, Any] = yaml.safe_load(resources.files("intake.upload").joinpath("limits.yaml").read_text())
    return Limits(**data)


def sniff(data: bytes) -> str | None:
    """The media type the bytes really are, whatever the file name says."""
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return str(kind.mime)
    if data[:2] == b"BM":  # filetype misses some BMP variants
        return "image/bmp"
    if data.lstrip()[:5] == b"%PDF-":
        return PDF
    return None


def load_pages(data: bytes, filename: str, limits: Limits | None = None) -> tuple[str, list[np.ndarray]]:
    """(media type, pages as BGR arrays). Raises InputError with the file name and the reason."""
    limits = limits or default_limits()
    if not data:
        raise InputError(filename, "empty", "the file is empty")
    if len(data) > limits.max_file_bytes:
        raise InputError(
            filename,
            "too_large",
            f"the file is {len(data) / 2**20:.1f} MiB, over the {limits.max_file_bytes // 2**20} MiB limit",
        )
    media = sniff(data)
    if media == PDF:
        return media, _pdf_pages(data, filename, limits)
    if media in IMAGE_TYPES:
        return media, _image_pages(data, filename, media, limits)
    what = f"a {media} file" if media else "not an image or PDF"
    raise InputError(filename, "unsupported_type", f"{what}; upload JPEG, PNG, WebP, TIFF, BMP or PDF")


def _to_bgr(img: Image.Image) -> np.ndarray:
    if img.mode in ("RGBA", "LA", "P"):
        # A transparent screenshot's background is white paper, not black.
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    rgb = np.asarray(img.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _image_pages(data: bytes, filename: str, media: str, limits: Limits) -> list[np.ndarray]:
    try:
        img = Image.open(io.BytesIO(data), formats=[IMAGE_TYPES[media]])
    except Image.DecompressionBombError as exc:
        raise InputError(filename, "too_many_pixels", f"the image is too large to be a page ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(filename, "unreadable", f"the {IMAGE_TYPES[media]} image cannot be read ({exc})") from exc
    frames = getattr(img, "n_frames", 1)
    if frames > limits.max_pages:
        raise InputError(filename, "too_many_pages", f"{frames} pages, over the limit of {limits.max_pages}")
    pages = []
    for i in range(frames if media == "image/tiff" else 1):
        img.seek(i)
        w, h = img.size
        # Checked before decoding: a pixel bomb is small on disk and huge in memory.
        if w * h > limits.max_page_pixels:
            raise InputError(
                filename, "too_many_pixels", f"the image is {w}×{h} pixels, over the {limits.max_page_pixels:,} limit"
            )
        try:
            img.load()
            frame = ImageOps.exif_transpose(img) if i == 0 else img.copy()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise InputError(filename, "truncated", f"the image data is damaged or truncated ({exc})") from exc
        pages.append(_to_bgr(frame if frame is not None else img))
    return pages


def _pdf_pages(data: bytes, filename: str, limits: Limits) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise InputError(
                filename, "encrypted", "the PDF is password-protected; upload it without a password"
            ) from exc
        raise InputError(filename, "broken_pdf", f"the PDF cannot be opened ({exc})") from exc
    try:
        n = len(pdf)
        if n == 0:
            raise InputError(filename, "empty", "the PDF has no pages")
        if n > limits.max_pages:
            raise InputError(filename, "too_many_pages", f"{n} pages, over the limit of {limits.max_pages}")
        pages = []
        scale = limits.pdf_dpi / 72
        for i in range(n):
            page = pdf[i]
            w, h = page.get_size()
            if max(w, h) > limits.max_pdf_page_points or w * h * scale * scale > limits.max_page_pixels:
                raise InputError(filename, "too_many_pixels", f"page {i + 1} is {w:.0f}×{h:.0f} pt, too large a page")
            try:
                bitmap = page.render(scale=scale)
                # pdfium rounds the bitmap up; crop to the page's own pixel grid so boxes agree.
                rendered = _to_bgr(bitmap.to_pil())[: round(h * scale), : round(w * scale)]
                pages.append(np.ascontiguousarray(rendered))
            except pdfium.PdfiumError as exc:
                raise InputError(filename, "broken_pdf", f"page {i + 1} cannot be rendered ({exc})") from exc
        return pages
    finally:
        pdf.close()
