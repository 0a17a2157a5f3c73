"""The HTML doors: every mutation by plain POST and by htmx, pages for each persona."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

import factories as testing
from townhall.discussions import actions
from townhall.discussions.models import Draft, Post, Reaction, SpaceFollow, Topic, TopicFollow, TopicRead
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

from .conftest import fresh, reply, start_topic

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def lea(community: Any, space: Space) -> Any:
    user = testing.make_member("lea", display_name="Lea Learner")
    SpaceMembership.objects.create(space=space, user=user)
    return user


def topic_path(topic: Topic, **params: Any) -> str:
    url = reverse("discussions:topic", args=[topic.pk, topic.slug])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


# --- creating topics -----------------------------------------------------------------------------
def test_new_topic_form_and_create(client_for: Any, member: Any, space: Space) -> None:
    c = client_for(member)
    page = c.get(reverse("discussions:topic-create", args=[space.slug]))
    assert page.status_code == 200
    assert b"Announcement" not in page.content  # members cannot post announcements
    response = c.post(
        reverse("discussions:topic-create", args=[space.slug]),
        {"title": "Dew heaters?", "body": "Do they **work**?", "kind": "question", "tags": "gear"},
    )
    topic = Topic.objects.get()
    assert response.status_code == 302 and response["Location"] == topic_path(topic)
    assert topic.kind == "question" and [t.slug for t in topic.tags.all()] == ["gear"]


def test_new_topic_bad_input_shows_errors(client_for: Any, member: Any, space: Space) -> None:
    response = client_for(member).post(
        reverse("discussions:topic-create", args=[space.slug]),
        {"title": "Fine", "body": "Fine", "kind": "discussion", "tags": "a,b,c,d,e,f"},
    )
    assert response.status_code == 400
    assert b"Use at most 5 tags." in response.content
    assert not Topic.objects.exists()


def test_new_topic_refused_for_outsiders_and_visitors(client_for: Any, outsider: Any, space: Space) -> None:
    assert client_for(outsider).get(reverse("discussions:topic-create", args=[space.slug])).status_code == 404
    assert client_for(None).get(reverse("discussions:topic-create", args=[space.slug])).status_code == 404


def test_new_topic_draft_autosave(client_for: Any, member: Any, space: Space) -> None:
    c = client_for(member)
    response = c.post(
        reverse("discussions:space-draft", args=[space.slug]), {"title": "Half", "body": "idea"}, **HX
    )
    assert response.status_code == 200 and response.content == b"Draft saved."
    assert Draft.objects.get(user=member, space=space).title == "Half"
    page = c.get(reverse("discussions:topic-create", args=[space.slug]))
    assert b'value="Half"' in page.content


# --- the topic page ------------------------------------------------------------------------------
def test_topic_page_flat_and_threaded_with_cookie(
    client_for: Any, member: Any, lea: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    a = reply(lea, topic, "Answer A")
    reply(member, topic, "Nested under A", reply_to=a)
    c = client_for(lea)
    flat = c.get(topic_path(topic))
    assert flat.status_code == 200
    assert b"Answer A" in flat.content and b"Nested under A" in flat.content
    assert b'rel="canonical"' in flat.content
    threaded = c.get(topic_path(topic, view="thread"))
    assert threaded.cookies["th_topic_view"].value == "thread"
    assert b'<ul class="thread">' in threaded.content and b"<details" in threaded.content
    again = c.get(topic_path(topic))  # remembered
    assert b'<ul class="thread">' in again.content


def test_topic_page_marks_read_and_shows_divider(
    client_for: Any, member: Any, lea: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    reply(member, topic, "one")
    c = client_for(lea)
    c.get(topic_path(topic))
    assert TopicRead.objects.get(user=lea, topic=topic).highest_position_read == 2
    reply(member, topic, "two")
    page = c.get(topic_path(topic))
    assert b"New since your last visit" in page.content
    read = TopicRead.objects.get(user=lea, topic=topic)
    assert (read.highest_position_read, read.last_visit_position) == (3, 2)


def test_first_unread_redirects_to_the_right_post(
    client_for: Any, member: Any, lea: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    for i in range(25):
        reply(member, topic, f"post {i}")
    actions.mark_read(Guardian(lea), fresh(topic), position=21)
    response = client_for(lea).get(reverse("discussions:topic-first-unread", args=[topic.pk]))
    target = Post.objects.get(topic=topic, position=22)
    assert response["Location"] == topic_path(topic, page=2) + f"#post-{target.pk}"


def test_permalink_in_both_views(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    first = reply(member, topic, "first")
    for i in range(25):
        reply(member, topic, f"filler {i}")
    nested = reply(member, topic, "nested", reply_to=first)  # position 28; in the tree right after `first`
    c = client_for(member)
    flat = c.get(reverse("discussions:post", args=[nested.pk]))
    assert flat["Location"] == topic_path(topic, page=2) + f"#post-{nested.pk}"
    thread = c.get(reverse("discussions:post", args=[nested.pk]) + "?view=thread")
    assert thread["Location"] == topic_path(topic, view="thread") + f"#post-{nested.pk}"


def test_deep_thread_continues_on_its_own_page(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    parent = None
    chain = []
    for i in range(8):
        parent = reply(member, topic, f"level {i + 1}", reply_to=parent)
        chain.append(parent)
    c = client_for(member)
    page = c.get(topic_path(topic, view="thread"))
    assert b"level 6" in page.content and b"level 7" not in page.content
    assert b"Continue this thread" in page.content
    deep = c.get(reverse("discussions:post", args=[chain[7].pk]) + "?view=thread")
    assert deep["Location"] == topic_path(topic, view="thread", root=chain[5].pk) + f"#post-{chain[7].pk}"
    sub = c.get(deep["Location"].split("#")[0])
    assert b"level 7" in sub.content and b"level 8" in sub.content


def test_private_topic_is_404_for_outsiders_and_visitors(
    client_for: Any, member: Any, private_space: Space, outsider: Any, lea: Any
) -> None:
    topic = start_topic(member, private_space)
    for who in (None, outsider, lea):
        assert client_for(who).get(topic_path(topic)).status_code == 404
    assert client_for(lea).get(reverse("discussions:post", args=[topic.last_post_id])).status_code == 404


def test_public_topic_readable_by_visitors_with_og_tags(
    client_for: Any, member: Any, public_space: Space
) -> None:
    topic = start_topic(member, public_space)
    page = client_for(None).get(topic_path(topic))
    assert page.status_code == 200
    assert b'property="og:title"' in page.content and b"application/atom+xml" in page.content
    assert b"Log in</a> to reply" in page.content


def test_wrong_slug_redirects(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    response = client_for(member).get(reverse("discussions:topic", args=[topic.pk, "old-title"]))
    assert response.status_code == 302 and response["Location"] == topic_path(topic)


# --- replying ------------------------------------------------------------------------------------
def test_reply_plain_post_redirects_to_permalink(
    client_for: Any, member: Any, lea: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    response = client_for(lea).post(reverse("discussions:topic-reply", args=[topic.pk]), {"body": "Hello"})
    post = Post.objects.get(topic=topic, position=2)
    assert response.status_code == 302 and response["Location"] == reverse("discussions:post", args=[post.pk])


def test_reply_htmx_returns_post_and_fresh_form(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    response = client_for(lea).post(
        reverse("discussions:topic-reply", args=[topic.pk]), {"body": "Hi *there*"}, **HX
    )
    assert response.status_code == 200
    assert b"<em>there</em>" in response.content and b'hx-swap-oob="true"' in response.content
    assert b"<html" not in response.content


def test_nested_reply_form_inline_and_post(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    a = reply(member, topic, "parent")
    c = client_for(lea)
    form = c.get(reverse("discussions:topic-reply", args=[topic.pk]) + f"?to={a.pk}", **HX)
    assert form.status_code == 200 and f'value="{a.pk}"'.encode() in form.content
    response = c.post(
        reverse("discussions:topic-reply", args=[topic.pk]),
        {"body": "child", "reply_to": a.pk, "inline": "1"},
        **HX,
    )
    assert response.status_code == 200 and b"child" in response.content
    assert Post.objects.get(body="child").reply_to == a


def test_reply_errors(client_for: Any, member: Any, lea: Any, space: Space, moderator: Any) -> None:
    topic = start_topic(member, space)
    c = client_for(lea)
    empty = c.post(reverse("discussions:topic-reply", args=[topic.pk]), {"body": ""})
    assert empty.status_code == 400 and b"errorlist" in empty.content
    other = start_topic(member, space, title="Other")
    wrong = c.post(
        reverse("discussions:topic-reply", args=[topic.pk]), {"body": "x", "reply_to": other.last_post_id}
    )
    assert wrong.status_code == 400 and b"There is no such post in this topic" in wrong.content
    actions.lock_topic(Guardian(moderator), topic)
    locked = c.post(reverse("discussions:topic-reply", args=[topic.pk]), {"body": "x"})
    assert locked.status_code == 403 and b"locked" in locked.content


def test_reply_draft_saved_and_restored(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    c = client_for(lea)
    assert (
        c.post(reverse("discussions:topic-draft", args=[topic.pk]), {"body": "thinking…"}, **HX).content
        == b"Draft saved."
    )
    other_device = client_for(lea)
    assert "thinking…".encode() in other_device.get(topic_path(topic)).content
    plain = c.post(reverse("discussions:topic-draft", args=[topic.pk]), {"body": ""})
    assert plain.status_code == 302 and not Draft.objects.exists()


# --- editing, deleting, moderating ----------------------------------------------------------------
def test_edit_post_and_revisions_diff(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    opening = Post.objects.get(topic=topic, position=1)
    c = client_for(member)
    assert c.get(reverse("discussions:post-edit", args=[opening.pk])).status_code == 200
    response = c.post(
        reverse("discussions:post-edit", args=[opening.pk]),
        {"title": "Lens for the Milky Way", "body": "I want a wide lens.", "tags": "optics"},
    )
    assert response.status_code == 302
    assert fresh(topic).title == "Lens for the Milky Way"
    diff = c.get(reverse("discussions:post-revisions", args=[opening.pk]))
    assert diff.status_code == 200
    assert b'class="diff-add">+I want a wide lens.' in diff.content
    assert b'class="diff-del">-I want a wide, fast lens. Ideas?' in diff.content


def test_edit_refused_for_others(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    response = client_for(lea).post(
        reverse("discussions:post-edit", args=[topic.last_post_id]), {"body": "mine now"}
    )
    assert response.status_code == 403


def test_delete_post_view(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic)
    assert client_for(member).post(reverse("discussions:post-delete", args=[post.pk])).status_code == 403
    asked = client_for(lea).post(reverse("discussions:post-delete", args=[post.pk]))
    assert asked.status_code == 200 and b"Delete this post?" in asked.content and not fresh(post).deleted_at
    response = client_for(lea).post(reverse("discussions:post-delete", args=[post.pk]), {"confirm": "yes"})
    assert response.status_code == 302 and fresh(post).deleted_at is not None
    page = client_for(lea).get(topic_path(topic))
    assert b"This post was deleted." in page.content


def test_moderate_topic_and_post_views(
    client_for: Any, member: Any, lea: Any, moderator: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic)
    mod = client_for(moderator)
    for op, field, value in [("pin", "pinned", "space"), ("lock", "locked", True), ("close", "closed", True)]:
        assert mod.post(reverse("discussions:topic-moderate", args=[topic.pk]), {"op": op}).status_code == 302
        assert getattr(fresh(topic), field) == value
    assert (
        mod.post(
            reverse("discussions:topic-moderate", args=[topic.pk]), {"op": "pin", "scope": "site"}
        ).status_code
        == 302
    )
    assert fresh(topic).pinned == "site"
    assert (
        mod.post(reverse("discussions:topic-moderate", args=[topic.pk]), {"op": "explode"}).status_code == 400
    )
    assert mod.post(reverse("discussions:post-moderate", args=[post.pk]), {"op": "hide"}).status_code == 302
    assert fresh(post).hidden
    assert (
        client_for(lea)
        .post(reverse("discussions:topic-moderate", args=[topic.pk]), {"op": "unlock"})
        .status_code
        == 403
    )
    page = mod.get(topic_path(topic))
    assert b"Moderator tools" in page.content


def test_move_topic_view(
    client_for: Any, member: Any, moderator: Any, space: Space, public_space: Space
) -> None:
    topic = start_topic(member, space)
    mod = client_for(moderator)
    assert mod.get(reverse("discussions:topic-move", args=[topic.pk])).status_code == 200
    response = mod.post(reverse("discussions:topic-move", args=[topic.pk]), {"space": public_space.slug})
    assert response.status_code == 302 and fresh(topic).space == public_space
    bad = mod.post(reverse("discussions:topic-move", args=[topic.pk]), {"space": "nowhere"})
    assert bad.status_code == 400


def test_accept_answer_view(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space, kind=Topic.QUESTION)
    answer = reply(lea, topic, "Use a 24mm f/1.4")
    assert (
        client_for(lea)
        .post(reverse("discussions:topic-accept", args=[topic.pk]), {"post": answer.pk})
        .status_code
        == 403
    )
    response = client_for(member).post(
        reverse("discussions:topic-accept", args=[topic.pk]), {"post": answer.pk}
    )
    assert response.status_code == 302 and fresh(topic).accepted_post == answer
    page = client_for(lea).get(topic_path(topic))
    assert b"Accepted answer" in page.content and b"Solved" in page.content
    client_for(member).post(reverse("discussions:topic-accept", args=[topic.pk]), {"op": "unaccept"})
    assert fresh(topic).accepted_post is None


def test_react_toggle_plain_and_htmx(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    url = reverse("discussions:post-react", args=[topic.last_post_id])
    c = client_for(lea)
    assert c.post(url, {"emoji": "👍"}).status_code == 302
    assert Reaction.objects.filter(user=lea).count() == 1
    response = c.post(url, {"emoji": "🎉"}, **HX)
    assert response.status_code == 200 and b"Lea Learner" in response.content
    c.post(url, {"emoji": "👍"}, **HX)  # toggles off
    assert list(Reaction.objects.values_list("emoji", flat=True)) == ["🎉"]
    assert c.post(url, {"emoji": "💩"}).status_code == 400


def test_follow_levels_views(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    c = client_for(member)
    assert c.post(reverse("discussions:topic-follow", args=[topic.pk]), {"level": "muted"}).status_code == 302
    assert TopicFollow.objects.get(user=member, topic=topic).level == "muted"
    response = c.post(reverse("discussions:space-follow", args=[space.slug]), {"level": "watching"}, **HX)
    assert response.status_code == 200 and b'value="watching" selected' in response.content
    assert SpaceFollow.objects.get(user=member, space=space).level == "watching"
    assert c.post(reverse("discussions:topic-follow", args=[topic.pk]), {"level": "loud"}).status_code == 400
    assert (
        client_for(None)
        .post(reverse("discussions:topic-follow", args=[topic.pk]), {"level": "muted"})
        .status_code
        == 404
    )


def test_admins_curate_reactions_in_the_admin(client_for: Any, community: Any) -> None:
    boss = testing.make_user("boss", is_staff=True, is_superuser=True)
    page = client_for(boss).get("/django-admin/discussions/reactionchoice/")
    assert page.status_code == 200 and b"Celebrate" in page.content


def test_visitors_are_asked_to_log_in_before_starting_a_topic(client_for: Any, public_space: Space) -> None:
    url = reverse("discussions:topic-create", args=[public_space.slug])
    response = client_for(None).get(url)
    assert response.status_code == 302 and response["Location"] == f"{reverse('account_login')}?next={url}"


def test_members_get_the_live_notice_region_visitors_do_not(
    client_for: Any, member: Any, public_space: Space
) -> None:
    topic = start_topic(member, public_space)
    page = client_for(member).get(topic.get_absolute_url()).content.decode()
    assert f'id="topic-live" class="topic-live" role="status" data-topic-id="{topic.pk}"' in page
    assert 'data-post-url="/p/0/"' in page
    assert 'id="topic-live"' not in client_for(None).get(topic.get_absolute_url()).content.decode()
