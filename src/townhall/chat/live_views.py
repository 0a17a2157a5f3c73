"""A live channel's small requests: the names behind a typing line (the page knows the ids from `typing`
frames and the names of those who wrote on the page; it asks here for the others), and "read up to here"
when messages arrive while the channel is open."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from townhall.chat import actions, live
from townhall.core.htmx import is_htmx
from townhall.core.ids import parse_id
from townhall.policy.request import guardian_of
from townhall.spaces.queries import get_space_or_404


@login_required
@require_GET
def people(request: HttpRequest, slug: str) -> HttpResponse:
    """`?ids=3,9` -> `{"names": {"3": "Ana", ...}}` for the space's members among them; a chat the
    person may not read answers 404 (like a missing one); bad ids are ignored."""
    guardian = guardian_of(request)
    space = get_space_or_404(guardian, slug)
    guardian.chat.read.ensure(space)
    raw = request.GET.get("ids", "")[:400]
    ids = [n for n in (parse_id(part) for part in raw.split(",")) if n]
    names = live.member_names(space, ids)
    return JsonResponse({"names": {str(pk): name for pk, name in sorted(names.items())}})


@login_required
@require_POST
def mark_read(request: HttpRequest, slug: str) -> HttpResponse:
    """The open channel saw messages arrive live: remember it read up to `up_to` (a message id), so the
    sidebar's count (and the member's other tabs) stay right. htmx/fetch: 204; a plain POST: back to
    the channel. A chat they may not read answers 404; a bad id changes nothing."""
    guardian = guardian_of(request)
    space = get_space_or_404(guardian, slug)
    actions.mark_read(guardian, space, up_to=parse_id(request.POST.get("up_to")))
    if is_htmx(request):
        return HttpResponse(status=204)
    return redirect("spaces:detail", space.slug)
