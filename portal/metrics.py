"""Task metrics for Prometheus (request metrics come from django-prometheus's middleware), when METRICS_TOKEN is set."""

from __future__ import annotations

import time
from typing import Any

from celery import signals
from prometheus_client import Counter, Histogram

TASKS = Counter("portal_tasks_total", "Background tasks run, by task and outcome", ["task", "outcome"])
DURATION = Histogram("portal_task_seconds", "Background task duration in seconds", ["task"])
_started: dict[str, float] = {}


def _prerun(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.monotonic()


def _postrun(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    name = getattr(task, "name", "unknown")
    TASKS.labels(task=name, outcome=(state or "unknown").lower()).inc()
    started = _started.pop(task_id or "", None)
    if started is not None:
        DURATION.labels(task=name).observe(time.monotonic() - started)


def connect() -> None:
    signals.task_prerun.connect(_prerun, weak=False)
    signals.task_postrun.connect(_postrun, weak=False)
