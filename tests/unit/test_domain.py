"""The verdict engine: per-competence results, the officer rule and the specialist rule."""

from __future__ import annotations

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from competence.data import load_catalogue
from competence.domain import CONTEXTS, Catalogue, Rating, assess, label_for
from competence.errors import InputError


def targets(catalogue: Catalogue, profile_id: str, context: str) -> dict[int, Rating]:
    """Ratings exactly at a profile's targets for every requirement that applies."""
    profile = catalogue.profile(profile_id)
    return {
        n: Rating(r.target.knowledge, r.target.application)
        for n, r in profile.requirements.items()
        if r.applies_in(context)
    }


def officer_level(catalogue: Catalogue, context: str = "programme") -> dict[int, Rating]:
    return targets(catalogue, "pmo-officer", context)


def with_(ratings: dict[int, Rating], **changes: tuple[int, int]) -> dict[int, Rating]:
    numbers = {"life_cycles": 1, "governance": 2, "stakeholders": 13, "schedule": 23, "risk": 28}
    out = dict(ratings)
    for name, (k, a) in changes.items():
        out[numbers[name]] = Rating(k, a)
    return out


# -- labels and per-competence results -------------------------------------------------------


@pytest.mark.parametrize(
    ("shortfall", "label"), [(0, "met"), (1, "top-up"), (2, "gap"), (5, "gap")]
)
def test_gap_labels(shortfall: int, label: str) -> None:
    assert label_for(shortfall) == label


def test_result_per_axis_with_not_rated_counting_as_zero(catalogue: Catalogue) -> None:
    verdict = assess(catalogue, "pmo-specialist", "programme", {1: Rating(4, None)})
    result = verdict.result(1).as_dict()
    assert result == {
        "number": 1,
        "slug": "life-cycles",
        "name": "Life cycles",
        "applicable": True,
        "target": {"knowledge": 4, "application": 4},
        "actual": {"knowledge": 4, "application": None},
        "gap": {"knowledge": 0, "application": 4},
        "met": False,
        "label": "gap",
    }
    assert verdict.result(3).as_dict()["actual"] is None


def test_a_competence_that_does_not_apply_has_no_met_gap_or_label(catalogue: Catalogue) -> None:
    verdict = assess(catalogue, "pmo-officer", "project", {11: Rating(0, 0)})
    result = verdict.result(11).as_dict()
    assert result["applicable"] is False
    assert result["target"] == {"knowledge": 2, "application": 2}
    assert (result["met"], result["gap"], result["label"]) == (None, None, None)
    assert result["actual"] == {"knowledge": 0, "application": 0}


def test_contexts_follow_each_table_literally(catalogue: Catalogue) -> None:
    officer = {c: assess(catalogue, "pmo-officer", c, {}) for c in CONTEXTS}
    specialist = {c: assess(catalogue, "pmo-specialist", c, {}) for c in CONTEXTS}
    assert [officer[c].result(6).applicable for c in CONTEXTS] == [False, False, True]
    assert [specialist[c].result(6).applicable for c in CONTEXTS] == [True, True, True]
    for n in (11, 25):
        assert [officer[c].result(n).applicable for c in CONTEXTS] == [False, True, False]
        assert [specialist[c].result(n).applicable for c in CONTEXTS] == [False, True, False]


# -- the officer profile ---------------------------------------------------------------------


@pytest.mark.parametrize("context", CONTEXTS)
def test_officer_met_at_exactly_the_targets(catalogue: Catalogue, context: str) -> None:
    verdict = assess(catalogue, "pmo-officer", context, officer_level(catalogue, context))
    assert verdict.meets_profile
    assert verdict.missing == ()
    applicable = 29 - (2 if context != "programme" else 0) - (1 if context != "portfolio" else 0)
    assert verdict.reasons[0] == (
        f"Meets the PMO officer profile in the {context} context: "
        f"all {applicable} requirements that apply are met"
    )


def test_officer_not_met_says_which_axis_and_by_how_much(catalogue: Catalogue) -> None:
    ratings = with_(officer_level(catalogue), governance=(3, 1))
    verdict = assess(catalogue, "pmo-officer", "programme", ratings)
    assert not verdict.meets_profile
    assert "Governance arrangements: application 1, the PMO officer profile needs 2" in (
        verdict.reasons
    )
    assert [m.as_dict() for m in verdict.missing] == [
        {
            "number": 2,
            "slug": "governance-arrangements",
            "axis": "application",
            "target": 2,
            "actual": 1,
        }
    ]


