"""Organisations and people in the site: moderators manage them (404 for everyone else); members see their own
organisations and can leave one. Thin views: check reach (portal/permissions.py), bind a form, call a service
(portal/services_people.py), say what happened."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import permissions, services_people
from portal.errors import DomainError, StaleVersion
from portal.forms.people import DeactivateForm, OrganisationForm, RoleForm
from portal.http import AuthenticatedHttpRequest
from portal.models import Invitation, InvitationRole, Membership, Organisation, User
from portal.permissions import is_moderator
from portal.two_factor import recent_login_required

PEOPLE_PER_PAGE = 50


def _require_moderator(request: AuthenticatedHttpRequest) -> None:
    if not is_moderator(request.user):
        raise Http404


def _people() -> Any:
    confirmed_device = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return User.objects.annotate(has_two_factor=Exists(confirmed_device)).prefetch_related(
        Prefetch(
            "memberships", queryset=Membership.objects.select_related("organisation").order_by("organisation__name")
        )
    )


def _pending_moderator_invitations() -> Any:
    return (
        Invitation.objects.filter(role=InvitationRole.MODERATOR, confirmed_at__isnull=True, cancelled_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")
    )


# ----------------------------------------------------------------------------------------------- people


@never_cache
@login_required
@require_safe
def people_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone with an account: organisations and roles, last login, second factor, active or not."""
    _require_moderator(request)
    query = request.GET.get("q", "").strip()[:200]
    people = _people().order_by("email")
    if query:
        people = people.filter(Q(email__icontains=query) | Q(full_name__icontains=query))
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    moderator_ids = set(permissions.moderators().values_list("pk", flat=True))
    return render(
        request,
        "portal/people_list.html",
        {
            "page": page,
            "query": query,
            "moderator_ids": moderator_ids,
            "pending": _pending_moderator_invitations(),
        },
    )


@never_cache
@login_required
@require_safe
def person_detail(request: AuthenticatedHttpRequest, uuid: Any) -> HttpResponse:
    person = permissions.get_person_for_moderator(request.user, uuid)
    person = _people().get(pk=person.pk)
    return render(
        request,
        "portal/people_detail.html",
        {
            "person": person,
            "is_moderator_account": is_moderator(person),
            "deactivate_form": DeactivateForm(),
            "role_forms": [
                (m, RoleForm(initial={"role": m.role, "expected": m.role}, prefix=m.organisation.slug))
                for m in person.memberships.all()
            ],
        },
    )


@login_required
@require_POST
@recent_login_required
def person_deactivate(request: AuthenticatedHttpRequest, uuid: Any) -> HttpResponse:
    person = permissions.get_person_for_moderator(request.user, uuid)
    form = DeactivateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("reason", [])))
        return redirect("portal:person_detail", uuid=person.uuid)
    try:
        ended = services_people.deactivate_account(
            person=person, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The account of %(person)s is deactivated; %(count)s open session(s) ended.")
            % {"person": person, "count": ended},
        )
    return redirect("portal:person_detail", uuid=person.uuid)


