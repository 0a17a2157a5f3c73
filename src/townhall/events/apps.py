from django import forms
from django.apps import AppConfig

# Site-wide things a cached page of an events space would show (see core.pagecache).
PAGE_CACHE_MODELS = ("community.Community", "spaces.Space", "spaces.SidebarSection", "accounts.User",
                     "events.Event", "events.Occurrence")  # fmt: skip


def settings_fields() -> dict[str, forms.Field]:
    """An events space's own settings (kept in Space.kind_settings)."""
    from townhall.policy.calendar import MEMBER_EVENTS

    return {
        "member_events": forms.ChoiceField(
            choices=MEMBER_EVENTS,
            initial="approval",
            required=False,
            label="Member-hosted events",
            help_text="Whether members may put their own events (meetups, study sessions) on this calendar.",
        ),
        # helper "door": where online events' live chats talk (events/actions/live.py)
        "live_chat_space": forms.SlugField(
            required=False,
            max_length=100,
            label="Chat space for live sessions",
            help_text="The address name (slug) of a chat space: online events here get a live chat thread there.",
        ),
    }


class EventsConfig(AppConfig):
    """Calendar events: RSVPs, waitlists, recurrence, reminders, iCalendar in and out."""

    name = "townhall.events"
    label = "events"
    verbose_name = "Events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from townhall.activity import verbs
        from townhall.core import registries
        from townhall.core.registries import SpaceKind
        from townhall.events import calendar_views, events, horizon_tasks, notices, tasks, views

        verbs.register(events.VERBS)
        notices.register()  # remind: notification kinds, reminders, the calendar settings page
        registries.register_space_kind(
            SpaceKind(
                key="events",
                label="Events",
                icon="📅",
                description="A calendar: meetups, live sessions and calls, with RSVPs and reminders.",
                content=views.space_content,
                settings=settings_fields,
                stylesheets=("events/events.css", "events/calendar.css"),
                page_cache_models=PAGE_CACHE_MODELS,
            )
        )
        registries.register_sidebar_link(registries.SidebarLink("events", "Events", "events:calendar", 35))
        registries.register_home_section(registries.HomeSection("events-upcoming", "Upcoming events", 15, calendar_views.home_upcoming, placement="aside"))  # fmt: skip
        # Periodic tasks that every worker starts (each re-queues itself and never runs twice at once).
        registries.worker_starts.register("events.reminders", tasks.kick)
        registries.worker_starts.register("events.horizon", horizon_tasks.kick)
