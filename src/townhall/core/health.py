"""Dependency checks for /healthz and for start-up."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlparse

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


# --- Start-up checks: each raises ConfigError with one sentence for the person starting Townhall ---


def _where_database() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "sqlite" in db["ENGINE"]:
        return str(db["NAME"])
    host = db.get("HOST") or "localhost"
    port = db.get("PORT") or 5432
    return f"{host}:{port}/{db.get('NAME', '')}"


def ensure_database_reachable() -> None:
    """Open a connection and run one query, or raise ConfigError saying where the database was expected."""
    from django.conf import settings
    from django.db import Error as DatabaseError

    from townhall.config import ConfigError

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        # A plain connection first: Django's pool would retry for its whole timeout and log each try.
        import psycopg

        try:
            psycopg.connect(
                dbname=db.get("NAME") or None,
                user=db.get("USER") or None,
                password=db.get("PASSWORD") or None,
                host=db.get("HOST") or None,
                port=db.get("PORT") or None,
                connect_timeout=5,
            ).close()
        except psycopg.Error:
            raise ConfigError(
                f"Cannot reach the database at {_where_database()}; "
                "check DATABASE_URL and that the database server is running."
            ) from None
    try:
        connection.ensure_connection()
        _database()
    except DatabaseError:
        raise ConfigError(
            f"Cannot reach the database at {_where_database()}; "
            "check DATABASE_URL and that the database server is running."
        ) from None
    finally:
        connection.close()


def ensure_redis_reachable(url: str, timeout: float = 3.0) -> None:
    """PING the Redis at `url` (when one is configured), or raise ConfigError."""
    if not url:
        return
    import redis

    from townhall.config import ConfigError

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except (redis.RedisError, OSError):
        parsed = urlparse(url)  # name the host, never the password
        location = f"{parsed.hostname}:{parsed.port or 6379}" if parsed.hostname else parsed.path
        raise ConfigError(
            f"Cannot reach Redis at {location}; check REDIS_URL and that the Redis server is running."
        ) from None
    finally:
        client.close()


def unapplied_migrations() -> list[str]:
    """Names ("app.0001_initial") of migrations not yet applied to the database."""
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    finally:
        connection.close()
