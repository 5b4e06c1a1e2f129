"""A second view (optional 360): an admin invites other raters for a person in a cycle, each
rater gives their own ratings, and the person's reviewer sees them beside the self-assessment,
anonymous below three given views and never counted in a verdict."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client

from competence.domain import Rating
from competence.domain.second_views import View, named, shown
from competence.services import privacy, records, second_views
from competence.store import audit
from competence.store.models import SecondView
from tests.web.conftest import Org, hashed, signed_in

pytestmark = pytest.mark.db


def test_raters_are_named_only_from_three_given_views() -> None:
    views = [
        View("Zoe", "peer", {1: Rating(3, 2)}),
        View("Al", "project-manager", {1: Rating(1, 1)}),
    ]
    assert [s.label for s in shown(views, may_name=True)] == ["Peer", "Project manager"]
    views.append(View("Bea", "peer", {1: Rating(2, 2)}))
    assert named(3)
    assert not named(2)
    assert [s.label for s in shown(views, may_name=True)] == ["Al", "Bea", "Zoe"]
    # Anonymous, the order follows the ratings, not the invitations: "Peer 1" is the lower.
    anonymous = shown(views, may_name=False)
    assert [(s.label, s.ratings[1]) for s in anonymous] == [
        ("Peer 1", Rating(2, 2)),
        ("Peer 2", Rating(3, 2)),
        ("Project manager", Rating(1, 1)),
    ]
    assert shown(list(reversed(views)), may_name=False) == anonymous


def _raters(*names: str) -> list[User]:
    return [
        User.objects.create(username=n, email=f"{n}@example.org", password=hashed()) for n in names
    ]


@pytest.fixture
def reviewer(org: Org) -> Client:
    """Grace, Ada's assessor, signed in."""
    org.grace_user.groups.add(Group.objects.get_or_create(name="assessor")[0])
    return signed_in(org.grace_user)


def _give(rater: User, levels: dict[int, tuple[int, int]], give: bool = True) -> int:
    client = signed_in(rater)
    (asked,) = client.get("/api/v1/second-views").json()
    answer = client.put(
        f"/api/v1/second-views/{asked['id']}",
        json.dumps(
            {
                "ratings": [
                    {"competence": n, "knowledge": k, "application": a}
                    for n, (k, a) in levels.items()
                ],
                "give": give,
            }
        ),
        content_type="application/json",
    )
    return answer.status_code


def test_an_invited_peer_gives_a_view_the_assessor_sees_beside_the_self_assessment(
    org: Org, reviewer: Client, django_capture_on_commit_callbacks: Any
) -> None:
    (peer,) = _raters("pat")
    admin = signed_in(org.lead)
    with django_capture_on_commit_callbacks(execute=True):  # the email goes once it commits
        page = admin.post(
            f"/people/{org.ada.pk}/raters",
            {"action": "invite", "rater": "pat", "relation": "peer"},
        )
    assert page.status_code == 302
    (email,) = [m for m in mail.outbox if m.to == ["pat@example.org"]]
    assert "Ada Lovelace" in email.subject
    view = SecondView.objects.get()
    assert f"/raters/{view.pk}" in email.body

    rater = signed_in(peer)
    assert "Ada Lovelace" in rater.get("/raters").content.decode()
    form = rater.get(f"/raters/{view.pk}").content.decode()
    assert 'name="knowledge-1"' in form
    assert 'name="application-29"' in form
    given = rater.post(
        f"/raters/{view.pk}", {"knowledge-1": "4", "application-1": "2", "action": "give"}
    )
    assert given.status_code == 302
    view.refresh_from_db()
    assert view.status == "given"
    assert view.ratings == {"1": {"knowledge": 4, "application": 2}}

    review = reviewer.get(f"/people/{org.ada.pk}/review").content.decode()
    assert "1 other rater gave a view" in review
    assert "anonymous" in review
    assert re.search(r"Peer: knowledge 4 · application 2", review)
    assert "pat" not in review
    seen = reviewer.get(f"/api/v1/people/{org.ada.pk}/second-views").json()
    assert seen["named"] is False
    assert seen["given"] == 1
    assert seen["views"] == [
        {
            "rater": "Peer",
            "relation": "peer",
            "ratings": [{"competence": 1, "knowledge": 4, "application": 2}],
        }
    ]


def test_a_second_view_never_changes_a_verdict(org: Org) -> None:
    """Only the agreed assessment decides: raters who rate Ada at the top on everything leave
    her results, verdicts and reasons exactly as they were."""
    admin = signed_in(org.lead)
    before = admin.get(f"/api/v1/people/{org.ada.pk}/results").json()
    with audit.acting_as("test"):
        for rater in _raters("pat", "sam", "kim"):
            second_views.invite(org.ada, rater.username, "peer")
    for rater in User.objects.filter(username__in=["pat", "sam", "kim"]):
        assert _give(rater, {n: (5, 5) for n in range(1, 30)}) == 200
    assert admin.get(f"/api/v1/people/{org.ada.pk}/results").json() == before


