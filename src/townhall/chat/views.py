"""Chat pages: the channel (the chat kind's part of the space page), sending, editing, deleting,
restoring, pinning and unpinning, loading earlier messages, and one message's fragment for live updates."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.chat import actions, live, queries, thread_context
from townhall.chat.forms import MessageForm, TopicForm
from townhall.chat.models import MAX_ATTACHMENTS, Message
from townhall.core.errors import Invalid, PermissionDenied
from townhall.core.forms import add_invalid_to_form
from townhall.core.htmx import done, form_errors, is_htmx
from townhall.core.ids import parse_id
from townhall.policy.chat import slow_mode_seconds
from townhall.policy.chat import topic as topic_of
from townhall.policy.request import guardian_of
from townhall.spaces.models import Space
from townhall.spaces.queries import get_space_or_404

CHANNEL = "chat/channel.html"
COMPOSE = "chat/compose.html"
MESSAGE = "chat/message.html"
CHANGED = "chat/changed.html"
PINNED = "chat/pinned.html"


def _chat_space_or_404(request: HttpRequest, slug: str) -> Space:
    guardian = guardian_of(request)
    space = get_space_or_404(guardian, slug)
    guardian.chat.read.ensure(space)
    return space


def _fresh_form() -> MessageForm:
    return MessageForm(initial={"client_key": uuid.uuid4().hex})


def _form_context(request: HttpRequest, space: Space, form: MessageForm) -> dict[str, Any]:
    guardian = guardian_of(request)
    return {
        "space": space,
        "form": form,
        "post_refusal": guardian.chat.post.reason(space),
        "slow_mode": slow_mode_seconds(space),
        "max_files": MAX_ATTACHMENTS,
    }


def space_content(request: HttpRequest, space: Space) -> tuple[str, dict[str, Any]]:
    """The chat part of a space's page (the SpaceKind's content): the topic line, the Pinned area, the
    newest messages with a "New messages" divider before the first unread one, and the composer.
    Showing the newest messages marks the channel read up to them."""
    guardian = guardian_of(request)
    before = parse_id(request.GET.get("before")) or None
    page = queries.channel_page(guardian, space, before=before)
    # Where the member had read up to before this visit: the "New messages" divider goes there.
    unread = queries.first_unread(guardian, page, queries.read_position(guardian, space))
    if before is None and page.newest_id:
        actions.mark_read(guardian, space, up_to=page.newest_id)
    context = {
        "page": page,
        "first_unread": unread,
        "before": before,
        "shown_ids": {line.message.pk for line in page.lines},
        "topic": topic_of(space),
        **live.presence_context(guardian, {line.message.author_id for line in page.lines}),
        **_pinned_context(request, space),
        **_form_context(request, space, _fresh_form()),
        **thread_context.unread_threads(request, space),
        **thread_context.panel_from_query(request, space),
    }
    return CHANNEL, context


def _pinned_context(request: HttpRequest, space: Space) -> dict[str, Any]:
    guardian = guardian_of(request)
    return {
        "pinned": queries.pinned_messages(guardian, space),
        "can_moderate": guardian.user is not None and guardian.spaces.moderate.can(space),
    }


@require_GET
def channel_earlier(request: HttpRequest, slug: str) -> HttpResponse:
    """The messages before ?before=<id>: the `earlier` partial for htmx, the space page otherwise."""
    space = _chat_space_or_404(request, slug)
    before = parse_id(request.GET.get("before")) or None
    if not is_htmx(request):
        url = reverse("spaces:detail", args=[space.slug])
        return redirect(f"{url}?before={before}" if before else url)
    page = queries.channel_page(guardian_of(request), space, before=before)
    dots = live.presence_context(guardian_of(request), {line.message.author_id for line in page.lines})
    return render(request, f"{CHANNEL}#earlier", {"space": space, "page": page, **dots})


@require_GET
def channel_pinned(request: HttpRequest, slug: str) -> HttpResponse:
    """The Pinned area (the page fetches it when the stream says a message was pinned, unpinned, deleted
    or restored); without htmx, the space page."""
    space = _chat_space_or_404(request, slug)
    if not is_htmx(request):
        return redirect("spaces:detail", space.slug)
    return render(request, PINNED, {"space": space, **_pinned_context(request, space)})


@login_required
@require_POST
def message_send(request: HttpRequest, slug: str) -> HttpResponse:
    """Send a message. htmx: the new message (appended to the list) and a fresh composer; a plain POST
    redirects to the channel. Refused input comes back on the form with the text kept (422 for htmx)."""
    guardian = guardian_of(request)
    space = _chat_space_or_404(request, slug)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            files = [(f, f.name or "file") for f in request.FILES.getlist("files")]
            message = actions.send_message_with_files(
                guardian, space, body=form.cleaned_data["body"], files=files,
                client_key=form.cleaned_data["client_key"],
            )  # fmt: skip
        except (Invalid, PermissionDenied) as exc:
            if isinstance(exc, Invalid):
                add_invalid_to_form(form, exc)
            else:
                form.add_error(None, exc.reason)
        else:
            line = queries.single_line(guardian, space, message)
            context = {"space": space, "line": line, **_form_context(request, space, _fresh_form())}
            url = reverse("spaces:detail", args=[space.slug]) + f"#m-{message.pk}"
            return done(request, redirect_to=url, partial=(f"{CHANNEL}#sent", context))
    context = _form_context(request, space, form)
    return form_errors(request, COMPOSE, context, partial="form")


@require_GET
def message_fragment(request: HttpRequest, message_id: int) -> HttpResponse:
    """One message as its reader may see it (the page fetches it when the stream says it changed);
    without htmx, the channel around it."""
    guardian = guardian_of(request)
    message = queries.get_message_or_404(guardian, message_id)
    if not is_htmx(request):
        return redirect(_back(message))  # a reply kept in its thread: the thread
    line = queries.single_line(guardian, message.space, message)
    return render(request, MESSAGE, {"space": message.space, "line": line})


def _back(message: Message) -> str:
    if message.thread_root_id is not None and not message.also_in_channel:
        # A reply kept in its thread goes back to the thread.
        url = reverse("chat:thread", args=[message.space.slug, message.thread_root_id])
        return f"{url}#r-{message.pk}"
    return reverse("spaces:detail", args=[message.space.slug]) + f"?before={message.pk + 1}#m-{message.pk}"


@login_required
@require_http_methods(["GET", "POST"])
def message_edit(request: HttpRequest, message_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    message = queries.get_message_or_404(guardian, message_id)
    guardian.chat.edit.ensure(message)
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                actions.edit_message(guardian, message, body=form.cleaned_data["body"])
            except Invalid as exc:
                add_invalid_to_form(form, exc)
            else:
                return done(request, redirect_to=_back(message), message="Message edited.")
        context = {"space": message.space, "message": message, "form": form}
        return form_errors(request, "chat/edit.html", context, partial="form")
    form = MessageForm(initial={"body": message.body})
    return render(request, "chat/edit.html", {"space": message.space, "message": message, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The channel's topic line (moderators). Refused input comes back beside the field, text kept."""
    guardian = guardian_of(request)
    space = _chat_space_or_404(request, slug)
    guardian.chat.set_topic.ensure(space)
    back = reverse("spaces:detail", args=[space.slug])
    if request.method == "POST":
        form = TopicForm(request.POST)
        if form.is_valid():
            try:
                actions.set_topic(guardian, space, topic=form.cleaned_data["topic"])
            except Invalid as exc:
                add_invalid_to_form(form, exc)
            else:
                return done(request, redirect_to=back, message="Topic saved.")
        return form_errors(request, "chat/topic.html", {"space": space, "form": form}, partial="form")
    form = TopicForm(initial={"topic": topic_of(space)})
    return render(request, "chat/topic.html", {"space": space, "form": form})


