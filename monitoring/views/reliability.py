"""What the reliability mark means: the public page every mark links to (docs/RELIABILITY.md)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from monitoring.models import InformationCredibility, SourceReliability


@require_safe
def scale(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "monitoring/reliability_scale.html",
        {"sources": SourceReliability.choices, "informations": InformationCredibility.choices},
    )
