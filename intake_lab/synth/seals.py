"""Red official seals (公章, 收费专用章), the 财政部监制 oval and rectangular ink stamps.

Seals are drawn as ink masks (RGBA) that Page.stamp multiplies into the page. Their ring text is
set character by character around the arc, the way a carved seal reads, with uneven ink.
"""

import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from intake_lab.synth import fonts

SEAL_RED = (208, 32, 38)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: int) -> None:
    pts = []
    for i in range(10):
        rr = r if i % 2 == 0 else r * 0.382
        a = -math.pi / 2 + i * math.pi / 5
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    draw.polygon(pts, fill=fill)


def _glyph(ch: str, size: int, family: str) -> Image.Image:
    face = fonts.font(family, size)
    img = Image.new("L", (int(size * 1.4), int(size * 1.4)), 0)
    ImageDraw.Draw(img).text((img.width / 2, img.height / 2), ch, font=face, fill=255, anchor="mm")
    return img


def _arc_text(
    mask: Image.Image, text: str, cx: float, cy: float, rx: float, ry: float, size: int, span_deg: float, family: str
) -> None:
    """Characters upright to the ring, reading clockwise over the top."""
    n = len(text)
    if n == 0:
        return
    span = math.radians(span_deg)
    start = -math.pi / 2 - span / 2
    step = span / max(n - 1, 1)
    for i, ch in enumerate(text):
        a = start + i * step if n > 1 else -math.pi / 2
        x = cx + rx * math.cos(a)
        y = cy + ry * math.sin(a)
        g = _glyph(ch, size, family).rotate(-math.degrees(a) - 90, resample=Image.BICUBIC, expand=True)
        mask.paste(255, (int(x - g.width / 2), int(y - g.height / 2)), g)


