"""The WSGI application that `competence serve` runs."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "competence.web.settings")
application = get_wsgi_application()
