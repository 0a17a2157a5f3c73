"""WhatsApp's system lines: events the app writes without an author ("Alice created group", "Bob left").

They are kept as system events, never as posts. Android writes them after the head with no "Name: ";
iOS writes them as if the group itself had said them ("[..] Group: \u200eAlice added Bob"), the text
starting with an invisible left-to-right mark. The sentences are English (the app's language when the
export was made): lines in other languages that have no author still become system events, of kind
"other", with their text kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_Q = "[\"“”«»'‘’]"  # noqa: RUF001 (the quotes phones write)

_PATTERNS: list[tuple[str, str]] = [
    ("encrypted", r"Messages and calls are end-to-end encrypted\b.*"),
    ("encrypted", r"Messages to this (?:group|chat) are now secured with end-to-end encryption\b.*"),
    ("encrypted", r"Messages you send to this (?:group|chat) and calls are now secured.*"),
    ("security_code", r"Your security code with (?P<actor>.+?) changed\b.*"),
    ("security_code", r"(?P<actor>.+?)'s security code changed\b.*"),
    ("created", rf"(?P<actor>.+?) created group {_Q}(?P<subject>.*){_Q}"),
    ("created", r"(?P<actor>.+?) created this group"),
    ("renamed", rf"(?P<actor>.+?) changed the subject from {_Q}.*{_Q} to {_Q}(?P<subject>.*){_Q}"),
    ("renamed", rf"(?P<actor>.+?) changed (?:the|this group's) (?:subject|name) to {_Q}(?P<subject>.*){_Q}"),
    ("icon", r"(?P<actor>.+?) (?:changed|deleted|removed) (?:this group's|the group|the group's) icon"),
    (
        "description",
        r"(?P<actor>.+?) (?:changed|deleted) (?:this group's|the group|the group's) description\b.*",
    ),
    ("joined", r"(?P<actor>.+?) joined using this group's invite link"),
    ("joined", r"(?P<actor>.+?) joined from the community"),
    ("added", r"You were added"),
    ("added", r"(?P<actor>.+?) added (?P<object>.+)"),
    ("removed", r"You were removed"),
    ("removed", r"(?P<actor>.+?) removed (?P<object>.+)"),
    ("left", r"(?P<actor>.+?) left"),
    ("number_changed", r"(?P<actor>.+?) changed their phone number\b.*"),
    ("number_changed", r"(?P<actor>.+?) changed to (?P<object>\+[\d \-()]+)"),
    ("settings", r"(?P<actor>.+?) changed (?:this group's|the group's|the) settings\b.*"),
    ("admin", r"You're now an admin"),
    ("admin", r"(?P<actor>.+?) (?:is|are) now an admin"),
    ("disappearing", r"(?P<actor>.+?) turned (?:on|off) disappearing messages\b.*"),
    ("disappearing", r"Disappearing messages were turned (?:on|off)\b.*"),
    ("pinned", r"(?P<actor>.+?) pinned a message"),
    ("business", r"This (?:chat|business) (?:is with|uses) .*"),
]
_COMPILED = [(kind, re.compile(pattern + r"\.?$", re.DOTALL)) for kind, pattern in _PATTERNS]
_YOU = {"you", "You"}


@dataclass(frozen=True)
class SystemLine:
    kind: str  # "created", "added", "left", "removed", "renamed", "icon", ...
    actor: str | None  # the person the line names first (None for "You" and for no one)
    subject: str | None = None  # the group's new name, for "created" and "renamed"


def read_system(text: str) -> SystemLine | None:
    """The system event a line's text describes, or None when it is not one WhatsApp writes."""
    for kind, pattern in _COMPILED:
        m = pattern.match(text)
        if m is None:
            continue
        groups = m.groupdict()
        actor = groups.get("actor")
        if actor is not None and (actor in _YOU or len(actor) > 80):
            actor = None if actor in _YOU else actor
            if actor is not None:  # far too long for a name: some other sentence
                continue
        return SystemLine(kind=kind, actor=actor, subject=groups.get("subject"))
    return None
