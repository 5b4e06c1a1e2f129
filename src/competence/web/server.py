"""Serving the web app: the production server and the demo's own database.

On Linux and macOS the app runs under gunicorn, in several worker processes (each request is
bounded by the worker timeout); where gunicorn cannot run (Windows) it runs under waitress, one
process with a pool of threads. Both trust a reverse proxy's forwarded headers through
:class:`TrustedProxy`, the one rule for them.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

WORKER_TIMEOUT_SECONDS = 60
"""A worker busy on one request this long is stopped and replaced (the request's own time budget,
``REQUEST_SECONDS``, is half of it: work that checks its budget stops first)."""
GRACEFUL_SECONDS = 10
"""On a stop, how long running requests have to finish."""
WAITRESS_THREADS = 8
FORWARDED = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST")

Announce = Callable[[str], None]


def use_demo_database() -> Path:
    """Point this process at a fresh demo database, never the user's own; return its path
    (:func:`competence.services.demo_start.ready_demo` fills it)."""
    from platformdirs import user_data_path

    folder = user_data_path("competence", appauthor=False)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.sqlite3"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    os.environ["COMPETENCE_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("COMPETENCE_SECRET_KEY", secrets.token_urlsafe(50))
    return path


def default_workers() -> int:
    """One worker process per core."""
    return max(1, os.cpu_count() or 1)


def gunicorn_runs_here() -> bool:
    if sys.platform == "win32":
        return False
    try:
        import gunicorn.app.base  # noqa: F401
    except ImportError:
        return False
    return True


def _last(value: str) -> str:
    return value.rsplit(",", 1)[-1].strip()


class TrustedProxy:
    """Believe ``X-Forwarded-Proto``, ``-For`` and ``-Host`` from the proxy at ``address`` only
    (the last value of each: what that proxy added), and drop them from anyone else."""

    def __init__(self, app: Callable[..., Iterable[bytes]], address: str | None) -> None:
        self.app = app
        self.address = address

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.address and environ.get("REMOTE_ADDR") == self.address:
            proto = _last(environ.get("HTTP_X_FORWARDED_PROTO", "")).lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            client = _last(environ.get("HTTP_X_FORWARDED_FOR", ""))
            if client:
                environ["REMOTE_ADDR"] = client
            host = _last(environ.get("HTTP_X_FORWARDED_HOST", ""))
            if host:
                environ["HTTP_HOST"] = host
        for name in FORWARDED:
            environ.pop(name, None)
        return self.app(environ, start_response)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=2048, reuse_port=False)
    sock.set_inheritable(True)
    return sock


def _address(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def run(
    host: str,
    port: int,
    workers: int,
    threads: int | None,
    trusted_proxy: str | None,
    announce: Announce,
) -> None:
    """Serve until interrupted; ``announce`` is told the address once the port is open, and
    ``""`` once the server has stopped."""
    from django.urls import get_resolver

    from competence.web.wsgi import application

    # The URL configuration (every view and the API) loads here, once, before the workers are
    # forked, rather than in each worker on its first request.
    get_resolver().resolve("/")
    app = TrustedProxy(application, trusted_proxy)
    if gunicorn_runs_here():
        _gunicorn(app, host, port, workers, threads or 1, announce)
    else:
        _waitress(app, host, port, threads or WAITRESS_THREADS, announce)


def _gunicorn(
    app: TrustedProxy, host: str, port: int, workers: int, threads: int, announce: Announce
) -> None:
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    sock = _listen(host, port)
    options = {
        "bind": f"fd://{sock.fileno()}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": WORKER_TIMEOUT_SECONDS,
        "graceful_timeout": GRACEFUL_SECONDS,
        "forwarded_allow_ips": "",  # TrustedProxy decides
        "proc_name": "competence",
        "loglevel": "warning",
        "accesslog": None,
        "errorlog": "-",
        "preload_app": True,
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> TrustedProxy:
            return app

    connections.close_all()  # each worker opens its own
    announce(_address(host, sock.getsockname()[1]))
    arbiter = os.getpid()
    try:
        Server().run()
    except (KeyboardInterrupt, SystemExit):
        if os.getpid() != arbiter:
            raise  # a worker's own exit: gunicorn ends the process
    sock.detach()  # gunicorn owns the descriptor and has closed it
    announce("")


def _waitress(app: TrustedProxy, host: str, port: int, threads: int, announce: Announce) -> None:
    from waitress.server import create_server

    server = create_server(app, host=host, port=port, threads=threads, ident="competence")
    announce(_address(host, getattr(server, "effective_port", port)))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        announce("")
