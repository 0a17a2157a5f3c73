"""The one renderer for user-written text: Markdown to HTML, then sanitised with an allow-list."""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "input", "kbd", "li", "ol", "p", "pre", "s", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "div": {"class", "tabindex"},
    "span": {"class"},
    "pre": {"class", "tabindex"},
    "input": {"type", "checked", "disabled"},
    "li": {"class"},
    "ul": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"
MAX_SOURCE_CHARS = 100_000


def _highlight(code: str, lang: str, _attrs: str) -> str:
    """Token spans only: markdown-it wraps them in <pre><code class="language-…"> (colours: code.css)."""
    if not lang.strip():
        return ""
    try:
        lexer = get_lexer_by_name(lang.strip())
    except ClassNotFound:
        return ""
    return highlight(code, lexer, HtmlFormatter(nowrap=True))


@lru_cache(maxsize=2)
def _parser(hard_breaks: bool = False) -> MarkdownIt:
    options = {"html": False, "linkify": True, "highlight": _highlight, "breaks": hard_breaks}
    md = MarkdownIt("commonmark", options)
    md.enable(["table", "strikethrough", "linkify"])
    # Bare addresses with a scheme (https://…, mailto:…) become links, as in Discourse and Slack; a word
    # that merely looks like a domain ("node.js", "M31.fits", "www.…") stays text.
    linkify = md.linkify
    if linkify is None:  # markdown-it sets it when linkify-it-py is installed, a dependency of ours
        raise RuntimeError("linkify-it-py is missing")
    linkify.set({"fuzzy_link": False, "fuzzy_email": False})
    md.use(tasklists_plugin)
    return md


def _scroll_boxes(html: str) -> str:
    """Code blocks and tables keep their lines and scroll sideways inside their own box on a narrow
    screen; tabindex lets a keyboard reach (and scroll) that box. Safe as plain string edits: with raw
    HTML off, these tags can only come from the renderer itself (a writer's "<pre>" arrives escaped)."""
    html = html.replace("<pre>", '<pre tabindex="0">')
    html = html.replace("<table>", '<div class="table-scroll" tabindex="0"><table>')
    return html.replace("</table>", "</table></div>")


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    # Built once: nh3.clean() converts the allow-lists on every call, which cost 4/5 of its time.
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def sanitize_html(html: str) -> str:
    """Clean HTML through the allow-list; links get rel="nofollow ugc noopener"."""
    return _cleaner().clean(html)


def render_markdown(source: str, *, hard_breaks: bool = False) -> str:
    """Render user Markdown (CommonMark + tables, strikethrough, task lists, highlighted code) safely.

    A single newline is a CommonMark soft break: hard-wrapped paragraphs (posts, the mission) flow as
    one paragraph at any width. `hard_breaks=True` turns every newline into <br>, for short chat-like
    messages where a newline is meant as one.
    """
    if not source:
        return ""
    plain = plain_text_html(source, hard_breaks=hard_breaks)
    if plain is not None:
        return plain
    return render_markdown_fully(source, hard_breaks=hard_breaks)


def render_markdown_fully(source: str, *, hard_breaks: bool = False) -> str:
    """render_markdown without its fast path for plain text: parse, render and sanitise."""
    if not source:
        return ""
    return sanitize_html(_scroll_boxes(_parser(hard_breaks).render(source[:MAX_SOURCE_CHARS])))


# Anything that may start or take part in markup: emphasis, code, links, images, autolinks, raw HTML,
# entities, escapes, tables, strikethrough, headings, URLs (a scheme's colon, "//"), and characters a
# line may not hold in the fast path (tabs, carriage returns).
_MARKUP = re.compile(r"[\\`*_\[\]<>&~|:#\t\r]|//")


def plain_text_html(source: str, *, hard_breaks: bool = False) -> str | None:
    """What render_markdown gives for plain text (the bulk of chat and imported messages), without
    parsing: paragraphs split on blank lines, lines joined by a break (or a newline), or None when the
    text may hold any markup and the full renderer must decide. Conservative: every line starts with
    a letter (no list, quote, heading, code or rule can start there), has no spaces at either end and
    only printable characters, and no character of `_MARKUP` appears; with raw HTML off and "&", "<"
    and ">" absent, the text needs no escaping (the sanitiser writes quotes as they are)."""
    if len(source) > MAX_SOURCE_CHARS or _MARKUP.search(source):
        return None
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in source.split("\n"):
        if not line:
            if current:
                paragraphs.append(current)
                current = []
            continue
        if not line[0].isalpha() or line[-1] == " " or not line.isprintable():
            return None
        current.append(line)
    if current:
        paragraphs.append(current)
    if not paragraphs:
        return None
    joiner = "<br>\n" if hard_breaks else "\n"
    return "".join(f"<p>{joiner.join(lines)}</p>\n" for lines in paragraphs)
