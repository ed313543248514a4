"""Diagnosis names to ICD-10 (医保版 2.0) codes.

intake ships a small curated table (intake/reference/diagnoses.csv) of the diagnoses that matter to
claims, colloquial names included (右肺癌). A full official table (CSV with `code,name`) is loaded
from the path in INTAKE_ICD10_TABLE, or `icd10_table` in extract/settings.yaml, when configured;
the curated table wins where both know a name.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from intake.normalize.text import fold
from intake.reference.diagnoses import curated


class IcdTableError(ValueError):
    """The configured ICD-10 table cannot be read."""


class IcdTable:
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    @classmethod
    def load(cls, full_table: Path | None = None) -> IcdTable:
        names: dict[str, str] = {}
        if full_table is not None:
            try:
                with full_table.open(encoding="utf-8-sig", newline="") as fh:
                    for row in csv.DictReader(fh):
                        names.setdefault(fold(row["name"]), row["code"])
            except (OSError, KeyError, UnicodeDecodeError) as exc:
                raise IcdTableError(f"ICD-10 table {full_table}: {exc}") from exc
        for d in curated():
            names[d.key] = d.icd10
        return cls(names)

    def lookup(self, name: str) -> str | None:
        return self.names.get(fold(name))


@cache
def default_table(path: str | None = None) -> IcdTable:
    """The curated table, with the official one at path when one is configured (INTAKE_ICD10_TABLE,
    else `icd10_table` of extract/settings.yaml)."""
    return IcdTable.load(Path(path) if path else None)
