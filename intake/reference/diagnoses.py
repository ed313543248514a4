"""The curated diagnosis table (diagnoses.csv): the diagnoses that matter to claims, with their
ICD-10 (医保版 2.0) codes, the claim-type groups they belong to and the sex they are limited to.

This module is the table's one reader: extraction maps names to codes with it, the claim checks
match diagnoses against a claim type's groups with it, the rules loader validates group names
against it, and the document generator draws cases from it. Names are compared in one folded form
(`intake.normalize.text.fold`), so that all of them agree on what "the same name" is.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from intake.normalize.text import fold


@dataclass(frozen=True)
class CuratedDiagnosis:
    name: str  # as printed, e.g. 甲状腺乳头状癌 or the colloquial 右肺癌
    icd10: str  # 医保版 2.0 code, e.g. C73.x00
    printed_code: str  # how a hospital prints it, where it differs
    groups: frozenset[str]  # claim-type groups (critical_illness, female_special, common, ...)
    sex: str  # 男 / 女 for diseases of one sex, else ""

    @property
    def key(self) -> str:
        return fold(self.name)


@cache
def curated() -> tuple[CuratedDiagnosis, ...]:
    text = resources.files("intake.reference").joinpath("diagnoses.csv").read_text(encoding="utf-8")
    return tuple(
        CuratedDiagnosis(
            r["name"],
            r["icd10"],
            r["printed_code"] or r["icd10"],
            frozenset(g for g in r["groups"].split(";") if g),
            r["sex"],
        )
        for r in csv.DictReader(text.splitlines())
    )


@cache
def groups() -> frozenset[str]:
    """Every group name the table uses: what a claim type's `diseases.groups` may name."""
    return frozenset(g for d in curated() for g in d.groups)


def by_name(name: str) -> list[CuratedDiagnosis]:
    key = fold(name)
    return [d for d in curated() if d.key == key]
