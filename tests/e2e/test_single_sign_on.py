"""Single sign-on: off by default; set by COMPETENCE_OIDC_*, with discovery from the issuer.

A fake OpenID Connect provider runs on the loopback address: discovery, an RS256-signed ID
token, its key set and the user information. The server runs as `competence serve`, and the tests
go through the whole code flow, as a browser would, with the claims each test chooses.
"""

from __future__ import annotations

import functools
import http.client
import http.cookiejar
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import User

from competence.config import Config
from competence.errors import InputError
from competence.services.single_sign_on import user_for_identity
from competence.store.models import AuditEntry, SingleSignOn
from tests.serving import serving

SCRIPT = Path(sys.executable).parent / "competence"
CLIENT_ID = "competence"
SECRET_KEY = "a-test-secret-key-that-is-long-enough-for-django-0123"


class Provider(HTTPServer):
    """The provider's state: its signing key, and what each authorization code stands for."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ProviderHandler)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.grants: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}  # code: token, claims

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class ProviderHandler(BaseHTTPRequestHandler):
    server: Provider

    def answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        base = self.server.issuer
        if self.path == "/.well-known/openid-configuration":
            self.answer(
                200,
                {
                    "issuer": base,
                    "authorization_endpoint": f"{base}/authorize",
                    "token_endpoint": f"{base}/token",
                    "userinfo_endpoint": f"{base}/userinfo",
                    "jwks_uri": f"{base}/jwks",
                },
            )
        elif self.path == "/jwks":
            key = jwt.algorithms.RSAAlgorithm.to_jwk(self.server.key.public_key(), as_dict=True)
            self.answer(200, {"keys": [{**key, "kid": "test", "alg": "RS256", "use": "sig"}]})
        elif self.path == "/userinfo":
            code = self.headers.get("Authorization", "").removeprefix("Bearer ")
            grant = self.server.grants.get(code)
            self.answer(200, grant[1]) if grant else self.answer(401, {"error": "invalid_token"})
        else:
            self.answer(404, {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        grant = self.server.grants.get(form.get("code", [""])[0])
        if self.path != "/token" or grant is None or form.get("client_id") != [CLIENT_ID]:
            self.answer(400, {"error": "invalid_grant"})
            return
        id_token = jwt.encode(grant[0], self.server.key, algorithm="RS256", headers={"kid": "test"})
        self.answer(
            200, {"id_token": id_token, "access_token": form["code"][0], "token_type": "Bearer"}
        )

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    server = Provider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def issuer(provider: Provider) -> str:
    return provider.issuer


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


@dataclass
class App:
    url: str
    database: Path
    provider: Provider
    sign_ins: int = 0

    def links(self) -> list[tuple[str, str]]:
        """(user name, subject) of every stored single sign-on identity."""
        with sqlite3.connect(self.database) as db:
            return db.execute(
                "SELECT u.username, s.subject FROM competence_singlesignon s "
                "JOIN auth_user u ON u.id = s.user_id ORDER BY s.id"
            ).fetchall()

    def sign_in(
        self, code: str, claims: dict[str, Any], token: dict[str, Any] | None = None
    ) -> str:
        """Go through the code flow with the provider answering ``claims``; return the name of
        the user signed in afterwards, or "" when no one is."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object) -> None:
                return None

        # Each sign-in comes from an address of its own: failed ones count towards the pause of
        # sign-in from one address, which other tests check.
        self.sign_ins += 1
        source = (f"127.0.{self.sign_ins // 250}.{self.sign_ins % 250 + 2}", 0)

        class FromSource(urllib.request.HTTPHandler):
            def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                connection = functools.partial(http.client.HTTPConnection, source_address=source)
                return self.do_open(connection, req)

        opener = urllib.request.build_opener(
            FromSource, NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

        def status_and_location(url: str) -> tuple[int, str]:
            try:
                with opener.open(url) as response:
                    return response.status, ""
            except urllib.error.HTTPError as answer:
                answer.close()
                return answer.code, answer.headers.get("Location", "")

        status, location = status_and_location(f"{self.url}/oidc/authenticate/")
        assert status == 302
        query = parse_qs(urlsplit(location).query)
        now = int(time.time())
        self.provider.grants[code] = (
            {
                "iss": self.provider.issuer,
                "aud": CLIENT_ID,
                "sub": claims.get("sub"),
                "nonce": query["nonce"][0],
                "iat": now,
                "exp": now + 300,
                **(token or {}),
            },
            claims,
        )
        callback = urlencode({"code": code, "state": query["state"][0]})
        assert status_and_location(f"{self.url}/oidc/callback/?{callback}")[0] == 302
        try:
            with opener.open(f"{self.url}/framework") as response:
                found = re.search(r"Sign out (\S+)</button>", response.read().decode())
        except urllib.error.HTTPError as answer:  # a redirect to the sign-in page
            answer.close()
            return ""
        assert found, "a page for a signed-in user names them"
        return found.group(1)


def competence(env: dict[str, str], *args: str, stdin: str = "") -> None:
    done = subprocess.run(
        [str(SCRIPT), *args], input=stdin, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def app(provider: Provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    home = tmp_path_factory.mktemp("sso")
    database = home / "sso.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COMPETENCE_")},
        "XDG_DATA_HOME": str(home),
        "PYTHONUNBUFFERED": "1",
        "COMPETENCE_OIDC_CLIENT_ID": CLIENT_ID,
        "COMPETENCE_OIDC_CLIENT_SECRET": "s3cret",
        "COMPETENCE_OIDC_ISSUER": provider.issuer,
        "COMPETENCE_DATABASE_URL": f"sqlite:///{database}",
        "COMPETENCE_SECRET_KEY": SECRET_KEY,
    }
    with serving(env) as served:
        for name, role in (("boss", "admin"), ("ada", "member")):  # the server made the tables
            email = f"{name}@example.org"
            create = ["user", "create", name, "--role", role, "--email", email, "--password-stdin"]
            competence(env, *create, stdin="a long test password\n")
        yield App(served.url, database, provider)


