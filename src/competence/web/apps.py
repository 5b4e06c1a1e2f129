from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    """The pages' templates and static files (the tables are :mod:`competence.store`)."""

    name = "competence.web"
    label = "competence_web"
    verbose_name = "Competence web app"
