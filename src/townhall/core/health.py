"""Dependency checks for /healthz and for start-up."""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _task_queue() -> str:
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.exists()
    return "ok"


async def _channel_layer() -> str:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    name = await asyncio.wait_for(layer.new_channel(), timeout=3)
    await asyncio.wait_for(layer.send(name, {"type": "health.ping"}), timeout=3)
    await asyncio.wait_for(layer.receive(name), timeout=3)
    return "ok"


async def check_all() -> dict[str, Any]:
    checks: dict[str, str] = {}
    for name, fn in (("database", _database), ("task_queue", _task_queue)):
        try:
            checks[name] = await sync_to_async(fn, thread_sensitive=True)()
        except Exception as exc:
            checks[name] = f"error: {exc.__class__.__name__}: {str(exc)[:200]}"
    try:
        checks["channel_layer"] = await _channel_layer()
    except Exception as exc:
        checks["channel_layer"] = f"error: {exc.__class__.__name__}: {str(exc)[:200]}"
    failing = [name for name, state in checks.items() if state != "ok"]
    return {"status": "ok" if not failing else "error", "checks": checks, "failing": failing}
