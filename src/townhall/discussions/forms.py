"""Forms parse input for the views; the actions own the rules and the real validation."""

from __future__ import annotations

from django import forms
from django.urls import reverse

from townhall.discussions.models import BODY_MAX, TITLE_MAX, Topic

BODY_HELP = "Markdown: **bold**, _italic_, `code`, lists, tables, > quotes. Up to 32,000 characters."
# The same words as the actions' own checks (actions/_common.py clean_body / clean_title).
BODY_ERRORS = {
    "required": "Write something first.",
    "max_length": f"Keep posts under {BODY_MAX:,} characters (this one has %(show_value)s).",
}
# Post bodies carry no maxlength in the page: a browser would cut a long paste short without a word.
# The server counts instead, and its error comes back beside the field with every character kept.
NO_SILENT_CUT = "maxlength"

TITLE_ERRORS = {
    "required": "Give your topic a title.",
    "max_length": f"Keep the title under {TITLE_MAX} characters (it has %(show_value)s).",
}


class TopicForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, strip=True, error_messages=TITLE_ERRORS)
    kind = forms.ChoiceField(choices=Topic.KINDS, initial=Topic.DISCUSSION, label="Type")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=BODY_MAX,
        help_text=BODY_HELP,
        error_messages=BODY_ERRORS,
    )
    tags = forms.CharField(
        max_length=300,
        required=False,
        help_text="Up to 5, separated by commas (for example: lenses, beginners).",
    )

    def __init__(
        self, *args: object, allow_announcement: bool = False, draft_url: str = "", **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["body"].widget.attrs.pop(NO_SILENT_CUT, None)
        self.fields["body"].widget.attrs.update(
            {"data-mention-url": reverse("discussions:mentions"), "data-mention-box": "mentions-id_body"}
        )
        if draft_url:
            # The draft is kept while typing (htmx sends the title and body only, never the file).
            autosave = {
                "hx-post": draft_url,
                "hx-trigger": "input changed delay:2000ms",
                "hx-params": "title,body",
                "hx-target": "#draft-status",
                "hx-swap": "innerHTML",
            }
            self.fields["title"].widget.attrs.update(autosave)
            self.fields["body"].widget.attrs.update(autosave)
        if not allow_announcement:
            self.fields["kind"].choices = [c for c in Topic.KINDS if c[0] != Topic.ANNOUNCEMENT]  # type: ignore[attr-defined]


class ReplyForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=BODY_MAX,
        help_text=BODY_HELP,
        label="Your reply",
        error_messages=BODY_ERRORS,
    )
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, required=False, error_messages=TITLE_ERRORS)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=BODY_MAX,
        help_text=BODY_HELP,
        error_messages=BODY_ERRORS,
    )
    tags = forms.CharField(max_length=300, required=False, help_text="Up to 5, separated by commas.")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["body"].widget.attrs.pop(NO_SILENT_CUT, None)


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
