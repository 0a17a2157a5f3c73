from django.apps import AppConfig


class SearchConfig(AppConfig):
    """One document index for every app: apps register their SearchType in their own ready(); this app
    listens to the events those types name and keeps the index (see index.py)."""

    name = "townhall.search"
    label = "search"
    verbose_name = "Search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from townhall.core.registries import SidebarLink, register_sidebar_link
        from townhall.search import index

        # Types registered by apps whose ready() runs after this one are heard of too (a registry watch).
        index.start_listening()
        register_sidebar_link(SidebarLink("search", "Search", "search:search", 50))
