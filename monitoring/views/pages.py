"""The site's own pages: the privacy notice and the contact and corrections policy (public), and their editor
(moderators only; anyone else gets a 404)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from monitoring.forms.pages import SitePageForm
from monitoring.markdown import render_markdown
from monitoring.models import PageSlug, SitePage
from monitoring.services import pages as page_service
from portal.http import CONFLICT, AuthenticatedHttpRequest, expected_version, refusal
from portal.permissions import is_moderator

# render_markdown() demotes authors' headings below a report page's h1 and h2 (# → h3, ## → h4, ### → h5). These
# pages have only their h1 above the text, so sections come up one step: "#" and "##" are sections (h2), "###" and
# deeper their subsections (h3). The sanitised output's headings carry no attributes, so the pattern is exact.
_HEADING = re.compile(r"<(/?)h([345])>")
_PROMOTED = {"3": "2", "4": "2", "5": "3"}


def page_html(text: str) -> SafeString:
    html = render_markdown(text)
    return mark_safe(_HEADING.sub(lambda m: f"<{m.group(1)}h{_PROMOTED[m.group(2)]}>", html))  # noqa: S308 (sanitised)


def _page(slug: str) -> SitePage:
    page = SitePage.objects.filter(slug=slug).first()
    if page is None:
        raise Http404
    return page


def _show(request: HttpRequest, slug: str) -> HttpResponse:
    page = _page(slug)
    return render(
        request,
        "monitoring/site_page.html",
        {"page": page, "body": page_html(page.body), "can_edit": is_moderator(request.user)},
    )


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return _show(request, PageSlug.PRIVACY)


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    return _show(request, PageSlug.CONTACT)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    if not is_moderator(request.user) or slug not in PageSlug.values:
        raise Http404
    page = _page(slug)
    form = SitePageForm(request.POST or None, page=page)
    status = 200
    if request.method == "POST" and form.is_valid():
        with refusal(request) as refused:
            before = page.version
            page = page_service.update_site_page(
                page=page, expected_version=expected_version(request), data=form.cleaned_data, actor=request.user
            )
            if page.version == before:
                messages.info(request, _("Nothing changed: the page was not saved again."))
            else:
                messages.success(request, _("The page was saved."))
            return redirect(page.get_absolute_url())
        status = refused.status
        if status == CONFLICT:
            page.refresh_from_db()  # the form keeps what was typed; the version is now the current one
    return render(request, "monitoring/site_page_form.html", {"page": page, "form": form}, status=status)
