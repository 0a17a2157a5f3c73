"""Live sessions on an event's page: the live chat beside the join link (chat's thread, reused), and the
host's "turn the chat into the recap topic" after the start.

The event page includes `events/live_panel.html` with the context of `live_context(request, occurrence)`
(everything under the one key `live`, so nothing collides with the page's own names). The same panel
is also a page of its own, /events/date/<id>/live/, for a phone held beside the call.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from townhall.chat import thread_queries
from townhall.chat.forms import PromoteForm
from townhall.chat.models import Message
from townhall.chat.thread_context import thread_context
from townhall.core.errors import Invalid, PermissionDenied
from townhall.events import queries
from townhall.events.actions import live
from townhall.events.models import Event, Occurrence
from townhall.policy.calendar import JOIN_LINK_LEAD, live_chat_space
from townhall.policy.request import guardian_of

LIVE = "events/live.html"
PANEL = "events/live_panel.html"
THREAD = "chat/thread_panel.html"


def _phase(occurrence: Occurrence) -> str:
    now = timezone.now()
    if now < occurrence.starts_at - JOIN_LINK_LEAD:
        return "before"
    return "during" if now <= occurrence.ends_at else "after"


def _recap_form(targets: list[Any], event: Event, data: Any = None) -> PromoteForm:
    form = PromoteForm(data, initial={"title": f"Recap: {event.title}"[:200]}, prefix="recap")
    form.fields["space"].choices = [(space.pk, space.name) for space in targets]  # type: ignore[attr-defined]
    return form


def live_context(
    request: HttpRequest, occurrence: Occurrence, *, recap_form: PromoteForm | None = None
) -> dict[str, Any]:
    """What the live panel shows for `occurrence` (the viewer may read its event): {"live": {...}}.
    `live.shown` is False for events that are not online (the panel then renders nothing)."""
    guardian = guardian_of(request)
    event = occurrence.event
    if not event.online or event.state != Event.PUBLISHED:
        return {"live": {"shown": False}}
    phase = _phase(occurrence)
    root = None
    if event.chat_root_id is not None:
        root = (
            Message.objects.select_related("space", "author", "promoted_to")
            .filter(pk=event.chat_root_id)
            .first()
        )
    info: dict[str, Any] = {
        "shown": True, "phase": phase, "event": event, "occurrence": occurrence, "root": root,
        "chat_space": root.space if root is not None else live_chat_space(event),
        "recap_topic": event.recap_topic if event.recap_topic_id else None,
        "can_open": guardian.events.open_live_chat.can(event) and root is None,
        "is_host": guardian.events.manage_attendees.can(event),
        "here": request.get_full_path(),
    }  # fmt: skip
    if root is not None and guardian.chat.view_thread.can(root):
        context = thread_context(request, root.space, root)
        info["thread_html"] = render_to_string(THREAD, context, request=request)
    info["can_read"] = "thread_html" in info
    # The rule allows the recap from the start; the panel offers it once the session is over, so that
    # nobody closes the chat by mistake while people are still talking.
    if phase != "after":
        pass
    elif guardian.events.promote_recap.can(event) and root is not None and guardian.chat.promote.can(root):
        targets = thread_queries.promotion_targets(guardian)
        info["recap_form"] = recap_form or _recap_form(targets, event)
        info["recap_targets"] = targets
    elif root is not None and guardian.events.promote_recap.can(event):
        info["recap_refusal"] = guardian.chat.promote.reason(root)
    return {"live": info}


def _back(request: HttpRequest, occurrence: Occurrence) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("events:live", args=[occurrence.pk])


@require_GET
def live_page(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    """The live panel as a page of its own (the chat beside a call on a second screen)."""
    occurrence = queries.get_occurrence_or_404(guardian_of(request), occurrence_id)
    return render(
        request,
        LIVE,
        {"occurrence": occurrence, "event": occurrence.event, **live_context(request, occurrence)},
    )


@login_required
@require_POST
def live_open(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    """A host opens the live chat (its root message goes to the chat space)."""
    guardian = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(guardian, occurrence_id)
    try:
        live.open_live_chat(guardian, occurrence.event)
    except PermissionDenied as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(request, "The live chat is open.")
    return redirect(_back(request, occurrence))


@login_required
@require_POST
def live_recap(request: HttpRequest, occurrence_id: int) -> HttpResponse:
    """A host turns the live chat into the event's recap topic, then lands on the topic."""
    guardian = guardian_of(request)
    occurrence = queries.get_occurrence_or_404(guardian, occurrence_id)
    event = occurrence.event
    guardian.events.promote_recap.ensure(event)
    targets = thread_queries.promotion_targets(guardian)
    form = _recap_form(targets, event, request.POST)
    if form.is_valid():
        to_space = next((s for s in targets if s.pk == form.cleaned_data["space"]), None)
        try:
            if to_space is None:
                raise Invalid(
                    "Pick a discussions space.", field_errors={"space": ["Pick a discussions space."]}
                )
            topic = live.promote_live_chat(
                guardian, event, to_space=to_space, title=form.cleaned_data["title"]
            )
        except Invalid as exc:
            for field, errors in exc.field_errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.field_errors:
                form.add_error(None, exc.message)
        else:
            messages.success(request, "The live chat is now the event's recap topic.")
            return redirect(topic.get_absolute_url())
    context = {"occurrence": occurrence, "event": event, **live_context(request, occurrence, recap_form=form)}
    return render(request, LIVE, context, status=400)


urlpatterns: list[URLPattern] = [
    path("events/date/<id:occurrence_id>/live/", live_page, name="live"),
    path("events/date/<id:occurrence_id>/live/open/", live_open, name="live-open"),
    path("events/date/<id:occurrence_id>/live/recap/", live_recap, name="live-recap"),
]
