"""The Python API: the same plain data (dicts and lists) as the command's ``--json``.

Every function raises :class:`competence.InputError` for bad input, with a message per problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from competence.data import load_catalogue
from competence.domain.analysis import assess
from competence.errors import writing
from competence.services import analysis, catalogue


def framework() -> dict[str, Any]:
    """The framework: id, title, version, attribution, levels 0-5 and the 29 competences."""
    return catalogue.framework_data()


def profiles() -> list[dict[str, Any]]:
    """The role profiles (id, name, description, builds_on)."""
    return catalogue.profiles_data()


def profile(profile_id: str, context: str | None = None) -> dict[str, Any]:
    """One profile's requirements; with a context, whether each applies there."""
    return catalogue.profile_data(profile_id, context)


def profile_diff(first: str, second: str) -> dict[str, Any]:
    """The requirements that differ between two profiles, with the rise per axis."""
    return catalogue.profile_diff_data(first, second)


def gap(
    ratings: Mapping[int | str, Any],
    profile: str,
    context: str,
    person: str | None = None,
) -> dict[str, Any]:
    """The gap analysis and verdict for one person, in the shape of ``competence gap --json``.

    ``ratings`` maps a competence (number, slug or name) to ``{"knowledge": k, "application": a}``
    or to a pair ``(k, a)``; a level is 0-5 or None (not rated).
    """
    cat = load_catalogue()
    parsed = analysis.ratings_from_mapping(ratings, cat)
    return assess(cat, profile, context, parsed, person).as_dict()


def gap_file(
    path: str | Path, profile: str | None = None, context: str | None = None
) -> dict[str, Any] | list[dict[str, Any]]:
    """``competence gap FILE --json`` as data: one object, or a list when the file names people."""
    return analysis.analyse_file(path, profile, context).as_data()


def write_template(
    path: str | Path, profile: str = "pmo-officer", context: str | None = None
) -> int:
    """Write the self-assessment workbook; return how many competences it asks to rate."""
    from competence.formats.template import write_template as write
    from competence.services.catalogue import resolve

    cat, chosen = resolve(profile)
    with writing(path):
        return write(cat, chosen or profile, context, path)
