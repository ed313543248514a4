"""Where the trained models are: the one lookup every model loader uses.

INTAKE_MODEL_DIR when set; else the models a wheel ships (the repository's `models/` is mapped to
the package `intake._models` by setup.py, so an installed intake needs no checkout); else, in a
checkout or an editable install, the repository's `models/` itself.
"""

from __future__ import annotations

from pathlib import Path

PACKAGED = Path(__file__).resolve().parent / "_models"
CHECKOUT = Path(__file__).resolve().parents[1] / "models"


def model_dir(configured: Path | None = None) -> Path:
    """The folder of trained models. configured (Settings.model_dir) wins; FileNotFoundError when
    there is no folder at all, naming the setting that would give one."""
    if configured is None:
        from intake.settings import Settings

        configured = Settings.load().model_dir
    if configured is not None:
        if not configured.is_dir():
            raise FileNotFoundError(f"INTAKE_MODEL_DIR={configured} is not a folder")
        return configured
    for folder in (PACKAGED, CHECKOUT):
        if folder.is_dir():
            return folder
    raise FileNotFoundError(
        f"no trained models: neither {PACKAGED} (an installed wheel) nor {CHECKOUT} (a checkout) exists;"
        " set INTAKE_MODEL_DIR to the folder holding doc_type.npz"
    )
