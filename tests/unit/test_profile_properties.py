"""Properties of any profile the editor's rules allow (the profile schema and
:func:`competence.data.check_profile_document`): random targets on the framework's axes, random
applicability per context (or the competence dropped), and an optional builds-on rule with a
random list and k; over APM's framework and over an imported single-axis CASE framework."""

from __future__ import annotations

from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from competence.data import build_catalogue, check_profile_document, load_catalogue
from competence.domain import CONTEXTS, Catalogue, Framework, Rating, assess
from competence.domain.analysis import (
    VERDICTS_KEPT,
    assess_afresh,
    forget_verdicts,
    meets_profile,
)
from competence.formats.case import assessable, read_case
from tests.conftest import CASE_FILES

APM = load_catalogue().framework
SAMPLE = assessable(read_case(CASE_FILES / "opensalt-sample-framework.json"))


@st.composite
def requirements(draw: st.DrawFn, framework: Framework) -> list[dict[str, Any]]:
    numbers = [c.number for c in framework.competences]
    kept = draw(st.lists(st.sampled_from(numbers), min_size=1, max_size=12, unique=True))
    out = []
    for number in sorted(kept):
        contexts = draw(st.lists(st.sampled_from(CONTEXTS), min_size=1, max_size=3, unique=True))
        levels = {axis: draw(st.integers(0, framework.top_level)) for axis in framework.axes}
        out.append({"competence": number, **levels, "contexts": contexts})
    return out


@st.composite
def catalogues(draw: st.DrawFn) -> tuple[Catalogue, str, str | None]:
    """A catalogue with a base profile and a profile over it (a builds-on rule, or none); the
    profile's id and its base's id (None when it has no rule)."""
    framework = draw(st.sampled_from([APM, SAMPLE]))
    base = {
        "schema": "competence/profile/1",
        "id": "base",
        "name": "Base",
        "framework": framework.id,
        "requirements": draw(requirements(framework)),
    }
    reqs = draw(requirements(framework))
    doc: dict[str, Any] = {**base, "id": "tailored", "name": "Tailored", "requirements": reqs}
    if draw(st.booleans()):
        numbers = [r["competence"] for r in reqs]
        specialisms = draw(st.lists(st.sampled_from(numbers), min_size=1, unique=True))
        deciding = draw(st.lists(st.sampled_from(specialisms), min_size=1, unique=True))
        doc["rule"] = {
            "kind": "builds-on",
            "statement": "The base profile, plus some.",
            "base_profile": "base",
            "required": draw(st.lists(st.sampled_from(numbers), unique=True, max_size=3)),
            "specialisms": specialisms,
            "deciding": deciding,
            "at_least": draw(st.integers(1, len(deciding) + 1)),
        }
    profiles = [check_profile_document(d, framework, str(d["id"])) for d in (base, doc)]
    return build_catalogue(framework, profiles), "tailored", "base" if "rule" in doc else None


@st.composite
def ratings_for(draw: st.DrawFn, framework: Framework) -> dict[int, Rating]:
    """A few random ratings, or (as often) every competence rated near the top, so that
    profiles are met often enough to test what meeting one implies."""
    numbers = [c.number for c in framework.competences]
    top = framework.top_level
    level: st.SearchStrategy[int | None]
    if draw(st.booleans()):
        level = st.just(top) if draw(st.booleans()) else st.integers(max(0, top - 1), top)
        rated = numbers
    else:
        level = st.none() | st.integers(0, top)
        rated = draw(st.lists(st.sampled_from(numbers), unique=True, max_size=14))
    out = {}
    for number in rated:
        values = {axis: draw(level) for axis in framework.axes}
        out[number] = Rating(values.get("knowledge"), values.get("application"))
    return out


@given(data=st.data(), chosen=catalogues(), context=st.sampled_from(CONTEXTS))
def test_raising_a_rating_never_turns_met_into_not_met_for_any_profile(
    data: st.DataObject, chosen: tuple[Catalogue, str, str | None], context: str
) -> None:
    catalogue, profile, _ = chosen
    fw = catalogue.framework
    ratings = data.draw(ratings_for(fw))
    number = data.draw(st.sampled_from([c.number for c in fw.competences]))
    axis = data.draw(st.sampled_from(fw.axes))
    step = data.draw(st.integers(1, fw.top_level))
    before = assess(catalogue, profile, context, ratings)
    old = ratings.get(number, Rating())
    levels = {a: old.level(a) for a in ("knowledge", "application")}
    levels[axis] = min(fw.top_level, (levels[axis] or 0) + step)
    after = assess(
        catalogue,
        profile,
        context,
        {**ratings, number: Rating(levels["knowledge"], levels["application"])},
    )
    event(f"{fw.id}: met before={before.meets_profile}")
    if before.meets_profile:
        assert after.meets_profile
    for b, a in zip(before.competences, after.competences, strict=True):
        if b.met:
            assert a.met


