"""The accent colour: validated hex, with a text colour and link shade that keep WCAG AA contrast."""

from __future__ import annotations

import re

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT = "#3b5bdb"
LIGHT_SURFACE_2 = "#eef0f4"  # townhall.css --surface-2, the darkest light background links sit on
DARK_SURFACE_2 = "#222831"  # and in the dark theme, the lightest


def _luminance(hex_color: str) -> float:
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _mix(hex_color: str, towards: str, amount: float) -> str:
    out = "#"
    for i in (1, 3, 5):
        c, t = int(hex_color[i : i + 2], 16), int(towards[i : i + 2], 16)
        out += f"{round(c + (t - c) * amount):02x}"
    return out


def readable_on(background: str, color: str, minimum: float = 4.5) -> str:
    """Shift `color` towards black or white until it reads on `background`."""
    target = "#000000" if _luminance(background) > 0.18 else "#ffffff"
    for step in range(0, 21):
        candidate = _mix(color, target, step / 20)
        if contrast(candidate, background) >= minimum:
            return candidate
    return target


def accent_css_text(accent: str) -> str:
    accent = accent if HEX.match(accent or "") else DEFAULT
    on_accent = "#ffffff" if contrast(accent, "#ffffff") >= contrast(accent, "#000000") else "#000000"
    # A button's fill must also hold its text: darken or lighten the fill itself when needed.
    button = accent if contrast(accent, on_accent) >= 4.5 else readable_on(on_accent, accent)
    # Links sit on the page, on cards and on hovered rows (--surface-2, e.g. a chat message under the
    # pointer or a tapped one on a phone): each shade must read on the least contrasting of them.
    light_link = readable_on(LIGHT_SURFACE_2, accent)
    dark_link = readable_on(DARK_SURFACE_2, accent)
    return (
        f":root {{ --accent: {button}; --accent-contrast: {on_accent}; --link: {light_link}; }}\n"
        f"html[data-theme='dark'] {{ --link: {dark_link}; }}\n"
        f"@media (prefers-color-scheme: dark) {{ html[data-theme='system'] {{ --link: {dark_link}; }} }}\n"
    )
