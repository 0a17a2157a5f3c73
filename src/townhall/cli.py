"""The `townhall` command: demo, serve, worker, seed, createadmin, check, manage.

Configuration problems (a bad DATABASE_URL, an unreachable database or Redis, a port in use, an
unsafe production setting) stop start-up with one sentence on stderr and exit code 2, never a
traceback. Settings raise `config.ConfigError` while loading, so Django is set up inside `_django()`.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from townhall.config import ConfigError

CONFIG_EXIT = 2


def fail(message: str) -> NoReturn:
    """Print one sentence on stderr and stop with exit code 2."""
    click.echo(f"townhall: {message}", err=True)
    sys.exit(CONFIG_EXIT)


def friendly[F: Callable[..., Any]](fn: F) -> F:
    """Turn ConfigError (raised by settings, start-up checks or binding) into one sentence and exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            fail(str(exc))

    return wrapper  # type: ignore[return-value]


def _django() -> None:
    """Load settings and set Django up; a configuration error becomes one clear sentence."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    import django

    try:
        django.setup()
    except ConfigError:
        raise
    except Exception as exc:  # anything else while reading settings (e.g. a malformed URL)
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise ConfigError(f"Townhall's configuration could not be loaded ({detail.rstrip('.')}).") from None


def _display_url(host: str, port: int) -> str:
    shown = "localhost" if host in {"0.0.0.0", "::", "[::]"} else host  # noqa: S104 - only for display
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def _check_dependencies() -> None:
    from django.conf import settings

    from townhall.core.health import ensure_database_reachable, ensure_redis_reachable

    ensure_database_reachable()
    ensure_redis_reachable(settings.REDIS_URL)


def _collect_static(*, announce: str | None = None) -> None:
    """Hashed, compressed static files in STATIC_ROOT when debug is off (see core/staticfiles.py)."""
    from django.conf import settings

    from townhall.core import staticfiles

    if not settings.COLLECTED_STATIC or staticfiles.is_current():
        return
    if announce:
        click.echo(announce)
    try:
        staticfiles.collect_if_needed()
    except OSError as exc:
        raise ConfigError(
            f"Cannot write the static files to {settings.STATIC_ROOT}: {exc.strerror or exc}."
        ) from None


def _migrate_quietly() -> None:
    from django.core.management import call_command

    from townhall.core.health import unapplied_migrations

    if unapplied_migrations():
        call_command("migrate", verbosity=0, interactive=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="townhall")
def main() -> None:
    """Townhall: a self-hosted home for purpose-driven online communities.

    Start with `townhall demo`. Configuration comes from environment variables (see README.md).
    """


# --- demo -----------------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the SQLite file, uploads and secret key live (default: $TOWNHALL_DATA_DIR or ./townhall-data).",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Django's debug mode: detailed error pages with code and settings, for developing Townhall.",
)
@friendly
def demo(host: str, port: int, data_dir: Path | None, debug: bool) -> None:
    """Run a ready-to-explore community on this machine.

    Migrates the database, seeds the "Night Sky Collective" demo community when the database is empty,
    and serves the site with real-time updates and a background task worker in this one process.
    It runs as a real site would (debug off: the site's own error pages, compressed static files)
    unless --debug is given. Press Ctrl-C to stop.
    """
    if data_dir is not None:
        os.environ["TOWNHALL_DATA_DIR"] = str(data_dir.expanduser().resolve())
    if debug:
        os.environ["TOWNHALL_DEBUG"] = "1"
    os.environ.setdefault("TOWNHALL_BASE_URL", _display_url(host, port))
    _django()

    from django.conf import settings

    from townhall import config, server

    config.check_safety(debug=settings.DEBUG, host=host, hosts=settings.ALLOWED_HOSTS, production=False)
    sock = server.bind_socket(host, port)  # before the slow steps, so a taken port fails at once
    try:
        _check_dependencies()
        _migrate_quietly()
        _collect_static(announce="Collecting static files…")
        from townhall.seed.demo import (
            DEMO_LOGINS,
            DEMO_PASSWORD,
            database_is_empty,
            demo_logins_exist,
            seed_demo,
        )

        if database_is_empty():
            click.echo("Seeding the demo community (Night Sky Collective)…")
            seed_demo()
        show_logins = demo_logins_exist()
    except BaseException:
        sock.close()
        raise

    url = _display_url(host, port)

    def ready() -> None:
        click.echo("")
        click.echo(f"Townhall is running at {url}/")
        if show_logins:
            click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for role, email in DEMO_LOGINS:
                click.echo(f"  {role:<10} {email}")
        click.echo(f"Data directory: {settings.DATA_DIR}")
        click.echo("Press Ctrl-C to stop.")
        sys.stdout.flush()

    code = server.run_embedded(sock, with_worker=True, on_ready=ready)
    click.echo("Townhall stopped.")
    sys.exit(code)


# --- serve ----------------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Web worker processes (more than 1 needs REDIS_URL).",
)
@friendly
def serve(host: str, port: int, workers: int) -> None:
    """Run the production web server.

    With REDIS_URL set: granian with --workers processes; run tasks with `townhall worker`.
    Without Redis (embedded): one process with a task worker thread (TOWNHALL_EMBEDDED_WORKER=0 turns
    the thread off). Migrations are not applied here: run `townhall manage migrate` after upgrading.
    Static files are collected (hashed and compressed) when they changed since the last start.
    """
    if os.environ.get("DATABASE_URL", "").strip().startswith(("postgres", "pgsql")):
        os.environ.setdefault("TOWNHALL_DB_POOL", "1")
    _django()

    from django.conf import settings

    from townhall import config, server
    from townhall.core.health import unapplied_migrations

    config.check_safety(debug=settings.DEBUG, host=host, hosts=settings.ALLOWED_HOSTS, production=True)
    if workers > 1 and not settings.REDIS_URL:
        raise ConfigError(
            "More than one web worker needs REDIS_URL, because the in-memory channel layer lives in one process."
        )
    _check_dependencies()
    pending = unapplied_migrations()
    if pending:
        raise ConfigError(
            f"The database has {len(pending)} unapplied migration(s); run `townhall manage migrate` first."
        )
    _collect_static()
    sock = server.bind_socket(host, port)
    url = _display_url(host, port)
    if settings.REDIS_URL:
        sock.close()
        click.echo(
            f"Townhall serving at {url}/ with {workers} granian worker(s); run `townhall worker` for tasks."
        )
        server.exec_granian(host, port, workers)
    with_worker = bool(settings.EMBEDDED_WORKER)

    def ready() -> None:
        tasks = (
            "with a task worker thread" if with_worker else "without a task worker (run `townhall worker`)"
        )
        click.echo(f"Townhall serving at {url}/ {tasks}. Press Ctrl-C to stop.")
        sys.stdout.flush()

    sys.exit(server.run_embedded(sock, with_worker=with_worker, on_ready=ready, access_log=True))


# --- worker ---------------------------------------------------------------------------------------


@main.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--queue", "queue_name", default="*", show_default=True, help="Queues to process ('*' for all)."
)
@click.option(
    "--interval", default=1.0, show_default=True, type=float, help="Seconds between polls when idle."
)
@click.option("--batch", is_flag=True, help="Run the tasks that are waiting, then exit.")
@friendly
def worker(queue_name: str, interval: float, batch: bool) -> None:
    """Run background tasks from the database queue (django-tasks-db's db_worker).

    Start as many as you like; they claim tasks with SKIP LOCKED on PostgreSQL. Ctrl-C or SIGTERM
    finishes the current task, then stops.
    """
    _django()
    _check_dependencies()
    from django.core.management import call_command

    from townhall.core import taskqueue

    # Tasks a killed worker left RUNNING run again (django-tasks-db never retries them itself).
    taskqueue.requeue_abandoned()
    args = ["--queue-name", queue_name, "--interval", str(interval), "--no-reload"]
    args += ["--worker-id", taskqueue.worker_id()]
    if batch:
        args.append("--batch")
    call_command("db_worker", *args)


# --- seed -----------------------------------------------------------------------------------------


@main.command()
@click.option("--members", type=click.IntRange(1, 5_000_000), default=None, help="Add N synthetic members.")
@click.option("--demo", "demo_data", is_flag=True, help="Load the Night Sky Collective demo community.")
@friendly
def seed(members: int | None, demo_data: bool) -> None:
    """Fill the database: the demo community (--demo) or a large synthetic one (--members N).

    Migrates first when needed. `--members` appends to members seeded before and says so.
    """
    if members is None and not demo_data:
        raise click.UsageError("Say what to seed: --demo, --members N, or both.")
    _django()
    _check_dependencies()
    _migrate_quietly()
    if demo_data:
        from townhall.seed.demo import database_is_empty, seed_demo

        if not database_is_empty():
            raise ConfigError(
                "The database already has a community; seed the demo into an empty data directory."
            )
        counts = seed_demo()
        click.echo(
            "Seeded the demo community: " + ", ".join(f"{n} {name}" for name, n in counts.items()) + "."
        )
    if members is not None:
        from townhall.seed.scale import existing_count, seed_members

        already = existing_count()
        if already:
            click.echo(f"Appending {members:,} members after the {already:,} synthetic members already here.")
        result = seed_members(members, progress=True)
        click.echo(
            f"Added {result.added:,} members in {result.seconds:.1f} s "
            f"({result.total:,} synthetic members in total)."
        )


# --- createadmin ----------------------------------------------------------------------------------


@main.command()
@click.option("--email", help="Email address (verified at once).")
@click.option("--username", help="@username.")
@click.option("--password", help="Password (asked for when missing; avoid passing it on the command line).")
@friendly
def createadmin(email: str | None, username: str | None, password: str | None) -> None:
    """Create an administrator account.

    The first one becomes the community's owner; later ones are admins. Asks for what the options
    do not give.
    """
    _django()
    _check_dependencies()
    from townhall.seed.admin import AdminError, create_admin

    interactive = sys.stdin is not None and sys.stdin.isatty()
    if not (email and username and password) and not interactive:
        raise click.UsageError("Give --email, --username and --password when not running interactively.")
    email = email or click.prompt("Email")
    username = username or click.prompt("Username")
    password = password or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, role = create_admin(email=str(email), username=str(username), password=str(password))
    except AdminError as exc:
        fail(str(exc))
    click.echo(f"Created @{user.username} <{user.email}> as {role}.")


# --- check ----------------------------------------------------------------------------------------


@main.command()
@click.option(
    "--deploy/--no-deploy", default=None, help="Include deployment checks (default: when debug is off)."
)
@friendly
def check(deploy: bool | None) -> None:
    """Run Django's system checks, plus the deployment checks when debug is off.

    Also fails on every setting that `townhall serve` would refuse to start with (such as '*' in
    TOWNHALL_ALLOWED_HOSTS or a short secret key): the same rule, checked here before it bites.
    """
    _django()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    from townhall import config

    if deploy is None:
        deploy = not settings.DEBUG
    failed = False
    try:
        call_command("check", deploy=deploy, fail_level="WARNING")
    except SystemCheckError as exc:
        click.echo(str(exc), err=True)
        failed = True
    problems = config.safety_problems(
        debug=settings.DEBUG, host=None, hosts=settings.ALLOWED_HOSTS, production=True
    )
    for problem in problems:
        click.echo(f"townhall: {problem}", err=True)
    if failed or problems:
        sys.exit(1)


# --- manage ---------------------------------------------------------------------------------------


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    add_help_option=True,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@friendly
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command, e.g. `townhall manage migrate` or `townhall manage help`."""
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["townhall manage", *args])


if __name__ == "__main__":  # pragma: no cover
    main()
