from __future__ import annotations

from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "competence.store"
    label = "competence"  # the tables and the migration history keep this label
    verbose_name = "Competence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from competence.store import audit

        audit.connect()
