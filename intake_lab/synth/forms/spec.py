"""Form families (data) and the form spec of one document, sampled within its family.

A family is one way a kind of document gets worded and laid out in the world: a hospital
information system's discharge record, a province's paper invoice, an employer's habit of writing
its letters. Its wordings, arrangements, letter phrasings and distractors are data, in
`<doc_type>.yaml` next to this file; `families.yaml` says which families train a model and which
are held out to measure it. A spec is what one printed copy of a family chose: the label of each
field, the arrangement of each block and field, the field order, the font, sizes and margins, the
distractors printed, the templates of its sentences.

Family keys (every key but `kind` and `labels` optional; see any <doc_type>.yaml):

  kind       the renderer variant (electronic/paper, record/summary/certificate, letter/form)
  about      what the family stands for, for a reader of the data
  fonts      body faces (keys of fonts.FAMILIES); default all body faces
  size       [lo, hi] body text in pixels at 150 dpi
  margin     [lo, hi] left and right margin in pixels
  leading    [lo, hi] line pitch as a multiple of the size
  colon      the colons its labels end with (one is drawn per copy)
  dates      date styles (intake.normalize.dates.DATE_STYLES) its system prints
  clock      chance that a date carries a time of day where the form allows one
  money      {thousands: p, trim: p, total_prefix: [...], suffix: [...]}: how amounts print
  seal       chance the copy was stamped
  labels     field (or other printed key) -> the wordings this family uses for it
  arrange    block -> {arrangement: weight}
  cols       block -> column counts to draw from
  mix        chance that part of a block takes another of the block's allowed arrangements
  order      fixed | loose | shuffled: how far field order within a block strays from the listing
  distractors block -> [[label, value kind] or [label, value kind, chance]]
  choose     key -> options (titles, header blocks, letter templates, diagnosis styles, ...)
  extras     [[sentence, chance]]: further sentences a letter may add
  inpatient  chance that the family's case is an inpatient stay (default: the doc type's share)
  hand, blank, stay  chances that values are written by pen, that dates show only the month, that a
             certificate prints the stay (clinical documents and letters)

Beside its families each data file names `shared_labels` and `shared_templates` (what a family of
either split may print, because the world has no other word for it) and `phrasing_keys` (the
choose keys whose options are wordings): a held-out family prints no other training wording.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from intake.normalize.dates import DATE_STYLES, print_date
from intake.normalize.money import print_money
from intake.vocabulary import DocType
from intake_lab.synth import fonts

from .arrange import ARRANGEMENTS

HERE = Path(__file__).parent
FAMILIES_FILE = HERE / "families.yaml"
DOC_TYPES: tuple[DocType, ...] = (
    DocType.INVOICE,
    DocType.SETTLEMENT,
    DocType.DISCHARGE,
    DocType.DIAGNOSIS,
    DocType.UNIT_CERTIFICATE,
)
SPLITS: tuple[str, ...] = ("train", "heldout")
ORDERS = ("fixed", "loose", "shuffled")


class FamilyError(ValueError):
    """The family data is inconsistent: says which file and key."""


@dataclass(frozen=True)
class Family:
    name: str
    doc_type: DocType
    split: str
    kind: str
    data: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass(frozen=True)
class Wordings:
    """One doc type's data file: its families and what every family may print whatever its split."""

    doc_type: DocType
    shared_labels: dict[str, list[str]]
    shared_templates: list[str]
    phrasing_keys: list[str]  # choose keys whose options are wordings, not formats
    families: dict[str, dict[str, Any]]


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def wordings(doc_type: DocType) -> Wordings:
    path = HERE / f"{doc_type}.yaml"
    raw = _read(path)
    if raw.get("doc_type") != str(doc_type):
        raise FamilyError(f"{path.name}: doc_type should be {doc_type}")
    return Wordings(
        doc_type,
        {k: list(v) for k, v in (raw.get("shared_labels") or {}).items()},
        list(raw.get("shared_templates") or []),
        list(raw.get("phrasing_keys") or []),
        raw["families"],
    )


