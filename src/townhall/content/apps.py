from django.apps import AppConfig


class ContentConfig(AppConfig):
    """No models: an app only so that its templates, template tags and static files are found."""

    name = "townhall.content"
    label = "content"
    verbose_name = "Shared content"
