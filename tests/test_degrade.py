"""degrade.py: the matrix must carry truth boxes onto the degraded picture, and the promises about
protected and covered boxes must hold, because the corpus's ground truth rests on both."""

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

from intake_lab.synth import degrade
from intake_lab.synth.canvas import Box
from intake_lab.synth.degrade import KINDS, apply, map_box

W, H = 240, 320
# Off-centre, so that a matrix that turns the wrong way or mirrors the page lands elsewhere.
RECT: Box = (150, 60, 200, 110)
GEOMETRIC = ("photo", "rotate", "rotate90", "rotate180", "rotate270")


def _page(rect: Box | None = None) -> Image.Image:
    """A white page with a thin frame (so both variants have the same blank margins) and maybe a rect."""
    img = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle((12, 12, W - 13, H - 13), outline=(120, 120, 120))
    if rect:
        draw.rectangle((rect[0], rect[1], rect[2] - 1, rect[3] - 1), fill=(0, 0, 0))
    return img


def _text_page() -> Image.Image:
    """A page with dark blocks standing in for lines of print."""
    img = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(img)
    for y in range(20, H - 20, 20):
        draw.rectangle((20, y, W - 20, y + 10), fill=(30, 30, 30))
    return img


def _marked_pixels(kinds: list[str], seed: int) -> tuple[np.ndarray, degrade.Degraded]:
    """Pixels where the rect shows in the output: the same degradation of the page with and without it."""
    marked = apply(_page(RECT), kinds, random.Random(seed), protect=[RECT])
    blank = apply(_page(), kinds, random.Random(seed), protect=[RECT])
    assert np.array_equal(marked.matrix, blank.matrix)
    a = np.asarray(marked.image.convert("RGB"), dtype=np.int16)
    b = np.asarray(blank.image.convert("RGB"), dtype=np.int16)
    return np.abs(a - b).max(axis=2) > 60, marked


@pytest.mark.parametrize(
    ("kinds", "seed"),
    [(["rotate"], 1), (["rotate"], 2), (["rotate90"], 0), (["rotate180"], 0), (["rotate270"], 0)]
    + [(["photo"], s) for s in range(3)]
    + [(["rotate", "rotate90", "photo"], 5)],
)
def test_matrix_maps_a_box_onto_its_pixels(kinds: list[str], seed: int) -> None:
    diff, out = _marked_pixels(kinds, seed)
    ys, xs = np.nonzero(diff)
    assert len(xs) > 0.5 * (RECT[2] - RECT[0]) * (RECT[3] - RECT[1])
    x0, y0, x1, y1 = map_box(out.matrix, RECT, out.image.size)
    inside = (xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1)
    assert inside.mean() >= 0.97, out.applied
    # And the mapped box is tight: not much larger than the region the rect actually occupies.
    dark_area = (xs.max() + 1 - xs.min()) * (ys.max() + 1 - ys.min())
    assert (x1 - x0) * (y1 - y0) <= 1.3 * dark_area, out.applied


def test_quarter_turns_swap_sides_and_are_exact() -> None:
    page = _page(RECT)
    arr = np.asarray(page)
    for kind, size, k in (("rotate90", (H, W), -1), ("rotate180", (W, H), 2), ("rotate270", (H, W), 1)):
        out = apply(page, [kind], random.Random(0))
        assert out.image.size == size
        assert np.array_equal(np.asarray(out.image), np.rot90(arr, k))
        assert map_box(out.matrix, (0, 0, W, H), out.image.size) == (0, 0, *size)


def test_map_box_identity_and_clipping() -> None:
    assert map_box(np.eye(3), (5, 6, 50, 60), (100, 100)) == (5, 6, 50, 60)
    shift = np.array([[1.0, 0, -20], [0, 1, 30], [0, 0, 1]])
    assert map_box(shift, (5, 6, 50, 60), (100, 80)) == (0, 36, 30, 80)


