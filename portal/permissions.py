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


# ----------------------------------------------------------------------------- organisations and people (in the site)


def get_organisation_for_moderator(user: Any, slug: str) -> Organisation:
    """The organisation for a moderator to manage; 404 for anyone else or an unknown slug."""
    from django.http import Http404

    if not is_moderator(user):
        raise Http404
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404
    return organisation


def get_person_for_moderator(user: Any, uuid: Any) -> User:
    """An account for a moderator to manage; 404 for anyone else or an unknown address."""
    from django.http import Http404

    if not is_moderator(user):
        raise Http404
    person = User.objects.filter(uuid=uuid).first()
    if person is None:
        raise Http404
    return person


def get_membership_for_moderator(user: Any, slug: str, person_uuid: Any) -> Membership:
    from django.http import Http404

    if not is_moderator(user):
        raise Http404
    membership = (
        Membership.objects.select_related("user", "organisation")
        .filter(organisation__slug=slug, user__uuid=person_uuid)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def get_own_membership(user: Any, slug: str) -> Membership:
    """The user's own membership of an organisation (to see it or leave it); 404 when the user is not in it."""
    from django.http import Http404

    if not user.is_authenticated:
        raise Http404
    membership = Membership.objects.select_related("organisation").filter(user=user, organisation__slug=slug).first()
    if membership is None:
        raise Http404
    return membership


def get_pending_invitation_for_moderator(user: Any, uuid: Any) -> Any:
    """A moderator invitation awaiting a second moderator's confirmation; 404 for non-moderators."""
    from django.http import Http404

    from portal.models import Invitation, InvitationRole

    if not is_moderator(user):
        raise Http404
    invitation = Invitation.objects.filter(
        uuid=uuid, role=InvitationRole.MODERATOR, confirmed_at__isnull=True, cancelled_at__isnull=True
    ).first()
    if invitation is None:
        raise Http404
    return invitation
