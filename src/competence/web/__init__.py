"""The Django project inside the package: settings, models, migrations (and later views, API)."""

from __future__ import annotations

import os


def setup() -> None:
    """Configure Django from the environment once; safe to call again."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "competence.web.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
