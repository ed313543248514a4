"""The OCR stage: an uploaded file in, upright pages with their text lines and seals out.

One page: cut a photographed page out of its background; lighten red seal ink; detect text
lines; from those lines decide whether the page lies sideways (lines run down the page) or upside
down (the widest lines read better turned round), and how far it is skewed; turn and straighten
it, detecting again only when it moved; read each line; read the seals from the red-ink mask.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import cv2
import numpy as np

from intake.elements.page import OcrLine, OcrPage, OcrResult, Reading
from intake.ocr import preprocess
from intake.ocr.config import OcrConfig, default_config
from intake.ocr.crops import crop_line
from intake.ocr.engines import Engine, create_engine
from intake.ocr.fingerprint import page_fingerprint
from intake.ocr.order import reading_order
from intake.ocr.seals import read_seals
from intake.upload.files import Limits, PageImage, open_file

PROBE_LINES = 4  # widest lines read both ways round to tell upright from upside down
PROBE_CHARS = 12  # of each, about this many characters' width
CLS_SURE = 0.9  # line-orientation classifier scores above which its vote is taken as it is
FLIP_MARGIN = 0.05
_INFORMATIVE = re.compile(r"[\u4e00-\u9fff]")
# Memory one page in reading holds beyond the loaded models, per pixel of the decoded page: its
# three copies (page, red-lightened, mask), the detector's input and maps, the line crops. Peak RSS
# growth measured reading sample pages in one process: 200-240 bytes a pixel for a process's first
# page (ONNX Runtime's first-run allocations included), 0-70 for the pages after it; 100 (about
# 220 MB for an A4 page at 150 dpi) is on the safe side once a worker has read a page.
PAGE_BYTES_PER_PIXEL = 100


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    """Wall seconds under step, CPU seconds under "cpu " + step. The CPU time is the process's
    (all its threads): on a shared machine the wall time mostly measures the wait for a core, and
    the CPU time is the step's own only while one page is read at a time."""
    t, c = time.perf_counter(), time.process_time()
    yield
    timings[step] = timings.get(step, 0.0) + time.perf_counter() - t
    timings["cpu " + step] = timings.get("cpu " + step, 0.0) + time.process_time() - c


def _wide(poly: np.ndarray) -> bool:
    return bool(np.linalg.norm(poly[1] - poly[0]) > 1.5 * np.linalg.norm(poly[3] - poly[0]))


def _tall(poly: np.ndarray) -> bool:
    return bool(np.linalg.norm(poly[3] - poly[0]) > 1.5 * np.linalg.norm(poly[1] - poly[0]))


def _skew(polys: list[np.ndarray]) -> float:
    """Median angle of the long lines, in degrees; positive when lines fall to the right."""
    angles = [
        math.degrees(math.atan2(p[1][1] - p[0][1], p[1][0] - p[0][0]))
        for p in polys
        if np.linalg.norm(p[1] - p[0]) > 4 * np.linalg.norm(p[3] - p[0])
    ]
    return float(np.median(angles)) if len(angles) >= 3 else 0.0


def _turn_polys(polys: list[np.ndarray], w: int, h: int, degrees: float) -> list[np.ndarray]:
    """Polygons of a w × h page as they lie after preprocess.deskew(page, degrees)."""
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    m[0, 2] += int(h * sin + w * cos) / 2 - w / 2
    m[1, 2] += int(h * cos + w * sin) / 2 - h / 2
    return [np.asarray(cv2.transform(p.reshape(-1, 1, 2), m).reshape(-1, 2), dtype=np.float32) for p in polys]


def _middle(crop: np.ndarray, chars: int) -> np.ndarray:
    h, w = crop.shape[:2]
    keep = chars * h
    if w <= keep:
        return crop
    start = (w - keep) // 2
    return np.ascontiguousarray(crop[:, start : start + keep])


class _Page:
    """The page image in its three forms, turned together."""

    def __init__(self, image: np.ndarray, red_suppression: bool) -> None:
        self.image = image
        self.mask = preprocess.red_mask(image)
        self.ocr = preprocess.suppress_red(image, self.mask) if red_suppression else image

    def turn(self, degrees: int) -> None:
        self.image = preprocess.rotate_quarter(self.image, degrees)
        self.ocr = preprocess.rotate_quarter(self.ocr, degrees)
        self.mask = preprocess.rotate_quarter(self.mask.astype(np.uint8), degrees).astype(bool)

    def straighten(self, degrees: float) -> None:
        self.image = preprocess.deskew(self.image, degrees)
        self.ocr = preprocess.deskew(self.ocr, degrees)
        self.mask = preprocess.deskew(self.mask.astype(np.uint8) * 255, degrees, border=0) > 127


