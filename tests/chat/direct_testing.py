"""Helpers for the direct-message tests, imported by name (`from direct_testing import dm`)."""

from __future__ import annotations

from typing import Any

from townhall.accounts.models import Block
from townhall.chat import actions
from townhall.policy import Guardian
from townhall.spaces.models import Space


def dm(sender: Any, *people: Any, name: str = "") -> Space:
    """The conversation `sender` starts with `people` (one person: the one-to-one one)."""
    return actions.start_conversation(Guardian(sender), people=list(people), name=name)


def say(author: Any, space: Space, body: str) -> Any:
    return actions.send_message(Guardian(author), space, body=body)


def block(blocker: Any, blocked: Any) -> Block:
    return Block.objects.create(blocker=blocker, blocked=blocked)
