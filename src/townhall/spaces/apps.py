from django.apps import AppConfig


class SpacesConfig(AppConfig):
    name = "townhall.spaces"
    label = "spaces"

    def ready(self) -> None:
        from townhall.activity import verbs
        from townhall.core.registries import SidebarLink, register_sidebar_link, signed_in
        from townhall.realtime import schemas
        from townhall.spaces import broadcasts, events, notices

        verbs.register(events.VERBS)
        notices.register()
        schemas.register(broadcasts.SCHEMAS, app=self.label)
        register_sidebar_link(SidebarLink("spaces", "All spaces", "spaces:list", 60, shown=signed_in))
