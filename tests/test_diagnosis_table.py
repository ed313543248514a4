"""Checks for the curated diagnosis table shipped in intake/reference/diagnoses.csv.

The structural checks run everywhere. The checks against the official ICD-10 reference tables need
../shared/data/icd10/ (or the folder named by INTAKE_ICD10_DIR) and are skipped when it is absent;
that data is read in place and never copied into the repository.
"""

import csv
import os
import re
from collections import Counter
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TABLE_PATH = REPO_ROOT / "intake" / "reference" / "diagnoses.csv"

HEADER = ("name", "icd10", "groups", "sex", "printed_code")
ALLOWED_GROUPS = frozenset({"critical_illness", "female_special", "special_disease", "accident", "common"})
ALLOWED_SEX = frozenset({"", "男", "女"})
MIN_PER_GROUP = {
    "critical_illness": 40,
    "female_special": 15,
    "special_disease": 15,
    "accident": 15,
    "common": 35,
}

# 医保版 2.0 codes as printed: category, dot, 3 characters ("x00", "900"), optional "x001"-style extension.
# Dagger/asterisk pairs ("M32.101+N08.5*") are deliberately not allowed in the curated table.
CODE_RE = re.compile(r"^[A-Z][0-9]{2}\.[0-9x][0-9]{2}(?:x[0-9]{3})?$")

# 3-character categories that only one sex can have.
FEMALE_ONLY_CATEGORIES = frozenset({"C51", "C52", "C53", "C54", "C55", "C56", "C57", "C58", "D06", "D25", "N80", "N83"})
MALE_ONLY_CATEGORIES = frozenset({"C60", "C61", "C62", "C63", "N40", "N41", "N42"})

Row = dict[str, str]


