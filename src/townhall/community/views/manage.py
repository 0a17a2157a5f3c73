"""Settings pages: community identity, invitations, applications, members (roles, sanctions), groups."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from townhall.accounts.models import User
from townhall.community import actions, queries
from townhall.community.forms import (
    BanForm,
    BulkMembersForm,
    CommunitySettingsForm,
    GroupForm,
    GroupMemberForm,
    InvitationForm,
    ReviewForm,
    RoleForm,
    SuspendForm,
)
from townhall.community.models import Membership
from townhall.community.views._helpers import (
    WRITE_RATE,
    community_of,
    flash_invalid,
    guardian_of,
)
from townhall.core import ratelimit
from townhall.core.confirm import ask_first, confirmed
from townhall.core.errors import Invalid, NotFound
from townhall.core.forms import add_invalid_to_form
from townhall.core.htmx import done, form_errors, is_htmx, render_page
from townhall.core.ids import parse_id
from townhall.spaces.queries import list_visible_spaces


@login_required
@require_http_methods(["GET", "POST"])
def community_settings(request: HttpRequest) -> HttpResponse:
    guardian = guardian_of(request)
    guardian.community.manage.ensure()
    community = community_of(request)
    if request.method == "POST":
        form = CommunitySettingsForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                actions.update_community(guardian, community, **form.action_kwargs())
            except Invalid as exc:
                add_invalid_to_form(form, exc)
            else:
                return done(request, redirect_to=request.path, message="Community settings saved.")
        return render_page(request, "community/settings.html", {"form": form}, status=400)
    form = CommunitySettingsForm(initial=CommunitySettingsForm.initial_for(community))
    return render_page(request, "community/settings.html", {"form": form})


def _invitable_spaces(request: HttpRequest) -> Any:
    """Spaces a moderator may attach to an invitation; None for members (no group or space choice)."""
    guardian = guardian_of(request)
    if not guardian.community.invite_into_group.can():
        return None
    return list_visible_spaces(guardian).order_by("name")


def _invitation_context(request: HttpRequest, form: InvitationForm) -> dict[str, Any]:
    guardian = guardian_of(request)
    return {"form": form, "invitations": queries.list_invitations(guardian)}


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest) -> HttpResponse:
    guardian = guardian_of(request)
    community = community_of(request)
    guardian.community.create_invitation.ensure(community)
    if request.method == "POST":
        ratelimit.hit(f"community-invite:{request.user.pk}", WRITE_RATE)
        form = InvitationForm(request.POST, spaces=_invitable_spaces(request))
        if form.is_valid():
            data = form.cleaned_data
            try:
                invite = actions.create_invitation(
                    guardian,
                    community,
                    email=data["email"] or "",
                    expires_in_days=data["expires_in_days"],
                    max_uses=data["max_uses"],
                    group=data.get("group"),
                    space=data.get("space"),
                    note=data["note"],
                )
            except Invalid as exc:
                add_invalid_to_form(form, exc)
            else:
                message = (
                    f"Invitation sent to {invite.email}." if invite.email else "Invitation link created."
                )
                return done(request, redirect_to=request.path, message=message)
        return render_page(
            request, "community/invitations.html", _invitation_context(request, form), status=400
        )
    form = InvitationForm(spaces=_invitable_spaces(request))
    return render_page(request, "community/invitations.html", _invitation_context(request, form))


@login_required
@require_http_methods(["GET", "POST"])
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """Revoke an invitation once the person has said yes (GET, or a POST without `confirm`, asks)."""
    guardian = guardian_of(request)
    invite = queries.get_invitation_or_404(guardian, invitation_id)
    guardian.community.revoke_invitation.ensure(invite)
    if not confirmed(request) and invite.revoked_at is None:
        who = f"sent to {invite.email}" if invite.email else "link"
        return ask_first(
            request,
            title="Revoke this invitation?",
            question=f"The invitation {who} stops working at once; nobody can join with it any more.",
            button="Revoke invitation",
            cancel_url=reverse("community:invitations"),
        )
    invite = actions.revoke_invitation(guardian, invite)
    return done(
        request,
        redirect_to="/settings/community/invitations/",
        message="Invitation revoked.",
        partial=("community/invitations.html#invitation-row", {"invitation": invite}),
    )


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    guardian = guardian_of(request)
    guardian.community.review_applications.ensure()
    pending = list(queries.pending_applications(guardian)[:100])
    return render_page(
        request, "community/applications.html", {"applications": pending, "form": ReviewForm()}
    )


@login_required
@require_POST
def application_review(request: HttpRequest, membership_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    guardian.community.review_applications.ensure()
    membership = queries.get_membership_by_id_or_404(guardian, membership_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            membership = actions.review_application(
                guardian, membership, approve=approve, note=form.cleaned_data["note"]
            )
        except Invalid as exc:
            if not is_htmx(request):
                flash_invalid(request, exc)
                return redirect("community:applications")
            add_invalid_to_form(form, exc)
        else:
            verdict = "approved" if approve else "rejected"
            return done(
                request,
                redirect_to="/settings/community/applications/",
                message=f"Application from @{membership.user.username} {verdict}.",
                partial=(
                    "community/applications.html#reviewed",
                    {"application": membership, "verdict": verdict},
                ),
            )
    # The card comes back with the errors beside the fields and the note kept.
    pending = list(queries.pending_applications(guardian)[:100])
    context = {
        "applications": pending,
        "form": ReviewForm(),
        "application": membership,
        "refused": form,
        "refused_pk": membership.pk,
    }
    return form_errors(request, "community/applications.html", context, partial="application", retarget=None)


MEMBERS_PATH = "/settings/community/members/"
BULK_RATE = "20/m"


@login_required
def members(request: HttpRequest) -> HttpResponse:
    """The members table: search, filters, sort, pages, a bulk action and each row's own actions."""
    guardian = guardian_of(request)
    guardian.community.manage_members.ensure()
    query = queries.MemberTableQuery.from_params(request.GET)
    table = queries.member_table(guardian, query)

    def link(**changes: Any) -> str:
        params = request.GET.copy()
        for key, value in changes.items():
            params.pop(key, None)
            if value:
                params[key] = str(value)
        return f"?{params.urlencode()}" if params else "?"

    context = {
        "query": query,
        "table": table,
        "roles": Membership.ROLES,
        "sorts": [(key, label) for key, (label, _order) in queries.member_sorts().items()],
        "groups": queries.list_group_choices(),
        "previous_link": link(page=table.page - 1 if table.page > 2 else None),
        "next_link": link(page=table.page + 1),
        "role_form": RoleForm(),
        "bulk_form": BulkMembersForm(),
        "may_bulk_groups": guardian.community.manage_groups.can(),
    }
    return render_page(request, "community/members.html", context)


