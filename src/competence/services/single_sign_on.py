"""Single sign-on: which user an identity provider's answer signs in.

The provider's identity for a person is its issuer and the subject (``sub``) it gives them. The
first time a user signs in with single sign-on, the provider must say that the email address is
verified (``email_verified`` exactly JSON ``true``), and the address must be that of exactly one
active user; that user is then linked to the identity. From then on the identity signs them in,
whatever the email says, and another identity claiming their address does not. Single sign-on
never creates users.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from competence.store import audit
from competence.store.models import Person, SingleSignOn

LOGGER = logging.getLogger(__name__)


def user_for_identity(issuer: str, claims: Mapping[str, Any]) -> User | None:
    """The active user that ``claims`` (the provider's user information) sign in, or None."""
    subject = claims.get("sub")
    if not issuer or not isinstance(subject, str) or not subject:
        return None
    link = SingleSignOn.objects.filter(issuer=issuer, subject=subject).first()
    if link is not None:
        user = User.objects.get(pk=link.user_id)
        return user if user.is_active else None
    if claims.get("email_verified") is not True:  # missing, false, "true", 1: not verified
        return None
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        return None
    users = list(User.objects.filter(email__iexact=email.strip(), is_active=True)[:2])
    if len(users) != 1:
        return None
    user = users[0]
    if SingleSignOn.objects.filter(user=user, issuer=issuer).exists():
        LOGGER.warning(
            "single sign-on: %s is linked to another identity at %s; not signed in as %s",
            subject,
            issuer,
            user.get_username(),
        )
        return None
    try:
        with transaction.atomic():
            made = SingleSignOn.objects.create(
                user=user, issuer=issuer, subject=subject, linked_at=timezone.now()
            )
            person = Person.objects.filter(user=user).values_list("pk", flat=True).first()
            audit.record(
                "create",
                "SingleSignOn",
                object_id=str(made.pk),
                person="" if person is None else str(person),
                summary=f"{user.get_username()}: linked to single sign-on at {issuer}",
                new={"user_id": user.pk, "issuer": issuer, "subject": subject},
                actor=user.get_username(),
            )
    except IntegrityError:  # the same identity, linked by a sign-in at the same moment
        return None
    return user