def _ink(mask: Image.Image, rng: random.Random, opacity: float) -> Image.Image:
    """Uneven ink: blotchy density, slight bleed, a few dry spots."""
    m = np.asarray(mask.filter(ImageFilter.GaussianBlur(0.8)), dtype=np.float32) / 255.0
    h, w = m.shape
    nprng = np.random.default_rng(rng.getrandbits(32))
    coarse = nprng.uniform(0.55, 1.0, size=(max(h // 24, 2), max(w // 24, 2))).astype(np.float32)
    coarse_img = Image.fromarray((coarse * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
    density = np.asarray(coarse_img, dtype=np.float32) / 255.0
    speckle = (nprng.random((h, w)) > 0.04).astype(np.float32)
    alpha = np.clip(m * density * speckle * opacity, 0, 1)
    rgba = np.zeros((h, w, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = SEAL_RED
    rgba[..., 3] = (alpha * 255).astype(np.uint8)
    return Image.fromarray(rgba, "RGBA")


def round_seal(
    ring_text: str,
    diameter: int,
    rng: random.Random,
    *,
    bottom_text: str = "",
    family: str = "noto_sans_bold",
    opacity: float = 0.85,
    star: bool = True,
) -> Image.Image:
    """A round official seal: the unit's name around the ring, a star, an optional purpose below."""
    pad = 6
    size = diameter + 2 * pad
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    c = size / 2
    r = diameter / 2
    border = max(3, diameter // 36)
    draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=border)
    n = max(len(ring_text), 1)
    char = int(min(diameter * 0.14, diameter * 3.6 / n))
    span = min(250.0, 18.0 * n + 60)
    _arc_text(mask, ring_text, c, c, r - border - char * 0.7, r - border - char * 0.7, char, span, family)
    if star:
        _star(draw, c, c, diameter * 0.16, 255)
    if bottom_text:
        bsize = int(diameter * 0.1)
        face = fonts.font(family, bsize)
        draw.text((c, c + diameter * 0.3), bottom_text, font=face, fill=255, anchor="mm")
    angle = rng.uniform(-25, 25)
    mask = mask.rotate(angle, resample=Image.BICUBIC)
    return _ink(mask, rng, opacity)


def oval_seal(
    ring_text: str, center_text: str, width: int, height: int, rng: random.Random, *, opacity: float = 0.8
) -> Image.Image:
    """The 财政部监制 oval printed over invoice titles: thin double ring, text inside."""
    pad = 6
    mask = Image.new("L", (width + 2 * pad, height + 2 * pad), 0)
    draw = ImageDraw.Draw(mask)
    draw.ellipse((pad, pad, pad + width, pad + height), outline=255, width=3)
    draw.ellipse((pad + 6, pad + 6, pad + width - 6, pad + height - 6), outline=255, width=1)
    cx, cy = mask.width / 2, mask.height / 2
    char = int(height * 0.16)
    _arc_text(mask, ring_text, cx, cy, width / 2 - char, height / 2 - char * 0.9, char, 200, "noto_sans_bold")
    face = fonts.font("noto_sans_bold", int(height * 0.2))
    draw.text((cx, cy + height * 0.12), center_text, font=face, fill=255, anchor="mm")
    return _ink(mask, rng, opacity)


def rect_stamp(text: str, size: int, rng: random.Random, *, opacity: float = 0.8) -> Image.Image:
    """A rectangular ink stamp such as 现金收讫, pressed at a slant across the amounts."""
    face = fonts.font("noto_sans_bold", size)
    tw = int(face.getlength(text))
    mask = Image.new("L", (tw + size * 2, int(size * 2.2)), 0)
    draw = ImageDraw.Draw(mask)
    draw.rectangle((4, 4, mask.width - 5, mask.height - 5), outline=255, width=max(3, size // 10))
    draw.text((mask.width / 2, mask.height / 2), text, font=face, fill=255, anchor="mm")
    mask = mask.rotate(rng.uniform(-18, 18), resample=Image.BICUBIC, expand=True)
    return _ink(mask, rng, opacity)


def invoice_seal(seller: str, tax_id: str, width: int, height: int, rng: random.Random) -> Image.Image:
    """The oval 发票专用章: seller around the top, tax number across the middle, purpose below."""
    pad = 6
    mask = Image.new("L", (width + 2 * pad, height + 2 * pad), 0)
    draw = ImageDraw.Draw(mask)
    draw.ellipse((pad, pad, pad + width, pad + height), outline=255, width=4)
    cx, cy = mask.width / 2, mask.height / 2
    span = 240.0
    char = int(height * 0.16)
    for _ in range(12):
        # Shrink the characters until the seller's name fits along the arc without touching.
        a, b = width / 2 - char * 0.95, height / 2 - char * 0.9
        perimeter = math.pi * (3 * (a + b) - math.sqrt((3 * a + b) * (a + 3 * b)))
        if char * len(seller) * 1.05 <= perimeter * span / 360 or char <= 12:
            break
        char -= 1
    _arc_text(mask, seller, cx, cy, a, b, char, span, "noto_sans_bold")
    tsize = int(height * 0.11)
    while tsize > 8 and fonts.font("noto_sans_bold", tsize).getlength(tax_id) > width * 0.66:
        tsize -= 1
    draw.text((cx, cy + height * 0.05), tax_id, font=fonts.font("noto_sans_bold", tsize), fill=255, anchor="mm")
    face = fonts.font("noto_sans_bold", int(height * 0.13))
    draw.text((cx, cy + height * 0.29), "发票专用章", font=face, fill=255, anchor="mm")
    mask = mask.rotate(rng.uniform(-12, 12), resample=Image.BICUBIC)
    return _ink(mask, rng, 0.85)


def company_seal(name: str, code: str, diameter: int, rng: random.Random) -> Image.Image:
    """A company seal with its 13-digit code in small figures along the bottom of the ring.

    seals.round_seal sets a bottom text straight across, too wide for a code of 13 figures; a
    carved company seal runs it along the arc, upright towards the centre.
    """
    pad = 6
    size = diameter + 2 * pad
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    c = size / 2
    r = diameter / 2
    border = max(3, diameter // 36)
    draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=border)
    char = int(min(diameter * 0.14, diameter * 3.4 / max(len(name), 1)))
    ring = r - border - char * 0.7
    _arc_text(mask, name, c, c, ring, ring, char, min(235.0, 17.0 * len(name) + 60), "noto_sans_bold")
    _star(draw, c, c, diameter * 0.16, 255)
    span = math.radians(100)
    small = max(9, int(diameter * 0.06))
    rb = r - border - small * 0.9
    for i, ch in enumerate(code):
        a = math.pi / 2 + span / 2 - i * span / (len(code) - 1)
        glyph = _glyph(ch, small, "noto_sans_bold").rotate(90 - math.degrees(a), resample=Image.BICUBIC, expand=True)
        x, y = c + rb * math.cos(a), c + rb * math.sin(a)
        mask.paste(255, (int(x - glyph.width / 2), int(y - glyph.height / 2)), glyph)
    mask = mask.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC)
    return _ink(mask, rng, 0.85)
