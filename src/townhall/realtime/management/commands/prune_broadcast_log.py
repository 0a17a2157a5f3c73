"""`townhall manage prune_broadcast_log`: drop logged broadcasts older than STREAM_RETENTION_HOURS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from townhall.realtime import log


class Command(BaseCommand):
    help = "Delete logged broadcasts older than the retention (the streams prune hourly by themselves)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = log.prune()
        self.stdout.write(f"Pruned {count} logged broadcast{'' if count == 1 else 's'}.")