@login_required
@require_POST
def message_delete(request: HttpRequest, message_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    message = actions.delete_message(guardian, queries.get_message_or_404(guardian, message_id))
    return _changed(request, message, "Message deleted.")


@login_required
@require_POST
def message_restore(request: HttpRequest, message_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    message = actions.restore_message(guardian, queries.get_message_or_404(guardian, message_id))
    return _changed(request, message, "Message restored.")


@login_required
@require_POST
def message_pin(request: HttpRequest, message_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    message = actions.pin_message(guardian, queries.get_message_or_404(guardian, message_id))
    return _changed(request, message, "Message pinned.")


@login_required
@require_POST
def message_unpin(request: HttpRequest, message_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    message = actions.unpin_message(guardian, queries.get_message_or_404(guardian, message_id))
    return _changed(request, message, "Message unpinned.")


def _changed(request: HttpRequest, message: Message, text: str) -> HttpResponse:
    """After a change to one message: htmx gets the message and the Pinned area (out of band), or only
    the Pinned area when the button sat there (`area=pinned`); a plain POST goes back to the channel."""
    guardian = guardian_of(request)
    space = message.space
    line = queries.single_line(guardian, space, message)
    from_pinned = request.POST.get("area") == "pinned"
    if request.POST.get("area") == "thread" and message.thread_root_id is not None:
        # The button sat on a reply in an open thread: answer with the reply as the thread shows it.
        reply_back = reverse("chat:thread", args=[space.slug, message.thread_root_id]) + f"#r-{message.pk}"
        partial = ("chat/reply.html", {"space": space, "line": line})
        return done(request, redirect_to=reply_back, message=text, partial=partial)
    context = {"space": space, "line": line, "from_pinned": from_pinned, **_pinned_context(request, space)}
    back = reverse("spaces:detail", args=[space.slug]) if from_pinned else _back(message)
    return done(request, redirect_to=back, message=text, partial=(CHANGED, context))
