"""The production server: several worker processes under gunicorn, the one rule for a trusted
proxy's forwarded headers, and the caches in Redis when COMPETENCE_REDIS_URL is set."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from competence.config import Config
from competence.domain.roles import PMO_LEAD
from competence.errors import InputError
from competence.web.server import TrustedProxy
from tests.serving import SCRIPT, Served, serving
from tests.web.test_deployment import STRONG_KEY, competence, environment

PASSWORD = "server-test-password-1"
LEAD = ("--email", "lead@example.org")


def seen(address: str | None, **environ: str) -> dict[str, Any]:
    """The WSGI environment the app sees behind :class:`TrustedProxy`."""
    got: dict[str, Any] = {}

    def app(env: dict[str, Any], start_response: Any) -> list[bytes]:
        got.update(env)
        return []

    TrustedProxy(app, address)({"wsgi.url_scheme": "http", **environ}, lambda *a: None)
    return got


FORWARDED = {
    "REMOTE_ADDR": "10.0.0.2",
    "HTTP_HOST": "10.0.0.5:8001",
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.7",
    "HTTP_X_FORWARDED_HOST": "competence.example.org",
}


def test_the_trusted_proxy_s_headers_say_the_scheme_the_client_and_the_host() -> None:
    env = seen("10.0.0.2", **FORWARDED)
    assert (env["wsgi.url_scheme"], env["REMOTE_ADDR"], env["HTTP_HOST"]) == (
        "https",
        "198.51.100.7",  # the address the proxy itself saw: the last one
        "competence.example.org",
    )
    assert not [name for name in env if name.startswith("HTTP_X_FORWARDED")]


@pytest.mark.parametrize("address", [None, "10.0.0.3"])
def test_anyone_else_s_forwarded_headers_are_dropped(address: str | None) -> None:
    env = seen(address, **FORWARDED)
    assert (env["wsgi.url_scheme"], env["REMOTE_ADDR"], env["HTTP_HOST"]) == (
        "http",
        "10.0.0.2",
        "10.0.0.5:8001",
    )
    assert not [name for name in env if name.startswith("HTTP_X_FORWARDED")]


def test_an_odd_scheme_from_the_proxy_is_not_believed() -> None:
    env = seen("10.0.0.2", **{**FORWARDED, "HTTP_X_FORWARDED_PROTO": "gopher"})
    assert env["wsgi.url_scheme"] == "http"


def test_the_redis_address_is_checked() -> None:
    assert Config.from_env({"COMPETENCE_REDIS_URL": "redis://127.0.0.1:6379/3"}).redis_url == (
        "redis://127.0.0.1:6379/3"
    )
    assert Config.from_env({}).redis_url is None
    with pytest.raises(InputError, match="COMPETENCE_REDIS_URL: 'http://x' is not a Redis"):
        Config.from_env({"COMPETENCE_REDIS_URL": "http://x"})


def workers(served: Served, expected: int) -> int:
    """How many worker processes the server has, once it has ``expected`` (or after 20 s)."""
    pid = served.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children")
    deadline = time.monotonic() + 20
    while True:
        count = len(children.read_text().split())
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


@contextmanager
def serve(home: Path, *args: str, **variables: str) -> Iterator[Served]:
    """The server on a new database with one PMO lead; it must stop cleanly when told to."""
    env = environment(
        home,
        COMPETENCE_DATABASE_URL=f"sqlite:///{home / 'served.sqlite3'}",
        COMPETENCE_SECRET_KEY=STRONG_KEY,
        PYTHONUNBUFFERED="1",
        **variables,
    )
    assert competence(env, "db", "upgrade").returncode == 0
    made = subprocess.run(
        [str(SCRIPT), "user", "create", "lead", "--role", PMO_LEAD, "--password-stdin", *LEAD],
        input=PASSWORD + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    with serving(env, *args) as served:
        yield served
        assert served.stop() == 0, "".join(served.output)
    assert "".join(served.output).strip().endswith("Stopped."), served.output


def signed_in(url: str, password: str = PASSWORD) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = browser.open(f"{url}/signin").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    form = {"csrfmiddlewaretoken": token.group(1), "username": "lead", "password": password}
    request = urllib.request.Request(
        f"{url}/signin",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Referer": f"{url}/signin"},
    )
    answer = browser.open(request)
    assert answer.url.endswith("/signin") is (password != PASSWORD)  # signed in: sent on
    return browser


def test_serve_runs_the_worker_processes_asked_for_and_any_of_them_serves_a_session(
    tmp_path: Path,
) -> None:
    with serve(tmp_path, "--workers", "3") as served:
        assert workers(served, 3) == 3
        browser = signed_in(served.url)
        # Many requests: the workers take turns, and each knows the session.
        for _ in range(12):
            with browser.open(f"{served.url}/team") as answer:
                assert answer.status == 200
                assert answer.url == f"{served.url}/team"


def test_serve_defaults_to_a_worker_per_core(tmp_path: Path) -> None:
    with serve(tmp_path) as served:
        assert workers(served, os.cpu_count() or 1) == (os.cpu_count() or 1)


REDIS = os.environ.get("COMPETENCE_TEST_REDIS_URL", "")


@pytest.mark.skipif(
    not REDIS, reason="COMPETENCE_TEST_REDIS_URL is not set (.ci/run sets it when Redis answers)"
)
def test_with_a_redis_url_the_sign_in_throttling_lives_in_redis(tmp_path: Path) -> None:
    import redis

    client = redis.Redis.from_url(REDIS, decode_responses=True)
    client.flushdb()
    with serve(tmp_path, "--workers", "2", COMPETENCE_REDIS_URL=REDIS) as served:
        signed_in(served.url, "wrong")  # failed sign-ins are counted per address, in the cache
        keys = client.keys("competence:*")
        assert keys, "nothing was written to Redis"
    client.flushdb()
