"""The discussion rules, table by table: topic and post states x personas x rules.

The space is members-only; the topic is a question by `author`, and the post under test is the
author's reply. Each row of a table is one persona; each column one rule, in RULES order:

    V view_topic   R reply   E edit_post   D delete_post   X react   A accept_answer
    M moderate_topic   B view_post_body

"1" allowed, "0" refused. Every refusal is checked through `ensure` too: a topic the persona cannot
see answers exactly like a missing one (NotFound), anything else is a PermissionDenied with a reason.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

import factories as testing
from townhall.community.models import Membership
from townhall.core.errors import NotFound, PermissionDenied
from townhall.discussions.models import Post, Topic
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

RULES = [
    "view_topic",
    "reply",
    "edit_post",
    "delete_post",
    "react",
    "accept_answer",
    "moderate_topic",
    "view_post_body",
]
PERSONAS = ["owner", "moderator", "space_moderator", "author", "member", "suspended", "outsider", "anonymous"]
ON_TOPIC = {"view_topic", "reply", "accept_answer", "moderate_topic"}

# (topic state, post state) -> persona -> one flag per rule, in RULES order.
TABLES: dict[tuple[str, str], dict[str, str]] = {
    ("open", "visible"): {
        "owner":           "11111111",
        "moderator":       "11111111",
        "space_moderator": "11111111",
        "author":          "11111101",
        "member":          "11001001",
        "suspended":       "10000001",
        "outsider":        "00000001",
        "anonymous":       "00000001",
    },
    # Locked: frozen for members; moderators still act.
    ("locked", "visible"): {
        "owner":           "11111111",
        "moderator":       "11111111",
        "space_moderator": "11111111",
        "author":          "10000001",
        "member":          "10000001",
        "suspended":       "10000001",
        "outsider":        "00000001",
        "anonymous":       "00000001",
    },
    # Closed: no new replies from members, but edits, deletions, reactions and answers go on.
    ("closed", "visible"): {
        "owner":           "11111111",
        "moderator":       "11111111",
        "space_moderator": "11111111",
        "author":          "10111101",
        "member":          "10001001",
        "suspended":       "10000001",
        "outsider":        "00000001",
        "anonymous":       "00000001",
    },
    # Hidden by a moderator: seen by moderators and the topic's author only.
    ("hidden", "visible"): {
        "owner":           "11111111",
        "moderator":       "11111111",
        "space_moderator": "11111111",
        "author":          "10111101",
        "member":          "00000001",
        "suspended":       "00000001",
        "outsider":        "00000001",
        "anonymous":       "00000001",
    },
    # Deleted: only moderators see it; nobody replies or chooses an answer.
    ("deleted", "visible"): {
        "owner":           "10111011",
        "moderator":       "10111011",
        "space_moderator": "10111011",
        "author":          "00000001",
        "member":          "00000001",
        "suspended":       "00000001",
        "outsider":        "00000001",
        "anonymous":       "00000001",
    },
    # A hidden reply keeps its place; its text is for moderators and its author; nobody reacts to it.
    ("open", "hidden"): {
        "owner":           "11110111",
        "moderator":       "11110111",
        "space_moderator": "11110111",
        "author":          "11010101",
        "member":          "11000000",
        "suspended":       "10000000",
        "outsider":        "00000000",
        "anonymous":       "00000000",
    },
    # A deleted reply: nothing to edit, delete, react to or read.
    ("open", "deleted"): {
        "owner":           "11000110",
        "moderator":       "11000110",
        "space_moderator": "11000110",
        "author":          "11000100",
        "member":          "11000000",
        "suspended":       "10000000",
        "outsider":        "00000000",
        "anonymous":       "00000000",
    },
}  # fmt: skip


@pytest.fixture
def people(community: Any) -> dict[str, Any]:
    author = testing.make_member("ada", display_name="Ada Author")
    space_moderator = testing.make_member("sol", display_name="Sol Spacemod")
    found = {
        "owner": testing.make_member("olivia", role=Membership.OWNER),
        "moderator": testing.make_member("mona", role=Membership.MODERATOR),
        "space_moderator": space_moderator,
        "author": author,
        "member": testing.make_member("mia"),
        "suspended": testing.make_member("sam", state=Membership.SUSPENDED),
        "outsider": testing.make_user("otto"),
        "anonymous": None,
    }
    testing.make_space("Gear", visibility=Space.MEMBERS, members=[author], moderators=[space_moderator])
    return found


def _topic_and_post(people: dict[str, Any], topic_state: str, post_state: str) -> tuple[Topic, Post]:
    space = Space.objects.get(slug="gear")
    author = people["author"]
    now = timezone.now()
    topic = Topic.objects.create(
        space=space,
        author=author,
        title="Which lens?",
        slug="which-lens",
        kind=Topic.QUESTION,
        last_posted_at=now,
    )
    Post.objects.create(topic=topic, author=author, position=1, depth=0, path="00000001", body="?")
    post = Post.objects.create(
        topic=topic, author=author, position=2, depth=1, path="00000001.00000002", body="This one."
    )
    changes = {
        "open": {},
        "locked": {"locked": True},
        "closed": {"closed": True},
        "hidden": {"hidden": True},
        "deleted": {"deleted_at": now},
    }[topic_state]
    Topic.objects.filter(pk=topic.pk).update(**changes)
    Post.objects.filter(pk=post.pk).update(
        hidden=post_state == "hidden", deleted_at=now if post_state == "deleted" else None
    )
    topic = Topic.objects.select_related("space").get(pk=topic.pk)
    post = Post.objects.select_related("topic__space").get(pk=post.pk)
    return topic, post


def _subject(rule: str, topic: Topic, post: Post) -> Any:
    return topic if rule in ON_TOPIC else post


@pytest.mark.parametrize(("topic_state", "post_state"), list(TABLES), ids=[f"{t}-{p}" for t, p in TABLES])
def test_discussion_rule_table(people: dict[str, Any], topic_state: str, post_state: str) -> None:
    topic, post = _topic_and_post(people, topic_state, post_state)
    mismatches = []
    for persona in PERSONAS:
        guardian = Guardian(people[persona])
        expected = TABLES[(topic_state, post_state)][persona]
        for rule, flag in zip(RULES, expected, strict=True):
            bound = getattr(guardian.discussions, rule)
            subject = _subject(rule, topic, post)
            allowed = bound.can(subject)
            if allowed != (flag == "1"):
                mismatches.append(f"{persona}.{rule}: expected {flag}, got {int(allowed)}")
                continue
            if allowed:
                bound.ensure(subject)  # must not raise
                continue
            seen = guardian.discussions.view_topic.can(topic)
            expected_error = NotFound if not seen and rule != "view_post_body" else PermissionDenied
            with pytest.raises(expected_error) as raised:
                bound.ensure(subject)
            if expected_error is PermissionDenied:
                assert raised.value.reason == bound.reason(subject)
    assert not mismatches, "\n".join(mismatches)


def test_visible_topics_agrees_with_view_topic(people: dict[str, Any]) -> None:
    """The list filter (SQL) and the rule (Python) agree for every persona and topic state
    (deleted and hidden topics leave lists even for moderators: their queues are separate)."""
    topics = {state: _topic_and_post(people, state, "visible")[0] for state in ("open", "locked", "hidden")}
    for persona in PERSONAS:
        guardian = Guardian(people[persona])
        listed = set(guardian.discussions.visible_topics(Topic.objects.all()).values_list("pk", flat=True))
        for state, topic in topics.items():
            should = guardian.discussions.view_topic.can(topic) and not (
                topic.hidden and not (people[persona] and people[persona].pk == topic.author_id)
            )
            assert (topic.pk in listed) == should, f"{persona} / {state}"


def test_moving_needs_both_spaces(people: dict[str, Any]) -> None:
    topic, _ = _topic_and_post(people, "open", "visible")
    elsewhere = testing.make_space("Elsewhere", visibility=Space.PRIVATE)
    secret = testing.make_space("Hush", visibility=Space.SECRET)
    smod = Guardian(people["space_moderator"])
    assert not smod.discussions.move_topic.can(topic, elsewhere)
    with pytest.raises(PermissionDenied, match="spaces you moderate"):
        smod.discussions.move_topic.ensure(topic, elsewhere)
    with pytest.raises(NotFound):
        smod.discussions.move_topic.ensure(topic, secret)
    assert Guardian(people["moderator"]).discussions.move_topic.can(topic, elsewhere)


# --- curating the reaction set and tags (community settings) ------------------------------------------
CURATION_PERSONAS = ["owner", "admin", "moderator", "member", "suspended", "banned", "outsider", "anonymous"]
#                          owner admin mod   member susp  banned outsider anon
CURATION: dict[str, tuple[bool, ...]] = {
    "manage_reactions": (True, True, False, False, False, False, False, False),
    "manage_tags": (True, True, False, False, False, False, False, False),
}


@pytest.mark.parametrize("rule", sorted(CURATION))
@pytest.mark.parametrize("index", range(len(CURATION_PERSONAS)), ids=CURATION_PERSONAS)
def test_curation_rule_table(request: pytest.FixtureRequest, community: Any, rule: str, index: int) -> None:
    name = CURATION_PERSONAS[index]
    guardian = Guardian(None if name == "anonymous" else request.getfixturevalue(name))
    bound = getattr(guardian.discussions, rule)
    assert bound.can() is CURATION[rule][index]
    if not CURATION[rule][index]:
        with pytest.raises(PermissionDenied, match="Only admins"):
            bound.ensure()


# --- taking back a deletion ("Post deleted. Undo") -------------------------------------------------------
# The author's reply, deleted in one of these ways; one flag per persona in PERSONAS order:
# "1" allowed, "0" refused with a reason (403), "-" unseen, exactly like a missing post (404).
UNDELETE: dict[str, str] = {
    "own, just now":            "11110000",
    "own, 31 s ago":            "11100000",
    "by a moderator":           "11100000",
    "not deleted":              "00000000",
    "own topic, just now":      "1111----",
    "own, topic locked":        "11100000",
    "own, topic hidden":        "111-0---",  # hidden topic of another author: its author sees it
}  # fmt: skip
UNSEEN_ALWAYS = {"outsider", "anonymous"}  # the space is members-only


def _deleted(people: dict[str, Any], state: str) -> Post:
    from datetime import timedelta

    topic, post = _topic_and_post(people, "open", "visible")
    now = timezone.now()
    author, moderator = people["author"], people["moderator"]
    if state == "own topic, just now":
        post = Post.objects.get(topic=topic, position=1)
        Post.objects.filter(pk=post.pk).update(deleted_at=now, deleted_by=author)
        Topic.objects.filter(pk=topic.pk).update(deleted_at=now)
    elif state != "not deleted":
        when = now - timedelta(seconds=31) if state == "own, 31 s ago" else now
        who = moderator if state == "by a moderator" else author
        Post.objects.filter(pk=post.pk).update(deleted_at=when, deleted_by=who)
        if state == "own, topic locked":
            Topic.objects.filter(pk=topic.pk).update(locked=True)
        if state == "own, topic hidden":
            Topic.objects.filter(pk=topic.pk).update(hidden=True)
            Topic.objects.filter(pk=topic.pk).update(author=people["member"])  # not the reply's author
    return Post.objects.select_related("topic__space").get(pk=post.pk)


@pytest.mark.parametrize("state", list(UNDELETE))
def test_undelete_rule_table(people: dict[str, Any], state: str) -> None:
    post = _deleted(people, state)
    mismatches = []
    for persona, flag in zip(PERSONAS, UNDELETE[state], strict=True):
        bound = Guardian(people[persona]).discussions.undelete_post
        flag = "-" if persona in UNSEEN_ALWAYS else flag
        allowed = bound.can(post)
        if allowed != (flag == "1"):
            mismatches.append(f"{persona}: expected {flag}, got {int(allowed)}")
            continue
        if allowed:
            bound.ensure(post)
            continue
        expected = NotFound if flag == "-" else PermissionDenied
        with pytest.raises(expected):
            bound.ensure(post)
    assert not mismatches, "\n".join(mismatches)
