"""The post markup built in Python (render.py): escaping, per-reader actions, the threaded view."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

import factories as testing
from townhall.discussions import actions
from townhall.discussions.models import DEFAULT_REACTIONS
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db

# A post action: an icon button named for screen readers (and in its tooltip).
REPLY_BUTTON = (
    '<span class="icon icon-reply" aria-hidden="true"></span><span class="visually-hidden">Reply</span></a>'
)


def _posts_html(response: Any) -> str:
    """The `#posts` block of a topic page (the layout around it has its own forms)."""
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    start = html.index('<div id="posts"')
    return html[start : html.index('<section aria-labelledby="reply-heading"', start)]


def _joined(space: Space, **fields: Any) -> Any:
    user = testing.make_member(**fields)
    SpaceMembership.objects.create(space=space, user=user)
    return user


def test_names_in_posts_and_reactions_are_escaped(client_for: Any, member: Any, public_space: Space) -> None:
    odd = _joined(public_space, display_name='<b>Ann & "Co"</b>')
    reactor = _joined(public_space, display_name="<i>Rex</i>")
    topic = start_topic(member, public_space)
    post = reply(odd, topic, "hello <script>alert(1)</script>")
    emoji = DEFAULT_REACTIONS[0][0]
    actions.react(Guardian(reactor), post, emoji=emoji)
    url = reverse("discussions:topic", args=[topic.pk, topic.slug])
    for client in (client_for(None), client_for(member)):
        html = _posts_html(client.get(url))
        assert "<b>Ann" not in html and "<i>Rex" not in html and "<script>" not in html
        assert "&lt;b&gt;Ann &amp; &quot;Co&quot;&lt;/b&gt;" in html
        assert "&lt;i&gt;Rex&lt;/i&gt;" in html
        thread = _posts_html(client.get(url + "?view=thread"))
        assert "&lt;b&gt;Ann" in thread and "<b>Ann" not in thread


def test_actions_follow_the_reader(client_for: Any, member: Any, moderator: Any, public_space: Space) -> None:
    other = _joined(public_space)
    topic = start_topic(member, public_space)
    mine = reply(member, topic, "mine")
    theirs = reply(other, topic, "theirs")
    url = reverse("discussions:topic", args=[topic.pk, topic.slug])
    edit_mine = reverse("discussions:post-edit", args=[mine.pk])
    edit_theirs = reverse("discussions:post-edit", args=[theirs.pk])
    hide_theirs = reverse("discussions:post-moderate", args=[theirs.pk])

    anonymous = _posts_html(client_for(None).get(url))
    assert "csrfmiddlewaretoken" not in anonymous and "<form" not in anonymous
    assert edit_mine not in anonymous and REPLY_BUTTON not in anonymous

    author = _posts_html(client_for(member).get(url))
    assert edit_mine in author and edit_theirs not in author and hide_theirs not in author
    assert REPLY_BUTTON in author and 'name="csrfmiddlewaretoken"' in author
    assert 'class="react-picker small"' in author

    mod = _posts_html(client_for(moderator).get(url))
    assert hide_theirs in mod and 'value="hide"' in mod


def test_hidden_and_deleted_posts_keep_their_place(
    client_for: Any, member: Any, moderator: Any, public_space: Space
) -> None:
    other = _joined(public_space)
    topic = start_topic(member, public_space)
    hidden = reply(other, topic, "rude words")
    gone = reply(member, topic, "second thoughts")
    actions.hide_post(Guardian(moderator), hidden)
    actions.delete_post(Guardian(member), gone)
    url = reverse("discussions:topic", args=[topic.pk, topic.slug])
    html = _posts_html(client_for(None).get(url))
    assert f'id="post-{hidden.pk}"' in html and "A moderator has hidden this post." in html
    assert f'id="post-{gone.pk}"' in html and "This post was deleted." in html
    assert "rude words" not in html and "second thoughts" not in html
    mod = _posts_html(client_for(moderator).get(url))
    restore = reverse("discussions:post-moderate", args=[hidden.pk])
    assert restore in mod and "rude words" in mod


def test_threaded_view_nests_replies_with_counts(client_for: Any, member: Any, public_space: Space) -> None:
    topic = start_topic(member, public_space)
    a = reply(member, topic, "first branch")
    reply(member, topic, "leaf one", reply_to=a)
    reply(member, topic, "leaf two", reply_to=a)
    url = reverse("discussions:topic", args=[topic.pk, topic.slug])
    html = _posts_html(client_for(None).get(url + "?view=thread"))
    assert html.count('<ul class="thread">') == 2
    assert "2 replies to" in html
    assert html.index("first branch") < html.index("leaf one") < html.index("leaf two")
    flat = _posts_html(client_for(None).get(url + "?view=flat"))
    assert "In reply to" in flat and "In reply to" not in html


def test_reaction_choices_are_cached_and_cleared_on_change(
    client_for: Any, member: Any, public_space: Space, django_capture_on_commit_callbacks: Any
) -> None:
    from townhall.discussions.models import ReactionChoice, reaction_choices

    topic = start_topic(member, public_space)
    url = reverse("discussions:topic", args=[topic.pk, topic.slug])
    reader = client_for(member)
    assert "Rocket" not in _posts_html(reader.get(url))
    before = [c.emoji for c in reaction_choices()]
    with django_capture_on_commit_callbacks(execute=True):
        choice = ReactionChoice.objects.create(emoji="🚀", label="Rocket", position=99)
    assert [c.emoji for c in reaction_choices()] != before
    assert 'title="Rocket"' in _posts_html(reader.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        choice.delete()
    assert 'title="Rocket"' not in _posts_html(reader.get(url))


def test_in_reply_to_names_the_author_escaped(client_for: Any, member: Any, public_space: Space) -> None:
    ada = _joined(public_space, display_name="Ada <Lovelace>")
    topic = start_topic(member, public_space)
    first = reply(ada, topic, "first")
    answer = reply(member, topic, "answer", reply_to=first)
    html = _posts_html(client_for(member).get(reverse("discussions:topic", args=[topic.pk, topic.slug])))
    permalink = reverse("discussions:post", args=[first.pk])
    assert f'In reply to <a href="{permalink}">Ada &lt;Lovelace&gt;</a>' in html
    assert "an earlier post" not in html and "<Lovelace>" not in html
    # an author without a display name is named by username; a former member's post says what it is
    plain = _joined(public_space, username="grace")
    to_grace = reply(member, topic, "to grace", reply_to=reply(plain, topic, "hi"))
    html = _posts_html(client_for(None).get(reverse("discussions:topic", args=[topic.pk, topic.slug])))
    assert ">grace</a></p>" in html and answer.pk and to_grace.pk
    plain.delete()
    html = _posts_html(client_for(None).get(reverse("discussions:topic", args=[topic.pk, topic.slug])))
    assert "In reply to <a" in html and ">an earlier post</a>" in html


def test_post_actions_are_icon_buttons_named_for_screen_readers(
    client_for: Any, member: Any, moderator: Any, public_space: Space
) -> None:
    topic = start_topic(member, public_space, kind="question")
    other = _joined(public_space)
    answer = reply(other, topic, "try this")
    url = reverse("discussions:topic", args=[topic.pk, topic.slug])
    html = _posts_html(client_for(moderator).get(url))
    article = html[html.index(f'id="post-{answer.pk}"') :]
    footer = article[article.index('<footer class="post-actions row small">') : article.index("</footer>")]
    names = re.findall(r'<span class="visually-hidden">([^<]+)</span>', footer)
    assert names == ["Reply", "Quote", "Edit", "Accept as answer", "Delete", "Hide"]
    for name in names:
        icon = name.split()[0].lower()
        assert f'title="{name}"' in footer
        assert (
            f'<span class="icon icon-{icon}" aria-hidden="true"></span><span class="visually-hidden">{name}</span>'
            in footer
        )
    assert footer.count('class="post-action"') == len(names)
    assert 'data-confirm="Delete this post?" data-confirm-button="Delete post"' in footer
    asker = _posts_html(client_for(member).get(url))
    mine = asker[asker.index(f'id="post-{answer.pk}"') :]
    assert '<span class="visually-hidden">Accept as answer</span>' in mine[: mine.index("</footer>")]
    opening = asker[asker.index('<article class="post post-opening"') :]
    assert 'data-confirm="Delete this topic?"' in opening[: opening.index("</footer>")]
    assert '<summary title="React"><span class="icon icon-react" aria-hidden="true"></span>' in asker
