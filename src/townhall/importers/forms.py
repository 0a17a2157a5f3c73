from __future__ import annotations

from typing import Any

from django import forms

from townhall.accounts.models import TIME_ZONES
from townhall.importers.registry import source_choices
from townhall.spaces.models import Space


class UploadForm(forms.Form):
    source = forms.ChoiceField(label="Where the export comes from", choices=())
    file = forms.FileField(
        label="Export file",
        help_text="The .zip or .txt WhatsApp makes, a Slack export .zip, a DiscordChatExporter .json or a Telegram result.json (up to 2 GB).",
    )
    space = forms.ModelChoiceField(
        label="Import into the chat space",
        queryset=Space.objects.none(),
        required=False,
        empty_label="— a new chat space —",
        help_text="For one chat (WhatsApp, Telegram). Slack and Discord make one space per channel.",
    )
    create_space_name = forms.CharField(
        label="Name of the new chat space",
        max_length=80,
        required=False,
        help_text="When no space is chosen.",
    )
    time_zone = forms.ChoiceField(
        label="Time zone of the export",
        choices=[(z, z) for z in TIME_ZONES],
        initial="UTC",
        help_text="WhatsApp writes local times without a zone: choose the phone's.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = source_choices()  # type: ignore[attr-defined]
        space = self.fields["space"]
        assert isinstance(space, forms.ModelChoiceField)
        space.queryset = Space.objects.filter(kind="chat", archived_at__isnull=True).order_by("name")


class MatchForm(forms.Form):
    username = forms.CharField(label="Member's username", max_length=150)


class EmailClaimForm(forms.Form):
    email = forms.EmailField(label="Their email address")


class MergeForm(forms.Form):
    into = forms.IntegerField(widget=forms.Select, label="Same person as")
