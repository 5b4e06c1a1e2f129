"""The domain's one home for each rule: which assessment counts, a team's subtree and PMO, a
team's coverage and single points of failure, disagreement, and the workflow's steps."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competence.domain import Catalogue, review, workflow
from competence.domain.errors import WorkflowError
from competence.domain.team import Targets, coverage, disagreement, single_points_of_failure
from competence.domain.teams import TeamNode, TeamTree
from competence.domain.workflow import Kind, Status

# -- which assessment counts ------------------------------------------------------------------

C2025, C2026 = (dt.date(2025, 1, 6), "2025"), (dt.date(2026, 1, 5), "2026")


def facts(a: tuple[tuple[dt.date, str], str, str]) -> tuple[tuple[dt.date, str], str, str]:
    return a


def test_drafts_never_count_and_agreed_wins_over_a_submitted_self_assessment() -> None:
    own = (C2026, Kind.SELF, Status.SUBMITTED)
    agreed = (C2026, Kind.AGREED, Status.REVIEWED)
    draft = (C2026, Kind.ASSESSOR, Status.DRAFT)
    assert workflow.counting([own, agreed, draft], facts) == agreed
    assert workflow.counting([own, draft], facts) == own
    assert workflow.counting([draft], facts) is None
    assert workflow.counting([], facts) is None


def test_a_later_cycle_counts_unless_it_holds_only_drafts() -> None:
    then = (C2025, Kind.AGREED, Status.SIGNED_OFF)
    assert workflow.counting([then, (C2026, Kind.SELF, Status.SUBMITTED)], facts) == (
        C2026,
        Kind.SELF,
        Status.SUBMITTED,
    )
    assert workflow.counting([then, (C2026, Kind.AGREED, Status.DRAFT)], facts) == then
    assert workflow.counting_per_cycle(
        [(C2026, Kind.SELF, Status.SUBMITTED), then, (C2026, Kind.AGREED, Status.DRAFT)], facts
    ) == [then, (C2026, Kind.SELF, Status.SUBMITTED)]


# -- the workflow's steps ----------------------------------------------------------------------

EXPECTED = {  # (step, kind, status) -> the status after it; anything missing is refused
    ("submit", "self", "draft"): "submitted",
    ("submit", "assessor", "draft"): "submitted",
    ("submit", "agreed", "draft"): "submitted",
    ("review", "self", "submitted"): "reviewed",
    ("review", "assessor", "submitted"): "reviewed",
    ("sign-off", "self", "reviewed"): "signed-off",
    ("sign-off", "assessor", "reviewed"): "signed-off",
    ("sign-off", "agreed", "reviewed"): "signed-off",
    ("withdraw", "self", "submitted"): "draft",
}


@pytest.mark.parametrize("step", list(workflow.STEPS))
@pytest.mark.parametrize("kind", workflow.KINDS)
@pytest.mark.parametrize("status", workflow.STATUSES)
def test_every_step_from_every_status(step: str, kind: str, status: str) -> None:
    expected = EXPECTED.get((step, kind, status))
    if expected is None:
        with pytest.raises(WorkflowError, match="ada, cycle 2026"):
            workflow.step(step, kind, status, "ada, cycle 2026")
    else:
        assert workflow.step(step, kind, status, "ada") == expected


@pytest.mark.parametrize("step", list(workflow.STEPS))
@pytest.mark.parametrize("kind", workflow.KINDS)
@pytest.mark.parametrize("status", workflow.STATUSES)
def test_once_the_review_has_started_only_withdraw_is_refused(
    step: str, kind: str, status: str
) -> None:
    expected = EXPECTED.get((step, kind, status))
    if expected is None or step == "withdraw":
        with pytest.raises(WorkflowError, match="ada, cycle 2026"):
            workflow.step(step, kind, status, "ada, cycle 2026", review_has_started=True)
    else:
        assert workflow.step(step, kind, status, "ada", review_has_started=True) == expected


def test_the_review_starts_with_the_assessors_assessment() -> None:
    assert not workflow.review_started([])
    assert not workflow.review_started([Kind.SELF])
    assert workflow.review_started([Kind.SELF, Kind.ASSESSOR])
    assert workflow.review_started([Kind.AGREED])


@pytest.mark.parametrize(("step", "kind", "who"), [
    ("submit", "self", workflow.PERSON),
    ("submit", "assessor", workflow.REVIEWER),
    ("submit", "agreed", workflow.REVIEWER),
    ("review", "self", workflow.REVIEWER),
    ("review", "assessor", workflow.PERSON),  # two-way: the person reviews the assessor's
    ("sign-off", "self", workflow.REVIEWER),
    ("sign-off", "assessor", workflow.REVIEWER),
    ("sign-off", "agreed", workflow.REVIEWER),
    ("withdraw", "self", workflow.PERSON),
])  # fmt: skip
def test_who_takes_each_step(step: str, kind: str, who: str) -> None:
    assert workflow.STEPS[step].by(kind) == who


@pytest.mark.parametrize(("assessor", "blocked"), [
    (None, None),  # no assessor's ratings: the agreement rests on the self-assessment
    ("draft", "the assessor's ratings are not sent to the person yet"),
    ("submitted", "the person has not answered the assessor's ratings yet"),
    ("reviewed", None),  # answered
    ("signed-off", None),  # refused anyway: the cycle is locked
])  # fmt: skip
def test_agreeing_waits_for_the_person_s_answers(assessor: str | None, blocked: str | None) -> None:
    assert workflow.agree_blocked(assessor) == blocked


def test_every_status_is_in_the_agreement_table_above() -> None:
    assert set(workflow.STATUSES) == {"draft", "submitted", "reviewed", "signed-off"}


def test_the_assessor_s_ratings_are_the_person_s_to_see_once_sent() -> None:
    assert [s for s in workflow.STATUSES if workflow.shared(s)] == [
        "submitted",
        "reviewed",
        "signed-off",
    ]
    assert not workflow.shared(None)


def test_differences_and_answers_on_each_competence() -> None:
    assert review.difference((3, 2), (4, 2)) == (1, 0)
    assert review.difference((3, None), (4, 2)) == (1, None)
    assert review.difference(None, (4, 2)) == (None, None)
    assert review.differs((3, 2), (4, 2))
    assert review.differs(None, (4, 2))
    assert not review.differs((3, 2), (3, 2))
    assert not review.differs((3, 2), None)
    names = {1: "Life cycles", 2: "Governance arrangements", 3: "Sponsorship"}
    given = {2: review.Answer(False, "  I ran the boards  ")}
    assert review.answers({1, 2}, given, names) == {
        1: review.ACCEPTED,
        2: review.Answer(False, "I ran the boards"),
    }
    with pytest.raises(ValueError, match="say what you reply") as raised:
        review.answers(
            {1, 2},
            {
                1: review.Answer(False, " "),
                2: review.Answer(False, "x" * (review.REPLY_LIMIT + 1)),
                3: review.ACCEPTED,
            },
            names,
        )
    with pytest.raises(ValueError, match="rated it differently"):
        review.answers({1, 2}, {1: review.ACCEPTED}, names, differing={2})
    assert review.answers({1, 2}, {2: review.ACCEPTED}, names, differing={2, 3}) == {
        1: review.ACCEPTED,
        2: review.ACCEPTED,
    }
    assert raised.value.args[0] == [
        "Life cycles: say what you reply, or accept the assessor's rating",
        f"Governance arrangements: a reply has at most {review.REPLY_LIMIT} characters",
        "Sponsorship: the assessor did not rate it, so there is nothing to answer",
    ]


def test_only_a_draft_is_editable_and_only_signed_off_is_locked() -> None:
    assert [s for s in workflow.STATUSES if workflow.editable(s)] == ["draft"]
    assert [s for s in workflow.STATUSES if workflow.locked(s)] == ["signed-off"]
    assert [s for s in workflow.STATUSES if not workflow.counts(s)] == ["draft"]


# -- teams ------------------------------------------------------------------------------------


def test_a_subtree_and_a_pmo_at_any_depth() -> None:
    tree = TeamTree.of(
        [
            TeamNode(1, "D", None, pmo_id=10),
            TeamNode(2, "G", 1),
            TeamNode(3, "T", 2),
            TeamNode(4, "S", 3),
            TeamNode(5, "X", 1, pmo_id=11),
            TeamNode(6, "Y", 5),
        ]
    )
    assert tree.path(4) == "D / G / T / S"
    assert tree.find(" D/G / T/ S ") == 4
    assert tree.find("D / Nope") is None
    assert tree.subtree([2]) == {2, 3, 4}
    assert tree.pmo_of(4) == 10
    assert tree.pmo_of(6) == 11  # the nearest PMO above, not the top one
    assert tree.in_pmos([10]) == {1, 2, 3, 4}
    assert tree.in_pmos([11]) == {5, 6}
    assert tree.in_pmos([]) == set()


def test_a_loop_of_parents_is_an_error_not_a_hang() -> None:
    tree = TeamTree.of([TeamNode(1, "A", 2), TeamNode(2, "B", 1)])
    with pytest.raises(ValueError, match="loop"):
        tree.path(1)


@st.composite
def trees(draw: st.DrawFn) -> TeamTree:
    size = draw(st.integers(1, 30))
    nodes = [
        TeamNode(
            i,
            f"t{i}",
            draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None,
            draw(st.one_of(st.none(), st.integers(100, 102))),
        )
        for i in range(size)
    ]
    return TeamTree.of(nodes)


@given(trees(), st.data())
def test_the_subtree_is_every_team_with_the_root_among_its_ancestors(
    tree: TeamTree, data: st.DataObject
) -> None:
    root = data.draw(st.sampled_from(sorted(tree.nodes)))
    by_ancestry = {pk for pk in tree.nodes if root in {n.id for n in tree.ancestry(pk)}}
    assert tree.subtree([root]) == by_ancestry
    for pmo in (100, 101, 102):
        assert tree.in_pmos([pmo]) == {pk for pk in tree.nodes if tree.pmo_of(pk) == pmo}


# -- a team's capability -----------------------------------------------------------------------


def test_coverage_single_points_of_failure_and_what_nobody_meets(catalogue: Catalogue) -> None:
    officer, specialist = catalogue.profile("pmo-officer"), catalogue.profile("pmo-specialist")
    numbers = [c.number for c in catalogue.framework.competences]
    targets = Targets.of(officer, specialist, numbers)
    # Life cycles: officer 3/3, specialist 4/4. Transition management (11): programme only.
    members = [
        ("ada", "programme", {1: (4, 4), 11: (2, 2)}),
        ("grace", "programme", {1: (3, 2)}),
        ("alan", "project", {1: (3, 3), 11: (5, 5)}),
    ]
    figures = coverage(((ctx, levels) for _, ctx, levels in members), targets, numbers)
    assert (figures[1].applies_to, figures[1].rated, figures[1].meets_officer) == (3, 3, 2)
    assert figures[1].at_specialist == 1
    assert not figures[1].exposed
    transition = figures[11]
    assert (transition.applies_to, transition.rated) == (2, 1)  # not alan: project context
    assert transition.meets_officer == 1  # ada's 2/2 meets its 2/2; alan's 5/5 does not count
    assert transition.single_point_of_failure
    assert not transition.uncovered
    assert transition.exposure == "single point of failure"
    alone = dict(single_points_of_failure(members, targets, numbers))
    assert alone[11] == "ada"
    assert 1 not in alone
    assert figures[2].uncovered
    assert figures[2].exposure == "nobody meets the officer target"
    life_cycles_alone = single_points_of_failure(
        [m for m in members if m[0] != "alan"], targets, [1]
    )
    assert life_cycles_alone == [(1, "ada")]


def test_disagreement_is_two_levels_on_an_axis_both_rate() -> None:
    assert disagreement((3, 3), (1, 3))
    assert disagreement((3, 1), (3, 3))
    assert not disagreement((3, 3), (2, 2))
    assert not disagreement((None, 3), (1, 3))
    assert not disagreement(None, (1, 1))


def test_a_team_cannot_move_under_itself_or_a_team_below_it() -> None:
    """D / G / T: D cannot go under D, G or T; T can go anywhere above it, or to the top."""
    tree = TeamTree.of([TeamNode(1, "D", None), TeamNode(2, "G", 1), TeamNode(3, "T", 2)])
    assert [tree.moves_under_itself(1, p) for p in (1, 2, 3)] == [True, True, True]
    assert [tree.moves_under_itself(3, p) for p in (1, 2, None)] == [False, False, False]
    assert tree.moves_under_itself(2, 3)
