"""Telegram's formatted text (a string, or a list of strings and entity objects) as Markdown.

Telegram Desktop writes a message's text as non-overlapping parts, each with one type (bold, link,
code...). Markdown is not a list of spans: a `**` next to punctuation may fail to close, two adjacent
bold parts make a `****` run, a plain "1. " or "- " at a line's start becomes a list. So each part is
rendered knowing its neighbours: plain text is escaped (and bare web addresses become autolinks, whose
text CommonMark does not unescape), whitespace at the edges of a styled part moves outside its
delimiters, punctuation at an edge moves outside when the delimiter could not open or close there
(CommonMark's flanking rules), and a styled part spanning lines is styled line by line. The result,
rendered by the chat's Markdown (CommonMark, hard line breaks), shows the text Telegram showed.

Underline, spoiler and custom emoji have no Markdown: their text is kept as plain text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

EMPHASIS = {"bold": "**", "italic": "*", "strikethrough": "~~"}
MERGEABLE = {"plain", "bold", "italic", "strikethrough", "code", "underline", "spoiler"}
# Kept as their text: nothing in Markdown carries them (documented in docs/importers.md (its Telegram section)).
AS_TEXT = {
    "plain", "mention", "hashtag", "cashtag", "bot_command", "phone", "bank_card", "mention_name",
    "custom_emoji", "underline", "spoiler", "unknown",
}  # fmt: skip

_ESCAPE = re.compile(r"[\\`*_\[\]<>~|]|&(?=#?\w+;)")
_LINE_START = re.compile(r"^()(?:([#>+=-])|(\d{1,9})([.)]))")
_NEEDS_WORK = re.compile(r"[\\`*_\[\]<>~|&\n\r]|^[ \t#>+=\d-]|://")
_NOT_AUTOLINK = re.compile(r"[\s<>]")  # \s is Unicode whitespace here
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>]+", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]{1,31}:")
_EMAIL = re.compile(
    r"^[\w.!#$%&'*+/=?^`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
_TRAILING = ".,;:!?'\"*_~"


def is_space(ch: str) -> bool:
    return ch in "\t\n\v\f\r" or unicodedata.category(ch) == "Zs"


def is_punct(ch: str) -> bool:
    """Punctuation as CommonMark's flanking rules (and markdown-it) count it: Unicode P* and S*."""
    return unicodedata.category(ch).startswith(("P", "S"))


def _word_char(ch: str) -> bool:
    """True for a character next to which a delimiter run stops being able to open or close."""
    return bool(ch) and not is_space(ch) and not is_punct(ch)


def plain_text(text: Any) -> str:
    """The text as Telegram shows it, without formatting (for previews and counts)."""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(
            p if isinstance(p, str) else str(p.get("text", "")) for p in text if isinstance(p, str | dict)
        )
    return ""


def _parts(text: Any) -> list[dict[str, Any]]:
    """Normalised parts (strings become plain parts), adjacent parts of one simple style merged."""
    raw: Iterable[Any] = [text] if isinstance(text, str) else text if isinstance(text, list) else []
    parts: list[dict[str, Any]] = []
    for part in raw:
        if isinstance(part, str):
            part = {"type": "plain", "text": part}
        elif not isinstance(part, dict):
            continue
        value = part.get("text", "")
        if not isinstance(value, str):
            value = "" if value is None else str(value)
        if not value:
            continue
        kind = str(part.get("type") or "plain")
        if parts and kind in MERGEABLE and parts[-1]["type"] == kind:
            parts[-1] = {**parts[-1], "text": parts[-1]["text"] + value.replace("\r\n", "\n")}
            continue
        parts.append({**part, "type": kind, "text": value.replace("\r\n", "\n")})
    return parts


def escape(text: str, *, at_line_start: bool) -> str:
    """Plain text as Markdown that renders to exactly that text (inline and block syntax escaped)."""
    lines = text.split("\n")
    out = []
    for n, line in enumerate(lines):
        line = _ESCAPE.sub(lambda m: "\\" + m.group(0), line)
        if n > 0 or at_line_start:
            if line[:1] in (" ", "\t"):  # (four would start a code block; one, a list after it)
                line = ("&#32;" if line[0] == " " else "&#9;") + line[1:]
            else:
                line = _LINE_START.sub(_escape_marker, line, count=1)
        out.append(line)
    return "\n".join(out)


def _escape_marker(m: re.Match[str]) -> str:
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def _autolink(url: str) -> str:
    return "<" + url + ">"


def _trim_url(match: str) -> str:
    """A bare address without the sentence punctuation that follows it."""
    url = match
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def _plain(text: str, *, at_line_start: bool) -> str:
    """Escaped text, with bare web addresses as autolinks (escaping would put backslashes in them)."""
    out = []
    pos = 0
    for m in _URL.finditer(text):
        url = _trim_url(m.group(0))
        if "://" not in url or url.endswith("://"):
            continue
        before = text[pos : m.start()]
        out.append(escape(before, at_line_start=at_line_start if pos == 0 else False))
        out.append(_autolink(url))
        pos = m.start() + len(url)
    tail = text[pos:]
    out.append(escape(tail, at_line_start=at_line_start if pos == 0 else False))
    return "".join(out)


def _href(url: str) -> str:
    url = url.strip()
    if any(ch in url for ch in " ()<>\n"):
        return "<" + url.replace("\n", "").replace("<", "%3C").replace(">", "%3E") + ">"
    return url


