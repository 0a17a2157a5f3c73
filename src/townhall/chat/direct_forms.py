"""Forms of the direct-message pages: starting a conversation, adding someone, renaming one."""

from __future__ import annotations

import re

from django import forms

from townhall.chat.actions.direct import NAME_MAX
from townhall.chat.models import MAX_BODY
from townhall.policy.direct import MAX_PEOPLE

TO_MAX = 2000
USERNAME_MAX = 150


def split_usernames(value: str) -> list[str]:
    """ "@ana, ben  carla" -> ["ana", "ben", "carla"]: commas or spaces between, "@" optional."""
    names = [part.lstrip("@") for part in re.split(r"[\s,;]+", value or "")]
    unique: dict[str, str] = {}
    for name in names:
        if name:
            unique.setdefault(name.lower(), name)
    return list(unique.values())


class StartForm(forms.Form):
    to = forms.CharField(
        max_length=TO_MAX,
        label="To",
        help_text="One or more usernames, separated by commas. Two or more make a group conversation.",
    )
    name = forms.CharField(
        max_length=NAME_MAX,
        required=False,
        label="Group name (optional)",
        help_text="A name makes it a group conversation, even with one other person.",
    )
    body = forms.CharField(max_length=MAX_BODY, required=False, widget=forms.Textarea, label="Message")
    client_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def clean_to(self) -> list[str]:
        names = split_usernames(self.cleaned_data["to"])
        if not names:
            raise forms.ValidationError("Choose at least one member to write to.")
        if len(names) >= MAX_PEOPLE:
            raise forms.ValidationError(f"A conversation has at most {MAX_PEOPLE} people, you included.")
        if any(len(name) > USERNAME_MAX for name in names):
            raise forms.ValidationError("That is not a username.")
        return names


class AddForm(forms.Form):
    username = forms.CharField(max_length=USERNAME_MAX, label="Add a member (username)")


class RenameForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX,
        required=False,
        label="Conversation name",
        help_text="Leave it empty to show the members' names.",
    )