def test_officer_in_project_context_ignores_programme_only_competences(
    catalogue: Catalogue,
) -> None:
    ratings = officer_level(catalogue, "project")
    assert 11 not in ratings
    assert 25 not in ratings
    assert assess(catalogue, "pmo-officer", "project", ratings).meets_profile
    assert not assess(catalogue, "pmo-officer", "programme", ratings).meets_profile


def test_unknown_profile_and_context_are_input_errors(catalogue: Catalogue) -> None:
    with pytest.raises(InputError, match="unknown profile 'pmo-boss'"):
        assess(catalogue, "pmo-boss", "project", {})
    with pytest.raises(InputError, match="unknown context 'team'"):
        assess(catalogue, "pmo-officer", "team", {})


# -- the specialist profile ------------------------------------------------------------------


def specialist_ready(catalogue: Catalogue) -> dict[int, Rating]:
    return with_(officer_level(catalogue), life_cycles=(4, 4), governance=(4, 4), schedule=(4, 4))


def test_specialist_met_with_officer_plus_life_cycles_governance_and_one_specialism(
    catalogue: Catalogue,
) -> None:
    verdict = assess(catalogue, "pmo-specialist", "programme", specialist_ready(catalogue))
    assert verdict.meets_profile
    assert verdict.missing == ()
    assert [c.number for c in verdict.specialisms_met or ()] == [23]
    assert "Specialism at PMO specialist level: Schedule management (4/4)" in verdict.reasons
    # Raised rows that are not conditions (benefits, leadership...) stay targets to show.
    assert verdict.result(12).label == "top-up"


def test_specialist_needs_governance_at_specialist_level(catalogue: Catalogue) -> None:
    ratings = with_(specialist_ready(catalogue), governance=(4, 3))
    verdict = assess(catalogue, "pmo-specialist", "programme", ratings)
    assert not verdict.meets_profile
    assert verdict.base is not None
    assert verdict.base.meets_profile
    assert "Governance arrangements: application 3, the PMO specialist profile needs 4" in (
        verdict.reasons
    )
    assert [m.as_dict() for m in verdict.missing] == [
        {
            "number": 2,
            "slug": "governance-arrangements",
            "axis": "application",
            "target": 4,
            "actual": 3,
        }
    ]


def test_specialist_needs_life_cycles_at_specialist_level(catalogue: Catalogue) -> None:
    ratings = with_(specialist_ready(catalogue), life_cycles=(3, 3))
    verdict = assess(catalogue, "pmo-specialist", "programme", ratings)
    assert not verdict.meets_profile
    assert {(m.competence.number, m.axis) for m in verdict.missing} == {
        (1, "knowledge"),
        (1, "application"),
    }


def test_specialist_needs_a_deciding_specialism_and_names_the_closest(
    catalogue: Catalogue,
) -> None:
    ratings = with_(specialist_ready(catalogue), schedule=(3, 3), risk=(4, 3))
    verdict = assess(catalogue, "pmo-specialist", "programme", ratings)
    assert not verdict.meets_profile
    assert verdict.specialisms_met == ()
    closest = [d.as_dict() for d in verdict.closest_specialisms or ()]
    assert closest[0] == {"number": 28, "slug": "risk-and-issue-management", "levels_short": 1}
    assert [d["levels_short"] for d in closest] == sorted(d["levels_short"] for d in closest)
    assert {d["number"] for d in closest} == {5, 8, 9, 10, 23, 26, 28, 29}
    assert [(m.competence.number, m.axis) for m in verdict.missing] == [(28, "application")]
    assert any(r.startswith("No specialism at PMO specialist level yet") for r in verdict.reasons)


def test_stakeholder_engagement_never_decides_and_the_verdict_says_so(
    catalogue: Catalogue,
) -> None:
    ratings = with_(specialist_ready(catalogue), schedule=(3, 3), stakeholders=(5, 5))
    verdict = assess(catalogue, "pmo-specialist", "programme", ratings)
    assert not verdict.meets_profile
    assert 13 not in [c.number for c in verdict.specialisms_met or ()]
    assert 13 not in [d.competence.number for d in verdict.closest_specialisms or ()]
    assert any(
        "cannot be the deciding specialism" in r and r.startswith("Stakeholder")
        for r in verdict.reasons
    )


def test_specialist_fails_when_officer_fails_even_with_every_specialism(
    catalogue: Catalogue,
) -> None:
    ratings = targets(catalogue, "pmo-specialist", "programme")
    ratings[3] = Rating(0, 0)  # sustainability, an officer requirement
    verdict = assess(catalogue, "pmo-specialist", "programme", ratings)
    assert not verdict.meets_profile
    assert verdict.reasons[1].startswith("Does not meet the PMO officer profile")
    assert [(m.competence.number, m.target) for m in verdict.missing] == [(3, 1), (3, 1)]


