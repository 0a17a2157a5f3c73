"""A session that ends takes its open streams with it.

Signing out ends one session: the streams opened with it close (4401) at once, whatever else the person
has open. A password change (or a reset) makes the person's other sessions invalid: each of their
streams checks its own session and closes when it no longer holds. Both travel as control messages to
the person's group (`user.<id>`), never to a page; a stream knows its session by a hash of its key.
"""

from __future__ import annotations

import hashlib
import logging
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils.crypto import constant_time_compare

from townhall.realtime.publish import _send_all, user_group

logger = logging.getLogger(__name__)

SESSION_ENDED = "stream.session_ended"  # UserStreamConsumer.stream_session_ended
SESSIONS_CHECK = "stream.sessions_check"  # UserStreamConsumer.stream_sessions_check


def fingerprint(session_key: str | None) -> str:
    """What a stream and a sign-out compare: never the session key itself."""
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32]


def _tell(user_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(_send_all)(layer, [user_group(user_id)], message, tag=False)
    except Exception as exc:  # best effort: the stream's next check (or the page's next request) catches it
        logger.warning("session message to user %s not sent: %s", user_id, exc or type(exc).__name__)


def session_ended(*, user_id: int, session_key: str | None) -> None:
    """The streams opened with this session close now."""
    if session_key:
        _tell(user_id, {"type": SESSION_ENDED, "session": fingerprint(session_key)})


def check_sessions(user_id: int) -> None:
    """Each open stream of this person checks that its session still holds (after a password change)."""
    _tell(user_id, {"type": SESSIONS_CHECK})


def still_signed_in(session_key: str | None, user_id: int) -> bool:
    """Whether the session `session_key` still signs in this person (it exists, names them, and was made
    with their password as it is now, read afresh)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if not session_key or user is None:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    data = store.load()
    if str(data.get(SESSION_KEY)) != str(user.pk):
        return False
    return bool(constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()))


def on_logged_out(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """Django's user_logged_out (sent before the session is flushed): end that session's streams."""
    session = getattr(request, "session", None)
    if user is not None and session is not None:
        session_ended(user_id=user.pk, session_key=session.session_key)


def on_password_changed(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """allauth's password_changed/password_set/password_reset: the other sessions no longer hold."""
    if user is not None:
        check_sessions(user.pk)
