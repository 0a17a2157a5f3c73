"""The importers' pages: upload -> preview -> confirm -> report, the people page's actions, the claim
link; refusals and bad input answered with a message, never a 500."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from toysource import history, png, zipped

import factories as testing
from townhall.chat.models import Message, MessageAttachment
from townhall.importers.models import ImportRun, Placeholder
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


@pytest.fixture
def garden(community: Any, owner: Any) -> Space:
    return testing.make_space("Garden archive", kind="chat", members=[owner])


def _upload(client: Any, *, data: bytes | None = None, **fields: Any) -> Any:
    payload = {
        "source": "toychat", "time_zone": "Europe/Madrid", "space": "", "create_space_name": "",
        "file": SimpleUploadedFile("garden.zip", data if data is not None else zipped(history(), {"media/plan.png": png()})),
        **fields,
    }  # fmt: skip
    return client.post("/settings/community/imports/", payload)


def test_the_owner_uploads_previews_confirms_and_reads_the_report(
    client_for: Any, owner: Any, garden: Space, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(owner)
    page = client.get("/settings/community/imports/")
    assert page.status_code == 200 and "Upload an export" in page.text
    response = _upload(client, space=str(garden.pk))
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.state == ImportRun.DRAFT and Message.objects.count() == 0
    preview = client.get(response["Location"])
    assert "Ana Pérez" in preview.text and "Welcome to the *garden* group!" in preview.text
    assert "Line 15" in preview.text  # a line that is not JSON, already in the preview
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/settings/community/imports/{run.pk}/confirm/")
    assert confirmed.status_code == 302
    run.refresh_from_db()
    assert run.state == ImportRun.DONE and run.file_path == ""
    assert Message.objects.filter(space=garden).count() == 8 and MessageAttachment.objects.count() == 1
    report = client.get(f"/settings/community/imports/{run.pk}/")
    assert (
        "Skipped lines" in report.text and "Not a JSON record." in report.text and "Chen left" in report.text
    )
    assert run.counts["messages"] == 8 and run.counts["first_message_at"] == "2023-03-01T09:01:00+01:00"
    again = client.post(f"/settings/community/imports/{run.pk}/confirm/", follow=True)
    assert "already been started" in again.text
    listed = client.get("/settings/community/imports/").text  # the source by its name, not its key
    assert re.search(r"<td>Toy chat</td>\s*<td>Done</td>", listed)


def test_a_new_space_can_be_made_and_the_progress_fragment_answers(
    client_for: Any, owner: Any, community: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(owner)
    _upload(client, create_space_name="Old WhatsApp")
    run = ImportRun.objects.get()
    fragment = client.get(f"/settings/community/imports/{run.pk}/progress/")
    assert fragment.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/settings/community/imports/{run.pk}/confirm/")
    run.refresh_from_db()
    assert run.space is not None and run.space.name == "Old WhatsApp"
    done = client.get(f"/settings/community/imports/{run.pk}/progress/", headers={"HX-Request": "true"})
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


@pytest.mark.parametrize(
    ("data", "fields", "message"),
    [
        (b"", {"create_space_name": "Old"}, "empty"),
        (b"PK\x03\x04 broken", {"create_space_name": "Old"}, "not a toy chat export"),
        (None, {"time_zone": "Mars/Olympus", "create_space_name": "Old"}, "Select a valid choice"),
        (None, {"source": "myspace", "create_space_name": "Old"}, "Select a valid choice"),
        (None, {}, "Choose the chat space"),
    ],
)
def test_bad_uploads_get_a_clear_message_and_keep_nothing(
    client_for: Any, owner: Any, community: Any, data: Any, fields: Any, message: str, settings: Any
) -> None:
    response = _upload(client_for(owner), data=data, **fields)
    assert response.status_code == 400 and message in response.text
    assert ImportRun.objects.count() == 0
    kept = settings.DATA_DIR / "imports"
    assert not kept.exists() or not list(kept.iterdir())


def test_a_zip_with_a_path_traversal_name_is_refused(client_for: Any, owner: Any, garden: Space) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("../../etc/chat.jsonl", b"{}")
    response = _upload(client_for(owner), data=buffer.getvalue(), space=str(garden.pk))
    assert response.status_code == 400 and "unsafe path" in response.text


def test_a_draft_can_be_discarded(client_for: Any, owner: Any, garden: Space) -> None:
    client = client_for(owner)
    _upload(client, space=str(garden.pk))
    run = ImportRun.objects.get()
    response = client.post(f"/settings/community/imports/{run.pk}/discard/", follow=True)
    assert "discarded" in response.text and ImportRun.objects.count() == 0


@pytest.mark.parametrize("persona", ["moderator", "member", "outsider"])
def test_only_owners_and_admins_see_the_import_pages(
    request: pytest.FixtureRequest, client_for: Any, persona: str, garden: Space
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/settings/community/imports/").status_code == 403
    assert client.get("/settings/community/imports/people/").status_code == 403
    assert _upload(client, space=str(garden.pk)).status_code == 403


def test_the_settings_navigation_lists_imports_for_admins(
    client_for: Any, admin: Any, moderator: Any
) -> None:
    assert "Import history" in client_for(admin).get("/settings/community/").text
    assert (
        "/settings/community/imports/" not in client_for(moderator).get("/settings/community/members/").text
    )


def _imported(client: Any, garden: Space, django_capture_on_commit_callbacks: Any) -> None:
    _upload(client, space=str(garden.pk))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/settings/community/imports/{ImportRun.objects.get().pk}/confirm/")


def test_people_page_match_link_claim_merge(
    client_for: Any,
    owner: Any,
    member: Any,
    newcomer: Any,
    garden: Space,
    django_capture_on_commit_callbacks: Any,
    outbox: Any,
) -> None:
    client = client_for(owner)
    _imported(client, garden, django_capture_on_commit_callbacks)
    people = client.get("/settings/community/imports/people/")
    assert people.status_code == 200 and "Ana Pérez" in people.text and "Imported" in people.text
    ana, ben, chen = (Placeholder.objects.get(source_id=k) for k in ("ana", "ben", "chen"))
    # Match to a member by username; an unknown name is explained.
    bad = client.post(
        f"/settings/community/imports/people/{ben.pk}/match/", {"username": "nobody"}, follow=True
    )
    assert "no member called" in bad.text
    client.post(f"/settings/community/imports/people/{ben.pk}/match/", {"username": "@max"})
    assert Message.objects.filter(author=member).count() == 3
    # A claim link, shown once; opened by a member, signed in, who takes the history.
    made = client.post(f"/settings/community/imports/people/{ana.pk}/link/")
    link = re.search(r'value="(http[^"]+/claim/[^"]+)"', made.text).group(1)  # type: ignore[union-attr]
    path = link.split("testserver")[1]
    anonymous = client_for(None).get(path)
    assert anonymous.status_code == 200 and "Sign in" in anonymous.text
    claimer = client_for(newcomer)
    assert "These are my messages" in claimer.get(path).text
    done = claimer.post(path)
    assert done.status_code == 302 and Message.objects.filter(author=newcomer).count() == 3
    assert "already been used" in claimer.get(path).text
    assert client_for(newcomer).get("/claim/not-a-token/").status_code == 404
    # Email a claim; merge two.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/settings/community/imports/people/{chen.pk}/email/", {"email": "chen@example.org"})
    assert outbox.to("chen@example.org")
    invalid = client.post(
        f"/settings/community/imports/people/{chen.pk}/email/", {"email": "nope"}, follow=True
    )
    assert "valid email" in invalid.text
    assert client.post(f"/settings/community/imports/people/{chen.pk}/frobnicate/").status_code == 404


def test_merging_from_the_people_page(
    client_for: Any, owner: Any, garden: Space, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(owner)
    _imported(client, garden, django_capture_on_commit_callbacks)
    ana, ben = Placeholder.objects.get(source_id="ana"), Placeholder.objects.get(source_id="ben")
    response = client.post(
        f"/settings/community/imports/people/{ben.pk}/merge/", {"into": str(ana.pk)}, follow=True
    )
    assert "are now one person" in response.text
    ana.refresh_from_db()
    assert Message.objects.filter(author=ana.user).count() == 6


def test_a_placeholder_profile_shows_the_imported_mark(
    client_for: Any, owner: Any, member: Any, garden: Space, django_capture_on_commit_callbacks: Any
) -> None:
    _imported(client_for(owner), garden, django_capture_on_commit_callbacks)
    ana = Placeholder.objects.get(source_id="ana")
    page = client_for(member).get(f"/u/{ana.user.username}/")
    assert (
        page.status_code == 200
        and "Imported" in page.text
        and "not an account anyone can sign in to" in page.text
    )
    assert client_for(None).get(f"/u/{ana.user.username}/").status_code in (302, 404)  # not public
    chat = client_for(owner).get(f"/s/{garden.slug}/")
    assert "Ana Pérez" in chat.text


def _nothing_kept(settings: Any) -> bool:
    kept = settings.DATA_DIR / "imports"
    return ImportRun.objects.count() == 0 and (not kept.exists() or not list(kept.iterdir()))


def test_a_file_over_the_limit_is_stopped_while_it_arrives(
    client_for: Any, owner: Any, garden: Space, settings: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("townhall.importers.archive.MAX_FILE_BYTES", 1000)
    response = _upload(client_for(owner), data=b"x" * 5000, space=str(garden.pk))
    assert response.status_code == 413 and "larger than 2 GB" in response.text
    assert _nothing_kept(settings)
    # What arrived before the file is kept in the form: the source chosen.
    assert re.search(r'<option value="toychat"[^>]*selected', response.text)


def test_a_body_declared_too_large_is_not_read(
    client_for: Any, owner: Any, garden: Space, settings: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("townhall.importers.archive.MAX_FILE_BYTES", 10)
    response = _upload(client_for(owner), data=b"x" * (1024 * 1024 + 100), space=str(garden.pk))
    assert response.status_code == 413 and "larger than 2 GB" in response.text
    assert "This field is required" not in response.text  # only the file's reason, though nothing was read
    assert _nothing_kept(settings)


def test_the_upload_form_still_checks_csrf(owner: Any, garden: Space, settings: Any) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert _upload(client, space=str(garden.pk)).status_code == 403
    assert _nothing_kept(settings)
    page = client.get("/settings/community/imports/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token is not None
    accepted = _upload(client, space=str(garden.pk), csrfmiddlewaretoken=token.group(1))
    assert accepted.status_code == 302 and ImportRun.objects.count() == 1
