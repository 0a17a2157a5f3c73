"""Reads about discussions, always scoped by the Guardian, prefetched, with a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import (
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, NullIf, RowNumber
from django.utils import timezone

from townhall.accounts.models import Block, User
from townhall.content.reactions import ReactionSummary, ReactionTable
from townhall.core.errors import Invalid, NotFound
from townhall.core.pagination import paginate
from townhall.discussions.models import (
    MUTED,
    WATCHING,
    Draft,
    Post,
    PostRevision,
    Reaction,
    ReactionChoice,
    SpaceFollow,
    Tag,
    Topic,
    TopicFollow,
    TopicRead,
    reaction_choices,
)
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

# Posts' reactions, through the implementation chat shares (content.reactions).
POST_REACTIONS = ReactionTable(Reaction, "post")

POSTS_PER_PAGE = 20
TOPICS_PER_PAGE = 30
THREAD_DEPTH = 6  # nesting shown on one page; deeper replies continue on their own page
FLAT = "flat"
THREAD = "thread"
VIEWS = (FLAT, THREAD)
PERIODS = {"day": 1, "week": 7, "month": 30, "year": 365}


# --- single objects ------------------------------------------------------------------------------
def get_topic_or_404(guardian: Guardian, topic_id: int, *, with_author: bool = True) -> Topic:
    related = ("space", "author") if with_author else ("space",)
    try:  # get(), not first(): no ORDER BY to compile on the busiest query of the site
        topic = Topic.objects.select_related(*related).get(pk=topic_id)
    except Topic.DoesNotExist:
        topic = None
    if topic is None or not guardian.discussions.view_topic.can(topic):
        raise NotFound("No such topic")
    return topic


def get_post_or_404(guardian: Guardian, post_id: int) -> Post:
    post = Post.objects.select_related("topic__space", "topic__author", "author").filter(pk=post_id).first()
    if post is None or not guardian.discussions.view_topic.can(post.topic):
        raise NotFound("No such post")
    return post


def get_deleted_post_or_404(guardian: Guardian, post_id: int) -> Post:
    """A post to take back from deletion: found by whoever the `undelete_post` rule does not hide it
    from (its author, for a moment, even when it was the opening post of the topic now deleted)."""
    post = Post.objects.select_related("topic__space", "topic__author", "author").filter(pk=post_id).first()
    if post is None:
        raise NotFound("No such post")
    refusal = guardian.discussions.undelete_post(post)
    if refusal is not None and refusal.hidden:
        raise NotFound("No such post")
    return post


def get_tag(guardian: Guardian, slug: str | None) -> Tag | None:
    """The tag with this slug if it is on a topic this person may see; NotFound otherwise, exactly as
    for a tag that does not exist (a tag used only in a secret space gives nothing away). One query."""
    if not slug:
        return None
    on_visible_topic = guardian.discussions.visible_topics(Topic.objects.all()).filter(
        topictag__tag_id=OuterRef("pk")
    )
    tag = Tag.objects.filter(Exists(on_visible_topic), slug=slug[:50]).first()
    if tag is None:
        raise NotFound("No such tag")
    return tag


REPLY_TARGET_MISSING = "There is no such post in this topic; reply to the topic instead."


def get_reply_target(guardian: Guardian, topic: Topic, post_id: int) -> Post:
    """The post of `topic` a reply answers. A post that does not exist, sits in another topic or in a
    space this person cannot see gets the same Invalid (field `reply_to`): nothing tells them apart.
    Its author comes along (the reply form names them)."""
    post = Post.objects.select_related("author").filter(pk=post_id, topic_id=topic.pk).first()
    if post is None:
        raise Invalid(REPLY_TARGET_MISSING, field_errors={"reply_to": [REPLY_TARGET_MISSING]})
    post.topic = topic
    return post


# --- topic page ----------------------------------------------------------------------------------


@dataclass
class PostItem:
    post: Post
    reactions: list[ReactionSummary]
    visible: bool  # the body may be shown to this reader
    unread_divider: bool = False  # "new since your last visit" goes above this post
    children: list[PostItem] = field(default_factory=list)
    continue_thread: bool = False  # deeper replies live on their own page
    from_blocked: bool = False  # by a member the reader blocked: shown collapsed


@dataclass
class TopicPage:
    topic: Topic
    view: str
    page: int
    pages: int
    items: list[PostItem]  # flat: in order; thread: the page's roots with nested children
    opening: PostItem | None
    accepted: Post | None
    reaction_choices: list[ReactionChoice]
    root: Post | None = None
    root_item: PostItem | None = None
    read_position: int = 0
    last_visit_position: int = 0
    first_unread_position: int | None = None
    follow_level: str = "normal"
    draft_body: str = ""  # the reader's unsent reply, restored into the form

    @property
    def page_numbers(self) -> range:
        return range(1, self.pages + 1)


def reactions_for(
    guardian: Guardian, post_ids: list[int], choices: list[ReactionChoice]
) -> dict[int, list[ReactionSummary]]:
    """Reactions grouped per post and emoji, with who reacted: one query, whatever their number."""
    return POST_REACTIONS.tallies(post_ids, choices=choices, viewer_id=guardian.user_id)


def ancestor_root_depth(depth: int) -> int:
    """In the threaded view a post at `depth` is shown under the ancestor at this depth (0 = the topic)."""
    return ((depth - 1) // THREAD_DEPTH) * THREAD_DEPTH if depth > 0 else 0


def _thread_scope(topic: Topic, root: Post | None) -> QuerySet[Post]:
    qs = Post.objects.filter(topic_id=topic.pk)
    if root is None:
        return qs.filter(depth__lte=THREAD_DEPTH)
    return qs.filter(path__startswith=root.path + ".", depth__lte=root.depth + THREAD_DEPTH)


def _add_reader_state(page: TopicPage, *, user_id: int, topic_id: int) -> None:
    """The reader's read mark, follow level and draft for this topic, in one query.

    Plain SQL: on the busiest page of the site, building this as ORM subqueries cost more than running it.
    """
    sql = (
        f"SELECT 'read', highest_position_read, last_visit_position, CAST(NULL AS TEXT) FROM {TopicRead._meta.db_table}"  # noqa: S608 - table names from models
        " WHERE user_id = %s AND topic_id = %s"
        f" UNION ALL SELECT 'follow', NULL, NULL, level FROM {TopicFollow._meta.db_table}"
        " WHERE user_id = %s AND topic_id = %s"
        f" UNION ALL SELECT 'draft', NULL, NULL, body FROM {Draft._meta.db_table}"
        " WHERE user_id = %s AND topic_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, topic_id] * 3)
        rows = cursor.fetchall()
    for kind, read, last_visit, text in rows:
        if kind == "read":
            page.read_position, page.last_visit_position = read, last_visit
        elif kind == "follow":
            page.follow_level = text
        else:
            page.draft_body = text or ""


def topic_page(
    guardian: Guardian, topic: Topic, *, view: str = FLAT, page: int = 1, root: Post | None = None
) -> TopicPage:
    """One page (POSTS_PER_PAGE posts) of a topic, flat (by position) or threaded (by tree path).

    The number of queries is fixed: posts + authors, reactions with names, reaction choices, the
    accepted answer, the reader's read mark, follow level and draft.
    """
    view = view if view in VIEWS else FLAT
    if root is not None and (root.topic_id != topic.pk or view != THREAD):
        root = None
    base = Post.objects.select_related("author").order_by()  # edited_by is not shown on the page
    if guardian.user_id is not None:
        # Posts by members the reader blocked show collapsed: marked inside the same query.
        blocked = Block.objects.filter(blocker_id=guardian.user_id, blocked_id=OuterRef("author_id"))
        base = base.annotate(from_blocked=Exists(blocked))
    if view == FLAT:
        pages = max(1, -(-topic.last_position // POSTS_PER_PAGE))
        page = max(1, min(page, pages))
        lo = (page - 1) * POSTS_PER_PAGE
        # "In reply to <name>": the flat view names whom each reply answers (two joins, no extra query).
        flat = base.annotate(
            reply_to_author_name=Coalesce(
                NullIf(F("reply_to__author__display_name"), Value("")), F("reply_to__author__username")
            )
        )
        posts: list[Post] = list(
            flat.filter(topic_id=topic.pk, position__gt=lo, position__lte=lo + POSTS_PER_PAGE).order_by(
                "position"
            )
        )
    else:
        scope = _thread_scope(topic, root)
        total = scope.count()
        pages = max(1, -(-total // POSTS_PER_PAGE))
        page = max(1, min(page, pages))
        lo = (page - 1) * POSTS_PER_PAGE
        posts = list(
            base.filter(
                pk__in=Subquery(scope.order_by("path").values("pk")[lo : lo + POSTS_PER_PAGE])
            ).order_by("path")
        )
    for post in posts:
        post.topic = topic
    choices = reaction_choices()
    if root is not None:
        root.topic = topic
    reactions = reactions_for(guardian, [p.pk for p in posts] + ([root.pk] if root else []), choices)
    accepted = None
    if topic.accepted_post_id:
        accepted = Post.objects.select_related("author").filter(pk=topic.accepted_post_id).first()
        if accepted is not None:
            accepted.topic = topic

    result = TopicPage(
        topic=topic,
        view=view,
        page=page,
        pages=pages,
        items=[],
        opening=None,
        accepted=accepted,
        reaction_choices=choices,
        root=root,
    )
    if guardian.user_id is not None:
        _add_reader_state(result, user_id=guardian.user_id, topic_id=topic.pk)
    if result.read_position and result.read_position < topic.last_position:
        result.first_unread_position = result.read_position + 1

    items = [
        PostItem(
            post=p,
            reactions=reactions.get(p.pk, []),
            visible=guardian.discussions.view_post_body.can(p),
            from_blocked=bool(getattr(p, "from_blocked", False)),
        )
        for p in posts
    ]
    # The divider marks the first post that arrived after the reader's previous visit.
    divider_after = (
        result.read_position if result.read_position < topic.last_position else result.last_visit_position
    )
    if divider_after:
        for item in sorted(items, key=lambda i: i.post.position):
            if item.post.position > divider_after:
                item.unread_divider = True
                break
    if root is not None:
        result.root_item = PostItem(
            post=root,
            reactions=reactions.get(root.pk, []),
            visible=guardian.discussions.view_post_body.can(root),
        )
    if view == FLAT:
        result.items = items
    else:
        result.items = _build_tree(items, root)
    for item in items:
        if item.post.position == 1:
            result.opening = item
    return result


def _build_tree(items: list[PostItem], root: Post | None) -> list[PostItem]:
    """Nest a page of posts (in path order) under their nearest ancestor on the same page."""
    limit = (root.depth if root else 0) + THREAD_DEPTH
    roots: list[PostItem] = []
    stack: list[PostItem] = []
    for item in items:
        item.continue_thread = item.post.depth >= limit and item.post.reply_count > 0
        if item.post.position == 1:
            continue  # the opening post is shown on its own; replies to the topic are the roots
        while stack and not item.post.path.startswith(stack[-1].post.path + "."):
            stack.pop()
        if stack:
            stack[-1].children.append(item)
        else:
            roots.append(item)
        stack.append(item)
    return roots


def locate_post(guardian: Guardian, post: Post, *, view: str) -> tuple[int, Post | None]:
    """(page, thread root) where `post` appears in the given view."""
    if view != THREAD:
        return (post.position - 1) // POSTS_PER_PAGE + 1, None
    root: Post | None = None
    root_depth = ancestor_root_depth(post.depth)
    if root_depth > 0:
        position = post.path_positions()[root_depth]
        root = Post.objects.get(topic_id=post.topic_id, position=position)
    if post.position == 1:
        return 1, None
    before = _thread_scope(post.topic, root).filter(path__lt=post.path).count()
    return before // POSTS_PER_PAGE + 1, root


def post_revisions(guardian: Guardian, post: Post) -> list[PostRevision]:
    if not guardian.discussions.view_revisions.can(post):
        raise NotFound("No such post")
    return list(PostRevision.objects.filter(post=post).select_related("author"))


# --- lists ---------------------------------------------------------------------------------------
LATEST = "latest"
UNREAD = "unread"
TOP = "top"
LISTS = (LATEST, UNREAD, TOP)


@dataclass
class TopicList:
    kind: str
    topics: list[Topic]
    pinned: list[Topic]
    next_cursor: str | None
    tag: Tag | None = None
    space: Space | None = None
    period: str | None = None


def _listable(guardian: Guardian, *, space: Space | None) -> QuerySet[Topic]:
    qs = guardian.discussions.visible_topics(Topic.objects.all())
    if space is not None:
        qs = qs.filter(space_id=space.pk)
    if guardian.user_id is not None:
        muted_topics = TopicFollow.objects.filter(
            user_id=guardian.user_id, level=MUTED, topic_id=OuterRef("pk")
        )
        qs = qs.exclude(Exists(muted_topics))
        if space is None:
            muted_spaces = SpaceFollow.objects.filter(
                user_id=guardian.user_id, level=MUTED, space_id=OuterRef("space_id")
            )
            qs = qs.exclude(Exists(muted_spaces))
        read = TopicRead.objects.filter(user_id=guardian.user_id, topic_id=OuterRef("pk")).values(
            "highest_position_read"
        )[:1]
        qs = qs.annotate(read_position=Coalesce(Subquery(read), Value(-1), output_field=IntegerField()))
    else:
        qs = qs.annotate(read_position=Value(-1, output_field=IntegerField()))
    return qs.select_related("space", "author").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )


def list_topics(
    guardian: Guardian,
    *,
    kind: str = LATEST,
    space: Space | None = None,
    tag: Tag | None = None,
    cursor: str | None = None,
    period: str = "week",
    limit: int = TOPICS_PER_PAGE,
) -> TopicList:
    """Latest, Unread or Top topics across readable spaces (or in one space), muted ones left out.

    Pinned topics (site-wide across spaces; space pins inside a space) lead the first page of Latest.
    Fixed queries: the page, its tags, and (first page of Latest) the pinned topics with their tags.
    """
    if kind not in LISTS:
        kind = LATEST
    qs = _listable(guardian, space=space)
    if tag is not None:
        qs = qs.filter(tags=tag)
    pinned: list[Topic] = []
    if kind == LATEST:
        pin_q = Q(pinned=Topic.PIN_SITE) if space is None else ~Q(pinned=Topic.NOT_PINNED)
        if not cursor:
            pinned = list(qs.filter(pin_q).order_by("-pinned_at", "-id")[:10])
        page = paginate(qs.exclude(pin_q), order=("-last_posted_at", "-id"), cursor=cursor, limit=limit)
    elif kind == UNREAD:
        if guardian.user_id is None:
            return TopicList(kind=kind, topics=[], pinned=[], next_cursor=None, tag=tag, space=space)
        qs = qs.filter(read_position__gte=0, read_position__lt=F("last_position"))  # type: ignore[misc]
        page = paginate(qs, order=("-last_posted_at", "-id"), cursor=cursor, limit=limit)
    else:
        days = PERIODS.get(period, 7)
        period = period if period in PERIODS else "week"
        qs = qs.filter(created_at__gte=timezone.now() - timedelta(days=days))
        page = paginate(qs, order=("-score", "-id"), cursor=cursor, limit=limit)
    add_participants([*pinned, *page.items])
    return TopicList(
        kind=kind,
        topics=page.items,
        pinned=pinned,
        next_cursor=page.next_cursor,
        tag=tag,
        space=space,
        period=period,
    )


def add_participants(topics: list[Topic]) -> None:
    """Give each topic its `participants` (the people whose avatars its row shows, in order): one query
    for the whole list, whatever its length."""
    wanted = {i for topic in topics for i in topic.participant_ids or []}
    people: dict[int, User] = {}
    if wanted:
        rows = User.objects.filter(pk__in=wanted).only("id", "username", "display_name", "avatar")
        people = {person.pk: person for person in rows}
    for topic in topics:
        topic.participants = [people[i] for i in topic.participant_ids or [] if i in people]  # type: ignore[attr-defined]


def space_topic_list(
    guardian: Guardian, space: Space, *, cursor: str | None = None, tag: str | Tag | None = None
) -> TopicList:
    """The topics of one space (for the space page): pinned first, then by latest activity."""
    if not guardian.spaces.read.can(space):
        raise NotFound("No such space")
    tag_obj = get_tag(guardian, tag) if isinstance(tag, str) else tag
    return list_topics(guardian, kind=LATEST, space=space, tag=tag_obj, cursor=cursor)


def unread_counts_by_space(guardian: Guardian) -> dict[int, int]:
    """space_id -> number of visited topics with posts the member has not read (for sidebars)."""
    if guardian.user_id is None:
        return {}
    qs = _listable(guardian, space=None).filter(  # type: ignore[misc]
        read_position__gte=0, read_position__lt=F("last_position")
    )
    counts: dict[int, int] = defaultdict(int)
    for space_id in qs.values_list("space_id", flat=True).order_by()[:5000]:
        counts[space_id] += 1
    return dict(counts)


def first_unread_position(guardian: Guardian, topic: Topic) -> int:
    """The position to jump to: the first post after the reader's mark (or the last post)."""
    if guardian.user_id is None:
        return 1
    read = TopicRead.objects.filter(user_id=guardian.user_id, topic_id=topic.pk).first()
    if read is None:
        return 1
    return min(read.highest_position_read + 1, topic.last_position)


