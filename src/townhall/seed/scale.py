"""A large synthetic community for benchmarks: `townhall seed --members N`.

Fast because it bulk-inserts in batches inside one transaction per batch and hashes the shared
password once. Members are named `scale_0000001`, `scale_0000002`, …; running it again appends after
the last one (and says so) instead of failing on duplicates.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from townhall.accounts.models import Interest, User
from townhall.community.models import Activity, Community, Group, GroupMember, Membership
from townhall.seed.demo import FEATURED_INTERESTS
from townhall.spaces.models import Space, SpaceMembership

PREFIX = "scale_"
PASSWORD = "scale-seed-password"
BATCH = 5000

FIRST_NAMES = [
    "Ada", "Ben", "Chen", "Dara", "Elif", "Femi", "Gita", "Hugo", "Ines", "Jonas", "Kai", "Lena", "Mateo",
    "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tomás", "Uma", "Vera", "Wen", "Xavi", "Yara", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Abe", "Berg", "Costa", "Diallo", "Evans", "Fischer", "García", "Haddad", "Ito", "Jensen", "Khan", "Lopez",
    "Mensah", "Novak", "Okafor", "Park", "Quispe", "Rossi", "Sato", "Tanaka", "Uddin", "Varga", "Wong", "Zhou",
]  # fmt: skip
PLACES = [
    ("Berlin, Germany", "Europe/Berlin"), ("Lagos, Nigeria", "Africa/Lagos"), ("Santiago, Chile", "America/Santiago"),
    ("Osaka, Japan", "Asia/Tokyo"), ("Melbourne, Australia", "Australia/Melbourne"), ("Leeds, UK", "Europe/London"),
    ("Denver, USA", "America/Denver"), ("Pune, India", "Asia/Kolkata"), ("Lyon, France", "Europe/Paris"),
    ("Nairobi, Kenya", "Africa/Nairobi"), ("Toronto, Canada", "America/Toronto"), ("", ""),
]  # fmt: skip
GROUP_NAMES = [
    "Scale cohort A",
    "Scale cohort B",
    "Scale mentors",
    "Scale chapter North",
    "Scale chapter South",
]
SPACE_SPECS = [
    ("Scale lobby", Space.PUBLIC),
    ("Scale members hall", Space.MEMBERS),
    ("Scale workshop", Space.PRIVATE),
    ("Scale back room", Space.SECRET),
]


@dataclass(frozen=True)
class SeedResult:
    added: int
    total: int
    seconds: float
    appended_after: int


def _ensure_scaffolding() -> tuple[list[Interest], list[Group], list[Space]]:
    """The community (when none exists), interests, groups and spaces the members are spread over."""
    if not Community.objects.filter(pk=1).exists():
        Community.objects.create(
            pk=1,
            name="Scale Test Community",
            tagline="A synthetic community for benchmarks",
            join_policy=Community.OPEN,
        )
    interests = []
    for name in FEATURED_INTERESTS:
        interest = Interest.objects.filter(name__iexact=name).first()
        if interest is None:
            interest = Interest.objects.create(name=name, slug=slugify(name), featured=True)
        interests.append(interest)
    groups = [
        Group.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0] for name in GROUP_NAMES
    ]
    spaces = [
        Space.objects.get_or_create(slug=slugify(name), defaults={"name": name, "visibility": visibility})[0]
        for name, visibility in SPACE_SPECS
    ]
    return interests, groups, spaces


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Any]:
    if not enabled:

        class _Silent:
            def advance(self, n: int) -> None:
                pass

        yield _Silent()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[bold]Seeding members"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    ) as progress:
        task_id = progress.add_task("members", total=total)

        class _Bar:
            def advance(self, n: int) -> None:
                progress.advance(task_id, n)

        yield _Bar()


def existing_count() -> int:
    return User.objects.filter(username__startswith=PREFIX).count()


def seed_members(
    count: int, *, progress: bool = False, batch_size: int = BATCH, rng_seed: int = 7
) -> SeedResult:
    """Append `count` active members with profiles, interests, groups and space memberships."""
    if count < 1:
        raise ValueError("count must be at least 1")
    started = time.perf_counter()
    rng = random.Random(rng_seed)
    interests, groups, spaces = _ensure_scaffolding()
    open_spaces = [s for s in spaces if s.visibility in (Space.PUBLIC, Space.MEMBERS)]
    already = existing_count()
    # Start after the highest number used so far, even if some synthetic members were deleted.
    last = (
        User.objects.filter(username__startswith=PREFIX)
        .order_by("-username")
        .values_list("username", flat=True)
        .first()
    )
    start = int(last[len(PREFIX) :]) if last and last[len(PREFIX) :].isdigit() else already
    password_hash = make_password(PASSWORD)
    now = timezone.now()
    interest_through = User.interests.through
    space_counts = dict.fromkeys((s.pk for s in spaces), 0)

    with _progress(count, progress) as bar:
        done = 0
        while done < count:
            size = min(batch_size, count - done)
            with transaction.atomic():
                users = []
                for i in range(start + done + 1, start + done + size + 1):
                    place, tz = PLACES[i % len(PLACES)]
                    users.append(
                        User(
                            username=f"{PREFIX}{i:07d}",
                            email=f"{PREFIX}{i:07d}@scale.example.org",
                            password=password_hash,
                            display_name=f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i // 7) % len(LAST_NAMES)]}",
                            location=place,
                            time_zone=tz,
                            bio="Synthetic member for load testing.",
                            date_joined=now,
                        )
                    )
                users = User.objects.bulk_create(users, batch_size=1000)
                EmailAddress.objects.bulk_create(
                    [EmailAddress(user_id=u.pk, email=u.email, primary=True, verified=True) for u in users],
                    batch_size=1000,
                )
                memberships = []
                picks = []
                group_rows = []
                space_rows = []
                for u in users:
                    joined = now - timedelta(minutes=rng.randrange(0, 525_600))
                    memberships.append(
                        Membership(
                            user_id=u.pk,
                            role=Membership.MEMBER,
                            state=Membership.ACTIVE,
                            joined_at=joined,
                            coc_accepted_at=joined,
                            profile_completed_at=joined,
                            spaces_chosen_at=joined,
                            introduced_at=joined,
                        )
                    )
                    for interest in rng.sample(interests, 2):
                        picks.append(interest_through(user_id=u.pk, interest_id=interest.pk))
                    if rng.random() < 0.2:
                        group_rows.append(GroupMember(group_id=rng.choice(groups).pk, user_id=u.pk))
                    space = rng.choice(open_spaces)
                    space_counts[space.pk] += 1
                    space_rows.append(SpaceMembership(space_id=space.pk, user_id=u.pk))
                memberships = Membership.objects.bulk_create(memberships, batch_size=1000)
                activities = [
                    Activity(
                        actor_id=m.user_id,
                        verb="community.joined",
                        target_type="community.membership",
                        target_id=m.pk,
                        data={"via": "seed"},
                    )
                    for m in memberships
                ]
                interest_through.objects.bulk_create(picks, batch_size=2000)
                GroupMember.objects.bulk_create(group_rows, batch_size=2000)
                SpaceMembership.objects.bulk_create(space_rows, batch_size=2000)
                Activity.objects.bulk_create(activities, batch_size=2000)
            done += size
            bar.advance(size)

    with transaction.atomic():
        for space in spaces:
            if space_counts[space.pk]:
                Space.objects.filter(pk=space.pk).update(
                    member_count=SpaceMembership.objects.filter(
                        space=space, state=SpaceMembership.ACTIVE
                    ).count()
                )
    return SeedResult(
        added=count,
        total=already + count,
        seconds=time.perf_counter() - started,
        appended_after=already,
    )
