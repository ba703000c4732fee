"""Readiness: can this process serve right now? Each dependency is checked with a short timeout.

The answer names the part that failed ("database", "cache", "broker", "storage") and never why in detail:
no host names, addresses or messages of internal services reach the body (they go to the log).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def check_broker() -> None:
    from portal.celery import app

    if app.conf.task_always_eager:
        return  # no broker configured: tasks run in-process
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def check_storage() -> None:
    default_storage.exists(f"readyz/{uuid.uuid4().hex}")  # a HEAD on S3, a stat on disk


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


def readiness() -> dict[str, str]:
    """{"database": "ok" | "unavailable", …} for every dependency."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the detail goes to the log only
            logger.warning("readyz: %s unavailable (%s)", name, type(exc).__name__)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    return results


def metrics_enabled() -> bool:
    return bool(settings.METRICS_TOKEN)
