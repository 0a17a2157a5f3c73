"""The demo's chat space: "Night watch", where members chat while they are out under the sky.

A few evenings and mornings of messages over the last four days, written through the chat bulk layer
(`chat.bulk.bulk_create_messages`: the rows `send_message` writes, with the authors and times given).
Authors are always members of the space. A moderator sets the channel's topic line and pins the star night
reminder and the clinic announcement, through the chat actions. One member who chats late at night
hides their online status (the accounts action behind the settings page), so their dot always reads
offline to others; everyone else shows online or away while they have the demo open.

A few messages grew threads (`chat.bulk.bulk_add_replies`, with authors and times given), and one of
them, the SCT collimation question, was moved to a topic in "Deep-sky imaging" by a moderator through
the promote action, so the channel shows "Moved to topic" in its place.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.text import slugify

from townhall.accounts import actions as account_actions
from townhall.accounts.models import User
from townhall.activity.log import record_activity
from townhall.activity.payloads import Via
from townhall.chat import actions
from townhall.chat.bulk import NewMessage, NewReply, bulk_add_replies, bulk_create_messages
from townhall.chat.models import ChannelRead, Message
from townhall.policy import Guardian
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

NAME = "Night watch"
MODERATORS = ("mira", "jonas")
TOPIC = "Clear-sky alerts, quick questions and first light. Longer threads belong in the forum spaces."
HIDES_PRESENCE = "kenji"  # keeps his online status to himself (Settings → Online status)
PINNED = ("Reminder: the Berlin star night", "Clinic tonight at 19:00 UTC")  # how the pinned messages begin

# (days ago, hour UTC, minute, author, text)
# fmt: off
MESSAGES: list[tuple[int, int, int, str, str]] = [
    (4, 19, 2, "lena", "Clear skies over Hamburg tonight! Anyone else setting up?"),
    (4, 19, 4, "noah", "Yes! Balcony in Berlin, 80mm refractor, going for M31"),
    (4, 19, 5, "noah", "if the neighbours ever switch off that floodlight 😅"),
    (4, 19, 21, "ben", "Cloudy in Leeds, as usual. Enjoy it for me."),
    (4, 19, 40, "oskar", "Gothenburg is clear too. Polar alignment done in one go for once"),
    (4, 20, 12, "lena", "First light with the new guide camera: PHD2 calibrated on the first try"),
    (4, 20, 13, "lena", "Total RMS around **0.6\"** — the old one never got below 1.2"),
    (4, 20, 30, "jonas", "Nice! Post a single sub in the Processing clinic when you've stacked it"),
    (4, 21, 55, "noah", "Dew is winning. Packing up after 40 subs"),
    (4, 22, 3, "oskar", "Dew heater strap, or a hair dryer if you're desperate"),
    (3, 5, 48, "amara", "Morning from Lagos — 3 hours on the Lagoon nebula before the clouds rolled in"),
    (3, 6, 30, "priya", "Lovely! What exposure length did you use?"),
    (3, 6, 41, "amara", "120 s at gain 100, with the L-eXtreme filter"),
    (3, 18, 15, "mira", "Reminder: the Berlin star night at the Archenhold observatory is on Saturday at 20:00.\nBring a red torch!"),
    (3, 18, 20, "anika", "I'll bring the Dobsonian for the visitors 🔭"),
    (3, 20, 5, "emma", "Aurora alert in Kiruna: Kp 5 forecast for tonight"),
    (3, 20, 6, "emma", "Heading out with the 14mm. Will share if it shows up"),
    (3, 21, 44, "emma", "It showed up. Green curtains over the whole northern sky, faint red on top"),
    (3, 21, 50, "nora", "Same here in Tromsø! Best show this season"),
    (3, 22, 2, "lucas", "Jealous. Light pollution in Lyon means my aurora is the pharmacy sign"),
    (2, 7, 30, "tomas", "Southern hemisphere report: the Carina nebula was fantastic from the Atacama last night"),
    (2, 7, 33, "tomas", "Seeing around 0.8\" — the site earns its reputation"),
    (2, 8, 10, "olivia", "Melbourne was clouded out, but I reprocessed my Eta Carinae data from March"),
    (2, 12, 0, "priya", "Has anyone tried the new Siril background extraction?\nIt keeps leaving a gradient in one corner."),
    (2, 12, 14, "ben", "Use more samples near the edge and raise the tolerance a bit"),
    (2, 12, 15, "ben", "Also check that your flats were taken at the same focus position"),
    (2, 12, 40, "priya", "The flats were it. Thank you!"),
    (2, 19, 30, "zoe", "Saturn from Athens tonight. The rings are nearly edge-on, so strange to see"),
    (2, 19, 31, "zoe", "Seeing is mediocre, but the Cassini division shows in the best frames"),
    (2, 20, 2, "matteo", "Bologna is clear too. Trying the ADC for the first time"),
    (2, 21, 15, "matteo", "The ADC makes a real difference. No more blue and red fringes on Saturn"),
    (1, 6, 0, "kenji", "Good morning from Sapporo. -8 °C and perfectly clear"),
    (1, 6, 2, "kenji", "Batteries die fast in this cold — keep spares in an inside pocket"),
    (1, 9, 25, "jonas", "Clinic tonight at 19:00 UTC: stacking comet images on the nucleus. Everyone welcome"),
    (1, 18, 55, "marek", "Comet C/2025 is visible in binoculars from the Bieszczady tonight"),
    (1, 18, 58, "hana", "How bright is it? Worth a drive from Prague?"),
    (1, 19, 3, "marek", "About magnitude 7, with a short tail in a 135 mm lens. Worth it if the sky is dark"),
    (1, 21, 40, "marek", "Tail length doubled in an hour of data. Stacking now"),
    (0, 6, 45, "aiyana", "Flagstaff dark-sky report: Milky Way core setting early now, galaxy season is coming"),
    (0, 8, 12, "grace", "Anyone have a favourite guide for collimating an SCT?"),
    (0, 8, 30, "david", "The star test method with a defocused star near the zenith. I'll post a walkthrough"),
    (0, 8, 31, "david", "Quick version: centre the star, defocus, adjust the secondary until the rings are concentric"),
]
# fmt: on

# Threads: (how the root message begins, [(minutes after the root, author, text, also sent to channel)]).
# Only a reply newer than every channel message goes to the channel too, so the channel stays in order.
# fmt: off
THREADS: list[tuple[str, list[tuple[int, str, str, bool]]]] = [
    ("First light with the new guide camera", [
        (3, "oskar", "Which camera did you go for?", False),
        (6, "lena", "The ASI120MM mini on a 30 mm guide scope. Cheap, and it just works", False),
        (15, "jonas", "Good choice. Try 2 s exposures when the seeing is soft, so PHD2 chases it less", False),
        (40, "noah", "Same setup here. Calibrate near the celestial equator and you only do it once a night", False),
    ]),
    ("Aurora alert in Kiruna", [
        (4, "nora", "Fingers crossed! Kp 5 should reach Tromsø too", False),
        (9, "kenji", "What settings do you start with for aurora?", False),
        (12, "emma", "ISO 1600, f/2.8, 4 to 8 s. Go shorter when it dances, or the curtains blur", False),
        (20, "lena", "Saving this for the night it reaches Hamburg 🤞", False),
    ]),
    ("Comet C/2025 is visible in binoculars", [
        (10, "hana", "Leaving Prague now. Where exactly in the Bieszczady?", False),
        (14, "marek", "Near Wetlina, the car park below Połonina Wetlińska. Dark to the north-west", False),
        (150, "hana", "Made it! The tail shows clearly in 10x50s. Thank you for the tip", False),
    ]),
    ("Anyone have a favourite guide for collimating an SCT?", [
        (22, "anika", "Let the scope cool down for an hour first, or the rings never settle", False),
        (25, "ben", "And check focus with a Bahtinov mask afterwards, collimation shifts it a little", True),
    ]),
]
# fmt: on
PROMOTED = "Anyone have a favourite guide for collimating an SCT?"  # moved to a topic by a moderator
PROMOTED_TO = "Deep-sky imaging"
PROMOTED_TITLE = "Collimating an SCT: the star test, step by step"


def seed_threads(users: dict[str, User], messages: list[Message]) -> tuple[int, int]:
    """Replies in a few threads, then one thread moved to a discussion topic; returns the replies and
    the topic's posts."""
    count = 0
    for start, replies in THREADS:
        root = next(m for m in messages if m.body.startswith(start))
        new = [
            NewReply(author_id=users[author].pk, body=text, at=root.created_at + timedelta(minutes=after),
                     also_in_channel=channel)
            for after, author, text, channel in replies
        ]  # fmt: skip
        count += len(bulk_add_replies(root, new))
    root = Message.objects.select_related("space").get(pk=next(m.pk for m in messages if m.body == PROMOTED))
    target = Space.objects.get(name=PROMOTED_TO, kind="discussion")
    topic = actions.promote_thread(
        Guardian(users[MODERATORS[1]]), root, to_space=target, title=PROMOTED_TITLE
    )
    return count, topic.posts.count()


