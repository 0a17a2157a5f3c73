"""Importing history and handing it to the people it belongs to.

- `start_import`: keep the upload in the data directory and queue the run (a task: a big import never
  blocks a web request); `run_import` does the work, all or nothing, with its progress in the cache;
- `preview`: the first records of an export (messages, authors, skipped lines), nothing stored;
- placeholders: `match_placeholder` (to an existing member), `invite_to_claim` (an email or a link
  to copy), `accept_claim` (whoever opens the link, signed in, becomes that person) and
  `merge_placeholders` (two placeholders that are the same person). Each moves all history in one
  transaction through `merge.merge_accounts`.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import User
from townhall.activity.log import record_activity
from townhall.community.models import Membership
from townhall.core.errors import Invalid, NotFound
from townhall.importers import tasks
from townhall.importers.archive import ArchiveError, open_archive
from townhall.importers.events import ImportDoneData, PlaceholderClaimedData
from townhall.importers.merge import merge_accounts
from townhall.importers.models import ClaimInvitation, ImportRun, Placeholder
from townhall.importers.registry import get_source, is_multi_channel
from townhall.importers.sources.base import Author, Conversation, Item, NotThisSource, Skipped
from townhall.importers.store import ImportFailed, Report, Target, store_records
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

CLAIM_DAYS = 30
PREVIEW_RECORDS = 200
PREVIEW_MESSAGES = 20
# Placeholder and invitation rows stay with the placeholder: they record who claimed what.
KEEP = ("importers.Placeholder.user", "importers.Placeholder.claimed_by", "importers.ClaimInvitation.used_by")


def upload_dir() -> Path:
    return Path(settings.DATA_DIR) / "imports"


def clean_zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        message = f"{name[:64]!r} is not a time zone (try Europe/Madrid or America/Mexico_City)."
        raise Invalid(message, field_errors={"time_zone": [message]}) from None


def clean_target(source_key: str, *, space: Space | None, create_name: str) -> None:
    source = get_source(source_key)
    if space is not None and space.kind != "chat":
        message = f"{space.name} is not a chat space: choose a chat space, or name a new one."
        raise Invalid(message, field_errors={"space": [message]})
    if not is_multi_channel(source) and space is None and not create_name.strip():
        message = "Choose the chat space to import into, or give a name for a new one."
        raise Invalid(message, field_errors={"space": [message]})


def keep_upload(stream: IO[bytes], name: str) -> Path:
    """Copy an upload into the data directory (kept until its import ends)."""
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "".join(Path(name).suffixes[-2:])[:20]
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out, 1024 * 1024)
    return path


def upload_import(
    guardian: Guardian,
    *,
    source: str,
    stream: IO[bytes],
    file_name: str,
    space: Space | None = None,
    create_space_name: str = "",
    time_zone: str = "UTC",
) -> tuple[ImportRun, Preview]:
    """Keep an uploaded export and read its first records (the preview): a draft run waiting for
    `confirm_import`. Owners and admins.

    Errors: PermissionDenied; Invalid (no such source, a bad zone, no target for a single chat, a file
    that is not this source's export, unsafe, empty or too large), with nothing kept."""
    guardian.importers.manage.ensure()
    try:
        get_source(source)
    except LookupError as exc:
        raise Invalid(str(exc), field_errors={"source": [str(exc)]}) from None
    clean_zone(time_zone)
    clean_target(source, space=space, create_name=create_space_name)
    path = keep_upload(stream, file_name)
    try:
        found = preview(source, path, name=file_name, time_zone=time_zone)
    except (ArchiveError, NotThisSource) as exc:
        path.unlink(missing_ok=True)
        raise Invalid(str(exc), field_errors={"file": [str(exc)]}) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    run = ImportRun.objects.create(
        source=source, file_path=str(path), file_name=file_name[:255], space=space,
        create_space_name=create_space_name.strip()[:80], time_zone=time_zone or "UTC",
        started_by=guardian.user, state=ImportRun.DRAFT,
    )  # fmt: skip
    return run, found


def confirm_import(guardian: Guardian, run: ImportRun) -> ImportRun:
    """Queue a previewed import; the task runs it after the commit (a big import never blocks a web
    request). Locks the run. Errors: PermissionDenied; Invalid (not a draft any more)."""
    guardian.importers.manage.ensure()
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if locked.state != ImportRun.DRAFT:
            raise Invalid("This import has already been started.")
        locked.state = ImportRun.QUEUED
        locked.save(update_fields=["state"])
        transaction.on_commit(lambda: tasks.run_import_task.enqueue(locked.pk))
    run.state = locked.state
    return run


def discard_import(guardian: Guardian, run: ImportRun) -> None:
    """Forget a previewed import and its upload. Errors: PermissionDenied; Invalid (already started)."""
    guardian.importers.manage.ensure()
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if locked.state != ImportRun.DRAFT:
            raise Invalid("This import has already been started.")
        _remove_upload(locked)
        locked.delete()


def draft_preview(run: ImportRun) -> Preview:
    """The preview of a draft run, read again from its kept upload."""
    return preview(run.source, Path(run.file_path), name=run.file_name, time_zone=run.time_zone)


# --- progress (outside the import's transaction) ---------------------------------------------------
def progress_key(run_id: int) -> str:
    return f"importers:progress:{run_id}"


@dataclass
class Progress:
    read: int = 0  # records read
    messages: int = 0
    total_bytes: int = 0
    done_bytes: int = 0

    @property
    def percent(self) -> int | None:
        if not self.total_bytes:
            return None
        return min(99, int(100 * self.done_bytes / self.total_bytes))


def read_progress(run: ImportRun) -> Progress:
    found = cache.get(progress_key(run.pk))
    return Progress(**found) if isinstance(found, dict) else Progress()


class _CountingArchive:
    """An archive whose streams count the bytes read, for the progress bar."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.read_bytes = 0
        self.total = sum(inner.size(n) for n in inner.names())

    def names(self) -> list[str]:
        return self.inner.names()

    def size(self, name: str) -> int:
        return self.inner.size(name)

    def close(self) -> None:
        self.inner.close()

    def open(self, name: str) -> IO[bytes]:
        stream = self.inner.open(name)
        outer = self

        class Counted:
            def read(self, n: int = -1) -> bytes:
                data = stream.read(n)
                outer.read_bytes += len(data)
                return data

            def readline(self, n: int = -1) -> bytes:
                data = stream.readline(n)
                outer.read_bytes += len(data)
                return data

            def __iter__(self) -> Any:
                for line in stream:
                    outer.read_bytes += len(line)
                    yield line

            def __getattr__(self, attr: str) -> Any:
                return getattr(stream, attr)

            def __enter__(self) -> Any:
                return self

            def __exit__(self, *exc: object) -> None:
                stream.close()

        return Counted()  # type: ignore[return-value]


def run_import(run_id: int) -> ImportRun | None:
    """Do a queued import: read the export, store it all or nothing, record the counts and report (or
    the error), remove the upload. Tolerates a run deleted or already finished."""
    run = ImportRun.objects.filter(pk=run_id).select_related("space", "started_by").first()
    if run is None or run.state != ImportRun.QUEUED:
        return run
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.RUNNING)
    run.state = ImportRun.RUNNING
    archive = None
    try:
        source = get_source(run.source)
        zone = clean_zone(run.time_zone)
        archive = _CountingArchive(open_archive(Path(run.file_path), name=run.file_name))
        counting = archive

        def report_progress(report: Report, read: int) -> None:
            cache.set(
                progress_key(run.pk),
                {"read": read, "messages": report.messages, "total_bytes": counting.total,
                 "done_bytes": counting.read_bytes},
                timeout=24 * 3600,
            )  # fmt: skip

        report = store_records(
            source.read(archive, zone=zone),
            source=run.source, multi_channel=is_multi_channel(source),
            target=Target(space=run.space, create_name=run.create_space_name), archive=archive,
            started_by=run.started_by, run=run, progress=report_progress,
        )  # fmt: skip
    except (ArchiveError, NotThisSource, ImportFailed, Invalid, LookupError) as exc:
        message = exc.message if isinstance(exc, Invalid) else str(exc)
        _finish(run, state=ImportRun.FAILED, error=message)
    except Exception as exc:
        _finish(
            run,
            state=ImportRun.FAILED,
            error="The import stopped on an unexpected error; nothing was stored.",
        )
        raise exc
    else:
        if run.space is None and report.space_ids and not is_multi_channel(source):
            run.space = Space.objects.filter(pk=report.space_ids[0]).first()
        _finish(run, state=ImportRun.DONE, report=report)
        record_activity(run.started_by, "import.done", run, data=ImportDoneData(run.source, report.messages))
    finally:
        if archive is not None:
            archive.close()
        _remove_upload(run)
    return run


def _finish(run: ImportRun, *, state: str, error: str = "", report: Report | None = None) -> None:
    run.state = state
    run.error = error[:1000]
    run.finished_at = timezone.now()
    if report is not None:
        run.counts = report.counts()
        run.report = {"skipped": report.skipped, "space_ids": report.space_ids}
    run.save(update_fields=["state", "error", "finished_at", "counts", "report", "space"])
    cache.delete(progress_key(run.pk))


def _remove_upload(run: ImportRun) -> None:
    if run.file_path:
        Path(run.file_path).unlink(missing_ok=True)
        ImportRun.objects.filter(pk=run.pk).update(file_path="")
        run.file_path = ""


# --- preview ---------------------------------------------------------------------------------------
@dataclass
class Preview:
    messages: list[Item] = field(default_factory=list)
    authors: dict[str, Author] = field(default_factory=dict)
    conversations: list[Conversation] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    system_events: int = 0
    records: int = 0

    def author_name(self, item: Item) -> str:
        found = self.authors.get(item.author_id or "")
        return found.name if found else (item.author_id or "")


def preview(source_key: str, path: Path, *, name: str, time_zone: str) -> Preview:
    """The first records of an export, nothing stored. Raises ArchiveError, NotThisSource, Invalid."""
    source = get_source(source_key)
    zone = clean_zone(time_zone)
    archive = open_archive(path, name=name)
    found = Preview()
    try:
        for record in islice(source.read(archive, zone=zone), PREVIEW_RECORDS):
            found.records += 1
            if isinstance(record, Author):
                found.authors[record.source_id] = record
            elif isinstance(record, Conversation):
                found.conversations.append(record)
            elif isinstance(record, Skipped):
                found.skipped.append(record)
            elif record.kind == "system":
                found.system_events += 1
            elif len(found.messages) < PREVIEW_MESSAGES:
                found.messages.append(record)
    finally:
        archive.close()
    return found


# --- placeholders and claims ----------------------------------------------------------------------
def _lock(placeholder: Placeholder) -> Placeholder:
    return Placeholder.objects.select_for_update().get(pk=placeholder.pk)


def _hand_over(placeholder: Placeholder, *, to: User, actor: User | None) -> None:
    """Move the placeholder's history to `to`, mark it claimed (with those merged into it), delete its
    account. Inside the caller's transaction, the placeholder's row locked."""
    account = placeholder.user
    if account is not None:
        merge_accounts(old=account, into=to, skip=KEEP)
    now = timezone.now()
    Placeholder.objects.filter(pk=placeholder.pk).update(claimed_by=to, claimed_at=now, user=None)
    Placeholder.objects.filter(merged_into=placeholder).update(claimed_by=to, claimed_at=now)
    if account is not None:
        account.delete()
    record_activity(
        actor or to, "placeholder.claimed", to, data=PlaceholderClaimedData(placeholder.pk, placeholder.name)
    )
    placeholder.claimed_by, placeholder.claimed_at, placeholder.user = to, now, None


def match_placeholder(guardian: Guardian, placeholder: Placeholder, *, member: User) -> Placeholder:
    """The owner says this placeholder is `member`: all its history moves to them in one transaction.
    Locks the placeholder's row. Errors: PermissionDenied; Invalid (not an active member)."""
    guardian.importers.manage_placeholder.ensure(placeholder)
    if not Membership.objects.filter(user=member, state=Membership.ACTIVE).exists():
        message = f"{member.name} is not an active member of the community."
        raise Invalid(message, field_errors={"member": [message]})
    with transaction.atomic():
        locked = _lock(placeholder)
        guardian.importers.manage_placeholder.ensure(locked)
        _hand_over(locked, to=member, actor=guardian.user)
    return locked


def merge_placeholders(guardian: Guardian, placeholder: Placeholder, *, into: Placeholder) -> Placeholder:
    """Two placeholders are the same person: `placeholder`'s history moves to `into`'s account, and
    the source identity stays known (a later import writes its messages under `into`). Locks both."""
    guardian.importers.manage_placeholder.ensure(placeholder)
    guardian.importers.manage_placeholder.ensure(into)
    if placeholder.pk == into.pk:
        raise Invalid(
            "Choose another placeholder to merge with.", field_errors={"into": ["The same person."]}
        )
    with transaction.atomic():
        first, second = sorted([placeholder.pk, into.pk])
        rows = {p.pk: p for p in Placeholder.objects.select_for_update().filter(pk__in=[first, second])}
        old, kept = rows[placeholder.pk], rows[into.pk]
        guardian.importers.manage_placeholder.ensure(old)
        guardian.importers.manage_placeholder.ensure(kept)
        if kept.user is None:
            raise Invalid("That placeholder has no account to merge into.")
        if old.user is not None:
            merge_accounts(old=old.user, into=kept.user, skip=KEEP)
            account = old.user
            Placeholder.objects.filter(pk=old.pk).update(merged_into=kept, user=None)
            account.delete()
        else:
            Placeholder.objects.filter(pk=old.pk).update(merged_into=kept)
        Placeholder.objects.filter(merged_into=old).update(merged_into=kept)
    old.merged_into, old.user = kept, None
    return old


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewClaim:
    invitation: ClaimInvitation
    token: str  # shown once: the link to copy, or the one emailed


def invite_to_claim(guardian: Guardian, placeholder: Placeholder, *, email: str = "") -> NewClaim:
    """A one-time invitation to claim `placeholder`, valid 30 days: emailed (after the commit) when
    `email` is given, else a link for the owner to copy. Only the token's hash is stored."""
    guardian.importers.manage_placeholder.ensure(placeholder)
    email = email.strip()
    if email:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            raise Invalid(
                "Enter a valid email address.", field_errors={"email": ["Enter a valid email address."]}
            ) from None
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        invitation = ClaimInvitation.objects.create(
            placeholder=placeholder, token_hash=_hash(token), email=email, created_by=guardian.user,
            expires_at=timezone.now() + timedelta(days=CLAIM_DAYS),
        )  # fmt: skip
        if email:
            transaction.on_commit(lambda: tasks.send_claim_email.enqueue(invitation.pk, token))
    return NewClaim(invitation, token)


def get_claim_or_404(token: str) -> ClaimInvitation:
    found = (
        ClaimInvitation.objects.select_related("placeholder").filter(token_hash=_hash(token or "")).first()
        if len(token or "") <= 100
        else None
    )
    if found is None:
        raise NotFound("No such invitation")
    return found


def accept_claim(guardian: Guardian, token: str) -> Placeholder:
    """The signed-in member opening a claim link becomes the placeholder: all its history moves to
    their account in one transaction, and the invitation is used up. Locks the invitation and the
    placeholder. Errors: NotFound (no such link), PermissionDenied (used, expired, claimed, not a member)."""
    invitation = get_claim_or_404(token)
    guardian.importers.claim.ensure(invitation)
    assert guardian.user is not None
    with transaction.atomic():
        locked = (
            ClaimInvitation.objects.select_for_update().select_related("placeholder").get(pk=invitation.pk)
        )
        placeholder = _lock(locked.placeholder)
        locked.placeholder = placeholder
        guardian.importers.claim.ensure(locked)
        _hand_over(placeholder, to=guardian.user, actor=guardian.user)
        ClaimInvitation.objects.filter(pk=locked.pk).update(used_at=timezone.now(), used_by=guardian.user)
    return placeholder


# --- from the command line and seeding (the operator, not a person in the community) ---------------
@dataclass
class CommandResult:
    run: ImportRun | None
    report: Report


def import_now(
    source_key: str,
    path: Path,
    *,
    space: Space | None,
    create_space_name: str = "",
    time_zone: str = "UTC",
    dry_run: bool = False,
    progress: Any = None,
) -> CommandResult:
    """Import an export in this process (the `townhall import` command, seeding): the same store as
    the page's task, recorded as an ImportRun unless `dry_run`. `progress(done_bytes, total_bytes,
    messages)` is called after every batch. Raises ArchiveError, NotThisSource, ImportFailed, Invalid
    (a bad zone, a missing target), LookupError (no such source)."""
    source = get_source(source_key)
    zone = clean_zone(time_zone)
    clean_target(source_key, space=space, create_name=create_space_name or ("dry run" if dry_run else ""))
    archive = _CountingArchive(open_archive(path))

    def report_progress(report: Report, read: int) -> None:
        if progress is not None:
            progress(archive.read_bytes, archive.total, report.messages)

    run = None
    try:
        if not dry_run:
            run = ImportRun.objects.create(
                source=source_key, file_name=path.name[:255], space=space,
                create_space_name=create_space_name[:80], time_zone=time_zone, state=ImportRun.RUNNING,
            )  # fmt: skip
        try:
            report = store_records(
                source.read(archive, zone=zone),
                source=source_key, multi_channel=is_multi_channel(source),
                target=Target(space=space, create_name=create_space_name or "dry run"), archive=archive,
                run=run, dry_run=dry_run, progress=report_progress,
            )  # fmt: skip
        except BaseException as exc:
            if run is not None:
                message = exc.message if isinstance(exc, Invalid) else str(exc)
                _finish(run, state=ImportRun.FAILED, error=message or exc.__class__.__name__)
            raise
    finally:
        archive.close()
    if run is not None:
        if run.space is None and report.space_ids and not is_multi_channel(source):
            run.space = Space.objects.filter(pk=report.space_ids[0]).first()
        _finish(run, state=ImportRun.DONE, report=report)
    return CommandResult(run, report)
