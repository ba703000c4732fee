"""Abstract models the concrete ones share: timestamps, and a stored file (an evidence attachment, an answer's file).

Moving a field here changes no table: an abstract model has none, and each subclass keeps its columns.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class StoredFile(models.Model):
    """A file someone uploaded, stored under a random name (``attachments.store``) and served only through a
    permission getter (``attachments.download``). The original name is kept for display and downloads only.

    Each subclass declares its own ``file`` (where it is stored), ``content_type``, ``size``, ``sha256``,
    ``original_sha256`` and ``created_at``: the two kinds label those columns differently, and relabelling them would
    be a migration.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name
