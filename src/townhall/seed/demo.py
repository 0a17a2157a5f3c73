"""The demo community: "Night Sky Collective", astrophotographers helping each other see further.

`seed_demo()` loads it into an empty database: identity, ~40 members with profiles, interests,
groups, spaces of every visibility with sections and moderators, invitations, two pending
applications, and conversations in the discussion spaces (`demo_discussions`). Everyone signs in with DEMO_PASSWORD; the three demo logins are printed by `townhall demo`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from townhall.accounts.models import Interest, User
from townhall.activity.log import record_activity
from townhall.activity.models import Activity
from townhall.activity.payloads import Via
from townhall.community.events import JoinedData
from townhall.community.models import Community, Group, GroupMember, Invitation, Membership
from townhall.seed.demo_chat import seed_chat
from townhall.seed.demo_conversations import seed_conversations
from townhall.seed.demo_discussions import seed_discussions
from townhall.seed.demo_dms import seed_dms
from townhall.seed.demo_events import seed_events
from townhall.seed.demo_import import seed_import
from townhall.seed.demo_notifications import seed_notifications
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

DEMO_PASSWORD = "clear-skies-2025"
DEMO_LOGINS = [
    ("owner", "owner@example.org"),
    ("moderator", "moderator@example.org"),
    ("member", "member@example.org"),
]

MISSION = """\
Night Sky Collective is a home for people who photograph the night sky, from a first phone shot of
the Moon to a hundred hours of narrowband data. **We help each other see further**: we share what
worked, what failed and why, so that nobody has to learn astrophotography alone.

Our goal for this season: help **100 members finish their first complete image** — captured,
stacked, processed and shared with the story of how it was made.
"""

VALUES = """\
- **Generosity.** Share settings, scripts and failures as freely as successes.
- **Curiosity over gear.** A question matters more than the price of the telescope behind it.
- **Dark skies for everyone.** We care about light pollution and about sharing dark sites kindly.
- **Honest feedback.** Kind, specific and asked for — critique the image, never the person.
"""

CODE_OF_CONDUCT = """\
# Code of conduct

We want Night Sky Collective to be a welcoming place for everyone, whatever their experience,
equipment, background or identity.

## Be kind and assume good faith
Everyone here was a beginner once. Answer the question that was asked, not the one you wish had
been asked. No gatekeeping, no "just buy a better scope".

## Give feedback that helps
Only critique images when feedback is requested (look for the *feedback welcome* note). Be specific:
"the stars in the corners are elongated, check your backfocus" helps; "meh" does not.

## Respect dark sites and people
Never share the exact location of a private observing site without the owner's permission. Red
lights only at star parties.

## Credit and honesty
Say when an image is processed from shared or public data, and credit the data and the tools.

## Not allowed
Harassment, personal attacks, discrimination, spam and unsolicited selling. Moderators may remove
content and suspend or ban accounts; you can appeal to the owner.