@cache
def all_families() -> dict[str, Family]:
    """Every family by name, with its split from families.yaml; checks the data hangs together."""
    splits = _read(FAMILIES_FILE)
    out: dict[str, Family] = {}
    unknown = set(splits) - {str(dt) for dt in DOC_TYPES}
    if unknown:
        raise FamilyError(f"families.yaml: unknown document types {sorted(unknown)}")
    for dt in (DocType(key) for key in splits):
        words = wordings(dt)
        listed = splits[str(dt)] or {}
        named = {name: split for split in SPLITS for name in listed.get(split) or []}
        if set(named) != set(words.families):
            raise FamilyError(
                f"families.yaml {dt}: {sorted(set(named) ^ set(words.families))} listed in one of "
                f"families.yaml and {dt}.yaml but not the other"
            )
        # A held-out measure needs more than one family, and training needs a spread to learn from.
        if len(named) < 6 or len(listed.get("heldout") or []) < 2 or not listed.get("train"):
            raise FamilyError(f"families.yaml {dt}: needs at least 6 families, 2 of them held out")
        for name, split in named.items():
            data = words.families[name]
            _check(dt, name, data)
            if name in out:
                raise FamilyError(f"family {name} defined twice")
            out[name] = Family(name, dt, split, data["kind"], data)
    return out


def _check(dt: DocType, name: str, data: dict[str, Any]) -> None:
    where = f"{dt}.yaml {name}"
    for key in ("kind", "labels"):
        if key not in data:
            raise FamilyError(f"{where}: no {key}")
    for block, weights in (data.get("arrange") or {}).items():
        bad = set(weights) - set(ARRANGEMENTS)
        if bad:
            raise FamilyError(f"{where}: arrange.{block}: unknown arrangements {sorted(bad)}")
    for face in data.get("fonts") or []:
        if face not in fonts.FAMILIES:
            raise FamilyError(f"{where}: unknown font {face}")
    for style in data.get("dates") or []:
        if style not in DATE_STYLES:
            raise FamilyError(f"{where}: unknown date style {style}")
    if data.get("order", "loose") not in ORDERS:
        raise FamilyError(f"{where}: order must be one of {ORDERS}")


def families(doc_type: DocType | str | None = None, split: str | None = None) -> list[Family]:
    """Families in data order, restricted to a doc type and split ("all" or None for both)."""
    out = list(all_families().values())
    if doc_type is not None:
        out = [f for f in out if f.doc_type == DocType(doc_type)]
    if split not in (None, "all"):
        if split not in SPLITS:
            raise ValueError(f"split must be train, heldout or all, not {split!r}")
        out = [f for f in out if f.split == split]
    return out


# -- the spec of one copy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MoneyStyle:
    thousands: bool
    trim: bool
    total_prefix: str  # ¥ or ⊗ before a total, or nothing
    suffix: str  # 元 after amounts, or nothing

    def __call__(self, value: Decimal, *, total: bool = False) -> str:
        s = print_money(value, thousands=self.thousands, trim=self.trim)
        return (self.total_prefix if total else "") + s + self.suffix


@dataclass(frozen=True)
class Distractor:
    """A printed value of the same kind as a field's that is not the field (a hire date, 预交金)."""

    label: str
    kind: str  # a maker of facts.MAKERS


