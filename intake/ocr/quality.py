"""The page-quality gate: is an uploaded page good enough to read, measured on the decoded image
before it is read, in a few tens of milliseconds.

A page that fails is still read (a reviewer may use what can be read), but the member is asked at
once to photograph it again, with advice for what went wrong (quality.yaml). A false rejection
costs a member a needless photograph, so every threshold errs towards passing a page.

Everything is measured against the text's own size, estimated from the ink: a blur of 3 px ruins
8-px print and does not matter to 40-px print.
  text_height   median height of ink components (CJK characters and radicals), px of the upload
  blur          edge width / text height in the worst of 4 directions; anisotropy = worst / best
                (a moving phone smears one direction, defocus every direction)
  softness      the edge width beyond a sharp edge's own (SHARP_EDGE), per text height: blur
                without the measure's floor, which on small sharp print is most of its width
  glare         share of the print's area that is blown out (clipped white, brighter than the paper)
  faded         share of the print's neighbourhoods (3 x 3 cells) whose darkest ink is faded to a
                grey (a glare's halo over white paper, where blown-out white cannot be seen)
  cut_off       text-sized ink components touching one side of the picture, per text height of side
  screen        the strongest narrow peak of the luma spectrum at the periods of a screen's pixel
                grid (2-7 px), over the spectrum's median there
  ink           share of the picture's cells (4 text heights square) holding print
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from pydantic import Field, model_validator

from intake.codes import QualityIssue
from intake.datafile import Strict, load, packaged
from intake.elements.page import PageQuality, QualityFinding

ANALYSIS_LONG_SIDE = 1800  # px; bigger uploads are measured shrunk to this (cost), in their own px
INK_CONTRAST = 40  # grey levels darker than the paper around it to count as ink
EDGE_MARGIN = 0.03  # share of the short side along the picture's sides where edges are not measured
PAPER_MIN = 120  # a background darker than this is not paper (a desk, a screen's frame)
# px at analysis size: the width _edge_widths gives a sharp edge (the central difference spans 2 px;
# train: 1.6-2.1 px on pristine pages). Print of 8 px measures 2.4-2.9 px sharp, a blur of 0.30-0.36
# text heights: only the width beyond this is blur.
SHARP_EDGE = 2.0
# grey levels per px: the steepness of an edge's centre. Flat paper's noise and JPEG ripple peak
# below STEEP_EDGE; only where no edge reaches it are gentler ones measured (at 2-4 the grain of
# a grey scan was measured as edges 4.7-6.4 px wide, and an undegraded scan told blurred).
STEEP_EDGE = 6.0
GENTLE_EDGE = 1.5
# A neighbourhood's darkest ink as a share of the page's ink contrast: above the first it holds
# print, below the second that print is faded (_faded).
FADED_CONTRAST = (0.15, 0.6)


class LowResolution(Strict):
    text_height_min: float = Field(gt=0, description="px of the upload; below it characters blur into blobs")
    long_side_min: int = Field(gt=0, description="px; a picture smaller than this is a thumbnail")
    edge_px_max: float = Field(gt=0, description="px; small print with wider edges is blurred, not small")


class Blur(Strict):
    width_max: float = Field(gt=0, description="softness (edge width beyond a sharp one's / text height) to smear")
    motion_anisotropy: float = Field(gt=1, description="worst / best edge width above which the blur is motion")
    streak_min: float = Field(
        gt=1, description="gradient tensor's strong / weak axis above which a blur has a direction"
    )
    motion_streak: float = Field(gt=1, description="and above which it is told as motion, not focus")
    motion_width_max: float = Field(gt=0, description="softness above which a blur with a direction smears")
    edge_px_max: float = Field(gt=0, description="px; edges wider than this are blur even where no line is found")
    wide_edge_px: float = Field(gt=0, description="px; edges this wide are blur whatever size the print measures")
    wide_edge_softness: float = Field(ge=0, description="with at least this softness")


class Glare(Strict):
    area_max: float = Field(gt=0, le=1, description="share of the print's area blown out")
    paper_max: float = Field(gt=0, le=255, description="paper brighter than this is white already: no glare seen")
    faded_max: float = Field(gt=0, le=1, description="on white paper: share of the print's neighbourhoods faded")
    faded_softness_max: float = Field(
        ge=0, description="and only on a sharp page: blur fades small print everywhere (softness)"
    )


class CutOff(Strict):
    density_max: float = Field(gt=0, description="cut components per text height of one side")
    touching_min: int = Field(ge=1, description="and at least this many of them")


class Screen(Strict):
    peak_min: float = Field(gt=1, description="spectral peak / median at screen-grid periods")
    peak_max: float = Field(gt=1, description="above it the pattern is printed on a page made by a computer")


class Blank(Strict):
    ink_min: float = Field(ge=0, le=1, description="share of cells holding print below which the page is blank")


class Thresholds(Strict):
    low_resolution: LowResolution
    blur: Blur
    glare: Glare
    cut_off: CutOff
    screen: Screen
    blank: Blank
    advice: dict[QualityIssue, str]

    @model_validator(mode="after")
    def _every_issue_advised(self) -> Thresholds:
        missing = [i.value for i in QualityIssue if not self.advice.get(i)]
        if missing:
            raise ValueError(f"advice: no advice for {', '.join(missing)}")
        return self


def load_thresholds(path: Path) -> Thresholds:
    """Raises intake.datafile.DataFileError naming the file and the key."""
    return load(Thresholds, path, "page-quality thresholds")


@cache
def default_thresholds() -> Thresholds:
    return load_thresholds(packaged("intake.ocr", "quality.yaml"))


@dataclass
class Measures:
    long_side: int
    text_height: float
    edge_px: float
    blur: float
    softness: float
    anisotropy: float
    streak: float
    paper: float
    glare: float
    faded: float
    cut_off: float
    cut_touching: int
    screen: float
    screen_best: float
    ink: float

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.__dict__.items()}


def _grey(image: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """The picture in grey at analysis size, the factor from it back to the upload's px, and the
    grey picture at the upload's size."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else np.ascontiguousarray(image)
    long = max(grey.shape[:2])
    if long <= ANALYSIS_LONG_SIDE:
        return grey, 1.0, grey
    f = ANALYSIS_LONG_SIDE / long
    return cv2.resize(grey, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), 1 / f, grey


