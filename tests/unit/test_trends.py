"""Capability over time, the pure part: shares per competence and axis, profiles met per cycle,
and who moved, on members whose answers are known by construction."""

from __future__ import annotations

from competence.data import load_catalogue
from competence.domain.trends import Member, cycle_figures, trend

CATALOGUE = load_catalogue()
NUMBERS = [c.number for c in CATALOGUE.framework.competences]


def everything(k: int | None, a: int | None) -> dict[int, tuple[int | None, int | None]]:
    return {n: (k, a) for n in NUMBERS}


def test_shares_count_each_axis_against_the_officer_and_specialist_targets() -> None:
    # Life cycles (1): officer 3/3, specialist 4/4; portfolio shaping (6) is portfolio only.
    members = [
        Member(1, "programme", {1: (4, 3)}),  # knowledge at specialist, application officer
        Member(2, "programme", {1: (3, None)}),  # application not rated: counts as 0
        Member(3, "portfolio", {1: (2, 5), 6: (1, 1)}),
        Member(4, "programme", {}),
    ]
    figures = cycle_figures("2026", members, CATALOGUE, NUMBERS)
    shares = {(s.number, s.axis): s for s in figures.shares}
    knowledge, application = shares[(1, "knowledge")], shares[(1, "application")]
    assert (knowledge.applies_to, knowledge.meets_officer, knowledge.at_specialist) == (4, 2, 1)
    assert (application.applies_to, application.meets_officer, application.at_specialist) == (
        4,
        2,
        1,
    )
    assert knowledge.share_officer == 0.5
    assert knowledge.share_specialist == 0.25
    assert shares[(6, "knowledge")].applies_to == 1  # the portfolio member only
    assert shares[(6, "knowledge")].share_officer == 1.0
    assert figures.people == 4
    assert (figures.meets_officer, figures.meets_specialist) == (0, 0)


def test_profiles_met_per_cycle_and_who_moved_between_two() -> None:
    top, low = everything(5, 5), everything(0, 0)
    before = [
        Member(1, "project", low),
        Member(2, "project", everything(1, 1)),
        Member(3, "project", low),
    ]
    raised = {**low, 1: (5, None)}
    after = [Member(1, "project", top), Member(2, "project", low), Member(3, "project", raised),
             Member(4, "project", top)]  # fmt: skip
    found = trend([("2025", before), ("2026", after)], CATALOGUE, NUMBERS)
    assert [(c.cycle, c.people, c.meets_officer, c.meets_specialist) for c in found.cycles] == [
        ("2025", 3, 0, 0),
        ("2026", 4, 2, 2),
    ]
    assert found.compared == ("2025", "2026")
    assert found.both == 3  # person 4 has no result in 2025
    by_person = {m.person: m for m in found.moves}
    assert set(by_person) == {1, 2, 3}
    assert by_person[1].direction == "up"
    assert by_person[1].verdicts == {"pmo-officer": "gained", "pmo-specialist": "gained"}
    assert len(by_person[1].rose) == 2 * len(NUMBERS)
    assert not by_person[1].fell
    assert by_person[2].direction == "down"
    assert by_person[2].verdicts == {}
    assert [c.as_dict() for c in by_person[3].rose] == [
        {"number": 1, "axis": "knowledge", "from": 0, "to": 5}
    ]


def test_one_cycle_has_no_moves_and_a_pair_can_be_chosen() -> None:
    one = [Member(1, "project", everything(1, 1))]
    assert trend([("2024", one)], CATALOGUE, NUMBERS).compared is None
    three = [("2024", one), ("2025", one), ("2026", [Member(1, "project", everything(2, 2))])]
    found = trend(three, CATALOGUE, NUMBERS, pair=("2024", "2025"))
    assert found.compared == ("2024", "2025")
    assert found.moves == ()
