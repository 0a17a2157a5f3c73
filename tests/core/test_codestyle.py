"""Highlighted code is readable in both themes, and code.css is what the generator makes today."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from townhall.core import codestyle

CSS = Path(codestyle.__file__).parent.parent / "static" / "townhall" / "code.css"
SITE_CSS = CSS.with_name("townhall.css").read_text()


def _page_background(theme: str) -> str:
    """--bg of the theme (what .prose pre sits on), read from townhall.css."""
    assert ".prose pre { overflow-x: auto; background: var(--bg);" in SITE_CSS
    block = (
        SITE_CSS.split(":root {")[1] if theme == "light" else SITE_CSS.split('html[data-theme="dark"] {')[1]
    )
    found = re.search(r"--bg: (#[0-9a-fA-F]{6})", block)
    assert found is not None
    return found.group(1)


def _luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_code_css_is_current() -> None:
    assert CSS.read_text() == codestyle.stylesheet(), (
        "regenerate: uv run python -m townhall.core.codestyle > src/townhall/static/townhall/code.css"
    )


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_token_colour_reaches_aa_contrast(theme: str) -> None:
    rules = [line for line in CSS.read_text().splitlines() if "{ " in line]
    mine = [r for r in rules if ("data-theme" in r) == (theme == "dark")]
    colours = {c for r in mine for c in re.findall(r"color: (#[0-9A-Fa-f]{3,6})", r)}
    assert len(colours) > 5
    weak = {c: round(_contrast(c, _page_background(theme)), 2) for c in colours}
    assert all(ratio >= 4.5 for ratio in weak.values()), {c: r for c, r in weak.items() if r < 4.5}


def test_dark_rules_override_every_light_rule() -> None:
    light = codestyle.token_rules(codestyle.LIGHT_STYLE)
    text = CSS.read_text()
    for css_class in light:
        assert f'html[data-theme="dark"] {codestyle._selector(css_class)} ' in text
        assert f'html[data-theme="system"] {codestyle._selector(css_class)} ' in text
