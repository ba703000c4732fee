"""Organisations and people, managed in the site by moderators (the Django admin stays for superusers).

Every function here is one transaction: it locks what it changes, refuses a stale form (``StaleVersion``) or a
change a rule forbids (``PeopleError``), writes an audit event with the fields before and after, and schedules what
follows (mail, the public page cache, stored files) on commit. Views only call these.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import audit, page_cache
from portal.errors import DomainError, StaleVersion
from portal.mail import queue_mail
from portal.models import Invitation, Membership, Organisation, Role, User
from portal.permissions import moderators

# Scopes of public state (portal/page_cache.py) that the public organisation pages show; registered by
# monitoring/public_state.py. The list changes with any organisation; a page with its own organisation.
ORGANISATIONS = "organisations"

EDITABLE_FIELDS = ("name", "acronym", "website", "description_es", "description_en")


def organisation_scope(slug: str) -> str:
    return f"organisation:{slug}"


class PeopleError(DomainError):
    """A rule about organisations or accounts refused the change."""


def _stale() -> StaleVersion:
    return StaleVersion(
        _(
            "Someone else saved this organisation after you opened it. Your changes were not saved: "
            "the form now shows their version; make your changes again."
        )
    )


def _store_logo(organisation: Organisation, logo: ContentFile) -> str:
    name = f"{organisation.slug}-{logo.name}"
    organisation.logo.save(name, logo, save=False)
    return str(organisation.logo.name)


def _delete_file_on_commit(name: str) -> None:
    if not name:
        return
    from django.core.files.storage import default_storage

    transaction.on_commit(lambda: default_storage.delete(name), robust=True)


def _public_pages_changed(organisation: Organisation, *, renamed: bool) -> None:
    """A renamed organisation changes every public page that names it (evidence, reports, lists): the whole site.
    Anything else changes its own page and the list."""
    if renamed:
        page_cache.bump_all()
    else:
        page_cache.bump(ORGANISATIONS, organisation_scope(organisation.slug))


def create_organisation(*, data: dict[str, Any], logo: ContentFile | None, actor: User) -> Organisation:
    """A moderator adds an organisation. ``data`` holds the cleaned fields (slug included)."""
    with transaction.atomic():
        organisation = Organisation(slug=data["slug"], **{f: data.get(f, "") for f in EDITABLE_FIELDS})
        if logo is not None:
            _store_logo(organisation, logo)
        organisation.save()
        audit.record(
            action="portal.organisation.created",
            obj=organisation,
            actor=actor,
            changes={
                **{f: [None, getattr(organisation, f)] for f in ("slug", *EDITABLE_FIELDS)},
                **({"logo": [None, organisation.logo.name]} if organisation.logo else {}),
            },
        )
        _public_pages_changed(organisation, renamed=False)
    return organisation


def update_organisation(
    *,
    organisation: Organisation,
    version: int,
    data: dict[str, Any],
    logo: ContentFile | None = None,
    remove_logo: bool = False,
    actor: User,
) -> Organisation:
    """Save a moderator's edit made from ``version``; refuse it (StaleVersion) if someone saved since.

    A save that changes nothing writes nothing: no new version, no audit event."""
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if locked.version != version:
            raise _stale()
        changes: dict[str, list[Any]] = {}
        for field in EDITABLE_FIELDS:
            new = data.get(field, "")
            old = getattr(locked, field)
            if new != old:
                changes[field] = [old, new]
                setattr(locked, field, new)
        old_logo = str(locked.logo.name) if locked.logo else ""
        if logo is not None:
            new_logo = _store_logo(locked, logo)
            changes["logo"] = [old_logo or None, new_logo]
            _delete_file_on_commit(old_logo)
        elif remove_logo and old_logo:
            locked.logo = None
            changes["logo"] = [old_logo, None]
            _delete_file_on_commit(old_logo)
        if not changes:
            return locked
        locked.version += 1
        locked.save()
        audit.record(action="portal.organisation.updated", obj=locked, actor=actor, changes=changes)
        _public_pages_changed(locked, renamed="name" in changes or "acronym" in changes)
    return locked


# ----------------------------------------------------------------------------------------------- memberships


def _only_reviewer(membership: Membership) -> bool:
    return (
        membership.role == Role.REVIEWER
        and not Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.REVIEWER)
        .exclude(pk=membership.pk)
        .exists()
    )


def change_role(*, membership: Membership, role: str, expected: str, actor: User) -> Membership:
    """A moderator changes a person's role in an organisation. ``expected`` is the role the form showed: if it
    changed meanwhile, the change is refused rather than applied over someone else's."""
    if role not in Role.values:
        raise PeopleError(_("Choose a valid role."))
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)
        if locked.role != expected:
            raise StaleVersion(
                _("Someone else changed this person's role after you opened the page. Nothing was changed.")
            )
        if locked.role == role:
            return locked
        before = locked.role
        locked.role = role
        locked.save(update_fields=["role"])
        audit.record(
            action="portal.membership.role_changed",
            obj=locked,
            actor=actor,
            changes={"role": [before, role], "organisation": [str(locked.organisation)] * 2},
        )
    return locked


def remove_membership(*, membership: Membership, actor: User, reason: str = "") -> None:
    """A moderator takes a person out of an organisation. The account stays; its past work keeps its authors."""
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("user", "organisation").filter(pk=membership.pk)
        row = locked.first()
        if row is None:
            raise PeopleError(_("This person is no longer in the organisation."))
        audit.record(
            action="portal.membership.removed",
            obj=row,
            actor=actor,
            changes={"membership": [f"{row.organisation} ({row.role})", None]},
            reason=reason,
        )
        row.delete()