def test_missing_keeps_one_entry_per_axis_with_the_higher_target(catalogue: Catalogue) -> None:
    ratings = with_(specialist_ready(catalogue), governance=(1, 1))
    verdict = assess(catalogue, "pmo-specialist", "programme", ratings)
    governance = [m.as_dict() for m in verdict.missing if m.competence.number == 2]
    assert governance == [
        {
            "number": 2,
            "slug": "governance-arrangements",
            "axis": "knowledge",
            "target": 4,
            "actual": 1,
        },
        {
            "number": 2,
            "slug": "governance-arrangements",
            "axis": "application",
            "target": 4,
            "actual": 1,
        },
    ]


def test_json_shape_has_the_contract_fields(catalogue: Catalogue) -> None:
    data = assess(catalogue, "pmo-specialist", "programme", {}, person="ada@example.org").as_dict()
    assert list(data) == [
        "person",
        "profile",
        "context",
        "meets_profile",
        "reasons",
        "missing",
        "competences",
        "specialisms_met",
        "closest_specialisms",
    ]
    assert len(data["competences"]) == 29
    officer = assess(catalogue, "pmo-officer", "programme", {}).as_dict()
    assert "specialisms_met" not in officer
    assert "closest_specialisms" not in officer


# -- properties ------------------------------------------------------------------------------

levels = st.one_of(st.none(), st.integers(0, 5))
ratings_strategy = st.one_of(
    # anything at all
    st.dictionaries(st.integers(1, 29), st.builds(Rating, levels, levels), max_size=29),
    # a profile's targets with a few changes, so that verdicts are often met and often not
    st.builds(
        lambda base, changes: {**base, **changes},
        st.sampled_from(
            [
                targets(load_catalogue(), p, c)
                for p in ("pmo-officer", "pmo-specialist")
                for c in CONTEXTS
            ]
        ),
        st.dictionaries(st.integers(1, 29), st.builds(Rating, levels, levels), max_size=3),
    ),
)
profiles = st.sampled_from(["pmo-officer", "pmo-specialist"])
contexts = st.sampled_from(CONTEXTS)


@given(
    ratings=ratings_strategy,
    profile=profiles,
    context=contexts,
    number=st.integers(1, 29),
    axis=st.sampled_from(["knowledge", "application"]),
    step=st.integers(1, 5),
)
def test_raising_a_rating_never_turns_met_into_not_met(
    catalogue: Catalogue,
    ratings: dict[int, Rating],
    profile: str,
    context: str,
    number: int,
    axis: str,
    step: int,
) -> None:
    before = assess(catalogue, profile, context, ratings)
    old = ratings.get(number, Rating())
    raised_value = min(5, (getattr(old, axis) or 0) + step)
    raised = dict(ratings)
    new = {**old.as_dict(), axis: raised_value}
    raised[number] = Rating(new["knowledge"], new["application"])
    after = assess(catalogue, profile, context, raised)
    if before.meets_profile:
        assert after.meets_profile
    for b, a in zip(before.competences, after.competences, strict=True):
        if b.met:
            assert a.met


@given(ratings=ratings_strategy, context=contexts)
def test_specialist_implies_officer_in_the_same_context(
    catalogue: Catalogue, ratings: dict[int, Rating], context: str
) -> None:
    specialist = assess(catalogue, "pmo-specialist", context, ratings).meets_profile
    officer = assess(catalogue, "pmo-officer", context, ratings).meets_profile
    event(f"specialist={specialist} officer={officer}")
    if specialist:
        assert officer


@given(
    ratings=ratings_strategy,
    profile=profiles,
    context=contexts,
    extra=st.builds(Rating, levels, levels),
)
def test_a_rating_on_a_competence_that_does_not_apply_never_changes_a_verdict(
    catalogue: Catalogue, ratings: dict[int, Rating], profile: str, context: str, extra: Rating
) -> None:
    p = catalogue.profile(profile)
    base_p = catalogue.profile(p.rule.base_profile) if p.rule else p
    not_applicable = [
        n
        for n in range(1, 30)
        if not p.requirements[n].applies_in(context)
        and not base_p.requirements[n].applies_in(context)
    ]
    before = assess(catalogue, profile, context, ratings)
    for n in not_applicable:
        changed = {**ratings, n: extra}
        after = assess(catalogue, profile, context, changed)
        assert after.meets_profile == before.meets_profile
        assert after.missing == before.missing
