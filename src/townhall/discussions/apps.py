from typing import Any

from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "townhall.discussions"
    label = "discussions"
    verbose_name = "Discussions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from townhall.activity import verbs
        from townhall.discussions import events

        verbs.register(events.VERBS)
        # Cached topic pages (core.pagecache) also show the community, the spaces and people's names:
        # a change to any of them starts a new page-cache generation. A listener, not domain logic.
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from townhall.community.models import Community
        from townhall.spaces.models import SidebarSection, Space

        for model in (Community, Space, SidebarSection, get_user_model()):
            post_save.connect(_site_changed, sender=model, dispatch_uid=f"pagecache-save-{model.__name__}")
            post_delete.connect(
                _site_changed, sender=model, dispatch_uid=f"pagecache-delete-{model.__name__}"
            )


def _site_changed(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    from townhall.core.pagecache import site_changed

    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # signing in changes nothing a page shows
    site_changed()