def _back_to_members(request: HttpRequest) -> str:
    back = request.POST.get("next") or MEMBERS_PATH
    return back if back.startswith(MEMBERS_PATH) and "\\" not in back else MEMBERS_PATH


def _names(rows: list[Any]) -> str:
    return ", ".join(f"@{m.user.username}" for m in rows)


@login_required
@require_POST
def members_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to the selected rows. Rows the Guardian refuses are named with the reason and
    left alone; the others change (see actions.bulk_update_members). Plain POST → back to the table."""
    guardian = guardian_of(request)
    guardian.community.manage_members.ensure()
    ratelimit.hit(f"community-bulk:{request.user.pk}", BULK_RATE)
    back = _back_to_members(request)
    form = BulkMembersForm(request.POST)
    ids = [parse_id(v) for v in request.POST.getlist("ids")[: actions.BULK_MAX + 1]]
    if not form.is_valid():
        first = str(next(iter(form.errors.values()))[0])
        messages.error(request, first)
        return redirect(back)
    if len(ids) > actions.BULK_MAX:
        messages.error(request, f"Select at most {actions.BULK_MAX} members at a time.")
        return redirect(back)
    rows = queries.memberships_by_ids(guardian, [i for i in ids if i])
    data = form.cleaned_data
    try:
        result = actions.bulk_update_members(
            guardian,
            rows,
            op=data["op"],
            role=data["role"],
            group=data["group"],
            reason=data["reason"],
        )
    except Invalid as exc:
        flash_invalid(request, exc)
        return redirect(back)
    label = dict(BulkMembersForm.OPS)[data["op"]]
    if data["group"] is not None and data["op"] in ("add_to_group", "remove_from_group"):
        label = f"{label} {data['group'].name}"
    elif data["op"] == "set_role":
        label = f"{label} to {data['role']}"
    if result.done:
        messages.success(request, f"{label}: done for {_names(result.done)}.")
    for membership, reason in result.refused:
        messages.error(request, f"{label}: not for @{membership.user.username}. {reason}")
    return redirect(back)


MEMBER_OPS = {"role", "suspend", "ban", "restore"}


@login_required
@require_POST
def member_action(request: HttpRequest, membership_id: int, op: str) -> HttpResponse:
    """Set a role, suspend, ban or restore one member (plain POST → back to the members page)."""
    guardian = guardian_of(request)
    guardian.community.manage_members.ensure()
    if op not in MEMBER_OPS:
        raise NotFound("No such action")
    target = queries.get_membership_by_id_or_404(guardian, membership_id)
    name = f"@{target.user.username}"
    back = _back_to_members(request)
    form: Any = {"role": RoleForm, "suspend": SuspendForm, "ban": BanForm}.get(op)
    bound = form(request.POST) if form else None
    if bound is not None and not bound.is_valid():
        first = next(iter(bound.errors.values()))[0]
        messages.error(request, f"{name}: {first}")
        return redirect(back)
    data = bound.cleaned_data if bound is not None else {}
    try:
        if op == "role":
            actions.set_member_role(guardian, target, role=data["role"])
            message = f"{name} is now {data['role']}."
        elif op == "suspend":
            actions.suspend_member(guardian, target, until=data["until"], reason=data["reason"])
            message = f"{name} is suspended."
        elif op == "ban":
            actions.ban_member(guardian, target, reason=data["reason"])
            message = f"{name} is banned."
        else:
            actions.restore_member(guardian, target)
            message = f"{name} is an active member again."
    except Invalid as exc:
        messages.error(request, f"{name}: {exc.message}")
        return redirect(back)
    return done(request, redirect_to=back, message=message)


@login_required
@require_http_methods(["GET", "POST"])
def groups(request: HttpRequest) -> HttpResponse:
    guardian = guardian_of(request)
    guardian.community.manage_groups.ensure()
    form = GroupForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                group = actions.create_group(guardian, **form.cleaned_data)
            except Invalid as exc:
                add_invalid_to_form(form, exc)
            else:
                return done(
                    request, redirect_to=f"/settings/community/groups/{group.slug}/", message="Group created."
                )
        status = 400
    else:
        status = 200
    return render_page(
        request, "community/groups.html", {"form": form, "groups": queries.list_groups()}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_detail(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    guardian.community.manage_groups.ensure()
    group = queries.get_group_or_404(slug)
    form = GroupForm(request.POST or None, initial={"name": group.name, "description": group.description})
    add_form = GroupMemberForm()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                group = actions.update_group(guardian, group, **form.cleaned_data)
            except Invalid as exc:
                add_invalid_to_form(form, exc)
            else:
                return done(
                    request, redirect_to=f"/settings/community/groups/{group.slug}/", message="Group saved."
                )
        status = 400
        group.refresh_from_db()
    context = {"group": group, "form": form, "add_form": add_form, "members": queries.group_members(group)}
    return render_page(request, "community/group_detail.html", context, status=status)


@login_required
@require_POST
def group_delete(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    group = queries.get_group_or_404(slug)
    actions.delete_group(guardian, group)
    return done(request, redirect_to="/settings/community/groups/", message=f"Group “{group.name}” deleted.")


@login_required
@require_POST
def group_member_add(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    guardian.community.manage_groups.ensure()
    group = queries.get_group_or_404(slug)
    back = f"/settings/community/groups/{group.slug}/"
    form = GroupMemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Type the member's @username.")
        return redirect(back)
    user = User.objects.filter(username__iexact=form.cleaned_data["username"]).first()
    if user is None:
        messages.error(request, f"Nobody is called @{form.cleaned_data['username']}.")
        return redirect(back)
    try:
        actions.add_group_member(guardian, group, user=user)
    except Invalid as exc:
        flash_invalid(request, exc)
        return redirect(back)
    return done(request, redirect_to=back, message=f"@{user.username} added to {group.name}.")


@login_required
@require_POST
def group_member_remove(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    guardian = guardian_of(request)
    guardian.community.manage_groups.ensure()
    group = queries.get_group_or_404(slug)
    back = f"/settings/community/groups/{group.slug}/"
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        raise NotFound("No such member")
    try:
        actions.remove_group_member(guardian, group, user=user)
    except Invalid as exc:
        flash_invalid(request, exc)
        return redirect(back)
    return done(request, redirect_to=back, message=f"@{user.username} removed from {group.name}.")
