from django.apps import AppConfig

SITE_MODELS = ("community.Community", "spaces.Space", "spaces.SidebarSection", "accounts.User")


class DiscussionsConfig(AppConfig):
    name = "townhall.discussions"
    label = "discussions"
    verbose_name = "Discussions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from townhall.activity import verbs
        from townhall.core import registries
        from townhall.core.registries import SidebarLink, SpaceKind, signed_in
        from townhall.discussions import (
            broadcasts,
            digest,
            email_replies,
            events,
            notices,
            search_docs,
            sections,
            unread,
            views,
        )
        from townhall.notifications import kinds as notification_kinds
        from townhall.realtime import schemas

        verbs.register(events.VERBS)
        notices.register()
        schemas.register(broadcasts.SCHEMAS, app=self.label)
        registries.register_space_kind(
            SpaceKind(
                key="discussion",
                label="Discussions",
                icon="💬",
                description="Topics with threaded replies: questions, ideas, announcements.",
                content=views.space_content,
                unread=unread.unread_topics_by_space,
                stylesheets=("discussions/discussions.css", "content/content.css"),
                search_types=("post",),
                page_cache_models=SITE_MODELS,
            )
        )
        registries.register_sidebar_link(SidebarLink("latest", "Latest topics", "discussions:latest", 30))
        registries.register_sidebar_link(
            SidebarLink("unread", "Unread", "discussions:unread", 40, shown=signed_in)
        )
        registries.register_search_type(search_docs.POSTS)
        digest.register()
        notification_kinds.register_replier("topic", email_replies.reply_to_topic)
        registries.register_home_section(
            registries.HomeSection("continue-reading", "Continue reading", 10, sections.continue_reading)
        )
        registries.register_home_section(
            registries.HomeSection("new-in-spaces", "New in your spaces", 20, sections.new_in_spaces)
        )
        registries.register_profile_section(
            registries.ProfileSection("posts", "Recent topics and replies", 10, sections.profile_posts)
        )
        registries.register_member_stat(registries.MemberStat("posts", "Posts", sections.post_count))
        registries.register_settings_page(
            registries.SettingsPage(
                "reactions",
                "Reactions",
                "discussions:settings-reactions",
                60,
                lambda request: request.guardian.discussions.manage_reactions.can(),
            )
        )
        registries.register_settings_page(
            registries.SettingsPage(
                "tags",
                "Tags",
                "discussions:settings-tags",
                70,
                lambda request: request.guardian.discussions.manage_tags.can(),
            )
        )
