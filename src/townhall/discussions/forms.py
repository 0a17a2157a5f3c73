"""Forms parse input for the views; the actions own the rules and the real validation."""

from __future__ import annotations

from django import forms
from django.urls import reverse

from townhall.discussions.models import BODY_MAX, TITLE_MAX, Topic

BODY_HELP = "Markdown: **bold**, _italic_, `code`, lists, tables, > quotes. Up to 32,000 characters."


class TopicForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, strip=True)
    kind = forms.ChoiceField(choices=Topic.KINDS, initial=Topic.DISCUSSION, label="Type")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}), max_length=BODY_MAX, help_text=BODY_HELP
    )
    tags = forms.CharField(
        max_length=300,
        required=False,
        help_text="Up to 5, separated by commas (for example: lenses, beginners).",
    )

    def __init__(self, *args: object, allow_announcement: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["body"].widget.attrs.update(
            {"data-mention-url": reverse("discussions:mentions"), "data-mention-box": "mentions-id_body"}
        )
        if not allow_announcement:
            self.fields["kind"].choices = [c for c in Topic.KINDS if c[0] != Topic.ANNOUNCEMENT]  # type: ignore[attr-defined]


class ReplyForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), max_length=BODY_MAX, help_text=BODY_HELP, label="Your reply"
    )
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, required=False)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}), max_length=BODY_MAX, help_text=BODY_HELP
    )
    tags = forms.CharField(max_length=300, required=False, help_text="Up to 5, separated by commas.")


class MoveForm(forms.Form):
    space = forms.ChoiceField(label="Move to space")

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["space"].choices = choices  # type: ignore[attr-defined]


class ReactionChoiceForm(forms.Form):
    emoji = forms.CharField(max_length=16, label="Emoji", widget=forms.TextInput(attrs={"size": 4}))
    label = forms.CharField(
        max_length=40, label="Name", help_text="Read out by screen readers, e.g. “Thumbs up”."
    )


class TagRenameForm(forms.Form):
    name = forms.CharField(max_length=40, label="New name")


class TagMergeForm(forms.Form):
    into = forms.CharField(max_length=40, label="Merge into (an existing tag's name)")
