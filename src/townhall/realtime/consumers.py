"""The one WebSocket a signed-in page opens: it receives broadcasts for its user and the spaces they read.

The protocol is described in docs/stream-protocol.md; in short:

- **Resume.** `/ws/stream/?after=<seq>`: the stream joins its groups first, then replays from the log
  every broadcast after `seq` that the person may read now (per the Guardian), then sends
  `stream/live` and goes live. A broadcast committed while it replays is in the replay or arrives live
  (the groups were joined before the log was read); one that is both is sent once (`_sent`). A page too
  far behind gets `stream/reset` instead of the replay.
- **Follow permissions.** The space groups follow permissions while the socket is open (see
  `subscriptions`): a `stream.resubscribe` control message makes the stream ask the Guardian again, leave
  the space groups it lost, join the ones it gained and, when anything changed, tell the page with a
  `stream/subscriptions_changed` frame. A stream whose account was deleted is closed with code 4401.
- **Frames from the page** (heartbeat, typing) are parsed strictly and rate-limited per socket; anything
  else gets a typed error frame and the socket stays open.
- **The channel layer going away** (Redis down) closes the socket with 1013, so the page says that live
  updates are paused and reconnects; it resumes from its last sequence once the layer is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import OrderedDict
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings

from townhall.accounts.models import User
from townhall.policy import Guardian
from townhall.realtime import log, presence, protocol, schemas
from townhall.realtime.protocol import FrameError
from townhall.realtime.publish import ALL_STREAMS, space_group, user_group
from townhall.realtime.sessions import fingerprint, still_signed_in
from townhall.realtime.subscriptions import SUBSCRIPTIONS_CHANGED, readable_space_groups
from townhall.realtime.tasks import prune_when_due
from townhall.spaces.models import Space

logger = logging.getLogger(__name__)

SIGNED_OUT = 4401  # the page's script stops reconnecting on this code
TRY_AGAIN_LATER = 1013  # the channel layer is unreachable: the page reconnects (and resumes) later
LAYER_LOST = "stream.layer_lost"
REMEMBERED = 4096  # sequence numbers a stream remembers having sent (replay and live overlap, two groups)
HIDDEN_TTL = 30.0  # seconds a "may not see this person's presence or typing" answer is kept
TYPING_DECISION_TTL = 30.0  # seconds a "may type in this space" answer is kept (dropped on resubscribe)


class LayerDown(Exception):
    """The channel layer did not answer (Redis unreachable or too slow)."""


class UserStreamConsumer(AsyncJsonWebsocketConsumer):
    user_id: int
    control_groups: tuple[str, ...] = ()
    space_groups: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sent: OrderedDict[int, None] = OrderedDict()
        self._frames = protocol.Bucket(*settings.STREAM_FRAME_RATE)
        self._typing = protocol.Bucket(*settings.STREAM_TYPING_RATE)
        self._told_limited = False
        self._may_type: dict[int, tuple[float, protocol.FrameError | None]] = {}
        self._hidden: dict[tuple[int, bool], tuple[bool, float]] = {}  # (user, typing?) -> (hidden, when)
        self._presence: tuple[str, float] = (protocol.OFFLINE, 0.0)
        self._closing = False

    # --- the consumer's loop, guarded against a failing channel layer ------------------------------
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """AsyncConsumer.__call__, except that a channel layer failing while the socket is open becomes a
        `stream.layer_lost` message (the socket closes with 1013) instead of crashing the consumer."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self._layer_receive, self.channel_name)
        self.base_send = send
        with contextlib.suppress(StopConsumer):  # the socket closed: exit cleanly
            await await_many_dispatch([receive, self.channel_receive], self.dispatch)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """AsyncConsumer.dispatch, except that a broadcast goes straight to its handler. Channels first
        closes stale database connections in a worker thread before every handler; `broadcast` never
        touches the database, and one thread hop per stream per message was the second largest cost of
        a fan-out to 1,000 streams (bench/chat_fanout.py)."""
        if message.get("type") == "broadcast":
            await self.broadcast(message)
            return
        await super().dispatch(message)

    async def _layer_receive(self, channel: str) -> dict[str, Any]:
        try:
            message: dict[str, Any] = await self.channel_layer.receive(channel)
            return message
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            who = f"user {self.user_id}" if hasattr(self, "user_id") else "an opening stream"
            logger.warning("stream of %s lost the channel layer: %s", who, exc)
            await asyncio.sleep(1)  # do not spin while the socket closes
            return {"type": LAYER_LOST}

    async def stream_layer_lost(self, message: dict[str, Any]) -> None:
        await self._give_up()

    async def _give_up(self) -> None:
        """Close with 1013: the page shows that live updates are paused and reconnects later."""
        if not self._closing:
            self._closing = True
            await self.close(code=TRY_AGAIN_LATER)

    async def _layer(self, call: Any) -> Any:
        """Await a channel layer call within STREAM_SEND_TIMEOUT, or raise LayerDown."""
        try:
            return await asyncio.wait_for(call, timeout=settings.STREAM_SEND_TIMEOUT)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise LayerDown(str(exc) or type(exc).__name__) from exc

    # --- connecting: groups, replay, live ----------------------------------------------------------
    async def connect(self) -> None:
        """Accept signed-in people: join their control groups first, then the spaces they read, then
        replay what the page missed (`?after=<seq>`) and go live.

        Joining `user.<id>` and `streams` before asking the Guardian means that an access change
        committed while the stream connects is either seen by that first computation or followed by
        a control message that this stream receives. Joining every group before reading the log means
        that a broadcast committed after the log was read arrives live.
        """
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=SIGNED_OUT)
            return
        self.user_id = user.pk
        self.session = fingerprint(getattr(self.scope.get("session"), "session_key", None))
        self.control_groups = (user_group(user.pk), ALL_STREAMS)
        try:
            for name in self.control_groups:
                await self._layer(self.channel_layer.group_add(name, self.channel_name))
            wanted = await database_sync_to_async(readable_space_groups)(self.user_id)
            if wanted is None:
                await self._leave_all()
                await self.close(code=SIGNED_OUT)
                return
            await self._follow(wanted)
        except LayerDown as exc:
            logger.warning("stream of user %s refused: the channel layer is down (%s)", self.user_id, exc)
            await self._leave_all()
            self._closing = True
            await self.close(code=TRY_AGAIN_LATER)
            return
        await self.accept()
        try:
            after = protocol.parse_cursor(self._query("after"))
        except FrameError as exc:
            await self.send_json(exc.frame())
            after = -1  # an unknown cursor: the page resets
        replay = await database_sync_to_async(self._catch_up)(after)
        if replay.reset:
            await self._send_control(protocol.RESET, replay.head)
        for frame in replay.frames:
            if self._remember(frame["seq"]):
                await self.send_json(frame)
        await self._send_control(protocol.LIVE, replay.head)

    def _catch_up(self, after: int | None) -> log.Replay:
        """In the database thread: the replay (or just the head, for a page without a cursor), the
        person's presence, and the hourly prune when it is due."""
        if after is None:
            replay = log.Replay(head=log.head())
        elif after < 0:
            replay = log.Replay(head=log.head(), reset=True)
        else:
            replay = log.missed(after, (self.control_groups[0], *self.space_groups))
        self._presence = (presence.touch(self.user_id, self.channel_name)[1], time.monotonic())
        prune_when_due()
        return replay

    def _query(self, name: str) -> str | None:
        raw = self.scope.get("query_string", b"")
        values = parse_qs(raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)).get(name)
        return values[-1] if values else None

    def _remember(self, seq: int) -> bool:
        """Note that `seq` goes to the page; False when it already went (replayed, or via another group)."""
        if seq in self._sent:
            return False
        self._sent[seq] = None
        if len(self._sent) > REMEMBERED:
            self._sent.popitem(last=False)
        return True

    async def _send_control(self, op: str, seq: int) -> None:
        frame = protocol.control(op, seq)
        schemas.validate(frame)
        await self.send_json(frame)

    async def disconnect(self, code: int) -> None:
        """Leave every group this stream joined; the person's presence forgets this stream."""
        await self._leave_all()
        if hasattr(self, "user_id"):
            await database_sync_to_async(presence.leave)(self.user_id, self.channel_name)

    # --- broadcasts and control messages from the channel layer ----------------------------------
    async def broadcast(self, message: dict[str, Any]) -> None:
        """A broadcast for one of this stream's groups: pass the payload on to the page, with its `seq`.

        A frame that was queued for a space group just before the stream left it is dropped here, so
        nothing of a space arrives once the stream has re-computed without it. A logged broadcast that
        this stream already sent (replayed, or received through a second group) is not sent again.
        """
        group = message.get("group")
        if group is not None and group not in self.control_groups and group not in self.space_groups:
            return
        payload = message["payload"]
        seq = message.get("seq")
        if seq is None:  # ephemeral: typing and presence
            who = payload.get("user_id")
            if payload.get("type") == "typing" and who == self.user_id:
                return  # one's own typing
            if (
                isinstance(who, int)
                and who != self.user_id
                and await self._hides(who, typing=payload.get("type") == "typing")
            ):
                return  # a block (either way), or a person who hides their presence
            await self.send_json(payload)
            return
        if self._remember(seq):
            # The in-memory layer hands every stream the same message: encode the frame once for all.
            text = message.get("text")
            if not isinstance(text, str):
                text = message["text"] = await self.encode_json({**payload, "seq": seq})
            await self.send(text_data=text)

    async def _hides(self, user_id: int, *, typing: bool) -> bool:
        """Whether this person may not see `user_id`'s presence (or typing), asked once per HIDDEN_TTL;
        a block re-subscribes both people's streams, which forgets the answers at once."""
        key = (user_id, typing)
        known = self._hidden.get(key)
        now = time.monotonic()
        if known is not None and now - known[1] < HIDDEN_TTL:
            return known[0]
        hidden = user_id in await database_sync_to_async(presence.hidden_from)(
            self.user_id, [user_id], typing=typing
        )
        self._hidden[key] = (hidden, now)
        return hidden

    async def stream_resubscribe(self, message: dict[str, Any]) -> None:
        """Re-compute the space groups under the Guardian (the message's content is not used)."""
        if not self.control_groups:
            return  # not connected (closed before accepting)
        self._may_type.clear()
        self._hidden.clear()
        wanted = await database_sync_to_async(readable_space_groups)(self.user_id)
        if wanted is None:
            await self._leave_all()
            await self.close(code=SIGNED_OUT)
            return
        try:
            changed = await self._follow(wanted)
        except LayerDown:
            await self._give_up()
            return
        if changed:
            schemas.validate(SUBSCRIPTIONS_CHANGED)
            await self.send_json(SUBSCRIPTIONS_CHANGED)

    async def stream_session_ended(self, message: dict[str, Any]) -> None:
        """Its person signed out of a session: the streams opened with that session close (4401)."""
        if message.get("session") == self.session and self.control_groups:
            await self._leave_all()
            await self.close(code=SIGNED_OUT)

    async def stream_sessions_check(self, message: dict[str, Any]) -> None:
        """Its person's sessions may have ended (a password change): close when this one no longer holds."""
        if not self.control_groups:
            return
        key = getattr(self.scope.get("session"), "session_key", None)
        if not await database_sync_to_async(still_signed_in)(key, self.user_id):
            await self._leave_all()
            await self.close(code=SIGNED_OUT)

    async def stream_pong(self, message: dict[str, Any]) -> None:
        """A heartbeat's answer came back through the channel layer: the whole path works."""
        await self.send_json(protocol.PONG)

    async def _follow(self, wanted: frozenset[str]) -> bool:
        """Leave the space groups not wanted any more (first: stop a leak before anything else), join
        the new ones. Returns whether anything changed."""
        lost, gained = self.space_groups - wanted, wanted - self.space_groups
        for name in sorted(lost):
            await self._layer(self.channel_layer.group_discard(name, self.channel_name))
        self.space_groups = self.space_groups - lost
        for name in sorted(gained):
            await self._layer(self.channel_layer.group_add(name, self.channel_name))
        self.space_groups = wanted
        return bool(lost or gained)

    async def _leave_all(self) -> None:
        for name in (*self.control_groups, *sorted(self.space_groups)):
            try:
                await self._layer(self.channel_layer.group_discard(name, self.channel_name))
            except LayerDown:
                break  # the layer forgets the groups of a channel it no longer hears from (expiry)
        self.control_groups, self.space_groups = (), frozenset()

    # --- frames from the page ------------------------------------------------------------------------
    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        """One frame from the page: parsed strictly; anything wrong gets an error frame, never a close."""
        if not self.control_groups:
            return
        if not self._frames.take():
            await self._limited("Too many frames; slow down.")
            return
        self._told_limited = False
        try:
            frame = protocol.parse(text_data, bytes_data)
            if isinstance(frame, protocol.Heartbeat):
                await self._heartbeat(frame)
            else:
                await self._typing_frame(frame)
        except FrameError as exc:
            await self.send_json(exc.frame())

    async def _limited(self, message: str) -> None:
        """Say it once per flood: the page learns why, and a flood does not get a flood of errors back."""
        if not self._told_limited:
            self._told_limited = True
            await self.send_json(protocol.error(protocol.RATE_LIMITED, message))

    async def _heartbeat(self, frame: protocol.Heartbeat) -> None:
        """Refresh presence (when the state changed, or a third of its TTL went by), then answer through
        the channel layer: a pong proves that broadcasts can reach this socket."""
        state, at = self._presence
        if frame.state != state or time.monotonic() - at > settings.STREAM_PRESENCE_TTL / 3:
            after = await database_sync_to_async(presence.touch)(self.user_id, self.channel_name, frame.state)
            self._presence = (after[1], time.monotonic())
        try:
            await self._layer(self.channel_layer.send(self.channel_name, {"type": "stream.pong"}))
        except LayerDown:
            await self._give_up()

    async def _typing_frame(self, frame: protocol.Typing) -> None:
        """Relay "typing" to the readers of a space this person may post in: not logged, no seq."""
        if not self._typing.take():
            raise FrameError(protocol.RATE_LIMITED, "Too many typing frames; send one every few seconds.")
        refusal = await self._typing_refusal(frame.space_id)
        if refusal is not None:
            raise refusal
        payload = {"type": "typing", "op": frame.op, "space_id": frame.space_id, "user_id": self.user_id}
        schemas.validate(payload)
        group = space_group(frame.space_id)
        try:
            await self._layer(
                self.channel_layer.group_send(
                    group, {"type": "broadcast", "group": group, "payload": payload}
                )
            )
        except LayerDown:
            await self._give_up()

    async def _typing_refusal(self, space_id: int) -> FrameError | None:
        known = self._may_type.get(space_id)
        if known is not None and time.monotonic() - known[0] < TYPING_DECISION_TTL:
            return known[1]
        refusal = await database_sync_to_async(self._may_post)(space_id)
        if len(self._may_type) > 256:
            self._may_type.clear()
        self._may_type[space_id] = (time.monotonic(), refusal)
        return refusal

    def _may_post(self, space_id: int) -> FrameError | None:
        """Ask the Guardian (`spaces.post`): unseen spaces answer like missing ones."""
        user = User.objects.filter(pk=self.user_id, is_active=True).first()
        space = Space.objects.filter(pk=space_id).first()
        if user is None or space is None:
            return FrameError(protocol.NOT_FOUND, "Not found.")
        refusal = Guardian(user).spaces.post(space)
        if refusal is None:
            return None
        if refusal.hidden:
            return FrameError(protocol.NOT_FOUND, "Not found.")
        return FrameError(protocol.FORBIDDEN, refusal.reason)
