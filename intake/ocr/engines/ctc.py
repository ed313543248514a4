"""Line recognition with a PP-OCR CTC model on ONNX Runtime, spread over single-threaded sessions.

On two cores, two sessions of one thread each, fed crops largest first, recognise a page about
a third faster than one session with two threads (whose intra-op parallelism idles on the many
small matrices of a single line), and crops are fed one at a time at their own width: batching
pads every crop to the widest in its batch, and on pages of long paragraph lines the padding costs
more than the batching saves.

Measured and not taken (issue 15; 38 sample pages of the first 30 files, or 627 of their line
crops; 2 cores at load 10-17, CPU seconds): the model's time grows linearly with the crop's width
(8 ms at 80 px, 26 ms at 320, 251 ms at 2560), so a page's recognition is its text's length and the
slowest pages are those full of long paragraph lines. Squeezing crops horizontally to 0.8 of
their width saved 14% of recognition but changed 1.9% of the characters read (0.65: 30%, 2.9%).
Static int8 quantisation (QDQ, per channel, Conv and MatMul, calibrated on 60 crops) ran in 0.80x
the time and changed 1.6% of the characters. Without the memory arena and memory pattern the
process's peak was no lower (665 MB against 636) and its text byte-identical; denormals as zero
gave the same argmax at the same time (21.4 against 21.0 s for 157 crops).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from intake.elements.page import Reading

HEIGHT = 48


class CtcRecognizer:
    def __init__(self, model: Path, *, workers: int = 2, min_width: int = 0) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._sessions = [
            ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"]) for _ in range(workers)
        ]
        meta = self._sessions[0].get_modelmeta().custom_metadata_map
        if "character" not in meta:
            raise ValueError(f"{model} carries no character list in its metadata")
        # Class 0 is the CTC blank; the model's last class is the space.
        self._chars = ["", *meta["character"].splitlines(), " "]
        self._input = self._sessions[0].get_inputs()[0].name
        self._min_width = min_width
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr-rec") if workers > 1 else None

    def _prepare(self, crop: np.ndarray) -> np.ndarray:
        h, w = crop.shape[:2]
        width = max(1, math.ceil(HEIGHT * w / max(h, 1)))
        resized = cv2.resize(crop, (width, HEIGHT), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        x = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
        if width < self._min_width:
            x = np.pad(x, ((0, 0), (0, 0), (0, self._min_width - width)))
        return x[None]

    def _decode(self, probs: np.ndarray) -> Reading:
        idx = probs.argmax(axis=1)
        # The winner's probability picked out rather than a second pass over the (T, 18710)
        # output: the same numbers in half the time (0.23 against 0.47 ms for a 150-step line).
        conf = probs[np.arange(len(idx)), idx]
        keep = (idx != 0) & np.concatenate([[True], idx[1:] != idx[:-1]])
        if not keep.any():
            return Reading("", 0.0)
        text = "".join(self._chars[i] for i in idx[keep])
        return Reading(text, float(conf[keep].mean()), tuple(float(c) for c in conf[keep]))

    @property
    def alphabet(self) -> list[str]:
        """The model's classes in output order: the blank first, the space last."""
        return list(self._chars)

    def probs(self, crops: list[np.ndarray]) -> list[np.ndarray]:
        """The (T, C) CTC softmax of each crop, for scoring a given text against it (seal_verify).

        The seal step verifies a name over the lattice rather than trusting the argmax reading,
        so it needs the whole distribution; it is a few strips a page, run on the first session.
        """
        session = self._sessions[0]
        return [np.asarray(session.run(None, {self._input: self._prepare(c)})[0][0]) for c in crops]

    def _run(self, session: ort.InferenceSession, crops: list[np.ndarray]) -> list[Reading]:
        return [self._decode(session.run(None, {self._input: self._prepare(c)})[0][0]) for c in crops]

    def __call__(self, crops: list[np.ndarray]) -> list[Reading]:
        if not crops:
            return []
        if self._pool is None:
            return self._run(self._sessions[0], crops)
        n = len(self._sessions)
        # Largest first, dealt round-robin: both workers finish at about the same time.
        order = sorted(range(len(crops)), key=lambda i: -crops[i].shape[1] / max(crops[i].shape[0], 1))
        shares = [order[k::n] for k in range(n)]
        futures = [
            self._pool.submit(self._run, s, [crops[i] for i in share])
            for s, share in zip(self._sessions, shares, strict=True)
        ]
        results: list[Reading] = [Reading("", 0.0)] * len(crops)
        for share, fut in zip(shares, futures, strict=True):
            for i, r in zip(share, fut.result(), strict=True):
                results[i] = r
        return results
