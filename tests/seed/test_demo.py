"""The demo community: believable, complete, and usable with the printed logins."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate

from townhall.accounts.models import Interest, User
from townhall.activity.models import Activity
from townhall.community.models import Community, Group, GroupMember, Invitation, Membership
from townhall.seed import demo
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> dict[str, int]:
    assert demo.database_is_empty()
    return demo.seed_demo()


def test_counts(seeded: dict[str, int]) -> None:
    assert seeded["members"] == len(demo.PEOPLE) == 38
    assert Membership.objects.filter(state=Membership.ACTIVE).count() == 38
    assert Membership.objects.filter(state=Membership.PENDING).count() == 2
    assert User.objects.count() == 40
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 40
    assert Group.objects.count() == 4
    assert set(Group.objects.values_list("name", flat=True)) == {
        "Berlin chapter", "Cohort 3", "Mentors", "Southern Hemisphere"
    }  # fmt: skip
    assert 6 <= Space.objects.count() <= 8
    assert set(Space.objects.values_list("visibility", flat=True)) == {
        "public",
        "members",
        "private",
        "secret",
    }
    assert SidebarSection.objects.count() == 3
    assert Invitation.objects.count() == 4
    assert Interest.objects.filter(featured=True).count() == len(demo.FEATURED_INTERESTS)
    assert GroupMember.objects.count() == sum(len(p.groups) for p in demo.PEOPLE)


def test_community_identity_and_join_policy(seeded: dict[str, int]) -> None:
    community = Community.objects.get(pk=1)
    assert community.name == "Night Sky Collective"
    assert community.join_policy == Community.OPEN  # a newcomer can sign up and join at once
    assert len(community.screening_questions) == 2
    assert community.code_of_conduct.startswith("# Code of conduct")
    assert community.mission and community.values


def test_demo_logins_work_and_have_their_roles(seeded: dict[str, int]) -> None:
    assert demo.demo_logins_exist()
    roles = {}
    for role, email in demo.DEMO_LOGINS:
        user = User.objects.get(email=email)
        assert authenticate(username=user.username, password=demo.DEMO_PASSWORD) == user
        roles[role] = user.membership.role
        assert user.membership.onboarded
    assert roles == {"owner": "owner", "moderator": "moderator", "member": "member"}


def test_profiles_are_filled_in(seeded: dict[str, int]) -> None:
    for user in User.objects.filter(membership__state=Membership.ACTIVE).prefetch_related("interests"):
        assert user.display_name and user.bio and user.location and user.time_zone
        assert user.interests.all()


def test_space_member_counts_and_moderators_agree(seeded: dict[str, int]) -> None:
    for space in Space.objects.all():
        active = SpaceMembership.objects.filter(space=space, state=SpaceMembership.ACTIVE)
        assert space.member_count == active.count() > 0
        assert active.filter(role=SpaceMembership.MODERATOR).exists()
    secret = Space.objects.get(visibility=Space.SECRET)
    assert secret.group is not None
    assert set(secret.memberships.values_list("user_id", flat=True)) <= set(
        secret.group.members.values_list("pk", flat=True)
    )
    assert SpaceMembership.objects.filter(state=SpaceMembership.REQUESTED).count() == 1


def test_joins_are_in_the_activity_log(seeded: dict[str, int]) -> None:
    assert Activity.objects.filter(verb="community.joined").count() == 38
    assert Activity.objects.filter(verb="community.applied").count() == 2
    assert Activity.objects.filter(verb="space.joined").count() == seeded["space memberships"]
    oldest = Activity.objects.filter(verb="community.joined").order_by("created_at").first()
    newest = Activity.objects.filter(verb="community.joined").order_by("-created_at").first()
    assert oldest is not None and newest is not None
    assert (newest.created_at - oldest.created_at).days > 300  # a community with a history


def test_not_empty_after_seeding(seeded: dict[str, int]) -> None:
    assert not demo.database_is_empty()


def test_landing_page_shows_the_demo(seeded: dict[str, int], client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "Night Sky Collective" in response.content.decode()


def test_the_demo_has_conversations_worth_reading(seeded: dict[str, int], client: Any) -> None:
    from townhall.discussions.models import Post, Reaction, Topic
    from townhall.policy import Guardian
    from townhall.search import queries as search
    from townhall.seed.demo_discussions import TOPICS

    assert seeded["topics"] == Topic.objects.count() == len(TOPICS)
    assert seeded["posts"] == Post.objects.count()
    question = Topic.objects.get(title__startswith="How do I remove the gradient")
    assert question.solved and question.accepted_post is not None
    assert question.accepted_post.author.username == "lucas"
    assert question.posts.filter(depth__gte=2).exists()  # a reply to a reply to an answer
    assert Reaction.objects.filter(post=question.accepted_post).count() == 3
    assert Topic.objects.filter(pinned=Topic.PIN_SPACE, kind=Topic.ANNOUNCEMENT).count() == 1
    latest = list(Topic.objects.order_by("-last_posted_at").values_list("title", flat=True))
    assert latest[0] == "Best night this month for Saturn?" and latest[-1] == "Hello from Hamburg!"

    page = client.get(question.get_absolute_url())  # a visitor reads the public question
    assert page.status_code == 200 and "Accepted answer" in page.content.decode()
    outsider = User.objects.get(username="kenji")  # only asked to join the eclipse space
    found = search.search(Guardian(outsider), "carpool Burgos")
    assert found.hits == []
    assert search.search(Guardian(User.objects.get(username="sofia")), "carpool Burgos").hits
    assert search.search(Guardian(outsider), "gradient").hits
