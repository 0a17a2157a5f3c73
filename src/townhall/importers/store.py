"""From a parser's records to the community: spaces, placeholder people, messages, threads, reactions
and files, written through the chat and spaces bulk layers.

- **Streaming.** Items are buffered in batches (`BATCH`) and written batch by batch; what earlier
  batches wrote is found again through `ImportedItem` rows, never kept in memory. Only the people and
  conversations of the export (a few thousand at most) and the thread roots written stay in memory.
- **All or nothing.** `store_records` runs in one transaction: a failure anywhere stores nothing (and
  files already written are removed). Progress goes to the cache, outside the transaction, through
  `progress`, so a page and the terminal can show it while the import runs.
- **Idempotent and incremental.** Every message and system event is remembered by (source, the
  space's id, kind, source id): the same export again adds nothing, a newer export only what is new.
- **Dry run.** `dry_run=True` reads every record and counts what would be written, storing nothing.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from townhall.accounts.models import User
from townhall.chat.bulk import (
    NewAttachment,
    NewMessage,
    NewMessageReaction,
    NewReply,
    bulk_add_replies,
    bulk_attach_files,
    bulk_create_message_ids,
    bulk_create_reactions,
)
from townhall.chat.models import MAX_BODY, ChannelRead, Message
from townhall.content.uploads import forget
from townhall.core.bulkinsert import insert_rows
from townhall.core.errors import Invalid
from townhall.importers.archive import Archive
from townhall.importers.models import ImportedItem, ImportRun, Placeholder, SystemEvent
from townhall.importers.seen import SeenKeys
from townhall.importers.sources.base import (
    DIRECT,
    GROUP_DIRECT,
    SYSTEM,
    Author,
    Conversation,
    Item,
    Record,
    Skipped,
)
from townhall.spaces.actions import unique_slug
from townhall.spaces.bulk import NewSpace, bulk_create_spaces
from townhall.spaces.models import Space, SpaceMembership

log = logging.getLogger(__name__)

BATCH = 2000
MAX_ATTACHMENT_BYTES = 25 * 1024**2  # larger files stay a name in the message
QUOTE_CHARS = 200
SKIPPED_KEPT = 10_000  # skipped lines listed in the report (all are counted)
CHAT_KIND = "chat"
DIRECT_KIND = "direct"
ID_CHUNK = 900  # ids per `IN (…)`, inside every database's parameter limit
ITEM_COLUMNS = ("source", "scope", "kind", "source_id", "object_id", "run_id")


class ImportFailed(Exception):
    """The import stopped; nothing was stored. The message is for the person importing."""


@dataclass
class Report:
    """What an import stored (or, in a dry run, would store), by kind, and what it could not read."""

    messages: int = 0
    authors: int = 0
    conversations: int = 0
    spaces_created: int = 0
    threads: int = 0
    replies: int = 0
    reactions: int = 0
    attachments: int = 0
    system_events: int = 0
    already_imported: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    skipped_count: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    space_ids: list[int] = field(default_factory=list)

    def skip(self, line: int | None, reason: str, text: str = "") -> None:
        self.skipped_count += 1
        if len(self.skipped) < SKIPPED_KEPT:
            self.skipped.append({"line": line, "reason": reason, "text": text[:200]})

    def seen_time(self, at: datetime) -> None:
        if self.first_at is None or at < self.first_at:
            self.first_at = at
        if self.last_at is None or at > self.last_at:
            self.last_at = at

    def counts(self) -> dict[str, Any]:
        """The figures, JSON-ready (times in ISO 8601 with their offset)."""
        return {
            "messages": self.messages,
            "authors": self.authors,
            "conversations": self.conversations,
            "spaces_created": self.spaces_created,
            "threads": self.threads,
            "replies": self.replies,
            "reactions": self.reactions,
            "attachments": self.attachments,
            "system_events": self.system_events,
            "already_imported": self.already_imported,
            "skipped": self.skipped_count,
            "first_message_at": self.first_at.isoformat() if self.first_at else None,
            "last_message_at": self.last_at.isoformat() if self.last_at else None,
        }


Progress = Callable[[Report, int], None]  # (report so far, records read)


@dataclass
class Target:
    """Where a single-chat export goes: a chosen chat space, or a new one by this name."""

    space: Space | None = None
    create_name: str = ""


def store_records(
    records: Iterable[Record],
    *,
    source: str,
    multi_channel: bool,
    target: Target,
    archive: Archive | None = None,
    started_by: User | None = None,
    run: ImportRun | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    batch_size: int = BATCH,
) -> Report:
    """Write an export's records (see the module docstring). Raises ImportFailed (nothing stored) for a
    record the community cannot take (the message says which), and lets NotThisSource and
    ArchiveError from the parser through unchanged, after rolling back."""
    writer = _Writer(
        source=source, multi_channel=multi_channel, target=target, archive=archive,
        started_by=started_by, run=run, dry_run=dry_run, progress=progress, batch_size=batch_size,
    )  # fmt: skip
    if dry_run:
        writer.consume(records)
        return writer.report
    try:
        with transaction.atomic():
            writer.consume(records)
    except Invalid as exc:
        forget(writer.files_written)
        raise ImportFailed(f"Nothing was imported: {exc.message}") from exc
    except BaseException:
        forget(writer.files_written)
        raise
    return writer.report


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class _Writer:
    def __init__(
        self, *, source: str, multi_channel: bool, target: Target, archive: Archive | None,
        started_by: User | None, run: ImportRun | None, dry_run: bool, progress: Progress | None,
        batch_size: int,
    ) -> None:  # fmt: skip
        self.source = source
        self.multi_channel = multi_channel
        self.target = target
        self.archive = archive
        self.started_by = started_by
        self.run = run
        self.dry_run = dry_run
        self.progress = progress
        self.batch_size = batch_size
        self.report = Report()
        self.files_written: list[str] = []
        self.authors: dict[str, Author] = {}
        self.people: dict[str, int] = {}  # author source id -> the user id messages are written under
        self.names: dict[int, str] = {}
        self.conversations: dict[str, Conversation] = {}
        self.spaces: dict[str, Space] = {}  # conversation source id -> space
        self.target_used = False
        self.thread_roots: set[int] = set()
        self.buffer: list[Item] = []
        self.read = 0
        self.dry_seen: set[tuple[str, str]] = set()
        self.written = SeenKeys()  # (scope, kind, source id) written by this run
        self.earlier: dict[int, bool] = {}  # space id -> held imported items before this run
        self.archive_names: set[str] | None = None

    # --- the stream -------------------------------------------------------------------------------
    def consume(self, records: Iterable[Record]) -> None:
        for record in records:
            self.read += 1
            if isinstance(record, Item):
                self.buffer.append(record)
                if len(self.buffer) >= self.batch_size:
                    self.flush()
            elif isinstance(record, Author):
                self.authors[record.source_id] = record
            elif isinstance(record, Conversation):
                self.conversations[record.source_id] = record
            elif isinstance(record, Skipped):
                self.report.skip(record.line, record.reason, record.text)
        self.flush()

    def flush(self) -> None:
        batch, self.buffer = self.buffer, []
        if batch:
            self._write(batch)
        if self.progress is not None:
            self.progress(self.report, self.read)

    # --- people and places --------------------------------------------------------------------------
    def person(self, source_id: str) -> int:
        """The user id an author's messages go under: the member who claimed the placeholder, the
        placeholder they were merged into, or a new placeholder account."""
        found = self.people.get(source_id)
        if found is not None:
            return found
        author = self.authors.get(source_id) or Author(source_id=source_id, name=source_id[:80] or "Unknown")
        placeholder = Placeholder.objects.filter(source=self.source, source_id=source_id[:200]).first()
        if placeholder is None:
            self.report.authors += 1
            if self.dry_run:
                user_id = -len(self.people) - 1
                self.people[source_id] = user_id
                self.names[user_id] = author.name
                return user_id
            placeholder = _new_placeholder(self.source, author)
        elif self.dry_run:
            user_id = _effective_user_id(placeholder) or -len(self.people) - 1
            self.people[source_id] = user_id
            return user_id
        found_id = _effective_user_id(placeholder)
        if found_id is None:  # its account was removed: give it a new one
            placeholder.user = _placeholder_account(self.source, author)
            placeholder.save(update_fields=["user"])
            found_id = placeholder.user.pk
        user_id = found_id
        self.people[source_id] = user_id
        self.names[user_id] = author.name
        return user_id

    def space_for(self, conversation_id: str) -> Space | None:
        found = self.spaces.get(conversation_id)
        if found is not None:
            return found
        conversation = self.conversations.get(conversation_id) or Conversation(
            source_id=conversation_id, name=conversation_id or "Imported chat"
        )
        self.report.conversations += 1
        space: Space | None = None
        if (
            not self.multi_channel
            and not self.target_used
            and conversation.kind not in (DIRECT, GROUP_DIRECT)
        ):
            self.target_used = True
            space = self.target.space
            if space is None and self.target.create_name and not self.dry_run:
                space = self._create_space(conversation, name=self.target.create_name)
            elif space is None and self.dry_run:
                space = Space(pk=0, name=self.target.create_name or conversation.name)
        else:
            mapped = ImportedItem.objects.filter(
                source=self.source, scope="", kind=ImportedItem.CONVERSATION, source_id=conversation_id[:200]
            ).first()
            if mapped is not None:
                space = Space.objects.filter(pk=mapped.object_id).first()
                if space is None:
                    mapped.delete()
            if space is None:
                if self.dry_run:
                    space = Space(pk=-len(self.spaces) - 1, name=conversation.name)
                else:
                    space = self._create_space(conversation)
                    ImportedItem.objects.create(
                        source=self.source, scope="", kind=ImportedItem.CONVERSATION,
                        source_id=conversation_id[:200], object_id=space.pk, run=self.run,
                    )  # fmt: skip
        if space is None:
            raise ImportFailed("Choose the chat space to import into, or give a name for a new one.")
        if space.pk and space.pk > 0 and space.pk not in self.report.space_ids:
            self.report.space_ids.append(space.pk)
        self.spaces[conversation_id] = space
        return space

    def _create_space(self, conversation: Conversation, *, name: str = "") -> Space:
        direct = conversation.kind in (DIRECT, GROUP_DIRECT)
        title = (name or conversation.name or "Imported chat")[:80]
        description = (conversation.purpose or conversation.topic or "")[:1000]
        self.report.spaces_created += 1
        if direct:
            people = sorted({self.person(pid) for pid in conversation.member_ids})
            # Direct conversations are personal spaces, which the spaces bulk layer does not make, and
            # placeholders are not community members, whom it alone seats: the rows are written here
            # as chat's start_conversation writes them (the space, its members, their read positions).
            space = Space.objects.create(
                name=title, slug=f"dm-g-{uuid.uuid4().hex[:16]}", icon="✉️", kind=DIRECT_KIND,
                kind_settings={"group": conversation.kind == GROUP_DIRECT, "named": False},
                visibility=Space.SECRET, member_count=len(people),
            )  # fmt: skip
            SpaceMembership.objects.bulk_create(
                SpaceMembership(space=space, user_id=uid, state=SpaceMembership.ACTIVE) for uid in people
            )
            ChannelRead.objects.bulk_create(ChannelRead(space=space, user_id=uid) for uid in people)
            return space
        else:
            [pk] = bulk_create_spaces(
                [
                    NewSpace(
                        name=title, description=description, kind=CHAT_KIND,
                        visibility=Space.PRIVATE if conversation.private else Space.MEMBERS,
                        created_by_id=self.started_by.pk if self.started_by else None,
                    )
                ]
            )  # fmt: skip
            if not name:  # one space per channel: "slack-general", "discord-help"
                Space.objects.filter(pk=pk).update(slug=unique_slug(f"{self.source}-{title}"))
        return Space.objects.get(pk=pk)

    # --- one batch ----------------------------------------------------------------------------------
    def _write(self, batch: list[Item]) -> None:
        placed: list[tuple[Item, Space]] = []
        for item in batch:
            space = self.space_for(item.conversation_id)
            assert space is not None
            placed.append((item, space))
        fresh = self._new_only(placed)
        events = [(i, s) for i, s in fresh if i.kind == SYSTEM]
        messages = [(i, s) for i, s in fresh if i.kind != SYSTEM]
        self._write_events(events)
        if messages:
            self._write_messages(messages)

    def _new_only(self, placed: list[tuple[Item, Space]]) -> list[tuple[Item, Space]]:
        """Leave out what an earlier import (or this one) stored, and repeated ids within the export.

        Only keys that may be stored already are looked up: every key in a space that held imported
        items before this run, and the keys of this run's earlier batches that `written` may hold."""
        keyed = [((str(s.pk), _kind(i), i.source_id[:200]), i, s) for i, s in placed]
        doubtful = {
            key
            for key, _, space in keyed
            if self._had_imports(space) or (not self.dry_run and key in self.written)
        }
        known: set[tuple[str, str, str]] = set()
        ask = sorted(doubtful)
        for start in range(0, len(ask), ID_CHUNK):
            chunk = ask[start : start + ID_CHUNK]
            rows = ImportedItem.objects.filter(
                source=self.source, scope__in={k[0] for k in chunk}, source_id__in={k[2] for k in chunk}
            ).values_list("scope", "kind", "source_id")
            known.update(key for key in rows if key in doubtful)
        fresh = []
        seen: set[tuple[str, str, str]] = set()
        for key, item, space in keyed:
            if key in known:
                self.report.already_imported += 1
                continue
            if key in seen or (self.dry_run and key[1:] in self.dry_seen):
                self.report.skip(
                    item.line, f"A second message with the id {item.source_id[:60]!r}: kept once."
                )
                continue
            seen.add(key)
            if self.dry_run:
                self.dry_seen.add(key[1:])
            else:
                self.written.add(key)
            fresh.append((item, space))
        return fresh

    def _had_imports(self, space: Space) -> bool:
        """Whether an earlier import stored items in `space` (asked once per space, before this run
        writes there)."""
        if not space.pk or space.pk < 0:
            return False
        found = self.earlier.get(space.pk)
        if found is None:
            found = self.earlier[space.pk] = ImportedItem.objects.filter(
                source=self.source, scope=str(space.pk)
            ).exists()
        return found

    def _write_events(self, events: list[tuple[Item, Space]]) -> None:
        if not events:
            return
        self.report.system_events += len(events)
        if self.dry_run:
            return
        rows = [
            SystemEvent(
                run=self.run, space_id=space.pk, kind=(item.system or "event")[:40], text=item.text[:2000],
                actor_id=self.person(item.author_id) if item.author_id else None, at=item.at,
            )
            for item, space in events
        ]  # fmt: skip
        created = SystemEvent.objects.bulk_create(rows)
        ImportedItem.objects.bulk_create(
            ImportedItem(
                source=self.source, scope=str(space.pk), kind=ImportedItem.SYSTEM,
                source_id=item.source_id[:200], object_id=row.pk, run=self.run,
            )
            for (item, space), row in zip(events, created, strict=True)
        )  # fmt: skip

    def _write_messages(self, messages: list[tuple[Item, Space]]) -> None:
        report = self.report
        in_batch = {(s.pk, i.source_id): i for i, s in messages}
        quoted = self._quoted(messages, in_batch)
        roots: list[tuple[Item, Space, str]] = []
        replies: list[tuple[Item, Space, str]] = []
        for item, space in messages:
            self.people_id(item)  # every author gets their placeholder before the rows are built
            body = self._body(item, quoted.get((space.pk, item.reply_to_id or "")))
            report.seen_time(item.at)
            is_reply = item.thread_id is not None and item.thread_id != item.source_id
            (replies if is_reply else roots).append((item, space, body))
        report.messages += len(messages)
        if self.dry_run:
            report.replies += len(replies)
            report.threads += len({(s.pk, i.thread_id) for i, s, _ in replies})
            report.attachments += sum(len(i.attachments) for i, _ in messages)
            report.reactions += sum(len(r.author_ids) for i, _ in messages for r in i.reactions)
            return
        written: dict[tuple[int, str], int] = {}  # (space id, source id) -> message id
        per_space: dict[int, list[tuple[Item, Space, str]]] = defaultdict(list)
        for entry in roots:
            per_space[entry[1].pk].append(entry)
        # Replies whose thread root this export never held go to the channel, quoted as replies.
        roots_here = {(s.pk, i.source_id) for i, s, _ in roots}
        root_ids = self._known_roots(replies, roots_here)
        orphan = [
            (i, s, b)
            for i, s, b in replies
            if (s.pk, i.thread_id or "") not in roots_here and root_ids.get((s.pk, i.thread_id or "")) is None
        ]
        for entry in orphan:
            per_space[entry[1].pk].append(entry)
        for space_id, entries in per_space.items():
            ordered = sorted(entries, key=lambda e: e[0].at)
            created = bulk_create_message_ids(
                space_id,
                [
                    NewMessage(author_id=self.people_id(i), body=b, at=i.at, edited_at=i.edited_at)
                    for i, _, b in ordered
                ],
            )
            for (item, _, _), message_id in zip(ordered, created, strict=True):
                written[(space_id, item.source_id)] = message_id
        threads: dict[tuple[int, str], list[tuple[Item, Space, str]]] = defaultdict(list)
        orphan_keys = {(s.pk, i.source_id) for i, s, _ in orphan}
        for item, space, body in replies:
            if (space.pk, item.source_id) not in orphan_keys:
                threads[(space.pk, item.thread_id or "")].append((item, space, body))
        root_pks = {
            key: written.get(key) or root_ids[key]
            for key in threads  # written in this batch, or by an earlier one
        }
        root_rows = {m.pk: m for m in Message.objects.filter(pk__in=set(root_pks.values()))}
        for (space_id, thread_id), entries in threads.items():
            root = root_rows[root_pks[(space_id, thread_id)]]  # type: ignore[index]
            if root.thread_root_id is not None:  # a reply to a reply: its thread is the root's
                root = Message.objects.get(pk=root.thread_root_id)
            ordered = sorted(entries, key=lambda e: e[0].at)
            replied = bulk_add_replies(
                root,
                [
                    NewReply(author_id=self.people_id(i), body=b, at=i.at, edited_at=i.edited_at)
                    for i, _, b in ordered
                ],
            )
            for (item, _, _), message in zip(ordered, replied, strict=True):
                written[(space_id, item.source_id)] = message.pk
            report.replies += len(replied)
            if root.pk not in self.thread_roots:
                self.thread_roots.add(root.pk)
                report.threads += 1
        run_id = self.run.pk if self.run is not None else None
        insert_rows(
            ImportedItem,
            ITEM_COLUMNS,
            [
                (self.source, str(space_id), ImportedItem.MESSAGE, source_id[:200], message_id, run_id)
                for (space_id, source_id), message_id in written.items()
            ],
        )
        self._write_reactions(messages, written)
        self._write_attachments(messages, written)
        self._mark_deleted(messages, written)

    def people_id(self, item: Item) -> int:
        return self.person(item.author_id) if item.author_id else self._unknown()

    def _unknown(self) -> int:
        return self.person("")

    def _known_roots(
        self, replies: list[tuple[Item, Space, str]], in_batch: set[tuple[int, str]]
    ) -> dict[tuple[int, str], int | None]:
        """The message ids of thread roots written by earlier batches or imports."""
        wanted = {(s.pk, i.thread_id or "") for i, s, _ in replies} - in_batch
        found: dict[tuple[int, str], int | None] = dict.fromkeys(wanted)
        if wanted:
            rows = ImportedItem.objects.filter(
                source=self.source, kind=ImportedItem.MESSAGE,
                scope__in={str(k[0]) for k in wanted}, source_id__in={k[1][:200] for k in wanted},
            ).values_list("scope", "source_id", "object_id")  # fmt: skip
            for scope, source_id, object_id in rows:
                if (int(scope), source_id) in found:
                    found[(int(scope), source_id)] = object_id
        for key in in_batch:
            found.pop(key, None)
        return found

    def _quoted(
        self, messages: list[tuple[Item, Space]], in_batch: dict[tuple[int, str], Item]
    ) -> dict[tuple[int, str], str]:
        """(space id, source id) -> a quote line for each message replied to, from this batch or
        from what was stored before."""
        wanted = {(s.pk, i.reply_to_id) for i, s in messages if i.reply_to_id}
        quotes: dict[tuple[int, str], str] = {}
        earlier: set[tuple[int, str]] = set()
        for key in wanted:
            item = in_batch.get(key)
            if item is not None:
                name = self.authors[item.author_id].name if item.author_id in self.authors else "Someone"
                quotes[key] = _quote(name, item.text)
            else:
                earlier.add(key)
        if earlier and not self.dry_run:
            rows = ImportedItem.objects.filter(
                source=self.source, kind=ImportedItem.MESSAGE,
                scope__in={str(k[0]) for k in earlier}, source_id__in={k[1][:200] for k in earlier},
            ).values_list("scope", "source_id", "object_id")  # fmt: skip
            ids = {object_id: (int(scope), source_id) for scope, source_id, object_id in rows}
            for message in Message.objects.filter(pk__in=ids).select_related("author"):
                name = message.author.name if message.author else "Someone"
                quotes[ids[message.pk]] = _quote(name, message.body)
        return quotes

    def _body(self, item: Item, quote: str | None) -> str:
        parts = []
        if item.forwarded_from:
            parts.append(f"*Forwarded from {item.forwarded_from}*")
        if quote is not None:
            parts.append(quote)
        elif item.reply_to_id:
            parts.append("> *(a reply to a message not in the export)*")
        if item.thread_name:
            parts.append(f"**{item.thread_name.strip()}**")
        if item.text.strip():
            parts.append(item.text)
        for attachment in item.attachments:
            if attachment.url:
                parts.append(f"📎 [{attachment.name}]({attachment.url})")
            elif not self._storable(attachment.path):
                parts.append(f"📎 {attachment.name} (not in the export)")
        if item.poll is not None:
            lines = [f"📊 **{item.poll.question}**"]
            lines += [
                f"- {option} ({votes} vote{'s' if votes != 1 else ''})" for option, votes in item.poll.options
            ]
            parts.append("\n".join(lines))
        if item.deleted and not item.text.strip():
            parts.append("*This message was deleted.*")
        body = "\n\n".join(parts).strip()
        if not body:
            names = ", ".join(a.name for a in item.attachments)
            body = f"📎 {names}" if names else "*(an empty message)*"
        if len(body) > MAX_BODY:
            self.report.skip(item.line, f"A message of {len(body):,} characters was cut to {MAX_BODY:,}.")
            body = body[: MAX_BODY - 1] + "…"
        return body

    def _storable(self, path: str) -> bool:
        if not path or self.archive is None:
            return False
        if self.archive_names is None:
            self.archive_names = set(self.archive.names())
        if path not in self.archive_names:
            return False
        try:
            return 0 < self.archive.size(path) <= MAX_ATTACHMENT_BYTES
        except (KeyError, OSError):
            return False

    def _write_reactions(
        self, messages: list[tuple[Item, Space]], written: dict[tuple[int, str], int]
    ) -> None:
        new: list[NewMessageReaction] = []
        for item, space in messages:
            message = written.get((space.pk, item.source_id))
            if message is None:
                continue
            for reaction in item.reactions:
                if not reaction.author_ids:
                    if reaction.count:
                        self.report.skip(
                            item.line,
                            f"{reaction.count} {reaction.emoji[:20]} reactions without who reacted: not kept.",
                        )
                    continue
                if len(reaction.emoji) > 16:
                    self.report.skip(item.line, f"The reaction {reaction.emoji[:40]} is too long to keep.")
                    continue
                for author_id in reaction.author_ids:
                    new.append(
                        NewMessageReaction(
                            message_id=message,
                            user_id=self.person(author_id),
                            emoji=reaction.emoji,
                            at=item.at,
                        )
                    )
        if new:
            self.report.reactions += len(bulk_create_reactions(new, offered_only=False))

    def _write_attachments(
        self, messages: list[tuple[Item, Space]], written: dict[tuple[int, str], int]
    ) -> None:
        assert self.archive is not None or not any(a.path for i, _ in messages for a in i.attachments)
        for item, space in messages:
            message = written.get((space.pk, item.source_id))
            if message is None:
                continue
            for attachment in item.attachments:
                if attachment.url or not self._storable(attachment.path):
                    continue
                assert self.archive is not None
                with self.archive.open(attachment.path) as stream:
                    data = stream.read(MAX_ATTACHMENT_BYTES + 1)
                try:
                    with transaction.atomic():
                        rows = bulk_attach_files(
                            [NewAttachment(message_id=message, data=data, name=attachment.name[:200])]
                        )
                except Invalid as exc:
                    self.report.skip(item.line, f"{attachment.name[:80]}: {exc.message}")
                    continue
                self.files_written += [row.upload.path for row in rows]
                self.report.attachments += len(rows)

    def _mark_deleted(self, messages: list[tuple[Item, Space]], written: dict[tuple[int, str], int]) -> None:
        """Deleted messages keep their place, marked deleted when they were sent (after their reactions
        are written: reactions are refused on a deleted message). Edit times went in with the rows."""
        deleted = [
            message
            for item, space in messages
            if item.deleted and (message := written.get((space.pk, item.source_id))) is not None
        ]
        for start in range(0, len(deleted), ID_CHUNK):
            Message.objects.filter(pk__in=deleted[start : start + ID_CHUNK]).update(
                deleted_at=F("created_at")
            )


