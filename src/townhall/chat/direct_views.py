"""Direct-message pages: the inbox, "New message", a conversation (the channel's rendering under the
conversation's own header) and its people page (add, rename, leave). Everything works without
JavaScript; htmx only enhances the composer, as in channels."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.chat import actions, direct, views
from townhall.chat.direct_forms import AddForm, RenameForm, StartForm
from townhall.core.errors import Invalid, PermissionDenied
from townhall.core.forms import add_invalid_to_form
from townhall.core.htmx import done, is_htmx
from townhall.policy.request import guardian_of
from townhall.spaces.models import Space
from townhall.spaces.queries import get_person_or_404

INBOX = "chat/direct_inbox.html"
NEW = "chat/direct_new.html"
CONVERSATION = "chat/direct_conversation.html"
PEOPLE = "chat/direct_people.html"


def conversation_url(space: Space) -> str:
    """Where a conversation lives (the direct kind's `page_url`)."""
    return reverse("chat:direct", args=[space.slug])


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The reader's conversations, newest first, with unread counts and the last message. htmx with
    `?part=list`: only the list (the page fetches it again when a message or conversation changes)."""
    guardian = guardian_of(request)
    context = {
        "conversations": direct.my_conversations(guardian),
        "start_refusal": guardian.direct.start.reason([]) if not guardian.is_member else None,
    }
    if is_htmx(request) and request.GET.get("part") == "list":
        return render(request, f"{INBOX}#list", context)
    return render(request, INBOX, context)


@require_GET
def unread_count(request: HttpRequest) -> HttpResponse:
    """The figure beside "Messages" in the sidebar (empty when nothing is unread, and for visitors)."""
    guardian = guardian_of(request)
    total = direct.unread_total(guardian) if guardian.user is not None else 0
    return render(request, "chat/direct_count.html", {"total": total})


def _new_context(request: HttpRequest, form: StartForm) -> dict[str, Any]:
    guardian = guardian_of(request)
    refusal = None
    if not guardian.is_member or guardian.is_suspended:
        refusal = guardian.direct.start.reason([])
    return {"form": form, "suggestions": direct.people_to_suggest(guardian), "start_refusal": refusal}


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """Start a conversation (and send its first message, when written). A refusal (a block, someone
    who takes messages from contacts only, an unknown username) comes back on the form, text kept."""
    guardian = guardian_of(request)
    if request.method == "POST":
        form = StartForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            people, missing = direct.find_people(data["to"])
            if missing:
                form.add_error("to", f"No member is called @{missing[0]}.")
            else:
                try:
                    space = actions.start_conversation(guardian, people=people, name=data["name"])
                    if data["body"].strip():
                        actions.send_message(
                            guardian, space, body=data["body"], client_key=data["client_key"]
                        )
                except Invalid as exc:
                    add_invalid_to_form(form, exc)
                except PermissionDenied as exc:
                    form.add_error(None, exc.reason)
                else:
                    return redirect(conversation_url(space))
        return render(request, NEW, _new_context(request, form), status=400)
    initial = {"to": request.GET.get("to", "")[:200], "client_key": uuid.uuid4().hex}
    return render(request, NEW, _new_context(request, StartForm(initial=initial)))


@login_required
@require_POST
def with_person(request: HttpRequest, username: str) -> HttpResponse:
    """The "Message" button on a profile: open (or start) the one-to-one conversation."""
    guardian = guardian_of(request)
    person = get_person_or_404(username)
    space = actions.start_conversation(guardian, people=[person])
    return redirect(conversation_url(space))


@login_required
@require_GET
def conversation(request: HttpRequest, slug: str) -> HttpResponse:
    """One conversation: the channel's messages and composer under the conversation's header."""
    guardian = guardian_of(request)
    found = direct.get_conversation_or_404(guardian, slug)
    # Shown as this reader sees it (the composer's label, the log's name): never saved.
    found.space.name = found.title
    template, context = views.space_content(request, found.space)
    context.update(conversation=found, channel_template=template, space=found.space)
    return render(request, CONVERSATION, context)


def _people_context(request: HttpRequest, found: direct.Conversation, **forms: Any) -> dict[str, Any]:
    guardian = guardian_of(request)
    space = found.space
    return {
        "conversation": found,
        "space": space,
        "add_form": forms.get("add_form") or AddForm(),
        "rename_form": forms.get("rename_form")
        or RenameForm(initial={"name": space.name if (space.kind_settings or {}).get("named") else ""}),
        "can_add": guardian.direct.rename.can(space),  # a group, and the reader may still write
        "can_rename": guardian.direct.rename.can(space),
        "can_leave": guardian.direct.leave.can(space),
        "suggestions": direct.people_to_suggest(guardian) if guardian.direct.rename.can(space) else [],
    }


@login_required
@require_GET
def people(request: HttpRequest, slug: str) -> HttpResponse:
    """Who is in the conversation, and (for groups) adding someone, renaming it and leaving it."""
    found = direct.get_conversation_or_404(guardian_of(request), slug)
    return render(request, PEOPLE, _people_context(request, found))


@login_required
@require_POST
def add(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    found = direct.get_conversation_or_404(guardian, slug)
    form = AddForm(request.POST)
    if form.is_valid():
        person, missing = direct.find_people([form.cleaned_data["username"].strip().lstrip("@")])
        if missing or not person:
            form.add_error("username", f"No member is called @{form.cleaned_data['username'].lstrip('@')}.")
        else:
            try:
                actions.add_to_conversation(guardian, found.space, person=person[0])
            except PermissionDenied as exc:
                form.add_error("username", exc.reason)
            else:
                back = reverse("chat:direct-people", args=[slug])
                return done(request, redirect_to=back, message=f"{person[0].name} was added.")
    return render(request, PEOPLE, _people_context(request, found, add_form=form), status=400)


@login_required
@require_POST
def rename(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    found = direct.get_conversation_or_404(guardian, slug)
    form = RenameForm(request.POST)
    if form.is_valid():
        try:
            actions.rename_conversation(guardian, found.space, name=form.cleaned_data["name"])
        except Invalid as exc:
            add_invalid_to_form(form, exc)
        else:
            return done(request, redirect_to=conversation_url(found.space), message="Conversation renamed.")
    return render(request, PEOPLE, _people_context(request, found, rename_form=form), status=400)


@login_required
@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    found = direct.get_conversation_or_404(guardian, slug)
    actions.leave_conversation(guardian, found.space)
    return done(request, redirect_to=reverse("chat:direct-inbox"), message="You left the conversation.")
