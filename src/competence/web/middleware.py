"""Request middleware: the audit actor, the Content-Security-Policy and Cache-Control headers,
and the throttling of sign-in and password reset."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from competence.store import audit, scope

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


def read_once(get_response: Handler) -> Handler:
    """A reading request (GET, HEAD) reads what it asks several times once
    (:func:`competence.store.scope.reading`)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return get_response(request)
        with scope.reading():
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


class Limit:
    """At most ``settings.THROTTLES[name]`` = (count, seconds) requests per key in a window that
    opens with the first; kept in the cache that all workers share (the database by default)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _key(self, value: str) -> str:
        # Hashed: the cache keeps no address or email in the clear, and keys stay short.
        return "throttle:" + hashlib.sha256(f"{self.name}\0{value}".encode()).hexdigest()

    def wait(self, value: str) -> int:
        """Seconds until ``value`` may try again: 0 when it may now."""
        count, _ = settings.THROTTLES[self.name]
        stored = cache.get(self._key(value))
        if stored is None:
            return 0
        used, until = stored
        left = until - time.time()
        return math.ceil(left) if used >= count and left > 0 else 0

    def hit(self, value: str) -> None:
        _, seconds = settings.THROTTLES[self.name]
        key, now = self._key(value), time.time()
        stored = cache.get(key)
        if stored is None or stored[1] <= now:
            cache.set(key, (1, now + seconds), seconds)
        else:
            cache.set(key, (stored[0] + 1, stored[1]), max(1, math.ceil(stored[1] - now)))


SIGN_IN_FAILURES = Limit("sign-in failures per address")
RESETS_PER_ADDRESS = Limit("password resets per address")
RESETS_PER_EMAIL = Limit("password resets per email")


def client_address(request: HttpRequest) -> str:
    """The address django-axes counts by (the proxy's client with ``serve --trusted-proxy``)."""
    from axes.helpers import get_client_ip_address

    return str(get_client_ip_address(request) or "")


def paused(request: HttpRequest, what: str, reason: str, seconds: int) -> HttpResponse:
    """429 Too Many Requests: a page that says why, and when to try again (also Retry-After)."""
    context = {"what": what, "reason": reason, "minutes": max(1, math.ceil(seconds / 60))}
    response = render(request, "competence/locked.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def signing_in_paused(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout (AXES_LOCKOUT_CALLABLE): one user name from one address."""
    return paused(
        request,
        "Signing in",
        "Too many failed attempts for this user name from your address.",
        round(float(settings.AXES_COOLOFF_TIME) * 60 * 60),
    )


def _count_sign_in_failure(sender: Any, credentials: Any, request: Any = None, **_: Any) -> None:
    if isinstance(request, HttpRequest):
        SIGN_IN_FAILURES.hit(client_address(request))


def throttle(get_response: Handler) -> Handler:
    """Failed sign-ins per address, whatever the user names, and password-reset requests per
    address and per email address, are limited by ``settings.THROTTLES``.

    A reset request is counted whether or not an account has the address, so the answer, paused
    or not, never tells which addresses have one.
    """
    user_login_failed.connect(_count_sign_in_failure, dispatch_uid="competence-sign-in-failures")

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return get_response(request)
        if request.path_info == reverse("signin"):
            wait = SIGN_IN_FAILURES.wait(client_address(request))
            if wait:
                reason = "Too many failed sign-ins from your address."
                return paused(request, "Signing in", reason, wait)
            return get_response(request)
        if request.path_info == reverse("password_reset"):
            address = client_address(request)
            email = str(request.POST.get("email", "")).strip().lower()
            wait = max(RESETS_PER_ADDRESS.wait(address), RESETS_PER_EMAIL.wait(email))
            if wait:
                reason = "Too many requests for a password-reset link."
                return paused(request, "Password reset", reason, wait)
            response = get_response(request)
            if response.status_code == 302:  # a valid request: the link was sent, if it could be
                RESETS_PER_ADDRESS.hit(address)
                RESETS_PER_EMAIL.hit(email)
            return response
        return get_response(request)

    return middleware
