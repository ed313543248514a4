"""A quick look at an upload before it is accepted: its real type, and whether it opens at all.

This is deliberately cheap (headers, not pixels): the full decode happens in the worker, and a file
that passes here but is damaged further in fails there with a reason on its document.
"""

from __future__ import annotations

import io
import re
import unicodedata

from PIL import Image, UnidentifiedImageError

from intake.upload.files import IMAGE_TYPES, PDF, Limits, sniff


class UploadRejected(ValueError):
    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason


def clean_filename(name: str | None) -> str:
    """The client's file name, without any path and without control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[:200] or "upload"


def check_upload(data: bytes, limits: Limits) -> str:
    """The sniffed media type, or UploadRejected with the HTTP status and reason."""
    if not data:
        raise UploadRejected(422, "empty", "the file is empty")
    if len(data) > limits.max_file_bytes:
        raise UploadRejected(
            413,
            "too_large",
            f"the file is {len(data) / 2**20:.1f} MiB, over the {limits.max_file_bytes / 2**20:.0f} MiB limit",
        )
    media = sniff(data)
    if media == PDF:
        _check_pdf(data, limits)
        return media
    if media in IMAGE_TYPES:
        _check_image(data, media, limits)
        return media
    what = f"a {media} file" if media else "not an image or PDF"
    raise UploadRejected(415, "unsupported_type", f"{what}; upload JPEG, PNG, WebP, TIFF, BMP or PDF")


def _check_image(data: bytes, media: str, limits: Limits) -> None:
    try:
        with Image.open(io.BytesIO(data), formats=[IMAGE_TYPES[media]]) as img:
            w, h = img.size
            if w * h > limits.max_page_pixels:
                raise UploadRejected(
                    422, "too_many_pixels", f"the image is {w}×{h} pixels, over the {limits.max_page_pixels:,} limit"
                )
            frames = getattr(img, "n_frames", 1)
            if frames > limits.max_pages:
                raise UploadRejected(422, "too_many_pages", f"{frames} pages, over the limit of {limits.max_pages}")
            img.verify()  # checksums and structure, without decoding the pixels
    except UploadRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise UploadRejected(422, "too_many_pixels", "the image is too large to be a page") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UploadRejected(422, "unreadable", f"the {IMAGE_TYPES[media]} image cannot be read") from exc


def _check_pdf(data: bytes, limits: Limits) -> None:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UploadRejected(
                422, "encrypted", "the PDF is password-protected; upload it without a password"
            ) from exc
        raise UploadRejected(422, "broken_pdf", "the PDF cannot be opened") from exc
    try:
        n = len(pdf)
    finally:
        pdf.close()
    if n == 0:
        raise UploadRejected(422, "empty", "the PDF has no pages")
    if n > limits.max_pages:
        raise UploadRejected(422, "too_many_pages", f"{n} pages, over the limit of {limits.max_pages}")
