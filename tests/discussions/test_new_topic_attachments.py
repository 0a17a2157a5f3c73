"""A new topic can carry one image or file, as replies do (issue 12, defect 9): stored by the same upload
path, linked below the text, by one action (create_topic_with_attachment)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from townhall.core.errors import Invalid
from townhall.discussions import actions
from townhall.discussions.models import Post, Topic, Upload
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def png_file(name: str = "first-light.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "navy").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def test_the_new_topic_form_offers_a_labelled_file_input(client_for: Any, member: Any, space: Space) -> None:
    page = client_for(member).get(reverse("discussions:topic-create", args=[space.slug])).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_attachment">' in page and 'name="attachment" id="id_attachment"' in page


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_new_topic_with_an_image(client_for: Any, member: Any, space: Space, htmx: bool) -> None:
    response = client_for(member).post(
        reverse("discussions:topic-create", args=[space.slug]),
        {"title": "First light", "kind": "discussion", "body": "Here it is. ", "attachment": png_file()},
        **(HX if htmx else {}),
    )
    topic = Topic.objects.get()
    assert response.status_code == (204 if htmx else 302)
    upload = Upload.objects.get()
    opening = Post.objects.get(topic=topic, position=1)
    assert upload.post_id == opening.pk and upload.kind == Upload.IMAGE and upload.uploader_id == member.pk
    assert opening.body == f"Here it is.\n\n![first-light.png]({upload.get_absolute_url()})"
    assert f'<img src="{upload.get_absolute_url()}" alt="first-light.png"' in opening.body_html


def test_a_refused_file_starts_nothing_and_keeps_the_text(client_for: Any, member: Any, space: Space) -> None:
    bad = SimpleUploadedFile("photo.png", b"MZ\x00\x00not an image", content_type="image/png")
    response = client_for(member).post(
        reverse("discussions:topic-create", args=[space.slug]),
        {"title": "First light", "kind": "discussion", "body": "Look at this", "attachment": bad},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "This type of file is not allowed" in page
        and "Look at this" in page
        and 'value="First light"' in page
    )
    assert not Topic.objects.exists() and not Upload.objects.exists()


def test_when_the_topic_fails_after_the_upload_the_markdown_is_kept(member: Any, space: Space) -> None:
    with pytest.raises(Invalid) as raised:
        actions.create_topic_with_attachment(
            Guardian(member), space, title="Long one", body="x" * 31_990, file=png_file(), file_name="a.png"
        )
    upload = Upload.objects.get()
    assert re.search(re.escape(f"![a.png]({upload.get_absolute_url()})"), raised.value.kept["body"])
    assert not Topic.objects.exists() and upload.post_id is None


def test_a_bad_title_is_refused_before_the_file_is_stored(member: Any, space: Space) -> None:
    with pytest.raises(Invalid, match="title"):
        actions.create_topic_with_attachment(Guardian(member), space, title=" ", body="b", file=png_file())
    assert not Upload.objects.exists()


def test_people_who_may_not_post_store_nothing(outsider: Any, space: Space) -> None:
    from townhall.core.errors import NotFound

    with pytest.raises(NotFound):
        actions.create_topic_with_attachment(Guardian(outsider), space, title="t", body="b", file=png_file())
    assert not Upload.objects.exists()
