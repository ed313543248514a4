"""Every setting intake reads from its environment: one object, from INTAKE_* variables.

Everything has an embedded default (SQLite and a blob folder under INTAKE_DATA_DIR, the packaged
rules and models), so that `intake process` and `intake serve` run on a laptop with no
configuration; production points INTAKE_DATABASE_URL at PostgreSQL and INTAKE_S3_ENDPOINT at MinIO.
The README's settings table lists these fields; a test keeps the two in step.

What is tuned rather than deployed (OCR thresholds, label synonyms, claim rules) lives in YAML data
files validated at start (intake/datafile.py); the variables here only say where to find them.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "INTAKE_"


class SettingsError(ValueError):
    """An INTAKE_* variable that cannot be used; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    # -- where things are kept ------------------------------------------------------------------
    data_dir: Path = Field(
        Path("var/intake"), description="The embedded SQLite database and blob folder of the service."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL, e.g. postgresql+psycopg://intake:PW@db:5432/intake (default: SQLite)."
    )
    s3_endpoint: str | None = Field(None, description="host:port of MinIO or another S3 store (default: a folder).")
    s3_access_key: str = Field("", description="The S3 store's access key.")
    s3_secret_key: str = Field("", description="The S3 store's secret key.")
    s3_bucket: str = Field("intake", description="The bucket, created if absent.")
    s3_secure: bool = Field(True, description="false for plain HTTP.")
    s3_region: str | None = Field(None, description="If the store wants one.")
    registry: Path | None = Field(
        None,
        description="The CLI's invoice registry file (default: $INTAKE_DATA_DIR/invoices.json, else "
        "$XDG_DATA_HOME/intake/invoices.json, else ~/.local/share/intake/invoices.json).",
    )

    # -- what is read ---------------------------------------------------------------------------
    claim_rules: Path | None = Field(None, description="The claim rules YAML (default: the packaged rules.yaml).")
    model_dir: Path | None = Field(None, description="The folder of trained models (default: the packaged models).")
    icd10_table: Path | None = Field(
        None, description="A full official ICD-10 table, CSV with code,name (default: only the curated table)."
    )
    ocr_engine: str | None = Field(None, description="rapidocr (default) or paddleocr.")
    ocr_threads: int | None = Field(None, ge=1, le=64, description="ONNX Runtime threads (default: ocr.yaml).")
    ocr_paddle_model_dir: Path | None = Field(None, description="For ocr_engine paddleocr: `intake ocr-models paddle`.")
    page_workers: int = Field(
        2, ge=1, le=64, description="Pages of one file read at once (threads sharing the models)."
    )
    memory_budget_mb: int = Field(
        1024, ge=64, le=1_048_576, description="Memory the pages being read at once may take, beyond the models."
    )
    ocr_cache_pages: int = Field(
        16,
        ge=0,
        le=10_000,
        description="Pages whose reading is kept by content, so a file sent again is not read again.",
    )
    max_upload_bytes: int | None = Field(
        None, ge=1, description="Larger uploads are refused (default: max_file_bytes of upload/limits.yaml, 30 MiB)."
    )

    # -- the service's work ---------------------------------------------------------------------
    workers: int = Field(1, ge=1, le=64, description="Worker threads reading uploads in the service process.")
    max_attempts: int = Field(3, ge=1, le=100, description="A file interrupted this often is failed, not retried.")
    poll_seconds: float = Field(2.0, gt=0, le=3600, description="How often an idle worker looks for queued files.")
    webhook_secret: str | None = Field(None, description="HMAC-SHA256 key for webhook signatures.")
    webhook_attempts: int = Field(5, ge=1, le=100, description="Deliveries tried per webhook event.")
    webhook_timeout: float = Field(10.0, gt=0, le=300, description="Seconds a receiver has to answer.")
    webhook_backoff: float = Field(1.0, ge=0, le=3600, description="Seconds before the first retry; doubles.")
    # -- scaling out and surviving faults (README, Deployment) -----------------------------------
    broker_url: str | None = Field(
        None,
        description="Celery broker, e.g. redis://redis:6379/0 or amqp://guest:guest@rabbit:5672//: `intake serve` "
        "then only accepts and answers, `intake worker` reads (default: threads of the service process).",
    )
    queue_name: str = Field("intake", min_length=1, description="The broker queue the reading tasks go to.")
    lease_seconds: float = Field(
        60.0,
        ge=2,
        le=3600,
        description="A worker's hold on a file, renewed while it works; a dead worker's file "
        "is taken again once its lease runs out.",
    )
    pages_per_task: int = Field(
        4,
        ge=1,
        le=1000,
        description="With a broker: a file of more pages than this is read as one task per page, so "
        "that several workers share it.",
    )
    visibility_timeout: int = Field(
        3600,
        ge=10,
        description="Redis broker: seconds before an unacknowledged task is delivered again (longer "
        "than the longest file).",
    )
    retry_base_seconds: float = Field(2.0, gt=0, le=600, description="First wait after a transient fault; doubles.")
    retry_max_seconds: float = Field(120.0, gt=0, le=3600, description="Longest wait between transient retries.")
    sweep_seconds: float = Field(
        10.0, gt=0, le=3600, description="With a broker: how often the service re-sends files whose task was lost."
    )
    resend_seconds: float = Field(
        300.0,
        gt=0,
        le=86400,
        description="With a broker: a file queued this long after its task was sent is sent again.",
    )
    store_timeout: float = Field(10.0, gt=0, le=600, description="Seconds a blob-store call may take.")
    db_statement_timeout: float = Field(30.0, gt=0, le=3600, description="PostgreSQL: seconds a statement may take.")
    min_free_bytes: int = Field(
        64 << 20, ge=0, description="Local blob folder: uploads get 503 below this much free disk."
    )
    webhook_allow_hosts: str = Field(
        "", description="Comma-separated hosts webhooks may go to even on private or loopback addresses."
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    session_secret: str | None = Field(
        None,
        min_length=16,
        description="Signs the reviewers' browser sessions (default: a random secret kept in "
        "$INTAKE_DATA_DIR/session_secret, mode 0600); set it when several processes serve one database.",
    )

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("ocr_engine")
    @classmethod
    def _engine(cls, value: str | None) -> str | None:
        if value is not None and value not in ("rapidocr", "paddleocr"):
            raise ValueError("expected rapidocr or paddleocr")
        return value

    @property
    def webhook_hosts(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in self.webhook_allow_hosts.split(",") if h.strip())

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'intake.db').resolve()}"

    @property
    def registry_path(self) -> Path:
        if self.registry is not None:
            return self.registry
        if "data_dir" in self.model_fields_set:  # given, by INTAKE_DATA_DIR or by the caller
            return self.data_dir / "invoices.json"
        if os.environ.get("XDG_DATA_HOME"):
            return Path(os.environ["XDG_DATA_HOME"]) / "intake" / "invoices.json"
        return Path.home() / ".local" / "share" / "intake" / "invoices.json"

    @classmethod
    def load(cls, **overrides: object) -> Settings:
        """The settings of this environment; SettingsError names the variable that is wrong."""
        try:
            return cls(**overrides)  # type: ignore[arg-type]
        except ValidationError as exc:
            err = exc.errors()[0]
            name = str(err["loc"][0]) if err.get("loc") else ""
            raise SettingsError(f"{ENV_PREFIX}{name.upper()}: {err['msg']}") from None