def test_names_are_shown_to_the_reviewer_from_the_third_view_and_never_to_the_person(
    org: Org, reviewer: Client
) -> None:
    raters = _raters("pat", "sam", "kim")
    with audit.acting_as("test"):
        for r in raters:
            second_views.invite(org.ada, r.username, "peer")
    for r in raters[:2]:
        _give(r, {1: (3, 3)})
    assert reviewer.get(f"/api/v1/people/{org.ada.pk}/second-views").json()["named"] is False
    _give(raters[2], {1: (2, 2)})
    seen = reviewer.get(f"/api/v1/people/{org.ada.pk}/second-views").json()
    assert seen["named"] is True
    assert [v["rater"] for v in seen["views"]] == ["kim", "pat", "sam"]
    ada = signed_in(org.ada_user)
    assert ada.get(f"/api/v1/people/{org.ada.pk}/second-views").status_code == 403
    assert ada.get(f"/people/{org.ada.pk}/raters").status_code == 403
    assert "Other views" not in ada.get(f"/people/{org.ada.pk}").content.decode()
    # A rater sees their own view, not another's.
    other = SecondView.objects.get(rater=raters[1])
    assert signed_in(raters[0]).get(f"/raters/{other.pk}").status_code == 403
    assert signed_in(raters[0]).get(f"/api/v1/second-views/{other.pk}").status_code == 403


def test_an_invitation_is_refused_with_its_reason_and_nothing_is_kept(org: Org) -> None:
    _raters("pat")
    admin = signed_in(org.lead)
    url = f"/people/{org.ada.pk}/raters"
    for rater, relation, said in (
        ("nobody", "peer", "no active user whose user name or email is"),
        ("ada", "peer", "their view is the self-assessment"),
        ("grace", "peer", "assessor: their view is the assessor"),
        ("pat", "boss", "is not one of peer"),
    ):
        page = admin.post(url, {"action": "invite", "rater": rater, "relation": relation})
        assert page.status_code == 422
        assert said.casefold() in page.content.decode().replace("&#x27;", "'").casefold(), rater
        assert 'aria-invalid="true"' in page.content.decode()
    assert not SecondView.objects.exists()
    assert admin.post(url, {"action": "invite", "rater": "pat@example.org", "relation": "peer"})
    again = admin.post(url, {"action": "invite", "rater": "pat", "relation": "peer"})
    assert again.status_code == 422
    assert "invited already" in again.content.decode()
    assert SecondView.objects.count() == 1


def test_a_signed_off_cycle_takes_no_more_views_and_erasure_removes_them(org: Org) -> None:
    (pat,) = _raters("pat")
    cycle = org.cycles[1]
    with audit.acting_as("test"):
        second_views.invite(org.ada, "pat", "project-manager")
        records.record_assessment(org.ada, cycle, {1: Rating(3, 3)})
        records.submit(records.assessment_of(org.ada, cycle, "self"))  # type: ignore[arg-type]
        records.sign_off(records.agree(org.ada, cycle))
    assert _give(pat, {1: (3, 3)}) == 409
    assert SecondView.objects.get().ratings == {}
    with audit.acting_as("test"):
        privacy.erase("ada@example.org")
    assert not SecondView.objects.exists()


def test_the_command_line_invites_lists_shows_and_removes(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    from competence.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    _raters("pat", "sam", "kim")
    for name, relation in (("pat", "peer"), ("sam", "line-manager"), ("kim", "peer")):
        code, _, said = run("raters", "invite", "ada@example.org", name, "--relation", relation)
        assert code == 0
        assert "is asked for their view of Ada Lovelace" in said
    code, out, _ = run("raters", "list", "ada@example.org", "--json")
    assert [v["rater"] for v in json.loads(out)] == ["pat", "sam", "kim"]
    for name in ("pat", "sam", "kim"):
        _give(User.objects.get(username=name), {2: (1, 2)})
    code, out, _ = run("raters", "views", "ada@example.org", "--json")
    assert json.loads(out)["named"] is True  # the operator is an admin, and three gave one
    code, out, _ = run("raters", "views", "ada@example.org")
    assert code == 0
    assert "kim" in out
    assert "1/2" in out
    code, _, said = run("raters", "invite", "ada@example.org", "pat")
    assert code == 2
    assert "invited already" in said
    first = SecondView.objects.order_by("id").first()
    assert first is not None
    code, _, _ = run("raters", "remove", str(first.pk))
    assert code == 0
    assert SecondView.objects.count() == 2


def test_the_persons_own_data_holds_the_views_of_them_without_the_raters_names(org: Org) -> None:
    """A person's download of their data has what others rated them, by relation only; the
    audit entries about them never name a rater either."""
    (pat,) = _raters("pat")
    with audit.acting_as("test"):
        second_views.invite(org.ada, "pat", "peer")
    _give(pat, {3: (2, 4)})
    mine = privacy.personal_data(org.ada)
    assert mine["second_views"] == [
        {
            "cycle": "2026",
            "rater": "Peer",
            "relation": "peer",
            "ratings": [{"competence": 3, "knowledge": 2, "application": 4}],
        }
    ]
    assert "pat" not in json.dumps(mine)
    given = privacy.personal_data(org.ada)["second_views_given"]
    assert given == []
    assert [v["person"]["name"] for v in second_views.given_by_data(pat)] == ["Ada Lovelace"]
