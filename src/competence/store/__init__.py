"""The tables: Django models, migrations, the audit trail and the queries.

A Django app whose label stays ``competence``, so that tables and migration history are those of
every earlier release. Services use it; the web app and the command line go through services.
Call :func:`setup` before anything here is imported.
"""

from __future__ import annotations

import os

SETTINGS_MODULE = "competence.web.settings"


def setup() -> None:
    """Configure Django from the environment once; safe to call again."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
