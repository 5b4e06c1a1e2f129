"""Deployment: `competence check --deploy` for the production configuration of docs/admin.md, the
server's refusal of a weak secret key, and HTTPS behind the reverse proxy."""

from __future__ import annotations

import os
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from competence.cli import main
from competence.config import SECRET_KEY_MIN_LENGTH, secret_key_problem
from tests.serving import SCRIPT, serving

STRONG_KEY = "k3y-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2  # 76 characters, 37 different

# docs/admin.md, "Deployment behind a reverse proxy" (the secret is generated there).
PRODUCTION = {
    "COMPETENCE_DATABASE_URL": "postgresql://competence@db.internal:5432/competence",
    "COMPETENCE_SECRET_KEY": STRONG_KEY,
    "COMPETENCE_ALLOWED_HOSTS": "competence.example.org",
    "COMPETENCE_EMAIL_URL": "smtp://competence:secret@mail.example.org:587?from=pmo@example.org",
    "COMPETENCE_HTTPS": "1",
    "COMPETENCE_BASE_URL": "https://competence.example.org",
}


def environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """This process's environment without any COMPETENCE_* variable, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPETENCE_")}
    return {**env, "XDG_DATA_HOME": str(tmp_path), **variables}


def competence(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, check=False, timeout=120
    )


def ids(output: str) -> list[str]:
    return re.findall(
        r"^((?:security|competence)\.[WE]\d+) \((?:warning|error)\): ", output, re.MULTILINE
    )


def test_check_deploy_is_clean_for_the_documented_production_configuration(
    tmp_path: Path,
) -> None:
    done = competence(environment(tmp_path, **PRODUCTION), "check", "--deploy")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "No problems found.\n")


def test_check_deploy_names_each_problem_and_exits_with_2(tmp_path: Path) -> None:
    sqlite = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    bare = competence(environment(tmp_path, COMPETENCE_DATABASE_URL=sqlite), "check", "--deploy")
    assert bare.returncode == 2
    # No HTTPS settings, and the command line's own key (no COMPETENCE_SECRET_KEY).
    assert sorted(ids(bare.stdout)) == [
        "competence.W001",
        "security.W008",
        "security.W009",
        "security.W012",
        "security.W016",
    ]
    assert "SECURE_SSL_REDIRECT" in bare.stdout
    assert bare.stderr == "5 problems found: see the settings in docs/admin.md, Deployment\n"
    without_https = {k: v for k, v in PRODUCTION.items() if k != "COMPETENCE_HTTPS"}
    plain = competence(environment(tmp_path, **without_https), "check", "--deploy")
    assert (plain.returncode, sorted(ids(plain.stdout))) == (
        2,
        ["security.W008", "security.W012", "security.W016"],
    )
    weak = competence(
        environment(tmp_path, **{**PRODUCTION, "COMPETENCE_SECRET_KEY": "x"}), "check", "--deploy"
    )
    assert (weak.returncode, ids(weak.stdout)) == (2, ["security.W009"])
    # Without --deploy, the same configuration passes Django's ordinary checks.
    assert (
        competence(environment(tmp_path, COMPETENCE_DATABASE_URL=sqlite), "check").returncode == 0
    )


def test_serve_refuses_the_key_x_before_it_listens(tmp_path: Path) -> None:
    """The review started a server with COMPETENCE_SECRET_KEY=x; now it stops at once."""
    env = environment(
        tmp_path,
        COMPETENCE_DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        COMPETENCE_SECRET_KEY="x",
    )
    done = competence(env, "serve", "--port", "0")  # the timeout ends a server that starts
    assert done.returncode == 2
    assert "running at" not in done.stderr
    assert done.stderr.startswith("COMPETENCE_SECRET_KEY is too weak")
    assert not (tmp_path / "x.sqlite3").exists()  # refused before the database is touched


@pytest.mark.parametrize(
    "key",
    [
        "x",
        "a" * 200,  # one character, however long
        "abcd" * 20,  # four different characters
        STRONG_KEY[: SECRET_KEY_MIN_LENGTH - 1],  # one character short
    ],
    ids=["one character", "200 of one", "four different", "49 characters"],
)
def test_serve_refuses_a_weak_secret_key(
    key: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COMPETENCE_SECRET_KEY", key)
    monkeypatch.delenv("COMPETENCE_DEBUG", raising=False)
    assert main(["serve", "--port", "0"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("COMPETENCE_SECRET_KEY is too weak: it needs 50 characters")
    assert "Traceback" not in captured.err


def test_serve_refuses_no_secret_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COMPETENCE_SECRET_KEY", raising=False)
    monkeypatch.delenv("COMPETENCE_DEBUG", raising=False)
    assert main(["serve", "--port", "0"]) == 2
    assert capsys.readouterr().err.startswith("COMPETENCE_SECRET_KEY is not set: give the server")


def test_the_secret_key_rule_is_djangos() -> None:
    """Django's security.W009: 50 characters or more, at least 5 different ones."""
    assert secret_key_problem(STRONG_KEY) is None
    assert secret_key_problem("abcde" * 10) is None  # exactly 50, exactly 5 different
    assert secret_key_problem("abcd" * 13) is not None
    assert secret_key_problem("abcde" * 9 + "abcd") is not None  # 49
    assert secret_key_problem(None) == "COMPETENCE_SECRET_KEY is not set"


def test_demo_and_debug_serve_with_any_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from competence.services.deploy import check_server_secret

    monkeypatch.setenv("COMPETENCE_SECRET_KEY", "x")
    check_server_secret(demo=True)
    monkeypatch.setenv("COMPETENCE_DEBUG", "1")
    check_server_secret(demo=False)


@pytest.fixture(scope="module")
def behind_the_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`competence serve --trusted-proxy 127.0.0.1` with COMPETENCE_HTTPS=1, as documented."""
    home = tmp_path_factory.mktemp("https")
    env = environment(
        home,
        **{
            **PRODUCTION,
            "COMPETENCE_DATABASE_URL": f"sqlite:///{home / 'https.sqlite3'}",
            "COMPETENCE_ALLOWED_HOSTS": "competence.example.org,127.0.0.1",
            "COMPETENCE_EMAIL_URL": "console:",
            "PYTHONUNBUFFERED": "1",
        },
    )
    with serving(env, "--trusted-proxy", "127.0.0.1") as served:
        yield served.url


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object) -> None:
        return None


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.build_opener(NoRedirect).open(request) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as answer:
        answer.close()
        return answer.code, dict(answer.headers)


def test_behind_the_proxy_https_is_required_and_marked(behind_the_proxy: str) -> None:
    proxied = {"Host": "competence.example.org", "X-Forwarded-Proto": "https"}
    status, headers = fetch(f"{behind_the_proxy}/signin", **proxied)
    assert status == 200
    assert headers["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert "Secure" in headers["Set-Cookie"]  # the CSRF cookie of the sign-in form
    plain = {"Host": "competence.example.org", "X-Forwarded-Proto": "http"}
    status, headers = fetch(f"{behind_the_proxy}/signin", **plain)
    assert (status, headers["Location"]) == (301, "https://competence.example.org/signin")
    # The proxy's health check may come over HTTP.
    assert fetch(f"{behind_the_proxy}/healthz")[0] == 200
