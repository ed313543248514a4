"""What every form renderer shares: the document and its typography from the spec, field items,
distractors mixed into a block in the copy's order, the stay as a range or as two dates, titles,
and the seal."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from intake.normalize.money import format_money
from intake.vocabulary import DocType
from intake_lab.synth import seals
from intake_lab.synth.canvas import RGB, Box, Page, SynthDocument
from intake_lab.synth.case import Case
from intake_lab.synth.clinical import Dated, fit_size

from . import facts
from .arrange import Item, Sheet, Typo, arrange, runs
from .spec import FormSpec


def new_document(doc_type: DocType, spec: FormSpec) -> SynthDocument:
    """The layout name says which renderer drew it (forms_<kind>); the family is in the truth apart."""
    return SynthDocument(doc_type, f"forms_{spec.kind}", spec.font)


def typo(spec: FormSpec, **kw: Any) -> Typo:
    base = Typo(size=spec.size, label_size=spec.size, colon=spec.colon, leading=spec.leading)
    return replace(base, **kw) if kw else base


def title_face(spec: FormSpec) -> tuple[str | None, bool]:
    """(family, bold) of a title: the family's title face, or the body face in bold."""
    return (spec.title_font, False) if spec.title_font else (None, True)


def title(page: Page, spec: FormSpec, x: float, y: float, text: str, size: int, *, width: float, **kw: Any) -> Box:
    family, bold = title_face(spec)
    size = fit_size(page, text, size, width, family=family, bold=bold)
    return page.text(x, y, text, size, family=family, bold=bold, **kw)


# -- items -------------------------------------------------------------------------------------------


def money_item(spec: FormSpec, key: str, amount: Decimal, name: str | None = None, *, total: bool = False) -> Item:
    """An amount under the family's label for key; name is the contract field it is, if any."""
    return Item(
        spec.label(key), spec.money(amount, total=total), name, format_money(amount) if name else None, align="right"
    )


def field_item(spec: FormSpec, name: str, printed: str, truth: Any, *, key: str | None = None, **kw: Any) -> Item:
    return Item(spec.label(key or name), printed, name, truth, **kw)


def distractors(spec: FormSpec, block: str, case: Case, rng: random.Random) -> list[Item]:
    """The block's distractors this copy prints: labelled values that are not contract fields."""
    return [
        Item(
            d.label,
            facts.make(d.kind, case, spec, rng),
            align="right" if d.kind in facts.MONEY_KINDS else "left",
            distractor=True,
        )
        for d in spec.distractors.get(block, [])
    ]


def compose(spec: FormSpec, block: str, named: dict[str, list[Item]], extra: Sequence[Item]) -> list[Item]:
    """The block's items in the copy's field order, distractors slotted in among them.

    named maps an ordering key to its items (a stay printed as two dates is one key with two
    items, so that they stay neighbours); distractors go in at positions drawn from the spec.
    """
    order = spec.order(block, list(named))
    items = [it for key in order for it in named[key]]
    rng = random.Random(f"{spec.order_seed}:{block}:distractors")
    for it in extra:
        # Never between the two halves of a kept pair.
        spots = [k for k in range(len(items) + 1) if not (0 < k < len(items) and items[k].keep and items[k - 1].keep)]
        items.insert(rng.choice(spots), it)
    return items


def age_item(spec: FormSpec, case: Case, key: str = "age") -> Item:
    label = spec.label(key)
    printed = str(case.age) if "岁" in label else f"{case.age}岁"
    return Item(label, printed, "age", case.age)


def stay_days_item(spec: FormSpec, case: Case, key: str = "length_of_stay") -> Item:
    label = spec.label(key)
    printed = str(case.stay_days) if "天" in label else f"{case.stay_days}天"
    return Item(label, printed, "length_of_stay", case.stay_days)


def stay_items(spec: FormSpec, adm: Dated, dis: Dated, rng: random.Random) -> list[Item]:
    """The stay as the copy prints it (choose.stay): one range, two dates on one row, or two dates.

    A range is one printed value carrying both dates (months only, on a copy blanked for privacy);
    split_row keeps the two labels on one row.
    """
    how = spec.pick("stay", "split")
    if how == "range":
        sep = spec.pick("range_sep", "~")
        if sep == "-" and "-" in adm.text:
            sep = "至"  # 2021-03-01-2021-03-06 is printed by no system: ISO dates join with 至
        printed = f"{adm.text}{sep}{dis.text}"
        return [
            Item(
                spec.label("stay_range"),
                printed,
                "admission_date",
                adm.value,
                also={"discharge_date": dis.value},
            )
        ]
    keep = "stay" if how == "split_row" else ""
    return [
        Item(spec.label("admission_date"), adm.text, "admission_date", adm.value, keep=keep),
        Item(spec.label("discharge_date"), dis.text, "discharge_date", dis.value, keep=keep),
    ]


def plain_dates(spec: FormSpec, case: Case) -> tuple[Dated, Dated]:
    return Dated(spec.date(case.admission), case.admission.isoformat()), Dated(
        spec.date(case.discharge), case.discharge.isoformat()
    )


# -- seals -------------------------------------------------------------------------------------------


def hospital_seal(
    doc: SynthDocument,
    page: Page,
    spec: FormSpec,
    case: Case,
    rng: random.Random,
    cx: float,
    cy: float,
    purpose: str,
    *,
    diameter: int | None = None,
) -> Box | None:
    """The hospital's round seal with its purpose under the star; records the seal field either way."""
    if not spec.seal:
        doc.seal_field(page, None, None)
        return None
    d = diameter or rng.randint(195, 235)
    ink = seals.round_seal(case.hospital, d, rng, bottom_text=purpose)
    box = page.stamp(ink, int(cx), int(cy), case.hospital, "round")
    doc.seal_field(page, box, case.hospital)
    doc.notes.setdefault("arrangement", {})["seal"] = "seal"
    return box


def trim(page: Page, rng: random.Random, lo: int, hi: int) -> None:
    """Cut the page a margin below the last ink (a seal may hang lower than the text)."""
    bottom = max([d.box[3] for d in page.drawn] + [s.box[3] for s in page.seals])
    page.trim_bottom(min(page.height, bottom + rng.randint(lo, hi)))


def tinted(rgb: RGB, k: float) -> RGB:
    """A paler print of rgb (k = 1 is rgb, 0 is white)."""
    return tuple(int(255 - (255 - c) * k) for c in rgb)  # type: ignore[return-value]


def block(
    sh: Sheet,
    spec: FormSpec,
    name: str,
    items: Sequence[Item],
    x0: int,
    x1: int,
    y: int,
    *,
    inset: int = 10,
    ruled: bool = False,
    **kw: Any,
) -> int:
    """Draw a block's items, each run of one arrangement in turn (see FormSpec.hows).

    Runs of label:value lines keep `inset` from the block's edges, ruled ones (ruled=True, inside a
    form's frame) get a rule under each row.
    """
    hows = spec.hows(name, len(items))
    for k in range(1, len(items)):
        if items[k].keep and items[k].keep == items[k - 1].keep:
            hows[k] = hows[k - 1]  # a pair kept on one row shares its arrangement
    gap = int(kw.pop("gap", sh.t.size * 0.4))
    cols = int(kw.pop("cols", spec.cols.get(name, 3)))
    for how, run in runs(items, hows):
        if how == "right":
            rules = (x0, x1) if ruled else None
            y = arrange(sh, how, run, x0 + inset, x1 - inset, y, cols=cols, rules=rules, **kw) + gap
        else:
            y = arrange(sh, how, run, x0, x1, y, cols=cols, **kw) + gap
    return y - gap if items else y
