"""Whether a piece of text reads as a disease name: a character n-gram logistic regression.

A diagnosis list's label and layout vary from hospital to hospital (诊断, 临床诊断, 病名, a table
under 疾病名称 or under ICD编码 and 转归 columns), but what stands in it does not: disease names
share their characters (癌, 炎, 骨折, 综合征, 恶性肿瘤, 慢性, 性…病). So the list reader asks of each
item and each line whether it looks like a disease name, and stops where the text turns into
prose (入院时情况：患者因…), a column head (疾病编码) or an outcome (好转) instead of trusting that the
layout ends the list where the training layouts did.

The model is trained by `intake train fields` (intake_lab/train/fields_dx.py): disease names of the
official 医保版 2.0 table as positives, the text of training-family pages that is not a diagnosis as
negatives, and is stored in models/fields.npz under the name `_dx_term` (hashed features, the
scorer's format). Without it, `looks_like` falls back to the ICD lookup alone.
"""

from __future__ import annotations

import math
import re

import numpy as np

from intake.extract.features import hashed

TERM_FIELD = "_dx_term"
_STRIP = re.compile(r"[\s:：.。,，、;；()（）\[\]【】\-]+")


def term_features(text: str) -> list[str]:
    """Character 1- to 3-grams of the text with its ends marked (^癌 ≠ 癌$), and its length."""
    t = "^" + _STRIP.sub("", text) + "$"
    out = [f"len:{min(len(t) - 2, 16)}"]
    for n in (1, 2, 3):
        for i in range(len(t) - n + 1):
            out.append(f"t{n}:{t[i : i + n]}")
    digits = sum(c.isdigit() for c in t)
    out.append(f"digits:{min(digits, 4)}")
    return out


class TermModel:
    def __init__(self, weights: np.ndarray, bias: float) -> None:
        self.weights = weights
        self.bias = bias

    def score(self, text: str) -> float:
        z = float(self.weights[hashed(term_features(text))].sum()) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
