from __future__ import annotations

from django.apps import AppConfig


class CompetenceConfig(AppConfig):
    name = "competence.web"
    label = "competence"
    verbose_name = "Competence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from competence.web import audit

        audit.connect()
