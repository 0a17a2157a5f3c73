"""The demo community's calendar: an "Events" space where members propose events and a moderator approves
them, and the Berlin chapter's own events in its space, all dated relative to now so the demo is
always current.

- The Berlin chapter's weekly "Thursday night star party" at the Archenhold observatory (a series in
  Europe/Berlin, offered to the chapter): ten weeks of past dates with answers and check-ins, the next
  dates with answers, one date called off with its reason; and a sidewalk-astronomy evening the chapter
  had to cancel.
- The monthly online "Astrophotography processing clinic" (first Tuesday, join link, 30 seats, no
  guests, two questions): past months with answers, the next one filling up.
- A "Messier marathon" weekend at the Gülpe dark-sky site next spring, offered to the Berlin chapter
  first (all day, two days).
- The "Perseids meteor watch" last August, with its attendees checked in, a recap topic with photos
  (drawn here), and a photo as its cover.
- A beginners' workshop in person with 12 seats: full, three people on the waitlist.
- Member-hosted events: Priya's spectroscopy session (approved by a moderator), the Southern
  Hemisphere's online star party, and Hana's lunar-mosaic walk-through still waiting for approval.

What is still to come is written through the events actions with each person's Guardian (create_event,
review_event, add_host, set_rsvp, cancel_event; each person answers a handful of times, well under the
rate limits), then dated back over the days before. History the actions refuse (answers for dates that
are over, check-ins, a date called off, the recap) goes through `events.bulk`, with people and times.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFilter

from townhall.accounts.models import User
from townhall.activity.log import record_activity
from townhall.activity.models import Activity
from townhall.activity.payloads import Via
from townhall.community.models import Group, Membership
from townhall.content.uploads import prepare, store
from townhall.core.errors import PermissionDenied
from townhall.discussions.bulk import NewReaction, NewReply, NewTopic, bulk_create_topics
from townhall.discussions.models import Post, Topic
from townhall.discussions.uploads import attach_uploads
from townhall.events import actions
from townhall.events.actions import EventInput
from townhall.events.bulk import NewAttendance, NewRsvp, bulk_attendance, bulk_rsvps, cancel_date, link_recap
from townhall.events.models import Event, Occurrence, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

NAME = "Events"
MODERATORS = ("mira", "jonas")
BERLIN = "Europe/Berlin"
ARCHENHOLD = (
    "Archenhold Observatory",
    "Alt-Treptow 1, 12435 Berlin",
    "https://www.openstreetmap.org/?mlat=52.4858&mlon=13.4753#map=17/52.4858/13.4753",
)
GULPE = (
    "Gülpe, Westhavelland Dark Sky Reserve (the meadow by the lake)",
    "Dorfstraße, 14715 Havelaue",
    "https://www.openstreetmap.org/?mlat=52.7382&mlon=12.2312#map=14/52.7382/12.2312",
)
CLINIC_LINK = "https://meet.jit.si/NightSkyCollective-ProcessingClinic"
CHAPTER_REGULARS = ("anika", "noah", "mira", "jonas")  # the Berlin chapter
GOING, MAYBE, NOT_GOING = Rsvp.GOING, Rsvp.MAYBE, Rsvp.NOT_GOING

STAR_PARTY = """Every Thursday on the lawn behind the Archenhold observatory's great refractor: bring a
scope, binoculars or just your eyes. We point at whatever is up (the Moon, Jupiter, the Orion Nebula
in winter, the Ring Nebula in summer) and help each other with setups.

- **Red lights only**, please: the neighbours' telescopes will thank you.
- Cloudy? We meet anyway in the café for an hour of processing and gear talk.
- Friends and family welcome (up to two guests each)."""

CLINIC = """Bring a stack you are stuck on and we go through it **together**, live: calibration,
background extraction, colour, stretching, star reduction. Each month two or three members share
their screen; everyone else follows along and asks.

Hosts this season: @lucas and @jonas. The join link shows here 15 minutes before the start."""

MARATHON = """The one night of the year when all 110 Messier objects can be seen between dusk and
dawn. We camp at Gülpe from Saturday afternoon, start with M77 and M74 low in the west after
sunset, and finish with M30 in the dawn twilight on Sunday.

