"""Configuration, read in one place from the ``COMPETENCE_*`` environment variables.

See docs/configuration.md; the variables are those of CONTRACT.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from competence.errors import InputError

DEFAULT_ALLOWED_HOSTS = ("localhost", "127.0.0.1")
DEFAULT_BASE_URL = "http://localhost:8000"
"""Where emails' links point when COMPETENCE_BASE_URL is not set (``competence serve``'s own
address)."""

# How long a writer waits for SQLite's one write lock (held by an import, say) before it gives
# up: a web request waits this long and then answers 503 with Retry-After; a command waits longer
# (see competence.services.database.ready), so that a second import waits for the first.
SQLITE_BUSY_SECONDS = 10
COMMAND_LINE_BUSY_SECONDS = 600

# The two numbers of Django's own secret-key check (security.W009, run by `competence check
# --deploy`): a key shorter than this, or made of fewer distinct characters, is easy to guess.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5


def default_database_path() -> Path:
    """A SQLite file in the user's data folder (created on first use)."""
    from platformdirs import user_data_path

    return user_data_path("competence", appauthor=False) / "competence.sqlite3"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = env.get(name, "").strip()
    if not raw or raw.lower() == "off":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name}: must be a whole number, got {raw!r}") from None
    if value < 0:
        raise InputError(f"{name}: must not be negative, got {value}")
    return value


@dataclass(frozen=True)
class Config:
    database_url: str
    secret_key: str | None
    debug: bool
    allowed_hosts: tuple[str, ...]
    email_url: str
    min_group_size: int
    reassess_months: int
    retention_months: int | None
    oidc: dict[str, str] | None = None
    https: bool = False
    base_url: str = DEFAULT_BASE_URL
    redis_url: str | None = None
    import_job_bytes: int = 1_048_576
    report_job_people: int = 100

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        url = env.get("COMPETENCE_DATABASE_URL", "").strip()
        if not url:
            url = f"sqlite:///{default_database_path()}"
        check_database_url(url)
        hosts = env.get("COMPETENCE_ALLOWED_HOSTS", "").strip()
        return cls(
            database_url=url,
            secret_key=env.get("COMPETENCE_SECRET_KEY") or None,
            debug=_flag(env.get("COMPETENCE_DEBUG")),
            allowed_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip())
            if hosts
            else DEFAULT_ALLOWED_HOSTS,
            email_url=_checked_email_url(env.get("COMPETENCE_EMAIL_URL", "").strip() or "console:"),
            min_group_size=_int(env, "COMPETENCE_MIN_GROUP_SIZE", 5) or 0,
            reassess_months=_int(env, "COMPETENCE_REASSESS_MONTHS", 12) or 12,
            retention_months=_int(env, "COMPETENCE_RETENTION_MONTHS", None),
            oidc=oidc_settings(env),
            https=_flag(env.get("COMPETENCE_HTTPS")),
            base_url=checked_base_url(env.get("COMPETENCE_BASE_URL", "").strip()),
            redis_url=checked_redis_url(env.get("COMPETENCE_REDIS_URL", "").strip()),
            import_job_bytes=_int(env, "COMPETENCE_IMPORT_JOB_BYTES", 1_048_576) or 0,
            report_job_people=_int(env, "COMPETENCE_REPORT_JOB_PEOPLE", 100) or 0,
        )


def secret_key_problem(key: str | None) -> str | None:
    """Why ``key`` is not fit to sign a server's sessions and links, or None when it is."""
    if not key:
        return "COMPETENCE_SECRET_KEY is not set"
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"COMPETENCE_SECRET_KEY is too weak: it needs {SECRET_KEY_MIN_LENGTH} characters or "
            f"more, of at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones (it has "
            f"{len(key)}, {len(set(key))} different)"
        )
    return None


def checked_base_url(url: str) -> str:
    """The address people open the app at, without a trailing ``/`` (the default when empty):
    every link in an email starts with it."""
    if not url:
        return DEFAULT_BASE_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"COMPETENCE_BASE_URL: {url!r} is not a web address: write the address people open, "
            "such as https://competence.example.org"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InputError(
            f"COMPETENCE_BASE_URL: {url!r}: only the scheme, the host, a port and a path, such "
            "as https://competence.example.org"
        )
    return url.rstrip("/")


