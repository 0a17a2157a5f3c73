from __future__ import annotations

from django import forms

from townhall.chat.models import CLIENT_KEY_MAX


class MessageForm(forms.Form):
    # Length and emptiness are the action's to judge (one message for the page and the API); the field
    # only refuses what no text may hold (NUL), as every Django CharField does.
    body = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 2}))
    client_key = forms.CharField(required=False, max_length=CLIENT_KEY_MAX, widget=forms.HiddenInput)
