from django import forms
from django.apps import AppConfig

# Site-wide things a cached page of a chat space would show (see core.pagecache). Messages are not among
# them: the space page is never served from the page cache, and bumping the site generation on every
# message would empty the cache of every topic page many times a minute.
PAGE_CACHE_MODELS = ("community.Community", "spaces.Space", "spaces.SidebarSection", "accounts.User")


def settings_fields() -> dict[str, forms.Field]:
    """A chat space's own settings (kept in Space.kind_settings)."""
    from townhall.chat.models import TOPIC_MAX

    return {
        "announcement_only": forms.BooleanField(
            required=False,
            label="Announcement channel",
            help_text="Only moderators post; everyone else reads.",
        ),
        "slow_mode_seconds": forms.IntegerField(
            required=False,
            min_value=0,
            max_value=3600,
            initial=0,
            label="Slow mode (seconds)",
            help_text="How long each member waits between two messages (moderators never wait); 0 is off.",
        ),
        "topic": forms.CharField(
            required=False,
            max_length=TOPIC_MAX,
            label="Topic line",
            help_text="A short line under the channel's heading; the space's moderators change it there too.",
        ),
    }


class ChatConfig(AppConfig):
    name = "townhall.chat"
    label = "chat"
    verbose_name = "Chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from townhall.activity import verbs
        from townhall.chat import (
            broadcasts,
            email_replies,
            events,
            live,
            notices,
            queries,
            search_docs,
            views,
        )
        from townhall.core import registries
        from townhall.core.registries import SpaceKind
        from townhall.notifications import kinds as notification_kinds
        from townhall.realtime import presence, schemas

        verbs.register(events.VERBS)
        notices.register()
        schemas.register(broadcasts.SCHEMAS, app=self.label)
        registries.register_space_kind(
            SpaceKind(
                key="chat",
                label="Chat",
                icon="🗨️",
                description="A live conversation: short messages, as in a group chat.",
                content=views.space_content,
                unread=queries.unread_by_space,
                settings=settings_fields,
                stylesheets=("chat/chat.css", "content/content.css"),
                search_types=("chat-message",),
                page_cache_models=PAGE_CACHE_MODELS,
            )
        )
        registries.register_search_type(search_docs.MESSAGES)
        notification_kinds.register_replier("thread", email_replies.reply_in_thread)
        notification_kinds.register_replier("space", email_replies.send_to_space)
        presence.on_change(live.announce_presence, name="chat")
        _register_direct_messages(self.label)


def _register_direct_messages(app: str) -> None:
    """Direct conversations: a personal space kind, the "Messages" sidebar link, a profile button."""
    from townhall.activity import verbs
    from townhall.chat import (
        direct_events,
        direct_sections,
        direct_views,
        queries,
        views,
    )
    from townhall.chat.direct import broadcasts as direct_broadcasts
    from townhall.core import registries
    from townhall.core.registries import ProfileSection, SidebarLink, SpaceKind
    from townhall.realtime import schemas

    verbs.register(direct_events.VERBS)
    schemas.register(direct_broadcasts.SCHEMAS, app=app)
    registries.register_space_kind(
        SpaceKind(
            key="direct",
            label="Conversation",
            icon="✉️",
            description="A private conversation between members (direct messages).",
            content=views.space_content,
            unread=queries.unread_by_space,
            stylesheets=("chat/chat.css",),
            search_types=("chat-message",),
            page_cache_models=PAGE_CACHE_MODELS,
            listed=False,
            page_url=direct_views.conversation_url,
        )
    )
    registries.register_sidebar_link(
        SidebarLink(
            "messages",
            "Messages",
            "chat:direct-inbox",
            15,
            shown=registries.signed_in,
            count_url="chat:direct-count",
            count_on=("chat", "direct"),
        )
    )
    registries.register_profile_section(
        ProfileSection("message", "Message", 5, direct_sections.message_button)
    )