def checked_redis_url(url: str) -> str | None:
    """The Redis server every worker process shares the caches and the sign-in throttling
    through, or None (unset: the database holds them)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise InputError(
            f"COMPETENCE_REDIS_URL: {url!r} is not a Redis address: write one such as "
            "redis://127.0.0.1:6379/0"
        )
    return url


def _checked_email_url(url: str) -> str:
    email_settings(url)
    return url


def check_database_url(url: str) -> None:
    scheme = urlsplit(url).scheme
    if scheme not in ("sqlite", "postgres", "postgresql"):
        raise InputError(
            f"COMPETENCE_DATABASE_URL: unsupported database {scheme or url!r}: use "
            "sqlite:////absolute/path.sqlite3 or postgresql://user@host:5432/name"
        )


def database_settings(url: str) -> dict[str, object]:
    """Django's DATABASES entry for a URL; SQLite in WAL mode (foreign keys are on in Django)."""
    import dj_database_url

    check_database_url(url)
    # Connections are kept for a minute and checked before reuse: opening one per request
    # cost about a tenth of a small page's time.
    config: dict[str, object] = dict(
        dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        name = str(config["NAME"])
        if name and name != ":memory:":
            try:
                Path(name).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(
                    f"COMPETENCE_DATABASE_URL: cannot create the folder of {name}: "
                    f"{exc.strerror or exc}"
                ) from None
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_SECONDS,
        }
    return config


def email_settings(url: str) -> dict[str, object]:
    """Django's email settings from ``console:``, ``smtp://user:pass@host:587`` or ``smtps://…``.

    ``?from=address`` sets the sender (default ``competence@localhost``).
    """
    from urllib.parse import parse_qs, unquote

    parts = urlsplit(url)
    sender = parse_qs(parts.query).get("from", ["competence@localhost"])[0]
    if parts.scheme in ("console", ""):
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "DEFAULT_FROM_EMAIL": sender,
        }
    if parts.scheme not in ("smtp", "smtps"):
        raise InputError(
            f"COMPETENCE_EMAIL_URL: unsupported {parts.scheme!r}: use console: or "
            "smtp://user:pass@host:587"
        )
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 587),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": parts.scheme == "smtp" and (parts.port or 587) == 587,
        "DEFAULT_FROM_EMAIL": sender,
    }


OIDC_ENDPOINTS = ("AUTHORIZATION_ENDPOINT", "TOKEN_ENDPOINT", "USER_ENDPOINT", "JWKS_ENDPOINT")
DISCOVERY_KEYS = {
    "AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "TOKEN_ENDPOINT": "token_endpoint",
    "USER_ENDPOINT": "userinfo_endpoint",
    "JWKS_ENDPOINT": "jwks_uri",
}


def oidc_settings(env: Mapping[str, str]) -> dict[str, str] | None:
    """Single sign-on, when ``COMPETENCE_OIDC_CLIENT_ID`` is set; off otherwise.

    The provider's endpoints come from ``COMPETENCE_OIDC_<NAME>_ENDPOINT`` variables or, for those
    not given, from ``COMPETENCE_OIDC_ISSUER``'s discovery document (read once, at start-up).
    """
    client = env.get("COMPETENCE_OIDC_CLIENT_ID", "").strip()
    if not client:
        return None
    found = {"CLIENT_ID": client, "CLIENT_SECRET": env.get("COMPETENCE_OIDC_CLIENT_SECRET", "")}
    for name in OIDC_ENDPOINTS:
        value = env.get(f"COMPETENCE_OIDC_{name}", "").strip()
        if value:
            found[name] = value
    missing = [n for n in OIDC_ENDPOINTS if n not in found]
    if missing:
        issuer = env.get("COMPETENCE_OIDC_ISSUER", "").strip()
        if not issuer:
            raise InputError(
                "COMPETENCE_OIDC_ISSUER: needed to find "
                + ", ".join(f"COMPETENCE_OIDC_{n}" for n in missing)
            )
        document = _discover(issuer)
        for name in missing:
            given = document.get(DISCOVERY_KEYS[name])
            if not isinstance(given, str) or not given:
                raise InputError(
                    f"COMPETENCE_OIDC_ISSUER: {issuer} does not give {DISCOVERY_KEYS[name]}"
                )
            found[name] = given
    return found


def _discover(issuer: str) -> dict[str, object]:
    import json
    import urllib.request

    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            document = json.load(response)
    except (OSError, ValueError) as exc:
        raise InputError(f"COMPETENCE_OIDC_ISSUER: cannot read {url}: {exc}") from None
    if not isinstance(document, dict):
        raise InputError(f"COMPETENCE_OIDC_ISSUER: {url} is not a discovery document")
    return document
