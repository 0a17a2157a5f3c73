"""API routes for discussions: the same actions and queries as the pages, JSON in and out."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Router, Status
from ninja.files import UploadedFile

from townhall.content import mentions
from townhall.core.api import API_ERRORS, ensure_write
from townhall.core.errors import Invalid, NotFound
from townhall.core.ids import Id, Limit, PageNumber
from townhall.core.schemas import Text
from townhall.discussions import actions, queries, uploads
from townhall.discussions.models import Post, ReactionChoice, Tag, Topic, TopicRead, reaction_choices
from townhall.discussions.schemas import (
    AcceptIn,
    DirectionIn,
    DraftIn,
    FollowIn,
    FollowOut,
    ModerateIn,
    MoveIn,
    PersonOut,
    PostIn,
    PostOut,
    PostPage,
    PostPatch,
    ReactionChoiceIn,
    ReactionChoiceOut,
    ReactionIn,
    ReadIn,
    ReadOut,
    RevisionOut,
    TagMergeIn,
    TagOut,
    TagRenameIn,
    TopicIn,
    TopicOut,
    TopicPage,
    UploadOut,
)
from townhall.policy.request import guardian_of
from townhall.spaces.queries import get_space_or_404

router = Router(tags=["discussions"])


def _person(user: Any) -> dict[str, str] | None:
    return {"username": user.username, "name": user.name} if user is not None else None


def topic_out(topic: Topic, *, tags: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "space": topic.space.slug,
        "title": topic.title,
        "slug": topic.slug,
        "kind": topic.kind,
        "tags": tags if tags is not None else [t.name for t in topic.tags.all()],
        "pinned": topic.pinned,
        "locked": topic.locked,
        "closed": topic.closed,
        "hidden": topic.hidden,
        "deleted": topic.deleted_at is not None,
        "solved": topic.accepted_post_id is not None,
        "accepted_post_id": topic.accepted_post_id,
        "post_count": topic.post_count,
        "reply_count": topic.reply_count,
        "last_position": topic.last_position,
        "last_posted_at": topic.last_posted_at,
        "created_at": topic.created_at,
        "author": _person(topic.author),
        "url": topic.get_absolute_url(),
        "unread_count": topic.unread_count if hasattr(topic, "read_position") else None,
    }


def post_out(g: Any, post: Post, reactions: list[queries.ReactionSummary] | None = None) -> dict[str, Any]:
    visible = g.discussions.view_post_body.can(post)
    return {
        "id": post.pk,
        "topic_id": post.topic_id,
        "position": post.position,
        "depth": post.depth,
        "reply_to_id": post.reply_to_id,
        "author": _person(post.author) if post.deleted_at is None else None,
        "body": post.body if visible else None,
        "body_html": post.body_html if visible else None,
        "hidden": post.hidden,
        "deleted": post.deleted_at is not None,
        "reply_count": post.reply_count,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "reactions": [vars(r) for r in (reactions or [])] if visible else [],
        "url": reverse("discussions:post", args=[post.pk]),
    }


def _post_with_reactions(g: Any, post: Post) -> dict[str, Any]:
    choices = reaction_choices()
    return post_out(g, post, queries.reactions_for(g, [post.pk], choices).get(post.pk, []))


# --- topics --------------------------------------------------------------------------------------
@router.get("/topics", response={200: TopicPage, **API_ERRORS}, summary="List topics")
def list_topics(
    request: HttpRequest,
    list: Text = "latest",
    space: Text | None = None,
    tag: Text | None = None,
    period: Text = "week",
    cursor: Text | None = None,
    limit: Limit = 30,
) -> Any:
    """Latest, unread or top (period: day, week, month, year) topics you may read, across spaces or in
    one `space` (slug), optionally with a `tag` (slug). Muted topics and spaces are left out."""
    g = guardian_of(request)
    if list not in queries.LISTS:
        raise Invalid("list must be latest, unread or top.", field_errors={"list": ["Not a valid choice."]})
    space_obj = get_space_or_404(g, space) if space else None
    if space_obj is not None and not g.spaces.read.can(space_obj):
        raise NotFound("No such space")
    result = queries.list_topics(
        g, kind=list, space=space_obj, tag=queries.get_tag(g, tag), cursor=cursor, period=period, limit=limit
    )
    items = [topic_out(t) for t in [*result.pinned, *result.topics]]
    return {"items": items, "next_cursor": result.next_cursor}


@router.post("/topics", response={201: TopicOut, **API_ERRORS}, summary="Start a topic")
def create_topic(request: HttpRequest, payload: TopicIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    space = get_space_or_404(g, payload.space)
    topic = actions.create_topic(
        g, space, title=payload.title, body=payload.body, kind=payload.kind, tags=payload.tags
    )
    topic.space = space
    return Status(201, topic_out(topic))


@router.get("/topics/{topic_id}", response={200: TopicOut, **API_ERRORS}, summary="One topic")
def get_topic(request: HttpRequest, topic_id: Id) -> Any:
    return topic_out(queries.get_topic_or_404(guardian_of(request), topic_id))


@router.get("/topics/{topic_id}/posts", response={200: PostPage, **API_ERRORS}, summary="A page of posts")
def topic_posts(
    request: HttpRequest, topic_id: Id, view: str = "flat", page: PageNumber = 1, root: Id | None = None
) -> Any:
    """20 posts per page, flat (by position) or thread (tree order, 6 levels below `root`)."""
    g = guardian_of(request)
    topic = queries.get_topic_or_404(g, topic_id)
    root_post = Post.objects.filter(pk=root, topic_id=topic.pk).first() if root else None
    result = queries.topic_page(g, topic, view=view, page=page, root=root_post)
    flat: list[queries.PostItem] = []

    def walk(items: list[queries.PostItem]) -> None:
        for item in items:
            flat.append(item)
            walk(item.children)

    if result.view == queries.THREAD and result.opening is not None:
        flat.append(result.opening)
    walk(result.items)
    return {
        "view": result.view,
        "page": result.page,
        "pages": result.pages,
        "items": [post_out(g, i.post, i.reactions) for i in flat],
    }


@router.post("/topics/{topic_id}/posts", response={201: PostOut, **API_ERRORS}, summary="Reply")
def create_post(request: HttpRequest, topic_id: Id, payload: PostIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    topic = queries.get_topic_or_404(g, topic_id)
    reply_to = None
    if payload.reply_to is not None:
        reply_to = queries.get_reply_target(g, topic, payload.reply_to)
    post = actions.create_post(g, topic, body=payload.body, reply_to=reply_to)
    return Status(201, post_out(g, post))


@router.post(
    "/topics/{topic_id}/moderation", response={200: TopicOut, **API_ERRORS}, summary="Moderate a topic"
)
def moderate_topic(request: HttpRequest, topic_id: Id, payload: ModerateIn) -> Any:
    """op: pin (scope space or site), unpin, lock, unlock, close, reopen, hide, restore."""
    ensure_write(request)
    g = guardian_of(request)
    topic = queries.get_topic_or_404(g, topic_id)
    ops = {
        "pin": lambda: actions.pin_topic(g, topic, scope=payload.scope),
        "unpin": lambda: actions.unpin_topic(g, topic),
        "lock": lambda: actions.lock_topic(g, topic),
        "unlock": lambda: actions.unlock_topic(g, topic),
        "close": lambda: actions.close_topic(g, topic),
        "reopen": lambda: actions.reopen_topic(g, topic),
        "hide": lambda: actions.hide_topic(g, topic, reason=payload.reason),
        "restore": lambda: actions.restore_topic(g, topic),
    }
    if payload.op not in ops:
        raise Invalid("Unknown moderation action.", field_errors={"op": ["Not a valid choice."]})
    ops[payload.op]()
    return topic_out(topic)


@router.post("/topics/{topic_id}/move", response={200: TopicOut, **API_ERRORS}, summary="Move a topic")
def move_topic(request: HttpRequest, topic_id: Id, payload: MoveIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    topic = queries.get_topic_or_404(g, topic_id)
    actions.move_topic(g, topic, to_space=get_space_or_404(g, payload.space))
    return topic_out(topic)


@router.put("/topics/{topic_id}/accepted", response={200: TopicOut, **API_ERRORS}, summary="Accept an answer")
def accept_answer(request: HttpRequest, topic_id: Id, payload: AcceptIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    topic = queries.get_topic_or_404(g, topic_id)
    post = Post.objects.filter(pk=payload.post_id).first()
    if post is None:
        raise Invalid("That post does not exist.", field_errors={"post_id": ["Unknown post."]})
    actions.accept_answer(g, topic, post)
    return topic_out(topic)


@router.delete(
    "/topics/{topic_id}/accepted", response={200: TopicOut, **API_ERRORS}, summary="Unaccept the answer"
)
def unaccept_answer(request: HttpRequest, topic_id: Id) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    topic = queries.get_topic_or_404(g, topic_id)
    actions.unaccept_answer(g, topic)
    return topic_out(topic)


def _read_out(g: Any, topic: Topic) -> dict[str, Any]:
    read = TopicRead.objects.filter(user_id=g.user_id, topic_id=topic.pk).first()
    highest = read.highest_position_read if read else 0
    return {
        "topic_id": topic.pk,
        "highest_position_read": highest,
        "last_position": topic.last_position,
        "unread_count": max(topic.last_position - highest, 0),
    }


@router.get("/topics/{topic_id}/read", response={200: ReadOut, **API_ERRORS}, summary="Your read state")
def get_read(request: HttpRequest, topic_id: Id) -> Any:
    g = guardian_of(request)
    topic = queries.get_topic_or_404(g, topic_id)
    g.discussions.track.ensure()
    return _read_out(g, topic)


@router.put(
    "/topics/{topic_id}/read", response={200: ReadOut, **API_ERRORS}, summary="Mark read up to a position"
)
def put_read(request: HttpRequest, topic_id: Id, payload: ReadIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    topic = queries.get_topic_or_404(g, topic_id)
    actions.mark_read(g, topic, position=payload.position)
    return _read_out(g, topic)


@router.put(
    "/topics/{topic_id}/follow", response={200: FollowOut, **API_ERRORS}, summary="Topic follow level"
)
def follow_topic(request: HttpRequest, topic_id: Id, payload: FollowIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    follow = actions.set_topic_follow_level(g, queries.get_topic_or_404(g, topic_id), level=payload.level)
    return {"level": follow.level}


@router.put("/spaces/{slug}/follow", response={200: FollowOut, **API_ERRORS}, summary="Space follow level")
def follow_space(request: HttpRequest, slug: Text, payload: FollowIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    follow = actions.set_space_follow_level(g, get_space_or_404(g, slug), level=payload.level)
    return {"level": follow.level}


@router.put("/topics/{topic_id}/draft", response={204: None, **API_ERRORS}, summary="Save your reply draft")
def save_draft(request: HttpRequest, topic_id: Id, payload: DraftIn) -> Any:
    """An empty body discards the draft."""
    ensure_write(request)
    g = guardian_of(request)
    actions.save_draft(g, topic=queries.get_topic_or_404(g, topic_id), body=payload.body)
    return Status(204, None)


# --- posts ---------------------------------------------------------------------------------------
@router.get("/posts/{post_id}", response={200: PostOut, **API_ERRORS}, summary="One post")
def get_post(request: HttpRequest, post_id: Id) -> Any:
    g = guardian_of(request)
    return _post_with_reactions(g, queries.get_post_or_404(g, post_id))


@router.patch("/posts/{post_id}", response={200: PostOut, **API_ERRORS}, summary="Edit a post")
def edit_post(request: HttpRequest, post_id: Id, payload: PostPatch) -> Any:
    """The previous text is kept as a revision. `title` and `tags` apply to the opening post only."""
    ensure_write(request)
    g = guardian_of(request)
    post = queries.get_post_or_404(g, post_id)
    actions.edit_post(g, post, body=payload.body, title=payload.title, tags=payload.tags)
    return _post_with_reactions(g, post)


@router.delete("/posts/{post_id}", response={204: None, **API_ERRORS}, summary="Delete your post")
def delete_post(request: HttpRequest, post_id: Id) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    actions.delete_post(g, queries.get_post_or_404(g, post_id))
    return Status(204, None)


@router.post("/posts/{post_id}/undelete", response={200: PostOut, **API_ERRORS}, summary="Undo a deletion")
def undelete_post(request: HttpRequest, post_id: Id) -> Any:
    """Bring a deleted post back: its author shortly after deleting it (their own deletion only),
    moderators at any time. Undeleting the opening post brings its topic back."""
    ensure_write(request)
    g = guardian_of(request)
    post = queries.get_deleted_post_or_404(g, post_id)
    actions.undelete_post(g, post)
    return _post_with_reactions(g, post)


@router.get(
    "/posts/{post_id}/revisions", response={200: list[RevisionOut], **API_ERRORS}, summary="Earlier versions"
)
def post_revisions(request: HttpRequest, post_id: Id) -> Any:
    g = guardian_of(request)
    post = queries.get_post_or_404(g, post_id)
    return [
        {
            "number": r.number,
            "title": r.title,
            "body": r.body,
            "author": _person(r.author),
            "created_at": r.created_at,
        }
        for r in queries.post_revisions(g, post)
    ]


@router.post("/posts/{post_id}/reactions", response={200: PostOut, **API_ERRORS}, summary="React")
def add_reaction(request: HttpRequest, post_id: Id, payload: ReactionIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    post = queries.get_post_or_404(g, post_id)
    actions.react(g, post, emoji=payload.emoji)
    return _post_with_reactions(g, post)


@router.delete(
    "/posts/{post_id}/reactions/{emoji}", response={200: PostOut, **API_ERRORS}, summary="Remove a reaction"
)
def remove_reaction(request: HttpRequest, post_id: Id, emoji: Text) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    post = queries.get_post_or_404(g, post_id)
    actions.unreact(g, post, emoji=emoji[:16])
    return _post_with_reactions(g, post)


@router.get("/mentions", response={200: list[PersonOut], **API_ERRORS}, summary="People to @mention")
def mention_suggestions(request: HttpRequest, q: Text = "") -> Any:
    """Members you can see whose username or display name starts with `q` (at most 8)."""
    return [_person(u) for u in mentions.suggest(guardian_of(request), q[:30])]


@router.post(
    "/spaces/{slug}/uploads", response={201: UploadOut, **API_ERRORS}, summary="Upload an image or file"
)
def create_upload(request: HttpRequest, slug: Text, file: File[UploadedFile]) -> Any:
    """Multipart field `file`. The type is sniffed from the content; images are resized. Put the returned
    `markdown` into a post of this space; the file is then served to that post's readers only."""
    ensure_write(request)
    g = guardian_of(request)
    upload = uploads.upload_file(g, get_space_or_404(g, slug), file=file, name=file.name or "file")
    return Status(
        201,
        {
            "id": upload.pk,
            "kind": upload.kind,
            "name": upload.name,
            "content_type": upload.content_type,
            "size": upload.size,
            "width": upload.width,
            "height": upload.height,
            "url": upload.get_absolute_url(),
            "markdown": upload.markdown,
        },
    )