def space_follow_level(guardian: Guardian, space: Space) -> str:
    if guardian.user_id is None:
        return "normal"
    follow = SpaceFollow.objects.filter(user_id=guardian.user_id, space_id=space.pk).first()
    return follow.level if follow else "normal"


def space_draft(guardian: Guardian, space: Space) -> Draft | None:
    if guardian.user_id is None:
        return None
    return Draft.objects.filter(user_id=guardian.user_id, space_id=space.pk).first()


def public_topics(*, space: Space | None = None, limit: int = 50) -> QuerySet[Topic]:
    """Topics of public spaces only (feeds, sitemaps): what an anonymous visitor may read."""
    qs = Topic.objects.filter(
        space__visibility=Space.PUBLIC, space__archived_at__isnull=True, hidden=False, deleted_at__isnull=True
    )
    if space is not None:
        qs = qs.filter(space_id=space.pk)
    return qs.select_related("space", "author").order_by("-last_posted_at", "-id")[:limit]


# --- the member's home and profiles ----------------------------------------------------------------
FEED_PAGE = 8  # topics per page of "New in your spaces"
FEED_POSTS = 2  # newest posts shown under each topic
CONTINUE_READING = 5
PROFILE_ITEMS = 5


@dataclass
class FeedItem:
    topic: Topic
    posts: list[Post]  # the newest visible posts, oldest first


