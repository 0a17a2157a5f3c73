"""Feeds and the sitemap stay valid XML whatever people paste into a post (form feeds, escapes...)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import feedparser
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from townhall.spaces.models import Space

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
CONTROLS = "\x0c\x0b\x1b\x01\ufffe"


def _strict_xml(response: Any) -> ET.Element:
    assert response.status_code == 200, response.content[:300]
    return ET.fromstring(response.content)  # a strict XML 1.0 parser: fails on any forbidden character


def test_form_feeds_and_other_controls_in_posts_keep_the_feeds_valid(
    client_for: Any, member: Any, public_space: Space
) -> None:
    get_user_model().objects.filter(pk=member.pk).update(display_name=f"Max{CONTROLS} Member")
    topic = start_topic(
        member,
        public_space,
        title=f"Page{CONTROLS} break",
        body=f"Before the form feed\x0cafter it{CONTROLS}.",
    )
    reply(member, topic, "A vertical\x0btab and an escape\x1b[31m in a reply")
    visitor = client_for(None)

    space_feed = _strict_xml(visitor.get(reverse("discussions:space-feed", args=[public_space.slug])))
    titles = [e.findtext(f"{ATOM}title") or "" for e in space_feed.iter(f"{ATOM}entry")]
    assert [title.split() for title in titles] == [["Page", "break"]]
    summary = next(space_feed.iter(f"{ATOM}summary")).text or ""
    assert "Before the form feedafter it." in summary
    assert next(space_feed.iter(f"{ATOM}name")).text == "Max Member"

    topic_feed = _strict_xml(visitor.get(reverse("discussions:topic-feed", args=[topic.pk])))
    bodies = " ".join(e.text or "" for e in topic_feed.iter(f"{ATOM}summary"))
    assert "A verticaltab and an escape[31m in a reply" in bodies
    assert not feedparser.parse(visitor.get(reverse("discussions:topic-feed", args=[topic.pk])).content).bozo

    sitemap = _strict_xml(visitor.get(reverse("discussions:sitemap")))
    assert any(topic.get_absolute_url() in (loc.text or "") for loc in sitemap.iter())


def test_xml_text_keeps_every_allowed_character_and_drops_the_rest() -> None:
    from townhall.core.xmltext import xml_clean, xml_text

    allowed = "tab\tnew\nreturn\r é ✓ 𝄞 \ud7ff \ue000 \ufffd"
    assert xml_text(allowed) == allowed
    assert xml_text("".join(chr(c) for c in range(32)) + "\ufffe\uffff") == "\t\n\r"
    assert xml_clean({"a": ["x\x0cy", ("\x0b",)], "n": 3}) == {"a": ["xy", ("",)], "n": 3}
