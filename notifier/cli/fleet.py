"""Running the processes of a fleet: the database schema, web, workers and beat."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from notifier import heartbeat
from notifier.cli.common import refuse_to_start
from notifier.config import Environment, Settings
from notifier.db import migrate
from notifier.db.base import utcnow
from notifier.db.session import session_factory, unit_of_work
from notifier.services.admin.readiness import notify_problem

console = Console(stderr=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)

ALL_QUEUES = "transactional,send,fanout,maintenance"


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "heads") -> None:
    """Apply the schema migrations (creates the SQLite file on the embedded default)."""
    settings = Settings()
    migrate.upgrade(settings.database_url, revision)
    console.print(f"[green]database at {revision}[/green]")


def web(
    host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="Serve https with this certificate (PEM)")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="The certificate's private key (PEM)")] = None,
) -> None:
    """Serve the web app: hooks, Notify callbacks, subscriber pages, admin API."""
    settings = Settings()
    _refuse_unless_ready(settings)
    uvicorn.run(
        "notifier.web.app:app_from_environment",
        factory=True,
        host=host or settings.web_host,
        port=port or settings.web_port,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        # The app trusts only NOTIFIER_TRUSTED_PROXIES and writes its own access log (web/access_log.py),
        # with route templates instead of paths that carry signed tokens.
        proxy_headers=False,
        access_log=False,
        log_level="info",
    )


def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Task threads (default: NOTIFIER_SEND_THREADS)")
    ] = None,
    queues: Annotated[str, typer.Option(help="Comma-separated queues to consume")] = ALL_QUEUES,
    hostname: Annotated[str | None, typer.Option(help="Worker name, unique in the fleet")] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics here (default: NOTIFIER_WORKER_METRICS_PORT)")
    ] = None,
) -> None:
    """Run a Celery worker: threads share one process so Notify's latency does not cap throughput."""
    settings = Settings()
    _refuse_unless_ready(settings)
    if metrics_port is not None:
        os.environ["NOTIFIER_WORKER_METRICS_PORT"] = str(metrics_port)  # read by the exec'd worker
    args = [
        "worker",
        "--pool=threads",
        f"--concurrency={concurrency or settings.send_threads}",
        f"--queues={queues}",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    if hostname:
        args.append(f"--hostname={hostname}")
    _exec_celery(args)


def beat(
    check: Annotated[
        bool, typer.Option("--check", help="Only say whether this host's beat is ticking (a healthcheck)")
    ] = False,
) -> None:
    """Run the scheduler: the sweeper and daily jobs. Run two for safety: the one holding the lock sends
    jobs, the other stands by and takes over if the first dies."""
    settings = Settings()
    if check:
        _check_heartbeat(settings)
        return
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    _exec_celery(["beat", "--loglevel=INFO", f"--schedule={settings.var_dir / 'celerybeat-schedule'}"])


def _check_heartbeat(settings: Settings) -> None:
    path = heartbeat.heartbeat_path(settings.var_dir)
    beat = heartbeat.read(path)
    if beat is None:
        console.print(f"beat: no heartbeat at {path}: not started, or not this host's var dir")
        raise typer.Exit(1)
    age = (utcnow() - beat.at).total_seconds()
    if age > settings.beat_heartbeat_max_age_seconds:
        console.print(f"beat: last ticked {age:.0f} s ago (pid {beat.pid}): stopped or stuck")
        raise typer.Exit(1)
    console.print(f"beat: ticked {age:.0f} s ago (pid {beat.pid}), {beat.role}")


def _refuse_unless_ready(settings: Settings) -> None:
    """Production: stop, in one line on stderr, when no Notify service could send (the settings'
    own checks ran when they were read)."""
    if settings.environment is not Environment.PRODUCTION:
        return
    sessions = session_factory(settings)
    try:
        with unit_of_work(sessions) as uow:
            problem = notify_problem(uow.session, settings)
    except SQLAlchemyError as error:
        problem = (
            f"NOTIFIER_DATABASE_URL: cannot read the database ({type(error).__name__}): "
            "is it up and migrated?"
        )
    finally:
        sessions.kw["bind"].dispose()
    if problem:
        refuse_to_start(problem)


def _exec_celery(args: list[str]) -> None:
    # The worker entry point lives in workers/, which the notifier package never imports.
    os.execv(sys.executable, [sys.executable, "-m", "celery", "--app=workers.main", *args])  # noqa: S606
