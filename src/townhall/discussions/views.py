"""Discussion pages: parse the request, call a query or an action, render a page or its partial.

Every form posts to a real URL: a plain POST redirects with a message, an htmx POST gets a partial.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.content import mentions
from townhall.content.uploads import file_response
from townhall.core import pagecache
from townhall.core.confirm import ask_first, confirmed
from townhall.core.errors import Invalid
from townhall.core.forms import add_invalid_to_form
from townhall.core.htmx import FORM_ERRORS_STATUS, done, form_errors, is_htmx, render_page
from townhall.core.ids import parse_id, parse_page
from townhall.core.pagination import BadCursor
from townhall.core.undo import offer_undo
from townhall.discussions import actions, queries, uploads
from townhall.discussions.forms import EditForm, MoveForm, ReplyForm, TopicForm
from townhall.discussions.models import Post, Topic, reaction_choices
from townhall.policy.request import guardian_of
from townhall.spaces.models import Space
from townhall.spaces.queries import get_space_or_404, list_visible_spaces

VIEW_COOKIE = "th_topic_view"
VIEW_COOKIE_AGE = 365 * 24 * 3600
TOPIC_PARAMS = frozenset({"view", "page", "root"})  # a topic page with other parameters is not cached


def _reader_view(request: HttpRequest) -> tuple[str, bool]:
    """The reader's chosen view: ?view= (remembered in a cookie), else the cookie, else flat."""
    asked = request.GET.get("view")
    if asked in queries.VIEWS:
        return asked, True
    remembered = request.COOKIES.get(VIEW_COOKIE)
    return (remembered if remembered in queries.VIEWS else queries.FLAT), False


def topic_url(
    topic: Topic, *, view: str | None = None, page: int = 1, root: Post | None = None, anchor: str = ""
) -> str:
    url = reverse("discussions:topic", args=[topic.pk, topic.slug or "-"])
    params: dict[str, Any] = {}
    if view:
        params["view"] = view
    if page > 1:
        params["page"] = page
    if root is not None:
        params["root"] = root.pk
    if params:
        url += "?" + urlencode(params)
    return url + (f"#{anchor}" if anchor else "")


def post_url(post: Post) -> str:
    return reverse("discussions:post", args=[post.pk])


# --- lists ---------------------------------------------------------------------------------------
def _list_page(request: HttpRequest, kind: str, *, space: Space | None = None) -> HttpResponse:
    guardian = guardian_of(request)
    tag = queries.get_tag(guardian, request.GET.get("tag"))
    period = request.GET.get("period", "week")
    topic_list = queries.list_topics(
        guardian, kind=kind, space=space, tag=tag, cursor=request.GET.get("cursor") or None, period=period
    )
    context: dict[str, Any] = {"topic_list": topic_list, "space": space, "periods": list(queries.PERIODS)}
    if space is not None:
        context["follow_level"] = queries.space_follow_level(guardian, space)
    if is_htmx(request) and request.GET.get("cursor"):
        return render(request, "discussions/topic_list.html#rows", context)
    return render(request, "discussions/topic_list.html", context)


@require_GET
def latest(request: HttpRequest) -> HttpResponse:
    return _list_page(request, queries.LATEST)