# --- curation (admins): the reaction set and tags ---------------------------------------------------
def _choices_out() -> list[dict[str, str]]:
    return [{"emoji": c.emoji, "label": c.label} for c in reaction_choices()]


def _offered_or_404(emoji: str) -> ReactionChoice:
    choice = next((c for c in reaction_choices() if c.emoji == emoji), None)
    if choice is None:
        raise NotFound("No such reaction")
    return choice


@router.get("/reactions", response={200: list[ReactionChoiceOut], **API_ERRORS}, summary="The reaction set")
def list_reaction_choices(request: HttpRequest) -> Any:
    """The reactions members can give, in the order posts show them."""
    return _choices_out()


@router.post(
    "/reactions", response={201: list[ReactionChoiceOut], **API_ERRORS}, summary="Offer one more reaction"
)
def add_reaction_choice(request: HttpRequest, payload: ReactionChoiceIn) -> Any:
    """Admins only. Appends it to the set; answers the whole set."""
    ensure_write(request)
    actions.add_reaction_choice(guardian_of(request), emoji=payload.emoji, label=payload.label)
    return Status(201, _choices_out())


@router.delete("/reactions/{emoji}", response={204: None, **API_ERRORS}, summary="Stop offering a reaction")
def remove_reaction_choice(request: HttpRequest, emoji: Text) -> Any:
    """Admins only. Reactions already given stay on their posts."""
    ensure_write(request)
    g = guardian_of(request)
    g.discussions.manage_reactions.ensure()
    actions.remove_reaction_choice(g, _offered_or_404(emoji[:16]))
    return Status(204, None)


