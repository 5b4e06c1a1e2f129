"""Single sign-on (mozilla-django-oidc): the provider's identity signs in the user linked to it.

Which user that is, and when a verified email links one, is decided by
:mod:`competence.services.single_sign_on`; this backend only hands it the verified ID token's
issuer and the provider's user information.
"""

from __future__ import annotations

import logging
from typing import Any

from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from competence.services.single_sign_on import user_for_identity

LOGGER = logging.getLogger(__name__)


class SingleSignOnBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Signs in an existing, active user; never creates one."""

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        """``payload`` is the ID token, its signature verified; the claims come from userinfo."""
        claims = self.get_userinfo(access_token, id_token, payload)
        issuer, subject = payload.get("iss"), payload.get("sub")
        if not isinstance(issuer, str) or not isinstance(subject, str):
            LOGGER.warning("single sign-on: the ID token has no issuer or subject")
            return None
        if not isinstance(claims, dict) or claims.get("sub") != subject:
            # OpenID Connect Core 5.3.2: user information for another subject is not used.
            LOGGER.warning("single sign-on: the user information is not the ID token's subject")
            return None
        return user_for_identity(issuer, claims)