@dataclass
class Feed:
    items: list[FeedItem]
    next_cursor: str | None
    has_spaces: bool  # False: the member has joined no space yet


def _reader_topics(guardian: Guardian) -> QuerySet[Topic]:
    """Visible topics minus the reader's muted topics and spaces, with `read_position` (-1: never opened)."""
    qs = guardian.discussions.visible_topics(Topic.objects.all())
    user_id = guardian.user_id
    if user_id is None:
        return qs.annotate(read_position=Value(-1, output_field=IntegerField()))
    muted_topics = TopicFollow.objects.filter(user_id=user_id, level=MUTED, topic_id=OuterRef("pk"))
    muted_spaces = SpaceFollow.objects.filter(user_id=user_id, level=MUTED, space_id=OuterRef("space_id"))
    read = TopicRead.objects.filter(user_id=user_id, topic_id=OuterRef("pk")).values("highest_position_read")[
        :1
    ]
    return (
        qs.exclude(Exists(muted_topics))
        .exclude(Exists(muted_spaces))
        .annotate(read_position=Coalesce(Subquery(read), Value(-1), output_field=IntegerField()))
    )


def _newest_posts(topic_ids: list[int], *, per_topic: int) -> dict[int, list[Post]]:
    """topic_id -> its newest `per_topic` visible posts (oldest first), in one query (a window function)."""
    if not topic_ids:
        return {}
    ranked = (
        Post.objects.filter(topic_id__in=topic_ids, hidden=False, deleted_at__isnull=True)
        .annotate(rank=Window(RowNumber(), partition_by=[F("topic_id")], order_by=[F("position").desc()]))
        .filter(rank__lte=per_topic)
        .select_related("author")
        .order_by("topic_id", "position")
    )
    grouped: dict[int, list[Post]] = defaultdict(list)
    for post in ranked:
        grouped[post.topic_id].append(post)
    return grouped