@dataclass
class FormSpec:
    family: Family
    font: str
    title_font: str | None  # None: the body face in bold
    size: int
    margin: int
    leading: float
    colon: str
    date_style: str
    clock: bool
    money: MoneyStyle
    seal: bool
    labels: dict[str, str]
    arrange: dict[str, str]
    cols: dict[str, int]
    distractors: dict[str, list[Distractor]]
    choice: dict[str, Any]
    order_seed: int

    @property
    def kind(self) -> str:
        return self.family.kind

    def label(self, key: str) -> str:
        if key not in self.labels:
            raise KeyError(f"family {self.family.name} has no label for {key}")
        return self.labels[key]

    def has(self, key: str) -> bool:
        return key in self.labels

    def how(self, block: str) -> str:
        """The block's arrangement."""
        return self.arrange.get(block, "right")

    def hows(self, block: str, n: int) -> list[str]:
        """The arrangement of each of a block's n items in order: the block's, except that with the
        family's `mix` chance the block is cut in two and its second (or first) part takes another
        arrangement the block allows (a header grid whose last fields run on as label lines). Forms
        keep to one arrangement a part; a sentence is a template of its own and never mixes."""
        main = self.how(block)
        allowed = (self.family.get("arrange") or {}).get(block, {})
        others = {a: w for a, w in allowed.items() if a not in (main, "sentence")}
        rng = random.Random(f"{self.order_seed}:{block}:mix")
        if n < 4 or not others or rng.random() >= float(self.family.get("mix", 0.0)):
            return [main] * n
        cut = rng.randint(2, n - 2)
        other = _weighted(rng, others)
        return [main] * cut + [other] * (n - cut) if rng.random() < 0.7 else [other] * cut + [main] * (n - cut)

    def date(self, d: date) -> str:
        return print_date(d, self.date_style)

    def pick(self, key: str, default: Any = None) -> Any:
        return self.choice.get(key, default)

    def order(self, block: str, keys: list[str]) -> list[str]:
        """The block's keys in this copy's order: as listed, a few neighbours swapped, or shuffled.

        Keys joined by "+" (a stay's two dates) move as one.
        """
        rng = random.Random(f"{self.order_seed}:{block}")
        how = self.family.get("order", "loose")
        out = list(keys)
        if how == "shuffled":
            rng.shuffle(out)
        elif how == "loose":
            for _ in range(max(1, len(out) // 3)):
                if len(out) > 1:
                    k = rng.randrange(len(out) - 1)
                    out[k], out[k + 1] = out[k + 1], out[k]
        return out


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    names = list(weights)
    return rng.choices(names, weights=[float(weights[n]) for n in names])[0]


def sample(family: Family, rng: random.Random) -> FormSpec:
    """One copy's choices within its family."""
    d = family.data
    lo, hi = d.get("size", [20, 23])
    mlo, mhi = d.get("margin", [90, 130])
    llo, lhi = d.get("leading", [1.7, 2.0])
    money = d.get("money") or {}
    # A key the family does not word itself takes the world's shared wording (序号, 性别).
    shared = wordings(family.doc_type).shared_labels
    options_of = {**shared, **d["labels"]}
    labels = {key: rng.choice(options) for key, options in options_of.items()}
    arrange = {block: _weighted(rng, weights) for block, weights in (d.get("arrange") or {}).items()}
    distractors: dict[str, list[Distractor]] = {}
    for block, entries in (d.get("distractors") or {}).items():
        chosen = []
        for entry in entries:
            label, kind, *rest = entry
            if rng.random() < (float(rest[0]) if rest else 0.6):
                chosen.append(Distractor(label, kind))
        distractors[block] = chosen
    choice = {key: rng.choice(options) for key, options in (d.get("choose") or {}).items()}
    return FormSpec(
        family=family,
        font=rng.choice(d.get("fonts") or fonts.BODY_FAMILIES),
        title_font=rng.choice(d.get("title_fonts") or [None, "noto_serif_bold", "noto_sans_bold"]),
        size=rng.randint(int(lo), int(hi)),
        margin=rng.randint(int(mlo), int(mhi)),
        leading=round(rng.uniform(float(llo), float(lhi)), 2),
        colon=rng.choice(d.get("colon") or ["："]),
        date_style=rng.choice(d.get("dates") or ["iso"]),
        clock=rng.random() < float(d.get("clock", 0.0)),
        money=MoneyStyle(
            thousands=rng.random() < float(money.get("thousands", 0.15)),
            trim=rng.random() < float(money.get("trim", 0.1)),
            total_prefix=rng.choice(money.get("total_prefix") or [""]),
            suffix=rng.choice(money.get("suffix") or [""]),
        ),
        seal=rng.random() < float(d.get("seal", 0.9)),
        labels=labels,
        arrange=arrange,
        cols={block: int(rng.choice(options)) for block, options in (d.get("cols") or {}).items()},
        distractors=distractors,
        choice=choice,
        order_seed=rng.getrandbits(32),
    )
