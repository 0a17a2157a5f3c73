"""Plain text skips the Markdown parser (most chat and imported messages are plain), and must come out
byte for byte as the full renderer writes it; anything that may be markup goes to the full renderer."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from townhall.core.markdown import plain_text_html, render_markdown, render_markdown_fully

# Letters, digits and spaces, with every character that means something to Markdown, HTML or the
# linkifier, and a few that are not printable, so that generated texts hit both paths.
ALPHABET = st.sampled_from(
    list("abcXYZéß李🤓 0123456789\n\n  .,;!?'\"()/-=+%$@&<>*_`~[]|:#\\\t\r\xa0\u200e\u2028{}^")
)
TEXTS = st.text(alphabet=ALPHABET, max_size=60) | st.from_regex(
    r"[A-Za-z][a-z .,!?'\"()/-]{0,20}(\n{1,3}[A-Za-z][a-z .,!?'()-]{0,20}){0,3}", fullmatch=True
)


@settings(max_examples=3000, deadline=None)
@given(text=TEXTS, hard_breaks=st.booleans())
@example(text="Hello world", hard_breaks=True)
@example(text="one\ntwo\n\n\nthree", hard_breaks=True)
@example(text="see https://example.org", hard_breaks=True)
@example(text="a\n---", hard_breaks=False)
@example(text="a\n===", hard_breaks=False)
@example(text="a //example.org b", hard_breaks=True)
@example(text='Say "hi" (now)!', hard_breaks=True)
def test_the_fast_path_gives_what_the_full_renderer_gives(text: str, hard_breaks: bool) -> None:
    fast = plain_text_html(text, hard_breaks=hard_breaks)
    if fast is not None:
        assert fast == render_markdown_fully(text, hard_breaks=hard_breaks)
    assert render_markdown(text, hard_breaks=hard_breaks) == render_markdown_fully(
        text, hard_breaks=hard_breaks
    )


def test_plain_chat_lines_take_the_fast_path() -> None:
    assert plain_text_html("Bring seeds, gloves and tea!\nSee you at 10", hard_breaks=True) == (
        "<p>Bring seeds, gloves and tea!<br>\nSee you at 10</p>\n"
    )
    assert (
        plain_text_html("Zoë says hi\n\n李小龍 too 🤓", hard_breaks=False)
        == "<p>Zoë says hi</p>\n<p>李小龍 too 🤓</p>\n"
    )


def test_what_may_be_markup_goes_to_the_full_renderer() -> None:
    for text in ["*bold*", "1. first", "- item", "> quote", "# title", "a\n---", "`code`", "see http://x.org",
                 "a & b", "x < y", "  indented", "tab\there", "[link](x)", "~~gone~~", "a | b", "a\\b"]:  # fmt: skip
        assert plain_text_html(text, hard_breaks=True) is None, text
