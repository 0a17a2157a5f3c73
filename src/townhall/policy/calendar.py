"""Rules about calendar events: who sees them, who creates, approves, edits and cancels them, who may
RSVP, who sees the join link, and who sees attendees and checks people in.

A space of the "events" kind decides in its settings (Space.kind_settings):
- `member_events`: "off" (only the space's moderators create events), "approval" (members propose,
  a moderator approves first) or "open" (members publish directly). Default "approval".
In any other kind of space only its moderators create events.

Events waiting for approval (or declined) are seen by their host and the space's moderators only.
The join link of an online event shows to hosts and moderators always, and to people going from
JOIN_LINK_LEAD before the start until the end.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from townhall.events.models import Event, EventHost, Occurrence, Rsvp
from townhall.policy.rules import UNSEEN, Refusal, RuleGroup, refuse, rule
from townhall.spaces.models import Space

KIND = "events"
MEMBER_EVENTS = [
    ("approval", "Members propose events; a moderator approves them first"),
    ("open", "Members publish events directly"),
    ("off", "Only moderators create events"),
]
JOIN_LINK_LEAD = timedelta(minutes=15)
CHECK_IN_WINDOW = timedelta(hours=12)  # before the start and after the end


def member_events(space: Space) -> str:
    """The space's setting for member-hosted events ("off" outside spaces of the events kind)."""
    if space.kind != KIND:
        return "off"
    value = (space.kind_settings or {}).get("member_events", "approval")
    return value if value in {"approval", "open", "off"} else "approval"


# --- live sessions (helper "door") ----------------------------------------------------------------
LIVE_CHAT_SETTING = "live_chat_space"  # an events space's setting: the slug of a chat space
NO_CHAT_SPACE = "This calendar has no chat space for live sessions; a moderator picks one in its settings."


def live_chat_space(event: Event) -> Space | None:
    """Where the event's live chat lives: its own space if that is a chat space, else the chat space its
    events space names in `live_chat_space`; None when there is none (no live chat then)."""
    space = event.space
    if space.kind == "chat":
        return space
    slug = (space.kind_settings or {}).get(LIVE_CHAT_SETTING)
    if not isinstance(slug, str) or not slug.strip():
        return None
    return Space.objects.filter(slug=slug.strip(), kind="chat", archived_at__isnull=True).first()


