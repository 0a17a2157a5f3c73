"""Mail that comes back: replies to notification emails, bounces, complaints and unsubscribe mails.

Wiring a mail server: the reply domain (TOWNHALL_REPLY_DOMAIN, for example reply.example.org, with an
MX record pointing at the mail server) delivers `reply+*`, `bounces+*` and `unsubscribe+*` to a pipe.
With Postfix and `recipient_delimiter = +`:

    # /etc/aliases (then `newaliases`), and in main.cf: virtual_alias_maps mapping
    # @reply.example.org to townhall-inbound
    townhall-inbound: "|/usr/bin/env TOWNHALL_DATA_DIR=/srv/townhall townhall inbound-email"

`townhall inbound-email` reads one message on standard input (the recipient is taken from
`--recipient`, else Delivered-To / X-Original-To / To / Cc) and exits with a sysexits code that the
mail server understands:

    0  EX_OK        posted, or a bounce/complaint recorded, or a duplicate or an auto-reply ignored
    65 EX_DATAERR   malformed, too large, no text, or an empty reply: the sender gets a bounce
    67 EX_NOUSER    no Townhall address, or a forged, damaged or stale (over 30 days) one
    75 EX_TEMPFAIL  the database or the rate limit said "later": the mail server tries again
    77 EX_NOPERM    the member may no longer reply there (left the space, banned, topic closed)

Nothing is posted unless the address verifies, the member may still reply, and the text survives
quote and signature stripping. A message delivered twice (same Message-ID) is posted once.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses

from bs4 import BeautifulSoup
from django.conf import settings
from django.db import DatabaseError, transaction
from mailparser_reply.parser import EmailMessage as ParsedMail
from markdownify import markdownify

from townhall.accounts.models import User
from townhall.core.errors import Invalid, NotFound, PermissionDenied, RateLimited
from townhall.notifications.email import tokens
from townhall.notifications.email.actions import suppress, turn_off
from townhall.notifications.email.choices import kind_of
from townhall.notifications.kinds import repliers
from townhall.notifications.models import (
    BOUNCED,
    COMPLAINED,
    Notification,
)
from townhall.policy import Guardian

logger = logging.getLogger("townhall.notifications.inbound")

EX_OK = 0
EX_DATAERR = 65
EX_NOUSER = 67
EX_SOFTWARE = 70
EX_TEMPFAIL = 75
EX_NOPERM = 77

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
REPLY_MAX_CHARS = 20_000
SEEN_KEY = "email_replies"  # Message-ID digests of replies posted, kept on the notification
SEEN_KEEP = 50
LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs", "ja", "ko", "zh"]
ADDRESS = re.compile(r"^(reply|bounces|unsubscribe)\+([a-z0-9._-]+)@(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Outcome:
    code: int
    message: str


def max_bytes() -> int:
    return int(getattr(settings, "TOWNHALL_INBOUND_MAX_BYTES", DEFAULT_MAX_BYTES))


def _refuse(code: int, message: str, *args: object) -> Outcome:
    text = message % args if args else message
    logger.warning("inbound email refused: %s", text)
    return Outcome(code, text)


def _accept(message: str, *args: object) -> Outcome:
    text = message % args if args else message
    logger.info("inbound email: %s", text)
    return Outcome(EX_OK, text)


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def our_address(message: Message, recipient: str | None) -> tuple[str, str] | None:
    """(purpose, token) of the first of our addresses the message was sent to."""
    domain = tokens.reply_domain()
    if not domain:
        return None
    candidates = [recipient] if recipient else []
    for header in ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc"):
        try:
            values = message.get_all(header) or []
        except Exception as exc:  # a header too damaged to parse: the others may still name us
            logger.debug("inbound email: %s header unreadable (%s)", header, exc)
            continue
        candidates += [address for _name, address in getaddresses([str(v) for v in values])]
    for candidate in candidates:
        found = ADDRESS.match((candidate or "").strip())
        if found and found.group(3).lower() == domain:
            return found.group(1).lower(), found.group(2).lower()
    return None


def receive(raw: bytes, *, recipient: str | None = None) -> Outcome:
    """Handle one inbound message (see the module docstring for the outcomes)."""
    if len(raw) > max_bytes():
        return _refuse(EX_DATAERR, "message of %d bytes is over the limit of %d", len(raw), max_bytes())
    try:
        message = parse(raw)
    except Exception as exc:  # the stdlib parser is lenient; this is truly unreadable input
        return _refuse(EX_DATAERR, "unreadable message (%s)", exc)
    try:
        if is_report(message, "delivery-status") or is_report(message, "feedback-report"):
            return handle_report(message, recipient)
        address = our_address(message, recipient)
        if address is None:
            return _refuse(EX_NOUSER, "no reply, bounce or unsubscribe address of ours among the recipients")
        purpose, token = address
        if purpose == "unsubscribe":
            return handle_unsubscribe(token)
        if purpose == "bounces":
            return handle_report(message, recipient)
        return handle_reply(message, token)
    except DatabaseError as exc:
        return _refuse(EX_TEMPFAIL, "database unavailable (%s); the mail server will try again", exc)


# --- replies ----------------------------------------------------------------------------------------


def is_auto_reply(message: Message) -> bool:
    """Vacation notices and other robots (RFC 3834, and the headers Exchange and others use)."""
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return (
        auto not in {"", "no"}
        or precedence in {"bulk", "junk", "auto_reply", "list"}
        or message.get("X-Autoreply") is not None
        or message.get("X-Autorespond") is not None
    )


def text_of(message: EmailMessage) -> str | None:
    """The message's text as Markdown: its text/plain part, else its HTML converted."""
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        try:
            return str(plain.get_content())
        except (LookupError, UnicodeError, AssertionError):
            payload = plain.get_payload(decode=True)
            return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else None
    html = message.get_body(preferencelist=("html",))
    if html is None:
        return None
    try:
        source = str(html.get_content())
    except (LookupError, UnicodeError, AssertionError):
        payload = html.get_payload(decode=True)
        source = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return html_to_markdown(source)


