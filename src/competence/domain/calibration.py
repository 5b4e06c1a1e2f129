"""Calibration: how far self-ratings and the agreed (or assessor's) ratings differ and agree.

Pure: pairs in, figures out. The privacy rules (who sees which figure) are the services'.
Statistics from maintained libraries: scikit-learn's ``cohen_kappa_score`` with quadratic
weights for the kappa, and SciPy's paired ``bootstrap`` (percentile method, fixed seed) for its
95 % confidence interval. See docs/calibration.md.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from competence.domain.framework import AXES
from competence.domain.words import levels as levels_word

# NumPy loads on first use, as SciPy and scikit-learn do: a server's start waits for none of them.
if TYPE_CHECKING:
    import numpy as np

MAX_PAIRS = 1_000_000
"""The most pairs one calculation takes (10,000 people × 30 competences × 2 axes fit)."""
RESAMPLES = 999
"""Bootstrap resamples per confidence interval."""
MAX_BOOTSTRAP_PAIRS = 2_000
"""A confidence interval is bootstrapped over at most this many pairs (a fixed, seeded sample):
with more, the interval is already narrow, and the work stays bounded."""
SEED = 14
DIFFERENCES = tuple(range(-5, 6))
LEVELS = tuple(range(0, 6))


class TooManyPairs(ValueError):
    """More pairs than :data:`MAX_PAIRS`."""


@dataclass(frozen=True)
class Pair:
    """One person's self level and agreed level for one competence and axis."""

    competence: int
    axis: str
    self_level: int
    agreed_level: int
    assessor: str | None = None
    """Who agreed (the person's assessor), for the per-assessor figures."""
    person: int = 0


def quadratic_kappa(first: Sequence[int], second: Sequence[int]) -> float | None:
    """Cohen's kappa with quadratic weights (scikit-learn); None when it is undefined: fewer
    than 2 pairs, or every rating the same on both sides (no disagreement is possible)."""
    if len(first) < 2:
        return None
    if len(set(first) | set(second)) == 1:
        return None
    # SciPy and scikit-learn load on first use: a server's start (and every page that never
    # shows calibration) does not wait for them.
    from sklearn.metrics import cohen_kappa_score  # type: ignore[import-untyped]

    value = float(cohen_kappa_score(first, second, labels=list(LEVELS), weights="quadratic"))
    return None if math.isnan(value) else value


def kappa_closed_form(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """The same quadratic-weighted kappa over many resamples at once (scipy's vectorized
    bootstrap): 1 − mean((x − y)²) / (var x + var y + (mean x − mean y)²), population variances;
    the tests check it against scikit-learn. NaN where it is undefined."""
    import numpy as np

    observed = np.mean((x - y) ** 2, axis=axis)
    expected = np.var(x, axis=axis) + np.var(y, axis=axis)
    expected = expected + (np.mean(x, axis=axis) - np.mean(y, axis=axis)) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, 1 - observed / np.where(expected > 0, expected, 1), np.nan)


def kappa_interval(first: Sequence[int], second: Sequence[int]) -> tuple[float, float] | None:
    """The 95 % confidence interval of :func:`quadratic_kappa`: SciPy's paired bootstrap,
    :data:`RESAMPLES` resamples, seed :data:`SEED`, percentile method over the resamples where
    kappa is defined. None when kappa is undefined or too few resamples define it."""
    if quadratic_kappa(first, second) is None:
        return None
    import numpy as np

    x = np.asarray(first, dtype=float)
    y = np.asarray(second, dtype=float)
    if len(x) > MAX_BOOTSTRAP_PAIRS:
        chosen = np.random.default_rng(SEED).choice(len(x), MAX_BOOTSTRAP_PAIRS, replace=False)
        x, y = x[chosen], y[chosen]
    from scipy.stats import DegenerateDataWarning, bootstrap  # on first use, as scikit-learn

    with warnings.catch_warnings():
        # Resamples that all give the same kappa: the interval below is then that value.
        warnings.simplefilter("ignore", DegenerateDataWarning)
        result = bootstrap(
            (x, y),
            kappa_closed_form,
            paired=True,
            vectorized=True,
            n_resamples=RESAMPLES,
            method="percentile",
            batch=100,
            rng=np.random.default_rng(SEED),
        )
    distribution = result.bootstrap_distribution
    defined = distribution[~np.isnan(distribution)]
    if len(defined) < RESAMPLES // 2:
        return None
    low, high = np.percentile(defined, [2.5, 97.5])
    return (round(float(low), 3) + 0.0, round(float(high), 3) + 0.0)  # + 0.0: never −0.0


