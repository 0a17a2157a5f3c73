"""Space covers: a palette colour (or one derived from the name) and an optional picture, set by whoever
may change the space's settings, shown as a banner on the space page and a strip on the spaces list."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

import factories as testing
from townhall.activity.models import Activity
from townhall.core.errors import Invalid, PermissionDenied
from townhall.policy import Guardian
from townhall.spaces import actions
from townhall.spaces.forms import SpaceCoverForm
from townhall.spaces.models import COVER_KEYS, Space, derived_cover

pytestmark = pytest.mark.django_db


def jpeg_with_exif(size: tuple[int, int] = (2400, 800)) -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPS latitude
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile("m42.jpg", buffer.getvalue(), content_type="image/jpeg")


def cover_url(space: Space) -> str:
    return f"/s/{space.slug}/settings/cover/"


# --- the colour ----------------------------------------------------------------------------------------
def test_a_space_without_a_colour_gets_one_from_its_name_the_same_every_time() -> None:
    space = testing.make_space("Deep-sky imaging", icon="🌌")
    assert space.cover_color == ""
    assert space.cover == derived_cover("Deep-sky imaging", "🌌") in COVER_KEYS
    assert Space.objects.get(pk=space.pk).cover == space.cover
    names = [f"Space {n}" for n in range(40)]
    assert len({derived_cover(name, "💬") for name in names}) > 3  # spread over the palette


def test_form_accepts_a_palette_colour() -> None:
    form = SpaceCoverForm(data={"color": "teal"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["color"] == "teal"


def test_form_refuses_an_unknown_colour_with_a_clear_message() -> None:
    form = SpaceCoverForm(data={"color": "#ff00ff"})
    assert not form.is_valid()
    assert form.errors["color"] == ["Choose one of the palette's colours (or Automatic)."]


def test_admin_sets_a_colour_on_the_settings_page(client_for: Any, admin: Any) -> None:
    space = testing.make_space("Planets")
    response = client_for(admin).post(cover_url(space), {"color": "violet"})
    assert response.status_code == 302 and response["Location"] == f"/s/{space.slug}/settings/"
    space.refresh_from_db()
    assert space.cover_color == "violet" and space.cover == "violet"
    activity = Activity.objects.get(verb="space.updated", space_id=space.pk)
    assert activity.data == {"fields": ["cover_color"]}


def test_unknown_colour_on_the_page_is_a_form_error_not_a_500(client_for: Any, admin: Any) -> None:
    space = testing.make_space("Planets", cover_color="teal")
    response = client_for(admin).post(cover_url(space), {"color": "hotpink"})
    assert response.status_code == 400
    assert "Choose one of the palette&#x27;s colours" in response.content.decode()
    space.refresh_from_db()
    assert space.cover_color == "teal"


def test_the_action_refuses_an_unknown_colour_too(admin: Any) -> None:
    space = testing.make_space("Planets")
    with pytest.raises(Invalid) as caught:
        actions.set_space_cover(Guardian(admin), space, color="hotpink")
    assert caught.value.field_errors == {"color": ["Choose one of the palette's colours (or Automatic)."]}


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_palette_colour_has_a_class_with_aa_contrast_for_white_text() -> None:
    css = (Path(settings.BASE_DIR) / "spaces/static/spaces/spaces.css").read_text()
    found = dict(re.findall(r"\.cover-([a-z]+) \{ --cover: (#[0-9a-f]{6}); \}", css))
    assert set(found) == set(COVER_KEYS)
    for key, colour in found.items():
        assert 1.05 / (_luminance(colour) + 0.05) >= 4.5, key


# --- the picture ---------------------------------------------------------------------------------------
def test_a_picture_is_accepted_resized_and_stripped_of_its_metadata(client_for: Any, admin: Any) -> None:
    space = testing.make_space("Deep sky")
    response = client_for(admin).post(cover_url(space), {"color": "", "image": jpeg_with_exif()})
    assert response.status_code == 302
    space.refresh_from_db()
    assert space.cover_image.name.startswith("spaces/covers/") and space.cover_image.name.endswith(".webp")
    with default_storage.open(space.cover_image.name) as f:
        raw = f.read()
    assert b"SecretCam" not in raw
    stored = Image.open(io.BytesIO(raw))
    assert stored.format == "WEBP" and not stored.getexif()
    assert max(stored.size) == actions.COVER_MAX_SIDE


def test_a_non_image_is_refused_with_a_clear_message_and_no_500(client_for: Any, admin: Any) -> None:
    space = testing.make_space("Deep sky")
    fake = SimpleUploadedFile("m42.jpg", b"definitely not a JPEG", content_type="image/jpeg")
    response = client_for(admin).post(cover_url(space), {"color": "blue", "image": fake})
    assert response.status_code == 400
    html = response.content.decode()
    assert "That file is not a picture we can read; upload a JPEG, PNG, GIF or WebP image." in html
    space.refresh_from_db()
    assert not space.cover_image and space.cover_color == ""


def test_replacing_and_removing_the_picture_deletes_the_old_file(
    admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    space = testing.make_space("Deep sky")
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_space_cover(Guardian(admin), space, color="", image=jpeg_with_exif((800, 300)))
    first = space.cover_image.name
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_space_cover(Guardian(admin), space, color="", image=jpeg_with_exif((800, 300)))
    second = space.cover_image.name
    assert first != second and not default_storage.exists(first) and default_storage.exists(second)
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_space_cover(Guardian(admin), space, color="", remove_image=True)
    assert not Space.objects.get(pk=space.pk).cover_image and not default_storage.exists(second)


# --- who may ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["member", "moderator"])
def test_people_who_may_not_change_the_space_cannot_set_its_cover(
    persona: str, request: pytest.FixtureRequest, client_for: Any
) -> None:
    person = request.getfixturevalue(persona)
    space = testing.make_space("Planets", members=[person])
    with pytest.raises(PermissionDenied):
        actions.set_space_cover(Guardian(person), space, color="rose")
    response = client_for(person).post(cover_url(space), {"color": "rose", "image": jpeg_with_exif()})
    assert response.status_code == 403
    space.refresh_from_db()
    assert space.cover_color == "" and not space.cover_image


def test_space_moderators_who_are_not_admins_cannot_either(client_for: Any, member: Any) -> None:
    space = testing.make_space("Planets", moderators=[member])
    assert client_for(member).post(cover_url(space), {"color": "rose"}).status_code == 403
    assert Space.objects.get(pk=space.pk).cover_color == ""


# --- where it shows ------------------------------------------------------------------------------------
def test_the_space_page_shows_the_cover_banner(client_for: Any, admin: Any, member: Any) -> None:
    space = testing.make_space("Planets", icon="🪐", members=[member], cover_color="plum")
    html = client_for(member).get(f"/s/{space.slug}/").content.decode()
    assert 'href="/static/spaces/spaces.css"' in html
    assert '<div class="space-cover space-cover-banner cover-plum">' in html
    assert " style=" not in html.split("<main", 1)[-1]  # the CSP allows no inline styles
    actions.set_space_cover(Guardian(admin), space, color="plum", image=jpeg_with_exif((900, 300)))
    html = client_for(member).get(f"/s/{space.slug}/").content.decode()
    assert f'<img src="/media/{space.cover_image.name}" alt=""' in html


def test_the_spaces_list_shows_each_cover(client_for: Any, member: Any) -> None:
    chosen = testing.make_space("Planets", members=[member], cover_color="green")
    derived = testing.make_space("Galaxies", icon="🌌")
    html = client_for(member).get("/spaces/").content.decode()
    assert 'href="/static/spaces/spaces.css"' in html
    assert '<div class="space-cover space-cover-strip cover-green">' in html
    assert f'<div class="space-cover space-cover-strip cover-{derived.cover}">' in html
    assert chosen.cover == "green"


def test_the_settings_page_offers_the_palette_to_admins(client_for: Any, admin: Any) -> None:
    space = testing.make_space("Planets", cover_color="rust")
    html = client_for(admin).get(f"/s/{space.slug}/settings/").content.decode()
    assert 'enctype="multipart/form-data"' in html
    for key in COVER_KEYS:
        assert f'value="{key}"' in html and f"cover-swatch cover-{key}" in html
    assert re.search(r'<input type="radio" name="color" value="rust"[^>]* checked>', html)


def test_the_api_tells_the_cover(client_for: Any, admin: Any, member: Any) -> None:
    space = testing.make_space("Planets", members=[member], cover_color="teal")
    actions.set_space_cover(Guardian(admin), space, color="teal", image=jpeg_with_exif((900, 300)))
    other = testing.make_space("Galaxies", icon="🌌")
    items = {s["slug"]: s for s in client_for(member).get("/api/v1/spaces").json()["items"]}
    assert items["planets"]["cover"] == "teal"
    assert items["planets"]["cover_image"] == f"/media/{space.cover_image.name}"
    assert items["galaxies"]["cover"] == other.cover and items["galaxies"]["cover_image"] is None
