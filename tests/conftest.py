"""Shared fixtures: the committed sample corpus and a small freshly generated one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "fixtures" / "sample"
SHARED_DATA = Path(os.environ.get("INTAKE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def sample_truth() -> dict[str, Any]:
    from intake.synth.corpus import load_truth

    return load_truth(SAMPLE)


@pytest.fixture(scope="session")
def fresh_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A corpus generated in this test run, so the generator itself is what is checked."""
    from intake.synth.corpus import generate

    out = tmp_path_factory.mktemp("corpus")
    return out, generate(out, count=24, seed=11)
