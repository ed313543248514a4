"""What the scorer knows of a candidate: the text around it, where it stands, its shape, and what
the other candidates on the page say about it.

Features are strings, hashed into a fixed number of dimensions (the model is one weight per
dimension per field), so that a wording the training never saw still shares its characters with
ones it did: 出院日期 and 出院时间 share 出院, 个人自付 and 自付金额 share 自付. That is what lets the
model read layouts of families it was not trained on (candidate + neighbour-text scoring, after
Majumder et al., ACL 2020).

  L  the characters left of the value in its row (the label beside it), as 1- to 3-grams
  C  the cell before the value's cell (a label with a gap before its value)
  A  the characters right above the value (a label over it, as in a strip of labels)
  H  the nearest header above in the value's column (a table's column heading)
  R  the characters right of it (同志 after a name in a letter, 元, 天, 岁)
  shape, position and agreement: the value's form, where on the page, its rank among values of
     its kind, and whether another value confirms it (大写 = 小写, a stay's days from two dates)
"""

from __future__ import annotations

import re
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date as Date
from decimal import Decimal

from intake.extract.candidates import SURNAMES, Candidate, View
from intake.normalize.dates import stay_days

DIM = 1 << 18
_PUNCT = " :;,.()-_|/"
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


_HASHES: dict[str, int] = {}


def hashed(features: Iterable[str]) -> list[int]:
    # The same n-grams recur on every page (labels, digits): remembering their hashes halves the
    # time features take (measured on 40 training documents).
    out = set()
    for f in features:
        h = _HASHES.get(f)
        if h is None:
            if len(_HASHES) > 400_000:
                _HASHES.clear()
            h = _HASHES[f] = zlib.crc32(f.encode("utf-8")) & (DIM - 1)
        out.add(h)
    return sorted(out)


def _grams(prefix: str, text: str, out: list[str], n: int = 3) -> None:
    for size in range(1, n + 1):
        for i in range(len(text) - size + 1):
            out.append(f"{prefix}:{text[i : i + size]}")


def _clean_tail(text: str) -> str:
    return text.rstrip(_PUNCT + "¥￥")


class Context:
    """Per-document lookups the features share: character centres per row, rows per page."""

    def __init__(self, view: View, doc_type: str) -> None:
        self.view = view
        self.doc_type = doc_type
        self.centres: list[list[float]] = []
        self.tops = [r.top for r in view.rows]
        self.bottoms = [r.bottom for r in view.rows]
        self.heights = [r.height for r in view.rows]
        for r in view.rows:
            cs = []
            for k in range(len(r.text)):
                p = r.pieces[r.owner[k]]
                j = r.offset[k]
                cs.append((p.lefts[j] + p.rights[j]) / 2)
            self.centres.append(cs)
        top = [r for r in view.rows if r.page == view.first_page][:4]
        self.title = "".join(r.text for r in top)
        self._cell_grams: list[str] | None = None
        self.cells: list[tuple[list[int], list[float]]] = []
        for ri, r in enumerate(view.rows):
            starts = sorted({0, *view.breaks[ri]})
            lefts = [r.pieces[r.owner[k]].lefts[r.offset[k]] for k in starts if k < len(r.text)]
            self.cells.append((starts[: len(lefts)], lefts))

    @property
    def cell_grams(self) -> list[str]:
        """Bigrams of the first characters of every cell: the labels printed on the page (门诊号,
        住院日期 tell an invoice's visit type when its title does not)."""
        if self._cell_grams is None:
            grams: set[str] = set()
            for ri, r in enumerate(self.view.rows):
                for a in {0, *self.view.breaks[ri]}:
                    head = r.text[a : a + 4]
                    grams.update(head[i : i + 2] for i in range(len(head) - 1))
            self._cell_grams = sorted(grams)
        return self._cell_grams

    def cell_above(self, ri: int, cx: float, max_up: int) -> list[str]:
        """For each row above ri (nearest first), the text of its cell whose span (from its left
        edge to the next cell's) holds x = cx: a label over a right-aligned amount stands at the
        left of the amount's cell, not over it."""
        rows = self.view.rows
        h = self.heights[ri]
        out = []
        for rj in range(ri - 1, max(-1, ri - 1 - max_up), -1):
            if rows[rj].page != rows[ri].page or self.tops[ri] - self.bottoms[rj] > 12 * h:
                break
            starts, lefts = self.cells[rj]
            k = bisect_right(lefts, cx + 0.5 * h) - 1
            if k < 0:
                out.append("")
                continue
            end = starts[k + 1] if k + 1 < len(starts) else len(rows[rj].text)
            out.append(rows[rj].text[starts[k] : end])
        return out

    def column_text(self, ri: int, x0: float, x1: float, max_up: int) -> list[str]:
        """The text of the rows above ri that lies over [x0, x1], nearest first."""
        rows = self.view.rows
        row = rows[ri]
        h = self.heights[ri]
        pad = 0.3 * (x1 - x0) + 0.5 * h
        out = []
        for rj in range(ri - 1, max(-1, ri - 1 - max_up), -1):
            above = rows[rj]
            if above.page != row.page or self.tops[ri] - self.bottoms[rj] > 12 * h:
                break
            cs = self.centres[rj]
            # a row's characters run left to right, so the ones over [x0, x1] are one slice
            out.append(above.text[bisect_left(cs, x0 - pad) : bisect_right(cs, x1 + pad)])
        return out


