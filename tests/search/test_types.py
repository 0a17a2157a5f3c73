"""Document types: the `type` filter, and a new type registered here (not in src) that the search app
serves without a change: indexed from its own event, found, filtered, shown and reindexed."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from townhall.core import effects
from townhall.core.effects import DomainEvent, emit
from townhall.core.registries import Document, SearchFilter, SearchType, register_search_type, search_types
from townhall.policy import Guardian
from townhall.search import queries
from townhall.search.models import Document as Row
from townhall.spaces.models import Space

from .conftest import found, start_topic

pytestmark = pytest.mark.django_db


# --- a toy app: field notes, kept in a dict ----------------------------------------------------------
@dataclass
class Note:
    id: int
    space_id: int
    title: str
    text: str
    mood: str
    written_at: datetime


@dataclass(frozen=True)
class NoteWritten(DomainEvent):
    note_id: int


NOTES: dict[int, Note] = {}
MOODS = {"calm": 1, "stormy": 2}


def note_documents(ids: list[int]) -> list[Document]:
    notes = [NOTES[i] for i in ids if i in NOTES]
    return [
        Document(n.id, n.space_id, n.title, n.text, None, n.written_at, container_id=MOODS[n.mood])
        for n in notes
    ]


NOTE_TYPE = SearchType(
    key="note",
    label="Field notes",
    model="toy.note",
    documents=note_documents,
    all_ids=lambda: iter([sorted(NOTES)]),
    load=lambda ids: {i: NOTES[i] for i in ids if i in NOTES},
    hit_template="toy/note_hit.html",
    title=lambda note: note.title,
    api_fields=lambda note: {"url": f"/notes/{note.id}", "space": None, "author": None, "mood": note.mood},
    refresh_on={NoteWritten: lambda event: [event.note_id]},
    filters={
        "mood": SearchFilter(
            field=lambda: forms.ChoiceField(
                choices=[("", "Any mood"), ("calm", "Calm"), ("stormy", "Stormy")],
                required=False,
                label="Mood",
            ),
            where=lambda mood: ("d.container_id = %s", [MOODS[mood]]),
        )
    },
)


@pytest.fixture
def notes(settings: Any, tmp_path: Path, public_space: Space, private_space: Space) -> Iterator[None]:
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "note_hit.html").write_text(
        '<span class="toy-note">Field note ({{ object.mood }})</span> {{ hit.title_html|safe }}: {{ hit.snippet_html|safe }}'
    )
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], tmp_path]
    settings.TEMPLATES = templates
    register_search_type(NOTE_TYPE)
    now = timezone.now()
    NOTES.update({
        1: Note(1, public_space.pk, "Calm sea", "The sea was glassy at dawn", "calm", now),
        2: Note(2, private_space.pk, "Stormy sea", "The sea crashed on the pier", "stormy", now),
    })  # fmt: skip
    try:
        yield
    finally:
        NOTES.clear()
        search_types.unregister("note")
        effects.unlisten(NoteWritten, name="search")


def test_a_type_registered_outside_the_search_app_is_indexed_and_found(
    notes: None, member: Any, outsider: Any, public_space: Space
) -> None:
    emit(NoteWritten(1))
    emit(NoteWritten(2))
    assert set(Row.objects.filter(type="note").values_list("object_id", flat=True)) == {1, 2}
    start_topic(member, public_space, title="Sea fog", body="Sea fog hides the stars")

    def kinds(who: Any, **filters: Any) -> list[tuple[str, int]]:
        hits = queries.search(Guardian(who), "sea", filters=queries.SearchFilters(**filters)).hits
        return sorted((h.type, h.object_id) for h in hits)

    note_ids = {(h, i) for h, i in kinds(member) if h == "note"}
    assert note_ids == {("note", 1), ("note", 2)}
    assert [k for k in kinds(outsider) if k[0] == "note"] == [("note", 1)]  # private space: never
    assert {k[0] for k in kinds(member, type="note")} == {"note"}
    assert {k[0] for k in kinds(member, type="post")} == {"post"}
    assert kinds(member, mood="stormy") == [("note", 2)]  # posts do not understand moods
    assert kinds(member, tag="anything") == []  # nor notes tags
    NOTES[1].text = "Nothing but fog"
    NOTES[1].title = "Fog"
    emit(NoteWritten(1))
    assert [k for k in kinds(outsider) if k[0] == "note"] == []
    del NOTES[2]
    emit(NoteWritten(2))
    assert not Row.objects.filter(type="note", object_id=2).exists()


def test_a_new_type_through_the_page_and_the_api(notes: None, client_for: Any, member: Any) -> None:
    emit(NoteWritten(1))
    emit(NoteWritten(2))
    page = client_for(member).get(reverse("search:search"), {"q": "sea", "type": "note", "mood": "calm"})
    html = page.content.decode()
    assert page.status_code == 200
    assert '<span class="toy-note">Field note (calm)</span> Calm <mark>sea</mark>' in html
    assert "crashed" not in html
    assert '<option value="note" selected>Field notes</option>' in html and 'name="mood"' in html
    data = client_for(member).get("/api/v1/search", {"q": "sea", "type": "note"}).json()
    assert sorted((h["type"], h["mood"], h["url"]) for h in data["hits"]) == [
        ("note", "calm", "/notes/1"), ("note", "stormy", "/notes/2"),
    ]  # fmt: skip
    assert client_for(member).get("/api/v1/search", {"q": "sea", "mood": "stormy"}).json()["hits"][0][
        "mood"
    ] == ("stormy")
    refused = client_for(member).get("/api/v1/search", {"q": "sea", "mood": "foggy"})
    assert refused.status_code == 422 and "mood" in refused.json()["errors"]


def test_a_new_type_is_reindexed_by_the_command(notes: None) -> None:
    out = StringIO()
    call_command("reindex", "--type", "note", stdout=out)
    assert out.getvalue() == "note: 2 documents\n"


def test_the_type_filter(client_for: Any, member: Any, public_space: Space) -> None:
    start_topic(member, public_space, title="Halo", body="A lunar halo")
    assert found(member, "halo", type="post") == ["A lunar halo"]
    hits = client_for(None).get("/api/v1/search", {"q": "halo", "type": "post"}).json()["hits"]
    assert [(h["type"], h["topic_title"]) for h in hits] == [("post", "Halo")]
    refused = client_for(None).get("/api/v1/search", {"q": "halo", "type": "chat"})
    assert refused.status_code == 422 and refused.json()["errors"]["type"]
    page = client_for(None).get(reverse("search:search"), {"q": "halo", "type": "chat"})
    assert page.status_code == 200 and b"search-hit" not in page.content
    with pytest.raises(LookupError):
        found(member, "halo", type="chat")
    with pytest.raises(LookupError, match="no search type understands the filter 'colour'"):
        found(member, "halo", colour="red")
