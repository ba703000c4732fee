"""Account changes that matter: invitations. Transactions, audit rows, mail after commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import audit, background, tasks
from portal.errors import DomainError
from portal.mail import queue_mail
from portal.models import Invitation, InvitationRole, MailStatus, Membership, Organisation, OutgoingMail, User
from portal.notifications import notify


class AccountError(DomainError):
    """A rule of this workflow refused the change."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(
    *,
    email: str,
    organisation: Organisation | None,
    role: str,
    language: str,
    actor: User,
    accept_url_for: object,
    confirm_url_name: str = "portal:invitation_confirm",
) -> tuple[Invitation, str]:
    """Create an invitation and e-mail its single-use link once the transaction commits.

    ``accept_url_for(token)`` builds the absolute link in the invitation's language. A moderator invitation
    (no organisation) is not sent: the other moderators are asked to confirm it first
    (portal/services_people.confirm_moderator_invitation creates and sends its link); the token returned for it
    is never usable.
    """
    token = secrets.token_urlsafe(32)
    if role == InvitationRole.MODERATOR:
        organisation = None
    elif organisation is None:
        raise AccountError(_("Choose the organisation the person will join."))
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email.lower(),
            organisation=organisation,
            role=role,
            language=language,
            token_hash=hash_token(token),
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
        )
        audit.record(
            action="portal.invitation.created",
            obj=invitation,
            actor=actor,
            changes={
                "email": [None, invitation.email],
                "organisation": [None, str(organisation) if organisation else None],
                "role": [None, role],
            },
        )
        if invitation.needs_confirmation:
            _ask_for_confirmation(invitation, actor=actor, url_name=confirm_url_name)
            return invitation, token
        with translation.override(language):
            url = accept_url_for(token)  # type: ignore[operator]
        queue_mail(
            to=invitation.email,
            template="portal/email/invitation",
            context={"invitation": invitation, "days": settings.INVITATION_DAYS},
            language=language,
            secrets={"url": url},  # stored sealed until delivery, then removed (portal/mail.py)
        )
    return invitation, token


def _ask_for_confirmation(invitation: Invitation, *, actor: User, url_name: str) -> None:
    from portal.services_people import other_moderators

    notify(
        "organisation.invitation_to_confirm",
        other_moderators(actor),
        actor=actor,
        target=invitation,
        url_name=url_name,
        url_kwargs={"uuid": str(invitation.uuid)},
        params={"email": invitation.email, "invited_by": str(actor)},
    )


def find_invitation(token: str) -> Invitation | None:
    return Invitation.objects.select_related("organisation").filter(token_hash=hash_token(token)).first()


def accept_invitation(
    *, token: str, user: User | None = None, full_name: str = "", password: str = ""
) -> tuple[Invitation, User]:
    """Use an invitation once: create the account (or use ``user``) and add the membership."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .filter(token_hash=hash_token(token))
            .first()
        )
        if invitation is None or not invitation.is_usable:
            raise AccountError(
                _("This invitation has expired or has already been used. Ask a moderator for a new one.")
            )
        if user is None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise AccountError(_("Log in with your existing account to accept this invitation."))
            user = User.objects.create_user(
                email=invitation.email, password=password, full_name=full_name, preferred_language=invitation.language
            )
            audit.record(action="portal.user.created", obj=user, actor=user, reason="invitation accepted")
        elif user.email.lower() != invitation.email:
            raise AccountError(_("This invitation was sent to another e-mail address."))
        if invitation.role == InvitationRole.MODERATOR:
            from portal.services_people import make_moderator

            make_moderator(user)
        else:
            try:
                with transaction.atomic():
                    Membership.objects.create(
                        user=user,
                        organisation=invitation.organisation,  # type: ignore[misc]  # not a moderator invitation
                        role=invitation.role,
                    )
            except IntegrityError:
                Membership.objects.filter(user=user, organisation=invitation.organisation).update(role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit.record(
            action="portal.invitation.accepted",
            obj=invitation,
            actor=user,
            changes={"membership": [None, f"{invitation.organisation or _('the site')} ({invitation.role})"]},
        )
    return invitation, user


def retry_mail(*, mail: OutgoingMail, actor: User) -> OutgoingMail:
    """A moderator sends a mail that failed (or is waiting) again now: back to pending, due at once, audited."""
    with transaction.atomic():
        locked = OutgoingMail.objects.select_for_update().get(pk=mail.pk)
        if locked.status == MailStatus.SENT:
            raise AccountError(_("This e-mail was already delivered."))
        before = locked.status
        locked.status = MailStatus.PENDING
        locked.next_attempt_at = timezone.now()
        locked.created_at = timezone.now()  # a new maximum age starts now
        locked.save(update_fields=["status", "next_attempt_at", "created_at"])
        audit.record(action="portal.mail.retried", obj=locked, actor=actor, changes={"status": [before, "pending"]})
        background.on_commit(tasks.deliver_mail, locked.pk)
    return locked
