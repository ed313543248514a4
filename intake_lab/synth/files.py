"""The files members upload: images in every common format, multi-page and bundled PDFs,
and files whose extension lies about what they are."""

import io
import time
from collections.abc import Sequence

from PIL import Image

# format -> (Pillow format name, file extension)
FORMATS = {
    "jpeg": ("JPEG", ".jpg"),
    "png": ("PNG", ".png"),
    "webp": ("WEBP", ".webp"),
    "tiff": ("TIFF", ".tif"),
    "bmp": ("BMP", ".bmp"),
    "pdf": ("PDF", ".pdf"),
}


def encode_image(img: Image.Image, fmt: str, *, quality: int = 80) -> bytes:
    """One page as an image file. Quality applies to the lossy formats only."""
    pil_format = FORMATS[fmt][0]
    buf = io.BytesIO()
    if pil_format == "JPEG":
        img.convert("RGB" if img.mode != "L" else "L").save(buf, "JPEG", quality=quality, optimize=True)
    elif pil_format == "WEBP":
        img.save(buf, "WEBP", quality=quality, method=4)
    elif pil_format == "TIFF":
        # Scanners write compressed TIFF; uncompressed A4 colour would be 6 MB a page.
        img.save(buf, "TIFF", compression="tiff_deflate" if img.mode != "1" else "group4")
    elif pil_format == "PNG":
        img.save(buf, "PNG", optimize=True)
    else:
        img.save(buf, pil_format)
    return buf.getvalue()


def encode_pdf(pages: Sequence[Image.Image], *, dpi: int = 150, quality: int = 65) -> bytes:
    """A scanned PDF: one JPEG image per page at the given resolution, as scanner software writes.

    The resolution is stored in the PDF so that rendering it back at the same dpi gives the same
    pixel grid as the truth boxes.
    """
    rgb = [p if p.mode == "L" else p.convert("RGB") for p in pages]
    buf = io.BytesIO()
    stamp = time.strptime("2026-01-01", "%Y-%m-%d")  # fixed, so that the same seed writes the same bytes
    rgb[0].save(
        buf,
        "PDF",
        save_all=True,
        append_images=rgb[1:],
        resolution=float(dpi),
        quality=quality,
        creationDate=stamp,
        modDate=stamp,
        producer="intake synth",
    )
    return buf.getvalue()
