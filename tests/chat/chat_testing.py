"""Helpers for the chat tests, imported by name (`from chat_testing import chat_space`): a module of its
own, because `from conftest import ...` finds whichever conftest was loaded last when tests/chat runs
together with another folder's tests (tests/browser)."""

from __future__ import annotations

from typing import Any

import factories as testing
from townhall.spaces.models import Space


def chat_space(name: str, **fields: Any) -> Space:
    return testing.make_space(name, kind="chat", **fields)
