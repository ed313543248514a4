"""The data files intake is configured by (claim rules, label synonyms, thresholds), read as YAML
and validated by pydantic models at start.

An operator edits these files, so every mistake becomes one DataFileError that names the file and
the key (`claim_types.inpatient.required_documents[1]: unknown document type 'dischage'`) before
anything runs, rather than a wrong verdict later.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)


class DataFileError(ValueError):
    """A data file that cannot be used; the message names the file and the offending key."""


class KeyProblem(ValueError):
    """Raised by a validator about a key below the one it validates: `path` leads from there to it."""

    def __init__(self, path: tuple[int | str, ...], problem: str) -> None:
        super().__init__(problem)
        self.path = path


class Strict(BaseModel):
    """The base of every data-file model: unknown keys are mistakes, and loaded settings are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def where(loc: tuple[int | str, ...]) -> str:
    """('claim_types', 'inpatient', 'required_documents', 1, 0) -> claim_types.inpatient.required_documents[1][0]"""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def explain(exc: ValidationError) -> str:
    """The first error, as `key: what is wrong`, in words an operator reads."""
    err = exc.errors()[0]
    loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
    kind = err.get("type", "")
    if kind == "missing":
        problem = "required key is missing"
    elif kind == "extra_forbidden":
        problem = "unknown key"
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        problem = f"expected a mapping, got {type(err.get('input')).__name__}"
    elif kind == "value_error":
        error = err.get("ctx", {}).get("error")
        problem = str(error) if error is not None else str(err["msg"])
        if isinstance(error, KeyProblem):
            loc = loc + error.path
    else:
        problem = str(err["msg"])
    return f"{where(loc)}: {problem}"


def parse(model: type[M], data: Any, source: str, context: dict[str, Any] | None = None) -> M:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise DataFileError(f"{source}: {explain(exc)}") from None


def read_yaml(path: Path, what: str = "file") -> tuple[Any, str]:
    """The YAML data of a file and the name to report it by."""
    source = f"{what} {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(f"{source}: cannot read it ({exc.strerror or exc})") from exc
    try:
        return yaml.safe_load(text), source
    except yaml.YAMLError as exc:
        raise DataFileError(f"{source}: not valid YAML ({exc})") from exc


def packaged(package: str, name: str) -> Path:
    return Path(str(resources.files(package).joinpath(name)))


def load(model: type[M], path: Path, what: str = "file", context: dict[str, Any] | None = None) -> M:
    data, source = read_yaml(path, what)
    return parse(model, data, source, context)
