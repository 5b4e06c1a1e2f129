"""The team plan's what-if: the team without those who leave, and the capability planner's
fewest levels raised to cover again what is covered today, which agrees with brute force."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from competence.data import load_catalogue
from competence.domain import Rating
from competence.domain.planning import Need
from competence.errors import InputError
from competence.services import records
from competence.services.planning import what_if
from competence.services.policy import OPERATOR
from competence.services.team_view import choose
from competence.store.models import Cycle, Person
from tests.unit.test_planning import brute_force

RATED = (1, 2, 23)


def test_what_if_agrees_with_brute_force(people: dict[str, Person], cycles: list[Cycle]) -> None:
    officer = load_catalogue().profile("pmo-officer")
    chance = random.Random(14)
    raised = []
    for round_ in range(4):
        levels = {
            who: {n: (chance.randint(0, 5), chance.randint(0, 5)) for n in RATED}
            for who in ("ada", "grace", "alan")
        }
        opens = cycles[1].opens_on + dt.timedelta(days=round_ + 1)
        cycle = Cycle.objects.create(name=f"what-if {round_}", opens_on=opens)
        for who, rated in levels.items():
            records.submit(
                records.record_assessment(
                    people[who], cycle, {n: Rating(*kv) for n, kv in rated.items()}
                )
            )
        leaving = chance.choice(["ada", "grace", "alan"])
        data = what_if(choose(OPERATOR).people, [people[leaving].email])
        assert data["leaving"] == [people[leaving].email]
        assert data["people"] == 2
        # The same needs, built here from the profile: the officer target, among those it
        # applies to, on every competence someone meets it in today.
        everyone = {p.email: (p.context, levels[k]) for k, p in people.items()}
        needs = []
        for n in RATED:
            req = officer.requirement(n)
            assert req is not None
            if any(
                req.applies_in(ctx) and req.target.met_by(*lv[n]) for ctx, lv in everyone.values()
            ):
                staying = {e for e, (ctx, _) in everyone.items() if req.applies_in(ctx)}
                staying.discard(people[leaving].email)
                if staying:
                    needs.append(Need(n, req.target, 1, f"c{n}", frozenset(staying)))
        stay = {e: lv for e, (_, lv) in everyone.items() if e != people[leaving].email}
        assert data["levels_raised"] == brute_force(stay, needs)
        raised.append(data["levels_raised"])
        lost = {c["number"] for c in data["lost"]}
        before = {c["number"] for c in data["before"]["coverage"] if c["meets_officer"]}
        after = {c["number"] for c in data["coverage"] if c["meets_officer"]}
        assert lost == before - after
    assert any(raised), "some round needs levels raised to recover"


def test_what_if_names_whom_it_does_not_know(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    records.record_assessment(people["ada"], cycles[1], {1: Rating(3, 3)}, kind="agreed")
    chosen = choose(OPERATOR, path="Delivery / Finance PMO").people
    with pytest.raises(InputError) as caught:
        what_if(chosen, ["alan@example.org", "nobody@example.org"])
    assert caught.value.problems == [
        "leaving: alan@example.org is not among the people you plan for",
        "leaving: nobody@example.org is not among the people you plan for",
    ]
    with pytest.raises(InputError, match="tick someone who leaves"):
        what_if(chosen, [])
    data = what_if(chosen, ["ADA@example.org"])
    assert data["leaving"] == ["ada@example.org"]
    assert data["people"] == 1


def test_moving_is_leaving_and_the_team_moved_to_gains(
    people: dict[str, Person], cycles: list[Cycle]
) -> None:
    """Grace moves from Finance PMO to Change: for Finance PMO exactly as if she left (the same
    answer, which the brute-force test above checks for leaving); Change comes to cover what
    she meets at the officer target and it did not."""
    from competence.store.models import Team

    rated = {
        "ada": {1: Rating(3, 3)},
        "grace": {1: Rating(3, 3), 23: Rating(3, 3)},
        "alan": {2: Rating(3, 2)},
    }
    for who, ratings in rated.items():
        records.submit(records.record_assessment(people[who], cycles[1], ratings))
    finance = choose(OPERATOR, path="Delivery / Finance PMO").people
    change = Team.objects.get(name="Change")
    left = what_if(finance, [people["grace"].email])
    moved = what_if(finance, [], {people["grace"].email: change.pk}, OPERATOR)
    same = ("people", "coverage", "single_points_of_failure", "uncovered", "lost", "steps")
    assert {k: moved[k] for k in same} == {k: left[k] for k in same}
    assert moved["levels_raised"] == left["levels_raised"]
    assert [c["number"] for c in moved["lost"]] == [23]
    assert moved["leaving"] == []
    assert moved["moving"] == [{"email": people["grace"].email, "team": change.pk}]
    (there,) = moved["destinations"]
    assert (there["path"], there["before"]["people"], there["people"]) == (
        "Delivery / Change",
        1,
        2,
    )
    assert [c["number"] for c in there["gained"]] == [1, 23]
    assert [s["number"] for s in there["before"]["single_points_of_failure"]] == [2]
    assert there["single_points_of_failure_resolved"] == []
    assert {s["number"]: s["name"] for s in there["single_points_of_failure"]} == {
        1: "Grace Hopper",
        2: "Alan Turing",
        23: "Grace Hopper",
    }
    # Someone who may not see the team moved to learns nothing of it.
    (hidden,) = what_if(finance, [], {people["grace"].email: change.pk}, None)["destinations"]
    assert hidden["shown"] is False
    assert hidden["path"] is None
    assert "gained" not in hidden
