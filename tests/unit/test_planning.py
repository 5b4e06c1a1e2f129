"""The capability planner is exact: it agrees with brute force on small random teams."""

from __future__ import annotations

from itertools import product

from hypothesis import given
from hypothesis import strategies as st

from competence.domain.framework import Target
from competence.domain.planning import Need, _meets, plan

levels = st.tuples(st.integers(0, 5), st.integers(0, 5))
targets = st.builds(Target, st.integers(1, 5), st.integers(1, 5))


@st.composite
def teams(draw: st.DrawFn) -> tuple[dict[str, dict[int, tuple[int, int]]], list[Need]]:
    names = [f"p{i}" for i in range(draw(st.integers(1, 3)))]
    people = {n: {c: draw(levels) for c in (1, 2)} for n in names}
    needs = [
        Need(
            draw(st.sampled_from([1, 2])),
            draw(targets),
            draw(st.integers(1, len(names))),
            f"need {i}",
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    return people, needs


def raises(level: tuple[int, int]) -> list[tuple[int, int]]:
    """Every level a person could be raised to, on both axes, from where they stand."""
    k, a = level
    return [(k2, a2) for k2 in range(k, 6) for a2 in range(a, 6)]


def brute_force(people: dict[str, dict[int, tuple[int, int]]], needs: list[Need]) -> int:
    """The fewest levels raised, by trying every combination of raises for each competence."""
    total = 0
    for competence in {n.competence for n in needs}:
        wanted = [n for n in needs if n.competence == competence]
        names = sorted(people)
        now = [people[p][competence] for p in names]
        best = min(
            sum(k2 - k + a2 - a for (k, a), (k2, a2) in zip(now, picked, strict=True))
            for picked in product(*(raises(level) for level in now))
            if all(sum(_meets(t, n.target) for t in picked) >= n.at_least for n in wanted)
        )
        total += best
    return total


@given(teams())
def test_the_planner_finds_the_fewest_levels(
    team: tuple[dict[str, dict[int, tuple[int, int]]], list[Need]],
) -> None:
    people, needs = team
    result = plan(people, needs)
    assert result.unmet == []
    assert result.levels == brute_force(people, needs)
    raised = {p: dict(levels) for p, levels in people.items()}
    for step in result.steps:
        k, a = raised[step.person][step.competence]
        raised[step.person][step.competence] = (
            (step.level_to, a) if step.axis == "knowledge" else (k, step.level_to)
        )
    for need in needs:
        assert sum(_meets(raised[p][need.competence], need.target) for p in raised) >= (
            need.at_least
        )


def test_a_need_for_more_people_than_the_team_has_is_reported() -> None:
    result = plan({"ada": {1: (1, 1)}}, [Need(1, Target(4, 4), 2, "2 specialists in life cycles")])
    assert result.unmet == ["2 specialists in life cycles: needs 2 people, but only 1 can count"]
    assert result.steps == []


def test_the_closest_people_come_first() -> None:
    people = {"ada": {23: (4, 3)}, "grace": {23: (1, 1)}, "alan": {23: (4, 4)}}
    result = plan(people, [Need(23, Target(4, 4), 2, "schedule")])
    assert result.closest["schedule"][:2] == [("alan", 0), ("ada", 1)]
    assert [(s.person, s.axis, s.level_from, s.level_to) for s in result.steps] == [
        ("ada", "application", 3, 4)
    ]
