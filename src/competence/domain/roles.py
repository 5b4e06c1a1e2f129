"""The roles a user may have (CONTRACT.md "Identity"). What each allows is the access policy's
(:mod:`competence.services.policy`)."""

from __future__ import annotations

MEMBER, ASSESSOR, PMO_LEAD, ADMIN = "member", "assessor", "pmo-lead", "admin"
ROLES: tuple[str, ...] = (MEMBER, ASSESSOR, PMO_LEAD, ADMIN)
"""From the least to the most: a user with several roles has the last of theirs."""