def home_feed(guardian: Guardian, *, cursor: str | None = None, limit: int = FEED_PAGE) -> Feed:
    """What is new in the spaces the member has joined: topics by latest activity, each with its newest
    posts, muted topics and spaces left out; only what the Guardian lets them read.

    Two queries whatever the amount of content (the topics of the page with their space, author and
    read mark; their newest posts with authors). Raises BadCursor for a mangled cursor.
    """
    joined = guardian.spaces.active_ids()
    if guardian.user_id is None or not joined:
        return Feed(items=[], next_cursor=None, has_spaces=False)
    qs = _reader_topics(guardian).filter(space_id__in=joined).select_related("space", "author")
    page = paginate(qs, order=("-last_posted_at", "-id"), cursor=cursor, limit=limit)
    posts = _newest_posts([t.pk for t in page.items], per_topic=FEED_POSTS)
    items = []
    for topic in page.items:
        for post in posts.get(topic.pk, []):
            post.topic = topic
        items.append(FeedItem(topic=topic, posts=posts.get(topic.pk, [])))
    return Feed(items=items, next_cursor=page.next_cursor, has_spaces=True)


def continue_reading(guardian: Guardian, *, limit: int = CONTINUE_READING) -> list[Topic]:
    """Topics the member follows (watching them, or having opened them) with posts after their read
    mark, latest activity first; `unread_count` says how many. One query."""
    if guardian.user_id is None:
        return []
    # Driven by the member's own rows (read marks, watched topics), not by every topic of the site.
    tracked = TopicRead.objects.filter(user_id=guardian.user_id).values("topic_id")
    watched = TopicFollow.objects.filter(user_id=guardian.user_id, level=WATCHING).values("topic_id")
    qs = (
        _reader_topics(guardian)
        .filter(Q(pk__in=tracked) | Q(pk__in=watched))
        .filter(read_position__lt=F("last_position"))  # type: ignore[misc]
        .select_related("space")
        .order_by("-last_posted_at", "-id")
    )
    return list(qs[:limit])


@dataclass
class ProfileActivity:
    topics: list[Topic]
    replies: list[Post]


def profile_activity(guardian: Guardian, person_id: int, *, limit: int = PROFILE_ITEMS) -> ProfileActivity:
    """A person's newest topics and replies that the viewer may read (the readable spaces and
    visible topics filters, in SQL; hidden and deleted posts left out). Two queries."""
    visible = guardian.discussions.visible_topics(Topic.objects.all())
    topics = list(
        visible.filter(author_id=person_id).select_related("space").order_by("-created_at", "-id")[:limit]
    )
    replies = list(
        Post.objects.filter(
            author_id=person_id,
            position__gt=1,
            hidden=False,
            deleted_at__isnull=True,
            topic_id__in=visible.values("pk"),
        )
        .select_related("topic__space")
        .order_by("-created_at", "-id")[:limit]
    )
    return ProfileActivity(topics=topics, replies=replies)
