"""`townhall seed --members N`: a large synthetic community, appended to on a second run."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from townhall.accounts.models import User
from townhall.activity.models import Activity
from townhall.community.models import Community, GroupMember, Membership
from townhall.seed import scale
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.django_db


def test_seed_500_members() -> None:
    result = scale.seed_members(500, batch_size=200)
    assert result.added == 500 and result.total == 500 and result.appended_after == 0
    assert Community.objects.filter(pk=1).exists()
    assert User.objects.filter(username__startswith=scale.PREFIX).count() == 500
    assert Membership.objects.filter(state=Membership.ACTIVE, role=Membership.MEMBER).count() == 500
    assert EmailAddress.objects.filter(verified=True).count() == 500
    assert User.interests.through.objects.count() == 1000
    assert 50 < GroupMember.objects.count() < 200
    assert SpaceMembership.objects.count() == 500
    assert sum(Space.objects.values_list("member_count", flat=True)) == 500
    assert Activity.objects.filter(verb="community.joined").count() == 500
    # Written through the bulk layers: the rows joining writes, dated when each member joined.
    membership = Membership.objects.select_related("user").first()
    assert membership is not None and membership.onboarded
    assert membership.user.date_joined == membership.joined_at == membership.created_at
    joined = Activity.objects.get(verb="community.joined", target_id=membership.pk)
    assert joined.data == {"via": "seed", "role": "member"} and joined.created_at == membership.joined_at
    assert Activity.objects.filter(verb="space.joined", data__via="seed").count() == 500
    assert Activity.objects.filter(verb="group.member_added").count() == GroupMember.objects.count()


def test_second_run_appends_after_the_first() -> None:
    scale.seed_members(30)
    result = scale.seed_members(20)
    assert result.appended_after == 30 and result.total == 50
    names = list(User.objects.filter(username__startswith=scale.PREFIX).values_list("username", flat=True))
    assert len(names) == len(set(names)) == 50
    assert "scale_0000050" in names


def test_keeps_an_existing_community(community: Community) -> None:
    scale.seed_members(5)
    assert Community.objects.get(pk=1).name == community.name


def test_synthetic_members_can_log_in() -> None:
    from django.contrib.auth import authenticate

    scale.seed_members(1)
    assert authenticate(username="scale_0000001", password=scale.PASSWORD) is not None


def test_count_must_be_positive() -> None:
    with pytest.raises(ValueError):
        scale.seed_members(0)
