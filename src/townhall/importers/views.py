"""The importers' pages: upload and preview, confirm, progress, report; the people found (match,
claim link, email, merge); and the claim link itself. Parse, call an action, answer a redirect with a
message or the page. Everything works without JavaScript; htmx only refreshes the progress bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from townhall.accounts.models import User
from townhall.chat.models import Message
from townhall.core.errors import Invalid, NotFound
from townhall.core.forms import add_invalid_to_form
from townhall.core.htmx import is_htmx
from townhall.core.ids import parse_page
from townhall.core.uploadlimit import UploadLimit, limit_uploads
from townhall.importers import actions, archive
from townhall.importers.archive import ArchiveError
from townhall.importers.forms import EmailClaimForm, MatchForm, MergeForm, UploadForm
from townhall.importers.models import ImportRun, Placeholder, SystemEvent
from townhall.importers.registry import sources
from townhall.importers.sources.base import NotThisSource
from townhall.policy.request import guardian_of
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

PEOPLE_PER_PAGE = 50
EVENTS_SHOWN = 500
TOO_LARGE = "This file is larger than 2 GB, the most an import takes; nothing was kept."


def _run_or_404(run_id: int) -> ImportRun:
    run = ImportRun.objects.select_related("space", "started_by").filter(pk=run_id).first()
    if run is None:
        raise Http404("No such import")
    return run


@csrf_exempt  # the upload limit goes in before CSRF reads the body; _imports_page checks CSRF
@login_required
@require_http_methods(["GET", "POST"])
def imports_page(request: HttpRequest) -> HttpResponse:
    """Upload an export (choose the source, the file, the target, the zone) and see earlier imports."""
    guardian = guardian_of(request)
    guardian.importers.manage.ensure()
    limit = limit_uploads(request, archive.MAX_FILE_BYTES)
    if limit.declared_too_large:  # not read at all, so not checked for CSRF: nothing changes
        return _imports_page_with(request, _too_large_form(request, read=False), status=413)
    return _imports_page(request, guardian, limit)


@csrf_protect
def _imports_page(request: HttpRequest, guardian: Guardian, limit: UploadLimit) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)  # reading the body may stop it
    if limit.stopped:
        return _imports_page_with(request, _too_large_form(request, read=True), status=413)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                run, _ = actions.upload_import(
                    guardian, source=data["source"], stream=data["file"], file_name=data["file"].name,
                    space=data["space"], create_space_name=data["create_space_name"], time_zone=data["time_zone"],
                )  # fmt: skip
            except Invalid as exc:
                add_invalid_to_form(form, exc)
            else:
                return redirect("importers:run", run_id=run.pk)
        status = 400
    return _imports_page_with(request, form, status=status)


def _too_large_form(request: HttpRequest, *, read: bool) -> UploadForm:
    """The form again, with what arrived before the file (nothing when the body was not read) and
    the reason on the file field."""
    data = request.POST.copy() if read else QueryDict(mutable=True)
    for name, field in UploadForm.base_fields.items():
        if name not in data and field.initial is not None:
            data[name] = field.initial
    form = UploadForm(data)
    form.errors.clear()  # only the file's reason: the other fields are as they arrived, or their defaults
    form.errors["file"] = form.error_class([TOO_LARGE])
    return form


def _imports_page_with(request: HttpRequest, form: UploadForm, *, status: int) -> HttpResponse:
    runs = list(ImportRun.objects.select_related("space", "started_by").exclude(state=ImportRun.DRAFT)[:20])
    for run in runs:
        run.source_label = _source_label(run.source)  # type: ignore[attr-defined]
    open_people = Placeholder.objects.filter(claimed_by__isnull=True, merged_into__isnull=True).count()
    context = {"form": form, "runs": runs, "open_people": open_people, "has_sources": bool(sources.keys())}
    return render(request, "importers/imports.html", context, status=status)


def _source_label(key: str) -> str:
    """A source's name ("WhatsApp"), or its key when the source is no longer installed."""
    found = sources.get(key)
    return found.label if found is not None else key


def _run_context(run: ImportRun) -> dict[str, object]:
    context: dict[str, object] = {"run": run, "progress": actions.read_progress(run)}
    context["source_label"] = _source_label(run.source)
    if run.state == ImportRun.DRAFT:
        try:
            found = actions.draft_preview(run)
            context["preview"] = found
            context["preview_rows"] = [(item, found.author_name(item)) for item in found.messages]
        except (ArchiveError, NotThisSource, Invalid, LookupError, OSError) as exc:
            context["preview_error"] = str(exc)
    if run.state == ImportRun.DONE:
        context["events"] = SystemEvent.objects.filter(run=run).select_related("actor", "space")[
            :EVENTS_SHOWN
        ]
        context["event_count"] = SystemEvent.objects.filter(run=run).count()
        context["spaces"] = Space.objects.filter(pk__in=run.report.get("space_ids", [])).order_by("name")
    return context


@login_required
def run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    """One import: its preview while a draft, its progress while running, its report when done."""
    guardian_of(request).importers.manage.ensure()
    run = _run_or_404(run_id)
    return render(request, "importers/run.html", _run_context(run))


