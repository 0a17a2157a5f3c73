"""The page's door onto chat reactions: a plain form per emoji (the shared reaction bar) toggles the
reader's reaction; htmx gets the message's bar back, a plain POST goes back to the message."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from townhall.chat import actions, queries
from townhall.core.htmx import is_htmx
from townhall.policy.request import guardian_of


@login_required
@require_POST
def message_react(request: HttpRequest, message_id: int) -> HttpResponse:
    """Toggle the reader's reaction (`emoji`). Refusals answer like every action's (404 unseen, 403 with
    the reason, 400 for an emoji outside the set)."""
    guardian = guardian_of(request)
    message = queries.get_message_or_404(guardian, message_id)
    actions.toggle_message_reaction(guardian, message, emoji=request.POST.get("emoji", "")[:16])
    if is_htmx(request):
        line = queries.single_line(guardian, message.space, message)
        return render(request, "chat/reactions.html", {"space": message.space, "line": line})
    url = reverse("spaces:detail", args=[message.space.slug])
    return redirect(f"{url}?before={message.pk + 1}#m-{message.pk}")
