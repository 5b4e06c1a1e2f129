"""Django settings, built from :class:`competence.config.Config` (the environment) at start-up."""

from __future__ import annotations

from competence.config import Config, database_settings

CONFIG = Config.from_env()

# Only the web server needs a real key; `competence serve` refuses to start without one outside
# --demo and debug mode. The command line never signs anything with it.
INSECURE_KEY = "competence-insecure-key-for-the-command-line-only"
SECRET_KEY = CONFIG.secret_key or INSECURE_KEY
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "competence.web.apps.CompetenceConfig",
]

DATABASES = {"default": database_settings(CONFIG.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-gb"
ROOT_URLCONF = "competence.web.urls"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
