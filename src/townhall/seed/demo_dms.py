"""The demo's direct messages: a few one-to-one conversations and one group, among demo members.

Conversations are started through the chat actions (`start_conversation`, as the starter), their
messages written through the chat bulk layer with the authors and times given, and one member blocks
another through the accounts action. Lena (member@example.org) finds unread messages in her inbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from townhall.accounts.actions import block_member
from townhall.accounts.models import User
from townhall.chat import actions
from townhall.chat.bulk import NewMessage, bulk_create_messages
from townhall.chat.models import ChannelRead
from townhall.policy import Guardian
from townhall.spaces.models import Space

# (starter, other members, group name or "", [(hours ago, author, text)], who has read everything)
# fmt: off
CONVERSATIONS: list[tuple[str, tuple[str, ...], str, list[tuple[float, str, str]], tuple[str, ...]]] = [
    ("ben", ("lena",), "", [
        (52, "ben", "Saw your gradient question in the clinic thread. Want me to look at the raw stack?"),
        (51.5, "lena", "Yes please! It's the Heart nebula from Thursday, 3 hours with the L-eNhance"),
        (51, "lena", "Uploading the master light and one flat now"),
        (30, "ben", "Your flats are fine. The gradient is the street lamp to the south-east: it moves with the meridian flip"),
        (29.8, "ben", "Try two DBE passes: a coarse one with 8 samples per row, then a gentle one"),
        (3, "ben", "Did the second pass help? Curious how it turned out"),
    ], ("ben",)),
    ("mira", ("lena",), "", [
        (70, "mira", "Welcome to Cohort 3, Lena! How is the first month going?"),
        (69, "lena", "Slowly but happily. The refractor is easy, processing is the hard part"),
        (68.5, "mira", "That's everyone's story 😄 Would you show your Heart nebula at the next clinic? Work in progress is welcome"),
        (20, "lena", "I'd love to, once Ben's gradient trick works"),
        (19, "mira", "Perfect. I'll put you down for the 19:00 UTC slot"),
    ], ("mira", "lena")),
    ("emma", ("nora", "oskar", "lena", "noah"), "Abisko aurora trip", [
        (96, "emma", "Made a group for the February trip. Abisko, 14 to 18 Feb, the Kp forecast looks good for that week"),
        (95, "nora", "I'm in. I can drive from Tromsø and pick up whoever lands in Narvik"),
        (94, "oskar", "Count me in too. Night train from Gothenburg, arriving on the 14th"),
        (93, "noah", "Booking flights tonight! Is a 14mm enough or should I bring the fisheye?"),
        (92.5, "emma", "14mm is plenty. Bring spare batteries: it was -25 °C last year"),
        (26, "lena", "Can a beginner join? I only have a 50mm lens and a small tripod"),
        (25, "nora", "Of course! 50mm works for panoramas, and we'll share lenses"),
        (6, "emma", "The cabin is booked: 5 beds, sauna, and a dark sky to the north 🌌"),
        (5.5, "oskar", "Sauna and aurora. Best trip ever"),
    ], ("emma", "oskar")),
    ("jonas", ("noah",), "", [
        (40, "noah", "Could you look at my PHD2 log from last night? RA oscillates every 8 seconds"),
        (39, "jonas", "That's classic backlash or too aggressive RA. Lower the RA aggressiveness to 60% first"),
        (12, "noah", "60% fixed it. Total RMS 0.7\" now. Thank you!"),
    ], ("jonas", "noah")),
    ("jack", ("maya",), "", [
        (120, "jack", "Hi Maya, I am selling my old guide camera and an off-axis guider. Interested? I ship worldwide"),
        (100, "jack", "Still available! I can add a 50mm guide scope to the bundle"),
        (99, "maya", "No thanks, I am only doing the Moon for now."),
        (80, "jack", "Last chance, the price goes up next week"),
    ], ("jack", "maya")),
]
# fmt: on
LAST_LOOKED = timedelta(hours=12)
BLOCKS = [("maya", "jack")]  # Maya blocked Jack after his third sales pitch


def seed_dms(users: dict[str, User], now: datetime) -> dict[str, int]:
    """Start the conversations, write their messages and read positions, and the block; return counts."""
    count = 0
    for starter, others, name, lines, caught_up in CONVERSATIONS:
        space = actions.start_conversation(
            Guardian(users[starter]), people=[users[o] for o in others], name=name
        )
        new = [
            NewMessage(author_id=users[a].pk, body=text, at=now - timedelta(hours=h)) for h, a, text in lines
        ]
        messages = bulk_create_messages(space, new)
        Space.objects.filter(pk=space.pk).update(created_at=messages[0].created_at)
        count += len(messages)
        # Members last looked in about half a day ago (and have read what they wrote since); those
        # `caught_up` have read everything.
        seen_before = now - LAST_LOOKED
        for username in (starter, *others):
            user = users[username]
            seen = [m.pk for m in messages if m.author_id == user.pk or m.created_at <= seen_before]
            last = messages[-1].pk if username in caught_up else max(seen, default=0)
            ChannelRead.objects.filter(user=user, space=space).update(last_read_id=last)
    for blocker, blocked in BLOCKS:
        block_member(Guardian(users[blocker]), users[blocked])
    return {"conversations": len(CONVERSATIONS), "direct messages": count, "blocks": len(BLOCKS)}
