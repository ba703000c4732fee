"""The evidence statuses and visibilities: imported by the models and by the read vocabulary in querysets.py.

They live apart from ``models/evidence.py`` because that module imports ``querysets.py``; defining them here
lets the public rule name them instead of restating their values as strings.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    REVIEWERS = "reviewers", _("Reviewers only")
    CONFIDENTIAL = "confidential", _("Confidential (own organisation and moderators)")
