"""Calibration's statistics: the worked example of docs/calibration.md by hand, against
scikit-learn, and the degenerate cases."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score  # type: ignore[import-untyped]

from competence.domain.calibration import (
    Pair,
    TooManyPairs,
    by_assessor,
    by_competence,
    kappa_closed_form,
    kappa_interval,
    quadratic_kappa,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "calibration.md"
SELF = [3, 2, 4, 1, 3, 2]
AGREED = [2, 2, 3, 1, 3, 3]


def pairs(first: list[int], second: list[int], assessor: str = "Pat") -> list[Pair]:
    return [
        Pair(1, "knowledge", a, b, assessor, i)
        for i, (a, b) in enumerate(zip(first, second, strict=True))
    ]


def test_the_worked_example_by_hand() -> None:
    # By hand (docs/calibration.md): observed disagreement, the mean squared difference, is
    # (1 + 0 + 1 + 0 + 0 + 1) / 6 = 0.5; expected disagreement by chance is
    # var(self) + var(agreed) + (mean self − mean agreed)² = 11/12 + 5/9 + 1/36 = 1.5;
    # kappa = 1 − 0.5 / 1.5 = 2/3.
    assert quadratic_kappa(SELF, AGREED) == pytest.approx(2 / 3)
    row = by_competence(pairs(SELF, AGREED))[0]
    assert row["n"] == 6
    assert row["mean_difference"] == pytest.approx(1 / 6, abs=0.005)
    assert {d["difference"]: d["count"] for d in row["distribution"] if d["count"]} == {
        -1: 1,
        0: 3,
        1: 2,
    }
    assert row["kappa"] == 0.667
    assert row["kappa_low"] is not None
    assert row["kappa_low"] < 0.667 < row["kappa_high"]


def test_the_document_shows_what_the_code_computes() -> None:
    text = DOC.read_text()
    table = re.findall(r"^\| (\d) \| (\d) \| (\d) \|", text, re.M)
    assert [int(s) for _, s, _ in table] == SELF
    assert [int(a) for _, _, a in table] == AGREED
    row = by_competence(pairs(SELF, AGREED))[0]
    assert f"kappa = 1 − 0.5 / 1.5 = {row['kappa']:.3f}" in text
    assert f"{row['kappa_low']:.2f} to {row['kappa_high']:.2f}" in text


def test_the_worked_example_agrees_with_scikit_learn() -> None:
    assert quadratic_kappa(SELF, AGREED) == pytest.approx(
        cohen_kappa_score(SELF, AGREED, weights="quadratic")
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=2, max_size=40))
def test_the_bootstraps_closed_form_is_scikit_learns_kappa(levels: list[tuple[int, int]]) -> None:
    first, second = [a for a, _ in levels], [b for _, b in levels]
    value = quadratic_kappa(first, second)
    closed = float(kappa_closed_form(np.array(first, float), np.array(second, float)))
    if value is None:
        assert np.isnan(closed)
    else:
        assert closed == pytest.approx(value, abs=1e-9)
        assert value == pytest.approx(
            cohen_kappa_score(first, second, labels=list(range(6)), weights="quadratic")
        )


def test_kappa_is_1_when_self_and_agreed_match_over_varied_levels() -> None:
    levels = [0, 1, 2, 3, 4, 5, 3, 2]
    assert quadratic_kappa(levels, levels) == pytest.approx(1.0)
    row = by_competence(pairs(levels, levels))[0]
    assert row["kappa"] == 1.0
    assert row["mean_difference"] == 0
    assert row["kappa_high"] == 1.0
    assert "as agreed" in row["mean_difference_text"]


@pytest.mark.parametrize(
    ("first", "second", "words"),
    [
        ([3], [2], "fewer than 2 pairs"),
        ([3, 3, 3], [3, 3, 3], "every rating is the same"),
    ],
)
def test_an_undefined_kappa_is_said_in_words_never_nan(
    first: list[int], second: list[int], words: str
) -> None:
    row = by_competence(pairs(first, second))[0]
    assert row["kappa"] is None
    assert row["kappa_low"] is None
    assert row["kappa_high"] is None
    assert words in row["kappa_text"]
    assert kappa_interval(first, second) is None
    json.dumps(row, allow_nan=False)  # no NaN anywhere


def test_the_interval_is_reproducible_and_bounded() -> None:
    rng = np.random.default_rng(3)
    first = list(rng.integers(0, 6, 5000))
    second = [
        min(5, max(0, a + int(d))) for a, d in zip(first, rng.integers(-1, 2, 5000), strict=False)
    ]
    once = kappa_interval(first, second)
    assert once == kappa_interval(first, second)
    assert once is not None
    assert once[0] < once[1]


def test_words_for_over_and_under_rating() -> None:
    row = by_competence(pairs([4, 4, 3, 2, 5], [3, 3, 2, 2, 4]))[0]
    assert row["mean_difference_text"] == (
        "People rate themselves 0.8 of a level above what is agreed, on average"
    )
    row = by_competence(pairs([1, 2, 3], [2, 3, 4]))[0]
    assert row["mean_difference_text"] == (
        "People rate themselves 1 level below what is agreed, on average"
    )


def test_leniency_per_assessor_against_the_group() -> None:
    lenient = [Pair(1, "knowledge", 2, 3, "Lee", i) for i in range(5)]  # agreed − self = +1
    strict = [Pair(1, "knowledge", 3, 3, "Sam", 10 + i) for i in range(5)]  # 0
    alone = [Pair(1, "knowledge", 3, 1, "Kim", 20)]
    figures = by_assessor([*lenient, *strict, *alone], min_people=5)
    # The group: (5 × 1 + 5 × 0 − 2) / 11.
    assert figures["team_mean_agreed_minus_self"] == pytest.approx(3 / 11, abs=0.005)
    rows = {a["assessor"]: a for a in figures["assessors"]}
    assert set(rows) == {"Lee", "Sam"}
    assert figures["left_out"] == 1
    assert rows["Lee"]["people"] == 5
    assert rows["Lee"]["text"] == "rates 0.7 of a level above the team's average"
    assert rows["Sam"]["text"] == "rates 0.3 of a level below the team's average"


def test_too_many_pairs_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from competence.domain import calibration

    monkeypatch.setattr(calibration, "MAX_PAIRS", 3)
    with pytest.raises(TooManyPairs):
        by_competence(pairs([1, 2, 3, 4], [1, 2, 3, 4]))
