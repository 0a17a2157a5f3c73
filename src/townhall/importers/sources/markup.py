"""Slack's mrkdwn and Discord's markdown turned into the CommonMark that Townhall renders.

Both platforms write mentions, channels and links as bracketed tokens (`<@U024BE7LH>`,
`<#C123|general>`, `<https://x|label>`, `<:party:123>`); those become plain-text `@handle`, `#name`
and Markdown links. Code spans and blocks keep their text untouched apart from those tokens, which
are resolved to what the reader saw. Townhall renders with raw HTML off, so a `<b>` a person typed
stays text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import emoji

_SKIN_TONES = {f"skin-tone-{n}": chr(0x1F3FB + n - 2) for n in range(2, 7)}
_SHORTCODE = re.compile(r":([a-z0-9_+'-]+(?:::skin-tone-[2-6])?):")


def slack_emoji(name: str) -> str:
    """A Slack emoji name ("+1", "heart", "+1::skin-tone-3") as Unicode, or ":name:" when it is one of
    the workspace's custom emoji (the target has no image for it)."""
    base, _, tone = name.partition("::")
    char = emoji.emojize(f":{base}:", language="alias")
    if char == f":{base}:":
        return f":{name}:"
    return char + _SKIN_TONES.get(tone, "")


def _emojize(text: str) -> str:
    return _SHORTCODE.sub(lambda m: slack_emoji(m.group(1)), text)


# --- Slack -------------------------------------------------------------------------------------------

