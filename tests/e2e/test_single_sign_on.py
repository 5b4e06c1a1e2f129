"""Single sign-on: off by default; set by COMPETENCE_OIDC_*, with discovery from the issuer."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from competence.config import Config
from competence.errors import InputError

SCRIPT = Path(sys.executable).parent / "competence"


class Discovery(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_port}"  # type: ignore[attr-defined]
        body = json.dumps(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/userinfo",
                "jwks_uri": f"{base}/jwks",
            }
        ).encode()
        self.send_response(200 if self.path == "/.well-known/openid-configuration" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def issuer() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Discovery)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_single_sign_on_is_off_unless_configured() -> None:
    assert Config.from_env({}).oidc is None


def test_endpoints_come_from_the_issuers_discovery_document(issuer: str) -> None:
    oidc = Config.from_env(
        {"COMPETENCE_OIDC_CLIENT_ID": "competence", "COMPETENCE_OIDC_ISSUER": issuer}
    ).oidc
    assert oidc is not None
    assert oidc["AUTHORIZATION_ENDPOINT"] == f"{issuer}/authorize"
    assert oidc["JWKS_ENDPOINT"] == f"{issuer}/jwks"
    with pytest.raises(InputError, match="COMPETENCE_OIDC_ISSUER: needed to find"):
        Config.from_env({"COMPETENCE_OIDC_CLIENT_ID": "competence"})


def test_the_server_sends_people_to_the_provider(issuer: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path),
        "COMPETENCE_OIDC_CLIENT_ID": "competence",
        "COMPETENCE_OIDC_CLIENT_SECRET": "s3cret",
        "COMPETENCE_OIDC_ISSUER": issuer,
        "COMPETENCE_DATABASE_URL": f"sqlite:///{tmp_path / 'sso.sqlite3'}",
        "COMPETENCE_SECRET_KEY": "a-test-secret-key-that-is-long-enough-for-django-0123",
    }
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    try:
        url = None
        for line in process.stdout:
            found = re.search(r"running at (http://\S+)/", line)
            if found:
                url = found.group(1)
                break
        assert url, "the server did not start"
        with urllib.request.urlopen(f"{url}/signin") as response:
            page = response.read().decode()
        assert "Sign in with single sign-on" in page

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(f"{url}/oidc/authenticate/")
        assert answer.value.code == 302
        target = urlsplit(answer.value.headers["Location"])
        answer.value.close()
        assert f"{target.scheme}://{target.netloc}{target.path}" == f"{issuer}/authorize"
        assert parse_qs(target.query)["client_id"] == ["competence"]
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stdout.close()


@override_settings(
    OIDC_OP_TOKEN_ENDPOINT="x",
    OIDC_OP_USER_ENDPOINT="x",
    OIDC_RP_CLIENT_ID="x",
    OIDC_RP_CLIENT_SECRET="x",
    OIDC_RP_SIGN_ALGO="RS256",
    OIDC_OP_JWKS_ENDPOINT="x",
)
def test_a_verified_email_matches_an_existing_user_only(db: None) -> None:
    from competence.web.oidc import EmailBackend

    User.objects.create(username="ada", email="Ada@Example.org")
    User.objects.create(username="gone", email="gone@example.org", is_active=False)
    backend = EmailBackend()
    assert [u.username for u in backend.filter_users_by_claims({"email": "ada@example.org"})] == [
        "ada"
    ]
    assert not backend.filter_users_by_claims({"email": "ada@example.org", "email_verified": False})
    assert not backend.filter_users_by_claims({"email": "gone@example.org"})
    assert not backend.filter_users_by_claims({"email": "nobody@example.org"})
