"""Character-level clean-up of OCR text before any parsing."""

import re
import unicodedata

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
# OCR and print variants that mean the same character to a label: 帐户/账户, 姓 名, 住院号：
LABEL_FOLD = str.maketrans(
    {"帐": "账", "別": "别", "：": ":", "（": "(", "）": ")", "〔": "(", "〕": ")", "【": "(", "】": ")"}
)
_SPACES = re.compile(r"\s+")
# The characters OCR reads for a digit on these pages (O and o for 0, l and I for 1, S for 5, B for 8,
# b for 6): what a date's or an amount's digits are looked for as, before they are read as digits.
OCR_DIGITS = "0123456789OolISBb"


def to_halfwidth(s: str) -> str:
    """Full-width digits, letters and ASCII punctuation to their half-width forms.

    NFKC would also do this but it rewrites some CJK compatibility characters as well, so only the
    full-width ASCII block (U+FF01..U+FF5E) and the ideographic space are mapped.
    """
    out = []
    for ch in s:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif code == 0x3000:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def squeeze_cjk_spaces(s: str) -> str:
    """Names and free text are printed with letter-spacing (张 三); the contract wants 张三."""
    return _SPACE_BETWEEN_CJK.sub("", s).strip()


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def fold(text: str) -> str:
    """The form labels and names are matched in: half-width, no spaces, variant characters unified."""
    return _SPACES.sub("", to_halfwidth(text).translate(LABEL_FOLD))


def normalize_name(s: str) -> str:
    """A name as compared: without what never distinguishes two people or two institutions
    (spaces, full-width forms, the several middle dots)."""
    return re.sub(r"\s+", "", to_halfwidth(str(s))).replace("•", "·").replace("・", "·")


def substring_distance(needle: str, hay: str) -> int:
    """Edits to make needle appear somewhere in hay: a seal ring adds words (专用章, a code) around the name."""
    prev = [0] * (len(hay) + 1)
    for i, cn in enumerate(needle, 1):
        cur = [i]
        for j, ch in enumerate(hay, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (cn != ch)))
        prev = cur
    return min(prev)
