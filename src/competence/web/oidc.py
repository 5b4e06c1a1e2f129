"""Single sign-on: the provider's verified email address signs in the user who has it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class EmailBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Matches an existing, active user by email (case-insensitive); never creates one."""

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[Any]:
        email = claims.get("email")
        if not email or claims.get("email_verified") is False:
            return self.UserModel.objects.none()  # type: ignore[no-any-return]
        return self.UserModel.objects.filter(  # type: ignore[no-any-return]
            email__iexact=email, is_active=True
        )
