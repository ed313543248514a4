"""What every layout shares: the style knobs and small drawing idioms of Chinese forms."""

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import qrcode
from PIL import Image

from intake.normalize.money import print_money
from intake_lab.synth.canvas import Box, Page, SynthDocument
from intake_lab.synth.case import Case


@dataclass(frozen=True)
class Style:
    """How one copy of a form is printed. Layouts read what applies to them and ignore the rest."""

    family: str = "noto_serif"  # body font, a key of fonts.FAMILIES
    seal: bool = True  # red seals pressed where the real document has them
    scale: float = 1.0  # font size multiplier: printers and templates differ
    colon: str = "："  # ：, : or nothing after labels
    date_style: str = "iso"
    thousands: bool = False  # 11,274.86
    trim_cents: bool = False  # 1670 / 617.5
    variant: int = 0  # a layout's own sub-variants (column counts, label spellings)


Renderer = Callable[[Case, Style, random.Random], SynthDocument]


def money(value: Decimal, style: Style) -> str:
    return print_money(value, thousands=style.thousands, trim=style.trim_cents)


def label_value(
    page: Page, x: float, y: float, label: str, value: str, size: int, style: Style, *, gap: float = 0.3, **kw: object
) -> Box:
    """A label followed by its value on one baseline; returns the value's box (what a field points at)."""
    lbox = page.text(x, y, label + style.colon, size, **kw)  # type: ignore[arg-type]
    return page.text(lbox[2] + size * gap, y, value, size, **kw)  # type: ignore[arg-type]


def qr_image(payload: str, px: int) -> Image.Image:
    qr = qrcode.QRCode(border=1, box_size=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(payload)
    img = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    return img.resize((px, px), Image.NEAREST)


def barcode_like(rng: random.Random, width: int, height: int) -> Image.Image:
    """A one-dimensional barcode: bars of random width, enough to look like one to a classifier."""
    img = Image.new("RGB", (width, height), "white")
    px = img.load()
    x = 0
    while x < width:
        w = rng.choice((1, 1, 2, 3))
        if rng.random() < 0.5:
            for xx in range(x, min(x + w, width)):
                for yy in range(height):
                    px[xx, yy] = (0, 0, 0)
        x += w
    return img


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
