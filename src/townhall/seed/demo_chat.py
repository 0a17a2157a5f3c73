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

Members react to the messages that deserve it (the aurora, first light, the star night) from the
community's reaction set, through the bulk layer, a few minutes after each message. A few messages carry files (drawn here: an aurora over a
horizon, a comet stack, a collimation checklist), attached through the bulk layer.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta

from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFilter

from townhall.accounts import actions as account_actions
from townhall.accounts.models import User
from townhall.activity.log import record_activity
from townhall.activity.payloads import Via
from townhall.chat import actions
from townhall.chat.bulk import (
    NewAttachment,
    NewMessage,
    NewMessageReaction,
    NewReply,
    bulk_add_replies,
    bulk_attach_files,
    bulk_create_messages,
    bulk_create_reactions,
)
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


# How a message begins -> who reacted with what ("who emoji"), in the order they did.
# fmt: off
REACTIONS: dict[str, tuple[str, ...]] = {
    "Clear skies over Hamburg": ("noah 👍", "oskar 👍"),
    "if the neighbours ever switch off": ("lena 😄", "ben 😄", "zoe 😄"),
    "First light with the new guide camera": ("jonas 🎉", "noah 🎉", "oskar 👍", "priya 🎉"),
    "Total RMS around": ("oskar 👀", "matteo 👀"),
    "Dew heater strap": ("noah ❤️",),
    "Morning from Lagos": ("priya ❤️", "tomas ❤️", "olivia 👍"),
    "Reminder: the Berlin star night": ("noah 👍", "anika 👍", "lena 👍", "hana 👍", "jonas ❤️"),
    "I'll bring the Dobsonian": ("mira ❤️", "noah 🎉"),
    "Aurora alert in Kiruna": ("nora 👀", "lena 👀"),
    "It showed up. Green curtains": ("lena ❤️", "nora 🎉", "ben ❤️", "amara 🎉", "lucas ❤️", "kenji 🎉"),
    "Jealous. Light pollution in Lyon": ("emma 😄", "zoe 😄", "matteo 😄", "ben 😄"),
    "Southern hemisphere report": ("olivia ❤️", "amara 👍"),
    "Has anyone tried the new Siril": ("matteo 🤔",),
    "The flats were it": ("ben 🎉", "jonas 👍"),
    "The ADC makes a real difference": ("zoe 🎉", "lucas 👀"),
    "Batteries die fast": ("marek 👍", "aiyana 👍", "emma 👍"),
    "Clinic tonight at 19:00 UTC": ("priya 👍", "marek 👍", "grace 👀", "amara 👍"),
    "About magnitude 7": ("hana 👍",),
    "Tail length doubled": ("hana 🎉", "jonas 🎉", "tomas 👀"),
    "Quick version: centre the star": ("grace ❤️", "priya 👍"),
}
# fmt: on


CHECKLIST = """Collimating an SCT with a star test
1. Let the scope cool for 30 minutes.
2. Centre a bright star near the zenith at high power.
3. Defocus until you see rings; note where the shadow sits.
4. Turn one secondary screw a little; re-centre the star.
5. Repeat until the rings are concentric, then check in focus.
"""


def _stars(draw: ImageDraw.ImageDraw, size: tuple[int, int], count: int, rng: random.Random) -> None:
    for _ in range(count):
        x, y, light = rng.randrange(size[0]), rng.randrange(size[1]), rng.randrange(140, 256)
        draw.point((x, y), fill=(light, light, light))


def aurora_png() -> bytes:
    """Green curtains over a dark horizon, with stars: what Emma saw from Kiruna."""
    rng = random.Random(42)
    size = (640, 400)
    sky = Image.new("RGB", size, (6, 10, 24))
    draw = ImageDraw.Draw(sky)
    _stars(draw, size, 260, rng)
    glow = Image.new("RGB", size, (0, 0, 0))
    curtains = ImageDraw.Draw(glow)
    for x in range(0, size[0], 3):
        top = 60 + int(40 * rng.random()) + int(50 * abs(((x / 160) % 2) - 1))
        curtains.line([(x, top), (x, 300)], fill=(30, 200 + rng.randrange(50), 110))
        curtains.line([(x, top - 30), (x, top)], fill=(150, 40, 90))
    sky = Image.blend(sky, glow.filter(ImageFilter.GaussianBlur(6)), 0.55)
    ImageDraw.Draw(sky).polygon(
        [(0, 330), (120, 300), (260, 325), (420, 295), (640, 320), (640, 400), (0, 400)], fill=(4, 6, 8)
    )
    out = io.BytesIO()
    sky.save(out, format="PNG")
    return out.getvalue()


def comet_png() -> bytes:
    """A stacked comet: a bright coma with a faint tail, stars trailed slightly (stacked on the nucleus)."""
    rng = random.Random(7)
    size = (560, 380)
    image = Image.new("RGB", size, (8, 8, 14))
    draw = ImageDraw.Draw(image)
    for _ in range(180):
        x, y, light = rng.randrange(size[0]), rng.randrange(size[1]), rng.randrange(120, 230)
        draw.line([(x, y), (x + 6, y + 2)], fill=(light, light, light))
    tail = Image.new("RGB", size, (0, 0, 0))
    ImageDraw.Draw(tail).polygon([(300, 200), (560, 90), (560, 170)], fill=(60, 120, 110))
    image = Image.blend(image, tail.filter(ImageFilter.GaussianBlur(14)), 0.4)
    coma = Image.new("RGB", size, (0, 0, 0))
    ImageDraw.Draw(coma).ellipse([(270, 170), (330, 230)], fill=(170, 255, 210))
    image = Image.blend(image, coma.filter(ImageFilter.GaussianBlur(10)), 0.6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# How a message begins -> the files sent with it (name, bytes made on demand).
FILES = {
    "It showed up. Green curtains": (("kiruna-aurora.png", aurora_png),),
    "Tail length doubled": (("comet-stack-60min.png", comet_png),),
    "Quick version: centre the star": (("sct-collimation-checklist.txt", lambda: CHECKLIST.encode()),),
}


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
    reactions = [
        NewMessageReaction(
            message_id=message.pk,
            user_id=users[who].pk,
            emoji=emoji,
            at=message.created_at + timedelta(minutes=2 + 3 * n),
        )
        for start, marks in REACTIONS.items()
        for message in [next(m for m in messages if m.body.startswith(start))]
        for n, (who, emoji) in enumerate(mark.split(" ", 1) for mark in marks)
        if message.created_at + timedelta(minutes=2 + 3 * n) < now  # nobody reacts in the future
    ]
    bulk_create_reactions(reactions)
    attached = bulk_attach_files(
        [
            NewAttachment(message_id=message.pk, data=make(), name=name)
            for start, sent in FILES.items()
            for message in [next(m for m in messages if m.body.startswith(start))]
            for name, make in sent
        ]
    )
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
        "message reactions": len(reactions),
        "message files": len(attached),
    }
