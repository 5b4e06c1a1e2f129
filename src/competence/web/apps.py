from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class WebConfig(AppConfig):
    """The pages' templates and static files (the tables are :mod:`competence.store`)."""

    name = "competence.web"
    label = "competence_web"
    verbose_name = "Competence web app"

    def ready(self) -> None:
        from competence.services import events

        checks.register(base_url_check, checks.Tags.security, deploy=True)
        events.connect()  # webhooks hear of changes to people from the audit trail


def base_url_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """In production, the emails' links must point where people open the app."""
    from django.conf import settings

    from competence.config import DEFAULT_BASE_URL

    if settings.BASE_URL != DEFAULT_BASE_URL:
        return []
    return [
        checks.Warning(
            f"COMPETENCE_BASE_URL is not set: the links in emails point to {DEFAULT_BASE_URL}.",
            hint="Set it to the address people open, such as https://competence.example.org.",
            id="competence.W001",
        )
    ]