@login_required
@require_POST
@recent_login_required
def person_reactivate(request: AuthenticatedHttpRequest, uuid: Any) -> HttpResponse:
    person = permissions.get_person_for_moderator(request.user, uuid)
    try:
        services_people.reactivate_account(person=person, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The account of %(person)s can log in again.") % {"person": person})
    return redirect("portal:person_detail", uuid=person.uuid)


# ----------------------------------------------------------------------------------------------- organisations


@never_cache
@login_required
@require_safe
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_moderator(request)
    organisations = Organisation.objects.annotate(
        people=Count("memberships", distinct=True),
        reviewers=Count("memberships", filter=Q(memberships__role="reviewer"), distinct=True),
    ).order_by("name")
    return render(request, "portal/organisation_list.html", {"organisations": organisations})


def _oversized(request: AuthenticatedHttpRequest) -> list[str]:
    return [name for field, name in getattr(request, "oversized_uploads", []) if field == "logo"]


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organisation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_moderator(request)
    form = OrganisationForm(request.POST or None, request.FILES or None, oversized=_oversized(request))
    if request.method == "POST" and form.is_valid():
        organisation = services_people.create_organisation(
            data=form.cleaned_data, logo=form.cleaned_logo, actor=request.user
        )
        messages.success(request, _("The organisation %(name)s was created.") % {"name": organisation.name})
        return redirect("portal:organisation_manage", slug=organisation.slug)
    return render(request, "portal/organisation_form.html", {"form": form, "organisation": None})


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organisation_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organisation = permissions.get_organisation_for_moderator(request.user, slug)
    form = OrganisationForm(
        request.POST or None, request.FILES or None, organisation=organisation, oversized=_oversized(request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services_people.update_organisation(
                organisation=organisation,
                version=data["version"],
                data=data,
                logo=form.cleaned_logo,
                remove_logo=bool(data.get("remove_logo")),
                actor=request.user,
            )
        except StaleVersion as exc:
            messages.error(request, exc.message)
            organisation.refresh_from_db()
            # What was typed stays in the message's company: the form shows the saved version to start from.
            form = OrganisationForm(organisation=organisation)
            return render(
                request,
                "portal/organisation_form.html",
                {"form": form, "organisation": organisation, "stale": True, "typed": data},
                status=409,
            )
        messages.success(request, _("The organisation %(name)s was saved.") % {"name": data["name"]})
        return redirect("portal:organisation_manage", slug=organisation.slug)
    return render(request, "portal/organisation_form.html", {"form": form, "organisation": organisation})


@never_cache
@login_required
@require_safe
def organisation_manage(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """An organisation's people (role, remove), its pending invitations, and links to edit it and invite."""
    organisation = permissions.get_organisation_for_moderator(request.user, slug)
    memberships = list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .annotate(has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("user_id"), confirmed=True)))
        .order_by("user__email")
    )
    invitations = Invitation.objects.filter(
        organisation=organisation, accepted_at__isnull=True, cancelled_at__isnull=True
    ).order_by("-created_at")
    return render(
        request,
        "portal/organisation_manage.html",
        {
            "organisation": organisation,
            "rows": [
                (m, RoleForm(initial={"role": m.role, "expected": m.role}, prefix=str(m.user.uuid)))
                for m in memberships
            ],
            "invitations": invitations,
        },
    )


def _back(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    if request.POST.get("back") == "person":
        return redirect("portal:person_detail", uuid=membership.user.uuid)
    return redirect("portal:organisation_manage", slug=membership.organisation.slug)


@login_required
@require_POST
@recent_login_required
def membership_role(request: AuthenticatedHttpRequest, slug: str, uuid: Any) -> HttpResponse:
    membership = permissions.get_membership_for_moderator(request.user, slug, uuid)
    prefix = request.POST.get("prefix", str(uuid))[:100]
    form = RoleForm(request.POST, prefix=prefix)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return _back(request, membership)
    try:
        services_people.change_role(
            membership=membership,
            role=form.cleaned_data["role"],
            expected=form.cleaned_data["expected"],
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        membership.refresh_from_db()
        messages.success(
            request,
            _("%(person)s is now %(role)s of %(org)s.")
            % {"person": membership.user, "role": membership.get_role_display(), "org": membership.organisation},
        )
    return _back(request, membership)


@login_required
@require_POST
@recent_login_required
def membership_remove(request: AuthenticatedHttpRequest, slug: str, uuid: Any) -> HttpResponse:
    membership = permissions.get_membership_for_moderator(request.user, slug, uuid)
    try:
        services_people.remove_membership(membership=membership, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(person)s is no longer in %(org)s.") % {"person": membership.user, "org": membership.organisation},
        )
    return _back(request, membership)


# ----------------------------------------------------------------------------------------------- moderator invitations


@never_cache
@login_required
@require_safe
def invitation_confirm(request: AuthenticatedHttpRequest, uuid: Any) -> HttpResponse:
    """The page a notification leads to: a moderator invitation waiting for a second moderator."""
    invitation = permissions.get_pending_invitation_for_moderator(request.user, uuid)
    return render(
        request,
        "portal/invitation_confirm.html",
        {"invitation": invitation, "own": invitation.invited_by_id == request.user.pk},
    )


@login_required
@require_POST
@recent_login_required
def invitation_confirm_post(request: AuthenticatedHttpRequest, uuid: Any) -> HttpResponse:
    invitation = permissions.get_pending_invitation_for_moderator(request.user, uuid)

    def accept_url(token: str) -> str:
        return request.build_absolute_uri(reverse("portal:invitation_accept", kwargs={"token": token}))

    try:
        services_people.confirm_moderator_invitation(
            invitation=invitation, actor=request.user, accept_url_for=accept_url
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal:invitation_confirm", uuid=invitation.uuid)
    messages.success(
        request,
        _("An invitation was sent to %(email)s. The link works once, for %(days)s days.")
        % {"email": invitation.email, "days": settings.INVITATION_DAYS},
    )
    return redirect("portal:people_list")


@login_required
@require_POST
def invitation_cancel(request: AuthenticatedHttpRequest, uuid: Any) -> HttpResponse:
    _require_moderator(request)
    invitation = Invitation.objects.select_related("organisation").filter(uuid=uuid).first()
    if invitation is None:
        raise Http404
    try:
        services_people.cancel_invitation(invitation=invitation, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The invitation of %(email)s was cancelled.") % {"email": invitation.email})
    if invitation.organisation is not None:
        return redirect("portal:organisation_manage", slug=invitation.organisation.slug)
    return redirect("portal:people_list")


# ----------------------------------------------------------------------------------------------- members


@never_cache
@login_required
@require_safe
def my_organisations(request: AuthenticatedHttpRequest) -> HttpResponse:
    memberships = (
        Membership.objects.filter(user=request.user).select_related("organisation").order_by("organisation__name")
    )
    return render(request, "portal/organisation_mine.html", {"memberships": memberships})


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organisation_leave(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """A confirmation page, then leaving. The only reviewer of an organisation with other people is told why not."""
    membership = permissions.get_own_membership(request.user, slug)
    organisation = membership.organisation
    if request.method == "POST":
        try:
            services_people.leave_organisation(user=request.user, organisation=organisation)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal:organisation_leave", slug=slug)
        messages.success(request, _("You left %(org)s.") % {"org": organisation.name})
        return redirect("portal:my_organisations")
    return render(
        request,
        "portal/organisation_leave.html",
        {
            "membership": membership,
            "organisation": organisation,
            "blocked": services_people.only_reviewer_with_others(membership),
            "last_person": services_people.is_last_person(membership),
        },
    )
