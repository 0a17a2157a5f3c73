"""Helpers for the chat tests, imported by name (`from chat_testing import chat_space`): a module of its
own, because `from conftest import ...` finds whichever conftest was loaded last when tests/chat runs
together with another folder's tests (tests/browser)."""

from __future__ import annotations

from typing import Any

import factories as testing
from townhall.spaces.models import Space


def chat_space(name: str, **fields: Any) -> Space:
    return testing.make_space(name, kind="chat", **fields)


def demo_chat_members(*, display_names: bool = False) -> dict[str, Any]:
    """Everyone the demo's chat space needs (its authors, moderators, repliers and reactors), and the
    discussions space a thread of it is moved to: what seed/demo.py has in place before seed_chat."""
    from townhall.seed import demo_chat

    names = {author for *_rest, author, _text in demo_chat.MESSAGES} | set(demo_chat.MODERATORS)
    names |= {author for _start, replies in demo_chat.THREADS for _m, author, _t, _c in replies}
    names |= {mark.split(" ", 1)[0] for marks in demo_chat.REACTIONS.values() for mark in marks}
    testing.make_space(demo_chat.PROMOTED_TO, kind="discussion")
    return {
        name: testing.make_member(name, **({"display_name": name.title()} if display_names else {}))
        for name in sorted(names)
    }