Report problems to the moderators at any time — we read every report.
"""

SCREENING_QUESTIONS = [
    "What do you photograph (or want to photograph) in the night sky?",
    "What would you like to learn or share here?",
]

FEATURED_INTERESTS = [
    "Deep-sky",
    "Planetary",
    "Wide-field",
    "Guiding",
    "Processing",
    "Spectroscopy",
    "Solar",
    "Lunar",
    "Eclipse chasing",
    "Narrowband",
    "Astro-landscape",
    "Variable stars",
    "Astrometry",
    "DIY gear",
    "Dark-site travel",
    "Light pollution",
]


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    location: str
    time_zone: str
    bio: str
    interests: tuple[str, ...]
    can_help_with: str = ""
    looking_for: str = ""
    role: str = Membership.MEMBER
    groups: tuple[str, ...] = ()
    email: str = ""


P = Person
# fmt: off
PEOPLE: list[Person] = [
    P("mira", "Mira Okafor", "Berlin, Germany", "Europe/Berlin",
      "Founder of the Collective. Imaging from a balcony in Kreuzberg and, when lucky, from Brandenburg. "
      "I love faint galaxies and helping people finish their first image.",
      ("Deep-sky", "Processing", "Light pollution"), "Getting started, PixInsight basics, planning targets",
      "People to co-host the monthly processing clinic", Membership.OWNER, ("Berlin chapter", "Mentors"),
      "owner@example.org"),
    P("jonas", "Jonas Richter", "Leipzig, Germany", "Europe/Berlin",
      "Moderator. Autoguiding nerd and mount whisperer; ask me about PHD2 graphs.",
      ("Guiding", "Deep-sky", "DIY gear"), "Guiding, mount tuning, polar alignment",
      "A second pair of eyes on my flats", Membership.MODERATOR, ("Berlin chapter", "Mentors"),
      "moderator@example.org"),
    P("lena", "Lena Hoffmann", "Hamburg, Germany", "Europe/Berlin",
      "Six months into the hobby with a small refractor. Currently fighting gradients.",
      ("Wide-field", "Processing"), "", "Help with gradient removal and choosing a filter",
      Membership.MEMBER, ("Cohort 3",), "member@example.org"),
    P("amara", "Amara Nwosu", "Lagos, Nigeria", "Africa/Lagos",
      "Planetary imager chasing Jupiter's moons with a 9.25\" SCT. Lucky imaging all the way.",
      ("Planetary", "Lunar", "Processing"), "Lucky imaging, AutoStakkert, WinJUPOS",
      "Tips for imaging low planets", Membership.ADMIN, ("Mentors",)),
    P("tomas", "Tomás Herrera", "Santiago, Chile", "America/Santiago",
      "Atacama weekends are my happy place. Wide-field Milky Way and the Magellanic Clouds.",
      ("Wide-field", "Dark-site travel", "Astro-landscape"), "Dark-site trips in Chile, star trackers",
      "Someone to share a remote rig", Membership.MODERATOR, ("Southern Hemisphere", "Mentors")),
    P("priya", "Priya Raman", "Bengaluru, India", "Asia/Kolkata",
      "Software engineer by day, spectroscopist by night. Star Analyser and lots of Python.",
      ("Spectroscopy", "Variable stars", "Processing"), "Python for astronomy, spectra reduction",
      "Collaborators for a nova-watch project", Membership.MEMBER, ("Mentors",)),
    P("olivia", "Olivia Grant", "Melbourne, Australia", "Australia/Melbourne",
      "Imaging the southern sky from the Dandenongs. Carina Nebula is my forever target.",
      ("Deep-sky", "Narrowband"), "Narrowband palettes, SHO combination",
      "Advice on a bigger camera", Membership.MEMBER, ("Southern Hemisphere",)),
    P("kenji", "Kenji Watanabe", "Sapporo, Japan", "Asia/Tokyo",
      "Solar imaging with an H-alpha scope, and cold winter nights with galaxies.",
      ("Solar", "Deep-sky"), "Solar safety, H-alpha imaging", "Processing workflow for solar animations"),
    P("sofia", "Sofía Delgado", "Madrid, Spain", "Europe/Madrid",
      "Total eclipse chaser: 2017, 2019, 2024 — and counting down to August 2026 in Spain!",
      ("Eclipse chasing", "Solar", "Wide-field"), "Eclipse planning, weather statistics",
      "Travel buddies for 2026", Membership.MEMBER, ("Cohort 3",)),
    P("noah", "Noah Fischer", "Berlin, Germany", "Europe/Berlin",
      "Started with a DSLR on a tripod, now building an observatory in my allotment garden.",
      ("DIY gear", "Deep-sky"), "3D printing, Raspberry Pi controllers", "Roll-off roof ideas",
      Membership.MEMBER, ("Berlin chapter",)),
    P("hana", "Hana Novak", "Prague, Czechia", "Europe/Prague",
      "Lunar mosaics and the occasional comet. I like maps more than pretty pictures.",
      ("Lunar", "Astrometry"), "Lunar mosaics, Microsoft ICE", "Learning plate solving"),
    P("samuel", "Samuel Mensah", "Accra, Ghana", "Africa/Accra",
      "Teaching astronomy at a secondary school; our club images with a shared Dobsonian.",
      ("Planetary", "Lunar"), "Outreach with students", "Cheap ways to get kids imaging",
      Membership.MEMBER, ("Cohort 3",)),
    P("emma", "Emma Lindqvist", "Kiruna, Sweden", "Europe/Stockholm",
      "Aurora season is my busy season. Wide-field and astro-landscapes above the Arctic circle.",
      ("Astro-landscape", "Wide-field"), "Aurora photography, cold-weather batteries",
      "Better foreground blending"),
    P("lucas", "Lucas Moreau", "Lyon, France", "Europe/Paris",
      "Processing addict. I'll happily reprocess your data and show every step.",
      ("Processing", "Narrowband"), "Siril, GraXpert, star removal", "Feedback on colour balance",
      Membership.MEMBER, ("Mentors",)),
    P("aiyana", "Aiyana Begay", "Flagstaff, USA", "America/Phoenix",
      "Dark Sky City resident, volunteer at the observatory, advocate for quiet skies.",
      ("Light pollution", "Dark-site travel", "Deep-sky"), "Dark-sky advocacy, SQM measurements",
      "Data on light pollution trends"),
    P("rafael", "Rafael Costa", "Porto Alegre, Brazil", "America/Sao_Paulo",
      "Southern galaxies with a 200 mm Newtonian. Collimation is a lifestyle.",
      ("Deep-sky", "Guiding"), "Newtonian collimation", "Coma corrector spacing help",
      Membership.MEMBER, ("Southern Hemisphere",)),
    P("yuki", "Yuki Tanaka", "Osaka, Japan", "Asia/Tokyo",
      "City imager under Bortle 8. Narrowband saved my hobby.",
      ("Narrowband", "Light pollution"), "Imaging from the city", "Remote observatory shares"),
    P("chloe", "Chloé Martin", "Montréal, Canada", "America/Toronto",
      "Variable star observer for the AAVSO, slowly turning photometry into pictures too.",
      ("Variable stars", "Astrometry"), "Photometry, AAVSO submissions", "Someone to pair on light curves"),
    P("david", "David Cohen", "Tel Aviv, Israel", "Asia/Jerusalem",
      "Desert nights in the Negev. Wide-field mosaics of the Milky Way core.",
      ("Wide-field", "Astro-landscape"), "Panorama stitching", "Tips for tracking mounts"),
    P("fatima", "Fatima Zahra", "Marrakesh, Morocco", "Africa/Casablanca",
      "Organising star parties near the Atlas mountains. Everyone welcome!",
      ("Dark-site travel", "Deep-sky"), "Star party logistics", "Speakers for our next event"),
    P("ben", "Ben Carter", "Leeds, UK", "Europe/London",
      "Clouds are my natural enemy. When it's clear I image galaxies; when not, I reprocess.",
      ("Deep-sky", "Processing"), "Making the most of short clear spells", "Better flats",
      Membership.MEMBER, ("Cohort 3",)),
    P("ines", "Inês Duarte", "Lisbon, Portugal", "Europe/Lisbon",
      "Astronomy PhD student. Spectroscopy of Be stars, and teaching undergrads to love the sky.",
      ("Spectroscopy", "Variable stars"), "Spectrograph calibration", "Small-scope spectroscopy projects",
      Membership.MEMBER, ("Mentors",)),
    P("marek", "Marek Kowalski", "Kraków, Poland", "Europe/Warsaw",
      "Comet hunter at heart. Every new comet is an excuse for a trip to the Bieszczady.",
      ("Wide-field", "Astrometry"), "Comet imaging", "Stacking on comet nucleus"),
    P("zoe", "Zoe Papadopoulos", "Athens, Greece", "Europe/Athens",
      "Planetary and lunar from a rooftop. Saturn's rings never get old.",
      ("Planetary", "Lunar"), "ADC use, planetary capture", "Jupiter derotation help"),
    P("liam", "Liam O'Connor", "Galway, Ireland", "Europe/Dublin",
      "Imaging from Mayo's dark sky park. Brand new to processing — be gentle!",
      ("Wide-field", "Deep-sky"), "", "A mentor for the first year", Membership.MEMBER, ("Cohort 3",)),
    P("anika", "Anika Schulz", "Berlin, Germany", "Europe/Berlin",
      "Runs the Berlin chapter meet-ups at the Archenhold observatory.",
      ("Deep-sky", "Light pollution"), "Organising local meet-ups", "Hosts for summer star nights",
      Membership.MEMBER, ("Berlin chapter",)),
    P("kwame", "Kwame Asante", "Nairobi, Kenya", "Africa/Nairobi",
      "Equatorial skies mean both hemispheres. Spoilt for choice!",
      ("Deep-sky", "Wide-field"), "Imaging near the equator", "Cheaper cooled cameras",
      Membership.MEMBER, ("Southern Hemisphere",)),
    P("isabel", "Isabel Ruiz", "Mexico City, Mexico", "America/Mexico_City",
      "Smart telescope convert. Seestar sessions in the park with my kids.",
      ("Deep-sky", "Processing"), "Smart telescopes", "Reprocessing smart-scope data",
      Membership.MEMBER, ("Cohort 3",)),
    P("oskar", "Oskar Nilsson", "Gothenburg, Sweden", "Europe/Stockholm",
      "Electronics tinkerer: dew heaters, focus motors, anything with an Arduino.",
      ("DIY gear", "Guiding"), "Electronics, dew control", "Feedback on my focuser design"),
    P("grace", "Grace Liu", "Vancouver, Canada", "America/Vancouver",
      "Rain city imager. I collect photons on the six clear nights a year.",
      ("Narrowband", "Processing"), "Mono camera workflows", "Remote imaging sites"),
    P("ahmed", "Ahmed Hassan", "Cairo, Egypt", "Africa/Cairo",
      "Solar and lunar observer, and very excited about the 2027 eclipse over Luxor.",
      ("Solar", "Eclipse chasing", "Lunar"), "Eclipse logistics in Egypt", "Solar filter advice"),
    P("nora", "Nora Berg", "Tromsø, Norway", "Europe/Oslo",
      "Aurora guide in winter, galaxy imager in the few dark weeks of spring and autumn.",
      ("Astro-landscape", "Wide-field"), "Aurora forecasting", "Deep-sky in short nights"),
    P("matteo", "Matteo Ricci", "Bologna, Italy", "Europe/Rome",
      "Amateur astrometrist measuring asteroid positions for the Minor Planet Center.",
      ("Astrometry", "Variable stars"), "Astrometry, MPC reports", "Faster plate solving"),
    P("ruth", "Ruth Abebe", "Addis Ababa, Ethiopia", "Africa/Addis_Ababa",
      "High-altitude skies from the Entoto hills. Learning deep-sky with a borrowed mount.",
      ("Deep-sky", "Dark-site travel"), "", "Guiding help", Membership.MEMBER, ("Cohort 3",)),
    P("jack", "Jack Thompson", "Christchurch, New Zealand", "Pacific/Auckland",
      "Aoraki Mackenzie dark sky reserve regular. Southern Milky Way panoramas.",
      ("Astro-landscape", "Wide-field"), "Panoramas, dark-site etiquette", "Star tracker alignment tips",
      Membership.MEMBER, ("Southern Hemisphere",)),
    P("elif", "Elif Y\u0131lmaz", "Izmir, Turkey", "Europe/Istanbul",
      "Lunar and planetary with a 127 mm Mak. Exploring the terminator one crater at a time.",
      ("Lunar", "Planetary"), "Lunar geology", "Better seeing forecasts"),
    P("pablo", "Pablo Fernández", "Granada, Spain", "Europe/Madrid",
      "Remote imaging from a shared observatory in the Sierra Nevada.",
      ("Deep-sky", "Narrowband", "Guiding"), "Remote observatories", "Data-sharing partners",
      Membership.MEMBER, ("Mentors",)),
    P("maya", "Maya Levi", "Haifa, Israel", "Asia/Jerusalem",
      "Just bought my first telescope. I have no idea what I'm doing and I love it.",
      ("Lunar", "Wide-field"), "", "Everything! Where do I start?"),
]

# What members wrote when they joined: shown on their profiles and in home's "Say hello to new members"
# (the most recent joins come last in PEOPLE, and all of them wrote one).
INTRODUCTIONS = {
    "mira": "I started the Collective because I spent my first year of astrophotography alone and "
    "confused. Ask me anything about getting started — and come to the processing clinic!",
    "jonas": "Guiding and mounts are my thing. If your stars are eggs, post your PHD2 graph and tag me.",
    "lena": "Hamburg, a 61 mm refractor and a lot of light pollution. Here to learn processing and to "
    "finish my first proper nebula this season.",
    "lucas": "I reprocess other people's data for fun. Send me your stacks; I'll show every step.",
    "ben": "Leeds. Clouds. Galaxies on the rare clear nights, reprocessing on all the others.",
    "zoe": "Rooftop planetary imager in Athens with a 9.25\" SCT. Saturn is my favourite; ask me about ADCs.",
    "liam": "Brand new to processing, imaging from Mayo's dark sky park. Looking for a mentor and a "
    "little patience!",
    "anika": "I run the Berlin chapter's meet-ups. Come to a star night at the Archenhold observatory!",
    "isabel": "Seestar in the park with my two kids. I'd like to learn to reprocess our smart-scope data.",
    "oskar": "Electronics tinkerer from Gothenburg: dew heaters, focus motors, anything with an Arduino. "
    "Happy to help with DIY gear.",
    "grace": "Mono camera and narrowband under Vancouver's rain clouds. Looking for a remote imaging "
    "share.",
    "ahmed": "Solar and lunar observer in Cairo, already planning for the 2027 eclipse over Luxor. "
    "Ask me about solar filters and safety.",
    "nora": "Aurora guide in Tromsø in winter; galaxies in the short dark weeks of spring and autumn.",
    "matteo": "I measure asteroid positions for the Minor Planet Center. Astrometry and plate solving "
    "questions welcome!",
    "ruth": "Learning deep-sky imaging from the Entoto hills above Addis Ababa with a borrowed mount. "
    "My goal: a finished image of the Orion Nebula.",
    "jack": "Milky Way panoramas from the Aoraki Mackenzie dark sky reserve. Keen to learn deep-sky "
    "processing.",
    "elif": "Lunar and planetary with a 127 mm Maksutov in Izmir, exploring the terminator one crater at "
    "a time.",
    "pablo": "I share a remote observatory in the Sierra Nevada and I'm happy to share narrowband data "
    "with anyone who wants to practise processing.",
    "maya": "Just bought my first telescope and I have no idea what I'm doing — and I love it! Starting "
    "with the Moon.",
}

# Two applications waiting for review (from the weeks the community joined by approval).
APPLICANTS = [
    P("felix", "Felix Wagner", "Munich, Germany", "Europe/Berlin",
      "Long-time visual observer ready to try a camera.", ("Deep-sky", "Lunar"), "", "First steps in imaging"),
    P("tara", "Tara Singh", "Auckland, New Zealand", "Pacific/Auckland",
      "Photographer curious about the night sky.", ("Astro-landscape",), "Landscape photography",
      "Night-sky composition"),
]
# fmt: on
APPLICANT_ANSWERS = [
    [
        "Galaxies in Ursa Major through my 8-inch Dobsonian, now with a camera.",
        "I want to learn guiding and share what visual observing taught me.",
    ],
    [
        "Milky Way over the Waitākere ranges.",
        "Planning shots with the Milky Way core and learning processing.",
    ],
]

GROUPS = [
    ("Berlin chapter", "Members in and around Berlin: monthly meet-ups and Brandenburg dark-site trips."),
    ("Cohort 3", "This season's learning cohort: first complete image by the end of the season."),
    ("Mentors", "Experienced members who volunteer to help newcomers."),
    ("Southern Hemisphere", "Everyone imaging below the equator."),
]

SECTIONS = ["Start here", "Imaging", "Community"]


@dataclass(frozen=True)
class SpaceSpec:
    name: str
    icon: str
    description: str
    visibility: str
    section: str
    posting: str = Space.EVERYONE
    group: str | None = None
    members: str = "all"  # "all", or a group name, or "some"
    moderators: tuple[str, ...] = ()
    cover: str = ""  # a palette key (spaces.models.COVER_COLORS)


SPACES = [
    SpaceSpec(
        "Announcements",
        "📣",
        "News from the organisers: events, clinics and community updates.",
        Space.PUBLIC,
        "Start here",
        posting=Space.MODERATORS,
        moderators=("mira", "jonas"),
        cover="indigo",
    ),
    SpaceSpec(
        "Introductions",
        "👋",
        "Say hello: where you image from, your gear and what you hope to learn.",
        Space.MEMBERS,
        "Start here",
        moderators=("jonas",),
        cover="teal",
    ),
    SpaceSpec(
        "Processing clinic",
        "🛠️",
        "Share raw data or a work in progress and get step-by-step help. Feedback welcome!",
        Space.PUBLIC,
        "Imaging",
        moderators=("lucas",),
        cover="plum",
    ),
    SpaceSpec(
        "Deep-sky imaging",
        "🌌",
        "Galaxies, nebulae and clusters: targets, acquisition and gear.",
        Space.MEMBERS,
        "Imaging",
        moderators=("jonas",),
        cover="violet",
    ),
    SpaceSpec(
        "Planetary & lunar",
        "🪐",
        "Lucky imaging of the planets, the Moon and the Sun.",
        Space.MEMBERS,
        "Imaging",
        moderators=("amara",),
        cover="rust",
    ),
    SpaceSpec(
        "Eclipse 2026 expedition",
        "🌘",
        "Planning the August 2026 total eclipse trip to northern Spain.",
        Space.PRIVATE,
        "Community",
        members="some",
        moderators=("sofia",),
        cover="slate",
    ),
    SpaceSpec(
        "Berlin chapter",
        "🐻",
        "Meet-ups, carpools to dark sites and Berlin light-pollution maps.",
        Space.PRIVATE,
        "Community",
        group="Berlin chapter",
        members="Berlin chapter",
        moderators=("anika",),
        cover="green",
    ),
    SpaceSpec(
        "Mentors' lounge",
        "🧭",
        "Where mentors coordinate who helps whom. Invisible to everyone else.",
        Space.SECRET,
        "Community",
        group="Mentors",
        members="Mentors",
        moderators=("mira",),
        cover="blue",
    ),
]

ECLIPSE_TEAM = ("sofia", "ahmed", "mira", "tomas", "marek", "lena", "david", "emma")


def database_is_empty() -> bool:
    """True before anyone has set the community up (no community row, no accounts)."""
    return not Community.objects.filter(pk=1).exists() and not User.objects.exists()


def demo_logins_exist() -> bool:
    emails = [email for _role, email in DEMO_LOGINS]
    return EmailAddress.objects.filter(email__in=emails, verified=True).count() == len(emails)


def _backdate(activity: Activity, when: object) -> None:
    Activity.objects.filter(pk=activity.pk).update(created_at=when)


@transaction.atomic
def seed_demo() -> dict[str, int]:
    """Load the Night Sky Collective into an empty database; return counts of what was created."""
    now = timezone.now()
    password_hash = make_password(DEMO_PASSWORD)

    community = Community.objects.create(
        pk=1,
        name="Night Sky Collective",
        tagline="Astrophotographers helping each other see further",
        mission=MISSION,
        values=VALUES,
        code_of_conduct=CODE_OF_CONDUCT,
        accent_color="#4c5fd5",
        landing_public=True,
        join_policy=Community.OPEN,
        screening_questions=SCREENING_QUESTIONS,
    )

    interests = {
        name: Interest.objects.create(name=name, slug=slugify(name), featured=True)
        for name in FEATURED_INTERESTS
    }
    groups = {
        name: Group.objects.create(name=name, slug=slugify(name), description=description)
        for name, description in GROUPS
    }

    users: dict[str, User] = {}
    n_people = len(PEOPLE)
    for index, person in enumerate(PEOPLE):
        email = person.email or f"{person.username}@example.org"
        user = User.objects.create(
            username=person.username,
            email=email,
            password=password_hash,
            display_name=person.name,
            bio=person.bio,
            location=person.location,
            time_zone=person.time_zone,
            can_help_with=person.can_help_with,
            looking_for=person.looking_for,
            is_staff=person.role == Membership.OWNER,
            is_superuser=person.role == Membership.OWNER,
            # Most were here in the last days, a few have not been back for weeks (the members admin
            # sorts and shows it).
            last_login=now - timedelta(hours=1 + (index * 37) % (24 * (5 if index % 6 else 30))),
        )
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        user.interests.set([interests[i] for i in person.interests])
        # Founders first, then a steady trickle of newer members over the past year.
        joined = now - timedelta(days=400 - int(index * 390 / n_people), hours=index % 7)
        membership = Membership.objects.create(
            user=user,
            role=person.role,
            state=Membership.ACTIVE,
            joined_at=joined,
            coc_accepted_at=joined,
            profile_completed_at=joined,
            spaces_chosen_at=joined,
            introduced_at=joined + timedelta(hours=2),
            introduction=INTRODUCTIONS.get(person.username, ""),
        )
        _backdate(
            record_activity(user, "community.joined", membership, data=JoinedData("seed", membership.role)),
            joined,
        )
        for group_name in person.groups:
            GroupMember.objects.create(group=groups[group_name], user=user)
        users[person.username] = user

    for person, answers in zip(APPLICANTS, APPLICANT_ANSWERS, strict=True):
        email = f"{person.username}@example.org"
        user = User.objects.create(
            username=person.username,
            email=email,
            password=password_hash,
            display_name=person.name,
            bio=person.bio,
            location=person.location,
            time_zone=person.time_zone,
            can_help_with=person.can_help_with,
            looking_for=person.looking_for,
        )
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        user.interests.set([interests[i] for i in person.interests])
        membership = Membership.objects.create(
            user=user,
            role=Membership.MEMBER,
            state=Membership.PENDING,
            screening_answers=[
                {"question": q, "answer": a} for q, a in zip(SCREENING_QUESTIONS, answers, strict=True)
            ],
        )
        _backdate(record_activity(user, "community.applied", membership), now - timedelta(days=2))

    sections = {name: SidebarSection.objects.create(name=name, position=i) for i, name in enumerate(SECTIONS)}
    member_names = [p.username for p in PEOPLE]
    spaces: dict[str, Space] = {}
    n_space_members = 0
    for position, spec in enumerate(SPACES):
        space = Space.objects.create(
            name=spec.name,
            slug=slugify(spec.name),
            icon=spec.icon,
            description=spec.description,
            visibility=spec.visibility,
            posting=spec.posting,
            group=groups[spec.group] if spec.group else None,
            section=sections[spec.section],
            position=position,
            created_by=users["mira"],
            cover_color=spec.cover,
        )
        if spec.members == "all":
            # Almost everyone follows the public and members spaces; a few have not joined yet.
            names = [n for i, n in enumerate(member_names) if i % 9 != 8 or n in spec.moderators]
        elif spec.members == "some":
            names = list(ECLIPSE_TEAM)
        else:
            names = [p.username for p in PEOPLE if spec.members in p.groups]
        rows = []
        for name in names:
            role = SpaceMembership.MODERATOR if name in spec.moderators else SpaceMembership.MEMBER
            rows.append(
                SpaceMembership(space=space, user=users[name], role=role, state=SpaceMembership.ACTIVE)
            )
        SpaceMembership.objects.bulk_create(rows)
        for row in rows:
            record_activity(row.user, "space.joined", space, space_id=space.pk, data=Via("seed"))
        space.member_count = len(rows)
        space.save(update_fields=["member_count"])
        n_space_members += len(rows)
        spaces[spec.name] = space

    # A request to join the private eclipse space, waiting for its moderator.
    SpaceMembership.objects.create(
        space=spaces["Eclipse 2026 expedition"],
        user=users["kenji"],
        state=SpaceMembership.REQUESTED,
        request_message="I'd love to bring my H-alpha scope for the partial phases!",
    )

    invitations = [
        Invitation(
            token=secrets.token_urlsafe(24),
            created_by=users["mira"],
            expires_at=now + timedelta(days=30),
            max_uses=25,
            uses=3,
            note="Shared at the Archenhold star night",
        ),
        Invitation(
            token=secrets.token_urlsafe(24),
            email="friend.of.lena@example.org",
            created_by=users["lena"],
            expires_at=now + timedelta(days=14),
            max_uses=1,
            note="My friend from the photo club",
        ),
        Invitation(
            token=secrets.token_urlsafe(24),
            email="new.berliner@example.org",
            created_by=users["anika"],
            expires_at=now + timedelta(days=7),
            max_uses=1,
            space=spaces["Berlin chapter"],
            group=groups["Berlin chapter"],
            note="Welcome to the Berlin chapter!",
        ),
        Invitation(
            token=secrets.token_urlsafe(24),
            created_by=users["jonas"],
            expires_at=now - timedelta(days=3),
            max_uses=10,
            uses=10,
            note="Spring workshop (used up)",
        ),
    ]
    Invitation.objects.bulk_create(invitations)
    showcase = seed_discussions(users, spaces)
    everyday = seed_conversations(users, spaces, now)
    chat = seed_chat(users, now)
    dms = seed_dms(users, now)
    events = seed_events(users, spaces, now)
    notifications = seed_notifications(now)

    return {
        "members": len(PEOPLE),
        "applications": len(APPLICANTS),
        "interests": len(interests),
        "groups": len(groups),
        "spaces": len(spaces) + chat["spaces"] + events.pop("spaces"),
        "space memberships": n_space_members + chat["space memberships"] + events.pop("space memberships"),
        "invitations": len(invitations),
        "topics": showcase["topics"] + everyday["topics"] + chat["topics"] + events.pop("topics"),
        "posts": showcase["posts"] + everyday["posts"] + chat["posts"] + events.pop("posts"),
        "chat messages": chat["messages"],
        "chat reactions": chat["message reactions"],
        "chat files": chat["message files"],
        "notifications": notifications,
        **dms,
        **events,
        **seed_import(users, now),
        "community": 1 if community.pk else 0,
    }
