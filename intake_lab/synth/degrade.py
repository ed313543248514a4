"""What phones and scanners do to a page, so that the synthetic corpus looks like real uploads.

A clean rendered page goes in; a phone photo or a scan of it comes out, together with the 3x3
homography that carries every truth box from the page onto the picture. The kinds follow
docs/documents.md ("What the pictures are like"): phone photos on a table with
perspective, uneven light and sometimes a thumb on the margin; grey, faded scans; white boxes
where a member blanked personal data; folds; app watermarks; sideways uploads; blur, noise and
heavy JPEG.

Conventions:
- Coordinates are continuous pixel-edge coordinates (pixel i spans [i, i+1]), the same as the
  Box of canvas.py; `matrix` maps page coordinates to output coordinates in that convention.
- The output is RGB, except after `scan_grey`, when it is mode "L": a greyscale scan is a
  one-channel file, and a reader should meet that case.
- Whatever order `kinds` comes in, the steps run in physical order: what happened to the paper
  (fading, a fold, blanked data), how it lay (skew, turned sideways), how it was captured (photo
  or scanner, shadows, the app's watermark), then the sensor and the encoder (blur, noise, JPEG).
- Every random choice comes from `rng`, so a seed reproduces a picture byte for byte.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import NormalDist

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from intake_lab.synth.canvas import Box

KINDS: tuple[str, ...] = (
    "photo",
    "shadow",
    "rotate",
    "rotate90",
    "rotate180",
    "rotate270",
    "blur",
    "jpeg",
    "noise",
    "scan_grey",
    "lowcontrast",
    "privacy",
    "fold",
    "watermark",
)

# Physical order: the paper, how it lies, the capture, then the sensor and the file.
_ORDER: tuple[str, ...] = (
    "lowcontrast",
    "fold",
    "privacy",
    "rotate",
    "rotate90",
    "rotate180",
    "rotate270",
    "photo",
    "scan_grey",
    "shadow",
    "watermark",
    "blur",
    "noise",
    "jpeg",
)

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
_SC_INDEX = 2  # the simplified-Chinese face inside the collection

WATERMARK_TEXTS: tuple[str, ...] = ("手机扫描 · 高清扫描件", "扫描助手 · 高清扫描件", "由 手机扫描 生成")


@dataclass
class Degraded:
    """A degraded page.

    image: RGB, or mode "L" when the page was scanned in grey (`scan_grey`).
    matrix: 3x3 homography from original page coordinates to `image` coordinates.
    applied: the kinds applied, in the order they ran, with their main parameters.
    """

    image: Image.Image
    matrix: np.ndarray
    applied: list[str] = field(default_factory=list)


# -- geometry ---------------------------------------------------------------------------------


def _translate(tx: float, ty: float) -> np.ndarray:
    return np.array([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]])


def _transform(matrix: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Apply a homography to an (N, 2) array of points."""
    h = np.hstack([pts, np.ones((len(pts), 1))]) @ matrix.T
    return h[:, :2] / h[:, 2:3]


def map_box(matrix: np.ndarray, box: Box, size: tuple[int, int]) -> Box:
    """Where a page box lands in the output: the bounding box of its four mapped corners, clipped."""
    x0, y0, x1, y1 = box
    pts = _transform(matrix, np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float))
    w, h = size
    return (
        int(np.clip(math.floor(pts[:, 0].min()), 0, w)),
        int(np.clip(math.floor(pts[:, 1].min()), 0, h)),
        int(np.clip(math.ceil(pts[:, 0].max()), 0, w)),
        int(np.clip(math.ceil(pts[:, 1].max()), 0, h)),
    )


