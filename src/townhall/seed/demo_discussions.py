"""The demo community's conversations: topics in public, members-only and private spaces, a solved
question with a nested thread, reactions, tags, mentions and a pinned announcement.

Written through the discussions actions (so counters, read marks and the search index are real), then
dated back over the past weeks so that Latest and Top look like a living community.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from townhall.accounts.models import User
from townhall.discussions import actions
from townhall.discussions.models import Post, Topic
from townhall.policy import Guardian
from townhall.spaces.models import Space


@dataclass(frozen=True)
class Reply:
    key: str
    author: str
    body: str
    to: str | None = None  # the key of the reply this answers; None answers the topic


@dataclass(frozen=True)
class TopicSpec:
    space: str
    author: str
    title: str
    body: str
    days_ago: int
    kind: str = Topic.DISCUSSION
    tags: str = ""
    replies: tuple[Reply, ...] = ()
    accepted: str | None = None
    reactions: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # key -> (who, emoji)
    pinned: str | None = None  # who pins it


TOPICS = [
    TopicSpec(
        "Announcements",
        "mira",
        "Processing clinic: first Tuesday of every month",
        "Bring a stack you are stuck on. We go through it **together**, live, from calibration to the final "
        "stretch.\n\n| When | Where |\n|---|---|\n| First Tuesday, 19:30 CET | Processing clinic space |\n\n"
        "Hosts this season: @lucas and @jonas.",
        20,
        kind=Topic.ANNOUNCEMENT,
        tags="clinic",
        pinned="jonas",
        reactions={"opening": (("lena", "🎉"), ("amara", "👍"), ("lucas", "🎉"))},
    ),
    TopicSpec(
        "Processing clinic",
        "lena",
        "How do I remove the gradient from a light-polluted sky?",
        "My stacks from Hamburg have an orange glow in one corner. I tried a background extraction but it "
        "eats the faint nebula too. What am I doing wrong?",
        6,
        kind=Topic.QUESTION,
        tags="gradients, processing",
        replies=(
            Reply(
                "lucas",
                "lucas",
                "Place the samples **only** on true background, never on the nebula, and "
                "use a low-order model first:\n\n```\nDBE: function degree 2, tolerance 0.5, "
                "samples: ~20 per row\n```\n\nThen check the model image: it should be smooth.",
            ),
            Reply(
                "jonas",
                "jonas",
                "Good advice. Also take flats: half of that corner glow is often vignetting "
                "that no gradient tool should fix.",
                to="lucas",
            ),
            Reply(
                "lena2",
                "lena",
                "I skipped flats 🙈 Doing them tonight with a T-shirt over the scope.",
                to="jonas",
            ),
            Reply(
                "amara", "amara", "A light-pollution filter helped me a lot before processing even starts."
            ),
        ),
        accepted="lucas",
        reactions={"lucas": (("lena", "❤️"), ("amara", "👍"), ("mira", "👍")), "lena2": (("jonas", "😄"),)},
    ),
    TopicSpec(
        "Processing clinic",
        "lucas",
        "Show your first finished image",
        "No judgement here: post the first image you were proud of, and what you would do differently now.",
        12,
        tags="showcase",
        replies=(
            Reply("mira", "mira", "M31 from my balcony, 2019. Far too much saturation, but I still love it."),
            Reply("amara", "amara", "Jupiter with the Great Red Spot, stacked from 2,000 frames."),
        ),
        reactions={"opening": (("mira", "❤️"),)},
    ),
    TopicSpec(
        "Introductions",
        "lena",
        "Hello from Hamburg!",
        "Hi all, I'm Lena. Small refractor, big ambitions. Looking forward to the clinic!",
        30,
        replies=(
            Reply("mira", "mira", "Welcome, Lena! Say hi at the next clinic."),
            Reply("jonas", "jonas", "Welcome aboard. Ask anything about guiding."),
        ),
    ),
    TopicSpec(
        "Deep-sky imaging",
        "jonas",
        "What does a good PHD2 graph look like?",
        "A quick guide to reading guiding graphs:\n\n- [x] RMS under half your image scale\n"
        "- [ ] no slow drift in declination\n- [ ] no periodic wiggle in RA\n\nPost yours and we'll read it.",
        9,
        tags="guiding",
        replies=(
            Reply("tomas", "tomas", "Mine drifts in Dec every night. Polar alignment?"),
            Reply("jonas2", "jonas", "Almost certainly. Try the drift-alignment tool.", to="tomas"),
        ),
    ),
    TopicSpec(
        "Planetary & lunar",
        "amara",
        "Best night this month for Saturn?",
        "Seeing forecasts disagree. Which do you trust?",
        2,
        kind=Topic.QUESTION,
        tags="saturn, seeing",
    ),
    TopicSpec(
        "Eclipse 2026 expedition",
        "sofia",
        "Carpool plan to Burgos",
        "Three cars from Madrid so far. Add yourself below with the seats you have or need.",
        4,
        replies=(Reply("ahmed", "ahmed", "One seat free in my car, leaving on the 10th."),),
    ),
]


def seed_discussions(users: dict[str, User], spaces: dict[str, Space]) -> dict[str, int]:
    now = timezone.now()
    posts = 0
    for spec in TOPICS:
        author = Guardian(users[spec.author])
        topic = actions.create_topic(
            author, spaces[spec.space], title=spec.title, body=spec.body, kind=spec.kind, tags=spec.tags
        )
        began = now - timedelta(days=spec.days_ago)
        made: dict[str, Post] = {"opening": topic.posts.get(position=1)}
        for n, reply in enumerate(spec.replies, start=1):
            parent = made[reply.to] if reply.to else None
            post = actions.create_post(Guardian(users[reply.author]), topic, body=reply.body, reply_to=parent)
            Post.objects.filter(pk=post.pk).update(created_at=began + timedelta(hours=3 * n))
            made[reply.key] = post
        for key, reactions in spec.reactions.items():
            for who, emoji in reactions:
                actions.react(Guardian(users[who]), made[key], emoji=emoji)
        if spec.accepted:
            actions.accept_answer(author, topic, made[spec.accepted])
        if spec.pinned:
            actions.pin_topic(Guardian(users[spec.pinned]), topic)
        Post.objects.filter(pk=made["opening"].pk).update(created_at=began)
        last = began + timedelta(hours=3 * len(spec.replies))
        Topic.objects.filter(pk=topic.pk).update(created_at=began, last_posted_at=last)
        posts += len(made)
    return {"topics": len(TOPICS), "posts": posts}