def _icd10_dir() -> Path:
    override = os.environ.get("INTAKE_ICD10_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "icd10"


def _groups(row: Row) -> list[str]:
    return row["groups"].split(";")


@pytest.fixture(scope="module")
def table() -> list[Row]:
    with TABLE_PATH.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def icd10_dir() -> Path:
    folder = _icd10_dir()
    if not folder.is_dir():
        pytest.skip(
            f"ICD-10 reference data not found at {folder}; set INTAKE_ICD10_DIR to the folder holding "
            "yibao-2.0-diagnoses.csv and categories.tsv"
        )
    return folder


@pytest.fixture(scope="module")
def yibao_names_by_code(icd10_dir: Path) -> dict[str, str]:
    with (icd10_dir / "yibao-2.0-diagnoses.csv").open(encoding="utf-8", newline="") as f:
        return {row["code"].strip(): row["name"].strip() for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def categories(icd10_dir: Path) -> dict[str, str]:
    with (icd10_dir / "categories.tsv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        return {row["code"].strip(): row["disease"].strip() for row in reader}


# --- structure -------------------------------------------------------------------------------------


def test_header_and_encoding() -> None:
    raw = TABLE_PATH.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "diagnoses.csv must be UTF-8 without a BOM"
    text = raw.decode("utf-8")
    assert tuple(text.splitlines()[0].split(",")) == HEADER


def test_every_row_has_all_columns(table: list[Row]) -> None:
    assert table, "diagnoses.csv has no rows"
    for row in table:
        assert None not in row, f"extra columns in {row}"
        assert all(row[column] is not None for column in HEADER), f"missing columns in {row}"


def test_names_unique_and_non_empty(table: list[Row]) -> None:
    names = [row["name"] for row in table]
    assert all(name and name == name.strip() for name in names), "empty or padded name"
    duplicates = sorted(name for name, n in Counter(names).items() if n > 1)
    assert not duplicates, f"duplicate names: {duplicates}"


def test_codes_are_well_formed(table: list[Row]) -> None:
    bad = [
        (row["name"], row["icd10"], row["printed_code"])
        for row in table
        if not CODE_RE.match(row["icd10"]) or not CODE_RE.match(row["printed_code"])
    ]
    assert not bad, f"malformed codes: {bad}"


def test_printed_code_shares_category(table: list[Row]) -> None:
    bad = [
        (row["name"], row["icd10"], row["printed_code"]) for row in table if row["printed_code"][:3] != row["icd10"][:3]
    ]
    assert not bad, f"printed_code in a different category from icd10: {bad}"


def test_groups_are_known(table: list[Row]) -> None:
    for row in table:
        groups = _groups(row)
        assert groups and all(groups), f"empty group tag in {row['name']!r}: {row['groups']!r}"
        unknown = set(groups) - ALLOWED_GROUPS
        assert not unknown, f"unknown groups {sorted(unknown)} in {row['name']!r}"
        assert len(groups) == len(set(groups)), f"repeated group tag in {row['name']!r}"


def test_sex_values(table: list[Row]) -> None:
    bad = [(row["name"], row["sex"]) for row in table if row["sex"] not in ALLOWED_SEX]
    assert not bad, f"sex must be empty, 男 or 女: {bad}"


@pytest.mark.parametrize(("group", "minimum"), sorted(MIN_PER_GROUP.items()))
def test_group_minimum_counts(table: list[Row], group: str, minimum: int) -> None:
    count = sum(group in _groups(row) for row in table)
    assert count >= minimum, f"{group}: {count} rows, expected at least {minimum}"


# --- consistency between groups, sex and code ------------------------------------------------------


def test_female_special_rows_are_female(table: list[Row]) -> None:
    bad = [row["name"] for row in table if "female_special" in _groups(row) and row["sex"] != "女"]
    assert not bad, f"female_special rows without sex 女: {bad}"


def test_sex_specific_categories_carry_sex(table: list[Row]) -> None:
    for row in table:
        category = row["icd10"][:3]
        if category in FEMALE_ONLY_CATEGORIES:
            assert row["sex"] == "女", f"{row['name']!r} ({row['icd10']}) is female-only"
        if category in MALE_ONLY_CATEGORIES:
            assert row["sex"] == "男", f"{row['name']!r} ({row['icd10']}) is male-only"


def test_accident_rows_are_injuries(table: list[Row]) -> None:
    bad = [(row["name"], row["icd10"]) for row in table if "accident" in _groups(row) and row["icd10"][0] not in "ST"]
    assert not bad, f"accident rows must carry an S/T injury code: {bad}"


def test_malignant_neoplasms_are_critical_illness(table: list[Row]) -> None:
    bad = [
        (row["name"], row["icd10"])
        for row in table
        if row["icd10"].startswith("C") and "critical_illness" not in _groups(row)
    ]
    assert not bad, f"malignant neoplasm rows not tagged critical_illness: {bad}"


# --- against the official reference tables ---------------------------------------------------------


def test_codes_exist_in_yibao_table(table: list[Row], yibao_names_by_code: dict[str, str]) -> None:
    missing = [
        (row["name"], code)
        for row in table
        for code in {row["icd10"], row["printed_code"]}
        if code not in yibao_names_by_code
    ]
    assert not missing, f"codes not in yibao-2.0-diagnoses.csv: {missing}"


def test_categories_exist(table: list[Row], categories: dict[str, str]) -> None:
    missing = [(row["name"], row["icd10"]) for row in table if row["icd10"][:3] not in categories]
    assert not missing, f"3-character categories not in categories.tsv: {missing}"


def test_formal_names_use_their_official_code(table: list[Row], yibao_names_by_code: dict[str, str]) -> None:
    """A row whose name is an official 医保 2.0 name must carry a code listed under that name."""
    codes_by_name: dict[str, set[str]] = {}
    for code, name in yibao_names_by_code.items():
        codes_by_name.setdefault(name, set()).add(code)
    formal = [row for row in table if row["name"] in codes_by_name]
    assert len(formal) >= len(table) // 3, "expected a good share of rows to use official names"
    bad = [
        (row["name"], row["icd10"], sorted(codes_by_name[row["name"]]))
        for row in formal
        if row["icd10"] not in codes_by_name[row["name"]]
    ]
    assert not bad, f"formal names mapped to a code other than their own: {bad}"
