"""The Celery application: Redis as broker, configuration from Django's settings (CELERY_* names).

Run in production as two extra processes beside the web ones (see README, "Production"):
``celery -A portal worker`` and ``celery -A portal beat``. Without CELERY_BROKER_URL/REDIS_URL every task runs
eagerly in the process that enqueues it.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
