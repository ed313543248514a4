"""Service configuration, read from INTAKE_* environment variables.

Everything has an embedded default (SQLite and a blob folder under INTAKE_DATA_DIR), so that
`intake serve` runs on a laptop with no configuration; production points DATABASE_URL at
PostgreSQL and S3_ENDPOINT at MinIO.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from intake.upload.files import default_limits

PREFIX = "INTAKE_"


def _bool(value: str) -> bool:
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var/intake")
    database_url: str | None = None  # default: sqlite under data_dir
    s3_endpoint: str | None = None  # host:port; unset means blobs live under data_dir/blobs
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "intake"
    s3_secure: bool = True
    s3_region: str | None = None
    max_upload_bytes: int = field(default_factory=lambda: default_limits().max_file_bytes)
    workers: int = 1  # OCR threads; each already uses the cores through ONNX Runtime
    max_attempts: int = 3  # a file that brought the worker down this often is failed, not retried forever
    webhook_secret: str | None = None
    webhook_attempts: int = 5
    webhook_timeout: float = 10.0
    webhook_backoff: float = 1.0  # seconds before the first retry; doubles each time
    poll_seconds: float = 2.0  # how often an idle worker looks for work other processes queued
    log_level: str = "INFO"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'intake.db').resolve()}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, f in cls.__dataclass_fields__.items():
            raw = env.get(PREFIX + name.upper())
            if raw is None:
                continue
            kind = str(f.type)
            try:
                if "Path" in kind:
                    values[name] = Path(raw)
                elif "bool" in kind:
                    values[name] = _bool(raw)
                elif kind.startswith("int"):
                    values[name] = int(raw)
                elif kind.startswith("float"):
                    values[name] = float(raw)
                else:
                    values[name] = raw or None if "None" in kind else raw
            except ValueError as exc:
                raise ValueError(f"{PREFIX}{name.upper()}: {exc}") from exc
        settings = cls(**values)
        return replace(settings, **overrides) if overrides else settings
