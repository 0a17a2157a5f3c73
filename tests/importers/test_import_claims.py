"""Placeholders handed to people: a match by the owner, a claim link, an email, two placeholders
merged; all history moves in one transaction, and the generic merge keeps unique rows unique."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from toysource import ToySource, history, jsonl

import factories as testing
from townhall.accounts.models import Block, User
from townhall.activity.models import Activity
from townhall.chat.models import Message, MessageReaction
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.importers import actions
from townhall.importers.archive import open_archive
from townhall.importers.merge import merge_accounts, user_references
from townhall.importers.models import ClaimInvitation, Placeholder
from townhall.importers.store import Target, store_records
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


@pytest.fixture
def garden(community: Any, owner: Any, tmp_path: Path) -> Space:
    space = testing.make_space("Garden archive", kind="chat", members=[owner])
    path = tmp_path / "h.jsonl"
    path.write_bytes(jsonl(history()))
    archive = open_archive(path)
    store_records(ToySource().read(archive, zone=ZoneInfo("UTC")), source="toychat", multi_channel=False,
                  target=Target(space=space), archive=archive)  # fmt: skip
    return space


def _placeholder(source_id: str) -> Placeholder:
    return Placeholder.objects.select_related("user").get(source_id=source_id)


def _authored(user: Any) -> int:
    return Message.objects.filter(author=user).count()


def test_the_owner_matches_a_placeholder_to_a_member_and_all_history_moves(
    garden: Space, owner: Any, member: Any
) -> None:
    ben = _placeholder("ben")
    old_account = ben.user
    assert _authored(old_account) == 3
    actions.match_placeholder(Guardian(owner), ben, member=member)
    assert _authored(member) == 3
    assert not User.objects.filter(pk=old_account.pk).exists()
    ben.refresh_from_db()
    assert ben.claimed_by == member and ben.user is None and not ben.open
    assert Activity.objects.filter(actor=member, verb="message.sent").count() == 3


def test_a_claim_link_makes_whoever_opens_it_that_person(garden: Space, owner: Any, newcomer: Any) -> None:
    ana = _placeholder("ana")
    claim = actions.invite_to_claim(Guardian(owner), ana)
    assert ClaimInvitation.objects.get().token_hash != claim.token  # only the hash is kept
    actions.accept_claim(Guardian(newcomer), claim.token)
    assert _authored(newcomer) == 3
    assert MessageReaction.objects.filter(user=newcomer).count() == 1
    with pytest.raises(PermissionDenied, match="already been used"):
        actions.accept_claim(Guardian(newcomer), claim.token)


def test_a_claim_link_refuses_strangers_expired_links_and_unknown_tokens(
    garden: Space, owner: Any, outsider: Any
) -> None:
    claim = actions.invite_to_claim(Guardian(owner), _placeholder("ana"))
    with pytest.raises(PermissionDenied, match="Join the community"):
        actions.accept_claim(Guardian(outsider), claim.token)
    with pytest.raises(PermissionDenied, match="Sign in"):
        actions.accept_claim(Guardian(None), claim.token)
    with pytest.raises(NotFound):
        actions.accept_claim(Guardian(owner), "nope")
    ClaimInvitation.objects.update(expires_at="2000-01-01T00:00:00Z")
    with pytest.raises(PermissionDenied, match="expired"):
        actions.accept_claim(Guardian(owner), claim.token)


def test_an_emailed_claim_reaches_the_person(
    garden: Space, owner: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        claim = actions.invite_to_claim(Guardian(owner), _placeholder("chen"), email="chen@example.org")
    [sent] = outbox.to("chen@example.org")
    assert claim.token in outbox.body(sent) and "Chen Li" in outbox.body(sent)
    with pytest.raises(Invalid):
        actions.invite_to_claim(Guardian(owner), _placeholder("chen"), email="not-an-address")


def test_two_placeholders_that_are_the_same_person_are_merged(garden: Space, owner: Any, member: Any) -> None:
    ana, ben = _placeholder("ana"), _placeholder("ben")
    ben_account = ben.user
    actions.merge_placeholders(Guardian(owner), ben, into=ana)
    assert _authored(ana.user) == 6 and not User.objects.filter(pk=ben_account.pk).exists()
    # Both reacted 👍? Ben did not; Ana and Chen did on Ben's message: still one each.
    assert MessageReaction.objects.filter(user=ana.user).count() == 1
    # Claiming the kept one claims the merged one too, and a later import writes under the claimer.
    actions.match_placeholder(Guardian(owner), ana, member=member)
    assert _placeholder("ben").claimed_by == member and _authored(member) == 6
    with pytest.raises(PermissionDenied, match="already been claimed"):
        actions.merge_placeholders(Guardian(owner), _placeholder("chen"), into=_placeholder("ana"))


def test_only_owners_and_admins_manage_placeholders(garden: Space, moderator: Any, member: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.match_placeholder(Guardian(moderator), _placeholder("ana"), member=member)
    with pytest.raises(PermissionDenied):
        actions.invite_to_claim(Guardian(member), _placeholder("ana"))


def test_a_match_to_someone_who_is_not_a_member_is_refused(garden: Space, owner: Any, outsider: Any) -> None:
    with pytest.raises(Invalid, match="not an active member"):
        actions.match_placeholder(Guardian(owner), _placeholder("ana"), member=outsider)


def test_a_failed_merge_moves_nothing(garden: Space, owner: Any, member: Any) -> None:
    ana = _placeholder("ana")
    real_delete = User.delete

    def broken(self: User, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    with mock.patch.object(User, "delete", broken), pytest.raises(RuntimeError):
        actions.match_placeholder(Guardian(owner), ana, member=member)
    assert _authored(member) == 0 and _authored(ana.user) == 3
    assert _placeholder("ana").open
    del real_delete


def test_the_merge_finds_every_reference_to_the_user_model() -> None:
    found = {f"{model._meta.label}.{f.name}" for model, f in user_references()}
    assert {"chat.Message.author", "chat.MessageReaction.user", "activity.Activity.actor",
            "community.Membership.user", "spaces.SpaceMembership.user"} <= found  # fmt: skip
    assert any(label.startswith("accounts.User_interests") for label in found)


def test_the_merge_drops_rows_a_unique_constraint_would_refuse(
    community: Any, member: Any, newcomer: Any
) -> None:
    space = testing.make_space("Both", kind="chat", members=[member, newcomer])
    message = Message.objects.create(space=space, author=member, body="hi", html="<p>hi</p>")
    MessageReaction.objects.create(message=message, user=member, emoji="👍")
    MessageReaction.objects.create(message=message, user=newcomer, emoji="👍")
    MessageReaction.objects.create(message=message, user=newcomer, emoji="🎉")
    result = merge_accounts(old=newcomer, into=member)
    assert sorted(MessageReaction.objects.filter(user=member).values_list("emoji", flat=True)) == ["🎉", "👍"]
    assert result.dropped["chat.MessageReaction.user"] == 1
    # Both were members of the community and of the space: one row each is kept.
    assert result.dropped.get("community.Membership.user") == 1
    assert space.memberships.filter(user=member).count() == 1
    with pytest.raises(ValueError):
        merge_accounts(old=member, into=member)


def test_a_block_between_the_two_accounts_is_dropped_not_a_failure(
    community: Any, member: Any, newcomer: Any
) -> None:
    """Someone who blocked an imported author and then claims them would block themselves."""
    Block.objects.create(blocker=member, blocked=newcomer)
    Block.objects.create(blocker=newcomer, blocked=member)
    result = merge_accounts(old=newcomer, into=member)
    assert not Block.objects.exists()
    assert (
        result.dropped.get("accounts.Block.blocker", 0) + result.dropped.get("accounts.Block.blocked", 0) == 2
    )
