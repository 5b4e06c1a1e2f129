"""Is this configuration fit to serve? Django's system checks, and the server's secret key."""

from __future__ import annotations

from dataclasses import dataclass

from competence.config import Config, secret_key_problem
from competence.errors import InputError


@dataclass(frozen=True)
class Finding:
    """One system check's message: its id (``security.W008``), level, text and hint."""

    id: str
    level: str
    message: str
    hint: str


def check(deploy: bool) -> list[Finding]:
    """Django's system checks for the settings made from the environment, with the deployment
    checks when ``deploy`` is true (``manage.py check --deploy``). Reads no table."""
    from competence.store import setup

    setup()
    from django.core import checks

    levels = {
        checks.DEBUG: "debug",
        checks.INFO: "info",
        checks.WARNING: "warning",
        checks.ERROR: "error",
        checks.CRITICAL: "critical",
    }
    return [
        Finding(
            id=str(m.id or ""),
            level=levels.get(m.level, str(m.level)),
            message=str(m.msg),
            hint=str(m.hint or ""),
        )
        for m in checks.run_checks(include_deployment_checks=deploy)
        if m.level >= checks.WARNING and not m.is_silenced()
    ]


def check_server_secret(demo: bool) -> None:
    """Refuse to serve without a strong COMPETENCE_SECRET_KEY, outside ``--demo`` and debug."""
    config = Config.from_env()
    if demo or config.debug:
        return
    problem = secret_key_problem(config.secret_key)
    if problem:
        raise InputError(
            f"{problem}: give the server a long random secret, for example "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))' "
            "(or use --demo, or COMPETENCE_DEBUG=1 on your own machine)"
        )