def seed_chat(users: dict[str, User], now: datetime) -> dict[str, int]:
    """Create the chat space, its members and its messages; return the counts."""
    space = Space.objects.create(
        name=NAME,
        slug=slugify(NAME),
        icon="🗨️",
        kind="chat",
        kind_settings={"announcement_only": False, "slow_mode_seconds": 0},
        description="Live chat while you're out under the stars: clear-sky alerts, quick questions, first light.",
        visibility=Space.MEMBERS,
        section=SidebarSection.objects.filter(name="Community").first(),
        position=Space.objects.count(),
        created_by=users["mira"],
        cover_color="rose",
    )
    rows = [
        SpaceMembership(
            space=space,
            user=user,
            role=SpaceMembership.MODERATOR if name in MODERATORS else SpaceMembership.MEMBER,
            state=SpaceMembership.ACTIVE,
        )
        for name, user in users.items()
    ]
    SpaceMembership.objects.bulk_create(rows)
    for row in rows:
        record_activity(row.user, "space.joined", space, space_id=space.pk, data=Via("seed"))
    space.member_count = len(rows)
    space.save(update_fields=["member_count"])

    today = now.replace(second=0, microsecond=0)
    nominal = [
        ((today - timedelta(days=days)).replace(hour=hour, minute=minute), author, text)
        for days, hour, minute, author, text in MESSAGES
    ]
    # The whole schedule moves back so that the newest message is a few minutes old, whatever the hour.
    shift = max(timedelta(0), max(at for at, _a, _t in nominal) - (now - timedelta(minutes=20)))
    new = [NewMessage(author_id=users[author].pk, body=text, at=at - shift) for at, author, text in nominal]
    messages = bulk_create_messages(space, new)
    moderator = Guardian(users[MODERATORS[0]])
    actions.set_topic(moderator, space, topic=TOPIC)
    for start in PINNED:
        actions.pin_message(moderator, next(m for m in messages if m.body.startswith(start)))
    quiet = users.get(HIDES_PRESENCE)
    if quiet is not None:
        account_actions.set_presence_hidden(Guardian(quiet), quiet, hidden=True)
    replies, posts = seed_threads(users, messages)
    # Most members last looked in a day or two ago, so the sidebar shows what is new since.
    cutoff = [m.pk for m in messages if m.created_at <= now - timedelta(days=1, hours=12)]
    if cutoff:
        ChannelRead.objects.bulk_create(
            ChannelRead(user=user, space=space, last_read_id=cutoff[-1]) for user in users.values()
        )
    return {
        "spaces": 1,
        "space memberships": len(rows),
        "messages": len(messages) + replies,
        "topics": 1,  # the thread moved to a topic
        "posts": posts,
    }
