"""Label-driven extraction: find a field's label on the page, read the value beside or under it.

The labels, parsers and positions are data (labels.yaml); this module only knows how to look.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from pydantic import Field as Default
from pydantic import field_validator

from intake.datafile import DataFileError, KeyProblem, Strict, packaged, parse, read_yaml
from intake.elements.document import Field
from intake.extract.layout import Row
from intake.extract.parsers import PARSERS, Parsed
from intake.normalize.text import fold
from intake.vocabulary import FIELDS, DocType


@dataclass(frozen=True)
class FieldSpec:
    name: str
    labels: tuple[str, ...]
    parser: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    where: str = "right"


@dataclass(frozen=True)
class DocSpec:
    fields: tuple[FieldSpec, ...]
    rules: tuple[str, ...]
    stop_labels: tuple[str, ...]

    @property
    def all_labels(self) -> tuple[str, ...]:
        labels = {fold(x) for f in self.fields for x in f.labels} | {fold(x) for x in self.stop_labels}
        return tuple(sorted(labels, key=len, reverse=True))


class SpecError(DataFileError):
    """labels.yaml names a field, parser or position that does not exist."""


class _FieldEntry(Strict):
    labels: tuple[str, ...]
    parser: str
    params: dict[str, Any] = Default(default_factory=dict)
    where: Literal["right", "below", "right_or_below"] = "right"

    @field_validator("parser")
    @classmethod
    def _known_parser(cls, value: str) -> str:
        if value not in PARSERS:
            raise ValueError(f"unknown parser {value!r} (known: {', '.join(PARSERS)})")
        return value


class _LabelsFile(Strict):
    anchors: dict[str, Any] = Default(default_factory=dict)  # YAML anchors the entries merge in
    stop_labels: tuple[str, ...] = ()
    doc_types: dict[DocType, dict[str, Any]]

    @field_validator("doc_types")
    @classmethod
    def _entries(cls, value: dict[DocType, dict[str, Any]]) -> dict[DocType, dict[str, Any]]:
        for dt, entries in value.items():
            for name in entries:
                # Names with a leading underscore are read only to complete a cross-check (其他支付).
                if name != "rules" and name not in FIELDS[dt] and not name.startswith("_"):
                    raise KeyProblem((dt.value, name), f"is not a contract field of {dt.value}")
        return value


def parse_specs(data: Any, source: str = "labels.yaml") -> dict[DocType, DocSpec]:
    try:
        spec_file = parse(_LabelsFile, data, source)
        specs: dict[DocType, DocSpec] = {}
        for dt, entries in spec_file.doc_types.items():
            fields = []
            for name, raw in entries.items():
                if name == "rules":
                    continue
                entry = parse(_FieldEntry, raw, f"{source}: doc_types.{dt.value}.{name}")
                fields.append(FieldSpec(name, entry.labels, entry.parser, dict(entry.params), entry.where))
            rules = tuple(str(r) for r in entries.get("rules", ()))
            specs[dt] = DocSpec(tuple(fields), rules, spec_file.stop_labels)
    except DataFileError as exc:
        raise SpecError(str(exc)) from None
    return specs


@cache
def load_specs() -> dict[DocType, DocSpec]:
    path = packaged("intake.extract", "labels.yaml")
    data, source = read_yaml(path, "labels file")
    return parse_specs(data, source)


@dataclass
class Hit:
    row: int
    start: int
    end: int
    label: str


def find_hits(rows: list[Row], labels: tuple[str, ...]) -> list[Hit]:
    """Every label occurrence, longest label first, never two overlapping in a row."""
    hits: list[Hit] = []
    for ri, row in enumerate(rows):
        taken = [False] * len(row.text)
        for label in labels:
            start = row.text.find(label)
            while start >= 0:
                end = start + len(label)
                if not any(taken[start:end]):
                    hits.append(Hit(ri, start, end, label))
                    for k in range(start, end):
                        taken[k] = True
                start = row.text.find(label, start + 1)
    hits.sort(key=lambda h: (h.row, h.start))
    return hits


class LabelReader:
    """Reads the label-driven fields of one document from its rows."""

    def __init__(self, rows: list[Row], spec: DocSpec) -> None:
        self.rows = rows
        self.spec = spec
        self.hits = find_hits(rows, spec.all_labels)
        self._by_row: dict[int, list[Hit]] = {}
        for h in self.hits:
            self._by_row.setdefault(h.row, []).append(h)

    def _segment_end(self, row: int, start: int) -> int:
        """Where a value that starts at `start` stops: at the next label in its row."""
        for h in self._by_row.get(row, []):
            if h.start >= start:
                return h.start
        return len(self.rows[row].text)

    def _field(self, row: Row, parsed: Parsed, offset: int, quality: float) -> Field:
        start, end = offset + parsed.start, offset + parsed.end
        conf = row.confidence(start, end) * parsed.quality * quality
        return Field(parsed.value, conf, row.page, row.box(start, end), row.source(start, end), list(parsed.reasons))

    def right_of(self, hit: Hit, spec: FieldSpec) -> Field | None:
        row = self.rows[hit.row]
        end = self._segment_end(hit.row, hit.end)
        parsed = PARSERS[spec.parser](row.text[hit.end : end], spec.params)
        return self._field(row, parsed, hit.end, 1.0) if parsed else None

    def below(self, hit: Hit, spec: FieldSpec) -> Field | None:
        """The value printed under its label, as in a strip of labels over a strip of amounts."""
        row = self.rows[hit.row]
        x0, _, x1, _ = row.box(hit.start, hit.end)
        pad = (x1 - x0) * 0.35
        for ri in range(hit.row + 1, min(hit.row + 3, len(self.rows))):
            nxt = self.rows[ri]
            if nxt.page != row.page or nxt.top - row.bottom > 3 * row.height:
                break
            # The characters of the next row that sit in the label's column.
            inside = [
                k
                for k in range(len(nxt.text))
                if x0 - pad <= (lambda b: (b[0] + b[2]) / 2)(nxt.box(k, k + 1)) <= x1 + pad
            ]
            if not inside:
                continue
            a, b = inside[0], inside[-1] + 1
            if any(h.start < b and h.end > a for h in self._by_row.get(ri, [])):
                return None  # the next row holds labels: a label row, not the values row
            parsed = PARSERS[spec.parser](nxt.text[a:b], spec.params)
            if parsed:
                return self._field(nxt, parsed, a, 0.97)
        return None

    def read(self, spec: FieldSpec) -> Field | None:
        for label in spec.labels:
            want = fold(label)
            for hit in self.hits:
                if hit.label != want:
                    continue
                found = None
                if spec.where in ("right", "right_or_below"):
                    found = self.right_of(hit, spec)
                if found is None and spec.where in ("below", "right_or_below"):
                    found = self.below(hit, spec)
                if found is not None:
                    return found
        return None
