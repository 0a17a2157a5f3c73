"""Admins curate the reaction set and the tags from the community settings (discussions' settings pages)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages

import factories as testing
from townhall.activity.models import Activity
from townhall.core.errors import Invalid, PermissionDenied
from townhall.discussions import actions
from townhall.discussions.models import (
    DEFAULT_REACTIONS,
    Reaction,
    ReactionChoice,
    Tag,
    Topic,
    reaction_choices,
)
from townhall.policy import Guardian

from .conftest import reply, start_topic

REACTIONS = "/settings/community/reactions/"
TAGS = "/settings/community/tags/"


def offered() -> list[str]:
    return [c.emoji for c in reaction_choices()]


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- reactions: actions ----------------------------------------------------------------------------
def test_adding_keeps_the_defaults_and_appends(admin: Any) -> None:
    ReactionChoice.objects.all().delete()  # members see the defaults while the table is empty
    choice = actions.add_reaction_choice(Guardian(admin), emoji="🔭", label="Telescope")
    assert offered() == [e for e, _ in DEFAULT_REACTIONS] + ["🔭"]
    assert choice.position == len(DEFAULT_REACTIONS)
    assert Activity.objects.filter(verb="reaction_choice.added", actor=admin).exists()


@pytest.mark.parametrize(
    ("emoji", "label", "message"),
    [
        ("", "Empty", "Give the emoji."),
        ("abc", "Letters", "Use one emoji, without letters, digits or spaces."),
        ("🔭 🔭", "Spaces", "Use one emoji, without letters, digits or spaces."),
        ("🔭" * 17, "Long", "Use one emoji, without letters, digits or spaces."),
        ("🔭", "", "Give the reaction a name (read out by screen readers)."),
        ("🔭", "x" * 41, "Keep the name under 40 characters."),
        ("👍", "Again", "That reaction is already offered."),
    ],
)
def test_adding_refuses_bad_input(admin: Any, emoji: str, label: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        actions.add_reaction_choice(Guardian(admin), emoji=emoji, label=label)
    assert caught.value.message == message


def test_the_set_has_a_maximum(admin: Any) -> None:
    g = Guardian(admin)
    for emoji in "🌙🌟🪐🌌🌠🛰":
        actions.add_reaction_choice(g, emoji=emoji, label=f"Sky {emoji}")
    with pytest.raises(Invalid, match="at most 12"):
        actions.add_reaction_choice(g, emoji="☄", label="Comet")


def test_remove_and_move(admin: Any, member: Any, moderator: Any) -> None:
    g = Guardian(admin)
    space = testing.make_space("Planets", members=[member, moderator])
    post = start_topic(member, space).posts.get(position=1)
    actions.react(Guardian(moderator), post, emoji="🎉")
    actions.remove_reaction_choice(g, ReactionChoice(emoji="🎉"))
    assert "🎉" not in offered()
    assert Reaction.objects.filter(emoji="🎉").count() == 1  # reactions already given stay
    actions.move_reaction_choice(g, ReactionChoice(emoji="❤️"), direction="up")
    assert offered()[:2] == ["❤️", "👍"]
    actions.move_reaction_choice(g, ReactionChoice(emoji="❤️"), direction="up")  # at the top: stays
    assert offered()[:2] == ["❤️", "👍"]
    actions.move_reaction_choice(g, ReactionChoice(emoji="👀"), direction="down")
    assert offered()[-1] == "👀"
    with pytest.raises(Invalid):
        actions.move_reaction_choice(g, ReactionChoice(emoji="👍"), direction="sideways")
    with pytest.raises(Invalid, match="not offered"):
        actions.remove_reaction_choice(g, ReactionChoice(emoji="🎉"))


def test_the_last_reaction_stays(admin: Any) -> None:
    g = Guardian(admin)
    for emoji, _ in DEFAULT_REACTIONS[1:]:
        actions.remove_reaction_choice(g, ReactionChoice(emoji=emoji))
    with pytest.raises(Invalid, match="at least one"):
        actions.remove_reaction_choice(g, ReactionChoice(emoji="👍"))


@pytest.mark.parametrize("persona", ["moderator", "member"])
def test_only_admins_change_the_set(request: pytest.FixtureRequest, persona: str) -> None:
    g = Guardian(request.getfixturevalue(persona))
    before = offered()
    with pytest.raises(PermissionDenied):
        actions.add_reaction_choice(g, emoji="🔭", label="Telescope")
    with pytest.raises(PermissionDenied):
        actions.remove_reaction_choice(g, ReactionChoice(emoji="👍"))
    with pytest.raises(PermissionDenied):
        actions.move_reaction_choice(g, ReactionChoice(emoji="👍"), direction="down")
    assert offered() == before


# --- reactions: pages ------------------------------------------------------------------------------
def test_reactions_page_adds_removes_and_moves(client_for: Any, admin: Any) -> None:
    c = client_for(admin)
    page = c.get(REACTIONS).content.decode()
    assert "<h1>Reactions</h1>" in page and 'aria-current="page">Reactions</a>' in page
    assert "Move Thumbs up down" in page and "Move Thumbs up up" not in page
    assert c.post(REACTIONS, {"emoji": "🔭", "label": "Telescope"})["Location"] == REACTIONS
    assert "🔭" in offered()
    bad = c.post(REACTIONS, {"emoji": "🔭", "label": "Again"})
    assert bad.status_code == 400 and "That reaction is already offered." in bad.content.decode()
    assert c.post(f"{REACTIONS}up/", {"emoji": "🔭"}).status_code == 302
    assert offered()[-2] == "🔭"
    assert c.post(f"{REACTIONS}remove/", {"emoji": "🔭"}).status_code == 302
    assert "🔭" not in offered()
    assert c.post(f"{REACTIONS}remove/", {"emoji": "🦄"}).status_code == 404
    assert c.post(f"{REACTIONS}explode/", {"emoji": "👍"}).status_code == 404


def test_settings_pages_are_for_admins(client_for: Any, moderator: Any, admin: Any) -> None:
    for path in (REACTIONS, TAGS):
        assert client_for(moderator).get(path).status_code == 403
    assert client_for(moderator).post(f"{REACTIONS}remove/", {"emoji": "👍"}).status_code == 403
    members_page = client_for(moderator).get("/settings/community/members/").content.decode()
    assert 'href="/settings/community/reactions/"' not in members_page
    admin_page = client_for(admin).get("/settings/community/members/").content.decode()
    nav = admin_page.split('aria-label="Community settings"', 1)[1].split("</nav>", 1)[0]
    assert nav.index("Members and roles") < nav.index("Reactions") < nav.index("Tags")


# --- tags --------------------------------------------------------------------------------------------
@pytest.fixture
def tagged(member: Any, moderator: Any) -> dict[str, Any]:
    space = testing.make_space("Planets", members=[member, moderator])
    both = start_topic(member, space, title="Both tags", tags=["Astro", "Astrophotography"])
    one = start_topic(member, space, title="Only astro", tags=["Astro"])
    other = start_topic(member, space, title="Other tag", tags=["Comets"])
    return {"both": both, "one": one, "other": other}


def tags_of(topic: Topic) -> list[str]:
    return sorted(Topic.objects.get(pk=topic.pk).tags.values_list("name", flat=True))


def test_rename_and_clash(admin: Any, tagged: dict[str, Any]) -> None:
    g = Guardian(admin)
    astro = Tag.objects.get(name="Astro")
    version = Topic.objects.get(pk=tagged["one"].pk).version
    renamed = actions.rename_tag(g, astro, name="  Astronomy ")
    assert (renamed.name, renamed.slug) == ("Astronomy", "astronomy")
    assert tags_of(tagged["one"]) == ["Astronomy"]
    assert Topic.objects.get(pk=tagged["one"].pk).version == version + 1  # cached pages move on
    with pytest.raises(Invalid, match="already exists: merge"):
        actions.rename_tag(g, renamed, name="comets")
    with pytest.raises(Invalid):
        actions.rename_tag(g, renamed, name="!!!")


def test_merge_moves_topics_and_keeps_one_of_each(admin: Any, tagged: dict[str, Any]) -> None:
    source, into = Tag.objects.get(name="Astrophotography"), Tag.objects.get(name="Astro")
    actions.merge_tags(Guardian(admin), source, into=into)
    assert not Tag.objects.filter(name="Astrophotography").exists()
    assert tags_of(tagged["both"]) == ["Astro"] and tags_of(tagged["one"]) == ["Astro"]
    assert Activity.objects.get(verb="tag.merged").data == {
        "source_name": "Astrophotography",
        "topic_count": 1,
    }
    with pytest.raises(Invalid, match="another tag"):
        actions.merge_tags(Guardian(admin), into, into=into)


def test_delete(admin: Any, tagged: dict[str, Any]) -> None:
    actions.delete_tag(Guardian(admin), Tag.objects.get(name="Comets"))
    assert tags_of(tagged["other"]) == []
    assert Topic.objects.filter(pk=tagged["other"].pk).exists()


def test_only_admins_change_tags(moderator: Any, tagged: dict[str, Any]) -> None:
    tag = Tag.objects.get(name="Astro")
    g = Guardian(moderator)
    for attempt in (
        lambda: actions.rename_tag(g, tag, name="X"),
        lambda: actions.merge_tags(g, tag, into=Tag.objects.get(name="Comets")),
        lambda: actions.delete_tag(g, tag),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert Tag.objects.count() == 3


def test_tags_page_lists_counts_and_changes(client_for: Any, admin: Any, tagged: dict[str, Any]) -> None:
    c = client_for(admin)
    page = c.get(TAGS).content.decode()
    assert (
        '<strong class="tag-admin-name">#Astro</strong>' in page and "2 topics" in page and "3 tags" in page
    )
    assert "#Comets</strong>" not in c.get(f"{TAGS}?q=astr").content.decode()
    astro, photo = Tag.objects.get(name="Astro"), Tag.objects.get(name="Astrophotography")
    response = c.post(f"{TAGS}{photo.pk}/merge/", {"into": "#astro", "next": f"{TAGS}?q=astr"})
    assert response["Location"] == f"{TAGS}?q=astr"
    assert "#Astrophotography merged into #Astro." in messages_of(response)
    response = c.post(f"{TAGS}{astro.pk}/rename/", {"name": "Comets"})
    assert "#Astro: “Comets” already exists: merge the two tags instead." in messages_of(response)
    response = c.post(f"{TAGS}{astro.pk}/merge/", {"into": "nothing-like-it"})
    assert "#Astro: There is no tag called “nothing-like-it”." in messages_of(response)
    assert c.post(f"{TAGS}{astro.pk}/delete/", {"next": "https://evil.example/"})["Location"] == TAGS
    assert not Tag.objects.filter(pk=astro.pk).exists()
    assert c.post(f"{TAGS}{astro.pk}/delete/").status_code == 404
    assert c.post(f"{TAGS}{photo.pk}/explode/").status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_tags_page_query_count_is_fixed(
    client_for: Any, admin: Any, member: Any, size: int, django_assert_num_queries: Any
) -> None:
    space = testing.make_space("Planets", members=[member])
    for i in range(size):
        topic = start_topic(member, space, title=f"Topic {i}", tags=[f"tag{i}", "common"])
        reply(member, topic)
    c = client_for(admin)
    # User, membership, count, page of tags (with topic counts), community, space roles (the sidebar).
    with django_assert_num_queries(TAGS_QUERIES):
        assert c.get(TAGS).status_code == 200


TAGS_QUERIES = 6


# --- the API twins -------------------------------------------------------------------------------------
def send(client: Any, method: str, path: str, body: Any = None) -> Any:
    return getattr(client, method)(
        f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json"
    )


def test_reactions_api(client_for: Any, admin: Any, moderator: Any) -> None:
    c = client_for(admin)
    added = send(c, "post", "/reactions", {"emoji": "🔭", "label": "Telescope"})
    assert added.status_code == 201 and added.json()[-1] == {"emoji": "🔭", "label": "Telescope"}
    again = send(c, "post", "/reactions", {"emoji": "🔭", "label": "Again"})
    assert again.status_code in (400, 422) and "already offered" in again.json()["message"]
    moved = send(c, "post", f"/reactions/{quote('🔭')}/move", {"direction": "up"})
    assert [r["emoji"] for r in moved.json()][-2] == "🔭"
    assert send(c, "delete", f"/reactions/{quote('🔭')}").status_code == 204
    assert send(c, "delete", f"/reactions/{quote('🦄')}").status_code == 404
    assert "🔭" not in [r["emoji"] for r in c.get("/api/v1/reactions").json()]
    refused = send(client_for(moderator), "post", "/reactions", {"emoji": "🌙", "label": "Moon"})
    assert refused.status_code == 403


def test_tags_api(client_for: Any, admin: Any, moderator: Any, tagged: dict[str, Any]) -> None:
    c = client_for(admin)
    astro, photo, comets = (Tag.objects.get(name=n) for n in ("Astro", "Astrophotography", "Comets"))
    renamed = send(c, "patch", f"/tags/{comets.pk}", {"name": "Comet hunting"})
    assert renamed.status_code == 200 and renamed.json() == {
        "id": comets.pk,
        "name": "Comet hunting",
        "slug": "comet-hunting",
    }
    clash = send(c, "patch", f"/tags/{comets.pk}", {"name": "astro"})
    assert clash.status_code in (400, 422) and "merge" in clash.json()["message"]
    merged = send(c, "post", f"/tags/{photo.pk}/merge", {"into": astro.pk})
    assert merged.status_code == 200 and merged.json()["name"] == "Astro"
    assert send(c, "delete", f"/tags/{comets.pk}").status_code == 204
    assert send(c, "delete", f"/tags/{comets.pk}").status_code == 404
    assert send(client_for(moderator), "delete", f"/tags/{astro.pk}").status_code == 403
    assert list(Tag.objects.values_list("name", flat=True)) == ["Astro"]