def features(ctx: Context, c: Candidate, peers: list[Candidate], extra: list[str] | None = None) -> list[str]:
    view = ctx.view
    row = view.rows[c.row]
    text = row.text
    dt = ctx.doc_type
    f: list[str] = ["bias", f"dt={dt}"]
    # -- left: the label beside the value -----------------------------------------------------
    left_raw = text[max(0, c.start - 10) : c.start]
    left = _clean_tail(left_raw)[-6:]
    _grams("L", left, f)
    f.append(f"L2={left[-2:]}")
    f.append(f"dtL2={dt}|{left[-2:]}")
    f.append(f"LP={left_raw[-1:] if left_raw else '^'}")
    a, _ = view.cell(c.row, c.start)
    if a == c.start and c.start > 0:
        pa, _ = view.cell(c.row, c.start - 1)
        prev = _clean_tail(text[pa : c.start])[-6:]
        _grams("C", prev, f, 2)
        f.append("cellstart")
    elif a == c.start:
        f.append("rowstart")
    _, cb = view.cell(c.row, max(c.end - 1, c.start))
    if cb == c.end:
        f.append("cellend")
    # -- right ----------------------------------------------------------------------------------
    right = text[c.end : c.end + 4]
    f.append(f"R1={right[:1] or '$'}")
    f.append(f"R2={right[:2]}")
    _grams("R", right, f, 2)
    # -- above: a label over the value, a table's column heading --------------------------------
    x0, _, x1, _ = c.box
    col = ctx.column_text(c.row, x0, x1, 8)
    if col:
        above = _clean_tail(col[0])[-6:]
        _grams("A", above, f, 2)
        f.append(f"dtA2={dt}|{above[-2:]}")
        header = next((t for t in col if len(t) >= 2 and not any(ch.isdigit() for ch in t)), "")
        _grams("H", _clean_tail(header)[-8:], f, 2)
    else:
        f.append("A=none")
    cells = ctx.cell_above(c.row, (x0 + x1) / 2, 8)
    if cells:
        _grams("K", _clean_tail(cells[0])[-6:], f, 2)
        label = next((t for t in cells if len(t) >= 2 and not any(ch.isdigit() for ch in t)), "")
        _grams("KH", _clean_tail(label)[-8:], f, 2)
        f.append(f"dtKH2={dt}|{_clean_tail(label)[-2:]}")
    # -- position on the page -------------------------------------------------------------------
    w, h = view.sizes.get(c.page, (1, 1))
    cy = (c.box[1] + c.box[3]) / 2 / max(h, 1)
    cx = (c.box[0] + c.box[2]) / 2 / max(w, 1)
    f.append(f"Y={min(int(cy * 10), 9)}")
    f.append(f"X={min(int(cx * 5), 4)}")
    f.append(f"P={'first' if c.page == view.first_page else 'later'}")
    f.append(f"conf={min(int(c.conf * 10), 9)}")
    if c.quality < 1:
        f.append("noisy")
    # -- shape ----------------------------------------------------------------------------------
    n = len(c.text)
    f.append(f"len={min(n, 20)}")
    kind = c.kind
    if kind == "money":
        f.append(f"cents={'.' in c.text}")
        f.append(f"comma={',' in c.text}")
        f.append(f"yen={left_raw[-1:] in ('¥', '￥')}")
        if c.amount is not None:
            f.append("zero" if c.amount == 0 else f"mag={len(str(int(abs(c.amount))))}")
    elif kind == "date":
        f.append(f"partial={c.partial}")
        f.append(f"clock={':' in right[:3] or bool(re.match(r'[0-9]', right[:1]))}")
    elif kind in ("name", "org", "dept"):
        if kind != "name":
            f.append(f"F={c.text[:1]}")
        f.append(f"E={c.text[-2:]}")
        f.append(f"E1={c.text[-1:]}")
        f.append(f"S2={c.text[:2]}")
        if kind == "name":
            f.append(f"sur={c.text[0] in SURNAMES}")
        run_a = c.start
        while run_a > 0 and _CJK.match(text[run_a - 1]):
            run_a -= 1
        run_b = c.end
        while run_b < len(text) and _CJK.match(text[run_b]):
            run_b += 1
        f.append(f"runstart={run_a == c.start}")
        f.append(f"runend={run_b == c.end}")
        if kind == "org":
            f.append(f"olen={min(n // 3, 8)}")
    elif kind in ("code", "digits"):
        f.append(f"alpha={any(ch.isalpha() for ch in c.text)}")
        f.append(f"lower={any(ch.islower() for ch in c.text)}")
        f.append(f"nd={min(sum(ch.isdigit() for ch in c.text), 20)}")
    elif kind == "int":
        f.append(f"v={min(int(c.value), 200) // 10}")
    elif kind == "sex":
        f.append(f"LR={left[-1:]}|{right[:1]}")
    elif kind == "visit":
        for g in sorted({ctx.title[i : i + 2] for i in range(len(ctx.title) - 1)}):
            f.append(f"T|{c.value}|{g}")
        for g in ctx.cell_grams:
            f.append(f"V|{c.value}|{g}")
        f.append(f"v={c.value}")
    if extra:
        f += extra
    return f


