"""The notifications that discussions causes, and who gets them (registered in DiscussionsConfig.ready()).

One notification per person per post: every notice about a post shares the source key "post:<id>", and
each person is told the most specific reason only (a mention before a quote, before a reply to their
post, before news in a topic or space they watch). A post edited to add a mention tells only the newly
mentioned, once. Reactions fold into one notification per post ("Ana and 4 others reacted").
The "mention" and "reaction" kinds are declared here and used by chat too (their check dispatches on
the target: see notifications.checks).

Nobody hears about a topic they muted, or anything in a space they muted unless they follow the topic
itself; removed posts and topics (deleted, hidden) tell nobody. The notifications app then drops the
actor, whoever blocked them, and whoever may not read the space now; at delivery each kind's
`still_visible` checks the post again for every channel.

Quotes: the reply box's "Quote" action writes a Markdown quote ending with a link to the quoted post
(`[post #3](/p/42/)`); a post that links to someone else's post that way tells its author.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from django.urls import reverse

from townhall.discussions.events import AnswerAccepted, PostCreated, PostEdited, ReactionChanged, TopicCreated
from townhall.discussions.events import TopicSeen as TopicSeenEvent
from townhall.discussions.models import MUTED, WATCHING, Post, SpaceFollow, TopicFollow
from townhall.notifications import kinds
from townhall.notifications.checks import register_target, target_visible
from townhall.notifications.kinds import Kind, Notice, Seen, excerpt
from townhall.notifications.models import EMAIL, PUSH, WEB

BY_EMAIL = frozenset({WEB, EMAIL, PUSH})


def post_visible(guardian: Any, post_id: int) -> bool:
    """A notification's post still exists, is neither deleted nor hidden, and its topic is readable to
    the recipient (registered as the check of "post:<id>" targets)."""
    post = Post.objects.select_related("topic__space").filter(pk=post_id).first()
    if post is None or post.deleted_at is not None or post.hidden:
        return False
    return guardian.discussions.view_topic.can(post.topic)


KINDS = [
    Kind("mention", "Mentions of you", "@", "{actor} mentioned you in {title}", BY_EMAIL,
         still_visible=target_visible, order=10),
    Kind("reply", "Replies to your posts", "↩️", "{actor} replied to you in {title}", BY_EMAIL,
         still_visible=target_visible, order=20),
    Kind("quote", "Quotes of your posts", "❝", "{actor} quoted you in {title}",
         still_visible=target_visible, order=30),
    Kind("reaction", "Reactions to your posts and messages", "❤️", "{actor}{others} reacted in {title}",
         group=True, still_visible=target_visible, order=40),
    Kind("accepted_answer", "Your answer accepted", "✅", "{actor} accepted your answer in {title}",
         still_visible=target_visible, order=50),
    # Watching is the member's explicit ask to hear of everything there: by email too (when away).
    Kind("watched_topic", "Replies in topics you watch", "👁", "{actor} replied in {title}", BY_EMAIL,
         still_visible=target_visible, digest=True, order=60),
    Kind("new_topic", "New topics in spaces you watch", "🆕", "{actor} started {title}", BY_EMAIL,
         still_visible=target_visible, digest=True, order=70),
]  # fmt: skip


def register() -> None:
    """From DiscussionsConfig.ready()."""
    for kind in KINDS:
        kinds.register(kind)
    register_target("post", post_visible)
    kinds.on(TopicCreated, topic_created, name="discussions.topic_created")
    kinds.on(PostCreated, post_created, name="discussions.post_created")
    kinds.on(PostEdited, post_edited, name="discussions.post_edited")
    kinds.on(ReactionChanged, reaction_changed, name="discussions.reaction_changed")
    kinds.on(AnswerAccepted, answer_accepted, name="discussions.answer_accepted")
    kinds.on_seen(TopicSeenEvent, topic_seen, name="discussions.topic_seen")


# --- who ---------------------------------------------------------------------------------------------
def _live_post(post_id: int) -> Post | None:
    post = Post.objects.select_related("topic").filter(pk=post_id).first()
    if post is None or post.deleted_at is not None or post.hidden:
        return None
    topic = post.topic
    if topic.deleted_at is not None or topic.hidden:
        return None
    return post


def _muted(post: Post) -> set[int]:
    """Who muted the topic, or its space without following the topic itself (two queries)."""
    topic_levels = dict(TopicFollow.objects.filter(topic_id=post.topic_id).values_list("user_id", "level"))
    muted = {user_id for user_id, level in topic_levels.items() if level == MUTED}
    space_muted = SpaceFollow.objects.filter(space_id=post.topic.space_id, level=MUTED)
    muted |= {
        user_id for user_id in space_muted.values_list("user_id", flat=True) if user_id not in topic_levels
    }
    return muted


QUOTE_LINK = re.compile(r"\]\(/p/(\d+)/\)")


def _quoted_authors(post: Post) -> set[int]:
    """Authors of the posts this one quotes (the Quote action's link back, at most 20 of them)."""
    ids = {int(found) for found in QUOTE_LINK.findall(post.body)[:20]} - {post.pk}
    if not ids:
        return set()
    authors = Post.objects.filter(pk__in=ids, deleted_at__isnull=True, hidden=False)
    return {author for author in authors.values_list("author_id", flat=True) if author is not None}


def _notice(kind: str, post: Post, recipients: Iterable[int], actor_id: int | None) -> Notice:
    topic = post.topic
    return Notice(
        kind=kind,
        recipient_ids=sorted(recipients),
        source_key=f"post:{post.pk}",
        url=reverse("discussions:post", args=[post.pk]),
        actor_id=actor_id,
        space_id=topic.space_id,
        target=f"post:{post.pk}",
        thread_key=f"topic:{topic.pk}",
        data={"title": topic.title, "excerpt": excerpt(post.body_html), "position": post.position},
    )


def _in_order(post: Post, actor_id: int | None, groups: list[tuple[str, set[int]]]) -> Iterator[Notice]:
    """One notice per group, each person in the first group that names them only; the muted none."""
    told = _muted(post) | ({actor_id} if actor_id is not None else set())
    for kind, people in groups:
        fresh = people - told
        if fresh:
            yield _notice(kind, post, fresh, actor_id)
            told |= fresh


# --- handlers ----------------------------------------------------------------------------------------
def topic_created(event: TopicCreated) -> list[Notice]:
    post = _live_post(event.post_id)
    if post is None:
        return []
    watchers = SpaceFollow.objects.filter(space_id=event.space_id, level=WATCHING)
    return list(
        _in_order(
            post,
            event.actor_id,
            [
                ("mention", set(event.mentioned_ids)),
                ("quote", _quoted_authors(post)),
                ("new_topic", set(watchers.values_list("user_id", flat=True))),
            ],
        )
    )


def post_created(event: PostCreated) -> list[Notice]:
    post = _live_post(event.post_id)
    if post is None:
        return []
    watchers = TopicFollow.objects.filter(topic_id=event.topic_id, level=WATCHING)
    replied = {event.reply_to_author_id} if event.reply_to_author_id is not None else set()
    return list(
        _in_order(
            post,
            event.actor_id,
            [
                ("mention", set(event.mentioned_ids)),
                ("quote", _quoted_authors(post)),
                ("reply", replied),
                ("watched_topic", set(watchers.values_list("user_id", flat=True))),
            ],
        )
    )


def post_edited(event: PostEdited) -> list[Notice]:
    """Newly mentioned people (those told about this post before are skipped by its source key)."""
    if not event.mentioned_ids:
        return []
    post = _live_post(event.post_id)
    if post is None:
        return []
    author = post.author_id if post.author_id is not None else event.actor_id
    return list(_in_order(post, author, [("mention", set(event.mentioned_ids))]))


def reaction_changed(event: ReactionChanged) -> list[Notice]:
    if not event.added or event.post_author_id is None or event.post_author_id == event.actor_id:
        return []
    post = _live_post(event.post_id)
    if post is None or event.post_author_id in _muted(post):
        return []
    notice = _notice("reaction", post, {event.post_author_id}, event.actor_id)
    return [
        replace(
            notice,
            source_key=f"reaction:post:{post.pk}:{event.actor_id}",
            group_key=f"reaction:post:{post.pk}",
            data={**notice.data, "emoji": event.emoji},
        )
    ]


def answer_accepted(event: AnswerAccepted) -> list[Notice]:
    if event.post_id is None or event.answerer_id is None:
        return []
    post = _live_post(event.post_id)
    if post is None:
        return []
    notice = _notice("accepted_answer", post, {event.answerer_id}, event.actor_id)
    return [replace(notice, source_key=f"answer:post:{post.pk}")]


def topic_seen(event: TopicSeenEvent) -> Seen:
    return Seen(user_id=event.user_id, thread_key=f"topic:{event.topic_id}", position=event.position)
