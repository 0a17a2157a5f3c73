from __future__ import annotations

from django import forms

from townhall.chat.models import CLIENT_KEY_MAX, TOPIC_MAX


class MessageForm(forms.Form):
    # Length and emptiness are the action's to judge (one message for the page and the API); the field
    # only refuses what no text may hold (NUL), as every Django CharField does.
    body = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 2}))
    client_key = forms.CharField(required=False, max_length=CLIENT_KEY_MAX, widget=forms.HiddenInput)


class TopicForm(forms.Form):
    # The length is the action's to judge (the same message for the page and the API).
    topic = forms.CharField(
        required=False,
        label="Topic line",
        help_text=f"Plain text, at most {TOPIC_MAX} characters; leave it empty to clear the topic.",
        widget=forms.TextInput(attrs={"size": 60}),
    )


class ThreadReplyForm(MessageForm):
    also_in_channel = forms.BooleanField(required=False, label="Also send to channel")


class PromoteForm(forms.Form):
    # The choices are the discussions spaces this person may start topics in (set by the view); the
    # title's length is the action's to judge.
    space = forms.TypedChoiceField(coerce=int, label="Discussions space", choices=())
    title = forms.CharField(label="Topic title", widget=forms.TextInput(attrs={"size": 60}))
