"""The site's own pages that moderators edit: the privacy notice and the contact and corrections policy.

One row per page (``slug``), its title and body in both languages (Markdown, rendered by
``monitoring.markdown.render_markdown``); the shipped texts are written by migration 0025. Edits go through
``monitoring/services/pages.py`` (version check, audit with before/after).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monitoring.models.bilingual import BilingualMixin

TITLE_MAX = 200
BODY_MAX = 60_000


class PageSlug(models.TextChoices):
    PRIVACY = "privacy", _("Privacy notice")
    CONTACT = "contact", _("Contact and corrections")


class SitePage(BilingualMixin, models.Model):
    slug = models.CharField(_("page"), max_length=20, choices=PageSlug.choices, unique=True)
    title_es = models.CharField(_("title (Spanish)"), max_length=TITLE_MAX)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_MAX)
    body_es = models.TextField(_("text (Spanish)"))
    body_en = models.TextField(_("text (English)"))
    version = models.PositiveIntegerField(
        _("edit version"),
        default=1,
        help_text=_("Raised on every change; an edit based on an older version is refused."),
    )
    # Set by the service only when something changed (an untouched save keeps the date readers see).
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("site page")
        verbose_name_plural = _("site pages")
        constraints = [
            models.CheckConstraint(condition=Q(slug__in=PageSlug.values), name="site_page_slug_valid"),
        ]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse(f"monitoring:{self.slug}")

    @property
    def title(self) -> str:
        return self.tr("title")

    @property
    def body(self) -> str:
        return self.tr("body")