def _warp(img: np.ndarray, matrix: np.ndarray, size: tuple[int, int], border: int | tuple[int, ...]) -> np.ndarray:
    # OpenCV samples at pixel centres; our matrices use pixel edges, hence the half-pixel shifts.
    m = _translate(-0.5, -0.5) @ matrix @ _translate(0.5, 0.5)
    if isinstance(border, int):
        border = (border,) * (img.shape[2] if img.ndim == 3 else 1)
    return cv2.warpPerspective(img, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def _overlaps(a: Box, b: Box) -> bool:
    return max(a[0], b[0]) < min(a[2], b[2]) and max(a[1], b[1]) < min(a[3], b[3])


def _pad(box: Box, p: int) -> Box:
    return (box[0] - p, box[1] - p, box[2] + p, box[3] + p)


def _mask_hits(mask: np.ndarray, boxes: Sequence[Box]) -> bool:
    """Whether any nonzero pixel of a full-size mask falls inside one of the boxes."""
    h, w = mask.shape[:2]
    for x0, y0, x1, y1 in boxes:
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 > x0 and y1 > y0 and mask[y0:y1, x0:x1].any():
            return True
    return False


# -- working state ----------------------------------------------------------------------------


@dataclass
class _Work:
    img: np.ndarray  # H x W x 3 uint8 RGB; once grey, the three channels carry the same values
    matrix: np.ndarray
    protect: tuple[Box, ...]
    cover: tuple[Box, ...]
    grey: bool = False

    @property
    def size(self) -> tuple[int, int]:
        return (self.img.shape[1], self.img.shape[0])

    def protected(self, pad: int = 0) -> list[Box]:
        """The protected boxes where they now stand in the picture."""
        return [_pad(map_box(self.matrix, b, self.size), pad) for b in self.protect]

    def geometric(self, matrix: np.ndarray, img: np.ndarray) -> None:
        self.matrix = matrix @ self.matrix
        self.img = np.ascontiguousarray(img)


def _np_rng(rng: random.Random) -> np.random.Generator:
    # Bulk noise comes from numpy for speed, seeded from rng so that the seed still decides everything.
    return np.random.default_rng(rng.getrandbits(64))


def _to_u8(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0, 255, out=x).astype(np.uint8)


def _value_noise(g: np.random.Generator, h: int, w: int, cell: float, octaves: int = 1) -> np.ndarray:
    """Smooth random field (roughly unit variance) whose features are about `cell` pixels across.

    Built at a resolution a few samples per finest feature, then stretched: a smooth field gains
    nothing from being computed at full size, and full-size cubic resizes dominate the run time.
    """
    r = max(1, int(cell / 2 ** (octaves - 1) / 4))
    sh, sw = max(1, h // r), max(1, w // r)
    out = np.zeros((sh, sw), np.float32)
    amp, total, c = 1.0, 0.0, cell / r
    for _ in range(octaves):
        small = g.standard_normal((max(2, int(sh / c) + 2), max(2, int(sw / c) + 2))).astype(np.float32)
        out += amp * cv2.resize(small, (sw, sh), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
        c /= 2
    out /= total
    return out if (sh, sw) == (h, w) else cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates scaled to 0..1, as broadcastable row and column vectors."""
    y = (np.arange(h, dtype=np.float32)[:, None] + 0.5) / h
    x = (np.arange(w, dtype=np.float32)[None, :] + 0.5) / w
    return x, y


def _gauss(
    g: np.random.Generator, shape: tuple[int, ...], sigma: float, offset: float = 0.0, dtype: type = np.uint8
) -> np.ndarray:
    """Gaussian noise offset + sigma * N(0, 1), rounded to an integer dtype, looked up from random bytes.

    Float normals for a 4-megapixel frame cost more than the rest of a photo's finishing; 256
    quantiles of the normal are plenty for noise a few grey levels deep.
    """
    z = np.asarray([NormalDist().inv_cdf((i + 0.5) / 256) for i in range(256)])
    lut = np.round(offset + sigma * z)
    if dtype is np.uint8:
        lut = np.clip(lut, 0, 255)
    return lut.astype(dtype)[np.frombuffer(g.bytes(math.prod(shape)), np.uint8).reshape(shape)]


def _margins(img: np.ndarray) -> dict[str, int]:
    """Width of the blank paper on each side of a page: where a thumb can rest without hiding print."""
    ink = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) < 200
    cols, rows = np.flatnonzero(ink.any(axis=0)), np.flatnonzero(ink.any(axis=1))
    h, w = ink.shape
    if not len(cols):
        return {"left": w // 4, "right": w // 4, "top": h // 4, "bottom": h // 4}
    return {"left": int(cols[0]), "right": int(w - 1 - cols[-1]), "top": int(rows[0]), "bottom": int(h - 1 - rows[-1])}


def _scale(f: float) -> np.ndarray:
    return np.array([[f, 0.0, 0.0], [0.0, f, 0.0], [0.0, 0.0, 1.0]])


# -- backgrounds for phone photos -------------------------------------------------------------
# Each returns an H x W x 3 uint8 picture of the surface the page lies on.

_WOODS = (
    ((200, 156, 112), (150, 104, 66)),  # oak
    ((132, 90, 62), (86, 56, 38)),  # walnut
    ((224, 198, 162), (190, 156, 118)),  # birch laminate
    ((172, 104, 72), (120, 66, 44)),  # red-brown veneer
)
_FABRICS = ((58, 78, 112), (196, 182, 158), (104, 104, 110), (62, 88, 72), (185, 142, 140), (120, 52, 58))


def _wood(rng: random.Random, g: np.random.Generator, h: int, w: int) -> np.ndarray:
    along_y = rng.random() < 0.5
    hh, ww = (w, h) if along_y else (h, w)  # drawn with the grain along x, transposed if needed
    sh, sw = max(8, hh // 2), max(8, ww // 2)  # half resolution: the table is never the sharp part
    plank = rng.uniform(0.18, 0.4) * sh
    start = rng.uniform(0, plank)
    y = np.arange(sh, dtype=np.float32)[:, None]
    n_planks = int(sh / plank) + 3
    idx = (np.floor((y + start) / plank).astype(int)) % n_planks
    # Each board has its own figure and tone, so the grain breaks at the joints as real boards do.
    phase = np.asarray([rng.uniform(0, 200) for _ in range(n_planks)], np.float32)[idx]
    tone = np.asarray([rng.uniform(-0.1, 0.1) for _ in range(n_planks)], np.float32)[idx]
    period = rng.uniform(7, 16)
    # The grain runs long and nearly straight, bending gently: smooth offsets stretched along x.
    bend = _value_noise(g, max(2, sh // 8), max(2, sw // 8), cell=sw / 8 / rng.uniform(1.5, 3), octaves=2)
    bend = cv2.resize(bend, (sw, sh), interpolation=cv2.INTER_LINEAR) * period * rng.uniform(1.0, 2.5)
    lines = (0.5 + 0.5 * np.sin(2 * np.pi * (y + bend + phase) / period)) ** 4  # thin late-wood lines
    streak = cv2.resize(g.standard_normal((sh, max(2, sw // 60))).astype(np.float32), (sw, sh))
    fine = cv2.resize(g.standard_normal((sh, max(2, sw // 10))).astype(np.float32), (sw, sh))
    broad = _value_noise(g, sh, sw, cell=sw / 3)
    t = 0.72 - 0.35 * lines + 0.07 * streak + 0.04 * fine + 0.08 * broad + tone
    seam = (y + start) % plank
    t = t - 0.4 * (np.minimum(seam, plank - seam) < 1.0)  # the dark joint between two boards
    light, dark = (np.asarray(c, np.float32) for c in rng.choice(_WOODS))
    img = _to_u8(dark + (light - dark) * np.clip(t, 0, 1)[..., None])
    img = cv2.resize(img, (ww, hh), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(img.transpose(1, 0, 2)) if along_y else img


def _desk(rng: random.Random, g: np.random.Generator, h: int, w: int) -> np.ndarray:
    level = rng.uniform(95, 210)
    tint = np.asarray([rng.uniform(-7, 7) for _ in range(3)], np.float32)
    blotch = _value_noise(g, h // 2, w // 2, cell=max(h, w) / 2 / rng.uniform(3, 8), octaves=3)
    # Laminate and painted steel have a fine grain: speckle at half resolution, slightly soft.
    speck = g.standard_normal((h // 2, w // 2)).astype(np.float32) * rng.uniform(2.5, 5)
    small = _to_u8((level + blotch * rng.uniform(4, 9) + speck)[..., None] + tint)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _fabric(rng: random.Random, g: np.random.Generator, h: int, w: int) -> np.ndarray:
    base = np.asarray(rng.choice(_FABRICS), np.float32)
    p = rng.uniform(3.0, 6.0)
    x = np.arange(w, dtype=np.float32)
    y = np.arange(h, dtype=np.float32)
    # Thread thickness wanders a little from thread to thread.
    sx = np.sin(2 * np.pi * x / p) + 0.35 * g.standard_normal(w).astype(np.float32)
    sy = np.sin(2 * np.pi * y / p) + 0.35 * g.standard_normal(h).astype(np.float32)
    shade = 1.0 + 0.09 * (sy[:, None] * sx[None, :]) + 0.05 * (sx[None, :] - sy[:, None])
    shade += _value_noise(g, h, w, cell=max(h, w) / rng.uniform(4, 9), octaves=3) * rng.uniform(0.05, 0.12)
    if rng.random() < 0.35:  # a gingham tablecloth
        period = rng.uniform(40, 110)
        bx = ((x % period) < period / 2).astype(np.float32)
        by = ((y % period) < period / 2).astype(np.float32)
        shade *= 1.0 - rng.uniform(0.12, 0.22) * (bx[None, :] + by[:, None])
        base = np.maximum(base, 150)
    return _to_u8(shade[..., None] * base)


_BACKGROUNDS: dict[str, Callable[[random.Random, np.random.Generator, int, int], np.ndarray]] = {
    "wood": _wood,
    "desk": _desk,
    "fabric": _fabric,
}


# -- the thumb that holds the page down -------------------------------------------------------

_SKINS = ((232, 190, 160), (218, 170, 136), (200, 150, 116), (236, 200, 174))


def _hand(
    img: np.ndarray,
    hmat: np.ndarray,
    page: tuple[int, int],
    margins: dict[str, int],
    protect: Sequence[Box],
    rng: random.Random,
    g: np.random.Generator,
) -> bool:
    """Draw a thumb on one margin of the page (uint8 image, in place), reaching in from the frame edge.

    The thumb sits where a member holds a page flat for the shot: on a blank margin (margins:
    blank page pixels on each side), never over a protected box; it is dropped if no place fits.
    """
    hc, wc = img.shape[:2]
    pw, ph = page
    long = max(pw, ph)
    centre = np.array([[pw / 2, ph / 2], [pw / 2 + 1, ph / 2]])
    scale = float(np.linalg.norm(np.diff(_transform(hmat, centre), axis=0)))
    f = 2  # shape and shading at half resolution: a thumb has no fine detail
    sh, sw = hc // f, wc // f
    padded = [_pad(b, 4) for b in protect]
    for _ in range(8):
        side = rng.choices(("left", "right", "bottom", "top"), weights=(4, 4, 3, 0.5))[0]
        t = rng.uniform(0.15, 0.85)
        edge, inward = {
            "left": ((0.0, t * ph), (1.0, 0.0)),
            "right": ((float(pw), t * ph), (-1.0, 0.0)),
            "bottom": ((t * pw, float(ph)), (0.0, -1.0)),
            "top": ((t * pw, 0.0), (0.0, 1.0)),
        }[side]
        tilt = math.radians(rng.uniform(-25, 25))
        # The tip rests on the margin; a page printed to its edge can only be pinched at the rim.
        depth = min(rng.uniform(0.4, 0.85) * margins[side], 0.06 * long) + 0.004 * long
        n = np.array(
            [
                inward[0] * math.cos(tilt) - inward[1] * math.sin(tilt),
                inward[0] * math.sin(tilt) + inward[1] * math.cos(tilt),
            ]
        )
        tip_p = np.array(edge) + n * depth / max(0.5, math.cos(tilt))
        far_p = tip_p - n * long  # well beyond the frame edge: the hand comes from off-picture
        tip, far = _transform(hmat, np.array([tip_p, far_p])) / f
        width = rng.uniform(0.058, 0.075) * long * scale / f  # about 2 cm on a page 25-30 cm long
        d = (far - tip) / np.linalg.norm(far - tip)
        perp = np.array([-d[1], d[0]])
        joint = tip + d * width * rng.uniform(1.6, 2.2)
        mask = np.zeros((sh, sw), np.uint8)
        a, b = np.round(tip + d * width * 0.45).astype(int), np.round(joint).astype(int)
        cv2.line(mask, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), 255, max(2, int(width)), cv2.LINE_AA)
        # Beyond the knuckle the hand widens quickly into the palm.
        spread = rng.uniform(1.4, 2.0)
        heel = joint + d * width * rng.uniform(1.8, 2.8)
        side_a = [joint + perp * width * 0.5, heel + perp * width * spread, far + perp * width * spread]
        side_b = [joint - perp * width * 0.5, heel - perp * width * 0.7, far - perp * width * 0.7]
        palm = np.array(side_a + side_b[::-1])
        cv2.fillPoly(mask, [np.round(palm).astype(np.int32)], 255, lineType=cv2.LINE_AA)
        ys, xs = np.nonzero(mask)
        if not len(xs):
            continue
        # Work inside the hand's bounding box (plus room for its shadow) rather than the whole frame.
        m = int(width) + 4
        bx0, by0 = max(0, xs.min() - m), max(0, ys.min() - m)
        bx1, by1 = min(sw, xs.max() + m + 1), min(sh, ys.max() + m + 1)
        crop = mask[by0:by1, bx0:bx1]
        # Blurring and re-thresholding rounds the joins into one organic outline.
        soft = cv2.GaussianBlur(crop.astype(np.float32) / 255, (0, 0), max(1.0, width / 5))
        shape = (soft > 0.5).astype(np.uint8)
        hit = False
        for x0, y0, x1, y1 in padded:
            cx0, cy0 = max(x0 // f - bx0, 0), max(y0 // f - by0, 0)
            cx1, cy1 = min(-(-x1 // f) - bx0, shape.shape[1]), min(-(-y1 // f) - by0, shape.shape[0])
            if cx1 > cx0 and cy1 > cy0 and shape[cy0:cy1, cx0:cx1].any():
                hit = True
                break
        if not hit:
            break
    else:
        return False

    tip_c = tip - (bx0, by0)
    ch, cw = shape.shape
    dist = cv2.distanceTransform(shape, cv2.DIST_L2, 5)
    r = max(1.0, width / 2)
    rounded = np.clip(dist / r, 0, 1) ** 0.5  # a cylinder lit from above: dark rim, bright ridge
    skin = np.asarray(rng.choice(_SKINS), np.float32)
    redder = skin * np.array([0.95, 0.78, 0.74], np.float32)  # blood shows at the thin edges
    colour = redder + (skin - redder) * rounded[..., None]
    colour *= (0.78 + 0.22 * rounded)[..., None]
    colour *= (1 + 0.03 * _value_noise(g, ch, cw, cell=max(4.0, width / 3)))[..., None]
    # The nail: a paler, smoother oval just behind the tip.
    nail = np.zeros((ch, cw), np.uint8)
    nc = np.round(tip_c + d * width * 0.42).astype(int)
    axes = (max(1, int(width * 0.3)), max(1, int(width * 0.24)))
    angle = math.degrees(math.atan2(d[1], d[0]))
    cv2.ellipse(nail, (int(nc[0]), int(nc[1])), axes, angle, 0, 360, 255, -1, cv2.LINE_AA)
    nail_a = cv2.GaussianBlur(nail.astype(np.float32) / 255, (0, 0), max(0.8, width / 14)) * 0.55
    nail_col = np.array([238, 205, 196], np.float32) * (0.85 + 0.15 * rounded)[..., None]
    colour = colour * (1 - nail_a[..., None]) + nail_col * nail_a[..., None]
    alpha_small = cv2.GaussianBlur(shape.astype(np.float32), (0, 0), 0.8)
    # The thumb hovers a few millimetres above the paper and casts a soft shadow on it.
    off = d * -width * 0.12 + np.array([width * 0.1, width * 0.15])
    shadow = cv2.warpAffine(alpha_small, np.array([[1, 0, off[0]], [0, 1, off[1]]], np.float32), (cw, ch))
    shadow = cv2.GaussianBlur(shadow, (0, 0), max(2.0, width / 4)) * rng.uniform(0.3, 0.45)
    fx0, fy0 = bx0 * f, by0 * f
    fx1, fy1 = min(wc, bx1 * f), min(hc, by1 * f)
    full = (cw * f, ch * f)
    alpha = cv2.resize(alpha_small, full)[: fy1 - fy0, : fx1 - fx0, None]
    shadow_f = cv2.resize(shadow, full)[: fy1 - fy0, : fx1 - fx0, None]
    colour_f = cv2.resize(colour, full)[: fy1 - fy0, : fx1 - fx0]
    region = img[fy0:fy1, fx0:fx1].astype(np.float32)
    region *= (1 - shadow_f) * (1 - alpha)
    region += colour_f * alpha
    img[fy0:fy1, fx0:fx1] = _to_u8(region)
    return True


# -- the kinds --------------------------------------------------------------------------------


def _photo(w: _Work, rng: random.Random) -> str:
    g = _np_rng(rng)
    ph, pw = w.img.shape[:2]
    long = rng.randint(1600, 2400)
    aspect = rng.choice((4 / 3, 4 / 3, 4 / 3, 16 / 9))
    wc, hc = (round(long / aspect), long) if ph >= pw else (long, round(long / aspect))

    corners = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], dtype=float)
    q = corners - (pw / 2, ph / 2)
    # A phone held over a page tilts: the far edge shrinks (keystone) and the page foreshortens.
    edge = rng.choices((0, 1, 2, 3), weights=(5, 2, 1.5, 1.5))[0]
    a, b = ((0, 1), (3, 2), (0, 3), (1, 2))[edge]
    k = rng.uniform(0.02, 0.08)
    along = q[b] - q[a]
    q[a] += along * k
    q[b] -= along * k
    q[:, 1 if edge < 2 else 0] *= rng.uniform(0.93, 1.0)
    q += np.array([[rng.uniform(-0.015, 0.015) * pw, rng.uniform(-0.015, 0.015) * ph] for _ in range(4)])
    angle = rng.uniform(-3.0, 3.0)
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    q = q @ np.array([[c, -s], [s, c]])
    lo, hi = q.min(axis=0), q.max(axis=0)
    fill = rng.uniform(0.74, 0.92)
    sc = fill * min(wc / (hi[0] - lo[0]), hc / (hi[1] - lo[1]))
    slack = np.array([wc, hc]) - sc * (hi - lo)
    shift = slack * (0.5 + np.array([rng.uniform(-0.35, 0.35), rng.uniform(-0.35, 0.35)]))
    dst = (q - lo) * sc + shift
    hmat = cv2.getPerspectiveTransform(corners.astype(np.float32), dst.astype(np.float32)).astype(float)

    bg_name = rng.choice(tuple(_BACKGROUNDS))
    img = _BACKGROUNDS[bg_name](rng, g, hc, wc)
    # The page lies on the table and casts a thin soft shadow around itself (smooth, so built small).
    f = 4
    sh, sw = max(2, hc // f), max(2, wc // f)
    on_page = _warp(np.full((ph, pw), 255, np.uint8), _scale(1 / f) @ hmat, (sw, sh), 0)
    nudge = np.array([[1, 0, rng.uniform(-2, 2)], [0, 1, rng.uniform(0, 3)]], np.float32)
    drop = cv2.GaussianBlur(cv2.warpAffine(on_page, nudge, (sw, sh)).astype(np.float32), (0, 0), rng.uniform(2, 5))
    keep = 255 - rng.uniform(0.25, 0.45) * drop
    keep = cv2.cvtColor(cv2.resize(_to_u8(keep), (wc, hc), interpolation=cv2.INTER_LINEAR), cv2.COLOR_GRAY2RGB)
    img = cv2.multiply(img, keep, scale=1 / 255)
    # The page goes straight onto the table picture: pixels it does not reach keep the table.
    m = _translate(-0.5, -0.5) @ hmat @ _translate(0.5, 0.5)
    cv2.warpPerspective(w.img, m, (wc, hc), dst=img, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT)

    protect_px = [map_box(hmat @ w.matrix, b, (wc, hc)) for b in w.protect]
    hand = rng.random() < 0.4 and _hand(img, hmat, (pw, ph), _margins(w.img), protect_px, rng, g)

    # Light and exposure are smooth, so they are one low-resolution gain field, applied in one pass.
    theta = rng.uniform(0, 2 * math.pi)
    grad, vig = rng.uniform(0.08, 0.3), rng.uniform(0.08, 0.25)
    cx, cy = rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65)
    x, y = _grid(sh, sw)
    # Brighter towards the lamp or window, darker at the corners of the lens.
    lin = ((x - 0.5) * math.cos(theta) + (y - 0.5) * math.sin(theta)) / 1.42 + 0.5
    gain = (1 - grad * lin) * (1 - vig * 2 * ((x - cx) ** 2 + (y - cy) ** 2))
    gain = gain * (1 + 0.02 * _value_noise(g, sh, sw, cell=max(sw, sh) / 4))
    black, white = rng.uniform(18, 42), rng.uniform(222, 248)
    gain *= (white - black) / 255
    # Phone auto white balance rarely gets paper truly white: warm under bulbs, cool by a window.
    warmth = rng.uniform(-1.0, 1.0)
    tone = np.array([1.0, 0.965, 0.87]) if warmth > 0 else np.array([0.91, 0.965, 1.0])
    cast = (tone ** abs(warmth)).astype(np.float32)
    # The gain is below 1 everywhere, so it fits a uint8 multiply: a quarter of the float passes.
    gain3 = cv2.resize(_to_u8(gain[..., None] * cast * 255), (wc, hc), interpolation=cv2.INTER_LINEAR)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.45, 0.8))  # lens and demosaicing softness
    img = cv2.multiply(img, gain3, scale=1 / 255)
    grain = _gauss(g, (hc, wc), rng.uniform(1.2, 2.5), offset=black)
    w.geometric(hmat, cv2.add(img, cv2.cvtColor(grain, cv2.COLOR_GRAY2RGB)))
    return f"photo:{bg_name},tilt{k:.3f},rot{angle:.1f},{wc}x{hc}" + (",hand" if hand else "")


def _shadow(w: _Work, rng: random.Random) -> str:
    wc, hc = w.size
    f = 4
    sw, sh = max(4, wc // f), max(4, hc // f)
    edge = rng.randrange(4)
    t0 = rng.uniform(-0.1, 0.6)
    t1 = t0 + rng.uniform(0.3, 0.7)
    depth = rng.uniform(0.2, 0.55)
    skew = rng.uniform(-0.15, 0.15)
    d2 = depth * rng.uniform(0.7, 1.3)
    # Built along the top edge in unit coordinates, then turned to the chosen edge.
    pts = np.array([[t0, -0.2], [t1, -0.2], [t1 + skew, d2], [t0 + skew, depth]])
    if edge == 1:
        pts[:, 1] = 1 - pts[:, 1]
    elif edge == 2:
        pts = pts[:, ::-1]
    elif edge == 3:
        pts = pts[:, ::-1].copy()
        pts[:, 0] = 1 - pts[:, 0]
    mask = np.zeros((sh, sw), np.float32)
    cv2.fillConvexPoly(mask, np.round(pts * (sw, sh)).astype(np.int32), 1.0, lineType=cv2.LINE_AA)
    mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(0.012, 0.04) * math.hypot(sw, sh))
    dark = rng.uniform(0.25, 0.55)
    # Shadows are lit by the sky or the room, so they come out slightly cooler than the lit paper.
    tint = np.array([1.0, 1.0, 1.0] if w.grey else [1.0, 0.97, 0.86], np.float32)
    keep = _to_u8(255 * (1 - dark * mask[..., None] * tint))
    w.img = cv2.multiply(w.img, cv2.resize(keep, (wc, hc), interpolation=cv2.INTER_LINEAR), scale=1 / 255)
    return f"shadow:{dark:.2f}"


def _rotate(w: _Work, rng: random.Random) -> str:
    angle = rng.uniform(-4.0, 4.0)
    if abs(angle) < 0.3:
        angle = math.copysign(0.3, angle)
    wc, hc = w.size
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    nw, nh = math.ceil(wc * abs(c) + hc * abs(s)), math.ceil(wc * abs(s) + hc * abs(c))
    # Positive angles turn the page counter-clockwise as seen, like cv2.getRotationMatrix2D.
    rot = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    m = _translate(nw / 2, nh / 2) @ rot @ _translate(-wc / 2, -hc / 2)
    border = 255 if rng.random() < 0.6 else rng.randint(175, 225)  # white lid or grey scanner bed
    w.geometric(m, _warp(w.img, m, (nw, nh), border))
    return f"rotate:{angle:.1f}"


def _quarter(turns: int) -> Callable[[_Work, random.Random], str]:
    """Turn the page clockwise by 90 degrees `turns` times, exactly (no resampling)."""

    def step(w: _Work, rng: random.Random) -> str:
        wc, hc = w.size
        if turns == 1:
            m = np.array([[0.0, -1.0, hc], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
        elif turns == 2:
            m = np.array([[-1.0, 0.0, wc], [0.0, -1.0, hc], [0.0, 0.0, 1.0]])
        else:
            m = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, wc], [0.0, 0.0, 1.0]])
        w.geometric(m, np.rot90(w.img, k=-turns))
        return f"rotate{90 * turns}"

    return step


def _blur(w: _Work, rng: random.Random) -> str:
    # Bigger pictures (phone photos) carry bigger text, and tolerate proportionally more blur.
    scale = min(1.4, max(0.7, max(w.size) / 1754))
    if rng.random() < 0.35:
        length = max(3, round(rng.uniform(3, 6) * scale))
        angle = rng.uniform(0, 180)
        kernel = np.zeros((length, length), np.float32)
        c = (length - 1) / 2
        dx, dy = math.cos(math.radians(angle)) * c, math.sin(math.radians(angle)) * c
        cv2.line(kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA)
        kernel /= kernel.sum()
        w.img = cv2.filter2D(w.img, -1, kernel, borderType=cv2.BORDER_REPLICATE)
        return f"blur:motion{length}@{angle:.0f}"
    sigma = rng.uniform(0.6, 1.3) * scale
    w.img = cv2.GaussianBlur(w.img, (0, 0), sigma)
    return f"blur:gauss{sigma:.2f}"


def _jpeg(w: _Work, rng: random.Random) -> str:
    q = rng.randint(25, 50)
    src = w.img[..., 0] if w.grey else cv2.cvtColor(w.img, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", src, [cv2.IMWRITE_JPEG_QUALITY, q])
    if not ok:  # pragma: no cover - encoding an in-memory uint8 array does not fail
        raise RuntimeError("JPEG encoding failed")
    dec = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE if w.grey else cv2.IMREAD_COLOR)
    w.img = np.repeat(dec[..., None], 3, axis=2) if w.grey else cv2.cvtColor(dec, cv2.COLOR_BGR2RGB)
    return f"jpeg:{q}"


def _noise(w: _Work, rng: random.Random) -> str:
    g = _np_rng(rng)
    hc, wc = w.img.shape[:2]
    if w.grey and rng.random() < 0.5:
        # Scanner dust and dropouts: mostly dark specks on the paper, a few white ones in the ink.
        amount = rng.uniform(0.0001, 0.0006)
        u = g.random((hc, wc), dtype=np.float32)
        img = w.img.copy()
        img[u < amount * 0.75] = g.integers(0, 70)
        img[u > 1 - amount * 0.25] = 255
        w.img = img
        return f"noise:saltpepper{amount:.4f}"
    sigma = rng.uniform(4, 12)
    img = w.img.astype(np.int16)
    img += _gauss(g, (hc, wc), sigma, dtype=np.int16)[..., None]
    if not w.grey:
        # Colour noise survives demosaicing as soft blotches, so it is coarser than the grain.
        chroma = _gauss(g, (max(1, hc // 2), max(1, wc // 2), 3), sigma * 0.3, dtype=np.int16)
        img += cv2.resize(chroma, (wc, hc), interpolation=cv2.INTER_LINEAR)
    w.img = np.clip(img, 0, 255).astype(np.uint8)
    return f"noise:gauss{sigma:.1f}"


def _scan_grey(w: _Work, rng: random.Random) -> str:
    g = _np_rng(rng)
    hc, wc = w.img.shape[:2]
    grey = cv2.cvtColor(w.img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    soft = rng.uniform(0.4, 0.8)  # a 150-200 dpi scanner's optics: characters lose their crispness
    grey = cv2.GaussianBlur(grey, (0, 0), soft)
    black, white = rng.uniform(15, 45), rng.uniform(222, 248)
    grey = black + (white - black) * grey / 255
    # The lamp's falloff and the paper's own tone: gentle, broad variations, never blotches.
    grey += _value_noise(g, hc, wc, cell=max(hc, wc) / 2.5, octaves=2) * rng.uniform(1.0, 3.0)
    # A little sensor grain: without it the smooth paper tone quantizes into visible contour bands.
    grey += _gauss(g, (hc, wc), rng.uniform(0.8, 1.6), dtype=np.int16)
    label = f"scan_grey:soft{soft:.2f}"
    if rng.random() < 0.5:
        # The lid did not close over the page edge: a dark strip along one or two sides, slightly
        # askew, with the paper next to it in the strip's half-shadow.
        protect = w.protected(pad=3)
        sides = rng.sample(("top", "bottom", "left", "right"), rng.randint(1, 2))
        for side in sides:
            length = wc if side in ("top", "bottom") else hc
            across = hc if side in ("top", "bottom") else wc
            width = rng.uniform(0.006, 0.02) * across
            slope = rng.uniform(-0.3, 0.3) * width / length
            room = min([_room(b, side, wc, hc) for b in protect] + [2 * width + 4])
            width = min(width, (room - 4) / 1.3)
            if width < 2:
                continue
            pos_along = np.arange(length, dtype=np.float32) - length / 2
            edge = width + slope * pos_along + _value_noise(g, 1, length, cell=length / 40)[0] * 0.4
            pos = np.arange(across, dtype=np.float32)
            dist = pos if side in ("top", "left") else across - 1 - pos
            gap = edge[None, :] - dist[:, None]  # > 0 inside the strip
            band = np.clip(gap / 1.5 + 0.5, 0, 1)
            penumbra = rng.uniform(0.08, 0.2) * np.exp(np.minimum(gap, 0) / rng.uniform(3, 8)) * (1 - band)
            if side in ("left", "right"):
                band, penumbra = band.T, penumbra.T
            level = rng.uniform(25, 90)
            grey = grey * (1 - band) * (1 - penumbra) + level * band
            label += f",lid-{side}"
    w.img = np.repeat(_to_u8(grey)[..., None], 3, axis=2)
    w.grey = True
    return label


def _room(box: Box, side: str, wc: int, hc: int) -> float:
    """How far a band along `side` may reach before it would touch box."""
    return {"top": box[1], "bottom": hc - box[3], "left": box[0], "right": wc - box[2]}[side]


def _lowcontrast(w: _Work, rng: random.Random) -> str:
    g = _np_rng(rng)
    wc = w.img.shape[1]
    ink, paper = rng.uniform(110, 150), rng.uniform(215, 235)
    img = w.img.astype(np.float32)
    # Toner runs out unevenly across the drum: the fading varies a little along the line.
    streak = 1 + 0.06 * _value_noise(g, 1, wc, cell=wc / 6)[0]
    lo = paper - (paper - ink) * streak
    img = lo[None, :, None] + (paper - lo)[None, :, None] * img / 255
    w.img = _to_u8(img)
    return f"lowcontrast:ink{ink:.0f},paper{paper:.0f}"


def _privacy(w: _Work, rng: random.Random) -> str | None:
    if not w.cover:
        return None
    protect = w.protected()
    chosen = rng.sample(list(w.cover), rng.randint(1, min(3, len(w.cover))))
    done = 0
    img = w.img.copy()
    for box in chosen:
        x0, y0, x1, y1 = map_box(w.matrix, box, w.size)
        pad = rng.randint(2, 6)
        theta = math.radians(rng.uniform(-1.5, 1.5))
        c, s = abs(math.cos(theta)), abs(math.sin(theta))
        p, q = (x1 - x0) / 2, (y1 - y0) / 2
        # A rectangle turned by theta still covers the box when it spans the box's turned extent.
        a, b = p * c + q * s + pad, p * s + q * c + pad
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        ct, st = math.cos(theta), math.sin(theta)
        poly = np.array(
            [[cx + dx * ct - dy * st, cy + dx * st + dy * ct] for dx, dy in ((-a, -b), (a, -b), (a, b), (-a, b))]
        )
        bound = (
            math.floor(poly[:, 0].min()) - 2,
            math.floor(poly[:, 1].min()) - 2,
            math.ceil(poly[:, 0].max()) + 2,
            math.ceil(poly[:, 1].max()) + 2,
        )
        if any(_overlaps(bound, pb) for pb in protect):
            continue
        level = rng.randint(246, 255)
        fill = (level, level, level - rng.randint(0, 4))  # correction tape and paper slips are rarely pure white
        pts = np.round(poly * 16).astype(np.int32)
        cv2.fillPoly(img, [pts], fill, lineType=cv2.LINE_AA, shift=4)
        if rng.random() < 0.4:  # the faint edge of a paper slip laid over the data
            edge = level - rng.randint(12, 30)
            cv2.polylines(img, [pts], True, (edge, edge, edge), 1, cv2.LINE_AA, shift=4)
        done += 1
    if not done:
        return None
    w.img = img
    return f"privacy:{done}"


def _fold(w: _Work, rng: random.Random) -> str:
    g = _np_rng(rng)
    wc, hc = w.size
    horizontal = rng.random() < 0.7
    hh, ww = (hc, wc) if horizontal else (wc, hc)  # worked in a frame where the crease runs along x
    frac = rng.choice((1 / 3, 1 / 2, 1 / 2, 2 / 3)) + rng.uniform(-0.03, 0.03)
    slope = math.tan(math.radians(rng.uniform(-1.5, 1.5)))
    x = np.arange(ww, dtype=np.float32) + 0.5
    # Creased paper never lies straight: the line wanders by a pixel or two.
    line = frac * hh + (x - ww / 2) * slope + _value_noise(g, 1, ww, cell=ww / 8)[0] * rng.uniform(0.6, 1.8)
    sign = rng.choice((-1.0, 1.0))
    dark, band, side = rng.uniform(0.12, 0.28), rng.uniform(0.03, 0.07), rng.uniform(0.02, 0.06)
    wband, tau = rng.uniform(6, 16), rng.uniform(8, 25)
    # The paper around the crease bends away from the light and one half sits a shade darker:
    # smooth, so built at quarter resolution.
    f = 4
    sh, sw = max(2, hh // f), max(2, ww // f)
    ys = (np.arange(sh, dtype=np.float32)[:, None] + 0.5) * (hh / sh)
    d = ys - cv2.resize(line[None, :], (sw, 1), interpolation=cv2.INTER_AREA)[0][None, :]
    smooth = 1.0 - band * np.exp(-(d**2) / (2 * wband**2)) - side / (1 + np.exp(np.clip(-sign * d / tau, -30, 30)))
    factor = cv2.resize(smooth.astype(np.float32), (ww, hh), interpolation=cv2.INTER_LINEAR)
    # The crease itself: one face in shadow (a thin dark line), the other catching the light (a
    # thin line brighter than the bent paper around it). Only the strip of rows it crosses.
    r0, r1 = max(0, int(line.min()) - 8), min(hh, int(line.max()) + 9)
    if r1 > r0:
        d = np.arange(r0, r1, dtype=np.float32)[:, None] + 0.5 - line[None, :]
        factor[r0:r1] *= 1 - dark * np.exp(-((d - sign) ** 2) / 1.2) + band * np.exp(-((d + 2 * sign) ** 2) / 1.5)
    if not horizontal:
        factor = np.ascontiguousarray(factor.T)
    w.img = cv2.multiply(w.img, cv2.cvtColor(_to_u8(factor * 255), cv2.COLOR_GRAY2RGB), scale=1 / 255)
    return f"fold:{'h' if horizontal else 'v'}{frac:.2f}"


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(CJK_FONT, size, index=_SC_INDEX)


def _text_alpha(text: str, size: int) -> np.ndarray:
    font = _font(size)
    x0, y0, x1, y1 = font.getbbox(text)
    im = Image.new("L", (x1 - x0 + 4, y1 - y0 + 4), 0)
    ImageDraw.Draw(im).text((2 - x0, 2 - y0), text, font=font, fill=255)
    return np.asarray(im, np.float32) / 255


def _corner_mark(rng: random.Random, text: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """An app's corner badge: a rounded icon and the app's line, as colour and alpha arrays."""
    font = _font(size)
    icon = int(size * 1.5)
    tx0, ty0, tx1, ty1 = font.getbbox(text)
    w, h = icon + size // 2 + (tx1 - tx0) + 4, max(icon, ty1 - ty0) + 4
    rgba = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(rgba)
    hue = rng.choice(((38, 150, 110), (52, 120, 206), (70, 70, 70)))
    draw.rounded_rectangle((0, (h - icon) // 2, icon, (h - icon) // 2 + icon), radius=icon // 4, fill=(*hue, 255))
    small = _font(int(icon * 0.62))
    draw.text((icon / 2, h / 2), "扫", font=small, fill=(255, 255, 255, 255), anchor="mm")
    grey = rng.randint(60, 110)
    draw.text((icon + size // 2 - tx0, (h - (ty1 - ty0)) / 2 - ty0), text, font=font, fill=(grey, grey, grey, 255))
    arr = np.asarray(rgba, np.float32)
    return arr[..., :3], arr[..., 3] / 255


def _watermark(w: _Work, rng: random.Random) -> str | None:
    wc, hc = w.size
    protect = w.protected(pad=4)
    text = rng.choice(WATERMARK_TEXTS)
    img = w.img.astype(np.float32)
    if rng.random() < 0.5:
        size = max(10, round(wc * rng.uniform(0.02, 0.03)))
        colour, alpha = _corner_mark(rng, text, size)
        opacity = rng.uniform(0.55, 0.85)
        mh, mw = alpha.shape
        margin = round(wc * rng.uniform(0.015, 0.035))
        corners = [
            ("br", wc - mw - margin, hc - mh - margin),
            ("bl", margin, hc - mh - margin),
            ("tr", wc - mw - margin, margin),
            ("tl", margin, margin),
        ]
        # Apps stamp the bottom right; fall back to another corner when that one holds a field.
        for name, x, y in corners[:1] + rng.sample(corners[1:], 3):
            if x < 0 or y < 0:
                continue
            if any(_overlaps((x, y, x + mw, y + mh), b) for b in protect):
                continue
            a = (alpha * opacity)[..., None]
            region = img[y : y + mh, x : x + mw]
            img[y : y + mh, x : x + mw] = region * (1 - a) + colour * a
            w.img = _to_u8(img)
            return f"watermark:corner-{name}"
        # No corner is free: fall through to the light diagonal pattern.
    size = max(10, round(wc * rng.uniform(0.028, 0.045)))
    angle = rng.choice((-1, 1)) * rng.uniform(20, 40)
    tile = (
        np.asarray(
            Image.fromarray((_text_alpha(text, size) * 255).astype(np.uint8)).rotate(
                angle, resample=Image.BICUBIC, expand=True
            ),
            np.float32,
        )
        / 255
    )
    th, tw = tile.shape
    acc = np.zeros((hc, wc), np.float32)
    step_x, step_y = int(tw * rng.uniform(1.1, 1.5)), int(th * rng.uniform(1.3, 2.0))
    ox, oy = rng.randrange(step_x), rng.randrange(step_y)
    placed = 0
    for row, y in enumerate(range(oy - step_y, hc, step_y)):
        for x in range(ox - step_x + (step_x // 2) * (row % 2), wc, step_x):
            x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + tw, wc), min(y + th, hc)
            if x1 <= x0 or y1 <= y0:
                continue
            part = tile[y0 - y : y1 - y, x0 - x : x1 - x]
            # Leave out a whole repeat rather than cut a hole in it where it would cross a field.
            clash = False
            for b in protect:
                bx0, by0, bx1, by1 = max(b[0], x0), max(b[1], y0), min(b[2], x1), min(b[3], y1)
                if bx1 > bx0 and by1 > by0 and (part[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0] > 0.02).any():
                    clash = True
                    break
            if clash:
                continue
            np.maximum(acc[y0:y1, x0:x1], part, out=acc[y0:y1, x0:x1])
            placed += 1
    if not placed:
        return None
    opacity = rng.uniform(0.1, 0.2)
    grey = rng.randint(90, 150)
    a = (acc * opacity)[..., None]
    img = img * (1 - a) + grey * a
    w.img = _to_u8(img)
    return f"watermark:diagonal{angle:.0f}"


_STEPS: dict[str, Callable[[_Work, random.Random], str | None]] = {
    "photo": _photo,
    "shadow": _shadow,
    "rotate": _rotate,
    "rotate90": _quarter(1),
    "rotate180": _quarter(2),
    "rotate270": _quarter(3),
    "blur": _blur,
    "jpeg": _jpeg,
    "noise": _noise,
    "scan_grey": _scan_grey,
    "lowcontrast": _lowcontrast,
    "privacy": _privacy,
    "fold": _fold,
    "watermark": _watermark,
}


def apply(
    image: Image.Image,
    kinds: Sequence[str],
    rng: random.Random,
    *,
    protect: Sequence[Box] = (),
    cover: Sequence[Box] = (),
) -> Degraded:
    """Degrade a clean page by the given kinds, run in physical order (see the module docstring).

    protect: page boxes that no hand, privacy box or watermark may cover (the fields under test).
    cover: page boxes a member might blank out (`privacy` covers one to three of them).
    """
    unknown = [k for k in kinds if k not in _STEPS]
    if unknown:
        raise ValueError(f"unknown degradation kinds: {unknown}; known: {KINDS}")
    work = _Work(
        img=np.array(image.convert("RGB")),
        matrix=np.eye(3),
        protect=tuple(protect),
        cover=tuple(cover),
    )
    applied: list[str] = []
    wanted = set(kinds)
    for kind in _ORDER:
        if kind in wanted:
            label = _STEPS[kind](work, rng)
            if label:
                applied.append(label)
    if work.grey:
        out = Image.fromarray(cv2.cvtColor(work.img, cv2.COLOR_RGB2GRAY), "L")
    else:
        out = Image.fromarray(work.img, "RGB")
    return Degraded(out, work.matrix, applied)


# -- pages too poor to read -------------------------------------------------------------------
# What makes a member photograph a page again: the gate of intake.ocr.quality is measured on
# these. Each takes a severity in [0, 1]: near 0 the page is barely touched and still reads, at 1
# no reader could read it. Sizes are relative to the picture, so a severity means the same on a
# 150 dpi scan and on a 2400-pixel photo.

POOR_KINDS: tuple[str, ...] = ("motion_blur", "focus_blur", "low_resolution", "glare", "cut_off", "screen", "blank")


def _motion_blur(img: np.ndarray, severity: float, rng: random.Random) -> tuple[np.ndarray, np.ndarray, str]:
    # A hand that moves while the shutter is open: a straight streak, up to ~1.4% of the long side
    # (25 px on a 1754-px page, taller than its body text at sev 1).
    length = max(2, round(1 + severity * 0.014 * max(img.shape[:2])))
    angle = rng.uniform(0, 180)
    size = length + 2 - length % 2
    kernel = np.zeros((size, size), np.float32)
    c = (size - 1) / 2
    dx, dy = math.cos(math.radians(angle)) * (length - 1) / 2, math.sin(math.radians(angle)) * (length - 1) / 2
    cv2.line(kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA)
    kernel /= kernel.sum()
    return (
        cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REPLICATE),
        np.eye(3),
        f"motion_blur:{length}@{angle:.0f}",
    )


def _focus_blur(img: np.ndarray, severity: float, rng: random.Random) -> tuple[np.ndarray, np.ndarray, str]:
    # Out of focus: the lens spreads a point into a disc, up to ~0.6% of the long side in radius.
    radius = severity * 0.006 * max(img.shape[:2])
    r = max(1, math.ceil(radius))
    kernel = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
    cv2.circle(kernel, (r, r), max(1, round(radius)), 1.0, -1, cv2.LINE_AA)
    kernel = cv2.GaussianBlur(kernel, (0, 0), 0.5)
    kernel /= kernel.sum()
    return cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REPLICATE), np.eye(3), f"focus_blur:r{radius:.1f}"


def _low_resolution(img: np.ndarray, severity: float, rng: random.Random) -> tuple[np.ndarray, np.ndarray, str]:
    # A thumbnail sent instead of the photo: the whole page in fewer pixels (1/1.3 at sev 0.1 to
    # 1/6.5 at sev 1), so that its text is a few pixels tall.
    f = 1 / (1 + 5.5 * severity)
    h, w = img.shape[:2]
    nw, nh = max(16, round(w * f)), max(16, round(h * f))
    small = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA)
    return small, np.diag([nw / w, nh / h, 1.0]), f"low_resolution:{nw}x{nh}"


def _glare(img: np.ndarray, severity: float, rng: random.Random) -> tuple[np.ndarray, np.ndarray, str]:
    # A lamp or the flash reflected by glossy paper: a blown-out patch with a soft halo, covering
    # up to ~30% of the picture, over the middle of the page where the print is.
    g = _np_rng(rng)
    h, w = img.shape[:2]
    area = severity * 0.3 * h * w
    aspect = rng.uniform(0.6, 1.6)
    ax, ay = math.sqrt(area * aspect / math.pi), math.sqrt(area / aspect / math.pi)
    cx, cy = w * rng.uniform(0.3, 0.7), h * rng.uniform(0.3, 0.7)
    f = 4
    sh, sw = max(2, h // f), max(2, w // f)
    x, y = _grid(sh, sw)
    d = np.sqrt(((x * w - cx) / max(ax, 1)) ** 2 + ((y * h - cy) / max(ay, 1)) ** 2)
    d = d * (1 + 0.15 * _value_noise(g, sh, sw, cell=max(sw, sh) / 6))
    # Saturated inside the ellipse, fading over a halo half its size.
    strength = np.clip(1.5 - d, 0, 1).astype(np.float32) ** 0.7
    strength = cv2.resize(strength, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    out = img.astype(np.float32) * (1 - strength) + 255 * strength
    # The sensor clips: ink under the core cannot be told from paper.
    out = np.where(strength > 0.97, 255, out)
    return _to_u8(out), np.eye(3), f"glare:{severity * 0.3:.2f}"


def _cut_off(img: np.ndarray, severity: float, rng: random.Random) -> tuple[np.ndarray, np.ndarray, str]:
    # The page did not fit in the frame: one or two sides cut away, up to 45% of the page.
    h, w = img.shape[:2]
    sides = rng.sample(("top", "bottom", "left", "right"), 1 if rng.random() < 0.6 else 2)
    x0, y0, x1, y1 = 0, 0, w, h
    for side in sides:
        cut = severity * rng.uniform(0.3, 0.45)
        if side == "top":
            y0 = round(h * cut)
        elif side == "bottom":
            y1 = h - round(h * cut)
        elif side == "left":
            x0 = round(w * cut)
        else:
            x1 = w - round(w * cut)
    out = np.ascontiguousarray(img[y0:y1, x0:x1])
    return out, _translate(-x0, -y0), f"cut_off:{'+'.join(sides)}@{severity:.2f}"


def _screen(img: np.ndarray, severity: float, rng: random.Random) -> tuple[np.ndarray, np.ndarray, str]:
    # A photo of the page shown on a monitor or phone: the picture is made of the screen's RGB
    # sub-pixel stripes, which the camera's own pixel grid samples into moiré bands; the screen
    # glows a little blue and the page is dimmer than paper. Severity sets how coarse the screen's
    # pixels are against the camera's and how deep the stripes print.
    h, w = img.shape[:2]
    pitch = 2.2 + 2.0 * severity  # camera pixels per screen pixel
    depth = 0.25 + 0.6 * severity
    # The page as the screen shows it: its own pixels (a smaller copy), drawn as RGB stripes.
    sw, sh = max(8, round(w / pitch)), max(8, round(h / pitch))
    shown = cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
    big = cv2.resize(shown, (sw * 3, sh * 3), interpolation=cv2.INTER_NEAREST)
    stripes = np.zeros((sh * 3, sw * 3, 3), np.float32)
    for ch in range(3):
        stripes[:, ch::3, ch] = 1.0
    stripes[2::3, :, :] *= 0.35  # the dark gap between pixel rows
    lit = big * (1 - depth + depth * 3 * stripes) / (1 - depth + depth)
    # The camera sees the screen slightly turned and scaled: its pixel grid beats against the stripes.
    angle = rng.uniform(-2.5, 2.5)
    scale = w / (sw * 3) * rng.uniform(0.98, 1.02)
    m = cv2.getRotationMatrix2D((sw * 1.5, sh * 1.5), angle, scale)
    m[0, 2] += w / 2 - sw * 1.5
    m[1, 2] += h / 2 - sh * 1.5
    cam = cv2.warpAffine(lit, m, (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT, borderValue=(20, 20, 24))
    cam = cv2.GaussianBlur(cam, (0, 0), 0.6)
    tint = np.array([0.88, 0.93, 1.0], np.float32)
    cam = cam * tint * rng.uniform(0.75, 0.9) + rng.uniform(8, 20)
    return _to_u8(cam), np.eye(3), f"screen:pitch{pitch:.1f},depth{depth:.2f}"


def _blank(img: np.ndarray, severity: float, rng: random.Random) -> tuple[np.ndarray, np.ndarray, str]:
    # The back of the page, or a page photographed before the print was in view: paper with at
    # most a strip of the print left (none at severity 1).
    g = _np_rng(rng)
    h, w = img.shape[:2]
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    ink = grey < 160
    rows = np.flatnonzero(ink.any(axis=1))
    paper = np.median(img[~ink], axis=0) if (~ink).any() else np.array([245.0, 245.0, 245.0])
    out = np.empty_like(img)
    out[:] = paper.astype(np.uint8)
    noise = _gauss(g, (h, w), 1.5, dtype=np.int16)[..., None]
    out = np.clip(out.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    keep = 1 - severity
    if len(rows) and keep > 0:
        top, bottom = int(rows[0]), int(rows[-1]) + 1
        span = round((bottom - top) * keep)
        start = rng.randint(top, max(top, bottom - span))
        out[start : start + span] = img[start : start + span]
    return out, np.eye(3), f"blank:{severity:.2f}"


_POOR: dict[str, Callable[[np.ndarray, float, random.Random], tuple[np.ndarray, np.ndarray, str]]] = {
    "motion_blur": _motion_blur,
    "focus_blur": _focus_blur,
    "low_resolution": _low_resolution,
    "glare": _glare,
    "cut_off": _cut_off,
    "screen": _screen,
    "blank": _blank,
}


def spoil(image: Image.Image, kind: str, severity: float, rng: random.Random) -> Degraded:
    """A page (clean or already degraded by `apply`) made poorer by one of POOR_KINDS.

    matrix carries boxes from `image` to the result (compose it with apply's to reach the page).
    A grey ("L") image stays grey, except as a screen photo, which is always colour."""
    if kind not in _POOR:
        raise ValueError(f"unknown poor-page kind {kind!r}; known: {POOR_KINDS}")
    if not 0 <= severity <= 1:
        raise ValueError(f"severity must be between 0 and 1, not {severity}")
    grey = image.mode in ("L", "1")
    img, matrix, label = _POOR[kind](np.array(image.convert("RGB")), severity, rng)
    if grey and kind != "screen":
        return Degraded(Image.fromarray(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), "L"), matrix, [label])
    return Degraded(Image.fromarray(img, "RGB"), matrix, [label])
