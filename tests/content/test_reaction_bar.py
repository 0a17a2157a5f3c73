"""The shared reaction bar and tally (content.reactions): every value escaped, forms only for people who
may react, emoji in the set's order with one no longer offered last."""

from __future__ import annotations

from townhall.content.reactions import ReactionSummary, group, reaction_bar
from townhall.discussions.models import ReactionChoice

CHOICES = [ReactionChoice(emoji="🔭", label="Telescope"), ReactionChoice(emoji="<b>", label='Bold "one"')]


def test_values_are_escaped_and_forms_post_where_told() -> None:
    summary = ReactionSummary(
        emoji="<b>", label='Bold "one"', count=2, names=["<script>x</script>", "Ana"], mine=True
    )
    html = reaction_bar(
        dom_id="chat-reactions-7", url="/chat/m/7/react/", summaries=[summary], choices=CHOICES,
        csrf_input='<input type="hidden" name="csrfmiddlewaretoken" value="t">',
    )  # fmt: skip
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;, Ana" in html
    assert 'value="&lt;b&gt;" class="reaction reaction-mine" aria-pressed="true"' in html
    assert 'title="Bold &quot;one&quot;: &lt;script&gt;' in html
    assert html.count('action="/chat/m/7/react/"') == 2  # the given emoji and the picker
    assert html.count('hx-target="#chat-reactions-7"') == 2 and html.count('name="csrfmiddlewaretoken"') == 2


def test_without_a_url_the_tally_shows_without_forms() -> None:
    summary = ReactionSummary(emoji="🔭", label="Telescope", count=3, names=["A", "B", "C"])
    html = reaction_bar(dom_id="r-1", url="", summaries=[summary], choices=CHOICES, csrf_input="")
    assert "<form" not in html and "react-picker" not in html
    assert '<span class="reaction" title="Telescope: A, B, C"><span aria-hidden="true">🔭</span> 3' in html


def test_group_orders_by_the_set_and_marks_the_readers_own() -> None:
    rows = [
        (1, "👻", 5, "gus", ""),
        (1, "<b>", 5, "gus", "Gus"),
        (1, "🔭", 6, "ana", "Ana"),
        (2, "🔭", 5, "gus", ""),
    ]
    grouped = group(rows, choices=CHOICES, viewer_id=5)
    assert [(s.emoji, s.label, s.count, s.names, s.mine) for s in grouped[1]] == [
        ("🔭", "Telescope", 1, ["Ana"], False),
        ("<b>", 'Bold "one"', 1, ["Gus"], True),
        ("👻", "👻", 1, ["gus"], True),  # no longer in the set: last, named by itself
    ]
    assert grouped[2][0].mine is True
