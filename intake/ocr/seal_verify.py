"""Does this seal's ring say NAME? Answered from the recogniser's CTC lattice, not from its guess.

Reading a ring and then comparing the reading with the employer's name throws away what the
recogniser knew: a seal-font 圳 read as 川 with 0.4 against 0.35 for 圳 looks like a mismatch in
the text and like a match in the lattice. So the OCR stage keeps, for each frame of the unrolled
ring strip, the blank's and the top few characters' log-probabilities (a `Lattice`), and the check
asks how much less likely the best CTC path that spells the expected name is than the best path of
all (the free reading). That gap, the text left over around the name and the edit share between
the free reading and the name go through a logistic fitted on right / near / unrelated names of
TRAIN seal families (`python -m intake_lab.train.seal_verify` writes models/seal_verify.json) to
give a probability that the ring says the name, calibrated on such pairs (one right to two wrong).

Numpy only: the check stage imports it without loading a model.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from intake.normalize.text import substring_distance

# A character outside a frame's top-k costs this much more than that frame's k-th character, and
# no frame costs more than CAP: one unreadable character must not outweigh a whole name read well.
BELOW_TOPK = 1.0
CAP = 9.0
TOP_K = 6
MODEL = Path(__file__).resolve().parents[2] / "models" / "seal_verify.json"
# Ring words that are not part of the unit's name: the purpose under the star is read apart.
_PURPOSE = re.compile(r"(财务|收费|合同|发票|人事|业务|行政|党委|工会)?专用章$")


@dataclass
class Lattice:
    """Top-k CTC log-probabilities of one unrolled strip: per frame the blank's, then k characters."""

    blank: np.ndarray  # (T,) log-probability of the blank
    chars: list[list[str]]  # (T, k) the frame's k most likely non-blank characters
    logp: np.ndarray  # (T, k) their log-probabilities

    @classmethod
    def from_probs(cls, probs: np.ndarray, alphabet: list[str], k: int = TOP_K) -> Lattice:
        """From the recogniser's (T, C) softmax output; alphabet[0] is the blank."""
        logp = np.log(np.maximum(probs, 1e-12))
        # Only the k best of some 18,700 characters are kept: partitioned out, then only those
        # few sorted (a full sort of every frame was 2.2 s of a 30 s profile of 38 pages). Exact
        # ties, where the order among equals may differ, never came up in the top 7 of the 2,973
        # frames of fixtures/sample's rings.
        chars = logp[:, 1:]
        k = min(k, chars.shape[1])
        few = np.argpartition(-chars, k - 1, axis=1)[:, :k] if k < chars.shape[1] else np.argsort(-chars, axis=1)
        order = np.argsort(-np.take_along_axis(chars, few, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(few, order, axis=1) + 1
        return cls(
            logp[:, 0].astype(np.float32),
            [[alphabet[i] for i in row] for row in top],
            np.take_along_axis(logp, top, axis=1).astype(np.float32),
        )

    def __len__(self) -> int:
        return len(self.blank)

    def to_json(self) -> dict[str, Any]:
        return {
            "blank": [round(float(x), 2) for x in self.blank],
            "chars": ["".join(row) for row in self.chars],
            "logp": [[round(float(x), 2) for x in row] for row in self.logp],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lattice:
        return cls(
            np.asarray(data["blank"], np.float32),
            [list(s) for s in data["chars"]],
            np.asarray(data["logp"], np.float32).reshape(len(data["chars"]), -1),
        )

    def best(self) -> np.ndarray:
        """Each frame's best log-probability, blank included."""
        top = self.logp[:, 0] if self.logp.size else np.full(len(self), -np.inf, np.float32)
        return np.asarray(np.maximum(self.blank, top), np.float32)

    def greedy(self) -> str:
        """The free reading: best symbol per frame, repeats merged, blanks dropped."""
        out, prev = [], ""
        for t in range(len(self)):
            sym = self.chars[t][0] if self.logp.size and self.logp[t, 0] > self.blank[t] else ""
            if sym and sym != prev:
                out.append(sym)
            prev = sym
        return "".join(out)

    def costs(self, name: str) -> np.ndarray:
        """(T, len(name)) how much less likely each name character is than the frame's best symbol."""
        best = self.best()
        floor = (self.logp[:, -1] if self.logp.size else self.blank) - BELOW_TOPK
        out = np.empty((len(self), len(name)), np.float32)
        for j, ch in enumerate(name):
            col = floor.copy()
            for t, row in enumerate(self.chars):
                if ch in row:
                    col[t] = self.logp[t, row.index(ch)]
            out[:, j] = best - col
        return np.minimum(out, CAP)


def ctc_cost(lattice: Lattice, name: str, *, free_ends: bool) -> float:
    """Best-path (Viterbi) cost of the strip spelling name, relative to the free reading (>= 0).

    free_ends lets frames before and after the name take their best symbol: the name anywhere in
    the strip. Without it those frames must be blank: the strip says the name and nothing else.
    """
    n = len(name)
    frames = len(lattice)
    if n == 0 or frames < n:
        return CAP * max(n, 1)
    best = lattice.best()
    blank_cost = np.minimum(best - lattice.blank, CAP)
    char_cost = lattice.costs(name)
    states = 2 * n + 1  # blank, c1, blank, c2, ..., cn, blank
    inf = np.float32(1e9)
    # Repeated letters (e.g. 公公) need a blank between them in CTC: no skip over that blank.
    skip_ok = np.zeros(states, bool)
    for s in range(3, states, 2):
        skip_ok[s] = name[(s - 1) // 2] != name[(s - 3) // 2]
    cost = np.full(states, inf, np.float32)
    pre = np.float32(0.0)  # free_ends: the cost of frames so far spent before the name
    post = inf  # free_ends: the name done, frames after it

    def frame_cost(t: int) -> np.ndarray:
        c = np.empty(states, np.float32)
        c[0::2] = blank_cost[t]
        c[1::2] = char_cost[t]
        return c

    for t in range(frames):
        c = frame_cost(t)
        shifted1 = np.concatenate([[inf], cost[:-1]])
        shifted2 = np.concatenate([[inf, inf], cost[:-2]])
        shifted2 = np.where(skip_ok, shifted2, inf)
        new = np.minimum(np.minimum(cost, shifted1), shifted2)
        if t == 0:
            new[0], new[1] = 0.0, 0.0
        elif free_ends:
            new[0] = min(new[0], pre)
            new[1] = min(new[1], pre)
        new = new + c
        if free_ends:
            post = min(post, cost[-1], cost[-2])  # the name ended at the previous frame
            pre = np.float32(0.0)
        cost = new
    end = min(float(cost[-1]), float(cost[-2]))
    if free_ends:
        end = min(end, float(post))
    return end


def _aligned(lattice: Lattice, name: str) -> list[tuple[bool, float]]:
    """For each character of name: whether the strip offers it (among the top k) at a frame the
    best path spelling the name anywhere in the strip (ctc_cost with free ends) gives it, and the
    highest probability of a character the strip reads instead at those frames (0 where only blank
    won there).

    The same Viterbi as ctc_cost, with a lead-in and a tail state of free frames and the path
    traced back. Where the name is not spellable at all (a strip shorter than it), nothing is seen.
    """
    n, frames = len(name), len(lattice)
    if n == 0 or frames < n:
        return [(False, 0.0)] * n
    best = lattice.best()
    blank_cost = np.minimum(best - lattice.blank, CAP)
    char_cost = lattice.costs(name)
    # States: 0 lead-in, 1..2n+1 the CTC states (blank, c1, blank, ..., cn, blank), 2n+2 the tail.
    states = 2 * n + 3
    tail = states - 1
    inf = np.float32(1e9)
    # Two states on: into c1 from the lead-in, between different characters, into the tail.
    skip_ok = np.zeros(states, bool)
    skip_ok[2] = skip_ok[tail] = True
    for st in range(4, tail, 2):
        skip_ok[st] = name[st // 2 - 1] != name[st // 2 - 2]
    prev = np.zeros((frames, states), np.int32)
    here = np.arange(states)
    cost = np.full(states, inf, np.float32)
    c = np.zeros(states, np.float32)  # the lead-in and the tail cost nothing
    for t in range(frames):
        c[1:tail:2] = blank_cost[t]
        c[2:tail:2] = char_cost[t]
        if t == 0:
            # The path starts in the lead-in, the first blank or the first character.
            cost = np.where(here < 3, c, inf).astype(np.float32)
            prev[0] = here
            continue
        one = np.concatenate([[inf], cost[:-1]])
        two = np.where(skip_ok, np.concatenate([[inf, inf], cost[:-2]]), inf)
        options = np.stack([cost, one, two])
        k = np.argmin(options, axis=0)
        prev[t] = here - k
        cost = (options[k, here] + c).astype(np.float32)
    st = min((tail, tail - 1, tail - 2), key=lambda o: float(cost[o]))
    seen = [False] * n
    other = [0.0] * n
    for t in range(frames - 1, -1, -1):
        if st >= 2 and st < tail and st % 2 == 0:
            j = st // 2 - 1
            seen[j] = seen[j] or name[j] in lattice.chars[t]
            if lattice.logp.size and lattice.logp[t, 0] > lattice.blank[t]:
                other[j] = max(other[j], float(np.exp(lattice.logp[t, 0])))
        st = int(prev[t, st])
    return list(zip(seen, other, strict=True))


def clean_name(name: str) -> str:
    """The unit's name as a ring carries it: no spaces, no purpose word at the end."""
    name = re.sub(r"\s+", "", name)
    return _PURPOSE.sub("", name) or name


@dataclass
class Verification:
    probability: float  # calibrated: that the ring says the name
    features: dict[str, float]
    reading: str  # the free reading of the strip that matched the name best

    def to_json(self) -> dict[str, Any]:
        return {
            "probability": round(self.probability, 4),
            "reading": self.reading,
            "features": {k: round(v, 4) for k, v in self.features.items()},
        }


FEATURES = ("name_cost", "extra_cost")


def features(
    lattices: list[Lattice], name: str, readings: list[tuple[str, float]] | None = None
) -> tuple[dict[str, float], str]:
    """What the logistic sees, the best over the strips (two bands) of one seal.

    name_cost: the CTC gap between the best path spelling the name (anywhere in a strip) and the
    free reading, in characters' worth (CAP nats each); extra_cost: what forcing the rest of the
    strip blank adds (text beyond the name: another branch's 分公司, a longer name). Costs are
    totals, not per character: a near name differs from the right one in a character or two
    whatever its length, and each costs about CAP. Reported but not fitted on: edit_share (free
    reading vs name, the closest reading; decide uses it) and confidence (the reading's mean
    character probability). Fitted on them, the logistic learnt that an unreadable ring, far
    from every name, was more likely right; the costs already say that it is evidence for none.
    """
    name = clean_name(name)
    n = max(len(name), 1)
    best: tuple[float, float, str, float] | None = None
    for lat in lattices:
        free = ctc_cost(lat, name, free_ends=True)
        full = ctc_cost(lat, name, free_ends=False)
        if free > 0.5 * CAP:
            # Where the text starts may have been misjudged (a gap taken inside the name): the strip
            # then says the name's end before its start. The whole name, rotated, must still be
            # there, and a wrong name stays wrong however it is turned.
            for k in range(1, len(name)):
                turned = name[k:] + name[:k]
                f, g = ctc_cost(lat, turned, free_ends=True), ctc_cost(lat, turned, free_ends=False)
                if f + g < free + full:
                    free, full = f, g
        if best is None or free + full < best[0] + best[1]:
            best = (free, full, lat.greedy(), _confidence(lat))
    texts = [clean_name(t) for t, _ in (readings or [])] + [clean_name(lat.greedy()) for lat in lattices]
    shares = [Levenshtein.distance(t, name) / n for t in texts]
    i = int(np.argmin(shares)) if shares else 0
    if best is None:
        return {"name_cost": 3.0, "extra_cost": 3.0, "edit_share": 1.0, "confidence": 0.0}, ""
    # In characters' worth (CAP a character) and capped at three: past that a name is simply not
    # there, and an unbounded cost let a few unreadable rings flatten the logistic's slope.
    return {
        "name_cost": min(best[0] / CAP, 3.0),
        "extra_cost": min(max(0.0, best[1] - best[0]) / CAP, 3.0),
        "edit_share": min(1.5, shares[i]) if shares else 1.0,
        "confidence": best[3],
    }, texts[i] if texts else best[2]


def _confidence(lat: Lattice) -> float:
    """Mean probability of the free reading's characters (the frames where a character won)."""
    won = lat.logp[:, 0] > lat.blank if lat.logp.size else np.zeros(len(lat), bool)
    return float(np.exp(lat.logp[won, 0]).mean()) if won.any() else 0.0


@lru_cache(maxsize=1)
def _model() -> tuple[np.ndarray, float]:
    """The fitted logistic: weights in FEATURES order and the intercept (plain JSON, no pickle),
    found where every trained model is (intake.models: INTAKE_MODEL_DIR, the wheel's, the
    checkout's); a model folder of its own without this file falls back to the shipped one."""
    from intake import models

    try:
        folders = [models.model_dir()]
    except FileNotFoundError:
        folders = []
    path = next(
        (f / MODEL.name for f in [*folders, models.PACKAGED, models.CHECKOUT] if (f / MODEL.name).is_file()), MODEL
    )
    data = json.loads(path.read_text(encoding="utf-8"))
    if list(data["features"]) != list(FEATURES):
        raise ValueError(f"{path}: features {data['features']} are not {FEATURES}")
    return np.asarray(data["weights"], np.float64), float(data["intercept"])


def probability(feats: dict[str, float]) -> float:
    try:
        w, b = _model()
    except FileNotFoundError:
        # No calibration shipped (a fresh checkout before the fit): a conservative prior that
        # only accepts a name the lattice spells almost as well as the free reading.
        w, b = np.array([-6.0, -2.0]), 3.0
    z = float(np.dot(w, [feats[k] for k in FEATURES]) + b)
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def absent_characters(lattices: list[Lattice], name: str) -> int:
    """How many of the name's characters no frame of the best strip holds among its top k.

    A misread ring mostly keeps the right character somewhere in its top k; a near name (another
    city's branch: 苏州 for 深圳) brings characters the ring never suggested.
    """
    return absent_run(lattices, name)[0]


def absent_run(lattices: list[Lattice], name: str) -> tuple[int, int]:
    """(absent characters, the longest run of neighbouring absent ones) on the strip with fewest.

    A near name swaps a word, a place or a company form (深圳 -> 苏州, 集团 -> 股份), or adds a
    branch (上海分公司): its absent characters stand together. A degraded ring drops characters
    one by one where a stroke was lost, apart from each other.
    """
    name = clean_name(name)
    best: tuple[int, int] | None = None
    for lat in lattices:
        offered = {c for row in lat.chars for c in row}
        count = run = longest = 0
        for ch in name:
            if ch in offered:
                run = 0
            else:
                count, run = count + 1, run + 1
                longest = max(longest, run)
        if best is None or (count, longest) < best:
            best = (count, longest)
    return best if best is not None else (len(name), len(name))


# Verify's probability when ABSENT_LIMIT or more of the name's characters are absent from the
# ring: the logistic alone accepted such pairs (p >= ACCEPT) 7 times for a right name and 5 for a
# wrong one on the train pages (seeds 3 and 4, 30 pages a copy kind each, 558 pairs): even odds;
# capped there they fall below ACCEPT, and false accepts fell from 1.0% and 2.9% to 0.5% and 0.6%
# for 3 and 5 points more false rejects.
# The cap applies when absent characters stand together (ABSENT_RUN, a word swapped) or are
# many (ABSENT_MANY): on the train pages of seed 21 (30 a copy kind), of the pairs with exactly
# two absent, 24 near names had them side by side and 4 apart, right names 4 and 5; each of the
# apart near ones had p < 0.5 from the logistic alone, four of the apart right ones were capped.
# Checked on fresh train pages (seed 23, 15 a copy): photo FR 0.500 -> 0.400, grey and 1-bit
# unchanged, false accepts unchanged (2 of 76 wrong names, neither with two absent).
ABSENT_LIMIT = 2
ABSENT_RUN = 2
ABSENT_MANY = 4
# ... and apart only when the rest of the name costs at most a character's worth (name_cost): on
# the bench's per-copy draws of near names (train seed 21) two near names whose company form was
# swapped (集团 for 股份, one of its characters offered by chance) had two absent apart at name
# cost 1.49-1.55 and were accepted (false accepts 5 -> 7 of 172); the right names recovered cost
# 0.68-0.95 but one (1.36). With it: FR 30 -> 27 of 86, FA 5 of 172 as before; fresh seed 23 (15
# pages a copy): FR 16 -> 15 of 41, FA 3 of 82 as before.
APART_COST = 1.0
ABSENT_CAP = 0.5
# A name character the strip does not offer where the name's best path puts it, while the strip
# reads another character there at this probability or more, is contradicted: the ring says
# something else in that place. A lost stroke leaves a smudge (the right character missing, no
# other sure either); another city's branch (杭州 read clearly, 苏州 asked) leaves one sure other
# character, which the absent count misses when the name's other characters are all there. On
# the train pages (seeds 21 and 23, 30 a copy kind, the bench's per-copy draws) one contradicted
# character capped at ABSENT_CAP: false accepts 11 -> 4 of 342 (photo 5 -> 1, grey 5 -> 2), false
# rejects 72 of 171 unchanged (0.9: 73, 0.8: 73).
CONTRADICTED = 0.95


def contradicted(lattices: list[Lattice], name: str) -> int:
    """The fewest name characters any strip contradicts (see CONTRADICTED)."""
    name = clean_name(name)
    if not lattices or not name:
        return 0
    return min(sum(1 for seen, other in _aligned(lat, name) if not seen and other >= CONTRADICTED) for lat in lattices)


def verify(lattices: list[Lattice], name: str, readings: list[tuple[str, float]] | None = None) -> Verification:
    """How probable it is that the seal whose strips gave these lattices says name."""
    feats, reading = features(lattices, name, readings)
    if not (lattices or readings):
        return Verification(0.0, feats, reading)
    p = probability(feats)
    if lattices:
        count, run = absent_run(lattices, name)
        feats["absent"], feats["absent_run"] = float(count), float(run)
        if count >= ABSENT_LIMIT and (run >= ABSENT_RUN or count >= ABSENT_MANY or feats["name_cost"] > APART_COST):
            p = min(p, ABSENT_CAP)
        feats["contradicted"] = float(contradicted(lattices, name))
        if feats["contradicted"] >= 1:
            p = min(p, ABSENT_CAP)
    return Verification(p, feats, reading)


# -- the claim check's question -------------------------------------------------------------------

# At or above: the ring says the name. Chosen on the TRAIN pairs for false accepts <= 1%
# (0.5: 2.2% accepted near names, 0.6: 0.7%, for 3 more points of false rejects; bench/seal.py).
ACCEPT = 0.6
# Someone else's seal: the lattice cannot spell the name short of this many characters' worth of
# misreading (see features), and the free reading, read confidently, is another name.
REJECT_COST = 2.0
CONFIDENT_READING = 0.85  # mean character probability of a free reading trusted as evidence
OTHER_NAME_SHARE = 0.34  # edit share from the expected name beyond which a reading is another name
# Words any unit's name may end in: they tell no unit from another (as the claim check's own list).
_GENERIC = re.compile("有限责任公司|股份有限公司|有限公司|集团|公司")
# A reading that holds this many of the name's own characters in one run (beyond _GENERIC's
# words), and at least half of them, is the name's ring read from the wrong start or partly
# covered, or a sister unit's: never clearly another's. Train clean pages, seed 41: a covered
# seal of 宁波凯达电子集团有限公司, its text start taken at the cover, read 司出重宁波凯达电子集 with
# confidence 0.89 and was concluded "other" (the member's seal_mismatch). Two units of one city
# share the city's name (宁波市, three characters) and little more.
KIN_RUN = 4


def _kin(reading: str, name: str) -> bool:
    """Whether the reading holds a run of the name's own characters (see KIN_RUN)."""
    mine, theirs = _GENERIC.sub("", reading), _GENERIC.sub("", name)
    longest = SequenceMatcher(None, mine, theirs, autojunk=False).find_longest_match(0, len(mine), 0, len(theirs))
    return longest.size >= max(KIN_RUN, (len(theirs) + 1) // 2)


def decide(lattices: list[Lattice], expected: str) -> tuple[str, Verification]:
    """match | near | other | unsure, and the verification behind it.

    Only a confident free reading of a clearly different name, which the lattice also refuses to
    spell as the expected one, is "other" (the member's error). A low probability from a faint,
    covered or grey ring is "unsure" (a reviewer's task): a misread is never blamed on the member.
    The reading's confidence is the lattice's own, not the field's (which the extractor lowers
    exactly when the ring disagrees with the printed name).
    """
    v = verify(lattices, expected)
    if v.probability >= ACCEPT:
        return "match", v
    name = clean_name(expected)
    share = Levenshtein.distance(v.reading, name) / max(len(name), 1)
    # A reading holding the name (a branch's 分公司 seal, a longer name) or held by it (a ring read
    # short) is close kin of the employer: a reviewer decides whether it counts, not the member.
    inside = min(substring_distance(name, v.reading), substring_distance(v.reading, name)) / max(len(name), 1)
    share = min(share, inside * 2)
    # A reading much shorter than the name lost characters under ink or a fold: what is left is
    # not evidence of another name.
    readable = v.features.get("confidence", 0.0) >= CONFIDENT_READING and len(v.reading) >= max(4, 0.8 * len(name))
    if v.features.get("name_cost", 0.0) >= REJECT_COST and readable:
        return ("other" if share >= OTHER_NAME_SHARE and not _kin(v.reading, name) else "near"), v
    return "unsure", v