def leave_organisation(*, user: User, organisation: Organisation) -> None:
    """A person leaves an organisation of her own accord.

    The only reviewer of an organisation that still has other people may not leave (nobody could write or publish
    its reports any more): she is told to ask a moderator to name another reviewer first. The last person of all
    may leave: the organisation and its public work stay, and a moderator can invite new people."""
    with transaction.atomic():
        # Lock every membership of the organisation: two reviewers leaving at once cannot both be "not the last".
        rows = list(Membership.objects.select_for_update().filter(organisation=organisation).order_by("pk"))
        mine = next((m for m in rows if m.user_id == user.pk), None)
        if mine is None:
            raise PeopleError(_("You are no longer a member of this organisation."))
        others = [m for m in rows if m.pk != mine.pk]
        if mine.role == Role.REVIEWER and others and not any(m.role == Role.REVIEWER for m in others):
            raise PeopleError(
                _(
                    "You are the only reviewer of %(org)s. Ask a moderator to make another person a reviewer "
                    "before you leave, so that someone can still publish its reports."
                )
                % {"org": organisation.name}
            )
        audit.record(
            action="portal.membership.left",
            obj=mine,
            actor=user,
            changes={"membership": [f"{organisation} ({mine.role})", None]},
        )
        mine.delete()


def is_last_person(membership: Membership) -> bool:
    return not Membership.objects.filter(organisation_id=membership.organisation_id).exclude(pk=membership.pk).exists()


def only_reviewer_with_others(membership: Membership) -> bool:
    return _only_reviewer(membership) and not is_last_person(membership)


# ----------------------------------------------------------------------------------------------- accounts


def end_sessions(user: User) -> int:
    """Delete every stored session of ``user`` (database sessions; with cached_db their cache copies too).

    Sessions are found by decoding the unexpired ones: there are few (they last SESSION_ABSOLUTE_TIMEOUT at most).
    Whatever the session engine, an inactive account is refused on its next request anyway (ModelBackend)."""
    engine = import_module(settings.SESSION_ENGINE)
    if not settings.SESSION_ENGINE.endswith(("db", "cached_db")):
        return 0
    store = engine.SessionStore()
    ended = 0
    for key, data in Session.objects.filter(expire_date__gt=timezone.now()).values_list("session_key", "session_data"):
        if str(store.decode(data).get("_auth_user_id", "")) == str(user.pk):
            engine.SessionStore(session_key=key).delete()
            ended += 1
    return ended


def _check_reach(*, person: User, actor: User) -> None:
    if person.pk == actor.pk:
        raise PeopleError(_("You cannot deactivate your own account."))
    if person.is_superuser and not actor.is_superuser:
        raise PeopleError(_("Only an administrator can change an administrator's account."))


def deactivate_account(*, person: User, actor: User, reason: str = "") -> int:
    """The account can no longer log in and every session it has ends now. Returns how many sessions ended."""
    _check_reach(person=person, actor=actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=person.pk)
        if not locked.is_active:
            raise PeopleError(_("This account is already deactivated."))
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        ended = end_sessions(locked)
        audit.record(
            action="portal.user.deactivated",
            obj=locked,
            actor=actor,
            changes={"is_active": [True, False], "sessions_ended": [None, ended]},
            reason=reason,
        )
    return ended


def reactivate_account(*, person: User, actor: User) -> None:
    _check_reach(person=person, actor=actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=person.pk)
        if locked.is_active:
            raise PeopleError(_("This account is already active."))
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        audit.record(action="portal.user.reactivated", obj=locked, actor=actor, changes={"is_active": [False, True]})


# ----------------------------------------------------------------------------------------------- moderator invitations


def confirm_moderator_invitation(*, invitation: Invitation, actor: User, accept_url_for: Any) -> Invitation:
    """A second moderator confirms a moderator invitation: only now is its single-use link created and e-mailed.

    The moderator who wrote the invitation cannot confirm it (also a constraint in the database)."""
    from portal.services import hash_token

    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.needs_confirmation:
            raise PeopleError(_("This invitation was already confirmed or cancelled."))
        if locked.invited_by_id == actor.pk:
            raise PeopleError(_("Another moderator must confirm an invitation you wrote."))
        locked.confirmed_at = timezone.now()
        locked.confirmed_by = actor
        locked.token_hash = hash_token(token)
        locked.expires_at = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
        locked.save(update_fields=["confirmed_at", "confirmed_by", "token_hash", "expires_at"])
        audit.record(
            action="portal.invitation.confirmed",
            obj=locked,
            actor=actor,
            changes={"confirmed_by": [None, str(actor)]},
        )
        with translation.override(locked.language):
            url = accept_url_for(token)
        queue_mail(
            to=locked.email,
            template="portal/email/invitation",
            context={"invitation": locked, "days": settings.INVITATION_DAYS},
            language=locked.language,
            secrets={"url": url},
        )
    return locked


def cancel_invitation(*, invitation: Invitation, actor: User) -> Invitation:
    """Any moderator cancels an invitation that has not been used: its link (if any was sent) stops working."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None or locked.cancelled_at is not None:
            raise PeopleError(_("This invitation was already used or cancelled."))
        locked.cancelled_at = timezone.now()
        locked.cancelled_by = actor
        locked.save(update_fields=["cancelled_at", "cancelled_by"])
        audit.record(action="portal.invitation.cancelled", obj=locked, actor=actor, changes={"cancelled": [None, True]})
    return locked


def make_moderator(user: User) -> None:
    """What accepting a moderator invitation grants: site staff with the moderate permission."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="portal"))


def other_moderators(actor: User) -> list[User]:
    return list(moderators().exclude(pk=actor.pk))