@router.post(
    "/reactions/{emoji}/move", response={200: list[ReactionChoiceOut], **API_ERRORS}, summary="Reorder"
)
def move_reaction_choice(request: HttpRequest, emoji: Text, payload: DirectionIn) -> Any:
    """Admins only. Moves a reaction one place up or down; answers the whole set."""
    ensure_write(request)
    g = guardian_of(request)
    g.discussions.manage_reactions.ensure()
    actions.move_reaction_choice(g, _offered_or_404(emoji[:16]), direction=payload.direction)
    return _choices_out()


def _tag_or_404(request: HttpRequest, tag_id: int) -> Tag:
    guardian_of(request).discussions.manage_tags.ensure()
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is None:
        raise NotFound("No such tag")
    return tag


@router.patch("/tags/{tag_id}", response={200: TagOut, **API_ERRORS}, summary="Rename a tag")
def rename_tag(request: HttpRequest, tag_id: Id, payload: TagRenameIn) -> Any:
    """Admins only. A name another tag has is refused: merge them instead."""
    ensure_write(request)
    return actions.rename_tag(guardian_of(request), _tag_or_404(request, tag_id), name=payload.name)


@router.post("/tags/{tag_id}/merge", response={200: TagOut, **API_ERRORS}, summary="Merge a tag into another")
def merge_tag(request: HttpRequest, tag_id: Id, payload: TagMergeIn) -> Any:
    """Admins only. Its topics move to `into`, and the tag goes; answers the tag that stays."""
    ensure_write(request)
    source = _tag_or_404(request, tag_id)
    return actions.merge_tags(guardian_of(request), source, into=_tag_or_404(request, payload.into))


@router.delete("/tags/{tag_id}", response={204: None, **API_ERRORS}, summary="Delete a tag")
def delete_tag(request: HttpRequest, tag_id: Id) -> Any:
    """Admins only. Its topics lose it."""
    ensure_write(request)
    actions.delete_tag(guardian_of(request), _tag_or_404(request, tag_id))
    return Status(204, None)
