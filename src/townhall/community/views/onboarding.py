"""/welcome/: joining (or applying) and the four onboarding steps, one page that knows where you are."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from townhall.accounts.forms import ProfileForm
from townhall.community import actions
from townhall.community.forms import ApplicationForm, IntroductionForm
from townhall.community.models import Community, Membership
from townhall.community.views._helpers import (
    WRITE_RATE,
    community_of,
    flash_invalid,
    guardian_of,
)
from townhall.core import ratelimit
from townhall.core.errors import Invalid
from townhall.core.forms import add_invalid_to_form
from townhall.core.ids import parse_id
from townhall.spaces.models import Space
from townhall.spaces.queries import list_visible_spaces

STEPS = [
    ("coc", "Code of conduct"),
    ("profile", "Profile and interests"),
    ("spaces", "Spaces"),
    ("intro", "Introduce yourself"),
]


def current_step(membership: Membership) -> int:
    """1-4: the first onboarding step not done yet; 5 when all are done."""
    done = [membership.coc_accepted_at, membership.profile_completed_at, membership.spaces_chosen_at]
    done.append(membership.introduced_at)
    for i, value in enumerate(done):
        if value is None:
            return i + 1
    return 5


def suggested_spaces(guardian: Any) -> list[tuple[Space, bool]]:
    """Spaces this member can join, those matching their interests first (and pre-ticked)."""
    user = guardian.user
    words = [n.lower() for n in user.interests.values_list("name", flat=True)]
    candidates = [s for s in list_visible_spaces(guardian)[:100] if guardian.spaces.join_mode(s) is not None]

    def score(space: Space) -> int:
        text = f"{space.name} {space.description}".lower()
        return sum(1 for w in words if re.search(rf"\b{re.escape(w)}", text))

    ranked = sorted(candidates, key=lambda s: (-score(s), s.position, s.pk))
    return [(s, score(s) > 0) for s in ranked[:50]]


def _profile_form(request: HttpRequest, data: Any = None) -> Any:

    return ProfileForm(data, user=request.user)  # type: ignore[arg-type]


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "community/onboarding.html", context, status=status)


def _join_context(request: HttpRequest, form: ApplicationForm | None = None) -> dict[str, Any]:
    community: Community = community_of(request)
    if form is None and community.join_policy == Community.APPROVAL:
        form = ApplicationForm(questions=list(community.screening_questions or []))
    return {"stage": "join", "application_form": form, "membership": guardian_of(request).membership}


@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request: HttpRequest) -> HttpResponse:
    guardian = guardian_of(request)
    membership = guardian.membership
    state = guardian.state
    if membership is None or state is None or state == Membership.LEFT:
        return _render(request, _join_context(request))
    if state == Membership.PENDING:
        return _render(request, {"stage": "pending", "membership": membership})
    if state == Membership.BANNED:
        return _render(request, {"stage": "banned"}, status=403)
    if state == Membership.SUSPENDED:
        messages.info(request, "Your membership is suspended, so onboarding waits until it ends.")
        return redirect("community:home")
    step = current_step(membership)
    if step > 4:
        return redirect("community:home")
    context: dict[str, Any] = {"stage": "steps", "step": step, "steps": STEPS, "total": len(STEPS)}
    context["form"] = None
    if request.method == "POST":
        return _post_step(request, step, context)
    if step == 2:
        context["form"] = _profile_form(request)
    elif step == 3:
        context["suggestions"] = suggested_spaces(guardian)
    elif step == 4:
        context["form"] = IntroductionForm()
    return _render(request, context)


def _post_step(request: HttpRequest, step: int, context: dict[str, Any]) -> HttpResponse:
    guardian = guardian_of(request)
    posted = request.POST.get("step")
    if posted != STEPS[step - 1][0]:
        messages.info(request, "That step is already done; here is the next one.")
        return redirect("community:onboarding")
    try:
        if step == 1:
            if not request.POST.get("agree"):
                raise Invalid(
                    "Tick the box to accept the code of conduct.", field_errors={"agree": ["Required."]}
                )
            actions.accept_code_of_conduct(guardian, community_of(request))
        elif step == 2:
            form = _profile_form(request, request.POST)
            context["form"] = form
            actions.complete_profile(guardian, data=request.POST)
        elif step == 3:
            ids = [parse_id(v) for v in request.POST.getlist("spaces")[:50] if parse_id(v)]
            chosen = [s for s in list_visible_spaces(guardian).filter(pk__in=ids)]
            actions.finish_space_selection(guardian, spaces=chosen)
        else:
            form = IntroductionForm(request.POST)
            context["form"] = form
            skip = "skip" in request.POST
            if not skip and not form.is_valid():
                return _render(request, context, status=400)
            text = form.cleaned_data.get("introduction", "") if form.is_bound and not skip else ""
            actions.write_introduction(guardian, text=text, skip=skip)
    except Invalid as exc:
        form = context.get("form")
        if step == 2 and hasattr(exc, "form"):
            context["form"] = exc.form
        elif form is not None:
            add_invalid_to_form(form, exc)
        else:
            context["error"] = exc.message
            if step == 3:
                context["suggestions"] = suggested_spaces(guardian)
        return _render(request, context, status=400)
    if step == 4:
        messages.success(request, f"You're all set. Welcome to {community_of(request).name}!")
        return redirect("community:home")
    return redirect("community:onboarding")


@login_required
@require_POST
def join(request: HttpRequest) -> HttpResponse:
    """Join (open) or apply (approval, with answers); invitation-only explains itself with a 403."""
    guardian = guardian_of(request)
    community: Community = community_of(request)
    guardian.community.join.ensure(community)
    ratelimit.hit(f"community-join:{request.user.pk}", WRITE_RATE)
    form = ApplicationForm(request.POST, questions=list(community.screening_questions or []))
    answers: list[str] = []
    if community.join_policy == Community.APPROVAL:
        if not form.is_valid():
            return _render(request, _join_context(request, form), status=400)
        answers = form.answers()
    try:
        membership = actions.join_community(guardian, community, answers=answers)
    except Invalid as exc:
        add_invalid_to_form(form, exc)
        if community.join_policy == Community.APPROVAL:
            return _render(request, _join_context(request, form), status=400)
        flash_invalid(request, exc)
        return redirect("community:onboarding")
    if membership.state == Membership.ACTIVE:
        messages.success(request, f"Welcome to {community.name}! A few steps to get you settled.")
    else:
        messages.success(request, "Thanks! Your application is waiting for a moderator's review.")
    return redirect("community:onboarding")
