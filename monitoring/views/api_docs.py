"""The API's interactive reference inside the site (/<lang>/api/docs/) and its language-free permalink (/api/docs/).

Swagger UI comes from drf-spectacular-sidecar's static files and is started by static/js/api-docs.js, which reads
the schema's address from a data- attribute: no inline script or style, so the site's CSP holds unchanged. Without
JavaScript the page still says what the API is, links the OpenAPI description and shows the guide.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/api_docs.html")


@require_safe
def api_docs_permalink(request: HttpRequest) -> HttpResponse:
    """/api/docs/ (linked from outside since the API began) leads to the reference in the reader's language.

    A 302, not a 301: the target depends on the language cookie and Accept-Language (Spanish when neither names
    a language of the site), so a cache or a browser must not keep one answer for everybody.
    """
    with translation.override(translation.get_language_from_request(request)):
        response = HttpResponseRedirect(reverse("api-docs-page"))
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response