Offered to the Berlin chapter first (carpools from Berlin), then open to everyone. Checklists and
a suggested order are in the Berlin chapter space."""

PERSEIDS = """The Perseids peak tonight with up to 100 meteors an hour under a dark sky. We meet at the
Gülpe meadow from 22:00, lie back on mats and count; bring a reclining chair, warm clothes and a
camera on a tripod with your widest lens (f/2.8, ISO 3200, 15 s, and let it run).

Carpools from Berlin and Hamburg: say so in your answer."""

WORKSHOP = """An afternoon for people who have a camera and a sky and want their **first deep-sky
image**. We cover planning a target, focusing, exposure and gain, taking darks and flats, and
stacking in Siril, on the observatory's laptops or on yours.

Twelve seats (the seminar room is small); if it is full, join the waitlist: seats free up every time."""

SPECTRA = """A beginner's session on stellar spectra with a Star Analyser grating in front of an
ordinary camera: where to put it, how to capture Vega and Betelgeuse, and how to turn the stripe
into a spectrum with a few lines of Python. No spectroscopy background needed."""

SOUTHERN = """An online star party for everyone below the equator (and the jealous ones above):
we share live views of the Magellanic Clouds, 47 Tucanae and the Tarantula Nebula from Chile,
Australia, New Zealand and Kenya."""

LUNAR = """How I build lunar mosaics from 40 panels with Microsoft ICE and a little patience:
capture order, overlap, fixing seams, and sharpening the whole disc without halos."""

SIDEWALK = """Telescopes on the pavement by the old airfield's entrance: we show passers-by the Moon and
Saturn. Volunteers with scopes welcome."""

RECAP = """What a night. **19 of us** at the Gülpe meadow, a sky of 21.6 mag/arcsec² after midnight,
and **212 meteors** on the count sheets between 22:30 and 03:30 (the best hour: 58, just before 3).

{photo}

Thank you to everyone who carpooled, and to the fox who inspected our snacks at 2 am. Post your
meteors below! The composite is 41 frames from my 14 mm, aligned on the stars."""


@dataclass
class People:
    """The demo's people by username, each with one Guardian for the whole seeding (its standing is
    read once, not for every answer)."""

    users: dict[str, User]
    guardians: dict[str, Guardian] = field(default_factory=dict)

    def __getitem__(self, username: str) -> User:
        return self.users[username]

    def guardian(self, username: str) -> Guardian:
        if username not in self.guardians:
            self.guardians[username] = Guardian(self.users[username])
        return self.guardians[username]


@dataclass(frozen=True)
class Answer:
    who: str
    state: str
    guests: int = 0
    answers: dict[str, str] | None = None


def seed_events(users: dict[str, User], spaces: dict[str, Space], now: datetime) -> dict[str, int]:
    """Create the Events space and the demo's events with their answers; returns counts."""
    people = People(users)
    calendar = _events_space(users)
    chapter = spaces["Berlin chapter"]
    groups = {group.name: group for group in Group.objects.all()}
    made: list[Event] = []
    made += _star_party(people, chapter, groups["Berlin chapter"], now)
    made += _clinic(people, calendar, now)
    made += _marathon(people, calendar, groups["Berlin chapter"], now)
    made += _perseids(people, calendar, spaces["Deep-sky imaging"], now)
    recaps = [event.recap_topic_id for event in made if event.recap_topic_id]
    made += _workshop(people, calendar, now)
    made += _member_events(people, calendar, groups["Southern Hemisphere"], now)
    return {
        "events": len(made),
        "event dates": Occurrence.objects.filter(event__in=made).count(),
        "rsvps": Rsvp.objects.filter(event__in=made).count(),
        "spaces": 1,
        "space memberships": calendar.member_count,
        "topics": 1,  # the Perseids recap
        "posts": Post.objects.filter(topic__in=Topic.objects.filter(pk__in=recaps)).count(),
    }


