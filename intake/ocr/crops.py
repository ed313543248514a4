"""Cutting a detected text line out of the page."""

import cv2
import numpy as np


def crop_line(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The text line inside a detected quadrilateral, warped flat; vertical lines turned to read across."""
    quad = quad.astype(np.float32)
    w = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    h = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    w, h = max(w, 1), max(h, 1)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(quad, dst)
    crop = cv2.warpPerspective(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    if h >= 1.5 * w:
        crop = np.ascontiguousarray(np.rot90(crop))
    return crop
