"""The team plan page's what-if, and its twin POST /api/v1/team/what-if."""

from __future__ import annotations

import json

from tests.web.conftest import Org, signed_in


def test_a_lead_ticks_who_leaves_and_sees_the_exposure_and_the_way_back(org: Org) -> None:
    lead = signed_in(org.lead)
    form = lead.get("/team/plan").content.decode()
    assert 'name="leaving" value="ada@example.org"' in form
    assert "Ada Lovelace" in form
    answer = lead.post("/team/plan", {"what_if": "1", "leaving": ["ada@example.org"]})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Without 1 person: 2 would stay" in page
    assert "<strong>Lost:</strong> nobody who stays meets the officer target in 1. " in page
    api = lead.post(
        "/api/v1/team/what-if",
        json.dumps({"leaving": ["ada@example.org"]}),
        content_type="application/json",
    )
    assert api.status_code == 200
    data = api.json()
    assert data["leaving"] == ["ada@example.org"]
    assert data["levels_raised"] > 0
    assert f"To recover: {data['levels_raised']} levels raised in all." in page
    assert {c["number"] for c in data["lost"]} == {
        c["number"] for c in data["before"]["coverage"] if c["meets_officer"]
    }
    assert 'value="ada@example.org" checked' in page  # the ticks stay


def test_a_what_if_without_anyone_or_with_a_stranger_says_so(org: Org) -> None:
    lead = signed_in(org.lead)
    empty = lead.post("/team/plan", {"what_if": "1"})
    assert empty.status_code == 422
    assert "tick someone who leaves" in empty.content.decode()
    stranger = lead.post(
        "/api/v1/team/what-if",
        json.dumps({"leaving": ["nobody@example.org"]}),
        content_type="application/json",
    )
    assert stranger.status_code == 422
    assert "nobody@example.org is not among the people you plan for" in stranger.content.decode()
    assert signed_in(org.ada_user).post("/team/plan", {"what_if": "1"}).status_code == 403


def test_a_lead_moves_someone_to_another_team_and_sees_what_it_gains(org: Org) -> None:
    from competence.store.models import Team

    lead = signed_in(org.lead)
    finance, change = (Team.objects.get(name=n).pk for n in ("Finance PMO", "Change"))
    moved = lead.post(
        f"/team/plan?team={finance}",
        {"what_if": "1", "leaving": ["ada@example.org"], "moving_to": str(change)},
    )
    assert moved.status_code == 200
    page = moved.content.decode()
    assert "Without 1 person moving away: 1 would stay" in page
    assert "What Change gains: 1 person before, 2 after" in page
    assert "<strong>Newly covered</strong> at the officer target: 1. Life cycles" in page
    assert f'<option value="{change}" selected>They move to Change</option>' in page
    api = lead.post(
        f"/api/v1/team/what-if?team={finance}",
        json.dumps({"moving": [{"email": "ada@example.org", "team": change}]}),
        content_type="application/json",
    ).json()
    assert api["leaving"] == []
    assert api["moving"] == [{"email": "ada@example.org", "team": change}]
    (there,) = api["destinations"]
    assert there["shown"]
    assert there["path"] == "Change"
    assert there["gained"]
    left = lead.post(
        f"/api/v1/team/what-if?team={finance}",
        json.dumps({"leaving": ["ada@example.org"]}),
        content_type="application/json",
    ).json()
    assert {k: api[k] for k in ("coverage", "lost", "levels_raised")} == {
        k: left[k] for k in ("coverage", "lost", "levels_raised")
    }
