"""A large synthetic community for benchmarks: `townhall seed --members N`.

Written through the bulk layers (accounts, community and spaces `bulk.py`), so the members are what
the product's own writes make: verified email addresses, active onboarded memberships, groups and
space memberships with the space's member_count kept, and the Activity rows joining writes. Fast
because each batch of members is a handful of multi-row INSERTs in one transaction and the shared
password is hashed once. Members are named `scale_0000001`, `scale_0000002`, …; running it again
appends after the last one (and says so) instead of failing on duplicates.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from townhall.accounts.bulk import NewPerson, bulk_create_people
from townhall.accounts.models import Interest, User
from townhall.community.bulk import (
    NewGroup,
    NewGroupMember,
    NewMembership,
    bulk_add_group_members,
    bulk_add_members,
    bulk_create_groups,
)
from townhall.community.models import Community, Group
from townhall.seed.demo import FEATURED_INTERESTS
from townhall.spaces.bulk import NewSpace, NewSpaceMember, bulk_add_space_members, bulk_create_spaces
from townhall.spaces.models import Space

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
    have = set(
        Group.objects.filter(slug__in=[slugify(n) for n in GROUP_NAMES]).values_list("slug", flat=True)
    )
    bulk_create_groups([NewGroup(name) for name in GROUP_NAMES if slugify(name) not in have])
    groups = list(Group.objects.filter(slug__in=[slugify(n) for n in GROUP_NAMES]).order_by("pk"))
    slugs = [slugify(name) for name, _ in SPACE_SPECS]
    have = set(Space.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    bulk_create_spaces(
        [
            NewSpace(name, visibility=visibility)
            for name, visibility in SPACE_SPECS
            if slugify(name) not in have
        ]
    )
    spaces = sorted(Space.objects.filter(slug__in=slugs), key=lambda space: slugs.index(space.slug))
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
    now = timezone.now()
    password = make_password(PASSWORD)
    interest_ids = [i.pk for i in interests]
    group_ids = [g.pk for g in groups]

    with _progress(count, progress) as bar:
        done = 0
        while done < count:
            size = min(batch_size, count - done)
            numbers = range(start + done + 1, start + done + size + 1)
            joined = [now - timedelta(minutes=rng.randrange(0, 525_600)) for _ in numbers]
            with transaction.atomic():
                user_ids = bulk_create_people(
                    (
                        NewPerson(
                            f"{PREFIX}{i:07d}",
                            f"{PREFIX}{i:07d}@scale.example.org",
                            display_name=f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i // 7) % len(LAST_NAMES)]}",
                            joined_at=at,
                            password_hash=password,
                            bio="Synthetic member for load testing.",
                            location=PLACES[i % len(PLACES)][0],
                            time_zone=PLACES[i % len(PLACES)][1],
                            interest_ids=rng.sample(interest_ids, 2),
                        )
                        for i, at in zip(numbers, joined, strict=True)
                    ),
                    batch_size=size,
                )
                bulk_add_members(
                    [
                        NewMembership(pk, joined_at=at, onboarded=True)
                        for pk, at in zip(user_ids, joined, strict=True)
                    ],
                    via="seed",
                    batch_size=size,
                )
                in_groups = []
                in_spaces = []
                for pk, at in zip(user_ids, joined, strict=True):
                    if rng.random() < 0.2:
                        in_groups.append(NewGroupMember(rng.choice(group_ids), pk, added_at=at))
                    in_spaces.append(NewSpaceMember(rng.choice(open_spaces).pk, pk, at=at))
                bulk_add_group_members(in_groups, batch_size=size)
                bulk_add_space_members(in_spaces, via="seed", batch_size=size)
            done += size
            bar.advance(size)

    return SeedResult(
        added=count,
        total=already + count,
        seconds=time.perf_counter() - started,
        appended_after=already,
    )
