"""The demo community: believable, complete, and usable with the printed logins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.utils import timezone

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
    assert User.objects.count() == 40 + 2  # and two placeholders from the imported WhatsApp archive
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 40
    assert Group.objects.count() == 4
    assert set(Group.objects.values_list("name", flat=True)) == {
        "Berlin chapter", "Cohort 3", "Mentors", "Southern Hemisphere"
    }  # fmt: skip
    community_spaces = Space.objects.exclude(
        kind="direct"
    )  # direct conversations: tests/chat/test_direct_demo.py
    # eight discussion spaces, one chat, the imported archive, the events space
    assert 6 <= community_spaces.count() <= 11
    assert set(community_spaces.values_list("visibility", flat=True)) == {
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


def test_members_were_last_seen_recently_or_weeks_ago(seeded: dict[str, int]) -> None:
    seen = list(User.objects.filter(membership__state=Membership.ACTIVE).values_list("last_login", flat=True))
    assert all(seen), "every active demo member has signed in at some point"
    now = timezone.now()
    assert all(when <= now for when in seen)
    assert sum(now - when < timedelta(days=2) for when in seen) >= len(seen) // 3
    assert any(now - when > timedelta(days=7) for when in seen)


def test_space_member_counts_and_moderators_agree(seeded: dict[str, int]) -> None:
    for space in Space.objects.exclude(kind="direct"):  # conversations have no moderators
        active = SpaceMembership.objects.filter(space=space, state=SpaceMembership.ACTIVE)
        assert space.member_count == active.count() > 0
        assert active.filter(role=SpaceMembership.MODERATOR).exists()
    secret = Space.objects.exclude(kind="direct").get(visibility=Space.SECRET)
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
    from townhall.seed.demo_conversations import CONVERSATIONS
    from townhall.seed.demo_discussions import TOPICS

    # ... and one chat thread moved to a topic (demo_chat.PROMOTED), and the Perseids recap (demo_events)
    assert seeded["topics"] == Topic.objects.count() == len(TOPICS) + len(CONVERSATIONS) + 2
    assert seeded["posts"] == Post.objects.count()
    question = Topic.objects.get(title__startswith="How do I remove the gradient")
    assert question.solved and question.accepted_post is not None
    assert question.accepted_post.author.username == "lucas"
    assert question.posts.filter(depth__gte=2).exists()  # a reply to a reply to an answer
    assert Reaction.objects.filter(post=question.accepted_post).count() == 3
    assert Topic.objects.filter(pinned=Topic.PIN_SPACE, kind=Topic.ANNOUNCEMENT).count() == 1
    recaps = Topic.objects.filter(title__startswith="Perseids at")  # last August's (demo_events)
    latest = list(
        Topic.objects.exclude(pk__in=recaps).order_by("-last_posted_at").values_list("title", flat=True)
    )
    assert latest[-1] == "Mentor pairing for Cohort 3"  # six weeks ago
    assert latest.index("Best night this month for Saturn?") < 5

    page = client.get(question.get_absolute_url())  # a visitor reads the public question
    assert page.status_code == 200 and "Accepted answer" in page.content.decode()
    outsider = User.objects.get(username="kenji")  # only asked to join the eclipse space
    found = search.search(Guardian(outsider), "carpool Burgos")
    assert found.hits == []
    assert search.search(Guardian(User.objects.get(username="sofia")), "carpool Burgos").hits
    assert search.search(Guardian(outsider), "gradient").hits


# --- a community that feels lived in (issue 12) -----------------------------------------------------------
def test_every_space_has_several_conversations_over_weeks(seeded: dict[str, int]) -> None:
    from townhall.discussions.models import Post, Topic

    for space in Space.objects.filter(kind="discussion"):
        topics = Topic.objects.filter(space=space)
        assert topics.count() >= 4, space.name
        posts = Post.objects.filter(topic__space=space)
        span = max(p.created_at for p in posts) - min(p.created_at for p in posts)
        assert span.days >= 21, space.name  # several weeks of conversation
        replies = posts.exclude(position=1)
        assert replies.values("author").distinct().count() >= 3, space.name  # several voices
    replies = Post.objects.exclude(position=1)
    assert (max(r.created_at for r in replies) - min(r.created_at for r in replies)).days >= 21


def test_conversations_have_believable_times(seeded: dict[str, int]) -> None:
    from townhall.discussions.models import Post, Reaction, Topic

    now = timezone.now()
    assert not Post.objects.filter(created_at__gt=now).exists()
    assert not Reaction.objects.filter(created_at__gt=now).exists()
    assert Post.objects.filter(created_at__lt=now - timedelta(days=35)).exists()
    assert Post.objects.filter(created_at__gt=now - timedelta(days=3)).exists()
    for topic in Topic.objects.prefetch_related("posts"):
        times = [p.created_at for p in sorted(topic.posts.all(), key=lambda p: p.position)]
        assert times == sorted(times), topic.title  # replies come after what they answer
        assert topic.last_posted_at == times[-1], topic.title


def test_conversations_have_reactions_quotes_mentions_code_and_links(seeded: dict[str, int]) -> None:
    from townhall.discussions.models import Post, Reaction

    assert Reaction.objects.count() >= 100
    discussion_spaces = Space.objects.filter(kind="discussion").count()
    assert Reaction.objects.values("post__topic__space").distinct().count() == discussion_spaces
    bodies = list(Post.objects.values_list("body", "body_html"))
    assert any("<blockquote>" in html for _body, html in bodies)  # quotes
    assert sum('class="mention"' in html for _body, html in bodies) >= 5  # @mentions resolved
    assert sum("```" in body for body, _html in bodies) >= 3  # code
    assert sum('<a href="https://' in html for _body, html in bodies) >= 3  # links
    assert Post.objects.filter(depth__gte=1).count() >= 20  # replies to replies


def test_authors_and_reactors_belong_to_the_space(seeded: dict[str, int]) -> None:
    from townhall.discussions.models import Post, Reaction

    members = set(
        SpaceMembership.objects.filter(state=SpaceMembership.ACTIVE).values_list("space_id", "user_id")
    )
    for space_id, author_id in Post.objects.values_list("topic__space_id", "author_id"):
        assert (space_id, author_id) in members
    for space_id, user_id in Reaction.objects.values_list("post__topic__space_id", "user_id"):
        assert (space_id, user_id) in members


def test_every_space_has_a_cover_colour(seeded: dict[str, int]) -> None:
    from townhall.spaces.models import COVER_KEYS

    covers = list(Space.objects.exclude(kind="direct").values_list("cover_color", flat=True))
    assert all(c in COVER_KEYS for c in covers)
    # Each space is told apart at a glance, as far as the palette goes (the imported archive repeats one).
    assert len(set(covers)) == min(len(covers), len(COVER_KEYS))


def test_introductions_exist_and_the_home_page_shows_them(seeded: dict[str, int], client: Any) -> None:
    from townhall.discussions.models import Topic

    intros = Topic.objects.filter(space__name="Introductions")
    assert intros.values("author").distinct().count() >= 5
    introduced = Membership.objects.filter(state=Membership.ACTIVE).exclude(introduction="")
    assert introduced.count() >= 15
    newest = Membership.objects.filter(state=Membership.ACTIVE).order_by("-joined_at")[:6]
    assert all(m.introduction for m in newest)  # the home page's "new members" all said hello

    client.force_login(User.objects.get(email="member@example.org"))
    response = client.get("/home/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Say hello to new members" in html
    assert "Just bought my first telescope" in html  # Maya, the newest member
    assert "Has not written an introduction yet" not in html