def test_the_server_sends_people_to_the_provider(app: App) -> None:
    with urllib.request.urlopen(f"{app.url}/signin") as response:
        page = response.read().decode()
    assert "Sign in with single sign-on" in page

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(f"{app.url}/oidc/authenticate/")
    assert answer.value.code == 302
    target = urlsplit(answer.value.headers["Location"])
    answer.value.close()
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{app.provider.issuer}/authorize"
    assert parse_qs(target.query)["client_id"] == ["competence"]


MISSING = object()
NOT_VERIFIED = [MISSING, False, "false", "true", 0, 1]


@pytest.mark.parametrize(
    "verified", NOT_VERIFIED, ids=lambda v: "missing" if v is MISSING else repr(v)
)
def test_an_email_that_is_not_verified_signs_no_one_in(app: App, verified: object) -> None:
    """Only JSON true is verified: missing, false, "false", "true", 0 and 1 are not."""
    claims: dict[str, Any] = {"sub": f"attacker-{verified!r}", "email": "boss@example.org"}
    if verified is not MISSING:
        claims["email_verified"] = verified
    assert app.sign_in(f"code-{verified!r}", claims) == ""
    assert ("boss", claims["sub"]) not in app.links()


def test_a_verified_email_links_the_identity_and_then_the_identity_signs_in(app: App) -> None:
    verified = {"sub": "ada-at-idp", "email": "ADA@example.org", "email_verified": True}
    assert app.sign_in("ada-1", verified) == "ada"
    assert ("ada", "ada-at-idp") in app.links()
    # The linked identity signs Ada in even if the provider stops saying the email is verified,
    # or gives her another address.
    assert app.sign_in("ada-2", {"sub": "ada-at-idp", "email": "ada@elsewhere.example"}) == "ada"
    # Another identity with Ada's verified address is not Ada.
    other = {"sub": "someone-else", "email": "ada@example.org", "email_verified": True}
    assert app.sign_in("ada-3", other) == ""


def test_an_admin_is_not_taken_over_by_an_unverified_email(app: App) -> None:
    for number, verified in enumerate(NOT_VERIFIED):
        claims: dict[str, Any] = {"sub": f"taker-{number}", "email": "boss@example.org"}
        if verified is not MISSING:
            claims["email_verified"] = verified
        assert app.sign_in(f"taker-{number}", claims) == ""
    assert app.sign_in("boss-1", {"sub": "boss-at-idp", "email": "boss@example.org",
                                  "email_verified": True}) == "boss"  # fmt: skip
    # Once linked, neither an unverified nor a verified claim of the address from another
    # identity signs in as the admin.
    for number, verified in enumerate([*NOT_VERIFIED, True]):
        claims = {"sub": f"late-taker-{number}", "email": "boss@example.org"}
        if verified is not MISSING:
            claims["email_verified"] = verified
        assert app.sign_in(f"late-taker-{number}", claims) == ""
    assert [sub for name, sub in app.links() if name == "boss"] == ["boss-at-idp"]


def test_user_information_about_another_subject_is_not_used(app: App) -> None:
    claims = {"sub": "ada-at-idp", "email": "ada@example.org", "email_verified": True}
    assert app.sign_in("mixed", claims, token={"sub": "not-ada"}) == ""


# -- the rule itself, in process (SQLite and PostgreSQL) -----------------------------------------

ISSUER = "https://login.example.org"


def test_the_first_verified_sign_in_links_and_later_ones_match_the_subject(db: None) -> None:
    ada = User.objects.create(username="ada", email="Ada@Example.org")
    User.objects.create(username="gone", email="gone@example.org", is_active=False)
    for value in (None, False, "false", "true", 0, 1):
        claims = {"sub": "s-ada", "email": "ada@example.org", "email_verified": value}
        assert user_for_identity(ISSUER, claims) is None
    assert not SingleSignOn.objects.exists()
    verified = {"sub": "s-ada", "email": "ada@example.org", "email_verified": True}
    assert user_for_identity(ISSUER, verified) == ada  # audited as Ada's own doing
    assert AuditEntry.objects.get(model="SingleSignOn").actor == "ada"
    link = SingleSignOn.objects.get()
    assert (link.user, link.issuer, link.subject) == (ada, ISSUER, "s-ada")
    assert user_for_identity(ISSUER, {"sub": "s-ada"}) == ada  # by subject, no email needed
    assert user_for_identity("https://other.example.org", {"sub": "s-ada"}) is None
    taker = {"sub": "s-other", "email": "ada@example.org", "email_verified": True}
    assert user_for_identity(ISSUER, taker) is None  # Ada is linked to another subject
    gone = {"sub": "s-gone", "email": "gone@example.org", "email_verified": True}
    assert user_for_identity(ISSUER, gone) is None
    assert user_for_identity(ISSUER, {"email": "ada@example.org", "email_verified": True}) is None
    ada.is_active = False
    ada.save()
    assert user_for_identity(ISSUER, {"sub": "s-ada"}) is None  # a disabled user stays out
