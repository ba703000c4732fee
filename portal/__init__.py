"""Observatorio 1325: the project package (settings, site shell, accounts, audit trail, background work)."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
