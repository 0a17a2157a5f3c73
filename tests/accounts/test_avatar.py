"""Avatar upload: really decoded by Pillow, cropped square, resized, re-encoded; bad files refused clearly."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from townhall.accounts import actions
from townhall.accounts.models import User
from townhall.activity.models import Activity
from townhall.core.errors import Invalid, PermissionDenied
from townhall.policy import Guardian


def image_file(
    width: int = 400,
    height: int = 300,
    fmt: str = "PNG",
    mode: str = "RGB",
    exif: bool = False,
    name: str = "",
) -> SimpleUploadedFile:
    image = Image.new(mode, (width, height), "red" if mode == "RGB" else None)
    buffer = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPS latitude
        kwargs["exif"] = data
    image.save(buffer, format=fmt, **kwargs)
    return SimpleUploadedFile(
        name or f"pic.{fmt.lower()}", buffer.getvalue(), content_type=f"image/{fmt.lower()}"
    )


@pytest.mark.parametrize(
    ("width", "height", "fmt", "mode"),
    [(400, 300, "PNG", "RGB"), (300, 900, "JPEG", "RGB"), (64, 64, "GIF", "P"), (500, 500, "WEBP", "RGBA")],
)
def test_set_avatar_crops_resizes_and_reencodes(
    member: User, width: int, height: int, fmt: str, mode: str
) -> None:
    actions.set_avatar(Guardian(member), member, upload=image_file(width, height, fmt, mode))
    member.refresh_from_db()
    assert member.avatar.name.endswith(".webp")
    with default_storage.open(member.avatar.name) as f:
        stored = Image.open(f)
        stored.load()
    assert stored.format == "WEBP"
    assert stored.size == (256, 256)
    assert Activity.objects.filter(verb="profile.avatar_set", actor_id=member.pk).exists()


def test_metadata_is_stripped(member: User) -> None:
    actions.set_avatar(Guardian(member), member, upload=image_file(fmt="JPEG", exif=True))
    with default_storage.open(member.avatar.name) as f:
        raw = f.read()
    assert b"SecretCam" not in raw
    assert not Image.open(io.BytesIO(raw)).getexif()


def test_old_file_is_deleted_after_commit(member: User, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_avatar(Guardian(member), member, upload=image_file())
    first = member.avatar.name
    assert default_storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_avatar(Guardian(member), member, upload=image_file(fmt="JPEG"))
    assert not default_storage.exists(first)
    assert default_storage.exists(member.avatar.name)


def test_remove_avatar(member: User, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_avatar(Guardian(member), member, upload=image_file())
    name = member.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        actions.remove_avatar(Guardian(member), member)
    member.refresh_from_db()
    assert not member.avatar
    assert not default_storage.exists(name)
    assert Activity.objects.filter(verb="profile.avatar_removed").exists()
    actions.remove_avatar(Guardian(member), member)  # nothing to remove: harmless
    assert Activity.objects.filter(verb="profile.avatar_removed").count() == 1


def test_not_an_image_is_refused(member: User) -> None:
    upload = SimpleUploadedFile("evil.png", b"<?php echo 'hi'; ?>" * 10, content_type="image/png")
    with pytest.raises(Invalid, match="not a picture we can read"):
        actions.set_avatar(Guardian(member), member, upload=upload)
    member.refresh_from_db()
    assert not member.avatar


def test_truncated_image_is_refused(member: User) -> None:
    good = image_file(fmt="JPEG").read()
    upload = SimpleUploadedFile("cut.jpg", good[: len(good) // 2], content_type="image/jpeg")
    with pytest.raises(Invalid, match="could not be read; it may be damaged"):
        actions.set_avatar(Guardian(member), member, upload=upload)


def test_unsupported_format_is_refused(member: User) -> None:
    with pytest.raises(Invalid, match="BMP images are not supported; upload a JPEG, PNG, GIF or WebP"):
        actions.set_avatar(Guardian(member), member, upload=image_file(fmt="BMP"))


def test_empty_file_is_refused(member: User) -> None:
    with pytest.raises(Invalid, match="empty"):
        actions.set_avatar(Guardian(member), member, upload=SimpleUploadedFile("a.png", b""))


def test_too_many_bytes_is_refused(member: User, settings: Any) -> None:
    settings.AVATAR_MAX_BYTES = 1000
    upload = image_file(800, 800, "PNG")
    assert upload.size > 1000
    with pytest.raises(Invalid, match="too large"):
        actions.set_avatar(Guardian(member), member, upload=upload)


def test_decompression_bomb_is_refused_before_decoding(member: User, settings: Any) -> None:
    settings.AVATAR_MAX_PIXELS = 100 * 100
    with pytest.raises(Invalid, match=r"too many pixels \(101 x 100\)"):
        actions.set_avatar(Guardian(member), member, upload=image_file(101, 100))


def test_huge_dimensions_in_a_tiny_file_are_refused(member: User) -> None:
    # A 20000 x 20000 PNG of one colour compresses to a few hundred KB; it must never be decoded.
    image = Image.new("1", (20000, 20000))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    upload = SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")
    with pytest.raises(Invalid, match="too many pixels"):
        actions.set_avatar(Guardian(member), member, upload=upload)


def test_someone_else_cannot_set_my_avatar(member: User, admin: User) -> None:
    with pytest.raises(PermissionDenied):
        actions.set_avatar(Guardian(admin), member, upload=image_file())


def test_avatar_upload_view(client_for: Any, member: User) -> None:
    client = client_for(member)
    response = client.post(reverse("accounts:avatar"), {"avatar": image_file()})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.avatar
    page = client.get(reverse("accounts:profile-edit")).content.decode()
    assert member.avatar.url in page
    assert "Remove picture" in page
    assert (
        client.get(reverse("accounts:profile", args=["max"])).content.decode().count(member.avatar.url) >= 1
    )


def test_avatar_upload_view_shows_error_for_bad_file(client_for: Any, member: User) -> None:
    upload = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    response = client_for(member).post(reverse("accounts:avatar"), {"avatar": upload})
    assert response.status_code == 422
    assert "not a picture we can read" in response.content.decode()


def test_avatar_upload_view_without_file(client_for: Any, member: User) -> None:
    response = client_for(member).post(reverse("accounts:avatar"), {})
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()


def test_avatar_remove_view(client_for: Any, member: User) -> None:
    client = client_for(member)
    client.post(reverse("accounts:avatar"), {"avatar": image_file()})
    response = client.post(reverse("accounts:avatar-remove"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.avatar


def test_avatar_views_refuse_get(client_for: Any, member: User) -> None:
    assert client_for(member).get(reverse("accounts:avatar")).status_code == 405


def test_a_40_megapixel_picture_is_refused(member: User) -> None:
    # Cheap to send (one colour compresses well), seconds to decode: refused from its header.
    with pytest.raises(Invalid, match=r"too many pixels \(8000 x 5000\)") as caught:
        actions.set_avatar(Guardian(member), member, upload=image_file(8000, 5000, "PNG"))
    assert "avatar" in caught.value.field_errors


def test_an_animated_avatar_becomes_a_still_picture_without_its_comment(member: User) -> None:
    frames = [Image.new("RGB", (80, 80), (0, n * 60, 0)) for n in range(3)]
    sent = io.BytesIO()
    frames[0].save(sent, "GIF", save_all=True, append_images=frames[1:], comment=b"secret-comment")
    upload = SimpleUploadedFile("blink.gif", sent.getvalue(), content_type="image/gif")
    actions.set_avatar(Guardian(member), member, upload=upload)
    with default_storage.open(member.avatar.name) as f:
        raw = f.read()
    stored = Image.open(io.BytesIO(raw))
    assert b"secret-comment" not in raw and getattr(stored, "n_frames", 1) == 1 and stored.size == (256, 256)
