"""The `townhall` command: demo, serve, worker, inbound-email, seed, createadmin, check, import, manage.

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

    from townhall.core import registries, taskqueue
    from townhall.notifications.email.tasks import kick

    # Tasks a killed worker left RUNNING run again (django-tasks-db never retries them itself).
    taskqueue.requeue_abandoned()
    kick()  # the email channel's periodic tick (digests, the sweep) starts with the worker
    registries.start_worker_chains()  # the apps' periodic tasks (events: reminders, the horizon)
    args = ["--queue-name", queue_name, "--interval", str(interval), "--no-reload"]
    args += ["--worker-id", taskqueue.worker_id()]
    if batch:
        args.append("--batch")
    call_command("db_worker", *args)


@main.command("inbound-email")
@click.option("--recipient", default=None, help="The envelope recipient (a mail server's $RECIPIENT).")
@friendly
def inbound_email(recipient: str | None) -> None:
    """Read one email on standard input: a reply to a notification, a bounce or a complaint.

    For a mail server's pipe (see notifications/email/inbound.py for the wiring). Exits with a sysexits
    code: 0 done, 65 bad message, 67 unknown or forged address, 75 try again later, 77 not permitted.
    """
    _django()
    from townhall.notifications.email import inbound

    raw = sys.stdin.buffer.read(inbound.max_bytes() + 1)
    try:
        outcome = inbound.receive(raw, recipient=recipient)
    except Exception as exc:  # a bug or an outage: the mail server keeps the message and retries
        click.echo(
            f"townhall: inbound email not handled ({exc.__class__.__name__}); try again later", err=True
        )
        sys.exit(inbound.EX_TEMPFAIL)
    click.echo(f"townhall: {outcome.message}", err=outcome.code != inbound.EX_OK)
    sys.exit(outcome.code)


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


# --- import ---------------------------------------------------------------------------------------


@main.command(name="import")
@click.argument("source_key", metavar="whatsapp|slack|discord|telegram|ics")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--space", "space_slug", default="", help="The chat space to import a single chat into (its slug)."
)
@click.option("--create-space", default="", help="Or: make a new chat space with this name for it.")
@click.option(
    "--timezone", "zone", default="UTC", show_default=True, help="Zone of the times in WhatsApp exports."
)
@click.option("--dry-run", is_flag=True, help="Read and report, store nothing.")
@click.option("--json", "as_json", is_flag=True, help="End with the report as one JSON object.")
@click.option(
    "--as", "as_user", default="", help="ics: the member who imports (default: the community's owner)."
)
@friendly
def import_history(
    source_key: str,
    file: Path,
    space_slug: str,
    create_space: str,
    zone: str,
    dry_run: bool,
    as_json: bool,
    as_user: str,
) -> None:
    """Import a chat export: `townhall import whatsapp chat.zip --space old-group`.

    Slack and Discord exports make one chat space per channel (no --space needed). All or nothing:
    an error stores nothing. Errors are one line on stderr and exit code 1.

    Calendars: `townhall import ics calendar.ics --space meetups [--dry-run] [--json]` puts the events of
    an iCalendar file (Google, Outlook, Apple, Meetup exports) on the space's calendar.
    """
    _django()
    _migrate_quietly()
    if source_key.lower() == "ics":
        _import_ics(file, space_slug=space_slug, zone=zone, dry_run=dry_run, as_json=as_json, as_user=as_user)
        return
    import json

    from townhall.core.errors import Invalid
    from townhall.importers.actions import import_now
    from townhall.importers.archive import ArchiveError
    from townhall.importers.sources.base import NotThisSource
    from townhall.importers.store import ImportFailed
    from townhall.spaces.models import Space

    def stop(message: str) -> NoReturn:
        click.echo(f"townhall import: {message}", err=True)
        sys.exit(1)

    if not file.exists():
        stop(f"{file} does not exist.")
    space = None
    if space_slug:
        space = Space.objects.filter(slug=space_slug).first()
        if space is None:
            stop(f"There is no space with the slug {space_slug!r}.")
    shown = {"last": -1}

    def progress(done: int, total: int, messages: int) -> None:
        percent = int(100 * done / total) if total else 100
        if percent != shown["last"]:
            shown["last"] = percent
            bar = "#" * (percent // 4)
            click.echo(f"\r[{bar:<25}] {percent:3d}%  {messages:,} messages", nl=False, err=True)

    try:
        result = import_now(
            source_key, file, space=space, create_space_name=create_space, time_zone=zone, dry_run=dry_run,
            progress=progress,
        )  # fmt: skip
    except (ArchiveError, NotThisSource, ImportFailed, LookupError) as exc:
        click.echo("", err=True)
        stop(str(exc))
    except Invalid as exc:
        click.echo("", err=True)
        stop(exc.message)
    except Exception as exc:  # a parser's bug: still one line, and nothing was stored
        click.echo("", err=True)
        stop(
            f"the import stopped on an unexpected error ({exc.__class__.__name__}: {exc}); nothing was stored."
        )
    click.echo("", err=True)
    report = result.report
    counts = report.counts()
    verb = "Would import" if dry_run else "Imported"
    click.echo(
        f"{verb} {counts['messages']:,} messages by {counts['authors']:,} new people, {counts['threads']:,} "
        f"threads, {counts['reactions']:,} reactions, {counts['attachments']:,} files and "
        f"{counts['system_events']:,} system events; {counts['already_imported']:,} already here, "
        f"{counts['skipped']:,} lines skipped."
    )
    for skipped in report.skipped[:20]:
        click.echo(f"  line {skipped['line']}: {skipped['reason']}")
    if as_json:
        click.echo(json.dumps({"source": source_key, "dry_run": dry_run, **counts}, ensure_ascii=False))


def _import_ics(
    file: Path, *, space_slug: str, zone: str, dry_run: bool, as_json: bool, as_user: str
) -> None:
    """`townhall import ics FILE --space SLUG`: events.ics_import as the given member (or the owner)."""
    from townhall.accounts.models import User
    from townhall.community.models import Membership
    from townhall.core.errors import Invalid, NotFound, PermissionDenied, RateLimited
    from townhall.events.ics import IcsError, read_calendar
    from townhall.events.ics_import import import_calendar
    from townhall.policy import Guardian
    from townhall.spaces.models import Space

    def stop(message: str) -> NoReturn:
        click.echo(f"townhall import: {message}", err=True)
        sys.exit(1)

    if not space_slug:
        stop("say which space the events go to: --space SLUG.")
    if not file.is_file():
        stop(f"{file} does not exist.")
    space = Space.objects.filter(slug=space_slug).first()
    if space is None:
        stop(f"There is no space with the slug {space_slug!r}.")
    limit = 10 * 1024 * 1024
    size = file.stat().st_size
    if size > limit:
        stop(
            f"The file is {size / 1024 / 1024:.1f} MB; a calendar file may be at most 10 MB. Nothing was imported."
        )
    try:
        result = read_calendar(file.read_bytes(), max_bytes=limit)
    except IcsError as exc:
        stop(f"{exc.message} Nothing was imported.")
    if as_user:
        user = User.objects.filter(username__iexact=as_user).first()
        if user is None:
            stop(f"There is no member with the username {as_user!r}.")
    else:
        owner = Membership.objects.filter(role=Membership.OWNER).select_related("user").order_by("pk").first()
        if owner is None:
            stop("the community has no owner yet; say who imports with --as USERNAME.")
        user = owner.user
    try:
        report = import_calendar(
            Guardian(user), space, result, default_zone=zone, dry_run=dry_run, rate_limited=False
        )
    except (PermissionDenied, NotFound) as exc:
        stop(getattr(exc, "reason", "") or f"{user.username} cannot see the space {space_slug!r}.")
    except (Invalid, RateLimited) as exc:
        stop(exc.message)
    verb = "Would import" if dry_run else "Imported"
    click.echo(
        f"{verb} {len(report.created):,} new events and update {len(report.updated):,}; "
        f"{len(report.skipped):,} skipped."
        if dry_run
        else f"{verb} {len(report.created):,} new events, updated {len(report.updated):,}; "
        f"{len(report.skipped):,} skipped."
    )
    if report.first_start:
        click.echo(f"  from {report.first_start} to {report.last_start}")
    for item in report.skipped[:50]:
        where = f"line {item.line}" if item.line else item.what
        click.echo(f"  skipped {where} ({item.title or item.uid or item.what}): {item.reason}")
    if len(report.skipped) > 50:
        click.echo(f"  … and {len(report.skipped) - 50:,} more (see --json)")
    if as_json:
        click.echo(report.as_json())


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
