"""Text that XML 1.0 can hold, for everything Townhall writes as XML (Atom feeds, sitemaps, later iCal).

XML 1.0 forbids most control characters (form feed, vertical tab, escape, NUL...) and the non-characters
U+FFFE/U+FFFF, even escaped. People paste them into posts without knowing, and one of them in a post made
its feeds fail for every reader; Django's XML writer refuses them with an exception. `xml_text` drops
them; `XmlSafeAtom1Feed` applies it to every value a feed is given.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.feedgenerator import Atom1Feed

# Everything outside XML 1.0's Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
# [#x10000-#x10FFFF].
_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 forbids (they are dropped, the rest is kept as it is)."""
    return _FORBIDDEN.sub("", value)


def xml_clean(value: Any) -> Any:
    """xml_text() for a string, or for every string inside a list, tuple or dict; anything else as is."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, (list, tuple)):
        return type(value)(xml_clean(v) for v in value)
    if isinstance(value, dict):
        return {k: xml_clean(v) for k, v in value.items()}
    return value


class XmlSafeAtom1Feed(Atom1Feed):
    """An Atom feed whose titles, texts, names and links can never hold a character XML forbids."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*xml_clean(args), **xml_clean(kwargs))

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*xml_clean(args), **xml_clean(kwargs))