def _ink(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ink (dark print on lighter paper), the paper level around each pixel and the darkest ink there.

    A pixel is ink when it is darker than the paper by half the local contrast: a fixed step would
    lose the soft edges of blurred print and shrink its characters, which would then look small."""
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
    # A noisy scan's grain spans 40 grey levels within a window: smoothed first, it is not ink.
    soft = cv2.blur(grey, (3, 3))
    paper = cv2.dilate(soft, k)
    floor = cv2.erode(soft, k)
    contrast = paper.astype(np.int16) - floor
    ink = (2 * (paper.astype(np.int16) - soft) > contrast) & (contrast > INK_CONTRAST) & (paper >= PAPER_MIN)
    return ink.astype(np.uint8), paper, floor


def _components(ink: np.ndarray) -> np.ndarray:
    """Stats (x, y, w, h, area) of the ink components that could be print: not specks, not rules."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    s: np.ndarray = np.asarray(stats[1:])
    h, w = s[:, cv2.CC_STAT_HEIGHT], s[:, cv2.CC_STAT_WIDTH]
    keep = (s[:, cv2.CC_STAT_AREA] >= 4) & (h >= 2) & (w <= 6 * h) & (h <= 6 * w) & (h < ink.shape[0] / 8)
    out: np.ndarray = s[keep]
    return out


def _edge_widths(
    grey: np.ndarray, paper: np.ndarray, floor: np.ndarray, tiles: list[tuple[int, int, int, int]]
) -> tuple[list[float], list[float]]:
    """Median edge width (px) in 4 directions over the tiles: the local contrast over the steepest
    step across an edge. A sharp edge is 2 px wide (the central difference), a blurred one wider."""
    shifts = ((0, 1), (1, 0), (1, 1), (1, -1))
    ratios: list[list[np.ndarray]] = [[] for _ in shifts]
    # And the edges too gentle for STEEP_EDGE, which are all a strongly defocused page has left.
    gentle: list[list[np.ndarray]] = [[] for _ in shifts]
    tensor = [0.0, 0.0, 0.0]  # sums of gx², gy², gx·gy over the print's neighbourhood
    for y0, y1, x0, x1 in tiles:
        g = grey[y0:y1, x0:x1].astype(np.float32)
        contrast = (paper[y0:y1, x0:x1].astype(np.float32) - floor[y0:y1, x0:x1])[2:-2, 2:-2]
        strong = contrast >= max(30.0, 0.5 * float(contrast.max()))
        gx = (g[2:-2, 3:-1] - g[2:-2, 1:-3])[strong]
        gy = (g[3:-1, 2:-2] - g[1:-3, 2:-2])[strong]
        tensor[0] += float((gx * gx).sum())
        tensor[1] += float((gy * gy).sum())
        tensor[2] += float((gx * gy).sum())
        for n, (dy, dx) in enumerate(shifts):
            step = math.hypot(dy, dx)
            h, w = g.shape

            def at(oy: int, ox: int, _g: np.ndarray = g, _h: int = h, _w: int = w) -> np.ndarray:
                return _g[2 + oy : _h - 2 + oy, 2 + ox : _w - 2 + ox]

            # Central difference along the direction, and its neighbours, for the edge centres.
            d0 = np.abs(at(dy, dx) - at(-dy, -dx)) / (2 * step)
            d1 = np.abs(at(2 * dy, 2 * dx) - at(0, 0)) / (2 * step)
            dm = np.abs(at(0, 0) - at(-2 * dy, -2 * dx)) / (2 * step)
            peak = strong & (d0 >= d1) & (d0 >= dm) & (d0 >= GENTLE_EDGE)
            centre = peak & (d0 >= STEEP_EDGE)
            if centre.any():
                ratios[n].append(d0[centre] / contrast[centre])
            if peak.any():
                gentle[n].append(d0[peak] / contrast[peak])
    out = []
    for r, soft in zip(ratios, gentle, strict=True):
        vals = np.concatenate(r) if r else np.empty(0)
        if len(vals) < 30 and soft:
            # No steep edge in this direction: the gentle ones measure it (train seed 11: a photo
            # defocused by 12 px had none, its edges were not measured and the page passed).
            vals = np.concatenate(soft)
        # 1 / ratio is the width over which the contrast is crossed; the steepest quarter of the
        # edges, because a slanted stroke meets a direction at an angle and looks wider than it is.
        out.append(float(1 / np.percentile(vals, 75)) if len(vals) >= 30 else math.inf)
    return out, tensor


def _tiles(
    ink: np.ndarray, size: int, count: int, typical: bool = False, least: float = 0.01
) -> list[tuple[int, int, int, int]]:
    """The `count` tiles of side `size` holding the most ink (where edges are print's edges), or
    with typical: spread over the middle of the inked tiles' range, because the inkiest tiles of a
    page are its QR code and its seal, whose modules and ring letters are not its text's size."""
    h, w = ink.shape
    ny, nx = max(1, h // size), max(1, w // size)
    cells = cv2.resize(ink[: ny * size, : nx * size].astype(np.float32), (nx, ny), interpolation=cv2.INTER_AREA)
    order = np.argsort(cells, axis=None)[::-1]
    if typical:
        inked = order[cells.flat[order] > 0.01]
        lo, hi = int(0.1 * len(inked)), max(int(0.75 * len(inked)), 1)
        middle = inked[lo:hi]
        order = middle[np.linspace(0, len(middle) - 1, min(count, len(middle))).astype(int)] if len(middle) else middle
    else:
        order = order[:count]
    return [
        (int(i // nx) * size, int(i // nx) * size + size, int(i % nx) * size, int(i % nx) * size + size)
        for i in order
        if cells.flat[i] > least
    ]


SPECTRUM_SIDE = 64
SPECTRUM_TILES = 4
SCREEN_AGREE = 3  # of the SPECTRUM_TILES tiles
SCREEN_MIN_LEVELS = 4.0  # grey levels; a screen's grid prints 6-36 on a photo's paper (train seeds 1-5), a
# form's tint washed out by a grainy scan 1-4 (a screen told on 2 of 60 such scans at 1.5)


@cache
def _spectrum_masks() -> tuple[np.ndarray, np.ndarray]:
    """The window, and the frequencies looked at: periods of 2-7 px, less JPEG's block grid."""
    n = SPECTRUM_SIDE
    win = np.outer(np.hanning(n), np.hanning(n)).astype(np.float32)
    fy, fx = np.meshgrid(np.fft.fftfreq(n), np.fft.rfftfreq(n), indexing="ij")
    radius = np.hypot(fy, fx)
    band = (radius > 1 / 7) & (radius < 0.5)
    # JPEG's 8x8 blocks print peaks at multiples of 1/8 along both axes: not a screen's.
    eighth = (np.abs(fx * 8 - np.round(fx * 8)) < 0.02) | (np.abs(fy * 8 - np.round(fy * 8)) < 0.02)
    return win, band & ~eighth


def _rising(amp: np.ndarray) -> np.ndarray:
    """Where a half spectrum (rows wrap round, columns from 0) is above its neighbour one bin
    nearer the centre along its main axis: a peak rises from there, a line's spectrum falls."""
    n = amp.shape[0]
    fy = np.fft.fftfreq(n, 1 / n).astype(int)[:, None] * np.ones((1, amp.shape[1]), int)
    fx = np.arange(amp.shape[1])[None, :] * np.ones((n, 1), int)
    along_y = np.abs(fy) >= fx
    iy = np.where(along_y, fy - np.sign(fy), fy) % n
    ix = np.where(along_y, fx, np.maximum(fx - 1, 0))
    out: np.ndarray = amp > amp[iy, ix]
    return out


def _screen_peak(grey: np.ndarray, ink: np.ndarray, full: np.ndarray) -> tuple[float, float]:
    """How far the strongest peak of the spectrum at 2-7 px periods stands above the spectrum's
    median there, in the blankest bright tiles: the SCREEN_AGREE-th strongest of the tiles peaking
    at one frequency, and the strongest of them (a page made by a computer peaks at thousands).
    On paper those tiles are flat (noise: a ratio of a few); on a screen even white is drawn by its
    pixel grid, one frequency standing far out. Print is not looked at: a table's rules and its
    rows' spacing are periodic too. The spectra are taken on the upload's own pixels (`full`):
    JPEG's block grid is 8 of them, and only there is it where the mask leaves it out."""
    n = SPECTRUM_SIDE
    win, band = _spectrum_masks()
    h, w = grey.shape
    ny, nx = h // n, w // n
    if not ny or not nx:
        return 0.0, 0.0
    g = grey[: ny * n, : nx * n]
    inked = cv2.resize(ink[: ny * n, : nx * n].astype(np.float32), (nx, ny), interpolation=cv2.INTER_AREA)
    light = cv2.resize(g, (nx, ny), interpolation=cv2.INTER_AREA).astype(np.float32)
    # Paper between the lines of print: inside the print's extent (not the desk around a photo,
    # whose cloth and wood grain can be as regular as a screen), brighter than most, least inked.
    ys, xs = np.nonzero(inked > 0.01)
    inside = np.zeros_like(inked, dtype=bool)
    if len(ys):
        inside[ys.min() + 1 : ys.max(), xs.min() + 1 : xs.max()] = True
    if not inside.any():
        return 0.0, 0.0
    bright = inside & (light >= np.median(light[inside]))
    order = [i for i in np.argsort(np.where(bright, inked, np.inf), axis=None) if bright.flat[i]][:SPECTRUM_TILES]
    peaks: list[tuple[float, int, int]] = []  # ratio, and where in the spectrum
    fy, fx = np.nonzero(band)
    for i in order:
        y, x = divmod(int(i), nx)
        fy0, fx0 = y * n * full.shape[0] // h, x * n * full.shape[1] // w
        crop = full[fy0 : fy0 + n, fx0 : fx0 + n].astype(np.float32)
        if crop.shape != (n, n):
            continue
        crop -= crop.mean()
        amp = np.abs(np.fft.rfft2(crop * win))
        vals = amp[band]
        med = float(np.median(vals))
        # Only a peak: a straight line through the tile (a table's rule, most of all a slanted one)
        # spreads along a ray from the centre, falling outwards, strongest at the band's inner edge,
        # and stood 400 times over the median there (train claims: a skewed photo of a
        # tabular invoice, its least-inked tiles crossed by rules, told a screen at period 6.4 px).
        k = int(np.argmax(np.where(_rising(amp)[band], vals, -1.0)))
        # The peak's amplitude in grey levels (a sinusoid of amplitude a peaks at a * sum(win) / 2):
        # a blurred page's paper is so flat that its JPEG noise alone stands out of its median.
        if med > 1e-3 and float(vals[k]) * 2 / float(win.sum()) >= SCREEN_MIN_LEVELS:
            peaks.append((float(vals[k]) / med, int(fy[k]), int(fx[k])))
    # A screen's grid is everywhere on it, at one frequency: SCREEN_AGREE of the tiles must show
    # the same peak, and the weakest of them is the measure, not just some other regular patch (a
    # woven cloth, a wood grain) or a form's printed tint half washed out by a scan, whose cross-
    # hatch peaks in two of the tiles (train seeds 2 and 4: grainy blurred scans and a blank scan
    # of a tinted form at 145-450 in two tiles, told photos of a screen; real screens agree in 4 of 4).
    peaks.sort(reverse=True)
    if len(peaks) < SCREEN_AGREE:
        return 0.0, 0.0
    best, strongest = 0.0, 0.0
    for _, by, bx in peaks:
        agree = [r for r, py, px in peaks if min(abs(py - by), n - abs(py - by)) <= 2 and abs(px - bx) <= 2]
        # Within the window's main lobe (2 bins): a grid turned by a degree straddles two bins, and
        # tile by tile lands on either (train seed 2: fy = +1 and -1 at fx = 19).
        if len(agree) >= SCREEN_AGREE:
            ranked = sorted(agree, reverse=True)
            if ranked[SCREEN_AGREE - 1] > best:
                best, strongest = ranked[SCREEN_AGREE - 1], ranked[0]
    return best, strongest


SAMPLE_TILE = 200  # px; text size is measured in a sample of tiles of this side, not the whole page (cost)
SAMPLE_TILES = 24
TEXT_HEIGHT_PERCENTILE = 75
TEXT_MIN_COMPONENTS = 10


def _text_height(ink: np.ndarray) -> float:
    """The height of the print's characters: the upper quartile of the heights of ink components
    shaped like characters, in a sample of tiles (0 when there are too few to say).

    Components, not the runs of rows holding ink: on a grey scan with faded toner and grain (the
    claims bench's `scan` recipe) a table's rules break into dashes that no opening removes, and
    each became a "line of print" 4-5 px high; on a page with a QR code the rows and columns looked
    alike and the page was read sideways (train families: 4-6 px for 15-22 px print on 5 of 60
    pages of complete claims). The shape filter drops specks (grain, dust), rules and frames (long
    and thin), and blots (a seal's fill, a photo's shadow: too big or too sparse). A CJK character
    falls apart into radicals, but most of its parts (left-right ones, 口, digits) are as tall as
    it: the upper quartile is its height. No closing to join strokes that grain broke apart: at a
    thumbnail's 4-7 px it joins the lines too (train: 11 px for 7 px print)."""
    heights = _character_heights(ink, _tiles(ink, SAMPLE_TILE, SAMPLE_TILES, typical=True))
    if len(heights) < TEXT_MIN_COMPONENTS:
        # A sparse page (a last page with a signature and a date): the sample's middle tiles hold
        # too few characters; the whole page is looked at (train: a photographed discharge
        # summary's page 2, 6 lines of print, was told blank).
        h, w = ink.shape
        heights = _character_heights(ink, [(0, h, 0, w)])
    if len(heights) < TEXT_MIN_COMPONENTS:
        return 0.0
    return float(np.percentile(heights, TEXT_HEIGHT_PERCENTILE))


def _character_heights(ink: np.ndarray, tiles: list[tuple[int, int, int, int]]) -> np.ndarray:
    """Heights of the components shaped like characters (or their parts) within the tiles."""
    found: list[np.ndarray] = []
    for y0, y1, x0, x1 in tiles:
        tile = np.ascontiguousarray(ink[y0:y1, x0:x1])
        _, _, stats, _ = cv2.connectedComponentsWithStats(tile, connectivity=8)
        s = stats[1:]
        x, y = s[:, cv2.CC_STAT_LEFT], s[:, cv2.CC_STAT_TOP]
        h, w, area = s[:, cv2.CC_STAT_HEIGHT], s[:, cv2.CC_STAT_WIDTH], s[:, cv2.CC_STAT_AREA]
        keep = (
            (area >= 6)
            & (h >= 3)
            & (w <= 3 * h)
            & (h <= 6 * w)
            & (h < ink.shape[0] / 8)
            & (area >= 0.15 * h * w)
            # Cut by the tile's sides, a character is shorter than it is.
            & ((x > 0) | (x0 == 0))
            & ((y > 0) | (y0 == 0))
            & ((x + w < tile.shape[1]) | (x1 >= ink.shape[1]))
            & ((y + h < tile.shape[0]) | (y1 >= ink.shape[0]))
        )
        found.append(h[keep])
    return np.concatenate(found) if found else np.empty(0, int)


CUT_PAGE_DROP = 70  # grey levels under the paper's level, averaged over 2 text heights
CUT_PAGE_DEPTH = 2.0  # text heights in from the edge where the page is looked for (train: 1.0 lost a cut page)


def _cut_off(ink: np.ndarray, grey: np.ndarray, text_height: float) -> tuple[float, int]:
    """The side of the picture most cut through by print: text-sized components touching it, per
    text height of its length, and how many.

    Only where the page reaches the frame: a desk's or a cloth's pattern at the picture's edge is
    the size of characters too (train claims: a whole page photographed on a gingham cloth, 70
    checks along one side, told cut off). Around print the paper, averaged over 2 text heights,
    stays within CUT_PAGE_DROP of the paper's level; around a desk's pattern it does not."""
    h, w = ink.shape
    strip = max(4, round(3 * text_height))
    k = max(3, round(2 * text_height)) | 1
    blank = grey[ink == 0]
    level = float(np.percentile(blank if blank.size else grey, 75))
    page = cv2.blur(grey, (k, k)) >= level - CUT_PAGE_DROP
    on_page = {
        "top": page[:strip],
        "bottom": page[h - strip :][::-1],
        "left": page[:, :strip].T,
        "right": page[:, w - strip :].T[::-1],
    }
    best, count = 0.0, 0
    for side, length in (("top", w), ("bottom", w), ("left", h), ("right", h)):
        band = {
            "top": ink[:strip],
            "bottom": ink[h - strip :],
            "left": ink[:, :strip].T,
            "right": ink[:, w - strip :].T,
        }
        part = np.ascontiguousarray(band[side] if side in ("top", "left") else band[side][::-1])
        _, _, stats, _ = cv2.connectedComponentsWithStats(part, connectivity=8)
        s = stats[1:]
        # Touching the picture's edge (row 0 of the band), and no bigger than a few characters.
        # Print cut by the frame leaves gaps between its characters; dark along most of the side
        # is a scanner lid's shadow, a table's border or a screen's frame.
        hits = (
            (s[:, cv2.CC_STAT_TOP] == 0) & (s[:, cv2.CC_STAT_WIDTH] <= 3 * text_height) & (s[:, cv2.CC_STAT_AREA] >= 4)
        )
        # Whether the page is there within CUT_PAGE_DEPTH of the edge, across from the component's
        # middle (a line of print cut by the frame has paper between its characters or lines).
        row: np.ndarray = np.asarray(on_page[side][: max(1, round(CUT_PAGE_DEPTH * text_height))].any(axis=0))
        middle = np.clip(s[:, cv2.CC_STAT_LEFT] + s[:, cv2.CC_STAT_WIDTH] // 2, 0, len(row) - 1)
        k = int((hits & row[middle]).sum())
        density = k / max(1.0, length / text_height)
        if density > best:
            best, count = density, k
    return best, count


def _faded(grey: np.ndarray, cell: int) -> float:
    """Share of the print's neighbourhoods whose darkest ink is faded to a grey (FADED_CONTRAST).

    A lamp's reflection on white paper blows the paper out where it already was white, so clipped
    white says nothing there (a clean upload's paper is 255 everywhere); but its halo lightens the
    print around the blown-out core, and a sharp page's print is otherwise about as dark everywhere
    (train claims: good pages 0.00-0.07, glare on white paper 0.18-0.54). Each cell's darkest pixel
    is taken against the page's paper and its dark ink; a neighbourhood of 3 x 3 cells is faded when
    its darkest is a grey, so that a cell of light strokes next to dark ones is not."""
    h, w = grey.shape
    ny, nx = h // cell, w // cell
    if ny < 3 or nx < 3:
        return 0.0
    mins = grey[: ny * cell, : nx * cell].reshape(ny, cell, nx, cell).min(axis=(1, 3)).astype(np.float32)
    paper = float(np.percentile(grey, 90))
    dark_cells = mins[mins < paper - INK_CONTRAST]
    if not dark_cells.size:
        return 0.0
    dark = float(np.percentile(dark_cells, 20))
    contrast = np.clip((paper - mins) / max(paper - dark, 1.0), 0, 1)
    near = cv2.dilate(contrast, np.ones((3, 3), np.uint8))
    inked = near > FADED_CONTRAST[0]
    faded = inked & (near < FADED_CONTRAST[1])
    if not inked.any() or not faded.any():
        return 0.0
    # One lamp makes one halo: the largest patch of faded neighbourhoods counts, not faded ones
    # scattered over the page, which is how a slight blur or a privacy box fades small print
    # (train trainA: a skewed upload of a good page measured 0.18 scattered).
    _, _, stats, _ = cv2.connectedComponentsWithStats(faded.astype(np.uint8), connectivity=8)
    return float(stats[1:, cv2.CC_STAT_AREA].max() / inked.sum())


def measure(image: np.ndarray) -> Measures:
    grey, back, full = _grey(image)
    h, w = grey.shape
    ink, paper, floor = _ink(grey)
    text_height = _text_height(ink)

    # Ink coverage on a grid of cells 4 text heights square (2% of the long side when unknown).
    cell = max(8, round(4 * text_height) if text_height else round(0.02 * max(h, w)))
    ny, nx = max(1, h // cell), max(1, w // cell)
    cells = cv2.resize(ink[: ny * cell, : nx * cell].astype(np.float32), (nx, ny), interpolation=cv2.INTER_AREA)
    inked = cells > 0.005
    ink_share = float(inked.mean())

    blur, softness, anisotropy, edge_px, streak = 0.0, 0.0, 1.0, 0.0, 1.0
    if text_height or ink_share:
        # Without a text height (print too soft to find its lines), edges are still measured: so
        # wide an edge is blur whatever the print's size.
        tile = max(32, min(128, round(6 * text_height))) if text_height else 96
        # Not along the picture's sides: a scanner lid's dark strip is a straight, soft edge the
        # length of the page, and on a sparse page its tiles were the inkiest (train: a discharge
        # summary's page 2, scanned, told motion-blurred with a streak of 437).
        margin = round(EDGE_MARGIN * min(h, w))
        inner = ink.copy()
        inner[:margin], inner[h - margin :], inner[:, :margin], inner[:, w - margin :] = 0, 0, 0, 0

        def within(tiles: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
            return [t for t in tiles if min(t[0], t[2]) >= margin and t[1] <= h - margin and t[3] <= w - margin][:16]

        # A faint scan defocused by 6-12 px keeps ink only in specks of its print (1.5% of the
        # page): no tile holds 1% of ink, and its edges went unmeasured (train: 5 such pages of
        # 30 passed). Its inkiest tiles are still where its print is.
        inside = within(_tiles(inner, tile, 32)) or within(_tiles(inner, tile, 32, least=0.0005))
        widths, (jxx, jyy, jxy) = _edge_widths(grey, paper, floor, inside)
        # A streak leaves the edges across it as steep as they were (a line smeared by a straight
        # kernel is a plateau with sharp ends) but takes the detail along it, in whatever direction
        # it ran: the gradients' structure tensor has a weak axis along the streak. Print's own
        # strokes run every way (and CJK's both ways about equally), so its axes are about even.
        mean, half = (jxx + jyy) / 2, math.hypot((jxx - jyy) / 2, jxy)
        streak = (mean + half) / (mean - half) if mean - half > 1e-6 else (1.0 if mean < 1e-6 else 100.0)
        finite = [x for x in widths if math.isfinite(x)]
        if finite:
            edge_px = max(finite) * back
            blur = max(finite) / text_height if text_height else 0.0
            softness = max(max(finite) - SHARP_EDGE, 0.0) / text_height if text_height else 0.0
            # Axis against axis and diagonal against diagonal: upright CJK strokes look wider to a
            # diagonal step than to an axis one, on the sharpest page.
            pairs = [(a, b) for a, b in ((widths[0], widths[1]), (widths[2], widths[3])) if math.isfinite(a * b)]
            anisotropy = max((max(a, b) / min(a, b) for a, b in pairs), default=1.0)

    # Glare: clipped white over the part of the picture with print (the paper's level decides
    # whether clipped white can be glare at all: on a scan the paper itself is clipped).
    glare = 0.0
    small = cv2.resize(grey, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    region = small
    if inked.any():
        ys, xs = np.nonzero(inked)
        y0, y1 = int(ys.min() * cell) // 4, int((ys.max() + 1) * cell) // 4
        x0, x1 = int(xs.min() * cell) // 4, int((xs.max() + 1) * cell) // 4
        region = small[y0:y1, x0:x1] if y1 > y0 and x1 > x0 else small
    paper_level = float(np.percentile(region, 60))
    glare = float((region >= 252).mean())
    faded = _faded(grey, cell)

    screen, screen_best = _screen_peak(grey, ink, full)
    cut, touching = _cut_off(ink, grey, text_height) if text_height else (0.0, 0)

    return Measures(
        long_side=round(max(h, w) * back),
        text_height=text_height * back,
        edge_px=edge_px,
        blur=blur,
        softness=softness,
        anisotropy=anisotropy,
        streak=streak,
        paper=paper_level,
        glare=glare,
        faded=faded,
        cut_off=cut,
        cut_touching=touching,
        screen=screen,
        screen_best=screen_best,
        ink=ink_share,
    )


class QualityGate:
    """Holds the thresholds; create once (ClaimReader does) and call assess per page."""

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or default_thresholds()

    def measure(self, image: np.ndarray) -> Measures:
        return measure(image)

    def advice(self, issue: QualityIssue) -> str:
        return self.thresholds.advice[issue]

    def judge(self, m: Measures) -> PageQuality:
        t = self.thresholds
        found: list[QualityFinding] = []
        # A thumbnail first: its print is too small to be found at all, and it was told blank
        # (train: faint grey scans shrunk to 190-270 px, the member told to photograph the
        # printed side, where the advice is to upload the original picture).
        if m.long_side < t.low_resolution.long_side_min:
            found.append(QualityFinding(QualityIssue.LOW_RESOLUTION, m.long_side, t.low_resolution.long_side_min))
            return PageQuality(found, m.as_dict())
        # A page with (almost) no print is blank: nothing else about it can be measured.
        soft = not m.text_height and m.edge_px > t.blur.edge_px_max
        if m.ink < t.blank.ink_min or (not m.text_height and not soft and m.screen < t.screen.peak_min):
            # No line of print found: a photographed blank page still has edges (the paper's
            # outline, the desk), but none of them are lines of text.
            found.append(QualityFinding(QualityIssue.BLANK, m.ink, t.blank.ink_min))
            return PageQuality(found, m.as_dict())
        if 0 < m.text_height < t.low_resolution.text_height_min and m.edge_px <= t.low_resolution.edge_px_max:
            found.append(QualityFinding(QualityIssue.LOW_RESOLUTION, m.text_height, t.low_resolution.text_height_min))
        # The tiles' strongest peak against peak_max: a printed tint on a pristine page peaks at
        # thousands in some tiles and less where a seal or a line crosses it (train seeds 7 and 11:
        # two such PNGs at 3rd-strongest 110-1500, told screens, when the limit was on the 3rd).
        if m.screen >= t.screen.peak_min and m.screen_best < t.screen.peak_max:
            # The moiré breaks a screen's characters into stripes 3-7 px high: their height is the
            # grid's, not the print's (train seeds 1-5: 5 screen photos also told too small).
            found = [f for f in found if f.issue is not QualityIssue.LOW_RESOLUTION]
            found.append(QualityFinding(QualityIssue.SCREEN, m.screen, t.screen.peak_min))
        elif not found:
            # A streak lengthens the lines it runs across, and so hides in the text's height: a
            # blur with a direction is judged by a lower limit.
            streaked = m.streak > t.blur.streak_min or m.anisotropy > t.blur.motion_anisotropy
            limit = t.blur.motion_width_max if streaked else t.blur.width_max
            # Blurred blobs of print measure as large print, and their softness per text height
            # then looks mild: an edge as wide as no readable page shows is blur whatever the height.
            wide = m.edge_px > t.blur.wide_edge_px and m.softness > t.blur.wide_edge_softness
            if m.softness > limit or soft or wide:
                motion = m.streak > t.blur.motion_streak or m.anisotropy > t.blur.motion_anisotropy
                issue = QualityIssue.MOTION_BLUR if motion else QualityIssue.FOCUS_BLUR
                found.append(QualityFinding(issue, m.blur if m.text_height else m.edge_px, limit))
        if m.glare > t.glare.area_max and m.paper < t.glare.paper_max:
            found.append(QualityFinding(QualityIssue.GLARE, m.glare, t.glare.area_max))
        elif m.paper >= t.glare.paper_max and m.faded > t.glare.faded_max and m.softness <= t.glare.faded_softness_max:
            # On white paper the blown-out core is white like the paper; its halo shows as faded print.
            found.append(QualityFinding(QualityIssue.GLARE, m.faded, t.glare.faded_max))

        # A screen's picture ends at its bezel, and its moiré runs into the frame's edge as blobs of
        # a character's size: not paper cut off (train seeds 1-5: 17 of 36 screen photos were also
        # told cut off, none of them were). The screen's advice (upload the original) is the one.
        screen = any(f.issue is QualityIssue.SCREEN for f in found)
        if not screen and m.cut_off > t.cut_off.density_max and m.cut_touching >= t.cut_off.touching_min:
            found.append(QualityFinding(QualityIssue.CUT_OFF, m.cut_off, t.cut_off.density_max))
        return PageQuality(found, m.as_dict())

    def assess(self, image: np.ndarray) -> PageQuality:
        """The gate's verdict on one decoded page (BGR, or grey)."""
        return self.judge(measure(image))
