"""Reply by email in a topic: the notifications app verified the reply address and cleaned the text;
this posts it as the member through the same action as the reply form."""

from __future__ import annotations

from typing import Any

from townhall.discussions import actions, queries
from townhall.discussions.models import Post
from townhall.policy import Guardian


def reply_to_topic(guardian: Guardian, topic_id: int, markdown: str, notification: Any) -> None:
    """Post `markdown` in topic `topic_id`; when the notification was about one post ("post:42") of
    that topic, the reply answers that post. Raises the action's NotFound / PermissionDenied / Invalid."""
    topic = queries.get_topic_or_404(guardian, topic_id)
    answered: Post | None = None
    kind, _, value = (notification.target or "").partition(":")
    if kind == "post" and value.isdigit():
        answered = Post.objects.filter(
            pk=int(value), topic_id=topic.pk, hidden=False, deleted_at__isnull=True
        ).first()
    actions.create_post(guardian, topic, body=markdown, reply_to=answered)
