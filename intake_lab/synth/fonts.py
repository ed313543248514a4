"""The CJK fonts pages are printed in: Song/Ming, Kai and Hei families from Debian's font packages.

Fonts are looked up by family name in the collection files that fonts-noto-cjk, fonts-arphic-*
and fonts-wqy-* install; a missing font is an error that says which package to install, never a
silent fallback to a font without CJK glyphs (which would draw empty boxes).
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont
from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")


@dataclass(frozen=True)
class FontFamily:
    key: str
    style: str  # song | kai | hei: what a clerk would call it
    file: str
    family: str  # the name-table family of the face inside the collection
    package: str  # the Debian package that installs it


FAMILIES: dict[str, FontFamily] = {
    f.key: f
    for f in (
        FontFamily("noto_serif", "song", "NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC", "fonts-noto-cjk"),
        FontFamily("noto_serif_bold", "song", "NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC", "fonts-noto-cjk"),
        FontFamily("uming", "song", "uming.ttc", "AR PL UMing CN", "fonts-arphic-uming"),
        FontFamily("ukai", "kai", "ukai.ttc", "AR PL UKai CN", "fonts-arphic-ukai"),
        FontFamily("noto_sans", "hei", "NotoSansCJK-Regular.ttc", "Noto Sans CJK SC", "fonts-noto-cjk"),
        FontFamily("noto_sans_bold", "hei", "NotoSansCJK-Bold.ttc", "Noto Sans CJK SC", "fonts-noto-cjk"),
        FontFamily("wqy_zenhei", "hei", "wqy-zenhei.ttc", "WenQuanYi Zen Hei", "fonts-wqy-zenhei"),
        FontFamily("wqy_microhei", "hei", "wqy-microhei.ttc", "WenQuanYi Micro Hei", "fonts-wqy-microhei"),
    )
}

# Body-text families a layout may be printed in; bold faces are for titles only.
BODY_FAMILIES = ("noto_serif", "uming", "ukai", "noto_sans", "wqy_zenhei", "wqy_microhei")


class FontMissing(RuntimeError):
    pass


@cache
def _locate(key: str) -> tuple[str, int]:
    fam = FAMILIES[key]
    for root in FONT_DIRS:
        for path in root.rglob(fam.file) if root.is_dir() else ():
            coll = TTCollection(str(path))
            for index, face in enumerate(coll.fonts):
                if face["name"].getDebugName(1) == fam.family:
                    return str(path), index
    raise FontMissing(f"font {fam.family!r} not found: install the Debian package {fam.package}")


@cache
def font(key: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = _locate(key)
    return ImageFont.truetype(path, size=size, index=index)


@cache
def _cmap(key: str) -> frozenset[int]:
    path, index = _locate(key)
    return frozenset(TTFont(path, fontNumber=index, lazy=True).getBestCmap())


def missing_glyphs(key: str, text: str) -> str:
    """Characters of text that the face cannot draw (spaces never count)."""
    cmap = _cmap(key)
    return "".join(ch for ch in text if not ch.isspace() and ord(ch) not in cmap)


def available() -> list[str]:
    out = []
    for key in FAMILIES:
        try:
            _locate(key)
        except FontMissing:
            continue
        out.append(key)
    return out
