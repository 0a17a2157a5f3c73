"""Forms for space pages. They only parse; the actions validate again and decide."""

from __future__ import annotations

from typing import Any

from django import forms

from townhall.accounts.models import User
from townhall.community.models import Group
from townhall.core.registries import listed_kind_choices, space_kinds
from townhall.spaces import actions
from townhall.spaces.models import COVER_COLORS, SidebarSection, Space
from townhall.spaces.queries import find_person


class SpaceForm(forms.Form):
    name = forms.CharField(max_length=actions.NAME_MAX)
    description = forms.CharField(
        max_length=actions.DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or two sentences: what is this space for?",
    )
    icon = forms.CharField(
        max_length=actions.ICON_MAX,
        required=False,
        initial="💬",
        help_text="An emoji, shown next to the name.",
    )
    visibility = forms.ChoiceField(
        choices=Space.VISIBILITIES, initial=Space.MEMBERS, widget=forms.RadioSelect
    )
    posting = forms.ChoiceField(
        choices=Space.POSTING, initial=Space.EVERYONE, label="Who may start posts", widget=forms.RadioSelect
    )
    group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"),
        required=False,
        empty_label="Everyone (no group restriction)",
        help_text="Only members of this group may read and take part (members and private spaces).",
    )
    section = forms.ModelChoiceField(
        queryset=SidebarSection.objects.order_by("position", "id"),
        required=False,
        empty_label="No section",
        label="Sidebar section",
    )

    def __init__(self, *args: Any, kind: str | None = None, **kwargs: Any) -> None:
        """Without `kind` (a new space): choose one of the registered kinds, with every kind's settings.
        With `kind` (an existing space): that kind's settings only."""
        super().__init__(*args, **kwargs)
        if kind is None:
            choices = listed_kind_choices()
            self.fields["kind"] = forms.ChoiceField(
                choices=choices,
                initial=Space.DEFAULT_KIND,
                required=False,  # a form without it (scripts, older pages) makes a discussion space
                label="What kind of space",
                widget=forms.RadioSelect if len(choices) > 1 else forms.HiddenInput,
            )
        self.kinds = [space_kinds[kind]] if kind else [entry for entry in space_kinds if entry.listed]
        for entry in self.kinds:
            for name, field in (entry.settings() if entry.settings else {}).items():
                self.fields[f"{entry.key}__{name}"] = field

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or Space.DEFAULT_KIND

    def kind_settings(self, kind: str) -> dict[str, Any]:
        """The cleaned settings of one kind, by their own names."""
        prefix = f"{kind}__"
        return {name[len(prefix) :]: v for name, v in self.cleaned_data.items() if name.startswith(prefix)}

    def settings_fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        """(kind label, its bound setting fields) for every kind that has settings, for the template."""
        sets = []
        for entry in self.kinds:
            bound = [self[name] for name in self.fields if name.startswith(f"{entry.key}__")]
            if bound:
                sets.append((entry.label, bound))
        return sets

    @classmethod
    def for_space(cls, space: Space, data: Any = None) -> SpaceForm:
        initial = {
            "name": space.name,
            "description": space.description,
            "icon": space.icon,
            "visibility": space.visibility,
            "posting": space.posting,
            "group": space.group_id,
            "section": space.section_id,
        }
        initial.update(
            {f"{space.kind}__{name}": value for name, value in (space.kind_settings or {}).items()}
        )
        return cls(data=data, initial=initial, kind=space.kind)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the space a name.")
        return str(name)


class SpaceCoverForm(forms.Form):
    color = forms.ChoiceField(
        choices=[("", "Automatic (from the name and icon)"), *COVER_COLORS],
        required=False,
        label="Cover colour",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the palette's colours (or Automatic)."},
    )
    image = forms.FileField(
        required=False,
        label="Cover picture (optional)",
        help_text="A JPEG, PNG, GIF or WebP image up to 5 MB, shown as a wide banner above the colour.",
    )
    remove_image = forms.BooleanField(required=False, label="Remove the cover picture")

    @classmethod
    def for_space(cls, space: Space, data: Any = None, files: Any = None) -> SpaceCoverForm:
        return cls(data=data, files=files, initial={"color": space.cover_color})


class SectionForm(forms.Form):
    name = forms.CharField(max_length=actions.SECTION_NAME_MAX, label="Section name")


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        max_length=actions.REQUEST_MESSAGE_MAX,
        required=False,
        label="Message to the moderators (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InviteForm(forms.Form):
    username = forms.CharField(max_length=160, label="Invite by @username")

    def clean_username(self) -> User:
        user = find_person(self.cleaned_data["username"])
        if user is None:
            raise forms.ValidationError("Nobody here has that @username.")
        return user


class AssignSectionForm(forms.Form):
    section = forms.ModelChoiceField(
        queryset=SidebarSection.objects.order_by("position", "id"),
        required=False,
        empty_label="No section",
        label="Section",
    )


class DirectionForm(forms.Form):
    direction = forms.ChoiceField(choices=[(actions.UP, "Up"), (actions.DOWN, "Down")])