# Where mail clients put the quoted message (or their signature) in HTML: (tag, attribute, value).
QUOTE_BLOCKS = [
    ("blockquote", "type", "cite"),  # Apple Mail, Thunderbird
    ("div", "class", "gmail_quote"),  # Gmail
    ("div", "class", "gmail_signature"),
    ("div", "id", "divRplyFwdMsg"),  # Outlook's "From: … Sent: …" block
    ("div", "class", "moz-cite-prefix"),  # Thunderbird's "On … wrote:"
    ("div", "class", "yahoo_quoted"),
]
OUTLOOK_SPLIT = ("div", "id", "appendonsend")  # Outlook on the web: everything after it is quoted


def html_to_markdown(html: str) -> str:
    """HTML mail to Markdown: scripts, styles and the clients' marked quote blocks go first."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "title"]):
        tag.decompose()
    for name, attribute, value in QUOTE_BLOCKS:
        for tag in soup.find_all(name, attrs={attribute: value}):
            tag.decompose()
    name, attribute, value = OUTLOOK_SPLIT
    split = soup.find(name, attrs={attribute: value})
    if split is not None:
        for later in list(split.find_all_next()):
            later.extract()
        split.decompose()
    markdown = markdownify(str(soup), heading_style="ATX", bullets="-", strip=["img"])
    return re.sub(r"\n{3,}", "\n\n", markdown).strip()


def clean_reply(text: str) -> str:
    """Only what the member wrote: quoted replies ("On … wrote:", Outlook's header block, in several
    languages) and signatures ("-- ", "Sent from my phone") are stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Hyphen lists are Markdown lists here, not signatures (the library's default takes them for one).
    parsed = ParsedMail(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()
    latest = parsed.replies[0].body if parsed.replies else text
    lines = latest.split("\n")
    while lines and lines[-1].startswith(">"):  # a quote the parser kept (no header line above it)
        lines.pop()
    return "\n".join(lines).strip()


def _message_key(message: Message) -> str:
    identifier = str(message.get("Message-ID", "")).strip()
    if not identifier:  # no Message-ID: the same sender, date and text are the same message
        identifier = "|".join(str(message.get(h, "")) for h in ("From", "Date", "Subject"))
        identifier += "|" + str(message.get_payload())[:5000]
    return hashlib.sha256(identifier.encode("utf-8", "replace")).hexdigest()[:32]


def handle_reply(message: EmailMessage, token: str) -> Outcome:
    claimed = tokens.reply_token_id(token)
    row = Notification.objects.select_related("recipient").filter(pk=claimed).first() if claimed else None
    try:
        verified = tokens.read_reply_token(token, recipient_of={row.pk: row.recipient_id} if row else {})
    except tokens.BadToken as exc:
        return _refuse(EX_NOUSER, "reply address refused: %s", exc)
    assert row is not None and verified.notification_id == row.pk
    if is_auto_reply(message):
        return _accept("automatic reply to notification %s ignored", row.pk)
    prefix, _, thread = row.thread_key.partition(":")
    replier = repliers.get(prefix)
    if replier is None or not thread.isdigit():
        return _refuse(
            EX_NOPERM, "notification %s is about %r, which takes no replies", row.pk, row.thread_key
        )
    text = text_of(message)
    if text is None:
        return _refuse(EX_DATAERR, "reply to notification %s has no text or HTML part", row.pk)
    body = clean_reply(text)
    if not body:
        return _refuse(
            EX_DATAERR, "reply to notification %s is empty once quotes and signature are removed", row.pk
        )
    if len(body) > REPLY_MAX_CHARS:
        return _refuse(
            EX_DATAERR,
            "reply to notification %s is %d characters long (at most %d)",
            row.pk,
            len(body),
            REPLY_MAX_CHARS,
        )
    key = _message_key(message)
    user = row.recipient
    guardian = Guardian(user)
    if not user.is_active or guardian.is_banned:
        return _refuse(EX_NOPERM, "user %s may no longer post", user.pk)
    kind = kind_of(row.kind)
    if row.space is not None and not guardian.spaces.read.can(row.space):
        return _refuse(EX_NOPERM, "user %s may no longer read space %s", user.pk, row.space_id)
    if kind is not None and kind.still_visible is not None and not kind.still_visible(guardian, row):
        return _refuse(EX_NOPERM, "notification %s is no longer visible to user %s", row.pk, user.pk)
    try:
        with transaction.atomic():
            locked = Notification.objects.select_for_update().get(pk=row.pk)
            seen = list(locked.data.get(SEEN_KEY, []))
            if key in seen:
                return _accept("reply to notification %s was delivered again; posted once already", row.pk)
            replier(guardian, int(thread), body, locked)
            locked.data = {**locked.data, SEEN_KEY: [*seen, key][-SEEN_KEEP:]}
            locked.save(update_fields=["data"])
    except (NotFound, PermissionDenied) as exc:
        return _refuse(
            EX_NOPERM,
            "user %s may not reply in %s: %s",
            user.pk,
            row.thread_key,
            getattr(exc, "reason", exc) or "not found",
        )
    except Invalid as exc:
        return _refuse(EX_DATAERR, "reply of user %s in %s refused: %s", user.pk, row.thread_key, exc.message)
    except RateLimited as exc:
        return _refuse(EX_TEMPFAIL, "reply of user %s in %s: %s", user.pk, row.thread_key, exc.message)
    return _accept("user %s replied by email in %s (%d characters)", user.pk, row.thread_key, len(body))


# --- unsubscribe by mail ------------------------------------------------------------------------------


def handle_unsubscribe(token: str) -> Outcome:
    try:
        choice = tokens.read_unsubscribe_address_token(token)
    except tokens.BadToken as exc:
        return _refuse(EX_NOUSER, "unsubscribe address refused: %s", exc)
    if not User.objects.filter(pk=choice.user_id).exists():
        return _refuse(EX_NOUSER, "unsubscribe address names no member")
    turn_off(user_id=choice.user_id, kind=choice.kind)
    return _accept("user %s turned off %s emails by mail", choice.user_id, choice.kind)


# --- bounces and complaints ---------------------------------------------------------------------------


def is_report(message: Message, report_type: str) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and str(message.get_param("report-type", "")).lower() == report_type
    )


def _fields(part: Message) -> list[Message]:
    """The field blocks of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    if isinstance(payload, str):  # some parsers leave the block as text
        return [
            email.message_from_string(block, policy=email.policy.default)
            for block in payload.split("\n\n")
            if block.strip()
        ]
    return []


@dataclass(frozen=True)
class Report:
    complaint: bool
    permanent: bool
    status: str
    diagnostic: str


def read_report(message: Message) -> Report | None:
    if is_report(message, "feedback-report"):
        kind = ""
        for part in message.walk():
            if part.get_content_type() == "message/feedback-report":
                for block in _fields(part):
                    kind = kind or str(block.get("Feedback-Type", ""))
        return Report(complaint=True, permanent=True, status="complaint", diagnostic=kind or "abuse")
    if not is_report(message, "delivery-status"):
        return None
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _fields(part):
            status = str(block.get("Status", "")).strip()
            action = str(block.get("Action", "")).strip().lower()
            if not status and not action:
                continue
            diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())[:250]
            permanent = status.startswith("5") or (not status and action == "failed")
            return Report(
                complaint=False, permanent=permanent, status=status or action, diagnostic=diagnostic
            )
    return None


def handle_report(message: Message, recipient: str | None) -> Outcome:
    """A DSN or an ARF complaint addressed to a VERP bounce address of ours."""
    address = our_address(message, recipient)
    if address is None or address[0] != "bounces":
        return _refuse(EX_NOUSER, "a delivery report not sent to a bounce address of ours")
    token = address[1]
    user_id = tokens.bounce_token_user(token)
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    try:
        tokens.read_bounce_token(token, email_of={user.pk: user.email} if user else {})
    except tokens.BadToken as exc:
        return _refuse(EX_NOUSER, "bounce address refused: %s", exc)
    assert user is not None
    report = read_report(message)
    if report is None:
        return _accept("mail to bounce address of user %s is no delivery report; ignored", user.pk)
    if not report.permanent:
        return _accept(
            "temporary delivery failure for user %s (%s %s); nothing changed",
            user.pk,
            report.status,
            report.diagnostic,
        )
    suppress(
        user,
        reason=COMPLAINED if report.complaint else BOUNCED,
        detail=f"{report.status} {report.diagnostic}".strip(),
    )
    return _accept(
        "%s for user %s (%s): their address gets no more notification email",
        "complaint" if report.complaint else "permanent bounce", user.pk, report.status,
    )  # fmt: skip
