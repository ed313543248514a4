"""Red seals: where they are, their shape, and the text around their ring.

Later stages need to know whether an employer certificate carries its unit's seal and whose
name the seal bears. The ring text is read by unrolling the ring into a straight strip (a polar
warp) and giving that strip to the line recogniser.

Two ways to find a seal. On a colour page the red-ink mask holds the stamps and nothing else, so
its blobs are the seals. On a greyscale or 1-bit scan the red is gone and the seal is grey ink
among black print; there a round seal is found by its shape, a thin continuous ring of ink of
seal size, and kept only when its ring text or a star inside backs it up.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

import cv2
import numpy as np

from intake.elements.page import Reading, Seal
from intake.ocr.engines import Engine
from intake.ocr.seal_verify import Lattice, ctc_cost

Box = tuple[int, int, int, int]
Circle = tuple[float, float, float]  # centre x, centre y, radius of the outer ring, in page pixels

TEXT_HEIGHT = 48  # the recogniser's input height: strips are drawn at it, not resized to it
# Radius bands, as shares of the outer ring's radius, tried for the ring text. A carved seal sets
# its characters just inside the rim, about 0.6-0.9 r; the rim itself (0.95-1 r) and the star
# (inside 0.35 r) must stay out of the strip or the recogniser reads them as strokes.
TEXT_BANDS = ((0.58, 0.93), (0.54, 0.91))
TEXT_CORE = ((0.64, 0.74), (0.8, 0.9))  # see _text_arc
ARC_MARGIN = 5  # degrees of paper kept before and after the ring text (_text_arc)
# The longest ring text of a seal without colour, in degrees (_text_arc). A name is cut along
# 190-280 degrees of the ring (train photos, seed 21: 10-17 characters over 232-280), but on a
# grey page print crossing the gap reads as characters in both bands, and the walk from the
# bottom stops at once: 31 of 46 grey rings (seed 21) were given 300-370 degrees, the strip began
# or ended in print or the purpose text and the name was split across its ends (山东长城... read
# 长报...公司山). Such an arc is cut to this span around the seal's top. Train grey, ring exact /
# chars: seed 21 (46 rings) 0.043 / 0.560 -> 0.087 / 0.568 (with GREY_ARC_FADE), seed 23 (24
# rings) 0.083 / 0.666 -> 0.167 / 0.723 (250: 0.125 / 0.690, 260: 0.125 / 0.709, 290: 0.125 /
# 0.693); 1-bit unchanged (seed 21: 0.025 / 0.242 -> 0.025 / 0.244).
GREY_MAX_ARC = 270
# Print under a grey ring, faded this far in the ink the text's arc is found on (grey_ink fades
# it to 0.35 for the strip and the ring search): at 0.35 it still passes TEXT_LEVEL in the gap.
# Train grey, seed 23: ring chars 0.666 -> 0.679 alone. For the strip it does not help: the holes
# it leaves in strokes over print cost more than the print (seed 23, chars 0.666 -> 0.618 at 0).
GREY_ARC_FADE = 0.0
TEXT_LEVEL = 0.3  # ink in both bands, as a share of the band's usual ink: a character
READ_DARK = 0.3  # darkness below the paper's level taken for full ink on a colour page (_reading_ink)
# A photo's blur and JPEG leave a serif face's thin horizontals at a third of the verticals' ink,
# and the recogniser read such rings as Latin letters (train photos, seed 21: 2 of 22 rings, 1A4零A
# for 广州金桥...). Raised to this power the faint strokes come back: train photos, seeds 21 and 23
# (43 rings, from _reading_ink): ring chars 0.716 -> 0.780 (0.7: 0.748, 0.4: 0.784, 0.3: 0.785),
# exact 0.186 -> 0.256; train clean (seed 21, 22 rings) unchanged. Grey rings keep 1: print faded
# to a third (grey_ink) would be lifted with them, and seed 21's grey rings gained nothing
# (chars 0.487 -> 0.499).
STRIP_LIFT = 0.5
STRIP_LEVEL_AT = 93  # percentile of a strip's ink taken for full ink (_strip); see there
MIN_READ_SCORE = 0.5  # ring readings below this are noise, not text
PURPOSE_AT = 0.6  # the purpose text's centre below the seal's centre, in radii
PURPOSE_BOX = (1.15, 0.3)  # its width and height, in radii
PURPOSE_WORDS = re.compile(r"专用章|公章|印章")
RING_SEARCH_SIDE = 520  # the page shrunk to this for the ring search: a 1.5 mm rim stays near a pixel wide
RADIUS_STEP = 1.06  # between the annuli tried: a rim is about 4% of the radius wide
RING_CONTRAST = 0.06  # ink on the rim over ink just outside it, for a candidate ring
GREY_RING_COVER = 0.7  # share of a grey seal's rim that must be inked: seal rims are unbroken
# ... or, a seal partly covered (a sticker, a fold's shadow), of the rim outside its one longest
# gap, with at least COVERED_MIN of it inked. On the train grey pages covered seals gave 0.68-0.69
# of the rim inked but 0.81-1.0 outside the gap; print's best rings gave 0.67 at most outside it
# (their gaps are many and short).
COVERED_RIM = 0.8
COVERED_MIN = 0.5
COVERED_GAP = 0.4  # the longest gap a covered rim may have, as a share of the circle
# ... and the shortest: a print ring on a train photo had 0.79 of its rim inked with a gap of
# 0.06, and counted as covered its few characters passed for ring text (a false seal).
COVERED_LEAST = 0.15
# A unit's seal is 38-45 mm across, a fifth of an A4 page's width; the ring search looks for
# radii from 0.05 of the page's short side (_rings_in). A round or oval blob under a tenth of it is
# some other mark.
SEAL_PAGE_SHARE = 0.1
SPLIT_RING_COVER = 0.6  # of a ring inside a blob of two seals: the other seal's rim crosses it
# A ring found by shape on a grey page under this share of the page's short side across is a
# square chop's frame or a round of print (train grey pages, seed 11: 6 false seals 110-124 px
# wide on 1240 px pages, and 150 px rings inside an oval seal; the smallest true seal 200 px).
GREY_SEAL_SHARE = 0.14
# Letters and digits of a tax number read across an oval: 11-18 on the train grey ovals, at most
# 4 in a line of print.
OVAL_CODE_LEAST = 10
OVAL_ASPECT = 1.45  # width over height of an oval 发票专用章 (40 x 30 mm is 1.33; 45 x 30, 1.5)
# Ink outside an oval's rim may be this share of the rim's (_seal_like): the oval is kept only on
# the recogniser's word besides. Train grey, seed 21: print around two missed ovals gave 0.61-0.78
# of their thin (4 px) rims; seed 23's ovals found gave 0.52-0.59.
OVAL_OUTSIDE = 0.8
GREY_WHOLE_OUTSIDE = 0.75  # see _seal_like
OVAL_OVER_ROUND = 0.5  # an oval sharing more of its box with a round seal found is that seal (find_grey_ovals)
FAINT_FLOOR = 0.12  # soft red ink below this is never lifted into a faint seal's rim (find_faint_seals)
# Of a colour ring's core (0.1-0.45 r) and its text band (0.6-0.9 r), the least shares left bare of
# ink (_seal_like): under both, red fills the ring, a disc. A fingertip holding the page is a round
# disc of skin, red enough for the faint-seal search (train claims lead1209: a thumb beside an
# unsealed certificate read as a seal; core 0.0 bare, band 0.22). A seal's core is paper round its
# star (148 rings on train clean and photo seal pages, seed 31: 0.45-0.9 bare) and its text band has
# paper between strokes (111 rings: 0.33 and over); both are asked, so that an emblem filling a
# government seal's core (国徽, which the generator does not draw) is no disc.
CORE_BARE_MIN = 0.2
BAND_BARE_MIN = 0.3


@dataclass
class _Ring:
    circle: Circle
    ink: np.ndarray  # float32 0..1 ink density of the crop around the circle
    origin: tuple[int, int]  # the crop's top left in the page
    colour: bool


# -- finding stamps in the red mask -------------------------------------------------------------


def find_seals(mask: np.ndarray, min_diameter: int) -> list[tuple[Box, str]]:
    """Boxes and shapes of red stamps in a red-ink mask (see preprocess.red_mask)."""
    m = mask.astype(np.uint8) * 255
    k = max(3, min_diameter // 8)
    closed = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    smallest = SEAL_PAGE_SHARE * min(m.shape[:2])
    found = [_small_is_rect(f, smallest) for f in (_stamp(m, c, min_diameter) for c in contours) if f is not None]
    # A faint or unevenly lit seal comes out of the mask as arcs of its rim with the characters
    # beside them, each blob a "rect" (train photos: 4 of 8 missed seals). The arcs of one stamp
    # lie within a few strokes of each other: grouped, their hull is the seal's round or oval.
    far = max(5, min_diameter // 3)
    groups, _ = cv2.findContours(
        cv2.dilate(closed, np.ones((far, far), np.uint8)), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    for g in groups:
        region = np.zeros_like(closed)
        cv2.drawContours(region, [g], -1, 255, -1)
        pts = cv2.findNonZero(cv2.bitwise_and(closed, region))
        if pts is None or len(pts) < 5:
            continue
        stamp = _stamp(m, cv2.convexHull(pts), min_diameter)
        if stamp is None or _small_is_rect(stamp, smallest)[1] == "rect":
            continue
        inside = [f for f in found if _within(f[0], stamp[0])]
        if len(inside) < 2 or any(f[1] != "rect" for f in inside):
            continue  # one blob was the whole stamp already, or the group holds a seal of its own
        found = [f for f in found if not _within(f[0], stamp[0])] + [stamp]
    return found


def _small_is_rect(stamp: tuple[Box, str], smallest: float) -> tuple[Box, str]:
    """The star or the purpose text of a seal whose rim the mask broke, a piece of a cashier's
    stamp: round or oval, but no unit's seal is under `smallest` across (train photos: 8 such
    "seals" in 30 pages, all inside or beside a real stamp). Such a stamp is some other mark."""
    box, shape = stamp
    return (box, "rect") if shape != "rect" and max(box[2] - box[0], box[3] - box[1]) < smallest else stamp


def _nested(a: Box, b: Box) -> bool:
    """a lies for the most part (0.75 of its box) inside b, the larger."""
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    return ix > 0 and iy > 0 and ix * iy >= 0.75 * area_a and area_a < (b[2] - b[0]) * (b[3] - b[1])


def _within(inner: Box, outer: Box) -> bool:
    return (
        inner[0] >= outer[0] - 2 and inner[1] >= outer[1] - 2 and inner[2] <= outer[2] + 2 and inner[3] <= outer[3] + 2
    )


def _stamp(m: np.ndarray, c: np.ndarray, min_diameter: int) -> tuple[Box, str] | None:
    """A blob's box and shape, or None when it is too small or too sparse to be a stamp."""
    x, y, w, h = cv2.boundingRect(c)
    if max(w, h) < min_diameter or min(w, h) < min_diameter * 0.4:
        return None
    ink = int(np.count_nonzero(m[y : y + h, x : x + w]))
    if ink < 0.04 * w * h:  # a faint scatter of red pixels, not a stamp
        return None
    aspect = w / h
    if 0.8 <= aspect <= 1.25:
        # A rectangle fills its corners; a circle leaves them empty.
        corner = m[y : y + h // 6, x : x + w // 6]
        shape = "rect" if corner.size and np.count_nonzero(corner) > 0.15 * corner.size else "round"
    elif aspect > 1.25 and h > min_diameter * 0.5:
        shape = "oval" if _elliptic(c) else "rect"
    else:
        shape = "rect"
    return (x, y, x + w, y + h), shape


def _elliptic(contour: np.ndarray) -> bool:
    if len(contour) < 5:
        return False
    # A cashier's 现金收讫 pressed at a slant fills its tilted rectangle; an ellipse fills pi/4 of
    # the rectangle around it. Its box alone looked elliptic and the stamp counted as a seal.
    (_, _), (rw, rh), _ = cv2.minAreaRect(contour)
    if cv2.contourArea(cv2.convexHull(contour)) > 0.88 * rw * rh:
        return False
    (_, _), (ma, mb), _ = cv2.fitEllipse(contour)
    _, _, w, h = cv2.boundingRect(contour)
    return abs(np.pi * ma * mb / 4 - cv2.contourArea(contour)) < 0.35 * w * h


# -- ring geometry ------------------------------------------------------------------------------


def _sample(
    ink: np.ndarray, cx: float, cy: float, radii: np.ndarray, angles: np.ndarray, rim: np.ndarray | None = None
) -> np.ndarray:
    """Ink at (radius, angle) pairs, radii down the rows and angles across; angles in radians,
    clockwise on the page (y grows downwards) from three o'clock. rim: the ring's radius per
    whole degree as a share of the circle's (_rim_shape), for a ring that is not quite round."""
    scale = np.ones(len(angles)) if rim is None else _rim_at(rim, angles)
    xs = (cx + radii[:, None] * (scale * np.cos(angles))[None, :]).astype(np.float32)
    ys = (cy + radii[:, None] * (scale * np.sin(angles))[None, :]).astype(np.float32)
    return cv2.remap(ink, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def _rim_at(rim: np.ndarray, angles: np.ndarray) -> np.ndarray:
    deg = np.degrees(angles) % 360
    return np.asarray(np.interp(deg, np.arange(361), np.concatenate([rim, rim[:1]])))


RIM_SEARCH = (0.8, 1.3)  # radii (shares of the fitted circle's) where the rim is looked for per angle
RIM_STEPS = 51
RIM_INK = 0.45  # ink on a ray taken for the rim (grey pages fade print to 0.35, grey_ink)
RIM_BACK = 4  # steps inward from the rim's outer edge where its middle is looked for


def _rim_shape(ink: np.ndarray, circle: Circle) -> tuple[Circle, np.ndarray | None]:
    """The ring's centre and its radius per degree (as a share of the circle's): an ellipse.

    A photographed page keeps some perspective and a seal comes out an ellipse a few per cent
    out of round (and the circle fit's centre a few pixels off): the strip of a circle then
    runs across the text band, characters sinking at one end and cut at the other (train photo
    pages, seed 3: most misread rings). The rim is found along each ray as the strongest ink
    just inside or outside the circle, and a centre offset (first harmonic) and an ellipse
    (second) are fitted to those radii, leaving out rays where something else was strongest.
    """
    cx, cy, r = circle
    angles = np.radians(np.arange(0, 360, 2))
    fracs = np.linspace(RIM_SEARCH[0], RIM_SEARCH[1], RIM_STEPS)
    soft = cv2.GaussianBlur(ink, (0, 0), max(1.0, r / 80))
    for _ in range(2):
        polar = _sample(soft, cx, cy, fracs * r, angles)
        # The rim is the outermost stroke: a circle fitted to an ellipse runs between its axes,
        # inside the rim on the long one, where the text's ink is stronger than the rim's.
        inked = polar > RIM_INK
        last = len(fracs) - 1 - np.argmax(inked[::-1], axis=0)
        window = np.arange(-RIM_BACK, 1)[:, None] + last[None, :]
        near = np.take_along_axis(polar, np.clip(window, 0, len(fracs) - 1), axis=0)
        at = fracs[np.clip(last - RIM_BACK + np.argmax(near, axis=0), 0, len(fracs) - 1)]
        ok = inked.any(axis=0)
        if ok.sum() < 0.5 * len(angles):
            return (cx, cy, r), None
        basis = np.stack(
            [np.ones_like(angles), np.cos(angles), np.sin(angles), np.cos(2 * angles), np.sin(2 * angles)], axis=1
        )
        coef = np.zeros(5)
        for _ in range(3):  # reweighted: rays where print or another seal was strongest drop out
            coef = np.linalg.lstsq(basis[ok], at[ok], rcond=None)[0]
            ok = ok & (np.abs(basis @ coef - at) < 0.03)
            if ok.sum() < 0.4 * len(angles):
                return (cx, cy, r), None
        cx, cy = cx + coef[1] * r, cy + coef[2] * r
    r = r * coef[0]
    deg = np.radians(np.arange(360))
    rim = 1 + (coef[3] * np.cos(2 * deg) + coef[4] * np.sin(2 * deg)) / coef[0]
    return (float(cx), float(cy), float(r)), rim.astype(np.float32)


def _fit_ring(ink: np.ndarray, cx: float, cy: float, r: float) -> tuple[Circle, float]:
    """Centre and radius where a circle runs along the most ink, near the guess; and that share.

    A blob's box is off-centre when print or a second stamp touches it, and the strip then wobbles
    across the text band; the rim is the one long, continuous, exactly circular stroke.
    """
    soft = cv2.GaussianBlur(ink, (0, 0), max(1.0, r / 60))
    angles = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    cos, sin = np.cos(angles)[None, :], np.sin(angles)[None, :]
    best = (cx, cy, r)
    best_score = -1.0
    for step in (max(2.0, r / 25), max(1.0, r / 80)):
        bx, by, br = best
        offsets = np.arange(-3, 4) * step
        radii = br + offsets
        # The circles' offsets from their centre, shared by the 49 centres tried (as _sample
        # forms them, so the samples are the same): the trigonometry was a third of the fit.
        rx, ry = radii[:, None] * cos, radii[:, None] * sin
        for dx in offsets:
            for dy in offsets:
                xs, ys = (bx + dx + rx).astype(np.float32), (by + dy + ry).astype(np.float32)
                cover = cv2.remap(soft, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
                # The share of angles where the ring is inked, not the mean ink: a text line
                # crossing the seal adds ink at two angles and must not pull the fit.
                score = np.count_nonzero(cover > 0.3, axis=1) / cover.shape[1]
                i = int(np.argmax(score))
                if score[i] > best_score:
                    best_score, best = float(score[i]), (bx + dx, by + dy, float(radii[i]))
    return best, best_score


def _circular_smooth(p: np.ndarray, width: int) -> np.ndarray:
    half = width // 2
    return np.convolve(np.concatenate([p[-half:], p, p[:half]]), np.ones(2 * half + 1) / (2 * half + 1), mode="valid")


def _star_top(ink: np.ndarray, circle: Circle, guess: float) -> float | None:
    """The direction of the star's point nearest the guessed top, or None without a star.

    The star in the middle of an official seal is cut with one point at the middle of the name:
    a sharper mark of the seal's tilt than the gap under the name. Its five points give the tilt
    modulo 72 degrees; the guess picks the point.
    """
    cx, cy, r = circle
    angles = np.radians(np.arange(360))
    rim = _sample(ink, cx, cy, np.linspace(0.17 * r, 0.27 * r, 5), angles).mean(axis=0)
    if rim.sum() <= 0:
        return None
    fifth = (rim * np.exp(-5j * angles)).sum()
    # Five points make the fifth harmonic a large share of the ink on this circle; text or print
    # crossing the middle does not.
    if abs(fifth) < 0.35 * rim.sum():
        return None
    first = -float(np.angle(fifth)) / 5
    points = first + np.radians(72) * np.arange(5)
    off = np.abs((points - guess + np.pi) % (2 * np.pi) - np.pi)
    if off.min() > np.radians(25):  # the star does not agree with the gap: trust neither more
        return None
    return float(points[int(np.argmin(off))])


def _text_arc(
    ink: np.ndarray, circle: Circle, rim: np.ndarray | None = None, max_span: float = 0.0
) -> tuple[float, float]:
    """Start and end angle (radians, clockwise on the page) of the ring text.

    The name runs clockwise from lower left over the top to lower right, centred on the seal's
    top, and leaves a gap at the bottom, where a purpose such as 收费专用章 sits straight across
    (reaching outwards only at its ends) or a company code runs small along the rim. A seal is
    pressed at any tilt, so the gap is found, not assumed. Ring characters fill both an inner
    band, which the code does not reach, and an outer band, which the purpose text reaches only
    at its corners: ink in both bands at once is ring text and nothing else.

    max_span: when given (degrees), a longer arc is taken for print in the gap (GREY_MAX_ARC) and
    cut to that span centred on the seal's top.
    """
    cx, cy, r = circle
    angles = np.radians(np.arange(360))
    both = []
    for band in TEXT_CORE:
        radii = np.linspace(band[0] * r, band[1] * r, 5)
        p = _circular_smooth(_sample(ink, cx, cy, radii, angles, rim).mean(axis=0), 5)
        both.append(p / max(float(np.percentile(p, 90)), 1e-6))
    core = np.minimum(*both)
    if core.max() <= 0:
        return np.radians(130), np.radians(410)
    # The gap: the quietest stretch of the band, found with a window narrower than any gap.
    w = 61
    ring = np.concatenate([core, core[: w - 1]])
    window = np.convolve(ring, np.ones(w), mode="valid")[:360]
    gap = (int(np.argmin(window)) + w // 2) % 360
    top = _star_top(ink, circle, np.radians(gap + 180))
    if top is None:
        top = np.radians(gap + 180)
    # From the bottom, walk each way to the first character; a purpose text at the bottom reaches
    # into both bands only faintly, at its corners.
    bottom = round(float(np.degrees(top))) + 180
    ends = []
    for direction in (1, -1):
        seq = core[(bottom + direction * np.arange(1, 180)) % 360] > TEXT_LEVEL
        hits = np.flatnonzero(seq[:-2] & seq[1:-1] & seq[2:])
        ends.append(int(hits[0]) if len(hits) else 60)
    # The name ends on the right coming from the bottom clockwise (direction +1), starts on the
    # left. Keep a few degrees of paper each end: the recogniser drops a character touching it.
    if max_span and 360 - ends[0] - ends[1] > max_span:
        return np.radians(bottom + 180 - max_span / 2 - ARC_MARGIN), np.radians(
            bottom + 180 + max_span / 2 + ARC_MARGIN
        )
    return np.radians(bottom + ends[0] - ARC_MARGIN), np.radians(bottom + 360 - ends[1] + ARC_MARGIN)


def _strip(
    ink: np.ndarray,
    circle: Circle,
    arc: tuple[float, float],
    band: tuple[float, float],
    rim: np.ndarray | None = None,
    lift: float = 1.0,
) -> np.ndarray:
    """The ring between band radii unrolled to dark text on white, TEXT_HEIGHT rows, rim on top.

    Columns are spaced evenly along the middle of the band, so characters keep the width they
    have on the page; the strip is sampled once at the recogniser's height instead of being warped
    at page size and then resized. lift: the power the strip's scaled ink is raised to (below 1
    darkens faint strokes more than strong ones; see STRIP_LIFT).
    """
    cx, cy, r = circle
    outer, inner = band[1] * r, band[0] * r
    mid = (outer + inner) / 2
    scale = TEXT_HEIGHT / (outer - inner)
    width = max(TEXT_HEIGHT, int((arc[1] - arc[0]) * mid * scale))
    radii = np.linspace(outer, inner, TEXT_HEIGHT)
    angles = np.linspace(arc[0], arc[1], width)
    # Blur at the scale of one output pixel so that thin strokes are not dropped between samples.
    src = cv2.GaussianBlur(ink, (0, 0), max(0.5, 0.5 / scale)) if scale < 1 else ink
    strip = _sample(src, cx, cy, radii, angles, rim)
    # Speckled or faint seal ink, lifted to solid strokes: the strip's own strong ink sets the
    # scale, so a pale or blurred seal reads as dark as a fresh one.
    # Scaled by the strip's strong ink, not multiplied past it: lifting fresh ink by 1.4 on top
    # (as before) drew blurred and bold strokes as solid blobs (train clean pages, seed 3, 20
    # pages: ring exact 10 -> 12 of 18 without it). The 93rd percentile rather than the 99th
    # (train, 20 pages a copy, seeds 3 and 4: ring chars grey 0.474 -> 0.525 and 0.702 -> 0.707,
    # photo 0.549 -> 0.518 and 0.614 -> 0.635, 1-bit 0.336 -> 0.352 and 0.381 -> 0.365, clean
    # the same; the 85th lost photo): a grey ring's ink is lighter than the few dark specks.
    level = float(np.percentile(strip, STRIP_LEVEL_AT)) if strip.size else 1.0
    strip = np.clip(strip / max(level, 0.3), 0, 1)
    if lift != 1.0:
        strip = strip**lift
    grey = (255 - strip * 255).astype(np.uint8)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def _ring_strips(ring: _Ring, read: np.ndarray | None = None, arc_ink: np.ndarray | None = None) -> list[np.ndarray]:
    """The ring's text strips, one per TEXT_BANDS band. The ring is fitted and its text found on
    ring.ink (the text's arc on `arc_ink` when given: _grey_arc_ink, of the same crop); the strips
    are drawn from `read` when given (_reading_ink, of the same crop)."""
    # Scans are flat: only a photo (a colour page) is out of round, and on grey pages print
    # next to the rim drew the ellipse off it (train grey, seed 3: ring chars 0.525 -> 0.497).
    circle, rim = _rim_shape(ring.ink, ring.circle) if ring.colour else (ring.circle, None)
    # Only a grey scan's ring has arc_ink; a 1-bit scan's, cut to GREY_MAX_ARC as well, lost two
    # right names' matches of 40 (train 1-bit, seed 21: decide's match 9 -> 7).
    if arc_ink is None or arc_ink.shape != ring.ink.shape:
        arc = _text_arc(ring.ink, circle, rim)
    else:
        arc = _text_arc(arc_ink, circle, rim, GREY_MAX_ARC)
    if read is None or read.shape != ring.ink.shape:
        return [_strip(ring.ink, circle, arc, band, rim) for band in TEXT_BANDS]
    return [_strip(read, circle, arc, band, rim, STRIP_LIFT) for band in TEXT_BANDS]


def _reading_ink(bgr: np.ndarray) -> np.ndarray:
    """Seal ink of a colour crop for reading its ring: how much darker than the paper around it a
    pixel is, where the neighbourhood is red; the redness itself only gates.

    A phone photo is a JPEG of quality 25-50, which keeps colour at half resolution and coarsely
    quantised: redness smears each stroke into its neighbours, and red_ink, which takes the larger
    of redness and darkness, drew photo strips bold and blotched. On the train photo pages (seed
    21, 30 pages) the same pages without the JPEG step read 0.64 / 0.94 (ring exact / chars)
    against 0.14 / 0.53 with it; without the blur, 0.27 / 0.75; without noise, shadow or the
    turn, no better. The luminance keeps the strokes' shape. Darkness is full ink at READ_DARK of
    the paper's level: a light seal (opacity 0.35-0.85 over uneven density) is lifted, the strip's
    own scaling (_strip) does the rest. Train photos, seeds 21 and 23 (43 rings): ring chars
    0.552 -> 0.716 (full ink at 0.5 of the paper: 0.667, 0.4: 0.691, 0.2: 0.656); train clean
    pages (seed 21, 22 rings) unchanged, 0.773 / 0.928.
    """
    b, g, r = (bgr[..., i].astype(np.float32) for i in range(3))
    chroma = np.clip((r - np.maximum(g, b) - 12) / 70, 0, 1) * (r > 70)
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    k = max(3, (min(bgr.shape[:2]) // 12) | 1)
    paper = cv2.GaussianBlur(cv2.dilate(luma, np.ones((k, k), np.uint8)), (0, 0), k / 2)
    dark = np.clip((paper - luma) / np.maximum(READ_DARK * paper, 1), 0, 1)
    gate = np.clip(cv2.GaussianBlur(chroma, (0, 0), 1.5) * 2.5, 0, 1) * (r > 60)
    return np.asarray(dark * gate, np.float32)


def _purpose_strip(ring: _Ring) -> np.ndarray:
    """The straight text under the star (财务专用章, 收费专用章), upright in the seal's own frame.

    It sits across the bottom, about 0.6 r below the centre, opposite the middle of the name: the
    same tilt that placed the ring text places it.
    """
    cx, cy, r = ring.circle
    arc = _text_arc(ring.ink, ring.circle)
    down = (arc[0] + arc[1]) / 2 + np.pi  # from the centre to the bottom text
    dx, dy = float(np.cos(down)), float(np.sin(down))
    rx, ry = dy, -dx  # the text's left-to-right, a quarter turn from down
    height, width = PURPOSE_BOX[1] * r, PURPOSE_BOX[0] * r
    out_w = max(TEXT_HEIGHT, int(TEXT_HEIGHT * width / height))
    u = np.linspace(-width / 2, width / 2, out_w, dtype=np.float32)[None, :]
    v = np.linspace(-height / 2, height / 2, TEXT_HEIGHT, dtype=np.float32)[:, None]
    px, py = cx + PURPOSE_AT * r * dx, cy + PURPOSE_AT * r * dy
    xs = (px + u * rx + v * dx).astype(np.float32)
    ys = (py + u * ry + v * dy).astype(np.float32)
    strip = cv2.remap(ring.ink, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    grey = (255 - np.clip(strip * 1.4, 0, 1) * 255).astype(np.uint8)
    return np.asarray(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR))


def ring_strip(mask: np.ndarray, box: Box) -> np.ndarray:
    """The ring of a round seal unrolled into a line of dark text on white, reading left to right.

    Ring characters stand with their tops toward the rim and read clockwise over the top, from
    about eight o'clock to four o'clock.
    """
    ring = _red_ring(mask, box)
    return _ring_strips(ring)[0]


def _crop(page: np.ndarray, box: Box, pad: int) -> tuple[np.ndarray, tuple[int, int]]:
    x0, y0, x1, y1 = box
    h, w = page.shape[:2]
    ox, oy = max(0, x0 - pad), max(0, y0 - pad)
    return page[oy : min(h, y1 + pad), ox : min(w, x1 + pad)], (ox, oy)


def white_balance(bgr: np.ndarray) -> np.ndarray:
    """The page with its paper made white: each channel divided by the local paper's.

    A phone photo is lit unevenly and tinted: on the train seal pages' photos the paper came out
    at 130-140 grey with blue 12-15 above red, and seal ink at r 100-115, so a fixed "red well
    above the other channels" kept 2-5% of a seal's pixels and the blob fell apart (7 of 25 photo
    seals missed). Relative to the paper around it the same ink is as red as on a clean scan
    (redness 0.2-0.45 of the paper's level), while print and paper stay below 0.03.
    """
    h, w = bgr.shape[:2]
    f = 8
    small = cv2.resize(bgr, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA).astype(np.float32)
    # Paper is the brightest thing near any point: a max filter wider than a seal's strokes and
    # print, then smoothed, follows shadows and the tint without following the ink.
    k = max(3, (min(h, w) // f // 12) | 1)
    paper = cv2.GaussianBlur(cv2.dilate(small, np.ones((k, k), np.uint8)), (0, 0), k / 2)
    # The page's gain, then the page times it, in place: the same float32 arithmetic as
    # clip(bgr * (255 / max(paper, 20))) without its four page-sized temporaries.
    gain = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)
    np.maximum(gain, 20, out=gain)
    np.divide(np.float32(255), gain, out=gain)
    np.multiply(gain, bgr, out=gain)
    np.clip(gain, 0, 255, out=gain)
    return gain.astype(np.uint8)


def balanced_red_mask(balanced: np.ndarray) -> np.ndarray:
    """Seal ink on a white-balanced page (white_balance): redness over a tenth of the paper's
    level. On the train photos the paper's own redness stayed under 0.03 at its 99.9th
    percentile; faint seals (opacity 0.35-0.5) reach 0.12-0.2."""
    b, g, r = (balanced[..., i].astype(np.int16) for i in range(3))
    return np.asarray(((r - np.maximum(g, b)) > 26) & (r > 100))


def red_ink(bgr: np.ndarray) -> np.ndarray:
    """How much red stamp ink each pixel holds, 0..1: a soft red mask.

    The binary mask drops the light, dry parts of a stroke and speckles the rest; the recogniser
    reads the strip far better when faint ink stays faint instead of vanishing.
    """
    b, g, r = (bgr[..., i].astype(np.float32) for i in range(3))
    chroma = np.clip((r - np.maximum(g, b) - 12) / 70, 0, 1) * (r > 70)
    # A JPEG keeps colour at half resolution and at a coarse quantiser (phone uploads at quality
    # 25-50), so redness alone smears a seal's strokes; the luminance keeps them sharp. Ink is
    # then how much darker than the paper around it a pixel is, where the neighbourhood is red.
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    k = max(3, (min(bgr.shape[:2]) // 12) | 1)
    paper = cv2.GaussianBlur(cv2.dilate(luma, np.ones((k, k), np.uint8)), (0, 0), k / 2)
    dark = np.clip((paper - luma) / np.maximum(0.5 * paper, 1), 0, 1)
    gate = np.clip(cv2.GaussianBlur(chroma, (0, 0), 1.5) * 2.5, 0, 1) * (r > 60)
    return np.asarray(np.maximum(chroma, dark * gate), np.float32)


def grey_ink(grey: np.ndarray, one_bit: bool | None = None, fade: float = 0.35) -> np.ndarray:
    """Ink of a red seal scanned in grey, 0..1: darker than the paper, lighter than black print.

    Red ink scans as a mid grey; black print under the seal is darker still and is left out, so
    that the seal's characters are not read through the print (on 1-bit scans it cannot be).
    one_bit: whether the scan is 1-bit, for a crop of a page the caller resized (its mid-tones
    are the resizing's); else told from the crop. fade: what is left of print's ink.
    """
    g = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 0.8)
    paper = float(np.percentile(g, 90))
    black = float(np.percentile(g, 1))
    depth = max(paper - black, 20.0)
    ink = np.clip((paper - g) / (0.55 * depth) - 0.1, 0, 1)
    # On a 1-bit scan seal and print are the same black: nothing to fade (almost no mid-tones).
    bilevel = np.count_nonzero((g > black + 0.2 * depth) & (g < paper - 0.2 * depth)) < 0.04 * g.size
    if not bilevel and black < paper - 60 and np.count_nonzero(g < black + 0.15 * depth) < 0.5 * g.size:
        # Print darker than any seal ink fades out instead of reading as seal strokes.
        dark = (g < black + 0.12 * depth).astype(np.uint8)
        if one_bit is None:
            raw = grey.astype(np.float32)
            one_bit = bool(np.count_nonzero((raw > black + 0.2 * depth) & (raw < paper - 0.2 * depth)) < 0.04 * g.size)
        if not one_bit:
            # On a grey scan, with the grey edge around each of its strokes: left at full ink,
            # those edges drew print as outlined characters across the ring strip, bolder than
            # the seal's own (train grey pages, seed 11: ring character accuracy 0.568 -> 0.599,
            # exact 0.022 -> 0.089). On a 1-bit scan, whose blurred strokes are all edge, the
            # same erased the seal (presence recall 0.82 -> 0.56): there only the cores fade.
            dark = np.asarray(cv2.dilate(dark, np.ones((3, 3), np.uint8)), np.uint8)
        ink = np.where(dark > 0, ink * fade, ink)
    return np.asarray(ink, dtype=np.float32)


def _red_ring(mask: np.ndarray, box: Box, image: np.ndarray | None = None) -> _Ring:
    x0, y0, x1, y1 = box
    pad = max(4, (x1 - x0) // 20)
    crop, (ox, oy) = _crop(mask, box, pad)
    ink = crop.astype(np.float32)
    r = min(x1 - x0, y1 - y0) / 2
    circle, _ = _fit_ring(ink, (x0 + x1) / 2 - ox, (y0 + y1) / 2 - oy, r)
    if image is not None:
        ink = red_ink(_crop(image, box, pad)[0])
    return _Ring(circle, ink, (ox, oy), True)


# -- round seals on pages without colour --------------------------------------------------------


def is_grey(image: np.ndarray) -> bool:
    """A page with no colour to speak of: a greyscale or 1-bit scan, where red came out grey."""
    if image.ndim == 2 or image.shape[2] == 1:
        return True
    small = image[::4, ::4].astype(np.int16)
    spread = small.max(axis=2) - small.min(axis=2)
    # A faint seal alone on a white page is under half a percent of it (its strokes: 0.2-0.4%),
    # which the percentile does not see (train clean pages, seed 11: such a page was taken for
    # grey and its seal was not looked for). Coloured pixels of that share, though, are colour.
    return float(np.percentile(spread, 99.5)) < 16 and float(np.mean(spread > 24)) < 0.0008


def _ring_candidates(
    grey: np.ndarray, min_diameter: int, limit: int = 10, tone: np.ndarray | None = None
) -> list[Circle]:
    """Circles where a thin ring of ink stands out from what lies just inside and outside it.

    A seal's rim is an unbroken stroke with paper (or the gap before its text) on both sides; a
    block of print is about as inky on a circle as a little inside or outside it, so it gives no
    contrast. Rings of neighbouring radii are averaged over the ink of a page shrunk to about
    RING_SEARCH_SIDE px by filtering with thin annuli (OpenCV runs large kernels through the DFT);
    the contrast peaks are the candidates, in page pixels. Hough circles took seconds a page
    here and missed rims broken by speckle.

    tone, when given, is the page's seal ink (_seal_tone, of grey's size) searched instead of
    its darkness.
    """
    h, w = grey.shape
    scale = min(1.0, RING_SEARCH_SIDE / max(h, w))
    size = (max(1, int(w * scale)), max(1, int(h * scale)))
    if tone is not None:
        ink = np.asarray(cv2.resize(tone, size, interpolation=cv2.INTER_AREA), np.float32)
    else:
        g = cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.float32)
        paper, black = float(np.percentile(g, 90)), float(np.percentile(g, 0.5))
        ink = np.clip((paper - g) / max(paper - black, 20.0), 0, 1)
    ranked = _rings_in(ink, min_diameter * scale, min(h, w) * scale, RIM_POOL)
    out = ranked[:limit]
    # ... and the rings whose rim is inked all round, of the first RIM_POOL by contrast: a faint
    # seal's mean contrast loses to print's ring-like bits (train grey, seed 21: faint seals came
    # 93rd and 240th), but print is inked at some angles only, a rim at nearly all (_rim_steady).
    # Coarse centres for all, fine centres and radii for the best 1.5 * limit of those.
    if ranked:
        coarse, _ = _rim_steady(ink, np.array(ranked, np.float32), _COARSE)
        best = np.argsort(-coarse)[: 3 * limit // 2]
        fine, circles = _rim_steady(ink, np.array([ranked[i] for i in best], np.float32), _FINE)
        for i in np.argsort(-fine)[:limit]:
            circle = tuple(float(v) for v in circles[i])
            if fine[i] >= RIM_STEADY and circle not in out:
                out.append((circle[0], circle[1], circle[2]))
    return [(x / scale, y / scale, r / scale) for x, y, r in out]


# The ring search's second ranking (_ring_candidates, _rim_steady): rings of this many first by
# contrast are scored again for a rim inked all round; those scoring RIM_STEADY or more are kept.
RIM_POOL = 300
RIM_STEADY = 0.04
_STEADY_ANGLES = np.linspace(0, 2 * np.pi, 90, endpoint=False)
_STEADY_FRACS = np.array([0.94, 0.97, 1.0, 1.03, 1.06, 1.12, 1.18], np.float32)  # rim, then outside


def _hypotheses(shifts: list[float], radii: list[float]) -> np.ndarray:
    grid = np.meshgrid(np.array(shifts), np.array(shifts), np.array(radii), indexing="ij")
    return np.stack([g.ravel() for g in grid], axis=1).astype(np.float32)  # dx, dy (px), radius share


# The rim's radii span 0.94-1.06 of the ring's (_STEADY_FRACS): the coarse pass shifts the centre
# only, and at half the angles (its cost is in the samples: 0.14 s a page with 27 hypotheses).
_COARSE = _hypotheses([-2, 0, 2], [1.0])
_FINE = _hypotheses([-2, -1, 0, 1, 2], [0.94, 1.0, 1.06])


def _rim_steady(ink: np.ndarray, circles: np.ndarray, hyps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How steadily each ring (rows x, y, r) is inked above the paper just outside it, all round:
    the lower quartile over angles of the rim's ink less the ink outside, at the best of the
    centres and radii `hyps` around it (the contrast peak sits a few pixels off a seal's centre
    when print touches its rim: train grey, seed 21, page 26 was fitted to its inner text).
    Returns the scores and the best circle of each."""
    x = circles[:, 0, None] + hyps[None, :, 0]  # (rings, hypotheses)
    y = circles[:, 1, None] + hyps[None, :, 1]
    r = circles[:, 2, None] * hyps[None, :, 2]
    radii = r[:, :, None, None] * _STEADY_FRACS[None, None, :, None]  # (rings, hyps, fracs, 1)
    angles = _STEADY_ANGLES[:: 2 if len(hyps) < 10 else 1]
    xs = (x[:, :, None, None] + radii * np.cos(angles)).astype(np.float32)
    ys = (y[:, :, None, None] + radii * np.sin(angles)).astype(np.float32)
    n = xs.shape[0] * xs.shape[1]  # a map's rows and columns must stay under 32767
    p = cv2.remap(
        ink, xs.reshape(n, -1), ys.reshape(n, -1), cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    ).reshape(xs.shape)
    contrast = p[:, :, :5].max(axis=2) - p[:, :, 5:].max(axis=2)  # (rings, hyps, angles)
    k = contrast.shape[2] // 4
    score = np.partition(contrast, k, axis=2)[:, :, k]  # the lower quartile
    best = np.argmax(score, axis=1)
    rows = np.arange(len(circles))
    return score[rows, best], np.stack([x[rows, best], y[rows, best], r[rows, best]], axis=1)


def _seal_tone(grey: np.ndarray) -> np.ndarray | None:
    """The page's seal ink for the ring search on a grey scan (grey_ink: print darker than seal
    ink faded), or None on a 1-bit scan, where seal and print are the same black.

    Searched for its darkness, a light grey rim among black print loses to the print's own
    ring-like bits: on the train grey pages (seed 6) a faint round seal or an oval came 20th to
    117th of the candidates, or not at all, and the search keeps 10; searched for its tone, the
    same seals came 0th-4th but for three (24th, 25th, 58th), and no seal found before lost its
    place in the first ten. It costs a grey page's seal step about 0.2 s of CPU (0.46 -> 0.66 s,
    12 train grey pages); grey_ink of the page at half size was cheaper (0.58 s) but lost the
    faint rims again (train grey presence recall, seed 4: 1.000 -> 0.861).
    """
    return None if _one_bit(grey) else grey_ink(grey, False)


def _one_bit(grey: np.ndarray) -> bool:
    """Whether a grey page is a 1-bit scan: hardly a pixel between black and white."""
    sample = grey[::4, ::4]
    return bool(np.count_nonzero((sample > 40) & (sample < 215)) < 0.01 * sample.size)


def _rings_in(
    ink: np.ndarray, min_diameter: float, page_side: float, limit: int, max_radius: float = np.inf
) -> list[Circle]:
    """Ring candidates in an ink image (0..1), radii bounded by the seal sizes of a page page_side wide."""
    lo = max(4.0, min_diameter / 2, 0.05 * page_side)
    hi = max(lo * 1.2, min(0.14 * page_side, max_radius))
    radii = lo * RADIUS_STEP ** np.arange(-1, int(np.log(hi / lo) / np.log(RADIUS_STEP)) + 2)

    def ring(r: float) -> np.ndarray:
        size = int(2 * r + 5) | 1
        k = np.zeros((size, size), np.float32)
        cv2.circle(k, (size // 2, size // 2), round(float(r)), 1.0, 1, lineType=cv2.LINE_AA)
        return np.asarray(cv2.filter2D(ink, -1, k / max(float(k.sum()), 1e-6), borderType=cv2.BORDER_CONSTANT))

    # Three neighbouring radii at a time and the running best updated in place: all the radii's
    # responses at once were 80 MB for a photo's 1685 x 1193 blob, and the np.where copies a
    # tenth of the search's time.
    best = np.zeros_like(ink)
    best_r = np.zeros(ink.shape)  # float64, as the radii
    inner, mid = ring(radii[0]), ring(radii[1])
    contrast, bump, better = np.empty_like(ink), np.empty_like(ink), np.empty(ink.shape, bool)
    for i in range(1, len(radii) - 1):
        outer = ring(radii[i + 1])
        # Paper outside the rim; inside it may be text close by, so it only counts when inkier.
        np.subtract(inner, mid, out=bump)
        np.maximum(bump, 0, out=bump)
        bump *= 0.5
        np.subtract(mid, outer, out=contrast)
        contrast -= bump
        np.greater(contrast, best, out=better)
        np.copyto(best, contrast, where=better)
        best_r[better] = radii[i]
        inner, mid = mid, outer
    peaks = (best == cv2.dilate(best, np.ones((9, 9), np.uint8))) & (best > RING_CONTRAST)
    ys, xs = np.nonzero(peaks)
    order = np.argsort(-best[ys, xs])[:limit]
    return [(float(xs[i]), float(ys[i]), float(best_r[ys[i], xs[i]])) for i in order]


def _split_rings(mask: np.ndarray, image: np.ndarray | None, box: Box, min_diameter: int) -> list[_Ring]:
    """The round seals inside one red blob: two seals pressed over each other make one blob, wider
    than tall, that is neither a circle nor an oval."""
    x0, y0, _, y1 = box
    pad = max(6, (y1 - y0) // 10)
    src = red_ink(_crop(image, box, pad)[0]) if image is not None else _crop(mask, box, pad)[0].astype(np.float32)
    ox, oy = max(0, x0 - pad), max(0, y0 - pad)
    page_side = min(mask.shape[:2])
    found: list[_Ring] = []
    for cx, cy, r in _rings_in(src, min_diameter, page_side, 6, 0.55 * max(box[2] - x0, y1 - y0)):
        ring = _seal_ring(src, cx, cy, r, (ox, oy), True, SPLIT_RING_COVER)
        if ring is None:
            continue
        if any(_overlap(_ring_box(ring), _ring_box(f), 0.6) for f in found):
            continue
        found.append(ring)
    return found


def find_faint_seals(balanced: np.ndarray, min_diameter: int, taken: list[Box]) -> list[_Ring]:
    """Round seals too faint for the red mask, on a white-balanced colour page (white_balance).

    A seal pressed lightly (ink opacity 0.35-0.5) leaves redness of 10-30 over the paper: the mask
    keeps 4-20% of its box in specks that no closing joins (train photos, seed 11: 3 of 4 missed
    seals, one of them with no blob at all). The soft red ink still holds the whole rim. Lifted to
    the strongest red near it, so that a faint seal beside a fresh stamp counts as much, it is
    searched for rings as a grey page is, and each ring's crop is scaled by its own ink before the
    fit (the rim's cover went from 0.23 to 0.86 on such a seal). Rings over a seal already found
    (`taken`) are left out.
    """
    h, w = balanced.shape[:2]
    scale = min(1.0, RING_SEARCH_SIDE / max(h, w))
    # The search runs on the page shrunk (red_ink of a whole page took 1.2 s, its paper blur
    # most of it); each candidate's crop is inked again at full size.
    shrunk = cv2.resize(balanced, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    small = red_ink(shrunk)
    k = max(3, int(0.12 * min(small.shape)) | 1)
    near = cv2.GaussianBlur(cv2.dilate(small, np.ones((k, k), np.uint8)), (0, 0), k / 3)
    # The floor keeps a photo's faint tint of red (0.01-0.05 at its 99.9th percentile on the
    # train photos) from being lifted into rings.
    lifted = np.clip(small / np.maximum(near, FAINT_FLOOR), 0, 1).astype(np.float32)
    found: list[_Ring] = []
    for cx, cy, rr in _rings_in(lifted, min_diameter * scale, min(h, w) * scale, 10):
        cx, cy, rr = cx / scale, cy / scale, rr / scale
        box = (int(cx - rr), int(cy - rr), int(cx + rr), int(cy + rr))
        if box[0] < 0 or box[1] < 0 or box[2] > w or box[3] > h:
            continue
        if any(_overlap(box, t, 0.3) for t in taken):
            continue
        crop_bgr, (ox, oy) = _crop(balanced, box, int(rr * 0.15) + 4)
        crop = red_ink(crop_bgr)
        level = float(np.percentile(crop, 97))
        if level < FAINT_FLOOR:
            continue
        ink = np.clip(crop / level, 0, 1).astype(np.float32)
        ring = _seal_ring(ink, cx - ox, cy - oy, rr, (ox, oy), True, GREY_RING_COVER)
        if ring is None:
            continue
        if any(_overlap(_ring_box(ring), _ring_box(f), 0.6) for f in found):
            continue
        found.append(ring)
    return found


def _round_mass(mask: np.ndarray, box: Box) -> bool:
    """A blob of red the size of a unit's seal both ways whose box corners are bare: the round or
    oval mass of a seal whose ring could not be found (faint, worn, covered), not a rectangular
    stamp, whose frame fills its corners."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if min(w, h) < max(SEAL_PAGE_SHARE * min(mask.shape[:2]), 0.6 * max(w, h)):
        return False
    cw, ch = max(1, w // 6), max(1, h // 6)
    corners = [mask[y : y + ch, x : x + cw] for y in (y0, y1 - ch) for x in (x0, x1 - cw)]
    filled = {i for i, c in enumerate(corners) if c.size and np.count_nonzero(c) > 0.15 * c.size}
    # Corners top left, top right, bottom left, bottom right. A seal cut straight by a cover has
    # its rim in the two corners of the cut side (train photo, seed 11: 0.33 and 0.16 of them
    # inked, the others bare); a stamp's frame fills all four.
    one_side = filled in ({0, 1}, {2, 3}, {0, 2}, {1, 3})
    return bool((len(filled) <= 1 or one_side) and np.count_nonzero(mask[y0:y1, x0:x1]) >= 0.04 * w * h)


def find_grey_seals(image: np.ndarray, min_diameter: int, tone: np.ndarray | None = None) -> list[_Ring]:
    """Round seals on a page without colour, by shape: a continuous ring of seal size with text
    inside along it (and usually a star in the middle).

    Print is full of circle-ish bits (characters like 回, table corners, QR finder squares) but
    none is a thin, unbroken ring a fifth of the page wide with writing along its inside.
    """
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    found: list[_Ring] = []
    for cx, cy, rr in _ring_candidates(grey, min_diameter, tone=_seal_tone(grey) if tone is None else tone):
        box = (int(cx - rr), int(cy - rr), int(cx + rr), int(cy + rr))
        # A photographed page's corner, where the page's edge meets the table, is ring-like; a
        # seal pressed on the page lies within it (ring, text and paper outside the rim).
        if box[0] < 0 or box[1] < 0 or box[2] > grey.shape[1] or box[3] > grey.shape[0]:
            continue
        pad = int(rr * 0.15) + 4
        crop, (ox, oy) = _crop(grey, box, pad)
        ink = grey_ink(crop)
        smallest = GREY_SEAL_SHARE * min(grey.shape[:2])
        ring = _seal_ring(ink, cx - ox, cy - oy, rr, (ox, oy), False, GREY_RING_COVER, smallest)
        if ring is None:
            continue
        if any(_overlap(_ring_box(ring), _ring_box(f), 0.6) for f in found):  # two seals may overlap
            continue
        found.append(ring)
    return found


def _straight_strip(grey: np.ndarray, box: Box, at: float, height: float, width: float) -> np.ndarray:
    """A straight band across an oval seal's box (shares of its height and width, `at` below the
    centre), as dark text on white at the recogniser's height."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    top, bottom = int(cy + (at - height / 2) * h), int(cy + (at + height / 2) * h)
    cut = grey[max(0, top) : max(0, bottom), max(0, int(cx - width * w / 2)) : max(0, int(cx + width * w / 2))]
    if cut.size == 0:
        return np.full((TEXT_HEIGHT, TEXT_HEIGHT, 3), 255, np.uint8)
    g = (255 - np.clip(grey_ink(cut) * 1.4, 0, 1) * 255).astype(np.uint8)
    line = cv2.resize(g, (max(TEXT_HEIGHT, int(g.shape[1] * TEXT_HEIGHT / g.shape[0])), TEXT_HEIGHT))
    return np.asarray(cv2.cvtColor(line, cv2.COLOR_GRAY2BGR))


def find_grey_ovals(
    image: np.ndarray, engine: Engine, min_diameter: int, taken: list[Box], tone: np.ndarray | None = None
) -> list[tuple[Box, _Ring]]:
    """Oval seals (发票专用章) on a page without colour: their boxes, and their rings in a frame
    squeezed across by OVAL_ASPECT, where the oval is a circle.

    The round search squeezed is the oval search; but squeezed, print and the sides of round
    seals give rings too (train grey pages, seed 11: 3 of 12 candidates on print, 20 on round
    seals). An invoice seal carries the seller's tax number (15-20 letters and digits) across its
    middle and 发票专用章 under it: an oval is kept when the recogniser reads either there (11 of
    14 ovals on the train grey and 1-bit pages looked at, none of the print).
    """
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    thin = cv2.resize(grey, (max(1, int(w / OVAL_ASPECT)), h), interpolation=cv2.INTER_AREA)
    one_bit = _one_bit(grey)
    if tone is None and not one_bit:
        tone = _seal_tone(grey)
    thin_tone = None if tone is None else cv2.resize(tone, thin.shape[::-1], interpolation=cv2.INTER_AREA)
    found: list[tuple[Box, _Ring]] = []
    for cx, cy, rr in _ring_candidates(thin, min_diameter, tone=thin_tone):
        box = (int(cx - rr), int(cy - rr), int(cx + rr), int(cy + rr))
        if box[0] < 0 or box[1] < 0 or box[2] > thin.shape[1] or box[3] > thin.shape[0]:
            continue
        crop, (ox, oy) = _crop(thin, box, int(rr * 0.15) + 4)
        ink = grey_ink(crop, one_bit)
        ring = _seal_ring(
            ink, cx - ox, cy - oy, rr, (ox, oy), False, GREY_RING_COVER, GREY_SEAL_SHARE * min(h, w), OVAL_OUTSIDE
        )
        if ring is None:
            continue
        sx0, sy0, sx1, sy1 = _ring_box(ring)
        oval = (int(sx0 * OVAL_ASPECT), sy0, int(sx1 * OVAL_ASPECT), sy1)
        # A round seal squeezed is an oval over the round's own box (overlap 1); an invoice's
        # oval pressed half over a round seal shares about a third of the smaller box (train
        # grey, seed 23, page 1: 0.34, and the oval was lost at 0.3).
        if any(_overlap(oval, t, OVAL_OVER_ROUND) for t in taken) or any(_overlap(oval, f, 0.6) for f, _ in found):
            continue
        # The fitted oval is off by a tenth of its height at times (a tilted or worn rim): the
        # middle and the purpose are looked for at three heights each, and either may be where
        # the other was expected.
        strips = [_straight_strip(grey, oval, at, 0.16, 0.72) for at in (-0.03, 0.05, 0.13)]
        strips += [_straight_strip(grey, oval, at, 0.18, 0.5) for at in (0.22, 0.3, 0.38)]
        for reading in engine.recognize(strips):
            code = len(re.findall(r"[0-9A-Z]", reading.text)) >= OVAL_CODE_LEAST
            if reading.score >= MIN_READ_SCORE and (code or re.search(r"专用|发票", reading.text)):
                found.append((oval, ring))
                break
    return found


def _rim_gap(ink: np.ndarray, circle: Circle) -> float | None:
    """The share of the circle a covered seal's rim is missing, or None when the rim is broken in
    more places than one stretch (print, not a seal)."""
    cx, cy, r = circle
    soft = cv2.GaussianBlur(ink, (0, 0), max(1.0, r / 60))
    n = 180
    inked = _sample(soft, cx, cy, np.array([r], np.float32), np.linspace(0, 2 * np.pi, n, endpoint=False))[0] > 0.3
    if inked.all():
        return 0.0
    if not inked.any():
        return None
    # The longest circular run of bare rim: walked from an inked angle, no run wraps around.
    bare = np.roll(~inked, -int(np.argmax(inked))).astype(np.int8)
    edges = np.diff(np.concatenate([[0], bare, [0]]))
    gap = int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max())
    return gap / n if gap <= COVERED_GAP * n and inked.sum() >= COVERED_RIM * (n - gap) else None


def _rim_ok(ink: np.ndarray, circle: Circle, cover: float, least: float) -> float | None:
    """None when the fitted ring is no seal's rim: inked on less than `least` of the circle and
    not a covered seal's either; else the share of the circle covered (0 for a whole rim)."""
    gap = _rim_gap(ink, circle) if cover >= COVERED_MIN else None
    if gap is not None and gap < COVERED_LEAST:
        gap = None if cover < least else 0.0  # a few bare degrees are worn ink, not a cover
    return (gap or 0.0) if cover >= least else gap


def _seal_like(ring: _Ring, cover: float = 0.0, gap: float = 0.0, outside_share: float = 0.6) -> bool:
    """Ring text inside the rim, the rim itself thin, and paper outside it.

    cover is the share of the rim inked (_fit_ring), gap the share of the circle covered
    (_rim_gap): what is covered shows neither rim nor text, so the shares are of the rest. A short
    name (宁波市第七中学) writes along about 0.4 of the ring; a rim unbroken all round (cover >=
    0.9, which print never gave on the train grey pages: 0.67 at most) is evidence enough for
    that much writing.

    Paper outside the rim: its ink under outside_share of the rim's. Print around a grey seal
    inks the outside too; a grey rim unbroken all round is let have GREY_WHOLE_OUTSIDE (train
    1-bit, seed 21: a company seal over print, cover 0.96, outside 0.66-0.68 of its rim; print's
    rings that passed the other checks gave 0.52-0.59 at cover 0.71-0.77).
    """
    cx, cy, r = ring.circle
    if not ring.colour and cover >= 0.9:
        outside_share = max(outside_share, GREY_WHOLE_OUTSIDE)
    angles = np.radians(np.arange(0, 360, 2))
    text = _sample(ring.ink, cx, cy, np.linspace(0.6 * r, 0.9 * r, 8), angles)
    if ring.colour:
        # Red filling the core and the text band is a disc (a fingertip, a sticker), not a carved
        # seal. Only colour: on a grey copy the print under a seal inks its core.
        core = _sample(ring.ink, cx, cy, np.linspace(0.1 * r, 0.45 * r, 6), angles[::3])
        if float((core < 0.1).mean()) < CORE_BARE_MIN and float((text < 0.1).mean()) < BAND_BARE_MIN:
            return False
    band = text.mean(axis=0)
    outside = _sample(ring.ink, cx, cy, np.linspace(1.08 * r, 1.15 * r, 3), angles).mean()
    rim = _sample(ring.ink, cx, cy, np.linspace(0.96 * r, 1.0 * r, 3), angles).mean() / (1 - gap)
    # Characters along a good share of the ring; not a filled disc or a blob of print.
    written = float((band > 0.08).mean()) / (1 - gap)
    return written > (0.3 if cover >= 0.9 else 0.45) and float(band.mean()) < 0.6 and outside < outside_share * rim


def _seal_ring(
    ink: np.ndarray,
    cx: float,
    cy: float,
    r: float,
    origin: tuple[int, int],
    colour: bool,
    least: float,
    smallest: float = 0,
    outside_share: float = 0.6,
) -> _Ring | None:
    """The ring fitted near (cx, cy, r) in the crop `ink`, when it is a seal's: at least `smallest`
    across, its rim inked on `least` of the circle or covered (_rim_ok), and shaped like a seal
    (_seal_like). None otherwise."""
    circle, cover = _fit_ring(ink, cx, cy, r)
    if 2 * circle[2] < smallest:
        return None
    gap = _rim_ok(ink, circle, cover, least)
    ring = _Ring(circle, ink, origin, colour)
    return ring if gap is not None and _seal_like(ring, cover, gap, outside_share) else None


def _ring_box(ring: _Ring) -> Box:
    cx, cy, r = ring.circle
    ox, oy = ring.origin
    return (int(ox + cx - r), int(oy + cy - r), int(ox + cx + r), int(oy + cy + r))


def _overlap(a: Box, b: Box, share: float = 0.3) -> bool:
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    return ix > 0 and iy > 0 and ix * iy > share * min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))


def _consensus(readings: list[Reading], lattices: list[Lattice | None]) -> int:
    """The reading the strips of one seal agree on best: each distinct reading is spelled on
    every strip's lattice (ctc_cost, the whole strip), and the one costing least in all wins.

    The two bands of a ring misread different characters (the rim cuts one band's first
    character, the other seal of an overlapping pair crosses the other's); on the train clean
    pages (seed 3) the best-scoring reading was wrong where the other band's was right on 2 of
    18 rings. The lattices know which: a character one band dropped is still likely in its
    lattice when the other band read it.
    """
    texts = {r.text.strip() for r in readings if r.score >= MIN_READ_SCORE and r.text.strip()}
    if len(texts) < 2 or any(lat is None for lat in lattices):
        return _best(readings)
    lats = [lat for lat in lattices if lat is not None]
    cost = {t: sum(ctc_cost(lat, t, free_ends=False) for lat in lats) for t in texts}
    best = min(cost.values())
    winners = [i for i, r in enumerate(readings) if r.text.strip() in cost and cost[r.text.strip()] <= best + 1e-6]
    return max(winners, key=lambda i: readings[i].score)


def _best(readings: list[Reading]) -> int:
    """The reading to keep: confident and long; a two-character fragment scores high but says little."""
    return max(range(len(readings)), key=lambda i: readings[i].score * min(1.0, len(readings[i].text.strip()) / 4))


def _decode(probs: np.ndarray, alphabet: list[str]) -> Reading:
    """Greedy CTC decoding with per-character probabilities, as CtcRecognizer does."""
    idx = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    keep = (idx != 0) & np.concatenate([[True], idx[1:] != idx[:-1]])
    if not keep.any():
        return Reading("", 0.0)
    return Reading(
        "".join(alphabet[i] for i in idx[keep]), float(conf[keep].mean()), tuple(float(c) for c in conf[keep])
    )


def _recognise(engine: Engine, strips: list[np.ndarray]) -> tuple[list[Reading], list[Lattice | None]]:
    """Readings of the strips and, where the engine exposes its CTC output, their lattices."""
    probs_of = getattr(engine, "recognize_probs", None)
    if probs_of is None or not strips:
        return engine.recognize(strips), [None] * len(strips)
    alphabet, probs = probs_of(strips)
    return [_decode(p, alphabet) for p in probs], [Lattice.from_probs(p, alphabet) for p in probs]


def _ring_reading_ink(ring: _Ring, image: np.ndarray | None) -> np.ndarray | None:
    """_reading_ink of the ring's crop of a colour page (the white-balanced page read_seals
    holds), or None for a grey ring or without the page."""
    if image is None or not ring.colour or image.ndim != 3:
        return None
    h, w = ring.ink.shape[:2]
    ox, oy = ring.origin
    crop = image[oy : oy + h, ox : ox + w]
    return _reading_ink(crop) if crop.shape[:2] == (h, w) else None


def _grey_arc_ink(ring: _Ring, grey: np.ndarray | None) -> np.ndarray | None:
    """The ink of a grey round ring's crop with print faded to GREY_ARC_FADE, for finding its text's
    arc; None for a colour ring or without the page in grey (None too for a 1-bit scan: no print
    to fade)."""
    if grey is None or ring.colour:
        return None
    h, w = ring.ink.shape[:2]
    ox, oy = ring.origin
    crop = grey[oy : oy + h, ox : ox + w]
    return grey_ink(crop, None, GREY_ARC_FADE) if crop.shape[:2] == (h, w) else None


def strip_png(strip: np.ndarray) -> str:
    """The strip as a base64 grey PNG: what the reviewer's workbench shows of the ring."""
    grey = strip if strip.ndim == 2 else cv2.cvtColor(strip, cv2.COLOR_BGR2GRAY)
    ok, buf = cv2.imencode(".png", grey, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return base64.b64encode(buf.tobytes()).decode("ascii") if ok else ""


def read_seals(engine: Engine, mask: np.ndarray, min_diameter: int, image: np.ndarray | None = None) -> list[Seal]:
    """The page's stamps, with the ring text of round ones.

    mask is the red-ink mask (preprocess.red_mask). With the page image as well, ring text is read
    from the soft red ink rather than the binary mask, and on a page without colour round seals
    are looked for by shape (Seal.colour False). Each read seal keeps its strip (as PNG) and the
    CTC lattices of its strips, so that the check can verify a name against it (seal_verify).
    """
    seals = []
    unread: list[Seal] = []  # round masses of red where no ring was found (_round_mass)
    rings: list[tuple[Seal, _Ring]] = []
    grey = image is not None and is_grey(image)
    if image is not None and not grey:
        # Photos: the caller's mask is a fixed threshold that tinted or shadowed light defeats.
        # (Asked of the page as it came: balanced, a photo without red looks grey.)
        image = white_balance(image)
        mask = mask | balanced_red_mask(image)
    stamps = find_seals(mask, min_diameter)
    for box, shape in stamps:
        w, h = box[2] - box[0], box[3] - box[1]
        # A covered seal's rim, cut open, no longer holds its text in one blob: the ring of text
        # is a blob of its own inside the rim's box, and its rings are the rim's to find.
        inner = any(b != box and _within(box, b) for b, _ in stamps)
        # A round seal with a side covered (a sticker, a fold) or its lower rim too faint for the
        # mask (a photographed certificate of the held-out claims) is a blob cut straight, which
        # its box calls a rect (train clean pages: 1 in 30). It is looked for rings as any other
        # blob when it is of a seal's size both ways; a cashier's stamp is not.
        seal_sized = min(w, h) >= max(SEAL_PAGE_SHARE * min(mask.shape[:2]), 0.6 * max(w, h))
        if shape != "rect" or (seal_sized and not inner):
            # Every blob is searched for rings: a round seal overlapping an invoice's oval makes a
            # blob nearly as tall as wide, that its box alone calls round.
            split = _split_rings(mask, image, box, min_diameter)
            for ring in split:
                seal = Seal(box=_ring_box(ring), shape="round")
                rings.append((seal, ring))
                seals.append(seal)
            # Rings that fill the blob were all of it; a ring beside something else (a round seal
            # over an invoice's oval) leaves that something as the blob's own shape.
            if split and sum(_ring_box(r)[2] - _ring_box(r)[0] for r in split) > 0.6 * max(w, h):
                continue
        if shape == "rect" and seal_sized and not inner and _round_mass(mask, box):
            # No ring in it, but a round mass of red of a seal's size: a seal, unread. It is kept
            # without ring text or lattices, so that the claim check asks a reviewer to look
            # (seal_text_unreadable) rather than telling the member it is missing.
            unread.append(Seal(box=box, shape="round"))
            continue
        seal = Seal(box=box, shape=shape)
        if shape == "round":
            rings.append((seal, _red_ring(mask, box, image)))
        seals.append(seal)
    if image is not None and not grey:
        taken = [s.box for s in seals if s.shape != "rect"]
        for ring in find_faint_seals(image, min_diameter, taken):
            seal = Seal(box=_ring_box(ring), shape="round")
            rings.append((seal, ring))
            seals.append(seal)
            unread = [u for u in unread if not _overlap(u.box, seal.box, 0.3)]
    # The grey page's seal ink, made once for the round and the oval search (_seal_tone).
    tone = None
    if image is not None and grey:
        tone = _seal_tone(image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    if image is not None and not seals and grey:
        for ring in find_grey_seals(image, min_diameter, tone):
            seal = Seal(box=_ring_box(ring), shape="round", colour=False)
            rings.append((seal, ring))
            seals.append(seal)
    if image is not None and grey:
        for box, ring in find_grey_ovals(image, engine, min_diameter, [s.box for s in seals], tone):
            seal = Seal(box=box, shape="oval", colour=False)
            rings.append((seal, ring))
            seals.append(seal)

    # A faint seal's mask in pieces gives rings and ovals inside the seal besides its rim (train
    # photos, seed 8: 3 of 30 pages): a stamp lying mostly within a larger ring is part of it. Two
    # seals pressed over each other share at most about 0.6 of the smaller's box. (Rings inside a
    # blob's oval are the seals the blob was made of: kept.)
    def part(s: Seal) -> bool:
        return s.shape != "rect" and any(o is not s and o.shape == "round" and _nested(s.box, o.box) for o in seals)

    dropped = {id(s) for s in seals if part(s)}
    seals = [s for s in seals if id(s) not in dropped]
    rings = [(s, r) for s, r in rings if id(s) not in dropped]
    # Colour rings are read from the page's luminance (_reading_ink), grey ones from their own ink.
    # A grey oval's ring is in a frame squeezed across (find_grey_ovals): its crop of the page is
    # elsewhere, so only round rings get _grey_arc_ink. The page in grey is made once, not per ring.
    arc_grey = None
    if image is not None and any(not ring.colour and seal.shape == "round" for seal, ring in rings):
        page_grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        arc_grey = None if _one_bit(page_grey) else page_grey
    strips = [
        _ring_strips(
            ring, _ring_reading_ink(ring, image), _grey_arc_ink(ring, arc_grey) if seal.shape == "round" else None
        )
        for seal, ring in rings
    ]
    readings, lattices = _recognise(engine, [s for group in strips for s in group])
    at = 0
    for (seal, _), group in zip(rings, strips, strict=True):
        mine = readings[at : at + len(group)]
        i = _consensus(mine, lattices[at : at + len(group)])
        seal.lattices = [lat.to_json() for lat in lattices[at : at + len(group)] if lat is not None]
        seal.strip = strip_png(group[i])
        at += len(group)
        if mine[i].score >= MIN_READ_SCORE:
            seal.text, seal.confidence, seal.chars = mine[i].text.strip(), mine[i].score, mine[i].chars
            if len(seal.chars) != len(seal.text):
                seal.chars = ()
    # The purpose under the star says which seal it is (收费专用章 on an invoice, 财务专用章 ...).
    for (seal, _), reading in zip(rings, engine.recognize([_purpose_strip(ring) for _, ring in rings]), strict=True):
        text = reading.text.strip()
        if reading.score >= MIN_READ_SCORE and PURPOSE_WORDS.search(text):
            seal.purpose = text
    return seals + [u for u in unread if not any(_overlap(u.box, s.box, 0.3) for s in seals if s.shape != "rect")]
