"""Packaging beyond what pyproject.toml can say: the repository's `models/` ships inside the wheel.

The trained models live at the repository root (they are rebuilt by documented commands, not
edited with the code); setuptools maps that folder to the package `intake._models`, so that an
installed intake finds them beside its code (intake/models.py) with no checkout. pyproject.toml
cannot list found packages and a mapped one together, hence these lines here.
"""

from setuptools import find_packages, setup

setup(
    # intake (the runtime) and intake_lab (generator, training, benchmarks), and the models.
    packages=[*find_packages(include=["intake", "intake.*", "intake_lab", "intake_lab.*"]), "intake._models"],
    package_dir={"intake._models": "models"},
)