def test_privacy_whitens_cover_boxes_and_never_touches_protected_ones() -> None:
    page = _text_page()
    orig = np.asarray(page)
    protect = [(20, 100, 220, 110), (20, 200, 220, 210)]
    free = [(20, 40, 120, 50), (20, 140, 120, 150), (120, 260, 220, 270)]
    clashing = (60, 180, 160, 230)  # overlaps the second protected line: must be left alone
    counts = set()
    for seed in range(12):
        out = apply(page, ["privacy"], random.Random(seed), protect=protect, cover=[*free, clashing])
        arr = np.asarray(out.image)
        for x0, y0, x1, y1 in [*protect, clashing]:
            assert np.array_equal(arr[y0:y1, x0:x1], orig[y0:y1, x0:x1])
        whitened = [b for b in free if arr[b[1] : b[3], b[0] : b[2]].min() >= 240]
        assert out.applied == [f"privacy:{len(whitened)}"]
        assert np.array_equal(out.matrix, np.eye(3))
        counts.add(len(whitened))
    assert counts <= {1, 2, 3} and len(counts) > 1


def test_privacy_without_cover_boxes_does_nothing() -> None:
    page = _text_page()
    out = apply(page, ["privacy"], random.Random(0))
    assert out.applied == []
    assert out.image.tobytes() == page.tobytes()


def test_watermark_keeps_out_of_protected_boxes() -> None:
    page = Image.new("RGB", (W, H), "white")
    corners = [(0, 0, 60, 40), (W - 60, 0, W, 40), (0, H - 40, 60, H), (W - 60, H - 40, W, H)]
    middle = [(40, 120, 200, 140), (60, 200, 180, 215)]
    for seed in range(6):
        out = apply(page, ["watermark"], random.Random(seed), protect=corners + middle)
        arr = np.asarray(out.image)
        assert out.applied and out.applied[0].startswith("watermark:diagonal")  # every corner is taken
        assert arr.min() < 250  # something was drawn
        for x0, y0, x1, y1 in corners + middle:
            assert (arr[y0:y1, x0:x1] == 255).all()


def test_hand_never_covers_protected_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    # A green "hand" is easy to find again after lighting and colour cast.
    monkeypatch.setattr(degrade, "_SKINS", ((0, 255, 0),))
    page = _page()
    protect = [(14, 40, 60, 280), (180, 40, 226, 280), (40, 280, 200, 305)]  # along the margins
    hands = 0
    for seed in range(30):
        out = apply(page, ["photo"], random.Random(seed), protect=protect)
        if not out.applied[0].endswith(",hand"):
            continue
        hands += 1
        arr = np.asarray(out.image, dtype=np.int16)
        green = (arr[..., 1] - arr[..., 0] > 40) & (arr[..., 1] - arr[..., 2] > 40)
        assert green.sum() > 500  # the hand is there
        for box in protect:
            x0, y0, x1, y1 = map_box(out.matrix, box, out.image.size)
            assert not green[y0:y1, x0:x1].any(), (seed, box)
        if hands == 3:
            break
    assert hands == 3


def test_same_seed_same_bytes_and_order_of_kinds_does_not_matter() -> None:
    page = _text_page()
    kw = {"protect": [(20, 100, 220, 110)], "cover": [(20, 40, 120, 50)]}
    kinds = ["photo", "shadow", "fold", "privacy", "watermark", "blur", "noise", "jpeg"]
    a = apply(page, kinds, random.Random(3), **kw)
    b = apply(page, kinds[::-1], random.Random(3), **kw)
    c = apply(page, kinds, random.Random(4), **kw)
    assert a.image.tobytes() == b.image.tobytes()
    assert np.array_equal(a.matrix, b.matrix) and a.applied == b.applied
    assert a.image.tobytes() != c.image.tobytes()
    # Physical order: the page is marked before it is photographed, the file encoded last.
    names = [s.split(":")[0] for s in a.applied]
    assert names.index("fold") < names.index("photo") < names.index("watermark") < names.index("jpeg")


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_runs_and_changes_the_page(kind: str) -> None:
    page = _text_page()
    out = apply(page, [kind], random.Random(1), protect=[(20, 100, 220, 110)], cover=[(20, 40, 120, 50)])
    assert out.applied and out.applied[0].split(":")[0] == kind
    assert out.image.mode == ("L" if kind == "scan_grey" else "RGB")
    assert out.matrix.shape == (3, 3)
    if kind not in GEOMETRIC:
        assert out.image.size == page.size
        assert np.array_equal(out.matrix, np.eye(3))
    if kind == "photo":
        assert 1600 <= max(out.image.size) <= 2400
    assert out.image.convert("RGB").tobytes() != page.tobytes()


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        apply(_page(), ["sepia"], random.Random(0))
