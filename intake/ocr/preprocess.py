"""Page clean-up before OCR, each step one function on a BGR array.

Order matters: a phone photo is first cut out of its background and flattened, then turned
upright, then straightened; red ink is lightened last, on the page OCR will read.
"""

from __future__ import annotations

import cv2
import numpy as np

ROTATIONS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def red_mask(image: np.ndarray) -> np.ndarray:
    """Pixels of red stamp ink: red well above both other channels, on paper or over print."""
    b, g, r = (image[..., i].astype(np.int16) for i in range(3))
    return ((r - np.maximum(g, b)) > 38) & (r > 90)


def suppress_red(image: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Replace each red pixel by its brightest channel, a light grey.

    Painting red white erases the black strokes under the seal and leaves white shapes on tinted
    paper; the brightest channel keeps black print black (it has no bright channel) and turns the
    seal into a faint grey the recogniser ignores.
    """
    mask = red_mask(image) if mask is None else mask
    if not mask.any():
        return image
    out = image.copy()
    brightest = image.max(axis=2)
    out[mask] = brightest[mask][:, None]
    return out


def rotate_quarter(image: np.ndarray, degrees: int) -> np.ndarray:
    return image if degrees % 360 == 0 else cv2.rotate(image, ROTATIONS[degrees % 360])


def deskew(image: np.ndarray, degrees: float, border: int | None = None) -> np.ndarray:
    """Rotate by a small angle about the centre, growing the canvas so no corner is cut off."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    if border is None:
        # Fill the grown corners with the page's own edge colour, not black.
        edge = image[[0, -1]].reshape(-1, image.shape[2] if image.ndim == 3 else 1)
        fill = tuple(int(v) for v in np.median(edge, axis=0))
    else:
        fill = (border,) * (image.shape[2] if image.ndim == 3 else 1)
    return cv2.warpAffine(image, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=fill)


def _order_quad(pts: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left."""
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32)


def find_page(image: np.ndarray, min_area: float) -> np.ndarray | None:
    """The page's four corners in a photo of a page lying on something darker, or None.

    Paper is the large bright, unsaturated region; a table, a hand or a shadowed desk is not.
    None when the page already fills the frame (a scan) or no clean outline is found.
    """
    h, w = image.shape[:2]
    scale = 800 / max(h, w)
    small = cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    sat, val = hsv[..., 1].astype(np.int16), hsv[..., 2].astype(np.int16)
    paperness = np.clip(val - sat, 0, 255).astype(np.uint8)
    paperness = cv2.GaussianBlur(paperness, (7, 7), 0)
    _, bw = cv2.threshold(paperness, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bw = cv2.morphologyEx(bw, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(bw, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    page = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(page) / (small.shape[0] * small.shape[1])
    if area < min_area or area > 0.96:
        return None
    hull = cv2.convexHull(page)
    peri = cv2.arcLength(hull, True)
    quad = None
    for eps in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) == 4:
            quad = approx.reshape(4, 2).astype(np.float32)
            break
    if quad is None:
        quad = cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float32)
    quad = _order_quad(quad / scale)
    return quad if _page_shaped(quad) else None


# A page photographed by hand shrinks its far edge by a few percent to a fifth (the generator's
# photos: at most 16%); a quad whose opposite sides differ more is not the page's outline but
# part of it: a tinted shadow over one side of a train-family certificate read as no paper, and
# flattening that outline cut the page through its seal and its employer's name. Then the photo
# is read as it is.
_SIDE_RATIO_MIN = 0.7


def _page_shaped(quad: np.ndarray) -> bool:
    tl, tr, br, bl = quad
    top, bottom = np.linalg.norm(tr - tl), np.linalg.norm(br - bl)
    left, right = np.linalg.norm(bl - tl), np.linalg.norm(br - tr)
    return bool(
        min(top, bottom) >= _SIDE_RATIO_MIN * max(top, bottom)
        and min(left, right) >= _SIDE_RATIO_MIN * max(left, right)
    )


def flatten(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Warp the page inside quad to an upright rectangle of its own size."""
    tl, tr, br, bl = quad
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    dst = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    m = cv2.getPerspectiveTransform(quad, dst)
    return cv2.warpPerspective(image, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