class _Writer:
    """The Markdown so far, and what a part needs to know about it."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.last = ""  # the last character written
        self.block_pending = False  # a blockquote ended: the next text needs a blank line first

    def at_line_start(self) -> bool:
        return self.last in ("", "\n")

    def write(self, text: str) -> None:
        if not text:
            return
        if self.block_pending:
            self.block_pending = False
            if self.out:
                newlines = len(text) - len(text.lstrip("\n"))
                if newlines < 2:
                    self._raw("\n" * (2 - newlines - (1 if self.last == "\n" else 0)))
        self._raw(text)

    def _raw(self, text: str) -> None:
        if text:
            self.out.append(text)
            self.last = text[-1]

    def ensure_line_start(self) -> None:
        if not self.at_line_start():
            self.write("\n")


def to_markdown(text: Any) -> str:
    """Telegram's `text` or `text_entities` (a string or a list of parts) as Markdown."""
    if text.__class__ is list:  # the common case: only plain parts, one string
        pieces = []
        for part in text:
            if (
                part.__class__ is not dict
                or part.get("type") != "plain"
                or part.get("text").__class__ is not str
            ):
                break
            pieces.append(part["text"])
        else:
            text = "".join(pieces)
    if isinstance(text, str) and not _NEEDS_WORK.search(text):
        return text  # nothing Markdown would read as syntax
    parts = _parts(text)
    w = _Writer()
    for i, part in enumerate(parts):
        kind, value = part["type"], part["text"]
        following = parts[i + 1] if i + 1 < len(parts) else None
        if kind in EMPHASIS:
            _emphasis(w, value, EMPHASIS[kind], following)
        elif kind == "code":
            _code(w, value)
        elif kind == "pre":
            _pre(w, value, str(part.get("language") or ""))
        elif kind == "blockquote":
            _blockquote(w, value)
        elif kind == "text_link":
            href = str(part.get("href") or "")
            label = _plain_label(value)
            w.write(f"[{label}]({_href(href)})" if href else _plain(value, at_line_start=w.at_line_start()))
        elif kind == "link":
            _link(w, value)
        elif kind == "email" and _EMAIL.match(value.strip()):
            w.write(_autolink(value.strip()))
        else:  # plain, and the kinds Markdown has no form for (AS_TEXT); unknown kinds too
            w.write(_plain(value, at_line_start=w.at_line_start()))
    return "".join(w.out)


def _plain_label(value: str) -> str:
    return escape(value, at_line_start=False).replace("\n", " ")


def _link(w: _Writer, value: str) -> None:
    url = value.strip()
    if not url or _NOT_AUTOLINK.search(url):
        w.write(_plain(value, at_line_start=w.at_line_start()))
    elif _SCHEME.match(url):
        w.write(_autolink(url))
    else:  # Telegram links "example.org" too, and opens it over http
        w.write(f"[{_plain_label(url)}](http://{_href(url)})")


def _next_char(following: dict[str, Any] | None) -> str:
    """The first character the next part writes, as far as flanking cares: only parts written as
    text can start with a word character; every other part starts with a delimiter or bracket."""
    if following is None:
        return ""
    if following["type"] in ("bold", "italic"):
        return "a"  # its "*" would join ours into one run: treated as a word character
    if following["type"] in AS_TEXT or following["type"] == "email":
        return str(following["text"])[:1]
    return "*"


def _emphasis(w: _Writer, value: str, delim: str, following: dict[str, Any] | None) -> None:
    lines = value.split("\n")
    for n, line in enumerate(lines):
        if n > 0:
            w.write("\n")
        after = _next_char(following) if n == len(lines) - 1 else "\n"
        _emphasis_line(w, line, delim, after)


def _emphasis_line(w: _Writer, line: str, delim: str, after: str) -> None:
    core = line.strip()
    if not core:
        w.write(escape(line, at_line_start=w.at_line_start()))
        return
    lead = line[: len(line) - len(line.lstrip())]
    trail = line[len(line.rstrip()) :]
    # Punctuation at an edge, next to a word character outside, would keep the delimiter from
    # opening or closing: it goes outside the delimiters (unstyled, the text unchanged).
    before = lead[-1:] if lead else ("a" if w.last == "*" else w.last)  # "*": see _next_char
    head = ""
    if _word_char(before) and is_punct(core[0]):  # one moved out is enough: then punctuation precedes
        rest = core[1:].lstrip()
        head, core = core[: len(core) - len(rest)], rest
    tail = ""
    outside = trail[:1] if trail else after
    if core and _word_char(outside) and is_punct(core[-1]):
        rest = core[:-1].rstrip()
        core, tail = rest, core[len(rest) :]
    if lead:
        w.write(escape(lead, at_line_start=w.at_line_start()))
    if head:
        w.write(escape(head, at_line_start=w.at_line_start()))
    if core:
        w.write(delim + escape(core, at_line_start=False) + delim)
    if tail:
        w.write(escape(tail, at_line_start=w.at_line_start()))  # at a line's start when core is empty
    if trail:
        w.write(escape(trail, at_line_start=w.at_line_start()))


def _code(w: _Writer, value: str) -> None:
    value = value.replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = (
        " "
        if value.startswith("`") or value.endswith("`") or (value.startswith(" ") and value.endswith(" "))
        else ""
    )
    w.write(f"{fence}{pad}{value}{pad}{fence}")


def _pre(w: _Writer, value: str, language: str) -> None:
    longest = max((len(run) for run in re.findall(r"`{3,}", value)), default=0)
    fence = "`" * max(3, longest + 1)
    language = re.sub(r"[\s`]", "", language)
    w.ensure_line_start()
    body = value.strip("\n")
    w.write(f"{fence}{language}\n{body}\n{fence}\n")


def _blockquote(w: _Writer, value: str) -> None:
    w.ensure_line_start()
    lines = value.strip("\n").split("\n")
    w.write("\n".join("> " + _plain(line, at_line_start=True) if line else ">" for line in lines) + "\n")
    w.block_pending = True
