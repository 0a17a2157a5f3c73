"""Telegram's text entities as Markdown: each type renders as Telegram showed it, and any mix of
parts renders to exactly the text of the parts (nothing escaped wrongly, nothing swallowed)."""

from __future__ import annotations

import os
import re
from html import unescape
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from townhall.core.markdown import render_markdown
from townhall.importers.sources.telegram_text import plain_text, to_markdown


def html(parts: Any) -> str:
    return render_markdown(to_markdown(parts), hard_breaks=True)


def shown(parts: Any) -> str:
    """The rendered text without tags (line breaks as newlines)."""
    out = render_markdown(to_markdown(parts), hard_breaks=True)
    out = re.sub(r"<br\s*/?>\n?", "\n", out)
    out = re.sub(r"</p>\n<p>", "\n\n", out)
    return unescape(re.sub(r"<[^>]+>", "", out)).strip("\n")


@pytest.mark.parametrize(
    ("parts", "markdown", "rendered"),
    [
        ("plain *not bold* _x_", r"plain \*not bold\* \_x\_", "<p>plain *not bold* _x_</p>"),
        ([{"type": "bold", "text": "Clear"}, " skies"], "**Clear** skies", "<strong>Clear</strong> skies"),
        ([{"type": "italic", "text": "soon"}], "*soon*", "<em>soon</em>"),
        ([{"type": "strikethrough", "text": "cloudy"}], "~~cloudy~~", "<s>cloudy</s>"),
        ([{"type": "code", "text": "a`b"}], "``a`b``", "<code>a`b</code>"),
        (
            [{"type": "pre", "text": "print(1)\n", "language": "python"}],
            "```python\nprint(1)\n```\n",
            '<pre tabindex="0"><code class="language-python">',
        ),
        (
            [{"type": "text_link", "text": "the map", "href": "https://example.org/a b"}],
            "[the map](<https://example.org/a b>)",
            '<a href="https://example.org/a%20b" rel="nofollow ugc noopener">the map</a>',
        ),
        (
            [{"type": "link", "text": "https://example.org/a_b*c"}],
            "<https://example.org/a_b*c>",
            '<a href="https://example.org/a_b*c" rel="nofollow ugc noopener">https://example.org/a_b*c</a>',
        ),
        (
            [{"type": "link", "text": "telegram.org"}],
            "[telegram.org](http://telegram.org)",
            '<a href="http://telegram.org" rel="nofollow ugc noopener">telegram.org</a>',
        ),
        (
            [{"type": "email", "text": "ana@example.org"}],
            "<ana@example.org>",
            'href="mailto:ana@example.org"',
        ),
        ([{"type": "mention", "text": "@night_owl"}], r"@night\_owl", "@night_owl"),
        ([{"type": "mention_name", "text": "Ana *B*", "user_id": 7}], r"Ana \*B\*", "Ana *B*"),
        (["at ", {"type": "hashtag", "text": "#astro"}], "at #astro", "<p>at #astro</p>"),
        ([{"type": "phone", "text": "+1 555 0100"}], r"\+1 555 0100", "+1 555 0100"),
        ([{"type": "underline", "text": "under"}], "under", "<p>under</p>"),
        ([{"type": "spoiler", "text": "ending"}], "ending", "<p>ending</p>"),
        ([{"type": "custom_emoji", "text": "🌙", "document_id": "x"}], "🌙", "<p>🌙</p>"),
        ([{"type": "bot_command", "text": "/start"}], "/start", "<p>/start</p>"),
        (
            [{"type": "blockquote", "text": "quoted\nlines"}, "\nafter"],
            "> quoted\n> lines\n\nafter",
            "<blockquote>\n<p>quoted<br>\nlines</p>\n</blockquote>\n<p>after</p>",
        ),
    ],
)
def test_each_entity_type(parts: Any, markdown: str, rendered: str) -> None:
    assert to_markdown(parts) == markdown
    assert rendered in html(parts)


def test_a_hashtag_at_the_start_is_not_a_heading() -> None:
    assert html([{"type": "hashtag", "text": "#astro"}, " tonight"]) == "<p>#astro tonight</p>\n"


def test_line_starts_that_markdown_would_read_as_blocks_stay_text() -> None:
    text = "1. first\n- dash\n+ plus\n# hash\n> gt\n===\n    four spaces"
    assert shown(text) == text
    assert "<ol>" not in html(text) and "<ul>" not in html(text) and "<h1>" not in html(text)
    assert "<pre" not in html(text) and "<blockquote>" not in html(text)


