import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from townhall.core.markdown import ALLOWED_TAGS, render_markdown

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "security" / "xss"


class ActiveContent(HTMLParser):
    """Collects anything in rendered HTML that a browser could execute."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcdoc", "formaction"}:
                self.problems.append(f"attribute {name}")
            if (
                name in {"href", "src"}
                and value
                and not value.strip().lower().startswith(("http://", "https://", "mailto:", "/", "#"))
                and ":" in value
            ):
                self.problems.append(f"url {value}")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    return parser.problems


def test_commonmark_extras_render() -> None:
    html = render_markdown(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~\n\n- [x] done\n\n```python\nx = 1\n```"
    )
    assert "<table>" in html
    assert "<s>gone</s>" in html or "<del>gone</del>" in html
    assert 'type="checkbox"' in html
    assert (
        '<pre tabindex="0"><code class="language-python"><span class="n">x</span> <span class="o">=</span>'
        in html
    )
    assert "highlight" not in html and html.count("<pre") == 1  # token spans straight inside <pre><code>


def test_a_single_newline_is_a_soft_break_and_paragraphs_flow() -> None:
    html = render_markdown("We help each other capture\nthe night sky.\n\nSecond paragraph.")
    assert "<br" not in html
    assert html.count("<p>") == 2
    assert "We help each other capture\nthe night sky." in html  # one paragraph, reflowed by the browser


def test_a_hard_break_is_still_possible_where_the_writer_asks_for_it() -> None:
    assert "<br" in render_markdown("first line  \nsecond line")  # two trailing spaces
    assert "<br" in render_markdown("first line\\\nsecond line")  # a backslash


def test_chat_like_text_can_opt_into_hard_breaks() -> None:
    html = render_markdown("line one\nline two", hard_breaks=True)
    assert html.count("<br") == 1
    assert "<br" not in render_markdown("line one\nline two")


def test_code_and_tables_scroll_in_a_box_a_keyboard_can_reach() -> None:
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n    indented code\n")
    assert '<div class="table-scroll" tabindex="0"><table>' in html and "</table></div>" in html
    assert '<pre tabindex="0"><code>indented code' in html
    # A writer cannot make such boxes (or anything else) with raw HTML: it stays text.
    typed = render_markdown('<pre>x</pre> <div class="table-scroll" tabindex="0">y</div>')
    assert "<pre" not in typed and "<div" not in typed and "&lt;pre&gt;" in typed


def test_code_in_unknown_or_no_language_is_escaped_and_not_highlighted() -> None:
    for fence in ("```", "```nosuchlanguage"):
        html = render_markdown(f"{fence}\n<b>bold?</b>\n```")
        assert "&lt;b&gt;bold?&lt;/b&gt;" in html and "<span" not in html


def test_links_are_safe() -> None:
    html = render_markdown("[site](https://example.org)")
    assert 'href="https://example.org"' in html
    assert 'rel="nofollow ugc noopener"' in html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        "![a](javascript:x)",
    ],
)
def test_scripts_never_survive(payload: str) -> None:
    assert active_content(render_markdown(payload)) == []


def test_xss_corpus_never_yields_active_content() -> None:
    files = sorted(SAMPLES.glob("*.txt"))
    if not files and not os.environ.get("CI"):
        pytest.skip(f"the shared XSS corpus is not beside this checkout ({SAMPLES})")
    assert files, f"expected the shared XSS corpus at {SAMPLES}"
    checked = 0
    for path in files:
        for line in path.read_text(errors="replace").splitlines():
            assert active_content(render_markdown(line)) == [], line
            checked += 1
    assert checked > 1000


def test_bare_web_addresses_become_safe_links() -> None:
    html = render_markdown("Forecast: https://clearoutside.com/forecast/52.5/13.4?view=midnight. Use it!")
    assert (
        '<a href="https://clearoutside.com/forecast/52.5/13.4?view=midnight" rel="nofollow ugc noopener">'
        in html
    )
    assert "midnight</a>. Use it!" in html  # the sentence's full stop stays outside the link
    assert '<a href="mailto:host@example.org"' in render_markdown("Write to mailto:host@example.org")


def test_words_that_only_look_like_addresses_stay_text() -> None:
    for text in ("node.js", "M31.fits", "www.astrobin.com", "host@example.org", "javascript:alert(1)"):
        assert "<a " not in render_markdown(f"Try {text} today"), text
    in_code = render_markdown("`https://example.org` and\n\n    https://example.org/indented")
    assert "<a " not in in_code
