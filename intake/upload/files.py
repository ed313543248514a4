"""Uploaded bytes to page images: the real type sniffed from the bytes, the limits checked before
anything is decoded, EXIF orientation honoured, PDFs rendered page by page, and every way a file
can be bad turned into an InputError.

`open_file` is the cheap look (headers and page boxes, not pixels): the service calls it before it
answers an upload, the CLI before it loads any model. `OpenedFile.pages()` then decodes one page
at a time, so that a file's pages are never all in memory at once.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import filetype
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import Field

from intake.datafile import Strict, load, packaged

IMAGE_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/tiff": "TIFF",
    "image/bmp": "BMP",
    "image/x-ms-bmp": "BMP",
}
PDF = "application/pdf"
# Raster modes with a single channel: a grey or black-and-white scan, where red ink is grey too.
_GREY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"})


class InputError(ValueError):
    """A file that cannot be read as claim pages. code is for machines, reason for the member (it
    never names the file), str() names the file for the CLI."""

    def __init__(self, filename: str, code: str, reason: str) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.code = code
        self.reason = reason


class Limits(Strict):
    """What an uploaded file may be (upload/limits.yaml)."""

    max_file_bytes: int = Field(gt=0)
    max_pages: int = Field(gt=0, le=1000)
    max_page_pixels: int = Field(gt=0)
    pdf_dpi: int = Field(ge=50, le=600)
    max_pdf_page_points: int = Field(gt=0)
    max_file_pixels: int = Field(gt=0)
    max_aspect_ratio: float = Field(gt=1)

    def with_max_bytes(self, max_file_bytes: int) -> Limits:
        return self.model_copy(update={"max_file_bytes": max_file_bytes})


@cache
def default_limits() -> Limits:
    return load(Limits, packaged("intake.upload", "limits.yaml"), "upload limits")


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


def clean_filename(name: str | None) -> str:
    """The client's file name, without any path and without control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[:200] or "upload"


@dataclass
class PageImage:
    number: int  # counting from 1
    image: np.ndarray  # BGR
    # False when the page came from a single-channel raster (a grey or 1-bit scan). A colour file
    # whose page happens to hold no colour is still a colour copy: a red seal would show on it.
    colour: bool


class OpenedFile:
    """A file that passed the cheap checks; its pages are decoded one at a time by pages()."""

    def __init__(self, filename: str, data: bytes, media_type: str, page_count: int, limits: Limits) -> None:
        self.filename = filename
        self.media_type = media_type
        self.page_count = page_count
        self._data = data
        self._limits = limits

    def pages(self, only: int | None = None) -> Iterator[PageImage]:
        """Every page in order, or only page `only` (counting from 1): a worker reading one page
        of a large file decodes that page and no other."""
        if only is not None and not 1 <= only <= self.page_count:
            raise ValueError(f"page {only} of a {self.page_count}-page file")
        if self.media_type == PDF:
            yield from _pdf_pages(self._data, self.filename, self._limits, only)
        else:
            yield from _image_pages(self._data, self.filename, self.media_type, only)


def open_file(data: bytes, filename: str, limits: Limits | None = None) -> OpenedFile:
    """Check what the file is and that it is within the limits, without decoding any pixels.

    Raises InputError with the reason a member can act on."""
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
        return OpenedFile(filename, data, media, _check_pdf(data, filename, limits), limits)
    if media in IMAGE_TYPES:
        return OpenedFile(filename, data, media, _check_image(data, filename, media, limits), limits)
    what = f"a {media} file" if media else "not an image or PDF"
    raise InputError(filename, "unsupported_type", f"{what}; upload JPEG, PNG, WebP, TIFF, BMP or PDF")


def load_pages(data: bytes, filename: str, limits: Limits | None = None) -> tuple[str, list[np.ndarray]]:
    """(media type, every page as a BGR array): for tools that want the whole file at once."""
    opened = open_file(data, filename, limits)
    return opened.media_type, [p.image for p in opened.pages()]


def _to_bgr(img: Image.Image) -> np.ndarray:
    if img.mode in ("RGBA", "LA", "P"):
        # A transparent screenshot's background is white paper, not black.
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    rgb = np.asarray(img.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _is_grey_mode(img: Image.Image) -> bool:
    if img.mode in _GREY_MODES:
        return True
    if img.mode == "P":
        palette = img.getpalette() or []
        triples = [palette[i : i + 3] for i in range(0, len(palette), 3)]
        return all(r == g == b for r, g, b in triples)
    return False


def _open_image(data: bytes, filename: str, media: str) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=[IMAGE_TYPES[media]])
    except Image.DecompressionBombError as exc:
        raise InputError(filename, "too_many_pixels", "the image is too large to be a page") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(filename, "unreadable", f"the {IMAGE_TYPES[media]} image cannot be read") from exc