def mean_difference_words(mean: float, whom: str = "People rate themselves") -> str:
    """(self − agreed) in words: "People rate themselves 0.8 of a level above what is agreed"."""
    if abs(mean) < 0.05:
        return f"{whom} as agreed, on average"
    amount = abs(round(mean, 1))
    size = levels_word(int(amount)) if amount == int(amount) else f"{amount:.1f} of a level"
    return f"{whom} {size} {'above' if mean > 0 else 'below'} what is agreed, on average"


def leniency_words(difference: float) -> str:
    """An assessor's mean (agreed − self) minus the team's, in words."""
    if abs(difference) < 0.05:
        return "rates as the team's average"
    amount = abs(round(difference, 1))
    size = levels_word(int(amount)) if amount == int(amount) else f"{amount:.1f} of a level"
    return f"rates {size} {'above' if difference > 0 else 'below'} the team's average"


def _kappa_figure(first: list[int], second: list[int]) -> dict[str, Any]:
    value = quadratic_kappa(first, second)
    interval = kappa_interval(first, second) if value is not None else None
    if value is None:
        text = (
            "not defined: fewer than 2 pairs"
            if len(first) < 2
            else "not defined: every rating is the same"
        )
    else:
        text = f"{value:.2f}" + (
            f" (95 % CI {interval[0]:.2f} to {interval[1]:.2f})" if interval else ""
        )
    return {
        "kappa": None if value is None else round(value, 3),
        "kappa_low": None if interval is None else interval[0],
        "kappa_high": None if interval is None else interval[1],
        "kappa_text": text,
    }


def by_competence(pairs: Iterable[Pair]) -> list[dict[str, Any]]:
    """Per competence and axis (axes in the framework's order): n, the mean of (self − agreed)
    with words, the distribution of the differences (−5..5, counts), and the quadratic-weighted
    kappa with its interval."""
    groups: dict[tuple[int, str], list[Pair]] = {}
    for count, p in enumerate(pairs, 1):
        if count > MAX_PAIRS:
            raise TooManyPairs(f"more than {MAX_PAIRS} pairs")
        groups.setdefault((p.competence, p.axis), []).append(p)
    rows = []
    order = {axis: i for i, axis in enumerate(AXES)}
    for (number, axis), items in sorted(
        groups.items(), key=lambda g: (g[0][0], order.get(g[0][1], 9))
    ):
        first = [p.self_level for p in items]
        second = [p.agreed_level for p in items]
        differences = [a - b for a, b in zip(first, second, strict=True)]
        mean = sum(differences) / len(differences)
        rows.append(
            {
                "number": number,
                "axis": axis,
                "n": len(items),
                "mean_difference": round(mean, 2),
                "mean_difference_text": mean_difference_words(mean),
                "distribution": [
                    {"difference": d, "count": differences.count(d)} for d in DIFFERENCES
                ],
                **_kappa_figure(first, second),
            }
        )
    return rows


def by_assessor(pairs: Iterable[Pair], min_people: int = 1) -> dict[str, Any]:
    """Per assessor: the mean of (agreed − self) over their pairs against the whole group's,
    with how many people they agreed for; assessors with fewer than ``min_people`` people are
    left out (counted in ``left_out``)."""
    items = list(pairs)
    if len(items) > MAX_PAIRS:
        raise TooManyPairs(f"more than {MAX_PAIRS} pairs")
    group_mean = sum(p.agreed_level - p.self_level for p in items) / len(items) if items else 0.0
    mine: dict[str, list[Pair]] = {}
    for p in items:
        if p.assessor:
            mine.setdefault(p.assessor, []).append(p)
    rows, left_out = [], 0
    for name, own in sorted(mine.items()):
        people = len({p.person for p in own})
        if people < min_people:
            left_out += 1
            continue
        mean = sum(p.agreed_level - p.self_level for p in own) / len(own)
        rows.append(
            {
                "assessor": name,
                "people": people,
                "n": len(own),
                "mean_agreed_minus_self": round(mean, 2),
                "difference_from_team": round(mean - group_mean, 2),
                "text": leniency_words(mean - group_mean),
            }
        )
    return {
        "team_mean_agreed_minus_self": round(group_mean, 2),
        "assessors": rows,
        "left_out": left_out,
    }
