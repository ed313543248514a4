"""The built wheel, installed into a fresh virtual environment, reads a claim with no checkout:
the trained models ship inside it (models/ mapped to intake._models by setup.py).

Offline by design: the wheel is built without build isolation (setuptools comes from the dev
extra) and installed with --no-index --no-deps; the runtime's dependencies are seen through a
.pth line naming this environment's site-packages, a plain path entry, so this environment's
editable intake (a finder that a .pth file only installs when its folder is a site folder) does
not come along: the test checks that intake is imported from the new environment.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .conftest import REPO, SAMPLE

pytestmark = pytest.mark.slow

SOURCES = ("intake", "intake_lab", "models", "pyproject.toml", "setup.py", "README.md")
PAGE = "0004-invoice_electronic-clean.png"


def _build_wheel(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:  # a copy, so that the build leaves nothing in the checkout
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    dist = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", str(dist), str(src)],
        check=True, capture_output=True, text=True, cwd=tmp,
    )  # fmt: skip
    (wheel,) = dist.glob("intake-*.whl")
    return wheel


def test_the_wheel_reads_a_page_in_a_fresh_venv(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "zz_intake_test_deps.pth").write_text("".join(p + "\n" for p in deps))

    work = tmp_path / "elsewhere"  # no checkout in sight: not the repository, not its models/
    work.mkdir()
    shutil.copy2(SAMPLE / PAGE, work / PAGE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_") and k != "PYTHONPATH"}
    env["INTAKE_DATA_DIR"] = str(work / "data")

    where = subprocess.run(
        [str(py), "-c", "import intake, intake.models as m; print(intake.__file__); print(m.model_dir())"],
        check=True, capture_output=True, text=True, cwd=work, env=env,
    ).stdout.split()  # fmt: skip
    assert all(Path(p).is_relative_to(env_dir) for p in where), where
    assert (Path(where[1]) / "doc_type.npz").is_file()

    out = subprocess.run(
        [str(env_dir / "bin" / "intake"), "process", PAGE, "--json", "--no-record"],
        capture_output=True, text=True, cwd=work, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert [d["doc_type"] for d in result["documents"]] == ["invoice"]
    assert result["documents"][0]["fields"], "the invoice's fields were read"
