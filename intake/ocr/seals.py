"""Red seals: where they are, their shape, and the text around their ring.

Later stages need to know whether an employer certificate carries its unit's seal and whose
name the seal bears. The ring text is read by unrolling the ring into a straight strip (a polar
warp) and giving that strip to the line recogniser.
"""

from __future__ import annotations

import cv2
import numpy as np

from intake.ocr.engines import Engine
from intake.ocr.types import Seal


def find_seals(mask: np.ndarray, min_diameter: int) -> list[tuple[tuple[int, int, int, int], str]]:
    """Boxes and shapes of red stamps in a red-ink mask (see preprocess.red_mask)."""
    m = mask.astype(np.uint8) * 255
    k = max(3, min_diameter // 8)
    closed = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for c in contours:
        x, y, w, h = cv2.boundingRect(c)
        if max(w, h) < min_diameter or min(w, h) < min_diameter * 0.4:
            continue
        ink = int(np.count_nonzero(m[y : y + h, x : x + w]))
        if ink < 0.04 * w * h:  # a faint scatter of red pixels, not a stamp
            continue
        aspect = w / h
        if 0.8 <= aspect <= 1.25:
            # A rectangle fills its corners; a circle leaves them empty.
            corner = m[y : y + h // 6, x : x + w // 6]
            shape = "rect" if corner.size and np.count_nonzero(corner) > 0.15 * corner.size else "round"
        elif aspect > 1.25 and h > min_diameter * 0.5:
            shape = "oval" if _elliptic(c) else "rect"
        else:
            shape = "rect"
        found.append(((x, y, x + w, y + h), shape))
    return found


def _elliptic(contour: np.ndarray) -> bool:
    if len(contour) < 5:
        return False
    (_, _), (ma, mb), _ = cv2.fitEllipse(contour)
    _, _, w, h = cv2.boundingRect(contour)
    return abs(np.pi * ma * mb / 4 - cv2.contourArea(contour)) < 0.35 * w * h


def ring_strip(mask: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The ring of a round seal unrolled into a line of dark text on white, reading left to right.

    Ring characters stand with their tops toward the rim and read clockwise over the top, from
    about eight o'clock to four o'clock.
    """
    x0, y0, x1, y1 = box
    crop = (mask[y0:y1, x0:x1].astype(np.uint8)) * 255
    h, w = crop.shape
    r = min(h, w) / 2
    center = (w / 2, h / 2)
    steps = int(2 * np.pi * r)
    polar = cv2.warpPolar(crop, (int(r), steps), center, r, cv2.WARP_POLAR_LINEAR)
    # rows are angles clockwise from 3 o'clock; columns are radius. Take 130°..410° wrapping.
    start, stop = int(steps * 130 / 360), int(steps * 410 / 360)
    rows = np.concatenate([polar, polar])[start:stop]
    band = rows[:, int(r * 0.5) : int(r * 0.97)]
    strip = np.ascontiguousarray(band.T[::-1])  # radius up, angle across: outer rim on top
    strip = 255 - strip
    target_h = 48
    scale = target_h / strip.shape[0]
    strip = cv2.resize(strip, (max(1, int(strip.shape[1] * scale)), target_h), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(strip, cv2.COLOR_GRAY2BGR)


def read_seals(engine: Engine, mask: np.ndarray, min_diameter: int) -> list[Seal]:
    seals = []
    for box, shape in find_seals(mask, min_diameter):
        seal = Seal(box=box, shape=shape)
        if shape == "round":
            reading = engine.recognize([ring_strip(mask, box)])[0]
            seal.text, seal.confidence = reading.text.strip(), reading.score
        seals.append(seal)
    return seals
