"""A page's fingerprint: the values printed on it, so that the same invoice photographed again (for
a second claim, or twice in one) is recognised even when its 票据代码 and 票据号码 were not read.

The fingerprint is a MinHash signature of the set of numbers on the page with three digits or more
(amounts, dates, numbers, codes): two photographs of one invoice share most of them, whatever the
light, angle or OCR slips; two bills on one hospital's form share almost none, because their labels
are not numbers. Measured on generated invoices read by the OCR stage (8 invoices, each
photographed twice with different degradations): the number sets of the two photographs had a
Jaccard similarity of 0.30–1.00 (median 0.94), those of different bills 0.00–0.03. A perceptual
hash of the page image was tried first and did not separate them (same paper 8–32 of 64 bits
apart, different bills 10–38): the page's cut-out, shadows and the form's own print dominate it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from intake.normalize.text import to_halfwidth

HASHES = 24  # MinHash values; each agrees between two sets with probability their Jaccard similarity
_HEX = 6  # hex digits kept of each hash: 24 bits, collisions negligible at this size
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
MIN_NUMBERS = 4  # fewer, and a page has too little of its own to be recognised by


def page_numbers(texts: Iterable[str]) -> set[str]:
    out = set()
    for text in texts:
        for m in _NUMBER.findall(to_halfwidth(text).replace(",", "")):
            if sum(c.isdigit() for c in m) >= 3:
                out.add(m)
    return out


def page_fingerprint(texts: Iterable[str]) -> str | None:
    """The fingerprint of a page's text lines, or None when it prints too few numbers."""
    numbers = page_numbers(texts)
    if len(numbers) < MIN_NUMBERS:
        return None
    signature = []
    for i in range(HASHES):
        salt = i.to_bytes(2, "big")
        lowest = min(hashlib.blake2b(n.encode(), digest_size=4, salt=salt).digest() for n in numbers)
        signature.append(lowest.hex()[:_HEX])
    return "".join(signature)


def similarity(a: str, b: str) -> float:
    """The estimated Jaccard similarity of two pages' number sets (0..1)."""
    pa = [a[i : i + _HEX] for i in range(0, len(a), _HEX)]
    pb = [b[i : i + _HEX] for i in range(0, len(b), _HEX)]
    if len(pa) != len(pb) or not pa:
        return 0.0
    return sum(x == y for x, y in zip(pa, pb, strict=True)) / len(pa)
