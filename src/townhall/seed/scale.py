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
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from townhall.accounts.models import Interest, User
from townhall.activity.models import Activity
from townhall.community.models import Community, Group, GroupMember, Membership
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


class _Inserter:
    """INSERT many rows of one model with `executemany`, skipping the ORM's per-object SQL compilation.

    Columns come from the model's fields, so fields added later get their defaults; values given per
    row are plain ints, strings or datetimes, everything else is prepared once.
    """

    def __init__(
        self, model: type[models.Model], varying: list[str], constants: dict[str, Any], now: Any
    ) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.varying = varying
        self.slots: list[tuple[str, Any]] = []  # ("row", index) | ("datetime", index) | ("const", value)
        for field in fields:
            if field.attname in varying:
                kind = "datetime" if isinstance(field, models.DateTimeField) else "row"
                self.slots.append((kind, varying.index(field.attname)))
                continue
            if field.attname in constants:
                value = constants[field.attname]
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            else:
                value = field.get_default()
            self.slots.append(("const", field.get_db_prep_save(value, connection)))
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(f.column)) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        # Only quoted table and column names from the model are interpolated; values are parameters.
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        adapt = connection.ops.adapt_datetimefield_value
        slots = self.slots
        params = [
            tuple(
                value if kind == "const" else (adapt(row[value]) if kind == "datetime" else row[value])
                for kind, value in slots
            )
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, params)


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
    interest_through = User.interests.through
    space_counts = dict.fromkeys((s.pk for s in spaces), 0)
    interest_ids = [i.pk for i in interests]
    group_ids = [g.pk for g in groups]

    users_in = _Inserter(
        User,
        ["username", "email", "display_name", "location", "time_zone"],
        {
            "password": make_password(PASSWORD),
            "bio": "Synthetic member for load testing.",
            "date_joined": now,
        },
        now,
    )
    emails_in = _Inserter(EmailAddress, ["user_id", "email"], {"primary": True, "verified": True}, now)
    memberships_in = _Inserter(
        Membership,
        [
            "user_id",
            "joined_at",
            "coc_accepted_at",
            "profile_completed_at",
            "spaces_chosen_at",
            "introduced_at",
        ],
        {"role": Membership.MEMBER, "state": Membership.ACTIVE},
        now,
    )
    interests_in = _Inserter(interest_through, ["user_id", "interest_id"], {}, now)
    groups_in = _Inserter(GroupMember, ["group_id", "user_id"], {}, now)
    spaces_in = _Inserter(
        SpaceMembership,
        ["space_id", "user_id"],
        {"state": SpaceMembership.ACTIVE, "role": SpaceMembership.MEMBER},
        now,
    )
    activity_in = _Inserter(
        Activity,
        ["actor_id", "target_id"],
        {"verb": "community.joined", "target_type": "community.membership", "data": {"via": "seed"}},
        now,
    )

    with _progress(count, progress) as bar:
        done = 0
        while done < count:
            size = min(batch_size, count - done)
            first, last_n = start + done + 1, start + done + size
            with transaction.atomic():
                users_in.insert(
                    [
                        (
                            f"{PREFIX}{i:07d}",
                            f"{PREFIX}{i:07d}@scale.example.org",
                            f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i // 7) % len(LAST_NAMES)]}",
                            *PLACES[i % len(PLACES)],
                        )
                        for i in range(first, last_n + 1)
                    ]
                )
                users = list(
                    User.objects.filter(
                        username__gte=f"{PREFIX}{first:07d}", username__lte=f"{PREFIX}{last_n:07d}"
                    )
                    .order_by("pk")
                    .values_list("pk", "email")
                )
                emails_in.insert(users)
                memberships = []
                picks = []
                group_rows = []
                space_rows = []
                for user_id, _email in users:
                    joined = now - timedelta(minutes=rng.randrange(0, 525_600))
                    memberships.append((user_id, joined, joined, joined, joined, joined))
                    for interest_id in rng.sample(interest_ids, 2):
                        picks.append((user_id, interest_id))
                    if rng.random() < 0.2:
                        group_rows.append((rng.choice(group_ids), user_id))
                    space = rng.choice(open_spaces)
                    space_counts[space.pk] += 1
                    space_rows.append((space.pk, user_id))
                memberships_in.insert(memberships)
                interests_in.insert(picks)
                if group_rows:
                    groups_in.insert(group_rows)
                spaces_in.insert(space_rows)
                activity_in.insert(
                    list(
                        Membership.objects.filter(user_id__gte=users[0][0], user_id__lte=users[-1][0])
                        .order_by("pk")
                        .values_list("user_id", "pk")
                    )
                )
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
