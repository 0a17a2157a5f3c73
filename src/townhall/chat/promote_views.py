"""Moving a chat message and its thread to a discussion topic ("Move to topic")."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from townhall.chat import actions, thread_queries
from townhall.chat.forms import PromoteForm
from townhall.chat.models import Message
from townhall.chat.thread_context import root_in_space
from townhall.chat.views import _chat_space_or_404
from townhall.core.errors import Invalid, NotFound
from townhall.core.forms import add_invalid_to_form
from townhall.core.htmx import done, form_errors
from townhall.policy.request import guardian_of
from townhall.spaces.models import Space

PROMOTE = "chat/promote.html"
TITLE_SUGGESTED = 120


def _suggested_title(root: Message) -> str:
    first = next((line.strip() for line in root.body.splitlines() if line.strip()), "")
    return first if len(first) <= TITLE_SUGGESTED else first[: TITLE_SUGGESTED - 1].rstrip() + "…"


def _form(targets: list[Space], data: Any = None, *, initial: dict[str, Any] | None = None) -> PromoteForm:
    form = PromoteForm(data, initial=initial)
    form.fields["space"].choices = [(space.pk, space.name) for space in targets]  # type: ignore[attr-defined]
    return form


@login_required
@require_http_methods(["GET", "POST"])
def thread_promote(request: HttpRequest, slug: str, root_id: int) -> HttpResponse:
    """The message's author or a moderator picks a discussions space and a title; the topic opens after."""
    guardian = guardian_of(request)
    space = _chat_space_or_404(request, slug)
    root = root_in_space(request, space, root_id)
    guardian.chat.promote.ensure(root)
    targets = thread_queries.promotion_targets(guardian)
    context: dict[str, Any] = {"space": space, "root": root, "targets": targets}
    if request.method == "POST":
        form = _form(targets, request.POST)
        if form.is_valid():
            try:
                to_space = next((s for s in targets if s.pk == form.cleaned_data["space"]), None)
                if to_space is None:
                    raise NotFound("No such space")  # the choices held it: it is gone since
                topic = actions.promote_thread(
                    guardian, root, to_space=to_space, title=form.cleaned_data["title"]
                )
            except Invalid as exc:
                add_invalid_to_form(form, exc)
            else:
                return done(
                    request, redirect_to=topic.get_absolute_url(), message="The thread is now a topic."
                )
        return form_errors(request, PROMOTE, {**context, "form": form}, partial="form")
    form = _form(targets, initial={"title": _suggested_title(root)})
    return render(request, PROMOTE, {**context, "form": form})
