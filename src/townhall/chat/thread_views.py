"""Thread pages: a thread (a full page on phones and without JavaScript; the side panel beside the
channel on wide screens), replying, following, loading earlier replies, one reply's fragment for live
updates, and the member's Threads list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from townhall.chat import actions, queries, thread_queries
from townhall.chat.forms import ThreadReplyForm
from townhall.chat.thread_context import (
    followers_context,
    fresh_reply_form,
    reply_form_context,
    root_in_space,
    thread_context,
)
from townhall.chat.views import _chat_space_or_404
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.core.forms import add_invalid_to_form
from townhall.core.htmx import done, form_errors, is_htmx
from townhall.core.ids import parse_id
from townhall.policy.request import guardian_of

THREAD = "chat/thread.html"
PANEL = "chat/thread_panel.html"
REPLY = "chat/reply.html"
THREADS = "chat/threads.html"
PANEL_TARGET = "chat-thread-panel"  # the side panel's id: the page asks for the panel alone


def thread_url(slug: str, root_id: int) -> str:
    return reverse("chat:thread", args=[slug, root_id])


@require_GET
def thread_view(request: HttpRequest, slug: str, root_id: int) -> HttpResponse:
    """The thread: the whole page, or only the panel when the channel page opens it beside itself."""
    space = _chat_space_or_404(request, slug)
    root = root_in_space(request, space, root_id)
    before = parse_id(request.GET.get("before")) or None
    context = thread_context(request, space, root, before=before)
    if is_htmx(request) and request.headers.get("HX-Target") == PANEL_TARGET:
        return render(request, PANEL, {**context, "in_panel": True})
    return render(request, THREAD, context)


@require_GET
def thread_earlier(request: HttpRequest, slug: str, root_id: int) -> HttpResponse:
    """The replies before ?before=<id>: the `earlier` partial for htmx, the thread page otherwise."""
    space = _chat_space_or_404(request, slug)
    root = root_in_space(request, space, root_id)
    before = parse_id(request.GET.get("before")) or None
    if not is_htmx(request):
        url = thread_url(space.slug, root.pk)
        return redirect(f"{url}?before={before}" if before else url)
    page = thread_queries.thread_page(guardian_of(request), root, before=before)
    return render(request, f"{PANEL}#earlier", {"space": space, "root": root, "thread": page})


@login_required
@require_POST
def thread_reply(request: HttpRequest, slug: str, root_id: int) -> HttpResponse:
    """Reply in the thread. htmx: the new reply (appended) and a fresh form; a plain POST redirects to
    the thread. Refused input comes back on the form with the text kept (422 for htmx)."""
    guardian = guardian_of(request)
    space = _chat_space_or_404(request, slug)
    root = root_in_space(request, space, root_id)
    form = ThreadReplyForm(request.POST)
    if form.is_valid():
        try:
            reply = actions.reply_in_thread(
                guardian, root, body=form.cleaned_data["body"], client_key=form.cleaned_data["client_key"],
                also_in_channel=form.cleaned_data["also_in_channel"],
            )  # fmt: skip
        except (Invalid, PermissionDenied) as exc:
            if isinstance(exc, Invalid):
                add_invalid_to_form(form, exc)
            else:
                form.add_error(None, exc.reason)
        else:
            reply.thread_root = root
            line = queries.single_line(guardian, space, reply)
            context = {"line": line, **reply_form_context(request, space, root, fresh_reply_form())}
            in_panel = request.POST.get("in_panel") == "1"
            if in_panel:
                context["in_panel"] = True
                if reply.also_in_channel:  # the channel beside the panel shows it at once, too
                    context["channel_line"] = line
            url = thread_url(space.slug, root.pk) + f"#r-{reply.pk}"
            return done(request, redirect_to=url, partial=(f"{PANEL}#sent", context))
    if is_htmx(request):
        context = {
            **reply_form_context(request, space, root, form),
            "in_panel": request.POST.get("in_panel") == "1",
        }
        return form_errors(request, PANEL, context, partial="form")
    return form_errors(request, THREAD, thread_context(request, space, root, form=form), partial="form")


def _follow_answer(request: HttpRequest, slug: str, root_id: int, *, follow: bool) -> HttpResponse:
    guardian = guardian_of(request)
    space = _chat_space_or_404(request, slug)
    root = root_in_space(request, space, root_id)
    if follow:
        actions.follow_thread(guardian, root)
    else:
        actions.unfollow_thread(guardian, root)
    text = "You follow this thread." if follow else "You no longer follow this thread."
    context = followers_context(request, space, root)
    return done(
        request,
        redirect_to=thread_url(space.slug, root.pk),
        message=text,
        partial=(f"{PANEL}#followers", context),
    )


@login_required
@require_POST
def thread_follow(request: HttpRequest, slug: str, root_id: int) -> HttpResponse:
    return _follow_answer(request, slug, root_id, follow=True)


@login_required
@require_POST
def thread_unfollow(request: HttpRequest, slug: str, root_id: int) -> HttpResponse:
    return _follow_answer(request, slug, root_id, follow=False)


@require_GET
def reply_fragment(request: HttpRequest, message_id: int) -> HttpResponse:
    """One reply as its reader may see it (an open thread fetches it when the stream says it was added
    or changed); without htmx, the thread around it. A message that is not a reply: 404."""
    guardian = guardian_of(request)
    reply = queries.get_message_or_404(guardian, message_id)
    if reply.thread_root_id is None:
        raise NotFound("No such reply")
    if not is_htmx(request):
        return redirect(thread_url(reply.space.slug, reply.thread_root_id) + f"#r-{reply.pk}")
    line = queries.single_line(guardian, reply.space, reply)
    return render(request, REPLY, {"space": reply.space, "line": line})


@login_required
@require_GET
def threads_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The threads of this channel the member follows, the most recent reply first, unread counted."""
    guardian = guardian_of(request)
    space = _chat_space_or_404(request, slug)
    threads = thread_queries.followed_threads(guardian, space)
    return render(request, THREADS, {"space": space, "threads": threads})


@login_required
@require_POST
def thread_read(request: HttpRequest, slug: str, root_id: int) -> HttpResponse:
    """The open thread has shown replies up to ?up_to=<id> (a reply that arrived live): 204, or back to
    the thread for a plain POST."""
    space = _chat_space_or_404(request, slug)
    root = root_in_space(request, space, root_id)
    actions.mark_thread_read(guardian_of(request), root, up_to=parse_id(request.POST.get("up_to")))
    if is_htmx(request):
        return HttpResponse(status=204)
    return redirect(thread_url(space.slug, root.pk))


@login_required
@require_GET
def threads_link(request: HttpRequest, slug: str) -> HttpResponse:
    """The channel's "Threads · N unread" link (the page fetches it when the stream says a thread got a
    reply or was read); without htmx, the Threads list."""
    space = _chat_space_or_404(request, slug)
    if not is_htmx(request):
        return redirect("chat:threads", space.slug)
    context = {"space": space, "threads_unread": thread_queries.unread_threads(guardian_of(request), space)}
    return render(request, "chat/threads_link.html", context)
