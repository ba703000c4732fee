"""Context shared by every page: site name, source code link and the same page in the other languages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from portal.permissions import is_reviewer


def site(request: HttpRequest) -> dict[str, object]:
    current = get_language() or settings.LANGUAGE_CODE
    path = request.get_full_path()
    alternates = []
    for code, name in settings.LANGUAGES:
        alternates.append({"code": code, "name": name, "url": translate_url(path, code), "current": code == current})
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SOURCE_CODE_URL": settings.SOURCE_CODE_URL,
        "language_alternates": alternates,
        # Lazily evaluated: only pages that show the account menu pay the query.
        "is_reviewer": SimpleLazyObject(lambda: is_reviewer(request.user)),
    }
