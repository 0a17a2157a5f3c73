"""Every stream test gets a channel layer of its own."""

from __future__ import annotations

import pytest
from channels.layers import channel_layers


@pytest.fixture(autouse=True)
def _fresh_layer() -> None:
    channel_layers.backends.clear()  # a layer bound to no earlier test's event loop
