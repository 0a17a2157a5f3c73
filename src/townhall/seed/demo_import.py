"""The demo's imported history: the Berlin founders' old WhatsApp group, brought home into an archive
chat space through the importers' store (as an import of a real export would be), with the founders'
placeholders matched to their accounts and two people who never joined left to claim their messages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from townhall.accounts.models import User
from townhall.importers import actions
from townhall.importers.models import ImportRun, Placeholder
from townhall.importers.sources.base import Author, Conversation, Item, Reaction, Record
from townhall.importers.store import Target, store_records
from townhall.policy import Guardian
from townhall.spaces.models import Space

SOURCE = "whatsapp"
SPACE_NAME = "WhatsApp archive"
DESCRIPTION = "The founders' first WhatsApp group, from the Gülpe star party on: imported when we moved here."
# (source identity as the phone wrote it, name, the demo member it is, or "" for someone not here yet)
PEOPLE = [
    ("Mira Okafor", "Mira Okafor", "mira"),
    ("Jonas", "Jonas", "jonas"),
    ("+49 151 2345 6789", "+49 151 2345 6789", ""),
    ("Katrin B.", "Katrin B.", ""),
]
# (days ago, author, text, reply-to index, reactions [(emoji, [authors])])
# fmt: off
MESSAGES: list[tuple[float, str, str, int | None, list[tuple[str, list[str]]]]] = [
    (640, "Mira Okafor", "Hi all! Made this group for everyone from Saturday's star party at Gülpe 🌌", None, []),
    (640, "Jonas", "Great idea. My guiding graphs from that night are a crime scene, by the way", None, [("😂", ["Mira Okafor", "Katrin B."])]),
    (639.9, "Katrin B.", "Does anyone have the coordinates of the parking spot by the lake?", None, []),
    (639.8, "+49 151 2345 6789", "52.7382, 12.2312 — turn off the headlights before the last bend", 2, [("🙏", ["Katrin B."])]),
    (600, "Mira Okafor", "New moon on the 21st. Who's in for Brandenburg?", None, [("👍", ["Jonas", "Katrin B."])]),
    (599.5, "Jonas", "In. I'll bring the spare dew heater", None, []),
    (420, "Katrin B.", "First light with the new camera: M31 in 2 hours. Still noisy but I'm so happy", None, [("🎉", ["Mira Okafor", "Jonas", "+49 151 2345 6789"])]),
    (419.9, "Mira Okafor", "Gorgeous! Try more darks next time, the amp glow will go", 6, []),
    (200, "Mira Okafor", "We're moving to our own place: the Night Sky Collective. Everything from here will be imported, so nothing gets lost ✨", None, [("❤️", ["Jonas", "Katrin B."])]),
]
# fmt: on


def _records(now: datetime) -> Iterator[Record]:
    for source_id, name, _ in PEOPLE:
        yield Author(source_id=source_id, name=name, handle=source_id if source_id.startswith("+") else "")
    yield Conversation(source_id="Gülpe star party", name="Gülpe star party")
    start = now - timedelta(days=641)
    yield Item(source_id="created", conversation_id="Gülpe star party", at=start, author_id="Mira Okafor",
               kind="system", system="created", text="Mira Okafor created group \"Gülpe star party\"")  # fmt: skip
    for index, (days, author, text, reply_to, reactions) in enumerate(MESSAGES):
        yield Item(
            source_id=f"m{index}", conversation_id="Gülpe star party", at=now - timedelta(days=days),
            author_id=author, text=text, reply_to_id=f"m{reply_to}" if reply_to is not None else None,
            reactions=tuple(Reaction(emoji, tuple(by)) for emoji, by in reactions),
        )  # fmt: skip


def seed_import(users: dict[str, User], now: datetime) -> dict[str, int]:
    """Import the old group into a new archive chat space; match the founders. Returns counts."""
    owner = users["mira"]
    run = ImportRun.objects.create(
        source=SOURCE, file_name="WhatsApp Chat with Gülpe star party.zip", create_space_name=SPACE_NAME,
        time_zone="Europe/Berlin", started_by=owner, state=ImportRun.RUNNING, created_at=now - timedelta(days=1),
    )  # fmt: skip
    report = store_records(
        _records(now), source=SOURCE, multi_channel=False, target=Target(create_name=SPACE_NAME),
        started_by=owner, run=run,
    )  # fmt: skip
    run.space_id = report.space_ids[0]
    Space.objects.filter(pk=run.space_id).update(cover_color="slate", description=DESCRIPTION)
    run.state, run.counts = ImportRun.DONE, report.counts()
    run.report = {"skipped": report.skipped, "space_ids": report.space_ids}
    run.finished_at = now - timedelta(days=1) + timedelta(seconds=3)
    run.save()
    guardian = Guardian(owner)
    for source_id, _, username in PEOPLE:
        if username:
            placeholder = Placeholder.objects.select_related("user").get(source=SOURCE, source_id=source_id)
            actions.match_placeholder(guardian, placeholder, member=users[username])
    return {
        "imported messages": report.messages,
        "unclaimed placeholders": sum(1 for p in PEOPLE if not p[2]),
    }