@require_GET
def unread(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    return _list_page(request, queries.UNREAD)


@require_GET
def top(request: HttpRequest) -> HttpResponse:
    return _list_page(request, queries.TOP)


@require_GET
def space_topics(request: HttpRequest, slug: str) -> HttpResponse:
    space = get_space_or_404(guardian_of(request), slug)
    if not guardian_of(request).spaces.read.can(space):
        raise Http404("No such space")
    return _list_page(request, queries.LATEST, space=space)


@require_GET
def new_in_spaces(request: HttpRequest) -> HttpResponse:
    """More of the home page's "New in your spaces" (its "Load more" link): the rows for htmx, a page
    of their own without JavaScript."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    guardian = guardian_of(request)
    try:
        feed = queries.home_feed(guardian, cursor=request.GET.get("cursor") or None)
    except BadCursor as exc:
        messages.error(request, str(exc))
        feed = queries.home_feed(guardian)
    if is_htmx(request):
        return render(request, "discussions/sections/feed.html#feed-page", {"feed": feed})
    return render(request, "discussions/new.html", {"feed": feed})


@require_POST
def space_follow(request: HttpRequest, slug: str) -> HttpResponse:
    space = get_space_or_404(guardian_of(request), slug)
    try:
        follow = actions.set_space_follow_level(
            guardian_of(request), space, level=request.POST.get("level", "")
        )
    except Invalid as exc:
        if not is_htmx(request):
            raise
        context = {"space": space, "follow_level": request.POST.get("level", ""), "follow_error": exc.message}
        return form_errors(request, "discussions/topic_list.html", context, partial="follow", retarget=None)
    return done(
        request,
        redirect_to=reverse("discussions:space-topics", args=[space.slug]),
        message=f"You are now {follow.get_level_display().lower()} this space.",
        partial=("discussions/topic_list.html#follow", {"space": space, "follow_level": follow.level}),
    )


# --- creating topics -----------------------------------------------------------------------------
def _place_invalid(form: Any, exc: Invalid) -> list[str]:
    """Show an action's Invalid on its form and return the errors that belong beside the file field.

    Input the action already acted on (a stored file's link added to the body) is kept in the form."""
    attachment_errors = list(exc.field_errors.get("file", []))
    if not attachment_errors:
        add_invalid_to_form(form, exc)
    if exc.kept:  # keep a stored upload: no need to send it again
        kept = form.data.copy()
        for name, value in exc.kept.items():
            kept[name] = value
        form.data = kept
    return attachment_errors


def _attachment_name(attachment: Any) -> str:
    return (attachment.name if attachment is not None else None) or "file"


def topic_create(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the new-topic form (with the member's draft); POST: start the topic, with an optional file."""
    guardian = guardian_of(request)
    space = get_space_or_404(guardian, slug)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    guardian.discussions.create_topic.ensure(space)
    allow_announcement = guardian.discussions.create_announcement.can(space)
    draft_url = reverse("discussions:space-draft", args=[space.slug])
    if request.method == "POST":
        form = TopicForm(request.POST, allow_announcement=allow_announcement, draft_url=draft_url)
        attachment = request.FILES.get("attachment")
        attachment_errors: list[str] = []
        if form.is_valid():
            try:
                topic = actions.create_topic_with_attachment(
                    guardian,
                    space,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    kind=form.cleaned_data["kind"],
                    tags=form.cleaned_data["tags"],
                    file=attachment,
                    file_name=_attachment_name(attachment),
                )
            except Invalid as exc:
                attachment_errors = _place_invalid(form, exc)
            else:
                return done(request, redirect_to=topic_url(topic), message="Your topic is up.")
        context = {"form": form, "space": space, "attachment_errors": attachment_errors}
        return form_errors(request, "discussions/topic_form.html", context, partial="form")
    draft = queries.space_draft(guardian, space)
    initial = {"title": draft.title, "body": draft.body} if draft else {}
    form = TopicForm(initial=initial, allow_announcement=allow_announcement, draft_url=draft_url)
    return render(request, "discussions/topic_form.html", {"form": form, "space": space})


@require_POST
def space_draft(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    space = get_space_or_404(guardian, slug)
    try:
        draft = actions.save_draft(
            guardian, space=space, title=request.POST.get("title", ""), body=request.POST.get("body", "")
        )
    except Invalid as exc:
        return _draft_refused(exc)
    return _draft_answer(request, draft is not None, reverse("discussions:topic-create", args=[space.slug]))


def _draft_refused(exc: Invalid) -> HttpResponse:
    """The reason a draft was not kept, for the form's status line (htmx swaps 422 answers in)."""
    return HttpResponse(f"Draft not saved: {exc.message}", status=FORM_ERRORS_STATUS)


def _draft_answer(request: HttpRequest, saved: bool, back: str) -> HttpResponse:
    text = "Draft saved." if saved else "Draft discarded."
    if is_htmx(request):
        return HttpResponse(text)
    messages.success(request, text)
    return redirect(back)


# --- the topic page ------------------------------------------------------------------------------
def topic_short(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = queries.get_topic_or_404(guardian_of(request), topic_id)
    return HttpResponseRedirect(topic_url(topic))


def topic_detail(request: HttpRequest, topic_id: int, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    topic = queries.get_topic_or_404(guardian, topic_id, with_author=False)  # the page names post authors
    if slug != (topic.slug or "-"):
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return HttpResponseRedirect(reverse("discussions:topic", args=[topic.pk, topic.slug or "-"]) + query)
    view, chosen = _reader_view(request)
    root = None
    if view == queries.THREAD and request.GET.get("root"):
        root = Post.objects.filter(pk=parse_id(request.GET.get("root")), topic_id=topic.pk).first()

    def build(extra: Mapping[str, str]) -> HttpResponse:
        page = queries.topic_page(
            guardian, topic, view=view, page=parse_page(request.GET.get("page")), root=root
        )
        if guardian.user_id is not None and page.items:
            target = _read_up_to(page)
            if target > page.read_position:  # nothing to write when the reader has seen all of this
                actions.mark_read(guardian, topic, position=target)
        context = {
            "topic": topic,
            "space": topic.space,
            "page": page,
            "tags": list(topic.tags.all()),
            "reply_form": ReplyForm(initial={"body": page.draft_body} if page.draft_body else None),
            "canonical": request.build_absolute_uri(topic_url(topic, page=page.page)),
            "public": topic.space.visibility == Space.PUBLIC,
            "per_page": queries.POSTS_PER_PAGE,  # a full last page sends live replies to the next one
            **extra,
        }
        return render(request, "discussions/topic.html", context)

    response = pagecache.anonymous_page(
        request, version=f"topic:{topic.pk}:{topic.version}:{view}", build=build, allowed_params=TOPIC_PARAMS
    )
    if chosen:
        response.set_cookie(VIEW_COOKIE, view, max_age=VIEW_COOKIE_AGE, samesite="Lax", httponly=True)
    return response


def _all_items(items: list[queries.PostItem]) -> list[queries.PostItem]:
    out: list[queries.PostItem] = []
    for item in items:
        out.append(item)
        out.extend(_all_items(item.children))
    return out


def _read_up_to(page: queries.TopicPage) -> int:
    positions = sorted(i.post.position for i in _all_items(page.items))
    if page.view == queries.FLAT:
        return positions[-1]
    # Threaded pages skip around; count as read only what continues the reader's unbroken run.
    mark = page.read_position
    for position in positions:
        if position == mark + 1:
            mark = position
    return mark


@require_GET
def post_permalink(request: HttpRequest, post_id: int) -> HttpResponse:
    """Redirect to the page (and anchor) that shows the post, in the reader's view."""
    guardian = guardian_of(request)
    post = queries.get_post_or_404(guardian, post_id)
    view, _ = _reader_view(request)
    page, root = queries.locate_post(guardian, post, view=view)
    explicit = request.GET.get("view") if request.GET.get("view") in queries.VIEWS else None
    return HttpResponseRedirect(
        topic_url(post.topic, view=explicit, page=page, root=root, anchor=f"post-{post.pk}")
    )


@require_GET
def topic_first_unread(request: HttpRequest, topic_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    topic = queries.get_topic_or_404(guardian, topic_id)
    position = queries.first_unread_position(guardian, topic)
    post = Post.objects.filter(topic_id=topic.pk, position=position).select_related("topic").first()
    if post is None:
        return HttpResponseRedirect(topic_url(topic))
    view, _ = _reader_view(request)
    page, root = queries.locate_post(guardian, post, view=view)
    return HttpResponseRedirect(topic_url(topic, page=page, root=root, anchor=f"post-{post.pk}"))


def topic_reply(request: HttpRequest, topic_id: int) -> HttpResponse:
    """GET: a page with the reply form (replying to ?to=<post>); POST: create the reply.

    Refused input comes back on the form that was sent, with the text kept: the inline form
    (`reply.html#form`) or the topic page's reply box (`topic.html#reply-form`), 422 for htmx."""
    guardian = guardian_of(request)
    topic = queries.get_topic_or_404(guardian, topic_id)
    guardian.discussions.reply.ensure(topic)
    posting = request.method == "POST"
    source = request.POST if posting else request.GET
    reply_to = None
    target_refused: Invalid | None = None
    to_id = parse_id(source.get("reply_to") or source.get("to"))
    if to_id:
        try:
            reply_to = queries.get_reply_target(guardian, topic, to_id)
        except Invalid as exc:
            if not posting:
                raise
            target_refused = exc
    inline = not posting or bool(request.POST.get("inline"))
    attachment_errors: list[str] = []
    if posting:
        form = ReplyForm(request.POST)
        attachment = request.FILES.get("attachment")
        if target_refused is not None:
            form.is_valid()
            form.add_error(None, target_refused.message)
        elif form.is_valid():
            try:
                post = actions.reply_with_attachment(
                    guardian,
                    topic,
                    body=form.cleaned_data["body"],
                    reply_to=reply_to,
                    file=attachment,
                    file_name=_attachment_name(attachment),
                )
            except Invalid as exc:
                attachment_errors = _place_invalid(form, exc)
            else:
                return _reply_posted(request, topic, post, inline=inline)
    else:
        initial: dict[str, Any] = {"reply_to": reply_to.pk if reply_to else None}
        quoted = _quoted(guardian, topic, parse_id(request.GET.get("quote")))
        if quoted:
            initial["body"] = quoted
        form = ReplyForm(initial=initial)
    context = {
        "form": form,
        "topic": topic,
        "reply_to": reply_to,
        "reply_key": str(reply_to.pk) if reply_to else "topic",
        "attachment_errors": attachment_errors,
    }
    if posting and not inline and is_htmx(request):
        # The topic page's own reply box: its errors go back into it, in place.
        box = {"reply_form": form, "topic": topic, "attachment_errors": attachment_errors, "page": None}
        return form_errors(request, "discussions/topic.html", box, partial="reply-form")
    if posting:
        return form_errors(request, "discussions/reply.html", context, partial="form")
    if is_htmx(request):
        return render(request, "discussions/reply.html#form", context)
    return render(request, "discussions/reply.html", context)


def _reply_posted(request: HttpRequest, topic: Topic, post: Post, *, inline: bool) -> HttpResponse:
    if not is_htmx(request):
        messages.success(request, "Your reply is posted.")
        return redirect(post_url(post))
    if post.reply_to is not None and post.reply_to.author is not None:
        post.reply_to_author_name = post.reply_to.author.name  # type: ignore[attr-defined]
    item = queries.PostItem(post=post, reactions=[], visible=True)
    if inline:
        return render(request, "discussions/includes/post.html", {"item": item, "topic": topic, "page": None})
    return render(
        request,
        "discussions/topic.html#reply-done",
        {"item": item, "topic": topic, "reply_form": ReplyForm(), "page": None},
    )


def _quoted(guardian: Any, topic: Topic, post_id: int) -> str:
    """A Markdown quote of another post of the topic, with a link back to it."""
    if not post_id:
        return ""
    post = Post.objects.select_related("author").filter(pk=post_id, topic_id=topic.pk).first()
    if post is None:
        return ""
    post.topic = topic
    if not guardian.discussions.view_post_body.can(post):
        return ""
    who = f"@{post.author.username}" if post.author else "a former member"
    lines = "\n".join(f"> {line}" if line else ">" for line in post.body.splitlines()[:40])
    return f"{lines}\n>\n> — {who}, [post #{post.position}]({post_url(post)})\n\n"


@require_GET
def mention_suggestions(request: HttpRequest) -> HttpResponse:
    """People to @mention whose name starts with ?q= (an HTML fragment for the reply box)."""
    people = mentions.suggest(guardian_of(request), request.GET.get("q", "")[:30])
    return render(request, "content/mentions.html", {"people": people})


@require_POST
def topic_draft(request: HttpRequest, topic_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    topic = queries.get_topic_or_404(guardian, topic_id)
    try:
        draft = actions.save_draft(guardian, topic=topic, body=request.POST.get("body", ""))
    except Invalid as exc:
        return _draft_refused(exc)
    return _draft_answer(request, draft is not None, topic_url(topic))


@require_POST
def topic_follow(request: HttpRequest, topic_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    topic = queries.get_topic_or_404(guardian, topic_id)
    try:
        follow = actions.set_topic_follow_level(guardian, topic, level=request.POST.get("level", ""))
    except Invalid as exc:
        if not is_htmx(request):
            raise
        context = {"topic": topic, "page": {"follow_level": "normal"}, "follow_error": exc.message}
        return form_errors(request, "discussions/topic.html", context, partial="follow", retarget=None)
    return done(
        request,
        redirect_to=topic_url(topic),
        message=f"Follow level: {follow.get_level_display().lower()}.",
        partial=("discussions/topic.html#follow", {"topic": topic, "page": {"follow_level": follow.level}}),
    )


MODERATION = {
    "pin": lambda g, t, p: actions.pin_topic(g, t, scope=p.get("scope", Topic.PIN_SPACE)),
    "unpin": lambda g, t, p: actions.unpin_topic(g, t),
    "lock": lambda g, t, p: actions.lock_topic(g, t),
    "unlock": lambda g, t, p: actions.unlock_topic(g, t),
    "close": lambda g, t, p: actions.close_topic(g, t),
    "reopen": lambda g, t, p: actions.reopen_topic(g, t),
    "hide": lambda g, t, p: actions.hide_topic(g, t, reason=p.get("reason", "")),
    "restore": lambda g, t, p: actions.restore_topic(g, t),
}
MODERATION_DONE = {
    "pin": "Pinned.",
    "unpin": "Unpinned.",
    "lock": "Locked: nobody can reply.",
    "unlock": "Unlocked.",
    "close": "Closed for new replies.",
    "reopen": "Reopened.",
    "hide": "Hidden.",
    "restore": "Restored.",
}


HIDE_TOPIC_QUESTION = (
    "Members will no longer see it or find it; its author and the moderators still can. "
    "You can undo it for a few seconds afterwards, or restore it later."
)


@require_http_methods(["GET", "POST"])
def topic_moderate(request: HttpRequest, topic_id: int) -> HttpResponse:
    """Pin, lock, close, hide... a topic. Hiding asks first (GET shows that question) and offers an undo."""
    guardian = guardian_of(request)
    topic = queries.get_topic_or_404(guardian, topic_id)
    op = (request.POST if request.method == "POST" else request.GET).get("op", "")
    if request.method == "GET" and op != "hide":
        return HttpResponseNotAllowed(["POST"])
    if op not in MODERATION:
        raise Invalid("Unknown moderation action.")
    if op == "hide":
        guardian.discussions.moderate_topic.ensure(topic)
        if not confirmed(request):
            return ask_first(
                request,
                title=f"Hide “{topic.title}”?",
                question=HIDE_TOPIC_QUESTION,
                button="Hide topic",
                cancel_url=topic_url(topic),
                fields={"op": "hide"},
            )
    MODERATION[op](guardian, topic, request.POST)
    if op == "hide":
        undo = reverse("discussions:topic-moderate", args=[topic.pk])
        offer_undo(request, "Topic hidden.", action=undo, fields={"op": "restore"})
        return done(request, redirect_to=topic_url(topic))
    return done(request, redirect_to=topic_url(topic), message=MODERATION_DONE[op])


def topic_move(request: HttpRequest, topic_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    topic = queries.get_topic_or_404(guardian, topic_id)
    guardian.discussions.moderate_topic.ensure(topic)
    spaces = [
        s for s in list_visible_spaces(guardian) if s.pk != topic.space_id and guardian.spaces.moderate.can(s)
    ]
    form = MoveForm(request.POST or None, choices=[(s.slug, s.name) for s in spaces])
    context = {"form": form, "topic": topic}
    if request.method != "POST":
        return render(request, "discussions/move.html", context)
    if form.is_valid():
        target = get_space_or_404(guardian, form.cleaned_data["space"])
        try:
            actions.move_topic(guardian, topic, to_space=target)
        except Invalid as exc:
            add_invalid_to_form(form, exc)
        else:
            return done(request, redirect_to=topic_url(topic), message=f"Moved to {target.name}.")
    return form_errors(request, "discussions/move.html", context, partial="form")


@require_POST
def topic_accept(request: HttpRequest, topic_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    topic = queries.get_topic_or_404(guardian, topic_id)
    if request.POST.get("op") == "unaccept":
        actions.unaccept_answer(guardian, topic)
        return done(request, redirect_to=topic_url(topic), message="The answer is no longer accepted.")
    post = Post.objects.filter(pk=parse_id(request.POST.get("post"))).first()
    if post is None:
        raise Invalid("Choose a reply to accept.")
    actions.accept_answer(guardian, topic, post)
    return done(request, redirect_to=post_url(post), message="Marked as the accepted answer.")


# --- posts ---------------------------------------------------------------------------------------
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    post = queries.get_post_or_404(guardian, post_id)
    guardian.discussions.edit_post.ensure(post)
    topic = post.topic
    initial = {"body": post.body}
    if post.position == 1:
        initial |= {"title": topic.title, "tags": ", ".join(t.name for t in topic.tags.all())}
    form = EditForm(request.POST or None, initial=initial)
    context = {"form": form, "post": post, "topic": topic}
    if request.method != "POST":
        return render(request, "discussions/post_edit.html", context)
    if form.is_valid():
        try:
            actions.edit_post(
                guardian,
                post,
                body=form.cleaned_data["body"],
                title=form.cleaned_data["title"] if post.position == 1 else None,
                tags=form.cleaned_data["tags"] if post.position == 1 else None,
            )
        except Invalid as exc:
            add_invalid_to_form(form, exc)
        else:
            return done(request, redirect_to=post_url(post), message="Saved.")
    return form_errors(request, "discussions/post_edit.html", context, partial="form")


@require_http_methods(["GET", "POST"])
def post_delete(request: HttpRequest, post_id: int) -> HttpResponse:
    """Delete a post (or, the opening post, its topic) once the person has said yes; offer an undo."""
    guardian = guardian_of(request)
    post = queries.get_post_or_404(guardian, post_id)
    guardian.discussions.delete_post.ensure(post)
    opening = post.position == 1
    what = "topic" if opening else "post"
    if not confirmed(request):
        excerpt = Truncator(" ".join(post.body.split())).chars(140)
        gone = f"“{post.topic.title}” and every reply in it" if opening else f"Your post “{excerpt}”"
        if post.author_id != guardian.user_id and not opening:
            gone = f"The post “{excerpt}”"
        return ask_first(
            request,
            title=f"Delete this {what}?",
            question=f"{gone} will be gone for readers. You can undo it for a few seconds afterwards.",
            button=f"Delete {what}",
            cancel_url=post_url(post) if not opening else topic_url(post.topic),
        )
    actions.delete_post(guardian, post)
    offer_undo(
        request,
        f"{what.capitalize()} deleted.",
        action=reverse("discussions:post-undelete", args=[post.pk]),
    )
    if opening:
        return done(request, redirect_to=reverse("discussions:space-topics", args=[post.topic.space.slug]))
    return done(request, redirect_to=topic_url(post.topic))


@require_POST
def post_undelete(request: HttpRequest, post_id: int) -> HttpResponse:
    """Undo a deletion (the author for a few seconds, moderators any time)."""
    guardian = guardian_of(request)
    post = queries.get_deleted_post_or_404(guardian, post_id)
    actions.undelete_post(guardian, post)
    message = "Your topic is back." if post.position == 1 else "The post is back."
    return done(request, redirect_to=post_url(post), message=message)


@require_POST
def post_moderate(request: HttpRequest, post_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    post = queries.get_post_or_404(guardian, post_id)
    op = request.POST.get("op")
    if op == "hide":
        actions.hide_post(guardian, post, reason=request.POST.get("reason", ""))
        undo = reverse("discussions:post-moderate", args=[post.pk])
        offer_undo(request, "Post hidden.", action=undo, fields={"op": "restore"})
        return done(request, redirect_to=topic_url(post.topic))
    if op == "restore":
        actions.restore_post(guardian, post)
    else:
        raise Invalid("Unknown moderation action.")
    return done(request, redirect_to=topic_url(post.topic), message="Restored.")


@require_POST
def post_react(request: HttpRequest, post_id: int) -> HttpResponse:
    """Toggle the caller's reaction; htmx gets the post's reaction bar back."""
    guardian = guardian_of(request)
    post = queries.get_post_or_404(guardian, post_id)
    actions.toggle_reaction(guardian, post, emoji=request.POST.get("emoji", "")[:16])
    if is_htmx(request):
        choices = reaction_choices()
        summaries = queries.reactions_for(guardian, [post.pk], choices).get(post.pk, [])
        item = queries.PostItem(post=post, reactions=summaries, visible=True)
        return render(request, "discussions/includes/reactions.html", {"item": item, "choices": choices})
    return redirect(post_url(post))


@require_GET
def post_revisions(request: HttpRequest, post_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    post = queries.get_post_or_404(guardian, post_id)
    revisions = queries.post_revisions(guardian, post)
    versions = [(r.number, r.body, r.title, r.author, r.created_at) for r in revisions]
    versions.append(
        (
            len(revisions) + 1,
            post.body,
            post.topic.title if post.position == 1 else "",
            post.edited_by or post.author,
            post.edited_at or post.created_at,
        )
    )
    changes = []
    for older, newer in itertools.pairwise(versions):
        diff = list(
            difflib.unified_diff(
                (older[2] + "\n\n" + older[1]).splitlines() if older[2] else older[1].splitlines(),
                (newer[2] + "\n\n" + newer[1]).splitlines() if newer[2] else newer[1].splitlines(),
                fromfile=f"version {older[0]}",
                tofile=f"version {newer[0]}",
                lineterm="",
            )
        )
        changes.append({"number": newer[0], "author": newer[3], "at": newer[4], "lines": diff})
    changes.reverse()
    return render(
        request,
        "discussions/revisions.html",
        {"post": post, "topic": post.topic, "changes": changes, "original": versions[0]},
    )


# --- uploads -------------------------------------------------------------------------------------
def upload_create(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: an upload form; POST: store the file and show (or, for htmx, return) its Markdown."""
    guardian = guardian_of(request)
    space = get_space_or_404(guardian, slug)
    guardian.spaces.post.ensure(space)
    upload = None
    error = None
    if request.method == "POST":
        sent = request.FILES.get("file")
        if sent is None:
            error = "Choose a file to upload."
        else:
            try:
                upload = uploads.upload_file(guardian, space, file=sent, name=sent.name or "file")
            except Invalid as exc:
                error = exc.message
    context = {"space": space, "upload": upload, "error": error}
    if error:
        return form_errors(request, "discussions/upload.html", context, partial="result", retarget=None)
    return render_page(request, "discussions/upload.html", context, partial="result")


@require_GET
def upload_serve(request: HttpRequest, upload_id: int, name: str) -> HttpResponseBase:
    """Send the file to people who may read it, with headers that stop browsers from guessing."""
    upload = uploads.get_upload_or_404(guardian_of(request), upload_id)
    public = upload.space.visibility == Space.PUBLIC and (upload.post is None or not upload.post.hidden)
    return file_response(upload, public=public)


def space_content(request: HttpRequest, space: Space) -> tuple[str, dict[str, Any]]:
    """The discussion part of a space's page (the SpaceKind's content): pinned and latest topics."""
    guardian = guardian_of(request)
    return "discussions/space_content.html", {"topic_list": queries.space_topic_list(guardian, space)}
