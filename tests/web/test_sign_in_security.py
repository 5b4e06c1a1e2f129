"""Sign-in security: throttling, password reset by email, CSRF, cookies and headers."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from django.test import Client

from competence.config import email_settings
from tests.web.conftest import PASSWORD, Org


def test_five_failed_sign_ins_pause_that_user_name(client: Client, org: Org) -> None:
    for _ in range(5):
        response = client.post("/signin", {"username": "ada", "password": "wrong"})
    assert response.status_code == 429
    assert b"Signing in is paused" in response.content
    locked = client.post("/signin", {"username": "ada", "password": PASSWORD})
    assert locked.status_code == 429  # even the right password waits out the pause
    assert b"Please try again in 15 minutes" in locked.content
    assert locked["Retry-After"] == "900"
    other = client.post("/signin", {"username": "grace", "password": PASSWORD})
    assert other.status_code == 302  # another user name is not affected


def test_failed_sign_ins_from_one_address_pause_it_whatever_the_user_names(
    client: Client, org: Org
) -> None:
    """Four failures for each of six user names (under the limit of five per user name) from one
    address: the 21st failure from that address is paused, for every user name."""
    names = ["ada", "grace", "lead", "nobody", "root", "admin"]
    answers = [
        client.post("/signin", {"username": name, "password": "wrong"}).status_code
        for _ in range(4)
        for name in names
    ]
    assert answers == [200] * 20 + [429] * 4
    paused = client.post("/signin", {"username": "grace", "password": PASSWORD})
    assert paused.status_code == 429  # the right password waits too
    assert b"Signing in is paused" in paused.content
    assert b"Too many failed sign-ins from your address" in paused.content
    assert re.search(rb"Please try again in \d+ minutes?\.", paused.content)
    assert 0 < int(paused["Retry-After"]) <= 15 * 60
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert elsewhere.post("/signin", {"username": "grace", "password": PASSWORD}).status_code == 302


def test_password_reset_requests_are_limited_per_email_and_per_address(
    client: Client, org: Org
) -> None:
    org.ada_user.email = "ada@example.org"
    org.ada_user.save()
    mail.outbox.clear()
    # Three an hour for one email address...
    known = [client.post("/password-reset", {"email": "ada@example.org"}) for _ in range(4)]
    assert [r.status_code for r in known] == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
    paused = known[-1]
    assert b"Password reset is paused" in paused.content
    assert re.search(rb"Please try again in \d+ minutes?\.", paused.content)
    assert 0 < int(paused["Retry-After"]) <= 60 * 60
    # ...whether or not an account has it: the answers do not tell which addresses have one.
    other = Client(REMOTE_ADDR="192.0.2.8")
    unknown = [other.post("/password-reset", {"email": "nobody@example.org"}) for _ in range(4)]
    assert [r.status_code for r in unknown] == [302, 302, 302, 429]
    assert [r.get("Location") for r in unknown] == [r.get("Location") for r in known]

    def page(response: Any) -> bytes:
        return re.sub(rb"\d+ minutes?", b"N minutes", response.content)

    assert page(unknown[-1]) == page(paused)
    assert len(mail.outbox) == 3
    # Five an hour from one address, whatever the email addresses.
    third = Client(REMOTE_ADDR="192.0.2.9")
    answers = [
        third.post("/password-reset", {"email": f"someone{n}@example.org"}).status_code
        for n in range(6)
    ]
    assert answers == [302] * 5 + [429]
    # Ada's three an hour are used up from any address (the email is trimmed, in lower case).
    assert (
        Client(REMOTE_ADDR="192.0.2.10")
        .post("/password-reset", {"email": "ADA@example.org "})
        .status_code
        == 429
    )


def test_password_reset_by_email(client: Client, org: Org) -> None:
    org.ada_user.email = "ada@example.org"
    org.ada_user.save()
    mail.outbox.clear()  # the fixture's workflow sent its own notices
    response = client.post("/password-reset", {"email": "ada@example.org"})
    assert response["Location"] == "/password-reset/sent"
    (message,) = mail.outbox
    assert message.to == ["ada@example.org"]
    link = re.search(r"http://testserver(/password-reset/\S+)", str(message.body))
    assert link is not None
    form = client.get(link.group(1), follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "another long phrase", "new_password2": "another long phrase"},
    )
    assert done["Location"] == "/password-reset/done"
    assert (
        client.post("/signin", {"username": "ada", "password": "another long phrase"}).status_code
        == 302
    )
    # An unknown address sends nothing, and says nothing different.
    assert client.post("/password-reset", {"email": "nobody@example.org"}).status_code == 302
    assert len(mail.outbox) == 1


def test_forms_need_the_csrf_token(org: Org) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/signin", {"username": "ada", "password": PASSWORD}).status_code == 403
    client.force_login(org.grace_user)
    response = client.post("/me/assessment", {"knowledge-1": "3"})
    assert response.status_code == 403


def test_cookies_are_http_only_and_secure_over_https(client: Client, org: Org) -> None:
    response = client.post("/signin", {"username": "ada", "password": PASSWORD})
    assert response.cookies["sessionid"]["httponly"]
    assert not response.cookies["sessionid"]["secure"]
    secure = Client().post("/signin", {"username": "ada", "password": PASSWORD}, secure=True)
    assert secure.cookies["sessionid"]["secure"]
    assert secure.cookies["sessionid"]["httponly"]
    assert "max-age=31536000" in Client().get("/healthz", secure=True)["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in Client().get("/healthz")


def test_email_settings_come_from_the_url() -> None:
    assert str(email_settings("console:")["EMAIL_BACKEND"]).endswith("console.EmailBackend")
    smtp = email_settings("smtp://me:s%40cret@mail.example.org:587?from=pmo@example.org")
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"], smtp["EMAIL_HOST_USER"]) == (
        "mail.example.org",
        587,
        "me",
    )
    assert smtp["EMAIL_HOST_PASSWORD"] == "s@cret"
    assert smtp["EMAIL_USE_TLS"] is True
    assert smtp["DEFAULT_FROM_EMAIL"] == "pmo@example.org"
