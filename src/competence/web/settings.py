"""Django settings, built from :class:`competence.config.Config` (the environment) at start-up."""

from __future__ import annotations

from competence.config import Config, database_settings, email_settings

CONFIG = Config.from_env()

# The command line never signs anything with the key; `competence serve` refuses to start with
# this default outside --demo and debug mode (it then makes a random one for the demo).
INSECURE_KEY = "competence-insecure-key-for-the-command-line-only"
SECRET_KEY = CONFIG.secret_key or INSECURE_KEY
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
BASE_URL = CONFIG.base_url  # emails' links start with it

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "competence.store.apps.StoreConfig",  # the tables (label "competence")
    "competence.web.apps.WebConfig",  # before ninja: its ninja/swagger.html wins over ninja's
    "ninja",  # its interactive API docs are served from its own static files, not a CDN
    "axes",  # sign-in throttling
    "django_tasks",  # the task framework of Django 6, backported: the job queue's interface
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before the session and CSRF middleware, so that it sees the cookies they set.
    "competence.web.middleware.secure_cookies_over_https",
    "competence.web.middleware.content_security_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "competence.web.middleware.audit_actor",
    "competence.web.middleware.read_once",
    "competence.web.middleware.no_store",
    "competence.web.middleware.throttle",
    "competence.web.limits.request_size",
    "competence.web.limits.request_budget",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "competence.web.views.common.navigation",
            ],
        },
    }
]

DATABASES = {"default": database_settings(CONFIG.database_url)}
# Shared by every worker process through the database (`competence db upgrade` makes the table):
# the throttling counts of sign-in and password reset.
# Or by Redis when COMPETENCE_REDIS_URL is set.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "competence_cache",
        # Culling starts past this many entries: high, so that no flood of new keys (email
        # addresses, say) evicts the counts of others. Expired entries go first.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
    if CONFIG.redis_url is None
    else {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CONFIG.redis_url,
        "KEY_PREFIX": "competence",
    }
}
# The job queue (docs/admin.md "Jobs"): django-tasks' interface over the jobs table, which a
# `competence worker` process reads; no other server is needed.
# QUEUES empty: any queue name (`competence worker --queue NAME` runs one).
TASKS = {"default": {"BACKEND": "competence.services.job_queue.DatabaseBackend", "QUEUES": []}}
IMPORT_JOB_BYTES = CONFIG.import_job_bytes  # a web import of a larger file runs as a job
REPORT_JOB_PEOPLE = CONFIG.report_job_people  # a team report over more people runs as a job
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
globals().update(email_settings(CONFIG.email_url))
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for a day

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses sign-in while locked out
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5  # failed sign-ins for one user name from one address...
AXES_COOLOFF_TIME = 0.25  # ...lock them out for 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "competence.web.middleware.signing_in_paused"
AXES_VERBOSE = False
# django-axes compares one failure limit with the largest count of its parameter sets, so it
# cannot give one address a higher limit across user names: competence.web.middleware.throttle
# does, with the cache (name: (requests, seconds)).
THROTTLES = {
    "sign-in failures per address": (20, 15 * 60),
    "password resets per address": (5, 60 * 60),
    "password resets per email": (3, 60 * 60),
}

OIDC_ENABLED = CONFIG.oidc is not None
if CONFIG.oidc is not None:  # single sign-on (mozilla-django-oidc), off unless configured
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("competence.web.oidc.SingleSignOnBackend")
    OIDC_RP_CLIENT_ID = CONFIG.oidc["CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = CONFIG.oidc["CLIENT_SECRET"]
    OIDC_OP_AUTHORIZATION_ENDPOINT = CONFIG.oidc["AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = CONFIG.oidc["TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = CONFIG.oidc["USER_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = CONFIG.oidc["JWKS_ENDPOINT"]
    OIDC_RP_SIGN_ALGO = "RS256"
    OIDC_RP_SCOPES = "openid email"
    OIDC_CREATE_USER = False  # an admin creates users; single sign-on only signs them in

LOGIN_URL = "signin"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "signin"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-gb"
ROOT_URLCONF = "competence.web.urls"
WSGI_APPLICATION = "competence.web.wsgi.application"

STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True  # serve the package's static files without collectstatic
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60  # a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "competence.web.views.common.csrf_failure"  # our page; the answers kept
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365  # sent on HTTPS requests only
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
if CONFIG.https:  # served over HTTPS by a TLS-terminating reverse proxy (docs/admin.md)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the proxy's health check may come over HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
REQUEST_SECONDS = 30  # the time budget of one request (competence.web.limits)
# A body without files: at most 10 MB. A file: read into memory up to 2 MB, into a temporary
# file beyond; competence.web.limits.request_size refuses a body larger than the largest file an
# import takes (competence.formats.limits.MAX_FILE_BYTES) before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
