"""Files on chat messages: up to 10, each checked (size, sniffed type, sanitised images) by the upload
code discussions uses too, all checked before any is stored; shown under the message and served under
its rule (a deleted message's files only to moderators); the page sends them with and without htmx."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from townhall.chat import actions
from townhall.chat.models import Message, MessageAttachment
from townhall.core.errors import Invalid
from townhall.discussions.models import Upload
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def upload_root(settings: Any, tmp_path: Path) -> Path:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    settings.DISCUSSIONS_UPLOAD_RATE = "1000/m"
    return tmp_path / "uploads"


def png(width: int = 12, height: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(out, format="PNG")
    return out.getvalue()


def files(*pairs: tuple[bytes, str]) -> list[tuple[Any, str]]:
    return [(io.BytesIO(data), name) for data, name in pairs]


def stored(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_message_carries_its_files_in_order(member: Any, lounge: Space, upload_root: Path) -> None:
    message = actions.send_message_with_files(
        Guardian(member), lounge, body="Last night's M42 and my notes",
        files=files((png(3000, 1500), "m42.exe"), (b"%PDF-1.7\n...", "log.png"), (b"guiding ok", "notes")),
    )  # fmt: skip
    rows = list(MessageAttachment.objects.filter(message=message).select_related("upload"))
    assert [(r.position, r.upload.name, r.upload.kind) for r in rows] == [
        (0, "m42.png", "image"), (1, "log.pdf", "file"), (2, "notes.txt", "file"),
    ]  # fmt: skip
    image = rows[0].upload
    assert (image.width, image.height, image.space_id, image.uploader_id) == (
        2048,
        1024,
        lounge.pk,
        member.pk,
    )
    assert len(stored(upload_root)) == 3


def test_an_eleventh_file_is_refused_and_nothing_is_stored(
    member: Any, lounge: Space, upload_root: Path
) -> None:
    with pytest.raises(Invalid) as refused:
        actions.send_message_with_files(
            Guardian(member),
            lounge,
            body="All my subs",
            files=files(*[(png(), f"{i}.png") for i in range(11)]),
        )
    assert refused.value.message == "A message can carry at most 10 files (this one has 11)."
    assert refused.value.field_errors == {"files": [refused.value.message]}
    assert not Message.objects.exists() and not Upload.objects.exists() and not stored(upload_root)


def test_ten_files_are_fine(member: Any, lounge: Space) -> None:
    message = actions.send_message_with_files(
        Guardian(member), lounge, body="A mosaic", files=files(*[(png(), f"{i}.png") for i in range(10)])
    )
    assert message.attachments.count() == 10


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"MZ\x90\x00\x03", "evil.exe: This type of file is not allowed."),
        (b"", "The file evil.exe is empty."),
    ],
)
def test_one_bad_file_refuses_the_lot_naming_it(
    member: Any, lounge: Space, upload_root: Path, data: bytes, reason: str
) -> None:
    with pytest.raises(Invalid) as refused:
        actions.send_message_with_files(
            Guardian(member), lounge, body="Have a look", files=files((png(), "ok.png"), (data, "evil.exe"))
        )
    assert refused.value.message.startswith(reason)
    assert not Message.objects.exists() and not Upload.objects.exists() and not stored(upload_root)


def test_a_file_too_big_is_refused(member: Any, lounge: Space, settings: Any, upload_root: Path) -> None:
    settings.DISCUSSIONS_UPLOAD_MAX_BYTES = 1024 * 1024
    with pytest.raises(Invalid, match=r"big\.txt: Files can be at most 1 MB"):
        actions.send_message_with_files(
            Guardian(member), lounge, body="Raw data", files=files((b"x" * (1024 * 1024 + 1), "big.txt"))
        )
    assert not stored(upload_root)


def test_the_text_is_checked_before_any_file(member: Any, lounge: Space, upload_root: Path) -> None:
    with pytest.raises(Invalid, match="Write something before sending"):
        actions.send_message_with_files(Guardian(member), lounge, body="  ", files=files((png(), "a.png")))
    assert not stored(upload_root)


def test_a_retry_with_the_same_key_stores_nothing_more(member: Any, lounge: Space, upload_root: Path) -> None:
    def send() -> Message:
        return actions.send_message_with_files(
            Guardian(member), lounge, body="Flat frames", files=files((png(), "flat.png")), client_key="k1"
        )

    first = send()
    assert send().pk == first.pk
    assert Upload.objects.count() == 1 and len(stored(upload_root)) == 1


def test_a_failed_message_leaves_no_file_behind(
    member: Any, lounge: Space, upload_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(MessageAttachment.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        actions.send_message_with_files(
            Guardian(member), lounge, body="Two", files=files((png(), "a.png"), (png(), "b.png"))
        )
    assert not Message.objects.exists() and not Upload.objects.exists() and not stored(upload_root)


def test_people_who_may_not_post_store_nothing(outsider: Any, lounge: Space, upload_root: Path) -> None:
    from townhall.core.errors import NotFound

    with pytest.raises(NotFound):
        actions.send_message_with_files(Guardian(outsider), lounge, body="hi", files=files((png(), "a.png")))
    assert not stored(upload_root)


# --- the page -------------------------------------------------------------------------------------
def _send_page(c: Any, *uploads: tuple[bytes, str], body: str = "With pictures", **extra: Any) -> Any:
    sent = [SimpleUploadedFile(name, data) for data, name in uploads]
    return c.post("/s/lounge/chat/send/", {"body": body, "client_key": "", "files": sent}, **extra)


def test_the_page_sends_files_and_shows_them(
    client_for: Any, member: Any, newcomer: Any, lounge: Space
) -> None:
    response = _send_page(client_for(member), (png(), "orion.png"), (b"%PDF-1.7\n", "plan.pdf"))
    assert response.status_code == 302
    message = Message.objects.get()
    image, pdf = message.attachments.select_related("upload").order_by("position")
    html = client_for(newcomer).get("/s/lounge/").content.decode()
    assert f'<img src="/chat/files/{image.pk}/orion.png" alt="orion.png" width="12" height="8"' in html
    assert f'<a href="/chat/files/{pdf.pk}/plan.pdf" download>plan.pdf</a>' in html
    assert 'enctype="multipart/form-data"' in html and 'name="files" id="chat-files" multiple' in html


def test_htmx_gets_the_refusal_on_the_form_with_the_text_kept(
    client_for: Any, member: Any, lounge: Space, upload_root: Path
) -> None:
    response = _send_page(
        client_for(member), *[(png(), f"{i}.png") for i in range(11)], body="Keep me", **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "A message can carry at most 10 files (this one has 11)." in html and "Keep me" in html
    assert not Message.objects.exists() and not stored(upload_root)


def test_files_are_served_to_readers_of_the_message_only(
    client_for: Any, member: Any, newcomer: Any, outsider: Any, space_moderator: Any, lounge: Space
) -> None:
    message = actions.send_message_with_files(
        Guardian(member), lounge, body="Subs", files=files((png(), "sub.png"), (b"log", "log.txt"))
    )
    image, text = message.attachments.select_related("upload").order_by("position")
    url = f"/chat/files/{image.pk}/sub.png"
    shown = client_for(newcomer).get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown["X-Content-Type-Options"] == "nosniff" and "sandbox" in shown["Content-Security-Policy"]
    assert shown["Cache-Control"] == "private, max-age=3600"
    download = client_for(newcomer).get(f"/chat/files/{text.pk}/log.txt")
    assert "attachment" in download["Content-Disposition"]
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404
    # The upload's own address (discussions' door) is not a way round the message's rule.
    raw = image.upload.get_absolute_url()
    assert client_for(newcomer).get(raw).status_code == 404
    assert client_for(member).get(raw).status_code == 200  # the uploader's own
    actions.delete_message(Guardian(member), message)
    assert client_for(newcomer).get(url).status_code == 404
    assert client_for(space_moderator).get(url).status_code == 200
    html = client_for(newcomer).get("/s/lounge/").content.decode()
    assert "/chat/files/" not in html


def test_the_page_query_count_does_not_grow_with_files(
    client_for: Any, member: Any, newcomer: Any, lounge: Space, django_assert_num_queries: Any
) -> None:
    start = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    c = client_for(member)

    def send(count: int, offset: int) -> None:
        for i in range(count):
            message = actions.send_message_with_files(
                Guardian(newcomer), lounge, body=f"n{i}", files=files((png(), "a.png"), (b"t", "b.txt"))
            )
            Message.objects.filter(pk=message.pk).update(created_at=start + timedelta(minutes=offset + i))

    send(2, 0)
    c.get("/s/lounge/")
    send(1, 10)
    with CaptureQueriesContext(connection) as few:
        assert c.get("/s/lounge/").status_code == 200
    send(12, 20)
    with django_assert_num_queries(len(few)):
        assert c.get("/s/lounge/").status_code == 200


# --- the API --------------------------------------------------------------------------------------
def test_api_sends_files_and_lists_them(client_for: Any, member: Any, newcomer: Any, lounge: Space) -> None:
    c = client_for(member)
    sent = c.post(
        "/api/v1/spaces/lounge/messages/with-files",
        {
            "body": "Stacked",
            "files": [SimpleUploadedFile("m31.png", png()), SimpleUploadedFile("n.txt", b"ok")],
        },
    )
    assert sent.status_code == 201, sent.content
    body = sent.json()
    first = MessageAttachment.objects.order_by("position").first()
    assert first is not None
    assert body["attachments"][0] == {
        "id": first.pk, "kind": "image", "name": "m31.png", "content_type": "image/png", "size": first.upload.size,
        "width": 12, "height": 8, "url": f"/chat/files/{first.pk}/m31.png",
    }  # fmt: skip
    assert [a["name"] for a in body["attachments"]] == ["m31.png", "n.txt"]
    listed = client_for(newcomer).get("/api/v1/spaces/lounge/messages").json()["items"]
    assert [a["name"] for a in listed[-1]["attachments"]] == ["m31.png", "n.txt"]
    assert (
        client_for(newcomer).get(f"/api/v1/messages/{body['id']}").json()["attachments"][1]["kind"] == "file"
    )


def test_api_refusals_store_nothing(
    client_for: Any, member: Any, outsider: Any, lounge: Space, upload_root: Path
) -> None:
    url = "/api/v1/spaces/lounge/messages/with-files"
    many = [SimpleUploadedFile(f"{i}.png", png()) for i in range(11)]
    refused = client_for(member).post(url, {"body": "All", "files": many})
    assert refused.status_code == 422
    assert refused.json()["message"] == "A message can carry at most 10 files (this one has 11)."
    bad = client_for(member).post(url, {"body": "x", "files": [SimpleUploadedFile("a.exe", b"MZ\x90\x00")]})
    assert bad.status_code == 422 and bad.json()["message"].startswith(
        "a.exe: This type of file is not allowed."
    )
    unseen = client_for(outsider).post(url, {"body": "x", "files": [SimpleUploadedFile("a.png", png())]})
    assert unseen.status_code == 404
    assert not Message.objects.exists() and not stored(upload_root)


# --- the bulk layer --------------------------------------------------------------------------------
def test_bulk_files_are_stored_like_sent_ones(member: Any, lounge: Space, upload_root: Path) -> None:
    from townhall.chat.bulk import NewAttachment, bulk_attach_files

    message = actions.send_message_with_files(
        Guardian(member), lounge, body="One", files=files((png(), "a.png"))
    )
    made = bulk_attach_files([NewAttachment(message_id=message.pk, data=b"notes", name="n")])
    assert [(r.position, r.upload.name, r.upload.uploader_id) for r in made] == [(1, "n.txt", member.pk)]
    assert len(stored(upload_root)) == 2


def test_bulk_files_refuse_an_eleventh_and_bad_files(member: Any, lounge: Space, upload_root: Path) -> None:
    from townhall.chat.bulk import NewAttachment, bulk_attach_files

    message = actions.send_message_with_files(
        Guardian(member), lounge, body="Nine", files=files(*[(png(), f"{i}.png") for i in range(9)])
    )
    two = [NewAttachment(message_id=message.pk, data=png(), name=f"x{i}.png") for i in range(2)]
    with pytest.raises(Invalid, match="at most 10 files"):
        bulk_attach_files(two)
    with pytest.raises(Invalid, match="not allowed"):
        bulk_attach_files([NewAttachment(message_id=message.pk, data=b"MZ\x90\x00", name="x.exe")])
    assert Upload.objects.count() == 9 and len(stored(upload_root)) == 9
