"""The benchmark's own URLconf: the product's pages, plus the floor and a change to the audit trail.

``benchmarks/web.py`` serves the app with ``ROOT_URLCONF`` pointed here, so the floor goes through
the same middleware, the same server and the same session look-up as every page. Never used by
the product.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from competence.store import audit
from competence.web.urls import handler500
from competence.web.urls import urlpatterns as product

FLOOR_BODY = b"Hello, world"


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """Django's floor for a signed-in page: every middleware, the session and the user."""
    return HttpResponse(FLOOR_BODY, content_type="text/plain; charset=utf-8")


def touch(request: HttpRequest) -> HttpResponse:
    """Move the audit trail on by one entry, as any change does: the next team view is cold."""
    audit.record("benchmark", "benchmark", summary="the audit trail moves", actor="benchmark")
    return HttpResponse(b"", status=204)


urlpatterns = [path("_floor", floor), path("_touch", touch), *product]

__all__ = ["handler500", "urlpatterns"]
