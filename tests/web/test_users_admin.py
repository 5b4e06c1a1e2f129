"""The Users page (admins): invite by email, set a role and a person, deactivate, send a
password link, make and revoke tokens; every change audited, never a secret."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from competence.store.models import ApiToken, AuditEntry
from tests.web.conftest import PASSWORD, Org, signed_in

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture
def admin(org: Org) -> Client:
    return signed_in(org.lead)  # the fixture's "lead" is a staff user: an admin


def _link(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://\S+/password-reset/\S+", str(message.body))
    assert found is not None, message.body
    return found.group(0)


def _signs_in(username: str, password: str) -> bool:
    answer = Client().post("/signin", {"username": username, "password": password})
    return answer.status_code == 302


def _set_password(link: str) -> Client:
    """Follow a set-password link as the user would, and choose a password."""
    client = Client()
    path = "/" + link.split("/", 3)[3]
    page = client.get(path, follow=True)
    assert page.status_code == 200
    assert b'name="new_password1"' in page.content, page.content.decode()[:1000]
    done = client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else path,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    return client


def test_an_invited_user_follows_the_emailed_link_sets_a_password_and_signs_in(
    org: Org, admin: Client
) -> None:
    mail.outbox.clear()
    answer = admin.post(
        "/users",
        {"username": "mary", "email": "mary@example.org", "role": "assessor", "person": ""},
    )
    assert answer.status_code == 302
    mary = User.objects.get(username="mary")
    assert not mary.has_usable_password()
    assert mary.groups.filter(name="assessor").exists()
    (invitation,) = mail.outbox
    assert invitation.to == ["mary@example.org"]
    link = _link(invitation)
    assert link.startswith("http")
    _set_password(link)
    assert _signs_in("mary", NEW_PASSWORD)
    # The link works once.
    again = Client().get("/" + link.split("/", 3)[3], follow=True)
    assert b'name="new_password1"' not in again.content
    # Neither the link nor a password hash is in the audit.
    trail = json.dumps(list(AuditEntry.objects.values("summary", "old", "new")))
    assert link.rsplit("/", 1)[-1] not in trail
    assert mary.password not in trail
    assert "argon2" not in trail


def test_an_invitation_links_a_person_and_refuses_bad_fields_writing_nothing(
    org: Org, admin: Client
) -> None:
    answer = admin.post(
        "/users", {"username": "ada", "email": "not-an-email", "role": "wizard", "person": "x"}
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "username: &#x27;ada&#x27; is taken" in page
    assert "email: not an email address" in page
    assert "unknown role" in page
    assert User.objects.count() == 3
    answer = admin.post(
        "/users",
        {"username": "alan", "email": "alan@example.org", "role": "member", "person": "E1"},
    )
    assert answer.status_code == 422  # E1 is Ada, already linked to her user
    assert "already linked to another user" in answer.content.decode()
    answer = admin.post(
        "/users",
        {
            "username": "alan",
            "email": "alan@example.org",
            "role": "member",
            "person": "alan@example.org",
        },
    )
    assert answer.status_code == 302
    org.alan.refresh_from_db()
    assert org.alan.user is not None
    assert org.alan.user.username == "alan"


def test_the_list_searches_and_filters_by_role_and_status(org: Org, admin: Client) -> None:
    org.grace_user.is_active = False
    org.grace_user.save()
    page = admin.get("/users?q=gra").content.decode()
    assert ">grace<" in page
    assert ">ada<" not in page
    page = admin.get("/users?active=no").content.decode()
    assert ">grace<" in page
    assert ">ada<" not in page
    assert "deactivated" in page
    page = admin.get("/users?role=admin").content.decode()
    assert ">lead<" in page
    assert ">ada<" not in page


def test_a_deactivated_user_can_neither_sign_in_nor_use_a_token(org: Org, admin: Client) -> None:
    org.ada_user.set_password(PASSWORD)
    org.ada_user.save()
    token = admin.post(f"/users/{org.ada_user.pk}/tokens", {"name": "sheets", "scope": "read"})
    assert token.status_code == 200
    secret = re.search(r'value="(cmp_[^"]+)"', token.content.decode())
    assert secret is not None
    assert token["Cache-Control"].startswith("max-age=0") or "no-store" in token["Cache-Control"]
    bearer = {"Authorization": f"Bearer {secret.group(1)}"}
    assert Client().get("/api/v1/people", headers=bearer).status_code == 200
    ada_session = Client()
    assert ada_session.post("/signin", {"username": "ada", "password": PASSWORD}).status_code == 302
    answer = admin.post(
        f"/users/{org.ada_user.pk}", {"role": "member", "person": "ada@example.org"}
    )
    assert answer.status_code == 302
    org.ada_user.refresh_from_db()
    assert not org.ada_user.is_active
    org.ada.refresh_from_db()
    assert org.ada.user_id == org.ada_user.pk  # still linked
    assert not _signs_in("ada", PASSWORD)
    assert Client().get("/api/v1/people", headers=bearer).status_code == 401
    assert ada_session.get("/framework").status_code == 302  # the open session ends too
    entry = AuditEntry.objects.filter(model="User", summary="ada: active").get()
    assert (entry.old, entry.new) == ({"active": True}, {"active": False})
    # and back
    admin.post(f"/users/{org.ada_user.pk}", {"role": "member", "person": "E1", "active": "yes"})
    assert _signs_in("ada", PASSWORD)


def test_role_and_person_change_with_old_and_new_in_the_audit(org: Org, admin: Client) -> None:
    answer = admin.post(
        f"/users/{org.grace_user.pk}",
        {"role": "pmo-lead", "person": "alan@example.org", "active": "yes"},
    )
    assert answer.status_code == 302
    org.alan.refresh_from_db()
    org.grace.refresh_from_db()
    assert org.alan.user_id == org.grace_user.pk
    assert org.grace.user_id is None
    role = AuditEntry.objects.filter(model="User", new__role="pmo-lead").get()
    assert role.old == {"role": "member"}
    person = AuditEntry.objects.filter(model="User", summary="grace: person").get()
    assert person.old == {"person": "grace@example.org"}
    assert person.new == {"person": "alan@example.org"}


def test_an_admin_cannot_lock_themselves_out(org: Org, admin: Client) -> None:
    answer = admin.post(f"/users/{org.lead.pk}", {"role": "member", "person": ""})
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "you cannot deactivate yourself" in page
    assert "you cannot give up your own admin role" in page
    org.lead.refresh_from_db()
    assert org.lead.is_active
    assert org.lead.is_staff


def test_a_password_reset_sends_a_link_and_shows_no_password(org: Org, admin: Client) -> None:
    org.grace_user.email = "grace@example.org"
    org.grace_user.set_password(PASSWORD)
    org.grace_user.save()
    mail.outbox.clear()
    answer = admin.post(f"/users/{org.grace_user.pk}/password-reset", follow=True)
    assert "A set-password link went to grace@example.org" in answer.content.decode()
    assert 'type="password"' not in answer.content.decode()
    (message,) = mail.outbox
    _set_password(_link(message))
    assert _signs_in("grace", NEW_PASSWORD)


def test_tokens_are_listed_without_secrets_and_revoked(org: Org, admin: Client) -> None:
    made = admin.post(f"/users/{org.ada_user.pk}/tokens", {"name": "ci", "scope": "write"})
    secret = re.search(r'value="(cmp_[^"]+)"', made.content.decode())
    assert secret is not None
    page = admin.get(f"/users/{org.ada_user.pk}").content.decode()
    assert secret.group(1) not in page
    assert ">ci<" in page
    token = ApiToken.objects.get(name="ci")
    assert admin.post(f"/tokens/{token.pk}/revoke").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    bearer = {"Authorization": f"Bearer {secret.group(1)}"}
    assert Client().get("/api/v1/people", headers=bearer).status_code == 401
    assert secret.group(1) not in json.dumps(list(AuditEntry.objects.values("summary")))
    assert admin.post("/tokens/99999/revoke").status_code == 404
    bad = admin.post(f"/users/{org.ada_user.pk}/tokens", {"name": "", "scope": "root"})
    assert bad.status_code == 422
    assert "name: a token name has 1 to 100 characters" in bad.content.decode()
    assert "scope: choose read or write" in bad.content.decode()


def test_the_pages_are_for_admins_only(org: Org) -> None:
    member = signed_in(org.ada_user)
    assert member.get("/users").status_code == 403
    assert member.get(f"/users/{org.ada_user.pk}").status_code == 403
    assert member.post(f"/users/{org.ada_user.pk}", {"role": "admin"}).status_code == 403
    assert signed_in(org.lead).get("/users/99999").status_code == 404


def test_the_list_takes_a_few_queries_however_many_users(
    org: Org, admin: Client, django_assert_max_num_queries: Any
) -> None:
    from django.contrib.auth.models import Group

    from competence.store import audit

    with audit.acting_as("test-setup"):
        assessors = Group.objects.get_or_create(name="assessor")[0]
        for i in range(40):
            User.objects.create(username=f"user{i:02d}").groups.add(assessors)
    with django_assert_max_num_queries(12):
        page = admin.get("/users?role=assessor")
    assert page.content.decode().count('href="/users/') == 40


def test_the_users_page_comes_in_pages_and_filters_roles_as_the_policy_reads_them(
    org: Org, admin: Client
) -> None:
    from django.contrib.auth.models import Group

    from competence.domain.roles import ROLES
    from competence.services import policy

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    made = []
    for i in range(60):  # every combination of groups, staff and superuser, several times
        user = User.objects.create_user(
            f"user{i:02}", f"user{i:02}@example.org", is_staff=i % 11 == 3, is_superuser=i == 7
        )
        user.groups.set([groups[r] for n, r in enumerate(ROLES) if i >> n & 1])
        made.append(user)
    for role in ROLES:  # the SQL rule picks exactly the users whose role() it is
        picked = set(policy.with_role(User.objects.all(), role).values_list("pk", flat=True))
        assert picked == {u.pk for u in User.objects.all() if policy.role(u) == role}, role
    first = admin.get("/users").content.decode()
    total = User.objects.count()
    assert f"{total} users, page 1 of 2" in first
    assert first.count('href="/users/') == 50
    second = admin.get("/users?q=user&page=2").content.decode()
    assert "60 users, page 2 of 2" in second
    assert second.count('href="/users/') == 10
    assert 'href="?q=user&page=1" rel="prev"' in second  # the filters kept
    assessors = admin.get("/users?role=assessor").content.decode()
    expected = sum(1 for u in User.objects.all() if policy.role(u) == "assessor")
    assert f"{expected} user" in assessors
