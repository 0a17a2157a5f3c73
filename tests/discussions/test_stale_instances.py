"""Moderation decides on the rows it locked, not on the caller's copy: two moderators acting on the same
post from pages they loaded earlier change it once, and the second gets a clear message (never a 500)."""

from __future__ import annotations

from typing import Any

import pytest

from townhall.core.errors import Invalid
from townhall.discussions import actions
from townhall.discussions.models import Post
from townhall.policy import Guardian
from townhall.spaces.models import Space

from .conftest import fresh, reply, start_topic

pytestmark = pytest.mark.django_db


def _stale_pair(post: Post) -> tuple[Post, Post]:
    """Two copies of the post as two moderators' pages loaded it, before either acted."""
    return fresh(post), fresh(post)


def test_two_stale_hides_count_once(member: Any, moderator: Any, admin: Any, space: Space) -> None:
    topic = start_topic(member, space)
    posts = [reply(member, topic, body=f"Reply {n}") for n in range(3)]
    assert fresh(topic).post_count == 4
    first, second = _stale_pair(posts[0])
    actions.hide_post(Guardian(moderator), first)
    with pytest.raises(Invalid, match="already hidden"):
        actions.hide_post(Guardian(admin), second)
    assert fresh(topic).post_count == 3


def test_two_stale_restores_count_once(member: Any, moderator: Any, admin: Any, space: Space) -> None:
    topic = start_topic(member, space)
    post = reply(member, topic)
    actions.hide_post(Guardian(moderator), post)
    first, second = _stale_pair(post)
    actions.restore_post(Guardian(moderator), first)
    with pytest.raises(Invalid, match="neither hidden nor deleted"):
        actions.restore_post(Guardian(admin), second)
    assert fresh(topic).post_count == 2


def test_a_stale_answer_that_was_hidden_meanwhile_is_refused(
    member: Any, moderator: Any, space: Space
) -> None:
    topic = start_topic(member, space, kind="question")
    answer = reply(moderator, topic)
    stale = fresh(answer)
    actions.hide_post(Guardian(moderator), fresh(answer))
    with pytest.raises(Invalid, match="removed"):
        actions.accept_answer(Guardian(member), fresh(topic), stale)
    assert fresh(topic).accepted_post_id is None


def test_stale_state_changes_are_refused_on_the_locked_row(member: Any, moderator: Any, space: Space) -> None:
    topic = start_topic(member, space)
    stale = fresh(topic)
    actions.lock_topic(Guardian(moderator), fresh(topic))
    with pytest.raises(Invalid, match="already locked"):
        actions.lock_topic(Guardian(moderator), stale)
    stale = fresh(topic)
    actions.unlock_topic(Guardian(moderator), fresh(topic))
    with pytest.raises(Invalid, match="not locked"):
        actions.unlock_topic(Guardian(moderator), stale)