# --- the space ---------------------------------------------------------------------------------------
def _events_space(users: dict[str, User]) -> Space:
    space = Space.objects.create(
        name=NAME,
        slug=slugify(NAME),
        icon="📅",
        kind="events",
        kind_settings={"member_events": "approval", "live_chat_space": "night-watch"},
        description="Star parties, clinics, workshops and meetups. Members propose events; a moderator approves them.",
        visibility=Space.PUBLIC,
        section=SidebarSection.objects.filter(name="Community").first(),
        position=Space.objects.count(),
        created_by=users["mira"],
        cover_color="indigo",
    )
    active = set(Membership.objects.filter(state=Membership.ACTIVE).values_list("user_id", flat=True))
    rows = [
        SpaceMembership(
            space=space,
            user=user,
            state=SpaceMembership.ACTIVE,
            role=SpaceMembership.MODERATOR if name in MODERATORS else SpaceMembership.MEMBER,
        )
        for name, user in users.items()
        if user.pk in active
    ]
    SpaceMembership.objects.bulk_create(rows)
    for row in rows:
        record_activity(row.user, "space.joined", space, space_id=space.pk, data=Via("seed"))
    space.member_count = len(rows)
    space.save(update_fields=["member_count"])
    return space


# --- helpers -----------------------------------------------------------------------------------------
def _local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def _on(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _weekday_after(day: date, weekday: int) -> date:
    """The first `weekday` (Monday 0) on or after `day`."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _create(users: People, who: str, space: Space, created: datetime, **fields: Any) -> Event:
    """create_event as `who`, then dated back to `created` (with its Activity row)."""
    event = actions.create_event(users.guardian(who), space, data=EventInput(**fields))
    Event.objects.filter(pk=event.pk).update(created_at=created, updated_at=created)
    Activity.objects.filter(target_type="events.event", target_id=event.pk).update(created_at=created)
    return event


def _dates(event: Event) -> list[Occurrence]:
    return list(
        Occurrence.objects.filter(event=event).select_related("event", "event__space").order_by("starts_at")
    )


def _answer(
    users: People, occurrence: Occurrence, answers: Sequence[Answer], *, first: datetime, last: datetime
) -> int:
    """Answers for a date still to come, through set_rsvp, then dated back between `first` and `last`
    in the order given (so the waitlist keeps the order people asked in). Someone the rule refuses (an
    RSVP deadline already passed at this hour, a group-first event) simply does not answer."""
    step = (last - first) / max(1, len(answers))
    when: dict[int, datetime] = {}  # user id -> when they answered
    for n, answer in enumerate(answers):
        try:
            actions.set_rsvp(
                users.guardian(answer.who),
                occurrence,
                state=answer.state,
                guests=answer.guests,
                answers=answer.answers,
            )
        except PermissionDenied:
            continue
        when[users[answer.who].pk] = first + step * n
    rsvps = list(Rsvp.objects.filter(occurrence=occurrence, user_id__in=when))
    for rsvp in rsvps:
        rsvp.created_at = rsvp.updated_at = when[rsvp.user_id]
        rsvp.waitlisted_at = when[rsvp.user_id] if rsvp.waitlisted_at else None
    Rsvp.objects.bulk_update(rsvps, ["created_at", "updated_at", "waitlisted_at"])
    logged = list(
        Activity.objects.filter(
            verb="event.rsvp", target_type="events.occurrence", target_id=occurrence.pk, actor_id__in=when
        )
    )
    for row in logged:
        row.created_at = when[row.actor_id]  # type: ignore[index]
    Activity.objects.bulk_update(logged, ["created_at"])
    return len(rsvps)


def _history(
    users: People,
    occurrence: Occurrence,
    answers: Sequence[Answer],
    *,
    days_before: float = 4,
    checked_in: Sequence[str] = (),
    by: str | None = None,
) -> None:
    """Answers and check-ins for a date that is over, through the bulk layer."""
    start = occurrence.starts_at
    step = timedelta(days=days_before) / max(1, len(answers))
    bulk_rsvps(
        occurrence,
        [
            NewRsvp(
                users[a.who].pk,
                a.state,
                start - timedelta(days=days_before) + step * n,
                a.guests,
                a.answers or {},
            )
            for n, a in enumerate(answers)
        ],
    )
    if checked_in:
        host = users[by].pk if by else None
        bulk_attendance(
            occurrence,
            [
                NewAttendance(users[who].pk, start + timedelta(minutes=4 + 7 * n), host)
                for n, who in enumerate(checked_in)
            ],
        )


# --- the Berlin chapter ------------------------------------------------------------------------------
def _star_party(users: People, chapter: Space, group: Group, now: datetime) -> list[Event]:
    today = _local_today(now, BERLIN)
    first = _weekday_after(today - timedelta(days=70), 3)  # a Thursday ten weeks ago
    venue, address, map_url = ARCHENHOLD
    event = _create(
        users,
        "anika",
        chapter,
        now - timedelta(days=80),
        title="Thursday night star party",
        starts_local=_on(first, 20),
        ends_local=_on(first, 23),
        time_zone=BERLIN,
        rrule="FREQ=WEEKLY;BYDAY=TH",
        description=STAR_PARTY,
        location_kind=Event.IN_PERSON,
        venue=f"{venue}, the lawn behind the great refractor",
        address=address,
        map_url=map_url,
        guests_allowed=2,
        group_id=group.pk,
    )
    actions.add_host(users.guardian("anika"), event, user=users["noah"])
    dates = _dates(event)
    past = [d for d in dates if d.ends_at <= now]
    # Who came which week (a small chapter: the regulars, friends, and cloudy weeks).
    weeks = [
        ([Answer("anika", GOING), Answer("noah", GOING, 1), Answer("mira", MAYBE)], ["anika", "noah"]),
        ([Answer("anika", GOING), Answer("mira", GOING, 2), Answer("jonas", NOT_GOING)], ["anika", "mira"]),
        (
            [Answer("anika", GOING), Answer("noah", GOING), Answer("jonas", GOING, 1), Answer("mira", GOING)],
            ["anika", "noah", "jonas", "mira"],
        ),
        ([Answer("anika", GOING), Answer("noah", MAYBE)], ["anika"]),
        ([Answer("anika", GOING, 1), Answer("noah", GOING), Answer("mira", GOING)], ["anika", "noah"]),
    ]
    for n, occurrence in enumerate(past):
        answers, came = weeks[n % len(weeks)]
        _history(users, occurrence, answers, days_before=3, checked_in=came, by="anika")
    upcoming = [d for d in dates if d.ends_at > now][:3]
    if upcoming:
        _answer(
            users,
            upcoming[0],
            [Answer("anika", GOING), Answer("noah", GOING, 1), Answer("mira", GOING), Answer("jonas", MAYBE)],
            first=now - timedelta(days=2),
            last=now - timedelta(hours=2),
        )
    if len(upcoming) > 1:
        cancel_date(
            upcoming[1],
            by_id=users["anika"].pk,
            at=now - timedelta(days=1),
            reason="The observatory grounds are closed that evening for a private event. "
            "See you the week after!",
        )
    if len(upcoming) > 2:
        _answer(
            users,
            upcoming[2],
            [Answer("anika", GOING), Answer("noah", MAYBE)],
            first=now - timedelta(hours=20),
            last=now - timedelta(hours=1),
        )

    sidewalk_day = _weekday_after(today + timedelta(days=16), 5)
    sidewalk = _create(
        users,
        "anika",
        chapter,
        now - timedelta(days=12),
        title="Sidewalk astronomy at Tempelhofer Feld",
        starts_local=_on(sidewalk_day, 18),
        ends_local=_on(sidewalk_day, 21),
        time_zone=BERLIN,
        description=SIDEWALK,
        location_kind=Event.IN_PERSON,
        venue="Tempelhofer Feld, Columbiadamm entrance",
        address="Columbiadamm, 10965 Berlin",
        group_id=group.pk,
    )
    _answer(
        users,
        _dates(sidewalk)[0],
        [Answer("noah", GOING), Answer("mira", GOING), Answer("jonas", MAYBE)],
        first=now - timedelta(days=10),
        last=now - timedelta(days=6),
    )
    actions.cancel_event(
        users.guardian("anika"),
        sidewalk,
        reason="The park office withdrew our permit for that weekend (a festival is setting up). We'll try again in spring.",
    )
    return [event, sidewalk]


# --- the Events space --------------------------------------------------------------------------------
CLINIC_QUESTIONS = [
    {"text": "What are you stuck on? (the target, the step or the tool)", "required": True},
    {"text": "A link to your stack or a screenshot (optional)", "required": False},
]
STUCK = [
    "Gradients from city lights in my M31 stack",
    "Green cast after colour calibration",
    "Stars bloat when I stretch",
    "Combining Ha with RGB",
    "Banding in short exposures",
    "Flats over-correct the corners",
    "Noise reduction without plastic look",
    "Star removal artefacts",
    "Where to start with GraXpert",
    "Comet stacking on the nucleus",
    "Walking noise in my subs",
    "Deconvolution makes rings around stars",
]
CLINIC_CROWD = (
    "lena",
    "ben",
    "liam",
    "isabel",
    "ruth",
    "samuel",
    "sofia",
    "maya",
    "hana",
    "yuki",
    "grace",
    "olivia",
    "rafael",
    "kwame",
    "elif",
    "oskar",
    "priya",
    "zoe",
    "emma",
    "david",
    "marek",
    "aiyana",
    "chloe",
    "nora",
)


def _clinic_answers(month: int, size: int) -> list[Answer]:
    """A month's answers: most going with what they are stuck on, a few maybe, a couple not going."""
    rng = random.Random(month)
    crowd = rng.sample(CLINIC_CROWD, size)
    answers = []
    for n, who in enumerate(crowd):
        if n % 9 == 7:
            answers.append(Answer(who, NOT_GOING))
        elif n % 5 == 4:
            answers.append(Answer(who, MAYBE, answers={"q1": rng.choice(STUCK)}))
        else:
            extra = {"q2": f"https://example.org/stacks/{who}-{month}.fits"} if n % 3 == 0 else {}
            answers.append(Answer(who, GOING, answers={"q1": rng.choice(STUCK), **extra}))
    return answers


def _clinic(users: People, calendar: Space, now: datetime) -> list[Event]:
    today = _local_today(now, BERLIN)
    month = (today.replace(day=1) - timedelta(days=95)).replace(day=1)
    first = _weekday_after(month, 1)  # the first Tuesday, four months ago
    event = _create(
        users,
        "jonas",
        calendar,
        now - timedelta(days=130),
        title="Astrophotography processing clinic",
        starts_local=_on(first, 19, 30),
        ends_local=_on(first, 21),
        time_zone=BERLIN,
        rrule="FREQ=MONTHLY;BYDAY=1TU",
        description=CLINIC,
        location_kind=Event.ONLINE,
        online_url=CLINIC_LINK,
        capacity=30,
        guests_allowed=0,
        rsvp_deadline_minutes=60,
        questions=CLINIC_QUESTIONS,
    )
    actions.add_host(users.guardian("jonas"), event, user=users["lucas"])
    dates = _dates(event)
    for n, occurrence in enumerate(d for d in dates if d.ends_at <= now):
        _history(
            users,
            occurrence,
            [
                Answer("lucas", GOING, answers={"q1": "Hosting"}),
                *_clinic_answers(n, min(len(CLINIC_CROWD), 14 + 3 * n)),
            ],
        )
    upcoming = [d for d in dates if d.ends_at > now]
    if upcoming:
        _answer(
            users,
            upcoming[0],
            [Answer("lucas", GOING, answers={"q1": "Hosting"}), *_clinic_answers(99, 22)],
            first=now - timedelta(days=6),
            last=now - timedelta(minutes=30),
        )
    return [event]


def _marathon(users: People, calendar: Space, group: Group, now: datetime) -> list[Event]:
    today = _local_today(now, BERLIN)
    year = today.year if today < date(today.year, 3, 10) else today.year + 1
    saturday = _weekday_after(date(year, 3, 25), 5)  # the last Saturday of March
    venue, address, map_url = GULPE
    zone = ZoneInfo(BERLIN)
    offered_until = (
        (now + timedelta(days=10)).astimezone(zone).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    )
    event = _create(
        users,
        "jonas",
        calendar,
        now - timedelta(days=9),
        title="Messier marathon at Gülpe",
        starts_local=_on(saturday, 0),
        ends_local=_on(saturday + timedelta(days=1), 0),
        time_zone=BERLIN,
        all_day=True,
        description=MARATHON,
        location_kind=Event.IN_PERSON,
        venue=venue,
        address=address,
        map_url=map_url,
        capacity=25,
        guests_allowed=1,
        questions=[{"text": "Do you need a seat in a car from Berlin?", "required": False}],
        group_id=group.pk,
        group_only_until_local=offered_until,
    )
    _answer(
        users,
        _dates(event)[0],
        [
            Answer("jonas", GOING),
            Answer("mira", GOING, answers={"q1": "No, I'm driving: 3 seats free"}),
            Answer("noah", GOING, 1, {"q1": "Yes, for two of us"}),
            Answer("anika", MAYBE),
            Answer("lena", GOING),  # not in the chapter: refused until the event opens to everyone
        ],
        first=now - timedelta(days=8),
        last=now - timedelta(days=1),
    )
    return [event]


def _last_perseids(now: datetime) -> date:
    today = _local_today(now, BERLIN)
    peak = date(today.year, 8, 12)
    return peak if peak < today - timedelta(days=2) else date(today.year - 1, 8, 12)


def _perseids(users: People, calendar: Space, recap_space: Space, now: datetime) -> list[Event]:
    night = _last_perseids(now)
    venue, address, map_url = GULPE
    event = _create(
        users,
        "mira",
        calendar,
        datetime.combine(night - timedelta(days=24), time(10), ZoneInfo(BERLIN)),
        title="Perseids meteor watch",
        starts_local=_on(night, 22),
        ends_local=_on(night + timedelta(days=1), 3, 30),
        time_zone=BERLIN,
        description=PERSEIDS,
        location_kind=Event.IN_PERSON,
        venue=venue,
        address=address,
        map_url=map_url,
        guests_allowed=2,
        questions=["Carpool: do you have seats, or need one?"],
    )
    actions.add_host(users.guardian("mira"), event, user=users["jonas"])
    occurrence = _dates(event)[0]
    answers = [
        Answer("mira", GOING, 1, {"q1": "Driving from Berlin, 2 seats"}),
        Answer("jonas", GOING, 0, {"q1": "Driving from Leipzig"}),
        Answer("anika", GOING, 2),
        Answer("noah", GOING, 1, {"q1": "Need one"}),
        Answer("lena", GOING, 0, {"q1": "Train to Rathenow, then a lift?"}),
        Answer("hana", GOING, 1, {"q1": "Driving from Prague with a friend"}),
        Answer("marek", GOING),
        Answer("oskar", GOING),
        Answer("lucas", MAYBE),
        Answer("ben", NOT_GOING),
        Answer("sofia", MAYBE),
        Answer("emma", NOT_GOING),
        Answer("liam", GOING),
        Answer("matteo", GOING),
        Answer("elif", MAYBE),
    ]
    _history(
        users,
        occurrence,
        answers,
        days_before=14,
        checked_in=["mira", "jonas", "anika", "noah", "lena", "hana", "marek", "liam"],
        by="jonas",
    )
    # Oskar and Matteo said they would come and did not (no-shows stay going, not checked in).
    ended = occurrence.ends_at
    composite = prepare(io.BytesIO(meteors_jpeg(1)), "perseids-composite.jpg")
    photo = store(users["mira"].pk, recap_space, composite, at=ended + timedelta(hours=9))
    cover = store(users["mira"].pk, calendar, composite, at=ended + timedelta(hours=9))
    fireball = prepare(io.BytesIO(meteors_jpeg(5, streaks=3)), "fireball-0247.jpg")
    second = store(users["hana"].pk, recap_space, fireball, at=ended + timedelta(hours=13))
    (written,) = bulk_create_topics(
        [
            NewTopic(
                space_id=recap_space.pk,
                author_id=users["mira"].pk,
                title="Perseids at Gülpe: recap and photos",
                body=RECAP.format(photo=photo.markdown),
                created_at=ended + timedelta(hours=9),
                tags="perseids, meteors, star party",
                reactions=[
                    NewReaction(users[w].pk, e)
                    for w, e in (("jonas", "🎉"), ("lena", "❤️"), ("hana", "🎉"), ("noah", "👍"))
                ],
                replies=[
                    NewReply(
                        users["hana"].pk,
                        f"The fireball at 02:47, from the Prague car's camera:\n\n{second.markdown}",
                        ended + timedelta(hours=13),
                    ),
                    NewReply(
                        users["lena"].pk,
                        "My first meteor shower away from the city. I counted 41 before I fell asleep on the mat 😅",
                        ended + timedelta(hours=15),
                    ),
                    NewReply(
                        users["noah"].pk,
                        "Thanks for the lift, Mira! Same time next year?",
                        ended + timedelta(hours=20),
                        reply_to=1,
                    ),
                ],
            )
        ]
    )
    for post in Post.objects.filter(pk__in=written.post_ids):
        attach_uploads(post, uploader_id=post.author_id, space_id=recap_space.pk)
    link_recap(event, topic=Topic.objects.get(pk=written.topic_id), cover=cover)
    return [event]


def _workshop(users: People, calendar: Space, now: datetime) -> list[Event]:
    day = _weekday_after(_local_today(now, BERLIN) + timedelta(days=11), 5)
    venue, address, map_url = ARCHENHOLD
    event = _create(
        users,
        "mira",
        calendar,
        now - timedelta(days=15),
        title="Beginners' workshop: your first deep-sky image",
        starts_local=_on(day, 14),
        ends_local=_on(day, 17, 30),
        time_zone=BERLIN,
        description=WORKSHOP,
        location_kind=Event.IN_PERSON,
        venue=f"{venue}, seminar room",
        address=address,
        map_url=map_url,
        capacity=12,
        guests_allowed=1,
        rsvp_deadline_minutes=24 * 60,
        questions=[{"text": "What camera and lens (or telescope) will you bring?", "required": True}],
    )
    gear = {"q1": "A DSLR and a kit lens"}
    _answer(
        users,
        _dates(event)[0],
        [
            Answer("lena", GOING, answers={"q1": "61 mm refractor, ASI533MC"}),
            Answer("noah", GOING, answers={"q1": "80 mm refractor, Canon 600D"}),
            Answer("ben", GOING, answers={"q1": "Nikon D750, 200 mm lens, star tracker"}),
            Answer("hana", GOING, 1, {"q1": "Canon R6 and a 135 mm; my partner comes too"}),
            Answer("oskar", GOING, answers=gear),
            Answer("marek", GOING, answers={"q1": "Sony A7III on a Star Adventurer"}),
            Answer("lucas", MAYBE, answers={"q1": "I can help at the laptops"}),
            Answer("sofia", GOING, answers=gear),
            Answer("zoe", GOING, answers={"q1": '9.25" SCT (planetary, but curious)'}),
            Answer("anika", GOING, 1, {"q1": "Helping out, with my son"}),
            Answer("maya", NOT_GOING),
            Answer("liam", GOING, answers={"q1": "Canon 2000D and a 50 mm"}),
            Answer("emma", GOING, answers={"q1": "14 mm and a tracker"}),
            Answer("matteo", GOING, answers=gear),
            Answer("isabel", GOING, answers={"q1": "A Seestar S50"}),
            Answer("elif", MAYBE, answers={"q1": "127 mm Mak"}),
        ],
        first=now - timedelta(days=14),
        last=now - timedelta(hours=3),
    )
    return [event]


def _member_events(users: People, calendar: Space, southern: Group, now: datetime) -> list[Event]:
    """Events members proposed: one approved by a moderator, one hosted by a moderator for the Southern
    Hemisphere group, and one still waiting for approval."""
    day = _local_today(now, "Asia/Kolkata") + timedelta(days=9)
    spectra = _create(
        users,
        "priya",
        calendar,
        now - timedelta(days=5),
        title="Your first stellar spectrum: a Star Analyser session",
        starts_local=_on(day, 20),
        ends_local=_on(day, 21, 30),
        time_zone="Asia/Kolkata",
        description=SPECTRA,
        location_kind=Event.ONLINE,
        online_url="https://meet.jit.si/NightSkyCollective-Spectra",
        capacity=40,
    )
    actions.review_event(users.guardian("jonas"), spectra, approve=True, note="Lovely idea, thank you Priya!")
    Event.objects.filter(pk=spectra.pk).update(reviewed_at=now - timedelta(days=4))
    Activity.objects.filter(target_type="events.event", target_id=spectra.pk, verb="event.approved").update(
        created_at=now - timedelta(days=4)
    )
    _answer(
        users,
        _dates(spectra)[0],
        [
            Answer("ines", GOING),
            Answer("chloe", GOING),
            Answer("matteo", GOING),
            Answer("samuel", GOING),
            Answer("maya", GOING),
            Answer("amara", MAYBE),
            Answer("kenji", NOT_GOING),
        ],
        first=now - timedelta(days=4),
        last=now - timedelta(hours=5),
    )

    day = _local_today(now, "America/Santiago") + timedelta(days=13)
    southern_party = _create(
        users,
        "tomas",
        calendar,
        now - timedelta(days=7),
        title="Southern sky online star party: the Magellanic Clouds",
        starts_local=_on(day, 22),
        ends_local=_on(day, 23, 30),
        time_zone="America/Santiago",
        description=SOUTHERN,
        location_kind=Event.ONLINE,
        online_url="https://meet.jit.si/NightSkyCollective-South",
        group_id=southern.pk,
    )
    _answer(
        users,
        _dates(southern_party)[0],
        [
            Answer("tomas", GOING),
            Answer("olivia", GOING),
            Answer("rafael", GOING),
            Answer("jack", GOING),
            Answer("kwame", MAYBE),
            Answer("mira", GOING),
            Answer("aiyana", MAYBE),
        ],
        first=now - timedelta(days=6),
        last=now - timedelta(days=1),
    )

    day = _local_today(now, "Europe/Prague") + timedelta(days=20)
    lunar = _create(
        users,
        "hana",
        calendar,
        now - timedelta(hours=30),
        title="Lunar mosaics with Microsoft ICE: a walk-through",
        starts_local=_on(day, 19),
        ends_local=_on(day, 20, 30),
        time_zone="Europe/Prague",
        description=LUNAR,
        location_kind=Event.ONLINE,
        online_url="https://meet.jit.si/NightSkyCollective-Lunar",
        capacity=25,
    )
    return [spectra, southern_party, lunar]


# --- pictures ----------------------------------------------------------------------------------------
def meteors_jpeg(seed: int, *, streaks: int = 9) -> bytes:
    """A meteor composite over a treeline: streaks radiating from Perseus, stars, the Milky Way's glow."""
    rng = random.Random(seed)
    size = (640, 420)
    sky = Image.new("RGB", size, (5, 8, 22))
    draw = ImageDraw.Draw(sky)
    for _ in range(320):
        x, y, light = rng.randrange(size[0]), rng.randrange(size[1]), rng.randrange(120, 256)
        draw.point((x, y), fill=(light, light, min(255, light + 20)))
    band = Image.new("RGB", size, (0, 0, 0))
    ImageDraw.Draw(band).polygon([(120, 0), (260, 0), (520, 420), (330, 420)], fill=(70, 66, 90))
    sky = Image.blend(sky, band.filter(ImageFilter.GaussianBlur(40)), 0.35)
    draw = ImageDraw.Draw(sky)
    radiant = (560, 40)
    for _ in range(streaks):
        angle_x, angle_y = rng.uniform(-1, -0.2), rng.uniform(0.2, 1)
        start = rng.uniform(60, 200)
        length = rng.uniform(60, 170)
        x0, y0 = radiant[0] + angle_x * start, radiant[1] + angle_y * start
        x1, y1 = x0 + angle_x * length, y0 + angle_y * length
        draw.line([(x0, y0), (x1, y1)], fill=(210, 235, 255), width=2)
        draw.line([(x1 - angle_x * 12, y1 - angle_y * 12), (x1, y1)], fill=(150, 255, 180), width=3)
    treeline = [(0, 420), (0, 360)]
    for x in range(0, size[0] + 20, 20):
        treeline.append((x, 350 - rng.randrange(0, 40)))
    treeline.append((size[0], 420))
    draw.polygon(treeline, fill=(3, 4, 6))
    out = io.BytesIO()
    sky.save(out, format="JPEG", quality=85)
    return out.getvalue()
