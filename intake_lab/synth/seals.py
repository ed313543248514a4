"""Red official seals (公章, 收费专用章), the 财政部监制 oval and rectangular ink stamps.

Seals are drawn as ink masks (RGBA) that Page.stamp multiplies into the page. Their ring text is
set character by character around the arc, the way a carved seal reads, with uneven ink.
"""

import math
import random
from dataclasses import dataclass

import cv2
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


def company_seal(
    name: str, code: str, diameter: int, rng: random.Random, *, family: str = "noto_sans_bold"
) -> Image.Image:
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
    _arc_text(mask, name, c, c, ring, ring, char, min(235.0, 17.0 * len(name) + 60), family)
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


# -- seal families and seal pages (the seal benchmark and the verifier's calibration) ----------------
#
# A family is one way a unit has its seals carved: typeface, star or none, a purpose under the star,
# a company code along the bottom, an oval. The verifier is calibrated on TRAIN families and
# measured on HELDOUT ones (faces and carvings it never saw), as the forms corpus does for layouts.


@dataclass(frozen=True)
class SealFamily:
    key: str
    split: str  # train | heldout
    kind: str  # round | company (round, code along the bottom) | oval (发票专用章)
    face: str  # fonts.FAMILIES key
    star: bool = True
    purposes: tuple[str, ...] = ("",)  # text under the star; "" for none


SEAL_FAMILIES: tuple[SealFamily, ...] = (
    SealFamily("r_hei_star", "train", "round", "noto_sans_bold"),
    SealFamily("r_hei_purpose", "train", "round", "noto_sans_bold", purposes=("财务专用章", "合同专用章")),
    SealFamily("r_song_star", "train", "round", "noto_serif_bold"),
    SealFamily("r_zen_nostar", "train", "round", "wqy_zenhei", star=False, purposes=("", "人事专用章")),
    SealFamily("c_hei_code", "train", "company", "noto_sans_bold"),
    SealFamily("o_invoice", "train", "oval", "noto_sans_bold"),
    SealFamily("r_kai_star", "heldout", "round", "ukai"),
    SealFamily("r_ming_purpose", "heldout", "round", "uming", purposes=("财务专用章", "收费专用章")),
    SealFamily("r_micro_nostar", "heldout", "round", "wqy_microhei", star=False, purposes=("收费专用章", "")),
    SealFamily("c_serif_code", "heldout", "company", "noto_serif_bold"),
    SealFamily("o_invoice_h", "heldout", "oval", "wqy_zenhei"),
)
COPY_KINDS = ("clean", "photo", "grey", "bilevel")
# Stamps that are red but not a unit's official seal: the cashier's and the checker's.
OTHER_STAMPS = ("现金收讫", "收讫", "核对", "已核对", "医保结算")
_FILLER = "兹证明该同志系我单位在职职工其工作表现良好特此证明上述情况属实如有不实由本单位承担责任联系电话日期年月日"


def families(split: str) -> list[SealFamily]:
    return [f for f in SEAL_FAMILIES if split in ("all", f.split)]


def seal_name(rng: random.Random, *, hospital: bool = False) -> str:
    from intake_lab.synth import values

    if hospital:
        return rng.choice([h for r in values.REGIONS for h in r.hospitals])
    return values.employer_name(rng)


def near_name(name: str, rng: random.Random) -> str:
    """A name a careless eye takes for name: another branch or city of the same company, one word
    changed. The verifier must not accept it: it is someone else's seal."""
    from intake_lab.synth import values

    places = [p for p in values.EMPLOYER_PLACES if not name.startswith(p)]
    options = []
    for p in values.EMPLOYER_PLACES:
        if name.startswith(p):
            options.append(rng.choice(places) + name[len(p) :])
    options.append(name + rng.choice(places) + "分公司")
    for w in values.EMPLOYER_WORDS:
        if w in name:
            options.append(name.replace(w, rng.choice([x for x in values.EMPLOYER_WORDS if x != w]), 1))
    for form in sorted(values.EMPLOYER_FORMS, key=len, reverse=True):
        if name.endswith(form):
            options.append(name[: -len(form)] + rng.choice([f for f in values.EMPLOYER_FORMS if f != form]))
            break
    if not options or "医院" in name:
        options.append(name.replace("医院", "医院分院") if "医院" in name else name + "分公司")
    return rng.choice([o for o in options if o != name] or [name + "分公司"])


def draw_family_seal(
    fam: SealFamily, name: str, size: int, rng: random.Random, opacity: float
) -> tuple[Image.Image, str]:
    """A seal of the family bearing name, and its shape as the truth records it."""
    if fam.kind == "oval":
        from intake_lab.synth import values

        return invoice_seal(name, "91" + values.digits(rng, 16), int(size * 1.45), size, rng), "oval"
    if fam.kind == "company":
        from intake_lab.synth import values

        return company_seal(name, values.digits(rng, 13, leading_zero=False), size, rng, family=fam.face), "round"
    purpose = rng.choice(fam.purposes)
    return round_seal(name, size, rng, bottom_text=purpose, family=fam.face, opacity=opacity, star=fam.star), "round"


