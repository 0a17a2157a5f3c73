"""Confidence in destructive actions (issue 12): deleting a post, hiding a topic or a post, revoking an
invitation, deleting a sidebar section and archiving a space ask first — a page without JavaScript, a
dialog with it (data-confirm; the browser test opens it) — and deleting or hiding offers an undo that is
a real action under the Guardian's rules (authors: their own deletion, within the undo window)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

import factories as testing
from townhall.community.models import Invitation
from townhall.core.undo import message_text
from townhall.discussions import actions
from townhall.discussions.models import Post, Topic
from townhall.policy import Guardian
from townhall.policy.discussions import UNDO_WINDOW
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

from .conftest import fresh, reply, start_topic

pytestmark = pytest.mark.django_db
YES = {"confirm": "yes"}


@pytest.fixture
def lea(community: Any, space: Space) -> Any:
    user = testing.make_member("lea", display_name="Lea Learner")
    SpaceMembership.objects.create(space=space, user=user)
    return user


def flashed(response: Any) -> list[str]:
    return [message_text(m) for m in get_messages(response.wsgi_request)]


def asks(response: Any, *, title: str, action: str) -> None:
    """The confirmation page: the question, and a form that sends the action again with confirm=yes."""
    page = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert f'<h1 id="confirm-title">{title}</h1>' in page.replace("&#x27;", "'")
    form = re.search(
        rf'<form method="post" action="{re.escape(action)}" class="row">(.*?)</form>', page, re.S
    )
    assert form and '<input type="hidden" name="confirm" value="yes">' in form.group(1)
    assert 'name="csrfmiddlewaretoken"' in form.group(1) and "Cancel</a>" in form.group(1)


# --- deleting a post: ask, then offer an undo ---------------------------------------------------------
def test_deleting_a_post_asks_first_then_offers_an_undo(
    client_for: Any, member: Any, lea: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic, "A wrong answer about dew heaters")
    c = client_for(lea)
    url = reverse("discussions:post-delete", args=[post.pk])
    for asked in (c.get(url), c.post(url)):
        asks(asked, title="Delete this post?", action=url)
        assert "A wrong answer about dew heaters" in asked.content.decode()
    assert fresh(post).deleted_at is None
    done = c.post(url, YES)
    assert done.status_code == 302 and fresh(post).deleted_at is not None
    assert fresh(post).deleted_by_id == lea.pk
    assert flashed(done) == ["Post deleted."]
    page = c.get(done["Location"]).content.decode()
    undo = reverse("discussions:post-undelete", args=[post.pk])
    assert re.search(
        rf'Post deleted\.\s*<form method="post" action="{undo}" class="inline-form" data-undo-seconds="8">',
        page,
    )
    assert ">Undo</button>" in page
    back = c.post(undo)
    assert back.status_code == 302 and fresh(post).deleted_at is None and fresh(post).deleted_by_id is None
    assert fresh(topic).post_count == 2 and flashed(back) == ["The post is back."]


def test_an_unconfirmed_htmx_delete_goes_to_the_question(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    post = reply(member, topic)
    url = reverse("discussions:post-delete", args=[post.pk])
    response = client_for(member).post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == url and fresh(post).deleted_at is None


def test_nobody_is_asked_to_confirm_what_they_may_not_do(
    client_for: Any, member: Any, lea: Any, outsider: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic)
    url = reverse("discussions:post-delete", args=[post.pk])
    assert client_for(member).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(member).post(url, YES).status_code == 403 and fresh(post).deleted_at is None


def test_the_undo_follows_the_rules(
    client_for: Any, member: Any, lea: Any, moderator: Any, outsider: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic, "oops")
    actions.delete_post(Guardian(lea), post)
    undo = reverse("discussions:post-undelete", args=[post.pk])
    refused = client_for(member).post(undo)
    assert refused.status_code == 403 and b"Only a moderator can bring this post back." in refused.content
    assert client_for(outsider).post(undo).status_code == 404
    assert client_for(None).post(undo).status_code == 404
    assert client_for(lea).post(reverse("discussions:post-undelete", args=[987654])).status_code == 404
    Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now() - UNDO_WINDOW - timedelta(seconds=1))
    late = client_for(lea).post(undo)
    assert late.status_code == 403 and b"too late to undo" in late.content and fresh(post).deleted_at
    assert client_for(moderator).post(undo).status_code == 302 and fresh(post).deleted_at is None


def test_an_author_cannot_undo_a_moderators_deletion(
    client_for: Any, member: Any, lea: Any, moderator: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic, "spam")
    actions.delete_post(Guardian(moderator), post)
    assert client_for(lea).post(reverse("discussions:post-undelete", args=[post.pk])).status_code == 403
    assert fresh(post).deleted_at is not None


def test_deleting_a_topic_can_be_undone_by_its_author(
    client_for: Any, member: Any, lea: Any, space: Space
) -> None:
    topic = start_topic(member, space, title="Posted in the wrong space")
    opening = Post.objects.get(topic=topic, position=1)
    c = client_for(member)
    url = reverse("discussions:post-delete", args=[opening.pk])
    asks(c.get(url), title="Delete this topic?", action=url)
    done = c.post(url, YES)
    assert done["Location"] == reverse("discussions:space-topics", args=[space.slug])
    assert flashed(done) == ["Topic deleted."] and fresh(topic).deleted_at is not None
    undo = reverse("discussions:post-undelete", args=[opening.pk])
    assert client_for(lea).post(undo).status_code == 404  # a deleted topic stays unseen to others
    back = c.post(undo)
    assert back.status_code == 302 and fresh(topic).deleted_at is None
    assert c.get(topic.get_absolute_url()).status_code == 200


# --- hiding: ask (topics), then offer an undo ---------------------------------------------------------
def test_hiding_a_topic_asks_first_and_can_be_undone(
    client_for: Any, member: Any, moderator: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    mod = client_for(moderator)
    url = reverse("discussions:topic-moderate", args=[topic.pk])
    asks(mod.get(url, {"op": "hide"}), title="Hide “Which lens for the Milky Way?”?", action=url)
    asks(mod.post(url, {"op": "hide"}), title="Hide “Which lens for the Milky Way?”?", action=url)
    assert 'name="op" value="hide"' in mod.post(url, {"op": "hide"}).content.decode()
    assert not fresh(topic).hidden
    assert client_for(member).get(url, {"op": "hide"}).status_code == 403
    assert mod.get(url, {"op": "lock"}).status_code == 405
    done = mod.post(url, {"op": "hide", **YES})
    assert fresh(topic).hidden and flashed(done) == ["Topic hidden."]
    page = mod.get(done["Location"]).content.decode()
    assert re.search(
        rf'Topic hidden\.\s*<form method="post" action="{url}"[^>]*>.*name="op" value="restore"', page
    )
    mod.post(url, {"op": "restore"})
    assert not fresh(topic).hidden


def test_hiding_a_post_offers_an_undo(
    client_for: Any, member: Any, lea: Any, moderator: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic)
    mod = client_for(moderator)
    url = reverse("discussions:post-moderate", args=[post.pk])
    done = mod.post(url, {"op": "hide"})
    assert fresh(post).hidden and flashed(done) == ["Post hidden."]
    page = mod.get(done["Location"]).content.decode()
    assert re.search(rf'Post hidden\.\s*<form method="post" action="{url}"', page)
    assert client_for(lea).post(url, {"op": "restore"}).status_code == 403  # the undo is the moderators'
    assert mod.post(url, {"op": "restore"}).status_code == 302 and not fresh(post).hidden


# --- the other destructive actions ask too --------------------------------------------------------------
def test_the_other_destructive_actions_ask_first(client_for: Any, admin: Any, moderator: Any) -> None:
    testing.make_space("Planets")
    section = SidebarSection.objects.create(name="Observing", position=1)
    invitation = Invitation.objects.create(created_by=moderator, token="t" * 32, email="a@example.org")
    c = client_for(admin)
    archive = reverse("spaces:archive", args=["planets"])
    asks(c.get(archive), title="Archive Planets?", action=archive)
    delete = reverse("spaces:section-delete", args=[section.pk])
    asks(c.get(delete), title="Delete the section “Observing”?", action=delete)
    revoke = reverse("community:invitation-revoke", args=[invitation.pk])
    asks(c.get(revoke), title="Revoke this invitation?", action=revoke)
    assert Space.objects.get().archived_at is None and SidebarSection.objects.exists()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_destructive_buttons_carry_their_question_for_the_dialog(
    client_for: Any, admin: Any, member: Any, moderator: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    SidebarSection.objects.create(name="Observing", position=1)
    Invitation.objects.create(created_by=moderator, token="u" * 32)
    pages = [
        (client_for(member), topic.get_absolute_url(), 'data-confirm="Delete this topic?"'),
        (
            client_for(moderator),
            topic.get_absolute_url(),
            'data-confirm="Hide “Which lens for the Milky Way?”?"',
        ),
        (
            client_for(admin),
            reverse("spaces:settings", args=[space.slug]),
            'data-confirm="Archive Gear talk?"',
        ),
        (client_for(admin), reverse("spaces:manage"), 'data-confirm="Delete the section “Observing”?"'),
        (client_for(moderator), reverse("community:invitations"), 'data-confirm="Revoke this invitation?"'),
    ]
    for c, url, marker in pages:
        assert marker in c.get(url).content.decode().replace("&#x27;", "'"), url


# --- the API door ---------------------------------------------------------------------------------------------
def test_undelete_on_the_api(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic)
    actions.delete_post(Guardian(lea), post)
    url = f"/api/v1/posts/{post.pk}/undelete"
    refused = client_for(member).post(url, content_type="application/json")
    assert (
        refused.status_code == 403
        and refused.json()["message"] == "Only a moderator can bring this post back."
    )
    assert client_for(lea).post("/api/v1/posts/987654/undelete").status_code == 404
    back = client_for(lea).post(url, content_type="application/json")
    assert back.status_code == 200 and back.json()["deleted"] is False and back.json()["body"]
    again = client_for(lea).post(url)
    assert again.status_code == 403 and json.loads(again.content)["message"] == "This post is not deleted."


def test_undelete_action_restores_counts_and_participants(
    member: Any, lea: Any, space: Space, broadcasts: Any, django_capture_on_commit_callbacks: Any
) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic)
    assert fresh(topic).participant_ids == [member.pk, lea.pk]
    actions.delete_post(Guardian(lea), post)
    assert fresh(topic).participant_ids == [member.pk] and fresh(topic).post_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        actions.undelete_post(Guardian(lea), fresh(post))
    after = fresh(topic)
    assert after.participant_ids == [member.pk, lea.pk] and after.post_count == 2
    assert broadcasts[-1][1] == {
        "type": "topic",
        "op": "post_restored",
        "topic_id": topic.pk,
        "post_id": post.pk,
    }
    assert Topic.objects.filter(pk=topic.pk, deleted_at__isnull=True).exists()
