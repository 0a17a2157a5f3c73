"""The calendar pages: the upcoming list, the month grid, the week list and past events, site-wide, per
space, per group and for "my events"; the home page's "Upcoming events" section.

Every page reads a fixed number of queries (see calendar_queries) and shows times in the viewer's zone.
Bad ?month=, ?week=, ?cursor= or filter values never fail: the page falls back and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from townhall.chat.queries import zone_of
from townhall.community.models import Group
from townhall.core.errors import NotFound
from townhall.core.htmx import render_page
from townhall.core.pagination import BadCursor
from townhall.core.registries import SectionRender
from townhall.events import calendar_queries as cq
from townhall.events.models import Event
from townhall.policy import Guardian
from townhall.policy.request import guardian_of
from townhall.spaces import queries as space_queries
from townhall.spaces.models import Space

TEMPLATE = "events/calendar.html"
VIEWS = ("list", "month", "week", "past")
VIEW_LABELS = {"list": "Upcoming", "month": "Month", "week": "Week", "past": "Past"}
CURSOR_MAX = 200
SPACE_DATES = 10  # the next dates an events space shows on its own page (the rest: its calendar)


@dataclass
class Scope:
    """Whose calendar a page shows."""

    kind: str  # "site", "space", "group" or "mine"
    title: str
    space: Space | None = None
    group: Group | None = None

    @property
    def slug(self) -> str | None:
        if self.space is not None:
            return self.space.slug
        return self.group.slug if self.group is not None else None


def url_name(scope: str, view: str) -> str:
    prefix = {"site": "", "space": "space-", "group": "group-", "mine": "mine-"}[scope]
    if view == "list":
        return "events:" + (
            "calendar" if scope == "site" else "mine" if scope == "mine" else f"{prefix}calendar"
        )
    return f"events:{prefix}{view}"


def calendar_url(scope: Scope, view: str, params: dict[str, str] | None = None) -> str:
    args = [scope.slug] if scope.slug else []
    url = reverse(url_name(scope.kind, view), args=args)
    return f"{url}?{urlencode(params)}" if params else url


def _scope(guardian: Guardian, kind: str, slug: str | None) -> Scope:
    if kind == "space":
        space = space_queries.get_space_or_404(guardian, slug or "")
        guardian.spaces.read.ensure(space)  # a private space seen but not joined: 403 with the reason
        return Scope("space", space.name, space=space)
    if kind == "group":
        group = Group.objects.filter(slug=(slug or "")[: cq.SLUG_MAX]).first()
        if group is None:
            raise NotFound("No such group")
        # A group's calendar shows to its members, and to whoever may see one of its events.
        if group.pk not in guardian.group_ids and not (
            guardian.events.visible(Event.objects.filter(group_id=group.pk)).exists()
        ):
            raise NotFound("No such group")
        return Scope("group", group.name, group=group)
    if kind == "mine":
        return Scope("mine", "My events")
    return Scope("site", "Events")


def _tabs(scope: Scope, view: str, params: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"label": VIEW_LABELS[name], "url": calendar_url(scope, name, params), "current": name == view}
        for name in VIEWS
    ]


def _cursor(request: HttpRequest, notes: list[str]) -> str | None:
    value = (request.GET.get("cursor") or "").strip()
    if len(value) > CURSOR_MAX:
        notes.append("That page link is not valid; start from the first page.")
        return None
    return value or None


def calendar_page(
    request: HttpRequest, *, scope_kind: str, view: str, slug: str | None = None
) -> HttpResponse:
    guardian = guardian_of(request)
    scope = _scope(guardian, scope_kind, slug)
    zone = zone_of(guardian)
    today = timezone.localtime(timezone.now(), zone).date()
    filters = cq.parse_filters(
        guardian, request.GET, allow_space=scope.kind != "space", allow_group=scope.kind != "group"
    )
    filters.mine = scope.kind == "mine"
    if scope.space is not None:
        filters.space = scope.space
    if scope.group is not None:
        filters.group = scope.group
    notes = list(filters.messages)
    params = filters.query(scope_space=scope.kind == "space", scope_group=scope.kind == "group")
    context: dict[str, Any] = {
        "scope": scope,
        "view": view,
        "filters": filters,
        "filter_params": params,
        "filtered": bool(params),
        "zone_name": cq.zone_name(zone),
        "today": today,
        "tabs": _tabs(scope, view, params),
        "where_choices": list(cq.WHERE.items()),
        "group_choices": cq.group_choices(guardian) if scope.kind != "group" else [],
        "space_choices": cq.space_choices(guardian) if scope.kind in ("site", "mine") else [],
        "action_url": calendar_url(scope, view),
        "scope_links": _scope_links(guardian, scope),
    }
    if view in ("month", "week"):
        if view == "month":
            first, note = cq.parse_month(request.GET.get("month"), today=today)
            window = cq.month_window(first, zone, today=today)
        else:
            first, note = cq.parse_week(request.GET.get("week"), today=today)
            window = cq.week_window(first, zone, today=today)
        if note:
            notes.append(note)
        found = cq.window_dates(guardian, window, zone, filters)
        days = cq.days_of(window, found.entries, today=today)
        context.update(
            window=window,
            days=days,
            weeks=cq.weeks_of(days),
            weekdays=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            truncated=found.truncated,
            window_max=cq.WINDOW_MAX,
            count=len(found.entries),
            prev_url=calendar_url(scope, view, {**params, view: window.prev_param}),
            next_url=calendar_url(scope, view, {**params, view: window.next_param}),
            today_url=calendar_url(scope, view, {**params, view: window.today_param}),
            week_url=calendar_url(scope, "week"),
            week_query=urlencode(params),
        )
    else:
        cursor = _cursor(request, notes)
        reader = cq.past_page if view == "past" else cq.upcoming_page
        try:
            page = reader(guardian, zone, filters, cursor=cursor)
        except BadCursor as exc:
            notes.append(str(exc))
            page = reader(guardian, zone, filters)
        context.update(
            groups=cq.grouped(page.entries, today=today) if view == "list" else [],
            entries=page.entries,
            more_url=calendar_url(scope, view, {**params, "cursor": page.next_cursor})
            if page.next_cursor
            else "",
            first_page=not cursor,
        )
    context["notes"] = notes
    return render_page(request, TEMPLATE, context, partial="body")


def _scope_links(guardian: Guardian, scope: Scope) -> list[dict[str, Any]]:
    links = [{"label": "All events", "url": reverse("events:calendar"), "current": scope.kind == "site"}]
    if guardian.user is not None:
        links.append({"label": "My events", "url": reverse("events:mine"), "current": scope.kind == "mine"})
    return links


def _page_view(scope_kind: str, view: str) -> Any:
    @require_GET
    def page(request: HttpRequest, slug: str | None = None) -> HttpResponse:
        return calendar_page(request, scope_kind=scope_kind, view=view, slug=slug)

    page.__name__ = f"{scope_kind}_{view}"
    page.__doc__ = f"The {VIEW_LABELS[view].lower()} view of the {scope_kind} calendar."
    return login_required(page) if scope_kind == "mine" else page


def _patterns() -> list[URLPattern]:
    found = []
    prefixes = {"site": "", "space": "space/<slug:slug>/", "group": "group/<slug:slug>/", "mine": "mine/"}
    for scope_kind, prefix in prefixes.items():
        for view in VIEWS:
            route = "events/" + prefix + ("" if view == "list" else f"{view}/")
            name = url_name(scope_kind, view).removeprefix("events:")
            found.append(path(route, _page_view(scope_kind, view), name=name))
    return found


urlpatterns: list[URLPattern] = _patterns()


# --- the space page's part and the home section ------------------------------------------------------
def space_part(request: HttpRequest, space: Space) -> tuple[str, dict[str, Any]]:
    """Below an events space's header: its next dates, with links to its month, week and past views."""
    guardian = guardian_of(request)
    zone = zone_of(guardian)
    today = timezone.localtime(timezone.now(), zone).date()
    filters = cq.Filters(space=space)
    page = cq.upcoming_page(guardian, zone, filters, limit=SPACE_DATES)
    scope = Scope("space", space.name, space=space)
    return "events/space.html", {
        "calendar_groups": cq.grouped(page.entries, today=today),
        "calendar_more_url": calendar_url(scope, "list", {"cursor": page.next_cursor})
        if page.next_cursor
        else "",
        "calendar_tabs": _tabs(scope, "list", {}),
        "calendar_zone": cq.zone_name(zone),
        "calendar_scope": scope,
        "can_create_event": guardian.events.create.can(space),
        "proposes_event": guardian.events.needs_approval(space),
        "can_import_calendar": guardian.events.import_calendar.can(space),
        "can_review_events": guardian.events.moderates(space),
    }


def home_upcoming(request: Any) -> SectionRender:
    """Home: "Upcoming events", the next few dates the member may see (two queries; none: no section)."""
    guardian = guardian_of(request)
    zone = zone_of(guardian)
    found = cq.home_dates(guardian, zone)
    if not found:
        return None
    return "events/home_upcoming.html", {"upcoming_dates": found, "upcoming_zone": cq.zone_name(zone)}