_SLACK_TOKEN = re.compile(r"<([^<>\n]+)>")
_SLACK_CODE = re.compile(r"```(.*?)```|`([^`\n]+)`", re.DOTALL)
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_HEADING_LIKE = re.compile(r"^(\s{0,3})(#{1,6})(?=\s|$)", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[•◦▪]\s+", re.MULTILINE)
_SLACK_SPECIAL = re.compile(r"[<>&*~_`:#•◦▪\\]")


def _unescape_slack(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _slack_token(body: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """One `<…>` token as the reader saw it."""
    target, _, label = body.partition("|")
    label = _unescape_slack(label)
    if target.startswith("@"):
        user_id = target[1:]
        return "@" + (users.get(user_id) or label.lstrip("@") or user_id)
    if target.startswith("#"):
        channel_id = target[1:]
        return "#" + (label or channels.get(channel_id) or channel_id)
    if target.startswith("!"):
        command = target[1:]
        if command in ("here", "channel", "everyone"):
            return "@" + command
        if command.startswith("subteam^"):
            return label if label.startswith("@") else "@" + (label or command.split("^", 1)[1])
        if command.startswith("date^"):
            return label or _slack_date(command)
        return label or "@" + command
    url = _unescape_slack(target)
    if label and label != url:
        return f"[{_escape_label(label)}](<{url}>)"
    return f"<{url}>" if "://" in url or url.startswith("mailto:") else url


def _slack_date(command: str) -> str:
    parts = command.split("^")
    try:
        return datetime.fromtimestamp(int(parts[1]), UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (IndexError, ValueError, OverflowError, OSError):
        return command


def _escape_label(label: str) -> str:
    return label.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def slack_to_markdown(
    text: str,
    *,
    users: Mapping[str, str],
    channels: Mapping[str, str],
) -> str:
    """Slack mrkdwn (as the export writes it, with &amp; &lt; &gt;) to Markdown.

    `users` maps a user id to the handle a mention shows; `channels` a channel id to its name."""
    if not text:
        return ""
    if not _SLACK_SPECIAL.search(text):
        return text.strip()  # plain words (most messages): nothing to convert
    out: list[str] = []
    pos = 0
    after_fence = False
    for match in _SLACK_CODE.finditer(text):
        out.append(_after(after_fence, _slack_prose(text[pos : match.start()], users, channels)))
        after_fence = match.group(1) is not None
        if match.group(1) is not None:
            # Slack writes ```code``` inline with the text around it; Markdown's fence needs own lines.
            body = _slack_code_body(match.group(1), users, channels).strip("\n")
            fence = "~~~~" if "```" in body else "```"
            before = "" if not out[-1] or out[-1].endswith("\n") else "\n"
            out.append(f"{before}{fence}\n{body}\n{fence}")
        else:
            body = _slack_code_body(match.group(2), users, channels)
            ticks = "``" if "`" in body else "`"
            out.append(f"{ticks}{body}{ticks}")
        pos = match.end()
    out.append(_after(after_fence, _slack_prose(text[pos:], users, channels)))
    return "".join(out).strip()


def _after(fence: bool, prose: str) -> str:
    return "\n" + prose if fence and prose and not prose.startswith("\n") else prose


def _slack_code_body(body: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    def token(m: re.Match[str]) -> str:
        target, _, label = m.group(1).partition("|")
        if target[:1] in "@#!":
            return _slack_token(m.group(1), users, channels)
        return _unescape_slack(label or target)

    return _unescape_slack(_SLACK_TOKEN.sub(token, body))


def _slack_prose(text: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """Text outside code: tokens become placeholders while the emphasis is rewritten (a URL's
    underscores must not turn into italics), then come back."""
    kept: list[str] = []

    def hold(rendered: str) -> str:
        kept.append(rendered)
        return f"\x00{len(kept) - 1}\x00"

    text = _SLACK_TOKEN.sub(lambda m: hold(_slack_token(m.group(1), users, channels)), text)
    text = _unescape_slack(text)
    text = text.replace("\\", "\\\\")
    text = _ENTITY_LIKE.sub(r"\\&", text)
    text = _HEADING_LIKE.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    text = _BULLET.sub(r"\1- ", text)
    text = _BOLD.sub(r"**\1**", text)
    text = _STRIKE.sub(r"~~\1~~", text)
    text = _emojize(text)
    text = _slack_quotes(text)
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], text)


def _slack_quotes(text: str) -> str:
    """`>` lines stay quotes, `>>>` quotes the rest of the message; a quote ends at the next unquoted
    line (Markdown would otherwise carry the quote on lazily)."""
    lines = text.split("\n")
    out: list[str] = []
    rest_quoted = False
    for line in lines:
        if rest_quoted:
            out.append("> " + line if line else ">")
            continue
        if line.startswith(">>>"):
            rest_quoted = True
            out.append("> " + line[3:].lstrip())
            continue
        quoted = line.startswith(">")
        if out and out[-1].startswith(">") and not quoted and line:
            out.append("")
        out.append(line)
    return "\n".join(out)


# --- Discord -----------------------------------------------------------------------------------------

_DISCORD_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
_DISCORD_TOKEN = re.compile(r"<(a?:\w+:\d+|@!?\d+|@&\d+|#\d+|t:-?\d+(?::[tTdDfFR])?|/[\w -]+:\d+)>")
_TIME_FORMATS = {
    "t": "%H:%M",
    "T": "%H:%M:%S",
    "d": "%Y-%m-%d",
    "D": "%d %B %Y",
    "f": "%d %B %Y %H:%M",
    "F": "%A, %d %B %Y %H:%M",
    "R": "%Y-%m-%d %H:%M",
}


def discord_to_markdown(
    text: str,
    *,
    users: Callable[[str], str | None],
    channels: Mapping[str, str],
    roles: Mapping[str, str] | None = None,
) -> str:
    """Discord markdown to Markdown. Most of it is Markdown already (bold, italics, strikethrough,
    code, quotes, links); what differs is its tokens: `<@id>`, `<#id>`, `<@&id>`, custom emoji
    `<:name:id>`, timestamps `<t:epoch:f>` (written out in UTC) and slash commands `</name:id>`.
    Spoilers `||x||` have no Markdown form and stay as written (their text is not lost)."""
    if not text:
        return ""
    if "<" not in text:
        return text.strip()  # no tokens: Discord's markdown is Markdown already
    out: list[str] = []
    pos = 0
    for match in _DISCORD_CODE.finditer(text):
        out.append(_discord_tokens(text[pos : match.start()], users, channels, roles or {}))
        out.append(match.group(0))
        pos = match.end()
    out.append(_discord_tokens(text[pos:], users, channels, roles or {}))
    return "".join(out).strip()


def _discord_tokens(
    text: str,
    users: Callable[[str], str | None],
    channels: Mapping[str, str],
    roles: Mapping[str, str],
) -> str:
    def token(m: re.Match[str]) -> str:
        body = m.group(1)
        if body.startswith(("a:", ":")):
            return ":" + body.split(":")[1] + ":"
        if body.startswith("@&"):
            role_id = body[2:]
            return "@" + roles.get(role_id, role_id)
        if body.startswith("@"):
            user_id = body.lstrip("@!")
            return "@" + (users(user_id) or user_id)
        if body.startswith("#"):
            channel_id = body[1:]
            return "#" + channels.get(channel_id, channel_id)
        if body.startswith("/"):
            return body.rsplit(":", 1)[0]
        _, epoch, *style = body.split(":")
        try:
            moment = datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError, OSError):
            return m.group(0)
        return moment.strftime(_TIME_FORMATS[style[0] if style else "f"]) + " UTC"

    return _DISCORD_TOKEN.sub(token, text)