def _check_image(data: bytes, filename: str, media: str, limits: Limits) -> int:
    img = _open_image(data, filename, media)
    frames = getattr(img, "n_frames", 1) if media == "image/tiff" else 1
    if frames > limits.max_pages:
        raise InputError(filename, "too_many_pages", f"{frames} pages, over the limit of {limits.max_pages}")
    total = 0
    for i in range(frames):
        img.seek(i)
        w, h = img.size
        # Checked before decoding: a pixel bomb is small on disk and huge in memory.
        if w * h > limits.max_page_pixels:
            raise InputError(
                filename, "too_many_pixels", f"the image is {w}×{h} pixels, over the {limits.max_page_pixels:,} limit"
            )
        _check_shape(filename, i + 1, frames, w, h, limits)
        total += w * h
        _check_total(filename, total, limits)
    try:
        # Structure and checksums, without decoding the pixels (it needs a freshly opened image).
        _open_image(data, filename, media).verify()
    except InputError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        cut = "truncated" in str(exc).lower()
        code, what = ("truncated", "damaged or truncated") if cut else ("unreadable", "damaged")
        raise InputError(filename, code, f"the {IMAGE_TYPES[media]} image cannot be read: its data is {what}") from exc
    return frames


def _check_shape(filename: str, page: int, pages: int, w: int, h: int, limits: Limits) -> None:
    if max(w, h) > limits.max_aspect_ratio * max(1, min(w, h)):
        where = f"page {page} is" if pages > 1 else "the image is"
        raise InputError(
            filename,
            "bad_shape",
            f"{where} {w}×{h} pixels, too long and narrow to be a document page; photograph or scan the whole page",
        )


def _check_total(filename: str, total: int, limits: Limits) -> None:
    if total > limits.max_file_pixels:
        raise InputError(
            filename,
            "too_many_pixels",
            f"the pages together are over {limits.max_file_pixels // 1_000_000} megapixels; "
            "upload them at a lower resolution or in several files",
        )


def _image_pages(data: bytes, filename: str, media: str, only: int | None = None) -> Iterator[PageImage]:
    img = _open_image(data, filename, media)
    frames = getattr(img, "n_frames", 1) if media == "image/tiff" else 1
    for i in range(frames) if only is None else [only - 1]:
        img.seek(i)
        grey = _is_grey_mode(img)
        try:
            img.load()
            frame = ImageOps.exif_transpose(img) if i == 0 else img.copy()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise InputError(filename, "truncated", "the image data is damaged or truncated") from exc
        yield PageImage(i + 1, _to_bgr(frame if frame is not None else img), colour=not grey)


def _open_pdf(data: bytes, filename: str) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise InputError(
                filename, "encrypted", "the PDF is password-protected; upload it without a password"
            ) from exc
        raise InputError(filename, "broken_pdf", "the PDF cannot be opened") from exc


def _check_pdf(data: bytes, filename: str, limits: Limits) -> int:
    pdf = _open_pdf(data, filename)
    try:
        n = len(pdf)
        if n == 0:
            raise InputError(filename, "empty", "the PDF has no pages")
        if n > limits.max_pages:
            raise InputError(filename, "too_many_pages", f"{n} pages, over the limit of {limits.max_pages}")
        scale = limits.pdf_dpi / 72
        total = 0
        for i in range(n):
            w, h = pdf[i].get_size()
            if max(w, h) > limits.max_pdf_page_points or w * h * scale * scale > limits.max_page_pixels:
                raise InputError(filename, "too_many_pixels", f"page {i + 1} is {w:.0f}×{h:.0f} pt, too large a page")
            # The page boxes say what rendering will cost before anything is rendered.
            _check_shape(filename, i + 1, n, max(1, round(w * scale)), max(1, round(h * scale)), limits)
            total += round(w * scale) * round(h * scale)
            _check_total(filename, total, limits)
        return n
    finally:
        pdf.close()


def _pdf_page_is_grey(page: Any) -> bool:
    """A scanned page whose images are all grey or 1-bit (DeviceGray, or one-bit image masks).

    A page drawn in vectors (an electronic invoice) is colour: its seal is printed in red."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))
    if not images:
        return False
    for obj in images:
        try:
            meta = obj.get_metadata()
        except pdfium.PdfiumError:
            return False
        grey = meta.colorspace in (pdfium_c.FPDF_COLORSPACE_DEVICEGRAY, pdfium_c.FPDF_COLORSPACE_CALGRAY)
        if not grey and meta.bits_per_pixel != 1:
            return False
    return True


def _pdf_pages(data: bytes, filename: str, limits: Limits, only: int | None = None) -> Iterator[PageImage]:
    import pypdfium2 as pdfium

    pdf = _open_pdf(data, filename)
    try:
        scale = limits.pdf_dpi / 72
        for i in range(len(pdf)) if only is None else [only - 1]:
            page = pdf[i]
            w, h = page.get_size()
            try:
                bitmap = page.render(scale=scale)
                # pdfium rounds the bitmap up; crop to the page's own pixel grid so boxes agree.
                rendered = _to_bgr(bitmap.to_pil())[: round(h * scale), : round(w * scale)]
                grey = _pdf_page_is_grey(page)
            except pdfium.PdfiumError as exc:
                raise InputError(filename, "broken_pdf", f"page {i + 1} cannot be rendered") from exc
            yield PageImage(i + 1, np.ascontiguousarray(rendered), colour=not grey)
    finally:
        pdf.close()
