"""What a Slack message says, as a reader saw it: its mrkdwn text, or its Block Kit blocks (bots and
apps), or its rich text when it has no text, and the legacy attachments integrations add below it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from townhall.importers.sources.markup import slack_emoji, slack_to_markdown

# Block Kit block types whose text a reader sees; `rich_text` repeats the message's own `text`.
_READABLE_BLOCKS = {"section", "header", "context", "image", "divider", "video", "markdown"}


def message_text(raw: Mapping[str, Any], *, handles: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """The message as a reader saw it: its text, or its Block Kit blocks when it has readable ones (Slack
    then shows the blocks and uses `text` only for notifications), then legacy attachments' text."""

    def md(value: Any) -> str:
        return slack_to_markdown(str(value or ""), users=handles, channels=channels)

    all_blocks = [b for b in raw.get("blocks") or [] if isinstance(b, dict)]
    blocks = [b for b in all_blocks if b.get("type") in _READABLE_BLOCKS]
    parts: list[str] = []
    if blocks:
        parts.append(_blocks(blocks, md))
    elif raw.get("text"):
        parts.append(md(raw.get("text")))
    else:  # a message whose only words are in its rich text (some apps and clients send no `text`)
        rich = [b for b in all_blocks if b.get("type") == "rich_text"]
        parts.append("\n\n".join(_rich_text(b.get("elements"), handles, channels) for b in rich))
    original = str(raw.get("text") or "")
    for attachment in raw.get("attachments") or []:
        if isinstance(attachment, dict):
            parts.append(_legacy_attachment(attachment, original, md))
    return "\n\n".join(p for p in parts if p)


def _blocks(blocks: list[dict[str, Any]], md: Any) -> str:
    parts: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "divider":
            parts.append("---")
        elif kind == "header":
            parts.append("**" + _plain(block.get("text")) + "**")
        elif kind == "markdown":
            parts.append(str(block.get("text") or ""))
        elif kind == "image":
            alt = str(block.get("alt_text") or _plain(block.get("title")) or "image")
            url = str(block.get("image_url") or "")
            parts.append(f"[{alt}](<{url}>)" if url else alt)
        elif kind == "video":
            title = _plain(block.get("title")) or "video"
            url = str(block.get("title_url") or block.get("video_url") or "")
            parts.append(f"[{title}](<{url}>)" if url else title)
        elif kind == "context":
            texts = [
                _element_text(element, md)
                for element in block.get("elements") or []
                if isinstance(element, dict)
            ]
            parts.append(" ".join(t for t in texts if t))
        else:  # section
            lines = [_element_text(block.get("text"), md)]
            lines += [_element_text(field, md) for field in block.get("fields") or []]
            parts.append("\n".join(line for line in lines if line))
    return "\n\n".join(p for p in parts if p)


