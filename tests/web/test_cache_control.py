"""Nothing the app answers is kept by a browser or a shared cache: pages, downloads and API answers
hold people's ratings and results. Only static files are cacheable."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from competence.services.accounts import create_token
from competence.store import audit
from tests.web import test_authorization
from tests.web.test_authorization import PERSONAS, RULES, World, request, url_patterns

world = test_authorization.world  # the fixture: every kind of user, and a person to ask about


class Recording(Client):
    """A test client that keeps every response it gets."""

    def __init__(self, **defaults: Any) -> None:
        super().__init__(**defaults)
        self.responses: list[Any] = []

    def request(self, **request: Any) -> Any:
        response = super().request(**request)
        self.responses.append(response)
        return response


def directives(response: Any) -> set[str]:
    """The directives' names: ``max-age=0, private`` gives {"max-age", "private"}."""
    found = response.get("Cache-Control", "").split(",")
    return {d.split("=")[0].strip().lower() for d in found if d.strip()}


def to_sign_in(response: Any) -> bool:
    return response.status_code == 302 and str(response["Location"]).startswith("/signin")


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_every_answer_to_a_signed_in_user_is_no_store_and_private(
    world: World, persona: str
) -> None:
    client = Recording()
    who = world.users[persona]
    assert who is not None
    client.force_login(who)
    missing = {}
    assert {pattern for _, pattern in RULES} == set(url_patterns())  # every route is walked
    for method, pattern in RULES:
        if (method, pattern) == ("POST", "signout"):
            continue
        client.responses.clear()
        request(client, method, pattern, world)
        for response in client.responses:
            if not to_sign_in(response) and not {"no-store", "private"} <= directives(response):
                missing[f"{method} /{pattern}"] = response.get("Cache-Control")
    assert missing == {}


def test_answers_to_an_api_token_are_no_store(world: World) -> None:
    member = world.users["member"]
    assert member is not None
    with audit.acting_as("test-setup"):
        _, secret = create_token(member, "reporting")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    for path in (f"/api/v1/people/{world.ada.pk}/results", f"/api/v1/people/{world.ada.pk}"):
        response = client.get(path)
        assert response.status_code == 200
        assert {"no-store", "private"} <= directives(response)


def test_static_files_stay_cacheable(world: World) -> None:
    client = Client()
    client.force_login(world.users["admin"])  # type: ignore[arg-type]
    response = client.get("/static/competence/app.css")
    response.close()
    assert response.status_code == 200
    assert "no-store" not in directives(response)
