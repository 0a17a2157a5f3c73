"""The broadcast log: every broadcast to a space or a person, kept for a while so streams can resume.

One row per broadcast, written inside the publishing transaction (so it exists exactly when the change it
announces exists). Its id is the broadcast's sequence number, `seq` on the wire: ids only grow, and are
never reused after old rows are pruned (SQLite tables of AutoFields are AUTOINCREMENT; PostgreSQL uses a
sequence). Rows carry the groups they were sent to and the payload as sent; the stream decides under the
Guardian, when it replays them, which of them a reader may have.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class LoggedBroadcast(models.Model):
    # No index but the primary key: the write is one cheap INSERT, replays read ranges of ids, and the
    # hourly prune scans a table that holds only the retention window.
    groups = models.JSONField()  # ["space.7"], ["user.3", "user.9"]
    payload = models.JSONField()  # {"type": "topic", "op": "post_created", "topic_id": 7, "post_id": 42}
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "realtime_broadcast_log"

    def __str__(self) -> str:
        return f"#{self.pk} {self.payload.get('type')}/{self.payload.get('op')} to {', '.join(self.groups)}"
