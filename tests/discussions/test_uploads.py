"""Uploads: sniffed types, limits, resizing, safe headers, and private files only for readers."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

import factories as testing
from townhall.core.errors import Invalid, NotFound
from townhall.discussions import actions, uploads
from townhall.discussions.models import Upload
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db


def png(width: int = 10, height: int = 10) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(out, format="PNG")
    return out.getvalue()


def put(user: Any, space: Space, data: bytes, name: str) -> Upload:
    return uploads.upload_file(Guardian(user), space, file=io.BytesIO(data), name=name)


def test_image_is_sniffed_resized_and_renamed(member: Any, space: Space) -> None:
    upload = put(member, space, png(3000, 1500), "holiday.exe")
    assert upload.kind == "image" and upload.content_type == "image/png"
    assert upload.name == "holiday.png" and (upload.width, upload.height) == (2048, 1024)
    assert upload.markdown == f"![holiday.png]({upload.get_absolute_url()})"


def test_pdf_and_text_are_files(member: Any, space: Space) -> None:
    assert put(member, space, b"%PDF-1.7\n...", "paper.png").content_type == "application/pdf"
    text = put(member, space, b"Notes about M31", "notes")
    assert text.kind == "file" and text.name == "notes.txt"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "not allowed"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "not allowed|could not be read"),
        (b"BM" + b"\x00" * 100, "not allowed|could not be read|not supported"),
    ],
)
def test_bad_files_are_refused(member: Any, space: Space, data: bytes, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        put(member, space, data, "x.png")
    assert not Upload.objects.exists()


def test_limits(member: Any, space: Space, settings: Any) -> None:
    settings.DISCUSSIONS_UPLOAD_MAX_BYTES = 100
    with pytest.raises(Invalid, match="at most"):
        put(member, space, b"a" * 101, "big.txt")
    settings.DISCUSSIONS_UPLOAD_MAX_BYTES = 10_000_000
    settings.DISCUSSIONS_UPLOAD_MAX_PIXELS = 50
    with pytest.raises(Invalid, match="too many pixels"):
        put(member, space, png(10, 10), "px.png")


def test_only_posters_upload(outsider: Any, suspended: Any, space: Space) -> None:
    with pytest.raises(NotFound):
        put(outsider, space, png(), "a.png")
    with pytest.raises(Exception, match="suspended"):
        put(suspended, space, png(), "a.png")


def test_private_uploads_are_served_only_to_readers(
    client_for: Any, member: Any, private_space: Space, outsider: Any
) -> None:
    upload = put(member, private_space, png(), "secret.png")
    topic = start_topic(member, private_space, body=f"Look: {upload.markdown}")
    upload.refresh_from_db()
    assert upload.post_id == topic.last_post_id
    url = upload.get_absolute_url()
    ok = client_for(member).get(url)
    assert ok.status_code == 200 and ok["Content-Type"] == "image/png"
    assert ok["X-Content-Type-Options"] == "nosniff" and "sandbox" in ok["Content-Security-Policy"]
    assert ok["Content-Disposition"].startswith("inline") and "private" in ok["Cache-Control"]
    stranger = testing.make_member("stranger")
    for who in (None, outsider, stranger):
        assert client_for(who).get(url).status_code == 404
    assert f'src="{url}"'.encode() in client_for(member).get(topic.get_absolute_url()).content


def test_files_download_as_attachments(client_for: Any, member: Any, public_space: Space) -> None:
    upload = put(member, public_space, b"%PDF-1.4 chart", "chart.pdf")
    response = client_for(None).get(upload.get_absolute_url())
    assert response.status_code == 200
    assert (
        response["Content-Disposition"].startswith("attachment")
        and 'filename="chart.pdf"' in response["Content-Disposition"]
    )


def test_uploads_of_hidden_posts_are_hidden(
    client_for: Any, member: Any, moderator: Any, space: Space
) -> None:
    lea = testing.make_member("lea")
    SpaceMembership.objects.create(space=space, user=lea)
    topic = start_topic(member, space)
    upload = put(lea, space, png(), "oops.png")
    post = reply(lea, topic, f"see {upload.markdown}")
    assert client_for(member).get(upload.get_absolute_url()).status_code == 200
    actions.hide_post(Guardian(moderator), post)
    assert client_for(member).get(upload.get_absolute_url()).status_code == 404
    assert client_for(lea).get(upload.get_absolute_url()).status_code == 200


def test_someone_elses_upload_is_not_attached(member: Any, space: Space) -> None:
    lea = testing.make_member("lea")
    SpaceMembership.objects.create(space=space, user=lea)
    upload = put(member, space, png(), "mine.png")
    topic = start_topic(member, space)
    reply(lea, topic, f"stealing {upload.markdown}")
    upload.refresh_from_db()
    assert upload.post_id is None


def test_upload_view_plain_and_htmx(client_for: Any, member: Any, space: Space) -> None:
    c = client_for(member)
    url = reverse("discussions:upload-create", args=[space.slug])
    assert c.get(url).status_code == 200
    page = c.post(url, {"file": SimpleUploadedFile("m.png", png(), content_type="text/html")})
    assert page.status_code == 200 and b"![m.png](/uploads/" in page.content
    partial = c.post(url, {"file": SimpleUploadedFile("x.bin", b"\x00\x00")}, HTTP_HX_REQUEST="true")
    assert (
        partial.status_code == 422 and b"not allowed" in partial.content and b"<html" not in partial.content
    )
    assert c.post(url, {}).status_code == 400


def test_upload_api(client_for: Any, member: Any, space: Space, outsider: Any) -> None:
    response = client_for(member).post(
        f"/api/v1/spaces/{space.slug}/uploads", {"file": SimpleUploadedFile("a.png", png())}
    )
    assert response.status_code == 201 and response.json()["kind"] == "image"
    assert response.json()["markdown"].startswith("![a.png](/uploads/")
    bad = client_for(member).post(
        f"/api/v1/spaces/{space.slug}/uploads", {"file": SimpleUploadedFile("a.png", b"\x00")}
    )
    assert bad.status_code == 422
    assert (
        client_for(outsider)
        .post(f"/api/v1/spaces/{space.slug}/uploads", {"file": SimpleUploadedFile("a.png", png())})
        .status_code
        == 404
    )


SECRET = b"secret-note-from-the-camera"


def _stored(upload: Upload) -> bytes:
    with uploads.storage().open(upload.path) as f:
        return f.read()


def test_jpeg_and_gif_comments_exif_and_gps_never_reach_the_stored_file(member: Any, space: Space) -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 0.0)}
    photo = io.BytesIO()
    Image.new("RGB", (120, 80), "navy").save(photo, "JPEG", comment=SECRET, exif=exif)
    gif = io.BytesIO()
    Image.new("P", (40, 40), 5).save(gif, "GIF", comment=SECRET)
    for data, name in ((photo.getvalue(), "sky.jpg"), (gif.getvalue(), "sky.gif")):
        stored = _stored(put(member, space, data, name))
        assert SECRET not in stored and b"SecretCam" not in stored
        reopened = Image.open(io.BytesIO(stored))
        assert "comment" not in reopened.info and not reopened.getexif()


def test_an_animated_gif_is_re_encoded_not_stored_as_sent(member: Any, space: Space) -> None:
    frames = [Image.new("RGB", (30, 30), (n * 40, 0, 0)) for n in range(4)]
    sent = io.BytesIO()
    frames[0].save(sent, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0, comment=SECRET)
    upload = put(member, space, sent.getvalue(), "blink.gif")
    stored = _stored(upload)
    assert stored != sent.getvalue() and SECRET not in stored
    assert Image.open(io.BytesIO(stored)).n_frames == 4  # type: ignore[attr-defined]
    assert upload.content_type == "image/gif"


def test_a_huge_picture_is_refused_before_it_is_decoded(member: Any, space: Space) -> None:
    huge = png(8000, 5000)  # 40 megapixels of one colour: a small file, seconds to decode
    with pytest.raises(Invalid, match=r"too many pixels \(8000 x 5000\)"):
        put(member, space, huge, "huge.png")
    assert not Upload.objects.exists()