def _kind(item: Item) -> str:
    return ImportedItem.SYSTEM if item.kind == SYSTEM else ImportedItem.MESSAGE


def _quote(name: str, text: str) -> str:
    line = " ".join(text.split())
    if len(line) > QUOTE_CHARS:
        line = line[: QUOTE_CHARS - 1] + "…"
    return f"> **{name}**: {line}" if line else f"> **{name}**"


def _effective_user_id(placeholder: Placeholder) -> int | None:
    """Follow merges to the placeholder that stands for the person, then its claim or its account."""
    seen = set()
    while placeholder.merged_into_id is not None and placeholder.pk not in seen:
        seen.add(placeholder.pk)
        placeholder = Placeholder.objects.get(pk=placeholder.merged_into_id)
    return placeholder.claimed_by_id or placeholder.user_id


def _placeholder_account(source: str, author: Author) -> User:
    """An account that cannot sign in: no usable password, not active, no community membership."""
    digest = _fingerprint(f"{source}\n{author.source_id}\n{uuid.uuid4().hex}")[:12]
    username = f"imported-{source}-{digest}"
    return User.objects.create(
        username=username,
        email=f"{username}@imported.invalid",
        display_name=(author.name or author.handle or "Unknown")[:80],
        password=make_password(None),
        is_active=False,
        date_joined=timezone.now(),
    )


def _new_placeholder(source: str, author: Author) -> Placeholder:
    return Placeholder.objects.create(
        source=source,
        source_id=author.source_id[:200],
        name=(author.name or author.handle or "Unknown")[:80],
        handle=author.handle[:100],
        bot=author.bot,
        user=_placeholder_account(source, author),
    )