@login_required
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The progress bar (polled by htmx while the import runs); once it ends, the page reloads."""
    guardian_of(request).importers.manage.ensure()
    run = _run_or_404(run_id)
    if run.finished and is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "importers/run.html#progress", _run_context(run))


@login_required
@require_POST
def run_confirm(request: HttpRequest, run_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    run = _run_or_404(run_id)
    try:
        actions.confirm_import(guardian, run)
    except Invalid as exc:
        messages.error(request, exc.message)
    return redirect("importers:run", run_id=run.pk)


@login_required
@require_POST
def run_discard(request: HttpRequest, run_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    run = _run_or_404(run_id)
    try:
        actions.discard_import(guardian, run)
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect("importers:run", run_id=run.pk)
    messages.success(request, "The upload was discarded; nothing was imported.")
    return redirect("importers:imports")


# --- people ------------------------------------------------------------------------------------------
def _people_context(request: HttpRequest, **forms: object) -> dict[str, object]:
    rows = Placeholder.objects.select_related("user", "claimed_by", "merged_into").order_by(
        "claimed_by", "merged_into", "name", "id"
    )
    page = Paginator(rows, PEOPLE_PER_PAGE).get_page(parse_page(request.GET.get("page")))
    open_rows = list(
        Placeholder.objects.filter(claimed_by__isnull=True, merged_into__isnull=True)
        .order_by("name", "id")
        .values_list("pk", "name", "source")[:500]
    )
    messages_by_user = dict(
        Message.objects.filter(author_id__in=[p.user_id for p in page.object_list if p.user_id])
        .values("author_id")
        .annotate(n=Count("id"))
        .values_list("author_id", "n")
    )
    labels = {s.key: s.label for s in sources}
    for row in page.object_list:
        row.source_label = labels.get(row.source, row.source)  # type: ignore[attr-defined]
        row.message_count = messages_by_user.get(row.user_id or 0, 0)  # type: ignore[attr-defined]
    return {
        "page": page, "open_rows": open_rows,
        "match_form": MatchForm(), "email_form": EmailClaimForm(), **forms,
    }  # fmt: skip


@login_required
def placeholders_page(request: HttpRequest) -> HttpResponse:
    """The people found in imports: match each to a member, send a claim, or merge two."""
    guardian_of(request).importers.manage.ensure()
    return render(request, "importers/placeholders.html", _people_context(request))


@login_required
@require_POST
def placeholder_change(request: HttpRequest, placeholder_id: int, op: str) -> HttpResponse:
    guardian = guardian_of(request)
    guardian.importers.manage.ensure()
    placeholder = Placeholder.objects.select_related("user").filter(pk=placeholder_id).first()
    if placeholder is None or op not in {"match", "link", "email", "merge"}:
        raise Http404("No such person")
    try:
        if op == "match":
            form = MatchForm(request.POST)
            if not form.is_valid():
                raise Invalid("Give the member's username.")
            member = User.objects.filter(username__iexact=form.cleaned_data["username"].lstrip("@")).first()
            if member is None:
                raise Invalid(f"There is no member called {form.cleaned_data['username'][:150]!r}.")
            actions.match_placeholder(guardian, placeholder, member=member)
            messages.success(request, f"{placeholder.name}'s history now belongs to {member.name}.")
        elif op == "merge":
            merge = MergeForm(request.POST)
            into = (
                Placeholder.objects.select_related("user").filter(pk=merge.cleaned_data["into"]).first()
                if merge.is_valid()
                else None
            )
            if into is None:
                raise Invalid("Choose the person to merge with.")
            actions.merge_placeholders(guardian, placeholder, into=into)
            messages.success(request, f"{placeholder.name} and {into.name} are now one person.")
        elif op == "email":
            email_form = EmailClaimForm(request.POST)
            if not email_form.is_valid():
                raise Invalid("Enter a valid email address.")
            actions.invite_to_claim(guardian, placeholder, email=email_form.cleaned_data["email"])
            messages.success(
                request,
                f"A claim invitation for {placeholder.name} was sent to {email_form.cleaned_data['email']}.",
            )
        else:
            claim = actions.invite_to_claim(guardian, placeholder)
            link = request.build_absolute_uri(f"/claim/{claim.token}/")
            context = _people_context(request)
            context["new_link"] = {"placeholder": placeholder, "url": link}
            return render(request, "importers/placeholders.html", context)
    except Invalid as exc:
        messages.error(request, exc.message)
    return redirect("importers:placeholders")


# --- the claim link --------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def claim_page(request: HttpRequest, token: str) -> HttpResponse:
    """Whoever opens a claim link sees whose history it is; signed in as a member, they take it."""
    guardian = guardian_of(request)
    try:
        invitation = actions.get_claim_or_404(token)
    except NotFound:
        raise Http404("No such invitation") from None
    placeholder = invitation.placeholder
    if request.method == "POST":
        if guardian.user is None:
            return redirect(f"/accounts/login/?next=/claim/{token}/")
        guardian.importers.claim.ensure(invitation)
        actions.accept_claim(guardian, token)
        messages.success(request, f"The messages {placeholder.name} wrote are now yours.")
        return redirect("accounts:profile", username=guardian.user.username)
    count = Message.objects.filter(author_id=placeholder.user_id).count() if placeholder.user_id else 0
    label = sources.get(placeholder.source)
    context = {
        "invitation": invitation, "placeholder": placeholder, "token": token, "message_count": count,
        "refusal": guardian.importers.claim.reason(invitation), "source_label": label.label if label else placeholder.source,
    }  # fmt: skip
    return render(request, "importers/claim.html", context)