def _rich_text(elements: Any, handles: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """Slack's structured rich text (`rich_text` blocks) as Markdown."""
    parts: list[str] = []
    for element in elements or []:
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        if kind == "rich_text_section":
            parts.append(_rich_inline(element.get("elements"), handles, channels))
        elif kind == "rich_text_list":
            ordered = element.get("style") == "ordered"
            indent = "  " * int(element.get("indent") or 0)
            items = [
                _rich_inline((e or {}).get("elements"), handles, channels)
                for e in element.get("elements") or []
            ]
            parts.append(
                "\n".join(
                    f"{indent}{f'{n}.' if ordered else '-'} {item}" for n, item in enumerate(items, start=1)
                )
            )
        elif kind == "rich_text_quote":
            text = _rich_inline(element.get("elements"), handles, channels)
            parts.append("\n".join("> " + line for line in text.split("\n")))
        elif kind == "rich_text_preformatted":
            code = "".join(
                str((e or {}).get("text") or (e or {}).get("url") or "")
                for e in element.get("elements") or []
            )
            parts.append(f"```\n{code.strip(chr(10))}\n```")
    return "\n\n".join(p for p in parts if p)


def _rich_inline(elements: Any, handles: Mapping[str, str], channels: Mapping[str, str]) -> str:
    out: list[str] = []
    for element in elements or []:
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        if kind == "text":
            text = str(element.get("text") or "")
            style = element.get("style") or {}
            if style.get("code"):
                text = f"`{text}`"
            else:
                # Markers go inside the spaces: CommonMark ignores "** now**".
                core = _markdown_text(text.strip())
                lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
                if core and style.get("bold"):
                    core = f"**{core}**"
                if core and style.get("italic"):
                    core = f"_{core}_"
                if core and style.get("strike"):
                    core = f"~~{core}~~"
                text = lead + core + trail
            out.append(text)
        elif kind == "link":
            url = str(element.get("url") or "")
            label = str(element.get("text") or "")
            out.append(f"[{label}](<{url}>)" if label and label != url else f"<{url}>")
        elif kind == "user":
            user_id = str(element.get("user_id") or "")
            out.append("@" + handles.get(user_id, user_id))
        elif kind == "channel":
            channel_id = str(element.get("channel_id") or "")
            out.append("#" + channels.get(channel_id, channel_id))
        elif kind == "broadcast":
            out.append("@" + str(element.get("range") or "here"))
        elif kind == "usergroup":
            out.append("@" + str(element.get("usergroup_id") or ""))
        elif kind == "emoji":
            out.append(
                _unicode(str(element.get("unicode") or "")) or slack_emoji(str(element.get("name") or ""))
            )
        elif kind == "date":
            out.append(str(element.get("fallback") or element.get("timestamp") or ""))
    return "".join(out)


def _unicode(code: str) -> str:
    """Slack writes an emoji's code points as hex joined by dashes ("1f44d-1f3fc")."""
    try:
        return "".join(chr(int(part, 16)) for part in code.split("-")) if code else ""
    except (ValueError, OverflowError):
        return ""


def _markdown_text(text: str) -> str:
    """Literal text from rich text, with Markdown's own markers escaped (rich text carries its styles
    separately, so a `*` someone typed is a star)."""
    return re.sub(r"&(?=#?\w+;)", r"\\&", re.sub(r"([\\`*_~\[\]<>#])", r"\\\1", text))


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("text") or "")
    return str(value or "")


def _element_text(element: Any, md: Any) -> str:
    if not isinstance(element, dict):
        return ""
    if element.get("type") == "mrkdwn":
        return str(md(element.get("text")))
    if element.get("type") == "plain_text":
        return str(md(element.get("text")))
    if element.get("type") == "image":
        return str(element.get("alt_text") or "")
    return ""


def _legacy_attachment(attachment: Mapping[str, Any], original: str, md: Any) -> str:
    """A legacy "secondary attachment" (integrations, shared messages, link previews) as a quote. A
    preview of a link the message already shows is left out: the link is there."""
    link = str(attachment.get("original_url") or attachment.get("from_url") or "")
    if link and link in original and not attachment.get("is_share") and not attachment.get("is_msg_unfurl"):
        return ""
    lines: list[str] = []
    if attachment.get("pretext"):
        lines.append(md(attachment["pretext"]))
    quoted: list[str] = []
    if attachment.get("author_name"):
        quoted.append(str(attachment["author_name"]))
    title = str(attachment.get("title") or "")
    if title:
        title_link = str(attachment.get("title_link") or "")
        quoted.append(f"**[{title}](<{title_link}>)**" if title_link else f"**{title}**")
    body = attachment.get("text") or ""
    if body:
        quoted.append(md(body))
    elif attachment.get("blocks"):
        blocks = [
            b for b in attachment["blocks"] if isinstance(b, dict) and b.get("type") in _READABLE_BLOCKS
        ]
        quoted.append(_blocks(blocks, md))
    for field in attachment.get("fields") or []:
        if isinstance(field, dict):
            quoted.append(f"**{field.get('title') or ''}**: {md(field.get('value'))}")
    if attachment.get("footer"):
        quoted.append(md(attachment["footer"]))
    if not quoted and attachment.get("fallback"):
        quoted.append(md(attachment["fallback"]))
    text = "\n".join(q for q in quoted if q)
    if text:
        lines.append("\n".join("> " + line if line else ">" for line in text.split("\n")))
    return "\n\n".join(lines)
