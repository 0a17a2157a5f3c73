"""The notifications that chat, spaces and the community cause: direct messages, mentions in channels
and threads, thread replies to followers, message reactions, join requests and space requests to those
who decide them, approvals, accepted invitations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from notify_testing import channels_held, kinds_of, told

import factories as testing
from townhall.accounts.models import Block
from townhall.chat import actions as chat
from townhall.community import actions as community_actions
from townhall.community.models import Community, Membership
from townhall.notifications.models import NONE, PENDING
from townhall.policy import Guardian
from townhall.spaces import actions as space_actions
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _channels_held() -> Iterator[None]:
    with channels_held():
        yield


@pytest.fixture
def lea(community: Any) -> Any:
    return testing.make_member("lea", display_name="Lea Lens")


@pytest.fixture
def lounge(member: Any, lea: Any) -> Space:
    return testing.make_space("Lounge", kind="chat", visibility=Space.MEMBERS, members=[member, lea])


def test_a_direct_message_tells_the_other_person_by_email_too(member: Any, lea: Any, committed: Any) -> None:
    conversation = chat.start_conversation(Guardian(member), people=[lea])
    with committed():
        message = chat.send_message(Guardian(member), conversation, body="Clear skies **tonight**?")
    [row] = told(lea)
    assert (row.kind, row.actor_id, row.url) == ("direct_message", member.pk, f"/chat/m/{message.pk}/")
    assert (row.thread_key, row.target) == (f"space:{conversation.pk}", f"message:{message.pk}")
    assert row.data == {
        "title": "your conversation",
        "excerpt": "Clear skies tonight?",
        "position": message.pk,
    }
    assert (row.email_state, row.push_state) == (PENDING, PENDING)
    assert told(member) == []


def test_a_mention_by_someone_the_person_blocked_tells_nothing(
    member: Any, lea: Any, lounge: Space, committed: Any
) -> None:
    Block.objects.create(blocker=lea, blocked=member)
    with committed():
        chat.send_message(Guardian(member), lounge, body="@lea hello?")
    assert told(lea) == []


def test_a_mention_in_a_channel_tells_the_person_and_plain_messages_nobody(
    member: Any, lea: Any, lounge: Space, committed: Any
) -> None:
    with committed():
        chat.send_message(Guardian(member), lounge, body="Anyone out tonight?")
        message = chat.send_message(Guardian(member), lounge, body="@lea are you?")
    [row] = told(lea)
    assert (row.kind, row.thread_key, row.data["position"]) == ("mention", f"space:{lounge.pk}", message.pk)
    assert row.data["title"] == "#Lounge"


def test_a_mention_of_someone_outside_a_private_channel_tells_nobody(
    member: Any, lea: Any, committed: Any
) -> None:
    inner = testing.make_space("Inner", kind="chat", visibility=Space.PRIVATE, members=[member])
    with committed():
        chat.send_message(Guardian(member), inner, body="@lea you cannot read this")
    assert told(lea) == []


def test_thread_replies_tell_the_followers(
    member: Any, lea: Any, owner: Any, lounge: Space, committed: Any
) -> None:
    SpaceMembership.objects.create(space=lounge, user=owner)
    root = chat.send_message(Guardian(member), lounge, body="Best app for satellite passes?")
    with committed():
        first = chat.reply_in_thread(Guardian(lea), root, body="Heavens-Above.")
    [row] = told(member)
    assert (row.kind, row.thread_key, row.data["position"]) == ("thread_reply", f"thread:{root.pk}", first.pk)
    assert (row.email_state, row.push_state) == (NONE, NONE)
    with committed():
        chat.reply_in_thread(Guardian(owner), root, body="Agreed, @max.")
    assert kinds_of(member) == ["thread_reply", "mention"]
    assert kinds_of(lea) == ["thread_reply"]
    assert told(owner) == []


def test_message_reactions_fold_like_post_reactions(
    member: Any, lea: Any, owner: Any, lounge: Space, committed: Any
) -> None:
    SpaceMembership.objects.create(space=lounge, user=owner)
    said = chat.send_message(Guardian(member), lounge, body="First light!")
    with committed():
        chat.react_to_message(Guardian(lea), said, emoji="👍")
    with committed():
        chat.react_to_message(Guardian(owner), said, emoji="👍")
    [row] = told(member)
    assert (row.kind, row.actor_count, row.group_key) == ("reaction", 2, f"reaction:message:{said.pk}")


def test_an_application_tells_the_reviewers_and_its_approval_the_applicant(
    moderator: Any, owner: Any, member: Any, committed: Any
) -> None:
    Community.objects.update(join_policy=Community.APPROVAL)
    applicant = testing.make_user("april")
    with committed():
        community_actions.join_community(Guardian(applicant), Community.objects.get())
    membership = Membership.objects.get(user=applicant)
    assert kinds_of(moderator) == ["join_request"] and kinds_of(owner) == ["join_request"]
    assert told(member) == []
    [row] = told(moderator)
    assert (row.actor_id, row.url, row.space_id) == (applicant.pk, "/settings/community/applications/", None)
    with committed():
        community_actions.review_application(Guardian(moderator), membership, approve=True)
    [approved] = told(applicant)
    assert (approved.kind, approved.actor_id) == ("request_approved", moderator.pk)


def test_a_space_request_tells_its_deciders_and_the_approval_the_person(
    moderator: Any, member: Any, lea: Any, committed: Any
) -> None:
    inner = testing.make_space("Inner circle", visibility=Space.PRIVATE, moderators=[member])
    with committed():
        space_actions.request_to_join(Guardian(lea), inner)
    assert kinds_of(member) == ["space_request"] and kinds_of(moderator) == ["space_request"]
    with committed():
        space_actions.approve_join_request(Guardian(member), inner, user=lea)
    [row] = told(lea)
    assert (row.kind, row.space_id, row.url) == ("request_approved", inner.pk, f"/s/{inner.slug}/")


def test_an_accepted_invitation_tells_who_sent_it(moderator: Any, committed: Any) -> None:
    invitation = community_actions.create_invitation(Guardian(moderator), Community.objects.get())
    friend = testing.make_user("fritz")
    with committed():
        community_actions.accept_invitation(Guardian(friend), invitation.token)
    [row] = told(moderator)
    assert (row.kind, row.actor_id, row.url) == ("invitation_accepted", friend.pk, "/u/fritz/")