def test_punctuation_at_an_edge_of_bold_next_to_a_word() -> None:
    """chat-miner's sample: bold "Link:" then a link with nothing between. "**Link:**https" would not
    close in CommonMark; the colon stays inside when a bracket follows, moves outside before a word."""
    assert html([{"type": "bold", "text": "Link:"}, {"type": "link", "text": "https://t.org/"}]).startswith(
        "<p><strong>Link:</strong><a"
    )
    assert to_markdown([{"type": "bold", "text": "Note:"}, "later"]) == "**Note**:later"
    assert to_markdown(["x", {"type": "italic", "text": "(aside)"}, "y"]) == "x(*aside*)y"
    assert shown([{"type": "bold", "text": "!!"}, "x"]) == "!!x"


def test_whitespace_at_the_edges_of_a_style_moves_outside() -> None:
    assert to_markdown(["a", {"type": "bold", "text": " b "}, "c"]) == "a **b** c"


def test_adjacent_parts_of_one_style_merge_and_of_two_styles_both_render() -> None:
    assert to_markdown([{"type": "bold", "text": "a"}, {"type": "bold", "text": "b"}]) == "**ab**"
    assert html([{"type": "bold", "text": "a"}, {"type": "italic", "text": "b"}]) == (
        "<p><strong>a</strong><em>b</em></p>\n"
    )


def test_a_style_over_several_lines_is_styled_line_by_line() -> None:
    assert (
        html([{"type": "bold", "text": "one\n\ntwo"}])
        == "<p><strong>one</strong></p>\n<p><strong>two</strong></p>\n"
    )


def test_a_code_block_in_the_middle_of_a_line_starts_on_its_own_line() -> None:
    out = html(["see", {"type": "pre", "text": "x = 1", "language": ""}, "done"])
    assert "<p>see</p>" in out and "<code>x = 1\n</code>" in out and "<p>done</p>" in out


def test_fences_and_ticks_inside_code_are_kept() -> None:
    out = html([{"type": "pre", "text": "```\nnested\n```", "language": "md"}])
    assert "```\nnested\n```" in unescape(re.sub(r"<[^>]+>", "", out))
    assert html([{"type": "code", "text": "`x`"}]) == "<p><code>`x`</code></p>\n"


def test_bare_addresses_in_plain_text_become_links_with_their_text_intact() -> None:
    out = html("see https://example.org/a_b_c. and (https://example.org/x)")
    assert 'href="https://example.org/a_b_c"' in out and 'href="https://example.org/x"' in out
    assert shown("see https://example.org/a_b_c. and (https://example.org/x)") == (
        "see https://example.org/a_b_c. and (https://example.org/x)"
    )


def test_entities_and_html_stay_text() -> None:
    assert shown("&amp; <b>bold</b> &#65;") == "&amp; <b>bold</b> &#65;"


def test_plain_text_joins_the_parts() -> None:
    assert plain_text(["a", {"type": "bold", "text": "b"}, 3]) == "ab"
    assert plain_text(None) == ""


def test_odd_parts_are_ignored_not_fatal() -> None:
    assert to_markdown([None, 5, {"type": "bold"}, {"type": "bold", "text": None}, "ok"]) == "ok"


STYLES = ["plain", "bold", "italic", "strikethrough", "code", "mention", "hashtag", "underline", "link"]
TEXT = st.text(alphabet=st.sampled_from(list("ab1 .:!*_`~[]()<>#&-+=\\|\n👀é")), min_size=1, max_size=12)


# TELEGRAM_FUZZ_EXAMPLES=20000 searches afresh; the suite replays a fixed search (and the cases found).
@settings(
    max_examples=int(os.environ.get("TELEGRAM_FUZZ_EXAMPLES", "400")),
    derandomize="TELEGRAM_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
)
@given(st.lists(st.tuples(st.sampled_from(STYLES), TEXT), min_size=1, max_size=6))
@example([("bold", "-"), ("italic", " ")])
@example([("plain", " "), ("mention", "-")])
@example([("bold", "1"), ("italic", ":")])
@example([("plain", "1"), ("bold", ": 1")])
@example([("plain", ">")])
def test_any_mix_of_parts_renders_to_exactly_its_text(parts: list[tuple[str, str]]) -> None:
    """Whatever the parts hold, the reader sees the parts' text: Markdown syntax in the text stays
    text. (Spaces at line edges and runs of blank lines are Markdown's to fold, so they are folded
    on both sides; a code span shows its newlines as spaces; a link's text needs a scheme.)"""
    entities: list[Any] = []
    for kind, text in parts:
        if kind == "code":
            text = text.replace("\n", " ")
        if kind == "link":
            text = "https://ex.org/" + text.replace("\n", "").replace(" ", "").replace("<", "").replace(
                ">", ""
            )
        entities.append({"type": kind, "text": text})

    def fold(value: str) -> str:
        value = value.replace("\u00a0", " ")
        lines = [re.sub(r" +", " ", line).strip() for line in value.split("\n")]
        return re.sub(r"\n{2,}", "\n", "\n".join(lines)).strip()

    expected = "".join(e["text"] for e in entities)
    assert fold(shown(entities)) == fold(expected)
