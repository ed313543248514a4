"""PP-OCR text detection (DB) and line orientation on our own ONNX Runtime sessions.

rapidocr ran these for us, but building a RapidOCR object costs seconds on a cold start: importing
it pulls in its model resolver, config system (omegaconf) and every engine (about 1.2 s measured
with -X importtime), and it opens sessions for all three models. The steps themselves are small
and are rapidocr's own, reproduced here step for step (its resizes to multiples of 32, the vertical
padding of very wide images, the DB post-processing with the same thresholds, unclip and box
order), so that the boxes are the ones rapidocr found: tests/test_ocr_pipeline.py compares them.
The orientation classifier's crops are batched (its input has a fixed size, so batching pads
nothing); rapidocr was called once per crop.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

# rapidocr's defaults (rapidocr/config.yaml), the ones this engine always ran with.
MIN_SIDE = 30  # Global.min_side_len: smaller images are scaled up first
MAX_SIDE = 4000  # Global.max_side_len as this engine set it: larger images are scaled down first
PAD_MIN_HEIGHT = 30  # Global.min_height and width_height_ratio: very wide strips are padded
PAD_RATIO = 8
DB_THRESH = 0.3
DB_MAX_CANDIDATES = 1000
DB_MIN_SIZE = 3
BOX_SORT_Y = 10  # boxes whose tops are this close are one row, read left to right
CLS_SHAPE = (3, 48, 192)  # ch_ppocr_mobile_v2.0_cls input
CLS_BATCH = 6


def session(model: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # rapidocr's setting: without the arena, memory is given back after each page of a new size.
    options.enable_cpu_mem_arena = False
    # ONNX Runtime's intra-op threads spin while waiting for work by default. On 2 shared cores
    # that spinning is CPU taken from the other thread and from everything else: detecting 10
    # sample pages, interleaved runs at load ~12, took 2.4-2.7 CPU s with spinning against
    # 1.5 CPU s without (one thread: 1.4), and less wall time too (2.0-5.0 s against 3.4-7.8 s).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


def _resize32(img: np.ndarray, ratio: float) -> tuple[np.ndarray, float, float]:
    """rapidocr's reduce_max_side / increase_min_side: scale, then round each side to 32."""
    h, w = img.shape[:2]
    rh = round(int(h * ratio) / 32) * 32
    rw = round(int(w * ratio) / 32) * 32
    if rw <= 0 or rh <= 0:
        raise ValueError(f"an image of {w}×{h} cannot be scaled for the models")
    return cv2.resize(img, (rw, rh)), h / rh, w / rw