def agreement(kind: str, cands: list[Candidate], by_kind: dict[str, list[Candidate]]) -> list[list[str]]:
    """Features that compare a candidate with the others on the page, per candidate of `kind`."""
    out: list[list[str]] = [[] for _ in cands]
    if kind == "money":
        uppers = {u.amount for u in by_kind.get("upper", []) if u.amount is not None}
        amounts = sorted({c.amount for c in cands if c.amount is not None}, reverse=True)
        sums2, sums3 = _sums(amounts[:30])
        for i, c in enumerate(cands):
            if c.amount is None:
                continue
            if c.amount in uppers:
                out[i].append("upper_eq")
            out[i].append(f"mrank={min(amounts.index(c.amount), 4)}")
            if c.amount:
                # A total is what its parts add up to (统筹 + 自付 + 自费, 账户 + 现金 = 自付 + 自费).
                if c.amount in sums2:
                    out[i].append("sum_of_2")
                if c.amount in sums3:
                    out[i].append("sum_of_3")
    elif kind == "upper":
        lows = {m.amount for m in by_kind.get("money", []) if m.amount is not None}
        for i, c in enumerate(cands):
            out[i].append("lower_eq" if c.amount is not None and c.amount in lows else "lower_none")
            out[i].append(f"parses={c.amount is not None}")
    elif kind == "date":
        days = sorted({c.day for c in cands if c.day is not None})
        for i, c in enumerate(cands):
            out[i].append(f"dpos={min(i, 3)}")
            out[i].append(f"dlast={i == len(cands) - 1}")
            if c.day is not None and days:
                out[i].append(f"dord={'min' if c.day == days[0] else 'max' if c.day == days[-1] else 'mid'}")
                out[i].append(f"dn={min(len(days), 5)}")
    elif kind == "int":
        stays = _stays([c.day for c in by_kind.get("date", []) if c.day is not None])
        for i, c in enumerate(cands):
            if isinstance(c.value, int) and c.value in stays:
                out[i].append("stay_eq")
    return out


def _sums(amounts: list[Decimal]) -> tuple[set[Decimal], set[Decimal]]:
    """Sums of two and of three different non-zero amounts."""
    xs = [a for a in amounts if a > 0]
    two = {a + b for i, a in enumerate(xs) for b in xs[i + 1 :]}
    three = {a + b + c for i, a in enumerate(xs) for j, b in enumerate(xs[i + 1 :], i + 1) for c in xs[j + 1 :]}
    return two, three


def _stays(days: list[Date]) -> set[int]:
    out = set()
    uniq = sorted(set(days))
    for i, a in enumerate(uniq):
        for b in uniq[i + 1 :]:
            n = (b - a).days
            if n <= 400:
                out.add(stay_days(a, b))
    return out
