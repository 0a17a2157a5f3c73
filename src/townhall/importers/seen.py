"""The keys an import has written so far, in memory that does not grow with the import: a Bloom
filter. It answers "certainly not written" or "maybe written"; the store looks only the maybes up in
the database, so a big import into a space nothing was imported into before asks about almost none
of its messages, and a million keys take the same 4 MB as ten."""

from __future__ import annotations

from collections.abc import Hashable

BITS = 1 << 25  # 4 MB; a million keys give about one false "maybe" in 1,600
HASHES = 3


class SeenKeys:
    def __init__(self, bits: int = BITS, hashes: int = HASHES) -> None:
        if bits & (bits - 1):
            raise ValueError("the filter's size must be a power of two")
        self._bits = bytearray(bits // 8)
        self._mask = bits - 1
        self._hashes = hashes

    def _positions(self, key: Hashable) -> list[int]:
        h = hash(key) & 0xFFFF_FFFF_FFFF_FFFF
        low, step = h & 0xFFFF_FFFF, (h >> 32) | 1  # double hashing: k positions from one hash
        return [(low + i * step) & self._mask for i in range(self._hashes)]

    def add(self, key: Hashable) -> None:
        bits = self._bits
        for p in self._positions(key):
            bits[p >> 3] |= 1 << (p & 7)

    def __contains__(self, key: Hashable) -> bool:
        """False: never added. True: maybe added (look it up)."""
        bits = self._bits
        return all(bits[p >> 3] & (1 << (p & 7)) for p in self._positions(key))
