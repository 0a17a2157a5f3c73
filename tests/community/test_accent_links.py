"""The accent's link shades read (WCAG AA, 4.5:1) on every background links sit on, hovered rows included."""

from __future__ import annotations

import re

import pytest

from townhall.community.colors import accent_css_text, contrast

BACKGROUNDS = {"light": ("#ffffff", "#f8f9fb", "#eef0f4"), "dark": ("#0f1216", "#181c22", "#222831")}


@pytest.mark.parametrize("accent", ["#3b5bdb", "#6c84e4", "#e8590c", "#2b8a3e", "#ffd43b", "#101010"])
def test_links_read_on_every_surface(accent: str) -> None:
    css = accent_css_text(accent)
    light = re.search(r":root \{[^}]*--link: (#[0-9a-f]{6})", css)
    dark = re.search(r"html\[data-theme='dark'\] \{ --link: (#[0-9a-f]{6})", css)
    assert light and dark
    for background in BACKGROUNDS["light"]:
        assert contrast(light.group(1), background) >= 4.5, (accent, background)
    for background in BACKGROUNDS["dark"]:
        assert contrast(dark.group(1), background) >= 4.5, (accent, background)