def square_stamp(name: str, size: int, rng: random.Random) -> Image.Image:
    """A square name chop (法人章): two columns of two characters in a frame. Not a unit's seal."""
    text = (name + "之印")[:4] if len(name) < 4 else name[:4]
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    draw.rectangle((3, 3, size - 4, size - 4), outline=255, width=max(3, size // 14))
    face = fonts.font("noto_serif_bold", int(size * 0.38))
    cells = [(0.72, 0.3), (0.72, 0.72), (0.28, 0.3), (0.28, 0.72)]  # read top-right down, then left
    for ch, (fx, fy) in zip(text, cells, strict=False):
        draw.text((size * fx, size * fy), ch, font=face, fill=255, anchor="mm")
    return _ink(mask.rotate(rng.uniform(-10, 10), resample=Image.BICUBIC), rng, 0.85)


@dataclass
class SealPage:
    image: np.ndarray  # BGR, or 3-channel grey for grey and bilevel copies
    copy: str
    seals: list[dict[str, object]]  # text, box, shape, official, family, faint, covered


def _print_page(rng: random.Random, w: int, h: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    page = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(page)
    face = fonts.font(rng.choice(("noto_serif", "noto_sans", "uming")), 30)
    y = 150
    while y < h - 150:
        n = rng.randint(12, 30)
        start = rng.randrange(len(_FILLER) - n)
        draw.text((120, y), _FILLER[start : start + n], font=face, fill=(25, 25, 25))
        y += rng.randint(48, 80)
    if rng.random() < 0.5:  # a table: seals sit over its rules on invoices and lists
        x0, y0 = 100, rng.randint(300, 900)
        for i in range(6):
            draw.line((x0, y0 + i * 60, w - 100, y0 + i * 60), fill=(30, 30, 30), width=2)
        for x in range(x0, w - 99, 260):
            draw.line((x, y0, x, y0 + 300), fill=(30, 30, 30), width=2)
    return page, draw


def _stamp(page: Image.Image, ink: Image.Image, x: int, y: int) -> tuple[int, int, int, int]:
    page.paste(Image.new("RGB", ink.size, SEAL_RED), (x, y), ink)
    a = np.asarray(ink)[..., 3]
    ys, xs = np.nonzero(a > 40)
    return (x + int(xs.min()), y + int(ys.min()), x + int(xs.max()) + 1, y + int(ys.max()) + 1)


def seal_page(split: str, copy: str, rng: random.Random, *, w: int = 1240, h: int = 1754) -> SealPage:
    """A page with print, maybe a table, and zero to two official seals of families of the split,
    maybe overlapping, faint or partly covered, maybe a cashier's stamp or a name chop, as the copy
    kind would show it (clean, photo, grey scan, 1-bit scan)."""
    from intake_lab.synth import degrade

    page, draw = _print_page(rng, w, h)
    truth: list[dict[str, object]] = []
    fams = families(split)
    count = rng.choices((0, 1, 2), (0.18, 0.67, 0.15))[0]
    x, y = rng.randint(150, w - 450), rng.randint(250, h - 500)
    for k in range(count):
        fam = rng.choice(fams)
        hospital = fam.kind == "oval" or "收费" in "".join(fam.purposes)
        name = seal_name(rng, hospital=hospital and rng.random() < 0.5)
        faint = rng.random() < 0.15
        ink, shape = draw_family_seal(fam, name, rng.randint(200, 260), rng, rng.uniform(0.35, 0.5) if faint else 0.85)
        if k == 1:  # the second seal pressed half over the first
            x, y = x + rng.randint(90, 160) * rng.choice((-1, 1)), y + rng.randint(-60, 60)
        box = _stamp(page, ink, x, y)
        covered = rng.random() < 0.1
        if covered:  # a sticker or a fold's shadow over part of it
            bx0, by0, bx1, by1 = box
            cw = (bx1 - bx0) // 4
            draw.rectangle((bx1 - cw, by0, bx1, by1), fill=(235, 235, 230))
        truth.append(
            {
                "text": name,
                "box": list(box),
                "shape": shape,
                "official": True,
                "family": fam.key,
                "faint": faint,
                "covered": covered,
            }
        )
    if rng.random() < 0.35:
        text = rng.choice(OTHER_STAMPS)
        ink = rect_stamp(text, rng.randint(26, 40), rng)
        box = _stamp(page, ink, rng.randint(100, w - 400), rng.randint(200, h - 300))
        truth.append(
            {
                "text": text,
                "box": list(box),
                "shape": "rect",
                "official": False,
                "family": "",
                "faint": False,
                "covered": False,
            }
        )
    if rng.random() < 0.15:
        ink = square_stamp(seal_name(rng)[2:6], rng.randint(90, 120), rng)
        box = _stamp(page, ink, rng.randint(100, w - 300), rng.randint(200, h - 300))
        truth.append(
            {
                "text": "",
                "box": list(box),
                "shape": "square",
                "official": False,
                "family": "",
                "faint": False,
                "covered": False,
            }
        )
    kinds = {
        "clean": [],
        "photo": ["rotate", "shadow", "blur", "noise", "jpeg"],
        "grey": ["scan_grey", "noise", "jpeg"],
        "bilevel": ["scan_grey"],
    }[copy]
    out = degrade.apply(page, kinds, rng)
    img = np.asarray(out.image.convert("RGB"))
    for t in truth:
        t["box"] = list(degrade.map_box(out.matrix, tuple(t["box"]), (img.shape[1], img.shape[0])))  # type: ignore[arg-type]
    bgr = np.ascontiguousarray(img[..., ::-1])
    if copy == "bilevel":
        # A fax or a 1-bit office scanner: every pixel black or white. Red seal ink scans at about
        # 110-190 grey here; a scanner thresholding at 128 drops most of it, one set darker keeps
        # it as black, the same black as the print.
        grey = bgr[..., 0]
        _, bw = cv2.threshold(grey, rng.uniform(160, 200), 255, cv2.THRESH_BINARY)
        bgr = np.repeat(bw[..., None], 3, axis=2)
    return SealPage(bgr, copy, truth)
