"""Serving the web app: the production server (waitress) and the demo's own database."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from typing import Any


def use_demo_database() -> None:
    """Point this process at a fresh demo database, never the user's own."""
    from platformdirs import user_data_path

    folder = user_data_path("competence", appauthor=False)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.sqlite3"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    os.environ["COMPETENCE_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("COMPETENCE_SECRET_KEY", secrets.token_urlsafe(50))


def run(
    host: str,
    port: int,
    threads: int,
    trusted_proxy: str | None,
    announce: Callable[[str], None],
) -> None:
    """Serve until interrupted; ``announce`` is told the address once the port is open."""
    from waitress.server import create_server

    from competence.web.wsgi import application

    proxy: dict[str, Any] = {}
    if trusted_proxy:
        proxy = {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for", "x-forwarded-host"},
            "clear_untrusted_proxy_headers": True,
        }
    server = create_server(
        application, host=host, port=port, threads=threads, ident="competence", **proxy
    )
    shown = f"[{host}]" if ":" in host else host
    announce(f"http://{shown}:{getattr(server, 'effective_port', port)}/")
    try:
        server.run()
    except KeyboardInterrupt:
        announce("")
    finally:
        server.close()
