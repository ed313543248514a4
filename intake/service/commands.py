"""`intake serve` and `intake keys …` (registered in intake/cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from intake.settings import Settings

keys_app = typer.Typer(help="API keys of the HTTP service.", no_args_is_help=True)


def _settings(data_dir: Path | None) -> Settings:
    from intake.settings import Settings, SettingsError

    try:
        return Settings.load(**({"data_dir": data_dir} if data_dir else {}))
    except SettingsError as exc:
        raise typer.BadParameter(str(exc)) from exc


DataDir = Annotated[
    Path | None, typer.Option(help="Overrides INTAKE_DATA_DIR (the embedded database and blobs live there).")
]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    data_dir: DataDir = None,
) -> None:
    """Run the HTTP service (configuration from INTAKE_* environment variables; see README, Service)."""
    import uvicorn

    from intake.check.claim_rules import RulesError
    from intake.service.app import create_app
    from intake.service.logs import configure_logging

    settings = _settings(data_dir)
    configure_logging(settings.log_level)
    try:
        app = create_app(settings)
    except RulesError as exc:
        typer.echo(f"intake: {exc}", err=True)
        raise typer.Exit(code=2) from None
    # log_config=None: uvicorn's lines go through the JSON formatter too.
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(), proxy_headers=True, log_config=None)


def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Pool processes, each reading one file at a time (about one per core).")
    ] = 1,
    queues: Annotated[
        str | None, typer.Option(help="Comma-separated queues to take tasks from (default: INTAKE_QUEUE_NAME).")
    ] = None,
    max_memory_mb: Annotated[
        int | None,
        typer.Option(
            min=100, help="A pool process whose memory grew over this is replaced after its task (the models ~600 MB)."
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Serve the pool's Prometheus metrics on this port (no authentication)."),
    ] = None,
    metrics_host: Annotated[
        str,
        typer.Option(
            help="Address the metrics port listens on: loopback unless given, since it asks for no credentials "
            "(0.0.0.0 for a scraper on another host or container, inside a network only it can reach)."
        ),
    ] = "127.0.0.1",
    data_dir: DataDir = None,
) -> None:
    """Read uploads from the broker (INTAKE_BROKER_URL), on this machine's cores (see README, Deployment)."""
    settings = _settings(data_dir)
    if not settings.broker_url:
        typer.echo("intake: set INTAKE_BROKER_URL (redis://… or amqp://…) to run workers", err=True)
        raise typer.Exit(code=2)
    if metrics_port:
        serve_worker_metrics(metrics_port, metrics_host)
    from intake.service.logs import configure_logging
    from intake.service.queue.celery import run_worker

    configure_logging(settings.log_level)
    names = [q.strip() for q in (queues or settings.queue_name).split(",") if q.strip()]
    run_worker(
        settings, concurrency=concurrency, queues=names, max_memory_mb=max_memory_mb, loglevel=settings.log_level
    )


def serve_worker_metrics(port: int, host: str) -> None:
    """Serve, from this (the worker's main) process, the reading metrics of all its pool processes.

    Must run before anything imports prometheus_client: the pool processes, forked later, then
    write their samples into PROMETHEUS_MULTIPROC_DIR, where this process collects them per scrape.
    The endpoint asks for no credentials (unlike the API's /metrics), hence loopback by default."""
    import os
    import sys
    import tempfile

    if "prometheus_client" in sys.modules and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Its metrics would then count in-process only: the pool's samples would never show.
        raise RuntimeError("prometheus_client was imported before the worker's metrics were set up")
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="intake-metrics-"))
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    try:
        start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        typer.echo(f"intake: --metrics-port {port} on {host}: {exc.strerror or exc}", err=True)
        raise typer.Exit(code=2) from None


def _sessions(data_dir: Path | None) -> sessionmaker[Session]:
    from intake.store.database import make_engine, migrate, session_factory

    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    migrate(engine)
    return session_factory(engine)


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="portal, reviewer or admin.")],
    name: Annotated[str, typer.Option(help="Who holds it: a portal's name (its claims are its own) or a reviewer's.")],
    data_dir: DataDir = None,
) -> None:
    """Create an API key and print it. It is stored hashed: this is the only time it is shown."""
    from intake.service.auth import ROLES, create_key
    from intake.store.database import transaction

    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}", param_hint="--role")
    if not name.strip():
        raise typer.BadParameter("give the key a name", param_hint="--name")
    with transaction(_sessions(data_dir)) as s:
        row, key = create_key(s, role, name)
        key_id = row.id
    typer.echo(key)
    typer.echo(f"(key {key_id}, role {role}; store it now, it cannot be shown again)", err=True)


@keys_app.command("list")
def keys_list(data_dir: DataDir = None) -> None:
    """List keys (never the keys themselves)."""
    from sqlalchemy import select

    from intake.store.tables import ApiKey

    with _sessions(data_dir)() as s:
        for k in s.scalars(select(ApiKey).order_by(ApiKey.created_at)):
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            typer.echo(f"{k.id}  {k.role:8}  {state:18}  {k.name}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `intake keys list`).")], data_dir: DataDir = None
) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from intake.store.database import transaction
    from intake.store.tables import ApiKey, utcnow

    with transaction(_sessions(data_dir)) as s:
        row = s.get(ApiKey, key_id)
        if row is None:
            typer.echo(f"intake: no key {key_id}", err=True)
            raise typer.Exit(2)
        row.revoked_at = row.revoked_at or utcnow()
    typer.echo(f"revoked {key_id}")
