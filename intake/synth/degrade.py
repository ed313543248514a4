"""What phones and scanners do to a page, so that the synthetic corpus looks like real uploads.

A clean rendered page goes in; a phone photo or a scan of it comes out, together with the 3x3
homography that carries every truth box from the page onto the picture. The kinds follow
../shared/FIELD-GUIDE.md ("What the pictures are like"): phone photos on a table with
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

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from intake.synth.canvas import Box

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
    return cv2.warpPerspective(
        img, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border
    )


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
    """Smooth random field (roughly unit variance) whose features are about `cell` pixels across."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for _ in range(octaves):
        small = g.standard_normal((max(2, int(h / cell) + 2), max(2, int(w / cell) + 2))).astype(np.float32)
        out += amp * cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
        cell /= 2
    return out / total


def _low_res_field(h: int, w: int, f: int, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Evaluate a smooth field fn(x, y) (coordinates in 0..1) at 1/f resolution and upsample it."""
    sh, sw = max(2, h // f), max(2, w // f)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    small = fn(xx / (sw - 1), yy / (sh - 1)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


# -- backgrounds for phone photos -------------------------------------------------------------

_WOODS = (
    ((200, 154, 108), (142, 96, 60)),  # oak
    ((128, 86, 58), (74, 48, 32)),  # walnut
    ((222, 196, 160), (182, 148, 110)),  # birch laminate
    ((168, 98, 68), (108, 58, 38)),  # red-brown veneer
)
_FABRICS = ((58, 78, 112), (196, 182, 158), (104, 104, 110), (62, 88, 72), (185, 142, 140), (120, 52, 58))


def _wood(rng: random.Random, g: np.random.Generator, h: int, w: int) -> np.ndarray:
    along_y = rng.random() < 0.5
    hh, ww = (w, h) if along_y else (h, w)  # drawn with the grain along x, transposed if needed
    sh, sw = max(8, hh // 2), max(8, ww // 2)  # half resolution: the table is never the sharp part
    plank = rng.uniform(0.16, 0.34) * sh
    y = np.arange(sh, dtype=np.float32)[:, None]
    start = rng.uniform(0, plank)
    idx = np.floor((y + start) / plank)
    # Each plank has its own ring phase and tone, so the figure breaks at the seams as real boards do.
    phase = np.asarray([rng.uniform(0, 100) for _ in range(int(sh / plank) + 3)], np.float32)
    tone = np.asarray([rng.uniform(-0.08, 0.08) for _ in range(int(sh / plank) + 3)], np.float32)
    idx_i = idx.astype(int) % len(phase)
    period = rng.uniform(14, 34)
    meander = _value_noise(g, sh, sw, cell=sw / rng.uniform(2, 5), octaves=2) * period * rng.uniform(0.8, 2.0)
    rings = 0.5 + 0.5 * np.sin(2 * np.pi * (y + meander + phase[idx_i]) / period)
    streak = g.standard_normal((sh, max(2, sw // 50))).astype(np.float32)
    streak = cv2.resize(streak, (sw, sh), interpolation=cv2.INTER_LINEAR)
    fine = g.standard_normal((sh, max(2, sw // 6))).astype(np.float32)
    fine = cv2.resize(fine, (sw, sh), interpolation=cv2.INTER_LINEAR)
    t = 0.55 * rings**1.6 + 0.12 * streak + 0.06 * fine + 0.25 + tone[idx_i]
    seam = (y + start) % plank
    t = t - 0.35 * (np.minimum(seam, plank - seam) < 1.0)  # the dark joint between two boards
    light, dark = (np.asarray(c, np.float32) for c in rng.choice(_WOODS))
    img = dark + (light - dark) * np.clip(t, 0, 1)[..., None]
    img = cv2.resize(img, (ww, hh), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(img.transpose(1, 0, 2)) if along_y else img


def _desk(rng: random.Random, g: np.random.Generator, h: int, w: int) -> np.ndarray:
    level = rng.uniform(105, 205)
    tint = np.asarray([rng.uniform(-6, 6) for _ in range(3)], np.float32)
    blotch = _value_noise(g, h, w, cell=max(h, w) / rng.uniform(3, 8), octaves=3) * rng.uniform(4, 9)
    # Laminate and painted steel have a fine grain: speckle at half resolution, slightly soft.
    speck = g.standard_normal((h // 2 + 1, w // 2 + 1)).astype(np.float32) * rng.uniform(3, 6)
    speck = cv2.resize(speck, (w, h), interpolation=cv2.INTER_LINEAR)
    return (level + blotch + speck)[..., None] + tint


def _fabric(rng: random.Random, g: np.random.Generator, h: int, w: int) -> np.ndarray:
    base = np.asarray(rng.choice(_FABRICS), np.float32)
    p = rng.uniform(3.0, 6.0)
    x = np.arange(w, dtype=np.float32)
    y = np.arange(h, dtype=np.float32)
    # Thread thickness wanders a little from thread to thread.
    sx = np.sin(2 * np.pi * x / p) + 0.35 * g.standard_normal(w).astype(np.float32)
    sy = np.sin(2 * np.pi * y / p) + 0.35 * g.standard_normal(h).astype(np.float32)
    weave = 0.09 * (sy[:, None] * sx[None, :]) + 0.05 * (sx[None, :] - sy[:, None])
    wrinkle = _value_noise(g, h, w, cell=max(h, w) / rng.uniform(4, 9), octaves=3) * rng.uniform(0.05, 0.12)
    shade = 1.0 + weave + wrinkle
    if rng.random() < 0.35:  # a gingham tablecloth
        period = rng.uniform(40, 110)
        bx = ((x % period) < period / 2).astype(np.float32)
        by = ((y % period) < period / 2).astype(np.float32)
        shade = shade * (1.0 - 0.22 * bx[None, :] - 0.22 * by[:, None])
        base = np.maximum(base, 150)
    return shade[..., None] * base


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
    protect: Sequence[Box],
    rng: random.Random,
    g: np.random.Generator,
) -> bool:
    """Draw a thumb on one margin of the page (float image, in place), reaching in from the frame edge.

    The thumb sits where a member holds a page flat for the shot; it is placed only where it
    leaves every protected box clear, and dropped if no place does.
    """
    hc, wc = img.shape[:2]
    pw, ph = page
    short = min(pw, ph)
    centre = np.array([[pw / 2, ph / 2], [pw / 2 + 1, ph / 2]])
    scale = float(np.linalg.norm(np.diff(_transform(hmat, centre), axis=0)))
    f = 2  # shape and shading at half resolution: a thumb has no fine detail
    sh, sw = hc // f, wc // f
    for _ in range(8):
        side = rng.choices(("left", "right", "bottom", "top"), weights=(4, 4, 3, 0.5))[0]
        t = rng.uniform(0.15, 0.85)
        edge, inward = {
            "left": ((0.0, t * ph), (1.0, 0.0)),
            "right": ((float(pw), t * ph), (-1.0, 0.0)),
            "bottom": ((t * pw, float(ph)), (0.0, -1.0)),
            "top": ((t * pw, 0.0), (0.0, 1.0)),
        }[side]
        tilt = math.radians(rng.uniform(-30, 30))
        n = np.array([inward[0] * math.cos(tilt) - inward[1] * math.sin(tilt),
                      inward[0] * math.sin(tilt) + inward[1] * math.cos(tilt)])
        depth = rng.uniform(0.03, 0.075) * short
        tip_p = np.array(edge) + n * depth
        far_p = tip_p - n * short * 1.5  # well beyond the frame edge: the hand comes from off-picture
        tip, far = _transform(hmat, np.array([tip_p, far_p])) / f
        width = rng.uniform(0.075, 0.1) * short * scale / f
        d = (far - tip) / np.linalg.norm(far - tip)
        perp = np.array([-d[1], d[0]])
        joint = tip + d * width * rng.uniform(2.0, 2.6)
        mask = np.zeros((sh, sw), np.uint8)
        cv2.line(mask, tuple(np.round(tip + d * width * 0.45).astype(int)), tuple(np.round(joint).astype(int)),
                 255, thickness=max(2, int(width)), lineType=cv2.LINE_AA)
        # Beyond the knuckle the hand widens into the palm.
        palm = np.array([joint - perp * width * 0.5, joint + perp * width * 0.5,
                         far + perp * width * rng.uniform(1.6, 2.4), far - perp * width * rng.uniform(1.6, 2.4)])
        cv2.fillConvexPoly(mask, np.round(palm).astype(np.int32), 255, lineType=cv2.LINE_AA)
        # Blurring and re-thresholding rounds the joins into one organic outline.
        soft = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), max(1.0, width / 5))
        shape = (soft > 0.5).astype(np.uint8)
        full = cv2.resize(shape, (wc, hc), interpolation=cv2.INTER_NEAREST)
        if _mask_hits(full, [_pad(b, 4) for b in protect]):
            continue
        break
    else:
        return False

    dist = cv2.distanceTransform(shape, cv2.DIST_L2, 5)
    r = max(1.0, width / 2)
    rounded = np.clip(dist / r, 0, 1) ** 0.5  # a cylinder lit from above: dark rim, bright ridge
    skin = np.asarray(rng.choice(_SKINS), np.float32)
    redder = skin * np.array([0.95, 0.78, 0.74], np.float32)  # blood shows at the thin edges
    colour = redder + (skin - redder) * rounded[..., None]
    colour *= (0.78 + 0.22 * rounded)[..., None]
    colour *= (1 + 0.03 * _value_noise(g, sh, sw, cell=max(4.0, width / 3)))[..., None]
    # The nail: a paler, smoother oval just behind the tip.
    nail = np.zeros((sh, sw), np.uint8)
    nc = tip + d * width * 0.42
    angle = math.degrees(math.atan2(d[1], d[0]))
    cv2.ellipse(nail, tuple(np.round(nc).astype(int)), (max(1, int(width * 0.3)), max(1, int(width * 0.24))),
                angle, 0, 360, 255, -1, cv2.LINE_AA)
    nail_a = cv2.GaussianBlur(nail.astype(np.float32) / 255, (0, 0), max(0.8, width / 14)) * 0.55
    nail_col = np.array([238, 205, 196], np.float32) * (0.85 + 0.15 * rounded)[..., None]
    colour = colour * (1 - nail_a[..., None]) + nail_col * nail_a[..., None]
    alpha_small = cv2.GaussianBlur(shape.astype(np.float32), (0, 0), 0.8)
    # The thumb hovers a few millimetres above the paper and casts a soft shadow on it.
    off = d * -width * 0.12 + np.array([width * 0.1, width * 0.15])
    shadow = cv2.warpAffine(alpha_small, np.array([[1, 0, off[0]], [0, 1, off[1]]], np.float32), (sw, sh))
    shadow = cv2.GaussianBlur(shadow, (0, 0), max(2.0, width / 4)) * rng.uniform(0.3, 0.45)
    up = (wc, hc)
    alpha = cv2.resize(alpha_small, up, interpolation=cv2.INTER_LINEAR)[..., None]
    shadow_f = cv2.resize(shadow, up, interpolation=cv2.INTER_LINEAR)[..., None]
    colour_f = cv2.resize(colour, up, interpolation=cv2.INTER_LINEAR)
    img *= 1 - shadow_f
    img *= 1 - alpha
    img += colour_f * alpha
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
    axis = 1 if edge < 2 else 0
    q[:, axis] *= rng.uniform(0.93, 1.0)
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
    bg = _BACKGROUNDS[bg_name](rng, g, hc, wc).astype(np.float32)
    alpha = _warp(np.full((ph, pw), 255, np.uint8), hmat, (wc, hc), 0)
    # The page lies on the table and casts a thin soft shadow around itself.
    small = cv2.resize(alpha, (wc // 4, hc // 4), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    sx, sy = rng.uniform(-2, 2), rng.uniform(0, 3)
    small = cv2.warpAffine(small, np.array([[1, 0, sx], [0, 1, sy]], np.float32), small.shape[::-1])
    small = cv2.GaussianBlur(small, (0, 0), rng.uniform(2, 5))
    drop = cv2.resize(small, (wc, hc), interpolation=cv2.INTER_LINEAR)
    bg *= (1 - rng.uniform(0.25, 0.45) * drop)[..., None]
    page = _warp(w.img, hmat, (wc, hc), 0).astype(np.float32)
    a = alpha.astype(np.float32)[..., None] / 255
    img = bg * (1 - a) + page * a

    protect_px = [map_box(hmat @ w.matrix, b, (wc, hc)) for b in w.protect]
    hand = rng.random() < 0.4 and _hand(img, hmat, (pw, ph), protect_px, rng, g)

    # Indoor light: brighter towards the lamp or window, darker at the corners of the lens.
    theta = rng.uniform(0, 2 * math.pi)
    grad = rng.uniform(0.08, 0.3)
    vig = rng.uniform(0.08, 0.25)
    cx, cy = rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65)

    def light(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        lin = ((x - 0.5) * math.cos(theta) + (y - 0.5) * math.sin(theta)) / 1.42 + 0.5
        return (1 - grad * lin) * (1 - vig * ((x - cx) ** 2 + (y - cy) ** 2) * 2)

    field_ = _low_res_field(hc, wc, 8, light) * (1 + 0.02 * _value_noise(g, hc, wc, cell=max(wc, hc) / 4))
    # Phone auto white balance rarely gets paper truly white: warm under bulbs, cool by a window.
    warmth = rng.uniform(-1.0, 1.0)
    cast = (
        np.array([1.0, 0.965, 0.87]) ** abs(warmth) if warmth > 0 else np.array([0.91, 0.965, 1.0]) ** abs(warmth)
    ).astype(np.float32)
    black, white = rng.uniform(18, 42), rng.uniform(222, 248)
    img *= ((white - black) / 255) * field_[..., None]
    img *= cast
    img += black
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.45, 0.8))  # lens and demosaicing softness
    img += g.standard_normal((hc, wc, 1), dtype=np.float32) * rng.uniform(1.2, 2.5)
    w.geometric(hmat, _to_u8(img))
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
    mask = cv2.resize(mask, (wc, hc), interpolation=cv2.INTER_LINEAR)
    dark = rng.uniform(0.25, 0.55)
    # Shadows are lit by the sky or the room, so they come out slightly cooler than the lit paper.
    tint = np.array([1.0, 1.0, 1.0] if w.grey else [1.0, 0.97, 0.86], np.float32)
    img = w.img.astype(np.float32)
    img *= 1 - (dark * mask)[..., None] * tint
    w.img = _to_u8(img)
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
        amount = rng.uniform(0.0005, 0.003)
        u = g.random((hc, wc), dtype=np.float32)
        img = w.img.copy()
        img[u < amount * 0.75] = g.integers(0, 70)
        img[u > 1 - amount * 0.25] = 255
        w.img = img
        return f"noise:saltpepper{amount:.4f}"
    sigma = rng.uniform(4, 12)
    img = w.img.astype(np.float32)
    img += g.standard_normal((hc, wc, 1), dtype=np.float32) * sigma
    if not w.grey:  # a phone sensor adds some colour noise on top of the brightness noise
        img += g.standard_normal((hc, wc, 3), dtype=np.float32) * (sigma * 0.3)
    w.img = _to_u8(img)
    return f"noise:gauss{sigma:.1f}"


def _scan_grey(w: _Work, rng: random.Random) -> str:
    g = _np_rng(rng)
    hc, wc = w.img.shape[:2]
    grey = cv2.cvtColor(w.img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    soft = rng.uniform(0.4, 0.8)  # a 150-200 dpi scanner's optics: characters lose their crispness
    grey = cv2.GaussianBlur(grey, (0, 0), soft)
    black, white = rng.uniform(15, 45), rng.uniform(222, 248)
    grey = black + (white - black) * grey / 255
    grey += _value_noise(g, hc, wc, cell=max(hc, wc) / 5, octaves=2) * rng.uniform(1.5, 4)
    label = f"scan_grey:soft{soft:.2f}"
    if rng.random() < 0.5:
        # The scanner lid did not close over the page: a dark, ragged band along one or two edges.
        protect = w.protected(pad=3)
        sides = rng.sample(("top", "bottom", "left", "right"), rng.randint(1, 2))
        for side in sides:
            length = wc if side in ("top", "bottom") else hc
            across = hc if side in ("top", "bottom") else wc
            width = rng.uniform(0.006, 0.025) * across
            room = min([_room(b, side, wc, hc) for b in protect] + [width + 2])
            width = min(width, room - 2)
            if width < 2:
                continue
            rag = width + _value_noise(g, 1, length, cell=length / 12)[0] * width * 0.25
            pos = np.arange(across, dtype=np.float32)
            dist = pos if side in ("top", "left") else across - 1 - pos
            band = np.clip((rag[None, :] - dist[:, None]) / 2.0, 0, 1)  # a two-pixel soft edge
            if side in ("left", "right"):
                band = band.T
            level = rng.uniform(25, 90)
            grey = grey * (1 - band) + level * band
            label += f",lid-{side}"
    w.img = np.repeat(_to_u8(grey)[..., None], 3, axis=2)
    w.grey = True
    return label


def _room(box: Box, side: str, wc: int, hc: int) -> float:
    """How far a band along `side` may reach before it would touch box."""
    return {"top": box[1], "bottom": hc - box[3], "left": box[0], "right": wc - box[2]}[side]


def _lowcontrast(w: _Work, rng: random.Random) -> str:
    g = _np_rng(rng)
    hc, wc = w.img.shape[:2]
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
        poly = np.array([[cx + dx * ct - dy * st, cy + dx * st + dy * ct] for dx, dy in
                         ((-a, -b), (a, -b), (a, b), (-a, b))])
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
    frac = rng.choice((1 / 3, 1 / 2, 1 / 2, 2 / 3)) + rng.uniform(-0.03, 0.03)
    angle = math.radians(rng.uniform(-1.5, 1.5))
    if horizontal:
        x0, y0 = wc / 2, frac * hc
        nx, ny = -math.sin(angle), math.cos(angle)
    else:
        x0, y0 = frac * wc, hc / 2
        nx, ny = math.cos(angle), math.sin(angle)
    yy, xx = np.mgrid[0:hc, 0:wc].astype(np.float32)
    d = (xx + 0.5 - x0) * nx + (yy + 0.5 - y0) * ny
    # Creased paper never lies straight: the line wanders by a pixel or two.
    along_len = wc if horizontal else hc
    wander = _value_noise(g, 1, along_len, cell=along_len / 8)[0] * rng.uniform(0.6, 1.8)
    d += wander[None, :] if horizontal else wander[:, None]
    sign = rng.choice((-1.0, 1.0))
    dark = rng.uniform(0.12, 0.28)
    band = rng.uniform(0.03, 0.07)
    side = rng.uniform(0.02, 0.06)
    wband = rng.uniform(6, 16)
    # One face of the crease catches the light (a thin bright line), the other is in shadow (dark
    # line); the paper around bends away from the light, and one half sits a shade darker.
    factor = (
        1.0
        - dark * np.exp(-((d - sign * 1.0) ** 2) / 1.2)
        - band * np.exp(-(d**2) / (2 * wband**2)) * (1 - np.exp(-((d + sign * 2.0) ** 2) / 1.5))
        - side / (1 + np.exp(-sign * d / rng.uniform(8, 25)))
    )
    img = w.img.astype(np.float32) * factor[..., None]
    w.img = _to_u8(img)
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
        corners = [("br", wc - mw - margin, hc - mh - margin), ("bl", margin, hc - mh - margin),
                   ("tr", wc - mw - margin, margin), ("tl", margin, margin)]
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
    tile = np.asarray(
        Image.fromarray((_text_alpha(text, size) * 255).astype(np.uint8)).rotate(
            angle, resample=Image.BICUBIC, expand=True
        ),
        np.float32,
    ) / 255
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