def _to_bgr(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2 or img.shape[2] == 1:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    return img


class TextDetector:
    """DB text detection: page in, quadrilaterals (4×2 float32, clockwise from top left) out."""

    def __init__(self, model: Path, *, threads: int, max_side: int, box_thresh: float, unclip_ratio: float) -> None:
        self._session = session(model, threads)
        self._input = self._session.get_inputs()[0].name
        self.max_side = max_side
        self.box_thresh = box_thresh
        self.unclip_ratio = unclip_ratio

    def __call__(self, image: np.ndarray, max_side: int | None = None) -> list[np.ndarray]:
        img = _to_bgr(image)
        ori_h, ori_w = img.shape[:2]
        ratio_h = ratio_w = 1.0
        if max(ori_h, ori_w) > MAX_SIDE:
            img, ratio_h, ratio_w = _resize32(img, MAX_SIDE / max(ori_h, ori_w))
        if min(img.shape[:2]) < MIN_SIDE:
            img, ratio_h, ratio_w = _resize32(img, MIN_SIDE / min(img.shape[:2]))
        top = 0
        h, w = img.shape[:2]
        if h <= PAD_MIN_HEIGHT or w / h > PAD_RATIO:
            top = int(abs(max(int(w / PAD_RATIO), PAD_MIN_HEIGHT) * 2 - h) / 2)
            img = cv2.copyMakeBorder(img, top, top, 0, 0, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        boxes = self._detect(img, max_side or self.max_side)
        if len(boxes) == 0:
            return []
        boxes = boxes.astype(np.float32)
        boxes[:, :, 1] -= top
        boxes[:, :, 0] *= ratio_w
        boxes[:, :, 1] *= ratio_h
        boxes = np.where(boxes < 0, 0, boxes)
        boxes[..., 0] = np.minimum(boxes[..., 0], ori_w)
        boxes[..., 1] = np.minimum(boxes[..., 1], ori_h)
        return [np.asarray(b, dtype=np.float32) for b in boxes]

    def _detect(self, img: np.ndarray, max_side: int) -> np.ndarray:
        h, w = img.shape[:2]
        ratio = max_side / max(h, w) if max(h, w) > max_side else 1.0
        if round(int(h * ratio) / 32) <= 0 or round(int(w * ratio) / 32) <= 0:
            return np.zeros((0, 4, 2), np.float32)  # a strip too thin to hold a line at this scale
        resized, _, _ = _resize32(img, ratio)
        x = (resized.astype(np.float32) * (1 / 255.0) - 0.5) / 0.5
        pred = self._session.run(None, {self._input: x.transpose(2, 0, 1)[None].astype(np.float32)})[0]
        prob = pred[0, 0]
        mask = cv2.dilate((prob > DB_THRESH).astype(np.uint8), np.ones((2, 2), np.uint8))
        boxes = self._boxes_from_bitmap(prob, mask, w, h)
        kept = []
        for box in boxes:
            box = _order_clockwise(box)
            box[:, 0] = np.clip(box[:, 0], 0, w - 1).astype(np.int64)
            box[:, 1] = np.clip(box[:, 1], 0, h - 1).astype(np.int64)
            if int(np.linalg.norm(box[0] - box[1])) <= 3 or int(np.linalg.norm(box[0] - box[3])) <= 3:
                continue
            kept.append(box)
        if not kept:
            return np.zeros((0, 4, 2), np.float32)
        return _sorted_boxes(np.array(kept))

    def _boxes_from_bitmap(self, prob: np.ndarray, bitmap: np.ndarray, dest_w: int, dest_h: int) -> list[np.ndarray]:
        height, width = bitmap.shape
        contours, _ = cv2.findContours(bitmap * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        out = []
        for contour in contours[:DB_MAX_CANDIDATES]:
            points, side = _mini_box(contour)
            if side < DB_MIN_SIZE:
                continue
            if self.box_thresh > _box_score(prob, points.reshape(-1, 2)):
                continue
            box, side = _mini_box(_unclip(points, self.unclip_ratio))
            if side < DB_MIN_SIZE + 2:
                continue
            box[:, 0] = np.clip(np.round(box[:, 0] / width * dest_w), 0, dest_w)
            box[:, 1] = np.clip(np.round(box[:, 1] / height * dest_h), 0, dest_h)
            out.append(box.astype(np.int32))
        return out


def _mini_box(contour: np.ndarray) -> tuple[np.ndarray, float]:
    rect = cv2.minAreaRect(contour)
    points = sorted(cv2.boxPoints(rect), key=lambda p: p[0])
    i1, i4 = (0, 1) if points[1][1] > points[0][1] else (1, 0)
    i2, i3 = (2, 3) if points[3][1] > points[2][1] else (3, 2)
    return np.array([points[i1], points[i2], points[i3], points[i4]]), min(rect[1])


def _box_score(bitmap: np.ndarray, box: np.ndarray) -> float:
    h, w = bitmap.shape[:2]
    box = box.copy()
    xmin = int(np.clip(np.floor(box[:, 0].min()), 0, w - 1))
    xmax = int(np.clip(np.ceil(box[:, 0].max()), 0, w - 1))
    ymin = int(np.clip(np.floor(box[:, 1].min()), 0, h - 1))
    ymax = int(np.clip(np.ceil(box[:, 1].max()), 0, h - 1))
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), dtype=np.uint8)
    box[:, 0] -= xmin
    box[:, 1] -= ymin
    cv2.fillPoly(mask, [box.reshape(-1, 2).astype(np.int32)], 1)
    return float(cv2.mean(bitmap[ymin : ymax + 1, xmin : xmax + 1], mask)[0])


def _unclip(box: np.ndarray, ratio: float) -> np.ndarray:
    import pyclipper  # rapidocr's dependency, as rapidocr uses it

    pts = box.astype(np.float64)
    x, y = pts[:, 0], pts[:, 1]
    area = 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
    length = float(np.linalg.norm(pts - np.roll(pts, -1, axis=0), axis=1).sum())
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(box, pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    return np.array(offset.Execute(area * ratio / length)).reshape((-1, 1, 2))


def _order_clockwise(pts: np.ndarray) -> np.ndarray:
    xs = pts[np.argsort(pts[:, 0]), :]
    left, right = xs[:2, :], xs[2:, :]
    tl, bl = left[np.argsort(left[:, 1]), :]
    tr, br = right[np.argsort(right[:, 1]), :]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def _sorted_boxes(boxes: np.ndarray) -> np.ndarray:
    y = boxes[:, 0, 1]
    order = np.argsort(y, kind="stable")
    boxes, y = boxes[order], y[order]
    rows = np.concatenate([[0], np.cumsum((np.diff(y) >= BOX_SORT_Y).astype(np.int32))])
    return boxes[np.lexsort((boxes[:, 0, 0], rows))]


class LineOrientation:
    """ch_ppocr_mobile_v2.0_cls: for each line crop, is it upside down, and how sure."""

    def __init__(self, model: Path, *, threads: int) -> None:
        self._session = session(model, threads)
        self._input = self._session.get_inputs()[0].name

    def __call__(self, crops: list[np.ndarray]) -> list[tuple[bool, float]]:
        out: list[tuple[bool, float]] = []
        for start in range(0, len(crops), CLS_BATCH):
            batch = np.stack([_cls_input(c) for c in crops[start : start + CLS_BATCH]])
            probs = self._session.run(None, {self._input: batch})[0]
            out.extend((bool(row.argmax() == 1), float(row.max())) for row in probs)
        return out


def _cls_input(crop: np.ndarray) -> np.ndarray:
    img = _to_bgr(crop)
    if min(img.shape[:2]) < MIN_SIDE:  # rapidocr scaled small inputs up before classifying
        img, _, _ = _resize32(img, MIN_SIDE / min(img.shape[:2]))
    c, h, w = CLS_SHAPE
    ih, iw = img.shape[:2]
    rw = min(w, math.ceil(h * iw / float(ih)))
    resized = cv2.resize(img, (rw, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    x = (resized.transpose(2, 0, 1) / 255 - 0.5) / 0.5
    padded = np.zeros((c, h, w), dtype=np.float32)
    padded[:, :, :rw] = x
    return padded
