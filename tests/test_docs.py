"""The documentation users read stays in step with the code: the contract page (docs/contract.md)
names every document type, field, claim type, reason, problem code, CLI command and HTTP call; the
README's settings table lists every INTAKE_* variable; its folder table every package."""

from __future__ import annotations

import re

import pytest

from intake.codes import ProblemCode, Reason
from intake.settings import Settings
from intake.vocabulary import FIELDS, ClaimType, DocType

from .conftest import REPO

CONTRACT = (REPO / "docs" / "contract.md").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")


def _named(text: str, name: str) -> bool:
    return f"`{name}`" in text


@pytest.mark.parametrize(
    "name",
    sorted(
        {d.value for d in DocType}
        | {c.value for c in ClaimType}
        | {f for fs in FIELDS.values() for f in fs}
        | {r.value for r in Reason}
        | {c.value for c in ProblemCode}
    ),
)
def test_the_contract_names_it(name: str) -> None:
    assert _named(CONTRACT, name), f"docs/contract.md does not mention `{name}`"


def test_the_contract_lists_the_http_calls_and_cli_commands(fake_reader: object, tmp_path: object) -> None:
    from intake.cli import app as cli
    from intake.service.app import create_app

    app = create_app(Settings(data_dir=tmp_path), reader=fake_reader)  # type: ignore[arg-type]
    try:
        paths = app.openapi()["paths"]
    finally:
        app.state.ctx.engine.dispose()
    for path, ops in paths.items():
        for method in ops:
            assert f"`{method.upper()} {path}" in CONTRACT, f"{method.upper()} {path} is not in docs/contract.md"
    for command in ("process", "ocr", "keys", "serve"):
        assert any(c.name == command for c in cli.registered_commands) or any(
            g.name == command for g in cli.registered_groups
        )
        assert f"`intake {command}" in CONTRACT


def test_the_readme_settings_table_is_every_setting() -> None:
    listed = set(re.findall(r"^\| `INTAKE_([A-Z0-9_]+)` \|", README, re.M))
    assert listed == {name.upper() for name in Settings.model_fields}


def test_the_readme_folder_table_names_every_package() -> None:
    table = README[README.index("## What is here") : README.index("## Settings")]
    for parent in ("intake", "intake_lab"):
        for folder in sorted((REPO / parent).iterdir()):
            if folder.is_dir() and (folder / "__init__.py").exists():
                name = f"{folder.name}/"
                assert name in table, f"the README's folder table does not name {parent}/{name}"


def test_docs_and_readme_point_at_nothing_outside_the_repository() -> None:
    for text in (CONTRACT, README):
        assert "CONTRACT.md" not in text and "FIELD-GUIDE.md" not in text
        assert not re.search(r"issue #\d", text)
