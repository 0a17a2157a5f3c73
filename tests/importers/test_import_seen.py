"""The store's memory of the keys an import wrote: a Bloom filter of fixed size."""

from __future__ import annotations

import pytest

from townhall.importers.seen import SeenKeys


def test_every_key_added_is_maybe_there_and_few_others_are() -> None:
    seen = SeenKeys(bits=1 << 20)
    added = [("12", "message", f"id-{n}") for n in range(20_000)]
    for key in added:
        seen.add(key)
    assert all(key in seen for key in added)  # never a false "not written": nothing is imported twice
    others = [("12", "message", f"other-{n}") for n in range(20_000)]
    false_maybes = sum(1 for key in others if key in seen)
    assert false_maybes < 400  # about 0.1% expected at this fill (2%: the bound); each costs a lookup


def test_an_empty_filter_holds_nothing_and_its_size_does_not_grow() -> None:
    seen = SeenKeys()
    assert ("1", "message", "a") not in seen
    size = len(seen._bits)
    for n in range(1000):
        seen.add(("1", "message", str(n)))
    assert len(seen._bits) == size == (1 << 25) // 8


def test_its_size_is_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="power of two"):
        SeenKeys(bits=1000)
