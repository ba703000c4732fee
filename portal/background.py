"""Enqueueing background work: always after the transaction that asked for it commits, never failing the request.

``on_commit(task, *args)`` is what services call. If the broker is down when the transaction commits, the
request still succeeds: the work is recorded in the database first (an outbox row, a version without its PDF,
a "files out of date" flag), and the periodic sweeps in ``portal.tasks`` / ``monitoring.tasks`` pick it up.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args: Any, countdown: float | None = None) -> bool:
    """Send ``task`` to the broker (or run it now, without one). False when the broker could not be reached."""
    try:
        task.apply_async(args=args, countdown=countdown)
    except Exception as exc:  # kombu/redis connection errors and the like: the sweep catches up later
        if task.app.conf.task_always_eager:
            raise
        logger.warning("could not enqueue %s (%s); the periodic sweep will retry", task.name, type(exc).__name__)
        return False
    return True


def on_commit(task: Task, *args: Any, countdown: float | None = None) -> None:
    """Enqueue ``task`` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: enqueue(task, *args, countdown=countdown), robust=True)
