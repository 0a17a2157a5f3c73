"""Signed addresses and links in notification emails: who may reply, which address bounced, and which
kind of email to turn off, each verified without a session.

The reply and bounce addresses live in an address's local part, which is at most 64 octets and which
some mail servers lower-case, so they carry a short HMAC in lower-case base32 rather than a
`django.core.signing` value (too long, case-sensitive). The unsubscribe token sits in a URL, where
`django.core.signing` fits.
"""

from __future__ import annotations

import base64
import hmac
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

REPLY_SALT = "townhall.notifications.email.reply"
BOUNCE_SALT = "townhall.notifications.email.bounce"
UNSUBSCRIBE_SALT = "townhall.notifications.email.unsubscribe"
REPLY_MAX_AGE = 30 * 24 * 3600  # a reply to an email older than a month is refused
MAC_CHARS = 16  # 80 bits of HMAC


class BadToken(Exception):
    """A reply, bounce or unsubscribe token that is forged, damaged or too old (the message says which)."""


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def _mac(salt: str, value: str) -> str:
    digest = salted_hmac(salt, value, algorithm="sha256").digest()
    return base64.b32encode(digest).decode().lower()[:MAC_CHARS]


def reply_domain() -> str:
    return (getattr(settings, "TOWNHALL_REPLY_DOMAIN", "") or "").strip().lower()


# --- reply+<notification>.<time>.<mac>@domain -----------------------------------------------------


@dataclass(frozen=True)
class ReplyToken:
    notification_id: int
    recipient_id: int
    issued_at: int  # seconds since the epoch


def reply_token(*, notification_id: int, recipient_id: int, now: float | None = None) -> str:
    """A token for `reply+<token>@domain`: binds the notification and its recipient, and when it was sent."""
    issued = int(now if now is not None else time.time())
    value = f"{_b36(notification_id)}.{_b36(issued)}"
    return f"{value}.{_mac(REPLY_SALT, f'{value}.{recipient_id}')}"


def reply_address(*, notification_id: int, recipient_id: int) -> str | None:
    domain = reply_domain()
    if not domain:
        return None
    token = reply_token(notification_id=notification_id, recipient_id=recipient_id)
    return f"reply+{token}@{domain}"


def read_reply_token(
    token: str, *, recipient_of: dict[int, int] | None = None, now: float | None = None
) -> ReplyToken:
    """Split and check a reply token. `recipient_of` maps notification ids to recipients (the caller
    looks the notification up); the MAC covers the recipient, so a token cannot be moved to another one."""
    parts = token.strip().lower().split(".")
    if len(parts) != 3 or not all(parts):
        raise BadToken("malformed reply token")
    try:
        notification_id, issued = int(parts[0], 36), int(parts[1], 36)
    except ValueError:
        raise BadToken("malformed reply token") from None
    recipient = (recipient_of or {}).get(notification_id)
    if recipient is None:
        raise BadToken("reply token names no notification")
    expected = _mac(REPLY_SALT, f"{parts[0]}.{parts[1]}.{recipient}")
    if not hmac.compare_digest(expected, parts[2]):
        raise BadToken("forged reply token")
    if (now if now is not None else time.time()) - issued > REPLY_MAX_AGE:
        raise BadToken("stale reply token (older than 30 days)")
    return ReplyToken(notification_id=notification_id, recipient_id=recipient, issued_at=issued)


def reply_token_id(token: str) -> int | None:
    """The notification id a reply token claims (unverified: only to look the row up)."""
    head = token.strip().lower().split(".", 1)[0]
    try:
        return int(head, 36)
    except ValueError:
        return None


# --- bounces+<user>.<mac>@domain (VERP) ------------------------------------------------------------


def bounce_token(*, user_id: int, email: str) -> str:
    value = _b36(user_id)
    return f"{value}.{_mac(BOUNCE_SALT, f'{value}.{email.strip().lower()}')}"


def bounce_address(*, user_id: int, email: str) -> str | None:
    domain = reply_domain()
    if not domain:
        return None
    return f"bounces+{bounce_token(user_id=user_id, email=email)}@{domain}"


def read_bounce_token(token: str, *, email_of: dict[int, str]) -> int:
    """The user id a bounce token names, when it was made for their current address."""
    parts = token.strip().lower().split(".")
    if len(parts) != 2 or not all(parts):
        raise BadToken("malformed bounce token")
    try:
        user_id = int(parts[0], 36)
    except ValueError:
        raise BadToken("malformed bounce token") from None
    email = email_of.get(user_id)
    if email is None:
        raise BadToken("bounce token names no member")
    if not hmac.compare_digest(_mac(BOUNCE_SALT, f"{parts[0]}.{email.strip().lower()}"), parts[1]):
        raise BadToken("forged bounce token, or the member changed their address since")
    return user_id


def bounce_token_user(token: str) -> int | None:
    try:
        return int(token.strip().lower().split(".", 1)[0], 36)
    except ValueError:
        return None


# --- unsubscribe links ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    kind: str  # a kind's key, or DIGEST for the digest


DIGEST = "digest"


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """No expiry: RFC 8058 asks that the link keeps working for as long as mail may be read."""
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> Unsubscribe:
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise BadToken("forged or damaged unsubscribe link") from None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("u"), int)
        or not isinstance(value.get("k"), str)
    ):
        raise BadToken("damaged unsubscribe link")
    return Unsubscribe(user_id=value["u"], kind=value["k"])


# --- unsubscribe+<user>.<kind>.<mac>@domain (the mailto of List-Unsubscribe) ------------------------

KIND_IN_ADDRESS = re.compile(r"^[a-z0-9_-]{1,40}$")


def unsubscribe_address(*, user_id: int, kind: str) -> str | None:
    domain = reply_domain()
    if not domain or not KIND_IN_ADDRESS.match(kind):
        return None
    value = f"{_b36(user_id)}.{kind}"
    return f"unsubscribe+{value}.{_mac(UNSUBSCRIBE_SALT, value)}@{domain}"


def read_unsubscribe_address_token(token: str) -> Unsubscribe:
    parts = token.strip().lower().split(".")
    if len(parts) != 3 or not all(parts) or not KIND_IN_ADDRESS.match(parts[1]):
        raise BadToken("malformed unsubscribe address")
    if not hmac.compare_digest(_mac(UNSUBSCRIBE_SALT, f"{parts[0]}.{parts[1]}"), parts[2]):
        raise BadToken("forged unsubscribe address")
    try:
        return Unsubscribe(user_id=int(parts[0], 36), kind=parts[1])
    except ValueError:
        raise BadToken("malformed unsubscribe address") from None
