"""Request middleware: the audit actor, and the Content-Security-Policy and Cache-Control
headers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from competence.store import audit

Handler = Callable[[HttpRequest], HttpResponse]

CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def audit_actor(get_response: Handler) -> Handler:
    """Every change made while serving a request is recorded as the signed-in user's."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        who = user.get_username() if user is not None and user.is_authenticated else "anonymous"
        with audit.acting_as(who):
            return get_response(request)

    return middleware


def content_security_policy(get_response: Handler) -> Handler:
    """No inline script or style, nothing from other origins, no framing."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    return middleware


def secure_cookies_over_https(get_response: Handler) -> Handler:
    """Cookies set on an HTTPS request are Secure (HttpOnly is set by the settings)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.is_secure():
            for cookie in response.cookies.values():
                cookie["secure"] = True
        return response

    return middleware


def no_store(get_response: Handler) -> Handler:
    """No page, download or API answer is kept by a browser or a shared cache: they hold people's
    ratings and results. Static files are served before this (by WhiteNoise) and stay cacheable."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response

    return middleware
