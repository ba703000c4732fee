"""Request types for views that only a logged-in person reaches."""

from __future__ import annotations

from django.http import HttpRequest

from portal.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """An ``HttpRequest`` behind ``login_required``: ``user`` is a real ``User``, never ``AnonymousUser``.

    For type checking only (views annotate ``request`` with it); at run time requests are ordinary."""

    user: User