class OcrPipeline:
    """Holds the loaded models; create once and reuse (model loading costs about a second)."""

    def __init__(
        self,
        config: OcrConfig | None = None,
        engine: Engine | None = None,
        *,
        page_workers: int = 1,
        memory_budget_mb: int | None = None,
        cache_pages: int = 0,
    ) -> None:
        """page_workers: pages of one file read at once, as long as their estimated memory
        (PAGE_BYTES_PER_PIXEL) fits memory_budget_mb; cache_pages: pages whose reading is kept,
        keyed by the page's pixels, so that a file uploaded again is not read again."""
        self.config = config or default_config()
        self.engine = engine or create_engine(self.config)
        self.page_workers = max(1, page_workers)
        self.memory_budget = (memory_budget_mb or 0) * 2**20
        self._pool = (
            ThreadPoolExecutor(self.page_workers, thread_name_prefix="ocr-page") if self.page_workers > 1 else None
        )
        self._cache: OrderedDict[str, OcrPage] = OrderedDict()
        self._cache_pages = max(0, cache_pages)
        self._cache_lock = threading.Lock()
        self._budget = threading.Condition()
        self._in_use = 0

    def read_file(
        self, data: bytes, filename: str, limits: Limits | None = None, pages: Iterable[PageImage] | None = None
    ) -> OcrResult:
        """Every page of a file (decoded here unless given as pages). Raises InputError for a bad file."""
        opened = open_file(data, filename, limits)
        return OcrResult(filename, opened.media_type, self.read_pages(opened.pages() if pages is None else pages))

    def read_pages(self, pages: Iterable[PageImage]) -> list[OcrPage]:
        """The pages in order. With page_workers > 1 several are read at once: ONNX Runtime and
        OpenCV release the GIL, so one page's detection overlaps another's Python steps (crops,
        orientation probes, seals). Pages are decoded one at a time, and one waits to start while
        the pages in reading would overrun the memory budget."""
        if self._pool is None:
            return [self._read_cached(p) for p in pages]
        futures: list[Future[OcrPage]] = []
        try:
            for p in pages:
                need = self._reserve(p.image)
                fut = self._pool.submit(self._read_cached, p)
                fut.add_done_callback(functools.partial(self._release, need))
                futures.append(fut)
            return [f.result() for f in futures]
        finally:
            for f in futures:
                f.cancel()

    def _reserve(self, image: np.ndarray) -> int:
        need = int(image.shape[0]) * int(image.shape[1]) * PAGE_BYTES_PER_PIXEL
        with self._budget:
            # Always let one page run, however large: the limits on uploads bound its size.
            while self._in_use and self.memory_budget and self._in_use + need > self.memory_budget:
                self._budget.wait()
            self._in_use += need
        return need

    def _release(self, need: int, _done: object = None) -> None:
        with self._budget:
            self._in_use -= need
            self._budget.notify_all()

    def _read_cached(self, p: PageImage) -> OcrPage:
        if not self._cache_pages:
            return self.read_page(p.image, p.number, colour=p.colour)
        h = hashlib.sha256(p.image.tobytes())
        h.update(f"{p.image.shape}{p.image.dtype}{p.colour}".encode())
        key = h.hexdigest()
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
        if hit is not None:
            return dataclasses.replace(
                hit, page=p.number, lines=list(hit.lines), seals=list(hit.seals), timings={"cached": 0.0}
            )
        page = self.read_page(p.image, p.number, colour=p.colour)
        with self._cache_lock:
            self._cache[key] = page
            while len(self._cache) > self._cache_pages:
                self._cache.popitem(last=False)
        return page

    def _upside_down(self, pg: _Page, polys: list[np.ndarray]) -> tuple[bool, dict[int, Reading]]:
        """Read the widest lines as they are and turned round; the better-read way is up.

        The upright readings are returned so that they need not be read again.
        """
        candidates = [i for i, p in enumerate(polys) if _wide(p)]
        longest = sorted(candidates, key=lambda i: -np.linalg.norm(polys[i][1] - polys[i][0]))[:PROBE_LINES]
        # The tallest lines too: titles are large CJK print, while the longest lines of a form
        # may be dotted leaders or digits, which look alike either way round.
        tallest = sorted(candidates, key=lambda i: -np.linalg.norm(polys[i][3] - polys[i][0]))[:PROBE_LINES]
        wide = list(dict.fromkeys(longest + tallest))
        if not wide:
            return False, {}
        crops = [crop_line(pg.ocr, polys[i]) for i in wide]
        # A dozen characters tell which way is up as well as a whole paragraph line does, at a
        # fraction of the cost; the ends are cut, so read the middle both ways.
        probes = [_middle(c, PROBE_CHARS) for c in crops]
        # The line-orientation classifier is cheap; when it is sure of every line, trust it.
        votes = self.engine.upside_down(probes)
        if all(not up and score >= CLS_SURE for up, score in votes):
            return False, {}
        # A half turn is rare and ruins the whole page when wrong (dotted leaders and guilloche on
        # landscape forms fool the line classifier): only reading both ways may decide it.
        results = self.engine.recognize(probes + [np.ascontiguousarray(c[::-1, ::-1]) for c in probes])
        as_is, turned = results[: len(probes)], results[len(probes) :]

        def score(rs: list[Reading]) -> float:
            # Only CJK says which way is up: dotted leaders (……) and digits such as 0, 1, 8 and
            # 6/9 read much the same either way round, and would let a confident reading of
            # nothing decide.
            n = [len(_INFORMATIVE.findall(r.text)) for r in rs]
            return sum(r.score * k for r, k in zip(rs, n, strict=True)) / max(sum(n), 1)

        flipped = score(turned) > score(as_is) + FLIP_MARGIN
        whole = [i for i, c, p in zip(wide, crops, probes, strict=True) if c.shape == p.shape]
        return flipped, ({} if flipped else {i: r for i, r in zip(wide, as_is, strict=True) if i in whole})

    def read_page(self, image: np.ndarray, page: int = 1, *, colour: bool = True) -> OcrPage:
        """colour: whether the upload could show colour at all (intake.upload.files.PageImage)."""
        cfg = self.config
        t: dict[str, float] = {}
        if cfg.perspective:
            with _timed(t, "perspective"):
                quad = preprocess.find_page(image, cfg.perspective_min_area)
                if quad is not None:
                    image = preprocess.flatten(image, quad)
        with _timed(t, "red_suppression"):
            pg = _Page(image, cfg.red_suppression)
        with _timed(t, "detect"):
            polys = self.engine.detect(pg.ocr)
        rotation = 0
        known: dict[int, Reading] = {}
        if cfg.orientation and polys:
            with _timed(t, "orientation"):
                if sum(map(_tall, polys)) > sum(map(_wide, polys)):
                    pg.turn(90)
                    rotation = 90
                    polys = self.engine.detect(pg.ocr)
                flipped, known = self._upside_down(pg, polys)
                if flipped:
                    pg.turn(180)
                    rotation = (rotation + 180) % 360
                    h, w = pg.ocr.shape[:2]
                    # A half turn maps (x, y) to (w - x, h - y); the corner order turns with it.
                    polys = [np.roll(np.array([w, h], np.float32) - p, 2, axis=0) for p in polys]
        if cfg.deskew and polys:
            skew = _skew(polys)
            if abs(skew) >= cfg.deskew_min_degrees:
                with _timed(t, "deskew"):
                    h, w = pg.ocr.shape[:2]
                    pg.straighten(skew)
                    if cfg.deskew_redetect:
                        polys = self.engine.detect(pg.ocr)
                        known = {}
                    else:
                        # The lines found before straightening, turned with the page: the same
                        # lines as a second detection finds, without its cost; the probes' readings
                        # of whole lines stay valid, as the crops show the same print.
                        polys = _turn_polys(polys, w, h, skew)
        seals = []
        if cfg.seals:
            with _timed(t, "seals"):
                seals = read_seals(self.engine, pg.mask, cfg.seal_min_diameter, image=pg.image)
        with _timed(t, "recognize"):
            todo = [i for i in range(len(polys)) if i not in known]
            read = dict(zip(todo, self.engine.recognize([crop_line(pg.ocr, polys[i]) for i in todo]), strict=True))
            read.update(known)
            lines = []
            for i, poly in enumerate(polys):
                r = read[i]
                if r.score < cfg.text_score or not r.text.strip():
                    continue
                lines.append(OcrLine.from_polygon(r.text, poly, r.score, r.chars))
        return OcrPage(
            page=page,
            image=pg.image,
            lines=reading_order(lines),
            seals=seals,
            rotation=rotation,
            colour=colour,
            fingerprint=page_fingerprint(line.text for line in lines),
            timings=t,
        )
