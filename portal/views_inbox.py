"""The inbox: a person's notifications (portal/notifications.py), newest first, with filters and "mark read"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from portal import notifications
from portal.http import AuthenticatedHttpRequest
from portal.models import Notification

PAGE_SIZE = 25
SHOW_CHOICES = ("unread", "all")


@never_cache
@login_required
@require_safe
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    show = request.GET.get("show", "unread")
    if show not in SHOW_CHOICES:
        show = "unread"
    group = request.GET.get("group", "")
    if group not in notifications.GROUPS:
        group = ""
    rows = Notification.objects.filter(recipient=request.user).select_related("actor")
    if show == "unread":
        rows = rows.filter(read_at=None)
    if group:
        rows = rows.filter(kind__in=[code for code, kind in notifications.KINDS.items() if kind.group == group])
    page = Paginator(rows.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    items = [
        {
            "notification": n,
            "title": notifications.title_of(n),
            "group": notifications.GROUPS.get(notifications.KINDS[n.kind].group, "")
            if n.kind in notifications.KINDS
            else "",
            "open_url": notifications.open_url(n),
        }
        for n in page.object_list
    ]
    return render(
        request,
        "portal/inbox.html",
        {
            "page": page,
            "items": items,
            "show": show,
            "group": group,
            "groups": list(notifications.GROUPS.items()),
            "query_base": f"show={show}&group={group}",
        },
    )


def _own(request: AuthenticatedHttpRequest, pk: int) -> Notification:
    try:
        return notifications.mark_read(request.user, pk)
    except Notification.DoesNotExist:
        raise Http404 from None


@never_cache
@login_required
@require_safe
def open_notification(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Following a notification marks it read and goes on to its object (or back to the inbox if it is gone)."""
    notification = _own(request, pk)
    return redirect(notifications.target_url(notification) or reverse("portal:inbox"))


def _back(request: AuthenticatedHttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    if target.startswith("/") and not target.startswith("//") and safe:
        return redirect(target)
    return redirect("portal:inbox")


@login_required
@require_POST
def mark_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _own(request, pk)
    messages.success(request, _("Marked as read."))
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = notifications.mark_all_read(request.user)
    if count:
        messages.success(request, _("All notifications marked as read."))
    else:
        messages.info(request, _("Nothing was unread."))
    return _back(request)
