"""Undo notices ("Post deleted. Undo"): a flash message that carries a form undoing what was just done.

The undo is a real action with its own rules (the view it posts to asks the Guardian again, and the rule
decides how long the offer lasts); this module only carries the offer to the next page. townhall.js
takes the button away after UNDO_SHOWN_SECONDS; without JavaScript it stays, and a late click gets the
rule's reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest

UNDO_TAG = "undo"
UNDO_SHOWN_SECONDS = 8


def offer_undo(
    request: HttpRequest,
    text: str,
    *,
    action: str,
    fields: Mapping[str, str] | None = None,
    label: str = "Undo",
) -> None:
    """Flash `text` with an Undo button that posts `fields` to `action`."""
    offer = {"text": text, "action": action, "fields": dict(fields or {}), "label": label}
    messages.success(request, json.dumps(offer), extra_tags=UNDO_TAG)


def read_offer(message: Any) -> dict[str, Any] | None:
    """The offer a flashed message carries, or None for an ordinary message."""
    if UNDO_TAG not in str(getattr(message, "extra_tags", "") or "").split():
        return None
    try:
        offer = json.loads(str(message.message))
    except ValueError:
        return None
    if not isinstance(offer, dict) or not str(offer.get("action", "")).startswith("/"):
        return None
    fields = offer.get("fields")
    if not isinstance(fields, dict):
        fields = {}
    return {
        "text": str(offer.get("text", "")),
        "action": str(offer["action"]),
        "fields": sorted((str(k), str(v)) for k, v in fields.items()),
        "label": str(offer.get("label") or "Undo"),
        "seconds": UNDO_SHOWN_SECONDS,
    }


def message_text(message: Any) -> str:
    """What a flashed message says, undo offers included (for tests and logs)."""
    offer = read_offer(message)
    return offer["text"] if offer is not None else str(message)
