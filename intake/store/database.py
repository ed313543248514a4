"""Engines, sessions and migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _private_file(path: Path) -> None:
    """Create the database file (and its WAL companions) readable by the service's user only: it
    holds what OCR read from members' documents, as the blobs do (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if p == path or p.exists():
            os.close(os.open(p, os.O_CREAT | os.O_RDWR, 0o600))
            os.chmod(p, 0o600)


def make_engine(url: str, *, statement_timeout: float = 30.0, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and ":memory:" not in url:
            _private_file(Path(url.removeprefix("sqlite:///")))
        # Request threads and worker threads share the file; wait for a writer rather than fail.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # FULL: an acknowledged upload survives a power cut, not only a process crash.
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    if url.startswith("postgresql"):
        # A stuck statement or an unreachable server fails the call in bounded time, so that the
        # worker's retry (or the client's 503) happens instead of a thread hanging for ever.
        ms = int(statement_timeout * 1000)
        options = f"-c statement_timeout={ms} -c lock_timeout={ms} -c idle_in_transaction_session_timeout={ms * 2}"
        connect = {"connect_timeout": 5, "options": options, **kwargs.pop("connect_args", {})}
        return create_engine(url, pool_pre_ping=True, pool_timeout=10, connect_args=connect, **kwargs)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed together on success and rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(engine: Engine | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (what `alembic upgrade head` does)."""
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Several processes (API replicas, workers) may start together on a fresh database:
            # one migrates, the others wait for it and then find nothing to do.
            conn.execute(text("SELECT pg_advisory_xact_lock(724200114)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