class EventRules(RuleGroup):
    # --- standing --------------------------------------------------------------------------------
    def moderates(self, space: Space) -> bool:
        return self.g.user is not None and self.g.spaces.moderate.can(space)

    def hosts(self, event: Event) -> bool:
        """This person is the event's creator or one of its hosts (one query unless prefetched)."""
        user_id = self.g.user_id
        if user_id is None or not self.g.is_member:
            return False
        if event.created_by_id == user_id:
            return True
        cached = getattr(event, "_prefetched_objects_cache", {}).get("hosts")
        if cached is not None:
            return any(host.user_id == user_id for host in cached)
        return EventHost.objects.filter(event_id=event.pk, user_id=user_id).exists()

    def needs_approval(self, space: Space) -> bool:
        """An event this person creates in `space` waits for a moderator first."""
        return not self.moderates(space) and member_events(space) == "approval"

    # --- seeing ----------------------------------------------------------------------------------
    @rule
    def read(self, event: Event) -> Refusal | None:
        """The event's page: whoever reads its space; pending or declined ones only for host and moderators."""
        if self.g.spaces.read(event.space) is not None:
            return UNSEEN
        if event.state in (Event.PUBLISHED, Event.CANCELLED):
            return None
        return None if self.hosts(event) or self.moderates(event.space) else UNSEEN

    def visible(self, qs: QuerySet[Event]) -> QuerySet[Event]:
        """Events this person may see (the `read` rule, in SQL)."""
        readable = self.g.spaces.readable(Space.objects.all()).values("pk")
        shown = Q(state__in=[Event.PUBLISHED, Event.CANCELLED])
        if self.g.user is not None and self.g.is_member:
            shown |= Q(created_by_id=self.g.user_id)
            if self.g.is_moderator:
                shown = Q()
            else:
                moderated = self.g.spaces.moderated_ids()
                if moderated:
                    shown |= Q(space_id__in=moderated)
        return qs.filter(shown, space_id__in=readable)

    def visible_occurrences(self, qs: QuerySet[Occurrence]) -> QuerySet[Occurrence]:
        """Occurrences of events this person may see (the `read` rule, in SQL)."""
        return qs.filter(event__in=self.visible(Event.objects.all()).values("pk"))

    # --- creating and reviewing ------------------------------------------------------------------
    @rule
    def create(self, space: Space) -> Refusal | None:
        """Put an event on the space's calendar (perhaps waiting for approval: see `needs_approval`)."""
        refusal = self.g.spaces.read(space)
        if refusal is not None:
            return refusal
        g = self.g
        if g.user is None:
            return refuse("Sign in to create events.")
        if g.is_suspended:
            return refuse("Your membership is suspended, so you cannot create events for now.")
        if not g.is_member:
            return refuse("Join the community to create events.")
        if space.archived_at is not None:
            return refuse("This space is archived.")
        if self.moderates(space):
            return None
        if member_events(space) == "off":
            return refuse("Only this space's moderators create events here.")
        return self.g.spaces.post(space)

    @rule
    def review(self, event: Event) -> Refusal | None:
        """Approve or decline an event waiting for approval: the space's moderators."""
        seen = self.read(event)
        if seen is not None:
            return seen
        if not self.moderates(event.space):
            return refuse("Only this space's moderators approve events.")
        if event.state != Event.PENDING:
            return refuse("This event is not waiting for approval.")
        return None

    def reviewable(self, qs: QuerySet[Event]) -> QuerySet[Event]:
        """Events waiting for this person's approval (spaces they moderate)."""
        if not self.g.is_member:
            return qs.none()
        pending = qs.filter(state=Event.PENDING)
        if self.g.is_moderator:
            return pending.filter(space_id__in=self.g.spaces.readable(Space.objects.all()).values("pk"))
        return pending.filter(space_id__in=self.g.spaces.moderated_ids())

    # --- changing --------------------------------------------------------------------------------
    @rule
    def edit(self, event: Event) -> Refusal | None:
        """Change the event (or one date of it), its hosts and its questions: hosts and moderators."""
        seen = self.read(event)
        if seen is not None:
            return seen
        if not (self.hosts(event) or self.moderates(event.space)):
            return refuse("Only the event's hosts and the space's moderators can change it.")
        if self.g.is_suspended:
            return refuse("Your membership is suspended, so you cannot change events for now.")
        if event.state == Event.CANCELLED:
            return refuse("This event is cancelled.")
        if event.state == Event.DECLINED:
            return refuse("This event was declined.")
        return None

    @rule
    def cancel(self, event: Event) -> Refusal | None:
        """Cancel the event or one date of it (attendees are told): hosts and moderators."""
        return self.edit(event)

    @rule
    def delete(self, event: Event) -> Refusal | None:
        """Remove an event altogether: the space's moderators, or its host while nobody has answered."""
        seen = self.read(event)
        if seen is not None:
            return seen
        if self.moderates(event.space):
            return None
        if event.created_by_id == self.g.user_id and event.state in (Event.PENDING, Event.DECLINED):
            return None
        return refuse("Only the space's moderators remove events; cancel it instead.")

    # --- attending -------------------------------------------------------------------------------
    @rule
    def rsvp(self, occurrence: Occurrence) -> Refusal | None:
        """Answer going / maybe / not going for one date of a published event."""
        event = occurrence.event
        seen = self.read(event)
        if seen is not None:
            return seen
        g = self.g
        if g.user is None:
            return refuse("Sign in to RSVP.")
        if g.is_suspended:
            return refuse("Your membership is suspended, so you cannot RSVP for now.")
        if not g.is_member:
            return refuse("Join the community to RSVP.")
        if event.state != Event.PUBLISHED:
            return refuse("This event is cancelled." if event.state == Event.CANCELLED else "This event is not published yet.")  # fmt: skip
        if occurrence.cancelled_at is not None:
            return refuse("This date is cancelled.")
        now = timezone.now()
        if occurrence.ends_at <= now:
            return refuse("This event is over.")
        deadline = event.rsvp_deadline_minutes
        if deadline is not None and now >= occurrence.starts_at - timedelta(minutes=deadline):
            return refuse("RSVPs for this date are closed.")
        until = event.group_only_until
        group_first = event.group_id is not None and until is not None and now < until
        if group_first and until is not None and event.group_id not in g.group_ids and not self.hosts(event):
            opens = timezone.localtime(until).strftime("%-d %B %Y, %H:%M")
            return refuse(f"This event is offered to its group's members first; RSVPs open to everyone on {opens}.")  # fmt: skip
        return None

    @rule
    def see_join_link(self, occurrence: Occurrence, rsvp: Rsvp | None) -> Refusal | None:
        """The online join link: hosts and moderators always; people going shortly before until the end."""
        event = occurrence.event
        seen = self.read(event)
        if seen is not None:
            return seen
        if not event.online or not event.online_url:
            return refuse("This event has no join link.")
        if self.hosts(event) or self.moderates(event.space):
            return None
        if event.state != Event.PUBLISHED or occurrence.cancelled_at is not None:
            return refuse("This event is cancelled.")
        if rsvp is None or rsvp.user_id != self.g.user_id or rsvp.state != Rsvp.GOING:
            return refuse("The join link shows to people going.")
        now = timezone.now()
        if now < occurrence.starts_at - JOIN_LINK_LEAD:
            return refuse(f"The join link shows {int(JOIN_LINK_LEAD.total_seconds() // 60)} minutes before the start.")  # fmt: skip
        if now > occurrence.ends_at:
            return refuse("This event is over.")
        return None

    @rule
    def manage_attendees(self, event: Event) -> Refusal | None:
        """See the attendee list with answers, export it, check people in: hosts and moderators."""
        seen = self.read(event)
        if seen is not None:
            return seen
        if not (self.hosts(event) or self.moderates(event.space)):
            return refuse("Only the event's hosts and the space's moderators see its attendees.")
        return None

    @rule
    def check_in(self, occurrence: Occurrence) -> Refusal | None:
        """Check someone in at the door: hosts and moderators, around the time of the date."""
        refusal = self.manage_attendees(occurrence.event)
        if refusal is not None:
            return refusal
        if occurrence.cancelled_at is not None or occurrence.event.state == Event.CANCELLED:
            return refuse("This date is cancelled.")
        now = timezone.now()
        if now < occurrence.starts_at - CHECK_IN_WINDOW:
            return refuse("Check-in opens on the day of the event.")
        if now > occurrence.ends_at + CHECK_IN_WINDOW:
            return refuse("Check-in for this date has closed.")
        return None

    # --- live sessions (helper "door": events/actions/live.py) ------------------------------------
    @rule
    def open_live_chat(self, event: Event) -> Refusal | None:
        """Open an online event's live chat (a thread in a chat space): hosts and moderators, until
        the event is over."""
        refusal = self.manage_attendees(event)
        if refusal is not None:
            return refusal
        if event.state != Event.PUBLISHED:
            return refuse("The live chat opens for published events.")
        if not event.online:
            return refuse("Only online and hybrid events have a live chat.")
        if (event.series_ends_at or event.ends_at) <= timezone.now():
            return refuse("This event is over.")
        if live_chat_space(event) is None:
            return refuse(NO_CHAT_SPACE)
        return None

    @rule
    def promote_recap(self, event: Event) -> Refusal | None:
        """Turn the live chat into the event's recap topic: hosts and moderators, after the start."""
        refusal = self.manage_attendees(event)
        if refusal is not None:
            return refusal
        if event.recap_topic_id is not None:
            return refuse("This event already has its recap topic.")
        if event.chat_root_id is None:
            return refuse("This event has no live chat to turn into a recap.")
        if event.starts_at > timezone.now():
            return refuse("The recap can be made once the event has started.")
        return None

    @rule
    def import_calendar(self, space: Space) -> Refusal | None:
        """Import a .ics file into the space: whoever creates events there without approval."""
        refusal = self.create(space)
        if refusal is not None:
            return refusal
        if self.needs_approval(space):
            return refuse("Only this space's moderators import calendars.")
        return None

    @rule
    def feed(self) -> Refusal | None:
        """Have a personal calendar feed (events I'm going to): signed-in members."""
        if self.g.user is None:
            return refuse("Sign in to subscribe to your events.")
        if not self.g.can_read_as_member:
            return refuse("Join the community to subscribe to your events.")
        return None
