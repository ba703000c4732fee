"""Who may do what on the site shell. Every check about roles goes through here."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from portal.models import Membership, Organisation, Role, User

MODERATE_PERMISSION = "portal.moderate"


def is_moderator(user: Any) -> bool:
    """Moderators are active site staff holding the moderate permission (superusers hold every permission)."""
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(MODERATE_PERMISSION))


def organisations_of(user: Any, role: str | None = None) -> QuerySet[Organisation]:
    """Organisations the user belongs to (optionally with a given role)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    memberships = Membership.objects.filter(user=user)
    if role is not None:
        memberships = memberships.filter(role=role)
    return Organisation.objects.filter(pk__in=memberships.values("organisation_id"))


def reviewer_organisation_ids(user: Any) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user, role=Role.REVIEWER).values_list("organisation_id", flat=True))


def is_reviewer(user: Any) -> bool:
    return bool(reviewer_organisation_ids(user))


def moderators() -> QuerySet[Any]:
    """Active staff who hold the moderate permission directly, through a group, or as superusers."""
    holds = (
        Q(is_superuser=True)
        | Q(user_permissions__codename="moderate", user_permissions__content_type__app_label="portal")
        | Q(groups__permissions__codename="moderate", groups__permissions__content_type__app_label="portal")
    )
    return User.objects.filter(holds, is_active=True, is_staff=True).distinct()


def needs_two_factor(user: Any) -> bool:
    """Moderators, reviewers and staff (the admin site) must use a second factor; members may."""
    return bool(getattr(user, "is_staff", False)) or is_moderator(user) or is_reviewer(user)