@given(data=st.data(), chosen=catalogues(), context=st.sampled_from(CONTEXTS))
def test_a_profile_with_a_builds_on_rule_implies_its_base(
    data: st.DataObject, chosen: tuple[Catalogue, str, str | None], context: str
) -> None:
    catalogue, profile, base = chosen
    ratings = data.draw(ratings_for(catalogue.framework))
    verdict = assess(catalogue, profile, context, ratings)
    event(f"rule={base is not None} met={verdict.meets_profile}")
    if base is not None and verdict.meets_profile:
        assert assess(catalogue, base, context, ratings).meets_profile
    for reason in verdict.reasons:  # every verdict explains itself, on the framework's axes
        assert "knowledge" not in reason or "knowledge" in catalogue.framework.axes


@given(data=st.data(), chosen=catalogues(), context=st.sampled_from(CONTEXTS))
def test_the_verdict_alone_agrees_with_the_verdict_and_its_reasons(
    data: st.DataObject, chosen: tuple[Catalogue, str, str | None], context: str
) -> None:
    """:func:`meets_profile` (the trends' verdicts, thousands at once) is :func:`assess`'s."""
    catalogue, profile, base = chosen
    ratings = data.draw(ratings_for(catalogue.framework))
    levels = {n: (r.knowledge, r.application) for n, r in ratings.items()}
    expected = assess(catalogue, profile, context, ratings).meets_profile
    event(f"rule={base is not None} met={expected}")
    assert meets_profile(catalogue, profile, context, levels) == expected


@given(ratings=ratings_for(APM), context=st.sampled_from(CONTEXTS))
def test_the_verdict_alone_agrees_on_apms_two_profiles(
    ratings: dict[int, Rating], context: str
) -> None:
    catalogue = load_catalogue()
    levels = {n: (r.knowledge, r.application) for n, r in ratings.items()}
    for profile in ("pmo-officer", "pmo-specialist"):
        expected = assess(catalogue, profile, context, ratings).meets_profile
        assert meets_profile(catalogue, profile, context, levels) == expected


@settings(max_examples=40)
@given(data=st.data(), chosen=catalogues(), context=st.sampled_from(CONTEXTS))
def test_a_remembered_verdict_is_the_verdict_computed_afresh(
    data: st.DataObject, chosen: tuple[Catalogue, str, str | None], context: str
) -> None:
    """:func:`assess` remembers its verdicts; each one is what :func:`assess_afresh` gives, asked
    once or again, for the profile and for the base under it, the ratings in any order."""
    catalogue, profile, base = chosen
    ratings = data.draw(ratings_for(catalogue.framework))
    shuffled = dict(data.draw(st.permutations(list(ratings.items()))))
    for p in (profile, base) if base else (profile,):
        fresh = assess_afresh(catalogue, p, context, ratings, "ada@example.org")
        assert assess(catalogue, p, context, ratings, "ada@example.org") == fresh
        assert assess(catalogue, p, context, shuffled, "ada@example.org") == fresh
    assert assess(catalogue, profile, context, ratings).person is None  # the person is keyed


def test_the_verdicts_remembered_are_bounded_and_belong_to_their_catalogue() -> None:
    catalogue = load_catalogue()
    rebuilt = build_catalogue(catalogue.framework, catalogue.profiles.values())
    forget_verdicts()
    ratings = {1: Rating(4, 4), 2: Rating(3, 3)}
    first = assess(catalogue, "pmo-specialist", "programme", ratings)
    assert assess(catalogue, "pmo-specialist", "programme", ratings) is first
    assert assess(rebuilt, "pmo-specialist", "programme", ratings) is not first  # another one
    others = [(n, k, a, c) for n in range(1, 30) for k in range(6) for a in range(6)
              for c in CONTEXTS]  # fmt: skip
    assert len(others) > VERDICTS_KEPT  # more than the memo keeps
    for n, k, a, c in others:
        assess(catalogue, "pmo-officer", c, {n: Rating(k, a)})
    assert assess(catalogue, "pmo-specialist", "programme", ratings) is not first  # gone first
    assert assess(catalogue, "pmo-specialist", "programme", ratings) == first
