"""A reply can carry one image or file: it is stored like any upload and added below the text as
Markdown, by plain POST and by htmx, on the topic's reply box and on the reply form of a post."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

import factories as testing
from townhall.discussions.models import Post, Upload
from townhall.spaces.models import Space, SpaceMembership

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def png_file(name: str = "strap.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "teal").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


@pytest.fixture
def lea(community: Any, space: Space) -> Any:
    user = testing.make_member("lea", display_name="Lea Learner")
    SpaceMembership.objects.create(space=space, user=user)
    return user


def test_reply_forms_offer_a_labelled_file_input(
    client_for: Any, member: Any, lea: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    first = reply(member, topic, "first")
    c = client_for(lea)
    page = c.get(reverse("discussions:topic", args=[topic.pk, topic.slug])).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_attachment">' in page and 'name="attachment" id="id_attachment"' in page
    inline = c.get(
        reverse("discussions:topic-reply", args=[topic.pk]) + f"?to={first.pk}", **HX
    ).content.decode()
    assert 'enctype="multipart/form-data"' in inline
    assert f'<label for="reply-attachment-{first.pk}">' in inline and "<html" not in inline


def test_plain_reply_with_an_image(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    first = reply(member, topic, "first")
    response = client_for(lea).post(
        reverse("discussions:topic-reply", args=[topic.pk]),
        {"body": "Mine looks like this, @max. ", "reply_to": first.pk, "attachment": png_file()},
    )
    post = Post.objects.get(topic=topic, position=3)
    assert response.status_code == 302 and response["Location"] == reverse("discussions:post", args=[post.pk])
    upload = Upload.objects.get()
    assert upload.post_id == post.pk and upload.kind == Upload.IMAGE and upload.uploader_id == lea.pk
    assert post.reply_to_id == first.pk
    assert post.body == f"Mine looks like this, @max.\n\n![strap.png]({upload.get_absolute_url()})"
    assert f'<img src="{upload.get_absolute_url()}" alt="strap.png"' in post.body_html
    assert '<a class="mention"' in post.body_html and ">@max</a>" in post.body_html
    served = client_for(member).get(upload.get_absolute_url())
    assert served.status_code == 200 and served["Content-Type"] == "image/png"


def test_htmx_inline_reply_with_an_image(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    first = reply(member, topic, "first")
    response = client_for(lea).post(
        reverse("discussions:topic-reply", args=[topic.pk]),
        {"body": "Inline", "reply_to": first.pk, "inline": "1", "attachment": png_file("a b.png")},
        **HX,
    )
    upload = Upload.objects.get()
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert f'src="{upload.get_absolute_url()}"' in response.content.decode()
    assert upload.name == "a-b.png" and upload.post == Post.objects.get(position=3)


def test_htmx_topic_box_reply_with_a_text_file(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    notes = SimpleUploadedFile("notes.txt", b"focus at infinity\n", content_type="text/plain")
    response = client_for(lea).post(
        reverse("discussions:topic-reply", args=[topic.pk]), {"body": "My notes", "attachment": notes}, **HX
    )
    upload = Upload.objects.get()
    assert response.status_code == 200 and upload.kind == Upload.FILE
    assert f'href="{upload.get_absolute_url()}"' in response.content.decode()
    assert 'hx-swap-oob="true"' in response.content.decode()  # a fresh, empty reply box


def test_refused_attachment_posts_nothing_and_keeps_the_text(
    client_for: Any, member: Any, lea: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    bad = SimpleUploadedFile("photo.png", b"MZ\x00\x00not an image", content_type="image/png")
    response = client_for(lea).post(
        reverse("discussions:topic-reply", args=[topic.pk]), {"body": "Look at this", "attachment": bad}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This type of file is not allowed" in html and "Look at this" in html
    assert not Upload.objects.exists() and Post.objects.filter(topic=topic).count() == 1


def test_an_empty_file_field_is_a_plain_reply(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    # What a browser sends when no file was chosen: a file part without a name or bytes.
    raw = (
        b'--XyZ\r\nContent-Disposition: form-data; name="body"\r\n\r\nJust text\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="attachment"; filename=""\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\r\n--XyZ--\r\n"
    )
    response = client_for(lea).generic(
        "POST",
        reverse("discussions:topic-reply", args=[topic.pk]),
        raw,
        content_type="multipart/form-data; boundary=XyZ",
    )
    assert response.status_code == 302 and not Upload.objects.exists()
    assert Post.objects.get(topic=topic, position=2).body == "Just text"


def test_when_the_post_fails_after_the_upload_the_markdown_is_kept(
    client_for: Any, member: Any, lea: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    long_text = "x" * 31_990  # fits the form, but not with the image's Markdown added
    response = client_for(lea).post(
        reverse("discussions:topic-reply", args=[topic.pk]), {"body": long_text, "attachment": png_file()}
    )
    assert response.status_code == 400
    upload = Upload.objects.get()
    html = response.content.decode()
    assert "Keep posts under" in html
    assert re.search(re.escape(f"![strap.png]({upload.get_absolute_url()})"), html)
    assert Post.objects.filter(topic=topic).count() == 1 and upload.post_id is None


def test_outsiders_cannot_attach(client_for: Any, member: Any, outsider: Any, space: Space) -> None:
    topic = start_topic(member, space)
    response = client_for(outsider).post(
        reverse("discussions:topic-reply", args=[topic.pk]), {"body": "Hi", "attachment": png_file()}
    )
    assert response.status_code in (403, 404) and not Upload.objects.exists()
