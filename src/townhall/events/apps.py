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
        from townhall.events import events, horizon_tasks, views

        verbs.register(events.VERBS)
        registries.register_space_kind(
            SpaceKind(
                key="events",
                label="Events",
                icon="📅",
                description="A calendar: meetups, live sessions and calls, with RSVPs and reminders.",
                content=views.space_content,
                settings=settings_fields,
                stylesheets=("events/events.css",),
                page_cache_models=PAGE_CACHE_MODELS,
            )
        )
        registries.worker_starts.register("events.horizon", horizon_tasks.kick)
