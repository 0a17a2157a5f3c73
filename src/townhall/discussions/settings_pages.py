"""Discussions' pages in the community settings (listed through core.registries.settings_pages):
the reaction set and the tags. Parse, call an action, answer a redirect with a message or the page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from townhall.core.errors import Invalid, NotFound
from townhall.core.forms import add_invalid_to_form
from townhall.core.ids import parse_page
from townhall.discussions import actions
from townhall.discussions.forms import ReactionChoiceForm, TagMergeForm, TagRenameForm
from townhall.discussions.models import ReactionChoice, Tag, reaction_choices
from townhall.policy.request import guardian_of

REACTIONS = "/settings/community/reactions/"
TAGS = "/settings/community/tags/"
TAGS_PER_PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def reactions_page(request: HttpRequest) -> HttpResponse:
    """The reactions members can give, in order: add one, remove one, move one up or down."""
    guardian = guardian_of(request)
    guardian.discussions.manage_reactions.ensure()
    form = ReactionChoiceForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                choice = actions.add_reaction_choice(guardian, **form.cleaned_data)
            except Invalid as exc:
                add_invalid_to_form(form, exc)
            else:
                messages.success(request, f"{choice.emoji} {choice.label} added.")
                return redirect(REACTIONS)
        status = 400
    context = {"form": form, "choices": reaction_choices()}
    return render(request, "discussions/settings_reactions.html", context, status=status)


def _offered(emoji: str) -> ReactionChoice:
    choice = next((c for c in reaction_choices() if c.emoji == emoji), None)
    if choice is None:
        raise NotFound("No such reaction")
    return choice


@login_required
@require_POST
def reaction_change(request: HttpRequest, op: str) -> HttpResponse:
    """Remove a reaction (op "remove") or move it (op "up" / "down"); the emoji comes in the form."""
    guardian = guardian_of(request)
    guardian.discussions.manage_reactions.ensure()
    if op not in ("remove", "up", "down"):
        raise NotFound("No such change")
    choice = _offered(str(request.POST.get("emoji", ""))[:16])
    try:
        if op == "remove":
            actions.remove_reaction_choice(guardian, choice)
            messages.success(request, f"{choice.emoji} {choice.label} removed.")
        else:
            actions.move_reaction_choice(guardian, choice, direction=op)
    except Invalid as exc:
        messages.error(request, exc.message)
    return redirect(REACTIONS)


@login_required
def tags_page(request: HttpRequest) -> HttpResponse:
    """Every tag with how many topics carry it (search by name, 50 a page): rename, merge, delete."""
    guardian = guardian_of(request)
    guardian.discussions.manage_tags.ensure()
    q = str(request.GET.get("q") or "").strip()[:40]
    tags = Tag.objects.annotate(topic_count=Count("topictag")).order_by("name", "id")
    if q:
        tags = tags.filter(name__icontains=q)
    page = Paginator(tags, TAGS_PER_PAGE).get_page(parse_page(request.GET.get("page")))
    context: dict[str, Any] = {
        "page": page,
        "q": q,
        "rename_form": TagRenameForm(),
        "merge_form": TagMergeForm(),
    }
    return render(request, "discussions/settings_tags.html", context)


def _tag_or_404(tag_id: int) -> Tag:
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is None:
        raise NotFound("No such tag")
    return tag


def _find_tag(name: str) -> Tag | None:
    name = " ".join(name.split()).lstrip("#")
    return (
        Tag.objects.filter(slug=slugify(name)[:50]).first() or Tag.objects.filter(name__iexact=name).first()
    )


@login_required
@require_POST
def tag_change(request: HttpRequest, tag_id: int, op: str) -> HttpResponse:
    """Rename (field `name`), merge into another tag (field `into`, its name) or delete one tag."""
    guardian = guardian_of(request)
    guardian.discussions.manage_tags.ensure()
    if op not in ("rename", "merge", "delete"):
        raise NotFound("No such change")
    tag = _tag_or_404(tag_id)
    back = request.POST.get("next") or TAGS
    back = back if back.startswith(TAGS) and "\\" not in back else TAGS
    try:
        if op == "rename":
            form: Any = TagRenameForm(request.POST)
            if not form.is_valid():
                raise Invalid(str(next(iter(form.errors.values()))[0]))
            old = tag.name
            tag = actions.rename_tag(guardian, tag, name=form.cleaned_data["name"])
            messages.success(request, f"#{old} is now #{tag.name}.")
        elif op == "merge":
            form = TagMergeForm(request.POST)
            if not form.is_valid():
                raise Invalid(str(next(iter(form.errors.values()))[0]))
            into = _find_tag(form.cleaned_data["into"])
            if into is None:
                raise Invalid(f"There is no tag called “{form.cleaned_data['into']}”.")
            actions.merge_tags(guardian, tag, into=into)
            messages.success(request, f"#{tag.name} merged into #{into.name}.")
        else:
            actions.delete_tag(guardian, tag)
            messages.success(request, f"#{tag.name} deleted.")
    except Invalid as exc:
        messages.error(request, f"#{tag.name}: {exc.message}")
    return redirect(back)
