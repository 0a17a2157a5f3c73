"""The demo's imported WhatsApp archive: written through the store, the founders matched, two people
left to claim their messages."""

from __future__ import annotations

import pytest

from townhall.chat.models import Message
from townhall.importers.models import ImportRun, Placeholder, SystemEvent
from townhall.seed import demo
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_imported_archive_with_unclaimed_people() -> None:
    counts = demo.seed_demo()
    assert counts["imported messages"] == 9 and counts["unclaimed placeholders"] == 2
    archive = Space.objects.get(name="WhatsApp archive")
    assert archive.kind == "chat" and Message.objects.filter(space=archive).count() == 9
    run = ImportRun.objects.get()
    assert run.state == ImportRun.DONE and run.space == archive and run.counts["messages"] == 9
    assert SystemEvent.objects.filter(run=run).count() == 1
    assert Message.objects.filter(space=archive, author__username="mira").count() == 4
    unclaimed = Placeholder.objects.filter(claimed_by__isnull=True)
    assert sorted(p.name for p in unclaimed) == ["+49 151 2345 6789", "Katrin B."]
    assert all(not p.user.is_active for p in unclaimed if p.user)
    quoted = Message.objects.get(space=archive, body__contains="turn off the headlights")
    assert quoted.body.startswith("> **Katrin B.**: Does anyone have the coordinates")
